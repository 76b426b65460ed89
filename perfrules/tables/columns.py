"""The primitives of a table spec: SQL types, columns, and a table's declared shape.

Kept apart from the declared tables (``spec``) so that the Arrow encoding (``columnar``) can
use them without importing every table, and without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

SqlType = Literal["VARCHAR", "INTEGER", "BIGINT", "DECIMAL(18,4)", "DATE", "BOOLEAN"]
DECIMAL: SqlType = "DECIMAL(18,4)"
STATES = ("value", "missing", "not_applicable", "withheld", "malformed")


@dataclass(frozen=True)
class Column:
    """One column of a table: its SQL type, description, the model field it comes from, and whether it is numeric with a state."""

    name: str
    type: SqlType
    description: str
    field: str | None = None
    """JSON pointer suffix of this column relative to its row; None if derived."""
    nullable: bool = True
    numeric_state: bool = False
    """A numeric cell: the table also has ``<name>_state`` holding one of STATES."""
    enumerated: bool = False
    """Text from a closed list of a few values (a state, a document kind): stored in Arrow with
    8-bit dictionary codes, which at 10M rows saves 30 MB a column."""


@dataclass(frozen=True)
class TableSpec:
    """A table's declared shape: its columns, the columns that identify a row to people, and its parent table."""

    name: str
    description: str
    columns: tuple[Column, ...]
    identity: tuple[str, ...] = ()
    """Columns naming the row for humans and fingerprints (never an index)."""
    parent: str | None = None

    @cached_property
    def all_columns(self) -> tuple[Column, ...]:
        out: list[Column] = []
        for col in self.columns:
            out.append(col)
            if col.numeric_state:
                out.append(
                    Column(
                        f"{col.name}_state",
                        "VARCHAR",
                        f"state of {col.name}: one of {', '.join(STATES)}",
                        field=col.field,
                        nullable=False,
                        enumerated=True,
                    )
                )
        return tuple(out)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.all_columns if c.name == name), None)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.all_columns)

    def ddl(self) -> str:
        """CREATE TABLE for this spec; every name must be a plain identifier (a reference CSV's
        header ends up here), so quoting cannot be escaped."""
        from perfrules.model.rule import check_identifier

        cols = ",\n  ".join(
            f'"{check_identifier(c.name)}" {c.type}{"" if c.nullable else " NOT NULL"}' for c in self.all_columns
        )
        return f'CREATE TABLE "{check_identifier(self.name)}" (\n  {cols}\n)'
