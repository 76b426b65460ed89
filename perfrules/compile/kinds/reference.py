"""``kind: reference`` — a row whose keys have no match in a reference table of the pack (valid in its year)."""

from __future__ import annotations

from perfrules.compile.allowlist import unknown_column_message
from perfrules.compile.kinds.common import CheckKind, CompileError, Lookups, q
from perfrules.model.rule import ParamValue, ReferenceCheck
from perfrules.tables.spec import TableSpec


def row_condition(
    check: ReferenceCheck, spec: TableSpec, values: dict[str, ParamValue], extra: list[str], lookup_columns: Lookups
) -> str:
    known = lookup_columns.get(check.lookup)
    if known is None:
        raise CompileError(
            unknown_column_message(check.lookup, lookup_columns).replace("列", "参照表").replace("column", "lookup"),
            "check.lookup",
        )
    table = q(f"ref_{check.lookup}")
    joins: list[str] = []
    for column, ref_column in check.keys.items():
        if spec.column(column) is None:
            raise CompileError(unknown_column_message(column, spec.column_names), "check.keys")
        if ref_column not in known:
            raise CompileError(unknown_column_message(ref_column, known), "check.keys")
        joins.append(f"r.{q(ref_column)} = t.{q(column)}")
    validity = "(r.valid_from IS NULL OR t.fiscal_year >= r.valid_from) AND (r.valid_to IS NULL OR t.fiscal_year <= r.valid_to)"
    if check.allowed_column:
        if check.allowed_column not in known:
            raise CompileError(unknown_column_message(check.allowed_column, known), "check.allowed_column")
        others = [j for (col, ref), j in zip(check.keys.items(), joins, strict=True) if ref != check.allowed_column]
        allowed = q(check.allowed_column)
        cond = " AND ".join([*others, validity])
        extra.append(
            f"(SELECT string_agg(DISTINCT r.{allowed}, '、' ORDER BY r.{allowed}) FROM {table} r WHERE {cond}) AS ev_allowed"
        )
        # Only rows whose other keys are known can be out of bounds; an unknown category is another rule's finding.
        known_category = f"EXISTS (SELECT 1 FROM {table} r WHERE {cond})"
        return f"{known_category} AND NOT EXISTS (SELECT 1 FROM {table} r WHERE {' AND '.join([*joins, validity])})"
    return f"NOT EXISTS (SELECT 1 FROM {table} r WHERE {' AND '.join([*joins, validity])})"


KIND = CheckKind(
    "reference",
    row_condition=row_condition,
    implicit_evidence=lambda check: ("allowed",) if check.allowed_column else (),
    named_columns=lambda check: tuple(check.keys),
    summary=("与参照表比对（按年度有效）", "keys checked against a reference table, valid by fiscal year"),
)
