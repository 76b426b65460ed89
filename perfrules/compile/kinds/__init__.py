"""Check kinds: each compiles a rule to one SELECT that returns the violating rows.

One module per kind, registered here by the rule model's discriminator (``kind:``). Tools
that work on rules (the catalogue, boundary tests, coverage, mutation) ask the kind through
``KINDS``, not an ``isinstance`` ladder. A new kind is a model class in ``model/rule.py``, a
module here with its ``CheckKind``, and one entry in ``KINDS``.
"""

from __future__ import annotations

from perfrules.compile.allowlist import unknown_column_message
from perfrules.compile.kinds import grouped, reference, row, sql, text_pattern
from perfrules.compile.kinds.common import (
    GROUP_TABLES,
    ROW_MEASURES,
    CheckKind,
    CompiledRule,
    CompileError,
    Lookups,
    applies,
    check_points_at,
    fragment,
    identity,
    located_sql,
    q,
)
from perfrules.model.rule import CHECK_KINDS, ParamValue, Rule
from perfrules.tables.spec import TABLES, TableSpec

__all__ = ["GROUP_TABLES", "KINDS", "ROW_MEASURES", "CheckKind", "CompileError", "CompiledRule", "compile_rule"]

KINDS: dict[str, CheckKind] = {
    kind.name: kind
    for kind in (row.KIND, sql.KIND, grouped.AGGREGATE, grouped.RATIO, reference.KIND, text_pattern.KIND)
}
assert tuple(KINDS) == CHECK_KINDS, "every kind of the rule model has a compiler, in the model's order"


def compile_rule(
    rule: Rule, params: dict[str, ParamValue] | None = None, lookup_columns: Lookups | None = None
) -> CompiledRule:
    """Compile one rule with its effective parameters to a CompiledRule."""
    values = rule.parameter_values(params)
    spec = TABLES.get(rule.table)
    if spec is None or spec.name == "locations":
        raise CompileError(
            unknown_column_message(rule.table, [t for t in TABLES if t != "locations"])
            .replace("列", "表")
            .replace("column", "table"),
            "table",
        )
    check = rule.check
    kind = KINDS[check.kind]
    if kind.compile_group is not None:
        sql_text, located = kind.compile_group(rule, check, spec, values)
    else:
        assert kind.row_condition is not None
        sql_text, located = _row_level(rule, kind, spec, values, lookup_columns or {}), spec
    return CompiledRule(
        rule.id,
        located_sql(sql_text, located, rule.points_at),
        located.name,
        rule.points_at,
        tuple(rule.evidence) + kind.implicit_evidence(check),
        unlocated_sql=f"SELECT v.*, CAST(NULL AS VARCHAR) AS location FROM ({sql_text}) v",
    )


def _row_level(rule: Rule, kind: CheckKind, spec: TableSpec, values: dict[str, ParamValue], lookups: Lookups) -> str:
    """The query of a kind judged row by row: applicability, ``where``, the kind's condition, evidence."""
    check = rule.check
    check_points_at(rule, spec)
    where = [applies(rule, "t")]
    if check.where:
        where.append(f"({fragment(check.where, spec, values, 'check.where', alias='t')})")
    extra: list[str] = []
    assert kind.row_condition is not None
    where.append(kind.row_condition(check, spec, values, extra, lookups))
    evidence = [
        f"{fragment(expr, spec, values, f'evidence.{name}', alias='t')} AS {q('ev_' + name)}"
        for name, expr in rule.evidence.items()
    ]
    select = ["t.sub", "t.rid", "t.path", *identity(spec, "t"), *extra, *evidence]
    return f"SELECT {', '.join(select)}\nFROM {q(spec.name)} t\nWHERE " + "\n  AND ".join(where)
