"""``kind: row`` — conditions on one row's columns, all or any of which make it fail."""

from __future__ import annotations

from perfrules.compile.kinds.common import CheckKind, Lookups, condition
from perfrules.model.rule import ParamValue, RowCheck
from perfrules.tables.spec import TableSpec


def row_condition(
    check: RowCheck, spec: TableSpec, values: dict[str, ParamValue], extra: list[str], lookups: Lookups
) -> str:
    joiner = " AND " if check.match == "all" else " OR "
    return "(" + joiner.join(condition(c, spec, values, "t") for c in check.fails_when) + ")"


def named_columns(check: RowCheck) -> tuple[str, ...]:
    return tuple(name for c in check.fails_when for name in (c.column, c.other) if name)


KIND = CheckKind(
    "row",
    row_condition=row_condition,
    attackable=("where",),
    named_columns=named_columns,
    summary=("行内条件：全部或任一条件成立即为问题", "conditions on a row's columns; all or any make it fail"),
)
