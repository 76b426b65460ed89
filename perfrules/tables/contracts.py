"""Table contracts as pandera schemas, generated from the same spec as the DuckDB DDL.

pandera is imported only here, and this module only under ``--strict`` and in tests: its
import alone costs more than a whole default run on one submission.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from perfrules.errors import MissingDependency
from perfrules.tables.spec import DECIMAL, STATES, TableData, TableSpec

__all__ = ["MissingDependency", "check_contracts"]


def _pandera() -> Any:
    try:
        import pandera.pandas as pa
    except ImportError as exc:
        raise MissingDependency.for_extra("contracts", "pandera", "--strict 表约定检查", "--strict") from exc
    return pa


def _is_exact_decimal(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, Decimal):
        return False
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -4


def schema_for(spec: TableSpec) -> Any:
    """The pandera contract of one table: types, nullability, states, and value⇔state."""
    pa = _pandera()
    columns: dict[str, Any] = {}
    for col in spec.all_columns:
        checks = []
        if col.name.endswith("_state") and col.type == "VARCHAR":
            checks.append(pa.Check.isin(STATES))
        if col.type == DECIMAL:
            checks.append(
                pa.Check(lambda s: s.map(_is_exact_decimal), element_wise=False, error="exact Decimal, 4 places")
            )
            columns[col.name] = pa.Column(object, checks=checks, nullable=True)
            continue
        dtype = {"VARCHAR": object, "INTEGER": "Int64", "BIGINT": "Int64", "BOOLEAN": "boolean", "DATE": object}[
            col.type
        ]
        columns[col.name] = pa.Column(dtype, checks=checks, nullable=col.nullable, coerce=dtype is not object)
    frame_checks = [
        pa.Check(
            lambda df, name=col.name: df[name].notna() == (df[f"{name}_state"] == "value"),
            error=f"{col.name} has a value exactly when {col.name}_state is 'value'",
        )
        for col in spec.columns
        if col.numeric_state
    ]
    unique = ["rid"] if spec.column("rid") else None
    return pa.DataFrameSchema(columns, checks=frame_checks, unique=unique, strict=True, name=spec.name)


def check_contracts(tables: dict[str, TableData]) -> list[str]:
    """Every contract violation in a normalized batch, as readable lines (empty when all hold)."""
    pa = _pandera()  # first: pandas comes with pandera's extra
    import pandas as pd

    problems: list[str] = []
    for name, data in tables.items():
        frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in data.column_lists().items()})
        try:
            schema_for(data.spec).validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases = exc.failure_cases
            for check, group in cases.groupby("check", sort=True):
                rows = sorted({int(i) for i in group["index"].dropna()})
                paths = [str(frame["path"].iloc[i]) for i in rows[:3]] if "path" in frame else []
                where = f" at {', '.join(paths)}" if paths else ""
                problems.append(f"{name}: {check}: {len(rows) or len(group)} row(s){where}")
    return problems
