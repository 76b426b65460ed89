"""What every check kind's compiler shares: the compiled rule, its errors, and the SQL pieces.

The output shape is the same for every kind, so the engine needs no knowledge of kinds:
``sub, rid, path, location, ident_0..2, ev_<name>...`` (``perfrules.compile.rows``). Every
join and GROUP BY carries ``sub``: project ids repeat across submissions and a batch must
equal its singles. This package builds SQL text; it never talks to an engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from perfrules.compile._lazy import exp
from perfrules.compile.allowlist import (
    DIALECT,
    SqlNotAllowed,
    expand,
    literal_sql,
    parse_fragment,
    unknown_column_message,
)
from perfrules.compile.regex import re2_problem, regex_message, tree_regex_problem
from perfrules.errors import RuleError
from perfrules.model.rule import Condition, ParamValue, Rule
from perfrules.tables.spec import TableSpec

IDENTITY_SLOTS = 3
GROUP_TABLES = {"submission": "submissions", "project": "projects", "fund": "funds", "department": "submissions"}
ROW_MEASURES = ("ratio", "matched", "total")

Lookups = Mapping[str, tuple[str, ...]]
"""Each reference table's columns, by its name."""


@dataclass(frozen=True)
class CompiledRule:
    rule_id: str
    sql: str
    located_table: str
    """The table whose rows the findings point at (the group's table for aggregates)."""
    points_at: str
    evidence: tuple[str, ...]
    unlocated_sql: str = ""
    """The same query without the join to ``locations``, for batches with no located cells."""


class CompileError(RuleError):
    """A rule that cannot be compiled; ``field`` names the rule key at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


RowCondition = Callable[[Any, TableSpec, dict[str, ParamValue], list[str], Lookups], str]
"""A row-level kind's part: the WHERE condition of a failing row (it may add SELECT columns to the list)."""
GroupCompiler = Callable[[Rule, Any, TableSpec, dict[str, ParamValue]], tuple[str, TableSpec]]
"""A group-level kind's part: the whole query, and the table its findings point at."""


@dataclass(frozen=True)
class CheckKind:
    """One check kind: how it compiles, and what tools that work on rules need to know about it.

    Exactly one of ``row_condition`` (a kind judged row by row) and ``compile_group`` (a kind
    judged over groups of rows) is set.
    """

    name: str
    """The ``kind:`` discriminator in rule files."""
    row_condition: RowCondition | None = None
    compile_group: GroupCompiler | None = None
    implicit_evidence: Callable[[Any], tuple[str, ...]] = lambda check: ()
    """Evidence the kind adds to every finding (the matched text, the allowed values, the ratio)."""
    attackable: tuple[str, ...] = ()
    """Check keys holding SQL fragments whose comparisons boundary tests and mutants attack."""
    named_columns: Callable[[Any], tuple[str, ...]] = lambda check: ()
    """Columns the author names outside SQL fragments (for coverage)."""
    summary: tuple[str, str] = field(default=("", ""))
    """What the kind checks, Chinese and English, for the catalogue and the rule-author guide."""

    @property
    def grouped(self) -> bool:
        """Findings point at a group (a submission, project or fund), not at the rows checked."""
        return self.compile_group is not None


def q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql(DIALECT)


def sql_string(text: str) -> str:
    return exp.Literal.string(text).sql(DIALECT)


def fragment(
    text: str, spec: TableSpec, params: dict[str, ParamValue], field: str, *, alias: str, aggregate: bool = False,
    extra_columns: tuple[str, ...] = (), replacements: dict[str, exp.Expr] | None = None,
) -> str:  # fmt: skip
    try:
        tree = parse_fragment(text, (*spec.column_names, *extra_columns), params, aggregate=aggregate)
    except SqlNotAllowed as exc:
        raise CompileError(str(exc), field) from None
    regex = tree_regex_problem(tree)
    if regex is not None:
        raise CompileError(regex, field)
    return expand(tree, replacements or {}, alias).sql(DIALECT)


