"""``kind: aggregate`` and ``kind: ratio`` — conditions over groups of rows (a submission's, a project's, a fund's, or a department's across files)."""

from __future__ import annotations

from perfrules.compile._lazy import exp
from perfrules.compile.allowlist import DIALECT, safe_ratio
from perfrules.compile.kinds.common import (
    GROUP_TABLES,
    ROW_MEASURES,
    CheckKind,
    CompileError,
    applies,
    check_points_at,
    fragment,
    identity,
    q,
)
from perfrules.model.rule import AggregateCheck, ParamValue, RatioCheck, Rule
from perfrules.tables.spec import TABLES, TableSpec


def compile_group(
    rule: Rule, check: AggregateCheck | RatioCheck, spec: TableSpec, values: dict[str, ParamValue]
) -> tuple[str, TableSpec]:
    if check.group_by == "department":
        return _compile_department(rule, check, spec, values)
    return _compile_grouped(rule, check, spec, values)


def _compile_grouped(
    rule: Rule, check: AggregateCheck | RatioCheck, spec: TableSpec, values: dict[str, ParamValue]
) -> tuple[str, TableSpec]:
    group = TABLES[GROUP_TABLES[check.group_by]]
    if group.name == spec.name:
        raise CompileError(
            f"{spec.name} 不能按自身分组，请用 row 或 sql 检查 / {spec.name} cannot be grouped by itself: use a row or sql check",
            "check.group_by",
        )
    if group.name == "submissions":
        join = "t.sub = g.sub"
    elif spec.parent == group.name:
        join = f"t.sub = g.sub AND t.{q(group.name[:-1] + '_rid')} = g.rid"
    else:
        raise CompileError(
            f"{spec.name} 不能按 {check.group_by} 分组 / {spec.name} rows cannot be grouped by {check.group_by}",
            "check.group_by",
        )
    check_points_at(rule, group)
    # The group's own columns are readable as group_<name>: constant within a group, so aggregated with MAX.
    group_columns = tuple(f"group_{c}" for c in group.column_names)
    group_rows: dict[str, exp.Expr] = {f"group_{c}": exp.column(c, table="g", quoted=True) for c in group.column_names}
    group_values: dict[str, exp.Expr] = {name: exp.Max(this=col) for name, col in group_rows.items()}
    if check.where:
        where = fragment(
            check.where, spec, values, "check.where", alias="t", extra_columns=group_columns, replacements=group_rows
        )
        join += f" AND ({where})"
    measures = _ratio_measures(check, spec, values, group_rows)
    having_extra = f"COUNT(t.rid) >= {check.min_rows} AND " if isinstance(check, RatioCheck) else ""
    available = (*measures, *group_columns)
    substitutions = {**group_values, **measures}
    fails = fragment(check.fails_when, spec, values, "check.fails_when", alias="t", aggregate=True,
                  extra_columns=available, replacements=substitutions)  # fmt: skip
    evidence = [
        f"{fragment(expr, spec, values, f'evidence.{name}', alias='t', aggregate=True, extra_columns=available, replacements=substitutions)}"
        f" AS {q('ev_' + name)}"
        for name, expr in rule.evidence.items()
    ]
    evidence += [f"{m.sql(DIALECT)} AS {q('ev_' + name)}" for name, m in measures.items()]
    idents = [f"g.{q(c)}" for c in group.identity]
    keys = ["g.sub", "g.rid", "g.path", *idents]
    select = ["g.sub", "g.rid", "g.path", *identity(group, "g"), *evidence]
    sql = (
        f"SELECT {', '.join(select)}\nFROM {q(group.name)} g LEFT JOIN {q(spec.name)} t ON {join}\n"
        f"WHERE {applies(rule, 'g')}\nGROUP BY {', '.join(keys)}\nHAVING {having_extra}({fails})"
    )
    return sql, group


