"""``kind: sql`` — one allow-listed SQL condition over a row's columns."""

from __future__ import annotations

from perfrules.compile.kinds.common import CheckKind, Lookups, fragment
from perfrules.model.rule import ParamValue, SqlCheck
from perfrules.tables.spec import TableSpec


def row_condition(
    check: SqlCheck, spec: TableSpec, values: dict[str, ParamValue], extra: list[str], lookups: Lookups
) -> str:
    return f"({fragment(check.fails_when, spec, values, 'check.fails_when', alias='t')})"


KIND = CheckKind(
    "sql",
    row_condition=row_condition,
    attackable=("fails_when", "where"),
    summary=("白名单内的 SQL 条件", "an allow-listed SQL condition over a row"),
)