OPS = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def condition(cond: Condition, spec: TableSpec, params: dict[str, ParamValue], alias: str) -> str:
    if spec.column(cond.column) is None:
        raise CompileError(unknown_column_message(cond.column, spec.column_names), "check.fails_when")
    left = f"{alias}.{q(cond.column)}"
    if cond.op == "is_missing":
        state = spec.column(f"{cond.column}_state")
        return f"{alias}.{q(state.name)} <> 'value'" if state else f"{left} IS NULL"
    if cond.op == "is_present":
        state = spec.column(f"{cond.column}_state")
        return f"{alias}.{q(state.name)} = 'value'" if state else f"{left} IS NOT NULL"
    if cond.op == "is_blank":
        return f"({left} IS NULL OR trim({left}) = '')"
    if cond.other is not None:
        if spec.column(cond.other) is None:
            raise CompileError(unknown_column_message(cond.other, spec.column_names), "check.fails_when")
        right = f"{alias}.{q(cond.other)}"
    else:
        value = cond.value
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            name = value[1:-1].strip()
            if name not in params:
                raise CompileError(f"未声明的参数 {value} / undeclared parameter {value}", "check.fails_when")
            value = params[name]
        if value is None:
            raise CompileError(
                f"{cond.op} 需要 value 或 other / {cond.op} needs a value or another column", "check.fails_when"
            )
        right = literal_sql(value)
    if cond.op == "matches":
        reason = re2_problem(value) if cond.other is None and isinstance(value, str) else None
        if reason is not None and isinstance(value, str):
            raise CompileError(regex_message(value, reason), "check.fails_when")
        return f"regexp_matches({left}, {right})"
    if cond.op in ("in", "not_in"):
        if not right.startswith("("):
            right = f"({right})"
        return f"{left} {'IN' if cond.op == 'in' else 'NOT IN'} {right}"
    return f"{left} {OPS[cond.op]} {right}"


def applies(rule: Rule, alias: str) -> str:
    kinds = ", ".join(sql_string(k.value) for k in rule.applies_to)
    parts = [f"{alias}.doc_kind IN ({kinds})"]
    if rule.needs_year:  # without the year such a rule cannot judge: not applicable (DATA-YEAR-MISSING)
        parts.append(f"{alias}.fiscal_year IS NOT NULL")
    if rule.effective.from_year is not None:
        parts.append(f"{alias}.fiscal_year >= {rule.effective.from_year}")
    if rule.effective.to_year is not None:
        parts.append(f"{alias}.fiscal_year <= {rule.effective.to_year}")
    return " AND ".join(parts)


def identity(spec: TableSpec, alias: str) -> list[str]:
    idents = [f"{alias}.{q(c)}" for c in spec.identity]
    idents += ["CAST(NULL AS VARCHAR)"] * (IDENTITY_SLOTS - len(idents))
    return [f"{expr} AS ident_{i}" for i, expr in enumerate(idents)]


def _anchor_field(located: TableSpec) -> str | None:
    """The field naming a row on its sheet (a budget line's item, an indicator's name): where a finding is
    shown when the form has no cell for the column it points at (10号's budget block has no 说明 column)."""
    for name in reversed(located.identity):
        column = located.column(name)
        if column is not None and column.field and "/" not in column.field:
            return column.field
    return None


def located_sql(inner: str, located: TableSpec, points_at: str) -> str:
    column = located.column(points_at)
    field = (column.field or points_at).rsplit("/", 1)[-1] if column else points_at
    table = sql_string(located.name)
    anchor = _anchor_field(located)
    if anchor is None or anchor == field:
        return (
            f"WITH v AS ({inner})\n"
            f"SELECT v.*, l.location FROM v LEFT JOIN locations l "
            f"ON l.tbl = {table} AND l.rid = v.rid AND l.col = {sql_string(field)}"
        )
    return (
        f"WITH v AS ({inner})\n"
        f"SELECT v.*, coalesce(l.location, a.location) AS location FROM v LEFT JOIN locations l "
        f"ON l.tbl = {table} AND l.rid = v.rid AND l.col = {sql_string(field)} LEFT JOIN locations a "
        f"ON a.tbl = {table} AND a.rid = v.rid AND a.col = {sql_string(anchor)}"
    )


def check_points_at(rule: Rule, located: TableSpec) -> None:
    if located.column(rule.points_at) is None:
        raise CompileError(
            f"points_at 指向的列在 {located.name} 中不存在 / points_at column not in {located.name}: "
            + unknown_column_message(rule.points_at, located.column_names),
            "points_at",
        )