def _ratio_measures(
    check: AggregateCheck | RatioCheck,
    spec: TableSpec,
    values: dict[str, ParamValue],
    group_rows: dict[str, exp.Expr] | None = None,
) -> dict[str, exp.Expr]:
    """``matched``, ``total`` and ``ratio`` of a ratio check; a LEFT JOIN's empty group counts 0 of 0."""
    if not isinstance(check, RatioCheck):
        return {}
    rows = group_rows or {}
    matching = fragment(
        check.matching, spec, values, "check.matching", alias="t", extra_columns=tuple(rows), replacements=rows
    )
    matched: exp.Expr = exp.maybe_parse(
        f"SUM(CASE WHEN t.rid IS NOT NULL AND ({matching}) THEN 1 ELSE 0 END)", dialect=DIALECT
    )
    total: exp.Expr = exp.maybe_parse("COUNT(t.rid)", dialect=DIALECT)
    return {"matched": matched, "total": total, "ratio": safe_ratio(matched, total)}


def _compile_department(
    rule: Rule, check: AggregateCheck | RatioCheck, spec: TableSpec, values: dict[str, ParamValue]
) -> tuple[str, TableSpec]:
    """A batch-scoped check over a department's documents of one year, across files.

    The only compiled GROUP BY without the submission key: a department often files one
    项目支出绩效自评表 per project, so patterns across its projects appear only in the batch.
    Each of the department's documents receives the finding.
    """
    if rule.scope != "batch":
        raise CompileError(
            "按部门分组须声明 scope: batch / group_by: department needs scope: batch (it spans submissions)",
            "check.group_by",
        )
    group = TABLES["submissions"]
    check_points_at(rule, group)
    # A form whose 主管部门 is blank (DATA-DEPARTMENT-BLANK) belongs to no known department: grouped by
    # its empty name it would be pooled with every other such form in the batch.
    where = [applies(rule, "t"), "trim(t.department) <> ''"]
    if check.where:
        where.append(f"({fragment(check.where, spec, values, 'check.where', alias='t')})")
    measures = _ratio_measures(check, spec, values)
    having = f"COUNT(t.rid) >= {check.min_rows} AND " if isinstance(check, RatioCheck) else ""
    fails = fragment(check.fails_when, spec, values, "check.fails_when", alias="t", aggregate=True,
                  extra_columns=tuple(measures), replacements=measures)  # fmt: skip
    evidence = [
        f"{fragment(expr, spec, values, f'evidence.{name}', alias='t', aggregate=True, extra_columns=tuple(measures), replacements=measures)}"
        f" AS {q('ev_' + name)}"
        for name, expr in rule.evidence.items()
    ] + [f"{m.sql(DIALECT)} AS {q('ev_' + name)}" for name, m in measures.items()]
    inner = (
        f"SELECT t.department, t.fiscal_year{''.join(', ' + e for e in evidence)}\nFROM {q(spec.name)} t\n"
        f"WHERE {' AND '.join(where)}\nGROUP BY t.department, t.fiscal_year\nHAVING {having}({fails})"
    )
    names = [q("ev_" + n) for n in (*rule.evidence, *measures)]
    select = ["g.sub", "g.rid", "g.path", *identity(group, "g"), *(f"d.{n}" for n in names)]
    sql = (
        f"SELECT {', '.join(select)}\nFROM ({inner}) d JOIN {q(group.name)} g "
        f"ON g.department = d.department AND g.fiscal_year = d.fiscal_year AND {applies(rule, 'g')}"
    )
    return sql, group


AGGREGATE = CheckKind(
    "aggregate",
    compile_group=compile_group,
    attackable=("fails_when",),
    summary=("按组聚合的条件", "a condition over the aggregates of a group"),
)
RATIO = CheckKind(
    "ratio",
    compile_group=compile_group,
    implicit_evidence=lambda check: ROW_MEASURES,
    attackable=("fails_when",),
    summary=("组内符合条件的行所占比例", "the share of a group's rows that match a condition"),
)
