"""Boundary pairs: drive each parameterized comparison onto its bound, just inside and just outside.

For every comparison ``<expr> <op> <bound>`` in a rule (a ``row`` condition on a numeric
column, or a node of a sql/aggregate/ratio fragment whose other side is a number or numeric
parameter) the rule is checked against its own oracle:

* the engine measures ``<expr>`` (a probe rule with ``<expr>`` as evidence);
* Python compares the measured value with the bound, exactly, in Decimal;
* the rest of the rule is the rule itself with that comparison replaced by TRUE or FALSE
  (probe rules again), so the oracle holds however the comparison is nested (CASE, OR, NOT).

The rule must fire exactly where ``rest(TRUE if value <op> bound else FALSE)`` fires.

Values are reached from the rule's own examples (they put rows where the comparison
matters) by turning one knob at a time: a numeric cell, the same cell in every row of a
group, a text's length, a list's length, or how many copies of a row a group holds. Probes
either side give the local slope of ``<expr>``;
solving for the bound and one resolution step either side gives the candidates, which are
then measured, not trusted.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import ValidationError
from sqlglot import exp

from perfrules.compile.kinds import GROUP_TABLES, KINDS, CompileError, compile_rule
from perfrules.model.rule import AggregateCheck, Bilingual, Condition, RatioCheck, RowCheck, SqlCheck
from perfrules.model.sourced import SourcedSubmission
from perfrules.model.submission import Submission
from perfrules.model.values import MAX_ABS, ValueState, parse_num
from perfrules.pack.loader import LoadedRule, Pack
from perfrules.tables.normalize import normalize
from perfrules.tables.spec import TABLES, TableSpec
from perfrules.testing._engine import Outcome, evaluate
from perfrules.testing._fragments import COMPARISONS, MIRRORED, Fragment, comparisons
from perfrules.testing.examples import yaml_line

Document = dict[str, Any]
Level = Literal["row", "group"]
FINEST = Decimal("0.0001")
"""A numeric cell holds at most four decimal places: the finest step just inside or outside a bound."""
PROBE_STEP = Decimal("0.01")
"""The small probe step; a second one scales with the value, since a ratio of two large
amounts does not move when one of them moves by a cent."""
MAX_COUNT = 40
MAX_TEXT = 5000
MAX_TARGETS = 2
MAX_KNOBS = 4
_OPS_ROW = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=", "ne": "<>"}
_NUMERIC_TYPES = ("DECIMAL(18,4)", "INTEGER", "BIGINT")


def compare(left: Decimal, op: str, right: Decimal) -> bool:
    """The oracle: the comparison evaluated in Python, exactly."""
    return {
        ">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right, "=": left == right, "<>": left != right,
    }[op]  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    """One comparison of a rule against a constant bound, with the probes that judge it."""

    rule: LoadedRule
    key: str
    """Where it is written: ``check.fails_when``, ``check.where`` or ``check.fails_when[i]``."""
    yaml_path: tuple[str | int, ...]
    lhs: str
    op: str
    bound: Decimal
    bound_text: str
    level: Level
    columns: frozenset[str]
    if_true: LoadedRule | None
    """The rule with this comparison replaced by TRUE (None: it would never fire)."""
    if_false: LoadedRule | None
    measure: LoadedRule
    """Fires wherever the expression has a value, with the value as evidence ``lhs``."""

    @property
    def text(self) -> str:
        return f"{self.lhs} {self.op} {self.bound_text}"

    @property
    def line(self) -> int | None:
        return yaml_line(self.rule.file, self.yaml_path)

    def probes(self) -> list[LoadedRule]:
        return [p for p in (self.if_true, self.if_false, self.measure) if p is not None]

    def expected(self, outcome: Outcome) -> dict[str, bool]:
        """Pointer → should the rule fire there, for every place the expression has a number."""
        out: dict[str, bool] = {}
        for pointer, evidence in outcome.evidence.get(self.measure.rule.id, {}).items():
            value = _decimal(evidence.get("lhs"))
            if value is None:
                continue
            rest = self.if_true if compare(value, self.op, self.bound) else self.if_false
            out[pointer] = rest is not None and pointer in outcome.pointers(rest.rule.id)
        return out

    def measured(self, outcome: Outcome) -> dict[str, Decimal]:
        values = {p: _decimal(e.get("lhs")) for p, e in outcome.evidence.get(self.measure.rule.id, {}).items()}
        return {p: v for p, v in values.items() if v is not None}


@dataclass(frozen=True)
class Check:
    """Where one comparison's oracle says the rule must fire in a case."""

    comparison: Comparison
    expect: Mapping[str, bool]
    measured: Mapping[str, Decimal]

    def mismatches(self, fired: Counter[str]) -> list[str]:
        return [p for p, should in sorted(self.expect.items()) if should != (p in fired)]


@dataclass(frozen=True)
class Case:
    """A submission near some bound, checked against every comparison of the rule."""

    submission: Document
    checks: tuple[Check, ...]
    fired: Counter[str] = field(default_factory=Counter)
    """Where the rule itself fired (measured in the same engine run as the oracle)."""
    error: str | None = None


@dataclass
class Suite:
    """All boundary cases of one rule."""

    rule: LoadedRule
    comparisons: list[Comparison] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)

    @property
    def hits(self) -> set[str]:
        """Comparisons some case measured exactly on the bound."""
        return {
            ch.comparison.text for c in self.cases for ch in c.checks if ch.comparison.bound in ch.measured.values()
        }

    @property
    def values(self) -> int:
        return sum(len(ch.expect) for c in self.cases for ch in c.checks)

    def departs(self, rule_id: str, outcomes: Sequence[Outcome]) -> Case | None:
        """The first case where rule ``rule_id`` (evaluated on ``self.cases`` in order) departs from the oracle."""
        for case, outcome in zip(self.cases, outcomes, strict=True):
            fired = outcome.pointers(rule_id)
            if rule_id in outcome.errors or any(ch.mismatches(fired) for ch in case.checks):
                return case
        return None


@dataclass(frozen=True)
class Failure:
    """The rule disagrees with its oracle (or fails to run) near a bound."""

    comparison: Comparison
    submission: Document
    got: Counter[str]
    expect: Counter[str]
    detail: str
    error: bool = False
    """The rule failed to run, rather than firing in the wrong place."""


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# --- probes -----------------------------------------------------------------------------------


def lookups_of(pack: Pack) -> dict[str, tuple[str, ...]]:
    return {name: table.columns for name, table in pack.references.items()}


def variant(
    loaded: LoadedRule,
    suffix: str,
    lookups: Mapping[str, tuple[str, ...]],
    *,
    params: Mapping[str, Any] | None = None,
    **update: Any,
) -> LoadedRule | None:
    """The rule with some keys (or parameter values) replaced, compiled under a new id; None if it does not compile.

    Only where a variant fires matters, so its messages are plain text: rendering templates
    for thousands of probe findings would cost more than the engine does.
    """
    plain = Bilingual(zh=suffix, en=suffix)
    rule = loaded.rule.model_copy(
        update={"id": f"{loaded.rule.id}-{suffix}", "title": plain, "message": plain, **update}
    )
    values = {**loaded.parameters, **(params or {})}
    try:
        compiled = compile_rule(rule, values, dict(lookups))
    except CompileError:
        return None
    return dataclasses.replace(loaded, rule=rule, compiled=compiled, parameters=values)


def _check(loaded: LoadedRule, **update: Any) -> Any:
    return loaded.rule.check.model_copy(update=update)


def _always(
    loaded: LoadedRule,
    suffix: str,
    lookups: Mapping[str, tuple[str, ...]],
    *,
    where: str | None,
    evidence: dict[str, str],
    when: str = "TRUE",
) -> LoadedRule | None:
    """A probe that fires wherever the rule looks (same table, group, applicability, ``where``) and ``when`` holds."""
    check = loaded.rule.check
    if KINDS[check.kind].grouped:
        return variant(loaded, suffix, lookups, check=_check(loaded, fails_when=when, where=where), evidence=evidence)
    return variant(loaded, suffix, lookups, check=SqlCheck(kind="sql", fails_when=when, where=where), evidence=evidence)


def _measure(
    loaded: LoadedRule, suffix: str, lookups: Mapping[str, tuple[str, ...]], lhs: str, where: str | None
) -> LoadedRule | None:
    """Reports the expression as evidence ``lhs`` wherever it has a value.

    Outside ``where`` the rule and both of its variants stay silent, so there is nothing to
    measure; a comparison inside ``where`` itself is measured everywhere.
    """
    return _always(loaded, suffix, lookups, where=where, evidence={"lhs": lhs}, when=f"({lhs}) IS NOT NULL")


def _row_comparisons(
    loaded: LoadedRule, check: RowCheck, spec: TableSpec, lookups: Mapping[str, tuple[str, ...]]
) -> Iterator[Comparison]:
    params = loaded.parameters
    for i, cond in enumerate(check.fails_when):
        column = spec.column(cond.column)
        if cond.op not in _OPS_ROW or cond.other is not None or column is None or column.type not in _NUMERIC_TYPES:
            continue
        value: Any = cond.value
        text = str(value)
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            value = params.get(value[1:-1].strip())
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            continue
        others: list[Condition] = [c for j, c in enumerate(check.fails_when) if j != i]
        rest = variant(loaded, f"R{i}T", lookups, check=_check(loaded, fails_when=others)) if others else None
        anything = _always(loaded, f"R{i}A", lookups, where=check.where, evidence={})
        if_true, if_false = (rest or anything, None) if check.match == "all" else (anything, rest)
        measure = _measure(loaded, f"R{i}L", lookups, cond.column, check.where)
        if measure is None or (if_true is None and if_false is None):
            continue
        yield Comparison(
            loaded, f"check.fails_when[{i}]", ("check", "fails_when", i), cond.column, _OPS_ROW[cond.op], Decimal(value),
            text, "row", frozenset({cond.column}), if_true, if_false, measure,
        )  # fmt: skip


def _fragment_comparisons(loaded: LoadedRule, lookups: Mapping[str, tuple[str, ...]]) -> Iterator[Comparison]:
    check = loaded.rule.check
    kind = KINDS[check.kind]
    # The kind names the fragments worth attacking; a group kind's fails_when is judged per group.
    fragments: list[tuple[str, str | None, Level]] = [
        (key, getattr(check, key), "group" if kind.grouped and key == "fails_when" else "row")
        for key in kind.attackable
    ]
    n = 0
    for key, text, level in fragments:
        fragment = Fragment.parse(text) if text else None
        if fragment is None:
            continue
        for index, node in comparisons(fragment):
            left, right = node.this, node.expression
            cl, cr = fragment.constant(left, loaded.parameters), fragment.constant(right, loaded.parameters)
            op = COMPARISONS[type(node)]
            if cr is not None and cl is None and fragment.columns(left):
                lhs, bound, bound_node = left, cr, right
            elif cl is not None and cr is None and fragment.columns(right):
                lhs, bound, bound_node, op = right, cl, left, MIRRORED[op]
            else:
                continue
            n += 1
            as_true = fragment.replaced(index, lambda _: exp.true())
            as_false = fragment.replaced(index, lambda _: exp.false())
            if_true = variant(loaded, f"S{n}T", lookups, check=_check(loaded, **{key: as_true}))
            if_false = variant(loaded, f"S{n}F", lookups, check=_check(loaded, **{key: as_false}))
            measure = _measure(
                loaded, f"S{n}L", lookups, fragment.render(lhs), check.where if key == "fails_when" else None
            )
            if if_true is None or if_false is None or measure is None:
                continue
            yield Comparison(
                loaded, f"check.{key}", ("check", key), fragment.render(lhs), op, bound, fragment.render(bound_node), level,
                frozenset(fragment.columns(lhs)), if_true, if_false, measure,
            )  # fmt: skip


def find_comparisons(loaded: LoadedRule, pack: Pack) -> list[Comparison]:
    """The comparisons of a rule that boundary pairs can attack (none for reference and text_pattern rules)."""
    check = loaded.rule.check
    spec = TABLES.get(loaded.rule.table)
    lookups = lookups_of(pack)
    if spec is None:
        return []
    found: list[Comparison] = []
    if isinstance(check, RowCheck):
        found += _row_comparisons(loaded, check, spec, lookups)
    if KINDS[check.kind].attackable:
        found += _fragment_comparisons(loaded, lookups)
    return found


# --- knobs ------------------------------------------------------------------------------------


def _parts(pointer: str) -> list[str | int]:
    return [
        int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/") if p
    ]


def _get(doc: Any, parts: Sequence[str | int]) -> Any:
    node = doc
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def rows(doc: Document, table: str) -> list[tuple[str, dict[str, object]]]:
    """(row pointer, column values) of one table, as the engine sees them."""
    try:
        submission = Submission.model_validate(doc)
    except ValidationError:
        return []
    columns = normalize([SourcedSubmission("<boundary>", submission)]).tables[table].column_lists()
    return [(str(path), {n: values[i] for n, values in columns.items()}) for i, path in enumerate(columns["path"])]


def pointer_of(spec: TableSpec, points_at: str, path: str) -> str:
    column = spec.column(points_at)
    field_ = column.field if column else None
    return f"{path}/{field_}" if field_ else (path or "/")


KnobKind = Literal["number", "shift", "text", "list", "copies"]


@dataclass(frozen=True)
class Knob:
    """One thing to turn in a submission.

    ``number`` sets a numeric cell; ``shift`` adds the same amount to a numeric cell in every row
    of a group (minimum and maximum move, their spread does not); ``text`` sets a text's
    length; ``list`` a list's length; ``copies`` how many times a row occurs in its group.
    """

    kind: KnobKind
    row: str
    field: str
    start: Decimal
    table: str

    owners: tuple[str, ...] = ()
    """For ``shift``: every row the amount is added to."""

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "shift")

    def probe_steps(self) -> list[Decimal]:
        if not self.numeric:
            return [Decimal(1)]
        scaled = (abs(self.start) / 100).quantize(FINEST, rounding=ROUND_HALF_EVEN)
        return [PROBE_STEP, *([scaled] if scaled > 1 else [Decimal(1)])]

    def settings(self, value: Decimal) -> list[Decimal]:
        """The settable values nearest ``value``."""
        if self.numeric:
            if abs(value) >= MAX_ABS:
                return []
            return [value.quantize(FINEST, rounding=ROUND_HALF_EVEN)]
        cap = MAX_TEXT if self.kind == "text" else MAX_COUNT
        low, high = value.to_integral_value(ROUND_FLOOR), value.to_integral_value(ROUND_CEILING)
        return sorted({v for v in (low, high) if 0 <= v <= cap})

    def apply(self, doc: Document, value: Decimal) -> Document | None:
        if self.kind == "shift":
            out: Document | None = doc
            for owner in self.owners:
                current = _current(doc, owner, self.field)
                if out is not None and current is not None:
                    out = Knob("number", owner, self.field, current, self.table).apply(
                        out, current + value - self.start
                    )
            return out
        out = copy.deepcopy(doc)
        row = _get(out, _parts(self.row))
        if self.kind == "copies":
            *parent, index = _parts(self.row)
            siblings = _get(out, parent)
            if not isinstance(siblings, list) or not isinstance(index, int):
                return None
            siblings[index : index + 1] = [copy.deepcopy(siblings[index]) for _ in range(int(value))]
            return out
        if not isinstance(row, dict):
            return None
        *path, last = self.field.split("/")
        holder = _get(row, path)
        if not isinstance(holder, dict):
            return None
        if self.kind == "number":
            if holder.get("unit") == "万元":
                _to_yuan(out, self.row, path, self.table)
            holder[last] = Decimal(format(value.normalize(), "f"))
        elif self.kind == "text":
            holder[last] = "字" * int(value)
        else:
            items = holder.get(last) or []
            if not isinstance(items, list):
                return None
            n = int(value)
            if n <= len(items):
                holder[last] = items[:n]
            elif items and isinstance(items[0], dict):
                holder[last] = [copy.deepcopy(items[i % len(items)]) for i in range(n)]
            elif not items or isinstance(items[0], str):
                holder[last] = [*items, *(f"其他资金{k}" for k in range(len(items), n))]
            else:
                return None
        return out


def _to_yuan(doc: Document, row: str, path: Sequence[str], table: str) -> None:
    """Restate amounts given in 万元 in 元, so a cell can be set to any value with four decimal places.

    Which cells the unit scales is read off the tables (the normalizer knows), not listed here.
    """
    holder = _get(_get(doc, _parts(row)), path)
    before = dict(rows(doc, table)).get(row, {})
    holder["unit"] = "元"
    after = dict(rows(doc, table)).get(row, {})
    for column in TABLES[table].columns:
        *where, key = (column.field or "").split("/")
        if column.numeric_state and where == list(path) and before.get(column.name) != after.get(column.name):
            num = parse_num(holder.get(key))
            if num.state is ValueState.VALUE and num.value is not None:
                holder[key] = num.value * 10000


def in_yuan(doc: Document) -> Document:
    """The same document with every amount in 元, so knobs set cells in the unit the engine compares."""
    out = copy.deepcopy(doc)
    for spec in TABLES.values():
        holders = {tuple((c.field or "").split("/")[:-1]) for c in spec.columns if c.numeric_state and c.field}
        for row, _ in rows(out, spec.name) if holders else ():
            for path in holders:
                holder = _get(_get(out, _parts(row)), path)
                if isinstance(holder, dict) and holder.get("unit") == "万元":
                    _to_yuan(out, row, path, spec.name)
    return out


def _current(doc: Document, row: str, field_: str) -> Decimal | None:
    num = parse_num(_get(doc, [*_parts(row), *field_.split("/")]))
    return num.value if num.state is ValueState.VALUE else None


def _knobs(comparison: Comparison, doc: Document, target: str) -> list[Knob]:
    """The knobs that may move the comparison's expression at the row (or group) ``target``."""
    rule = comparison.rule.rule
    spec = TABLES[rule.table]
    check = rule.check
    group_table = (
        GROUP_TABLES[check.group_by] if isinstance(check, AggregateCheck | RatioCheck) else None
    )  # grouped kinds
    located = TABLES[group_table] if group_table else spec
    target_rows = [path for path, _ in rows(doc, located.name) if pointer_of(located, rule.points_at, path) == target]
    if not target_rows:
        return []
    target_row = target_rows[0]
    if comparison.level == "group":
        prefix = target_row + "/" if target_row else ""
        members = [path for path, _ in rows(doc, spec.name) if path.startswith(prefix)]
    else:
        members = [target_row]
    owners = members[:MAX_KNOBS]
    knobs: list[Knob] = []
    for name in sorted(comparison.columns):
        table, column_name, on = spec, name, owners
        if name.startswith("group_") and group_table:
            table, column_name, on = TABLES[group_table], name[len("group_") :], [target_row]
        column = table.column(column_name)
        if column is None or not column.field or column.name.endswith("_state"):
            continue
        for owner in on:
            value = _get(doc, [*_parts(owner), *column.field.split("/")])
            if column.numeric_state:
                start = _current(doc, owner, column.field)
                knobs.append(
                    Knob("number", owner, column.field, start if start is not None else Decimal(0), table.name)
                )
            elif column.type == "VARCHAR" and (value is None or isinstance(value, str)):
                knobs.append(Knob("text", owner, column.field, Decimal(len(value or "")), table.name))
            elif column.type == "INTEGER" and isinstance(value, list):
                knobs.append(Knob("list", owner, column.field, Decimal(len(value)), table.name))
    if comparison.level == "group":
        knobs += [Knob("copies", owner, "", Decimal(1), spec.name) for owner in owners]
        for name in sorted(comparison.columns):
            column = spec.column(name)
            if column is not None and column.numeric_state and column.field and len(members) > 1:
                knobs.append(Knob("shift", members[0], column.field, Decimal(0), spec.name, tuple(members)))
    return knobs


# --- the search -------------------------------------------------------------------------------


def _targets(comparison: Comparison, outcome: Outcome) -> list[str]:
    """Places in an example where the comparison decides the verdict (TRUE and FALSE differ).

    If there is none, any place where the expression has a value: moved to the bound, the
    comparison may start to matter there.
    """
    measured = comparison.measured(outcome)
    t = comparison.if_true.rule.id if comparison.if_true else None
    f = comparison.if_false.rule.id if comparison.if_false else None
    fired_t = outcome.pointers(t) if t else Counter()
    fired_f = outcome.pointers(f) if f else Counter()
    deciding = [p for p in sorted(measured) if (p in fired_t) != (p in fired_f)]
    return (deciding or sorted(measured))[:MAX_TARGETS]


@dataclass
class _Plan:
    comparison: Comparison
    base: Document
    target: str
    knob: Knob
    start_value: Decimal


def build_suite(loaded: LoadedRule, pack: Pack) -> Suite:  # noqa: C901
    """Find the rule's comparisons and measure cases around each bound (three engine runs)."""
    suite = Suite(loaded, find_comparisons(loaded, pack))
    if not suite.comparisons or not loaded.rule.examples:
        return suite
    probes = [p for c in suite.comparisons for p in c.probes()]
    bases = [in_yuan(dict(e.submission)) for e in loaded.rule.examples]
    base_outcomes = evaluate(probes, pack.references, bases)

    plans: list[_Plan] = []
    first: list[tuple[_Plan, Decimal, Document]] = []
    for comparison in suite.comparisons:
        for base, outcome in zip(bases, base_outcomes, strict=True):
            if outcome.problems:
                continue
            for target in _targets(comparison, outcome):
                start_value = comparison.measured(outcome)[target]
                for knob in _knobs(comparison, base, target):
                    plan = _Plan(comparison, base, target, knob, start_value)
                    plans.append(plan)
                    for step in knob.probe_steps():
                        for value in (knob.start + step, knob.start - step):
                            if value >= 0 or knob.numeric:
                                doc = knob.apply(base, value)
                                if doc is not None:
                                    first.append((plan, value, doc))
    slopes_outcomes = evaluate(
        [c.measure for c in suite.comparisons], pack.references, _alone(loaded, [d for _, _, d in first])
    )
    slopes: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for (plan, value, _), outcome in zip(first, slopes_outcomes, strict=True):
        measured = plan.comparison.measured(outcome).get(plan.target)
        if measured is not None and value != plan.knob.start:
            slopes.setdefault(id(plan), []).append((value, measured))

    candidates: list[tuple[Comparison, Document]] = [(c, b) for c in suite.comparisons for b in bases]
    candidates += [(plan.comparison, doc) for plan, _, doc in first]
    for plan in plans:
        for value in _solve(plan, slopes.get(id(plan), [])):
            doc = plan.knob.apply(plan.base, value)
            if doc is not None:
                candidates.append((plan.comparison, doc))
    candidates = _dedupe(candidates)
    candidates = list(zip([c for c, _ in candidates], _alone(loaded, [d for _, d in candidates]), strict=True))
    everything = [loaded, *probes]
    final = evaluate(everything, pack.references, [doc for _, doc in candidates])
    for (_, doc), outcome in zip(candidates, final, strict=True):
        if outcome.problems:
            continue
        # A value near one bound is a test point for every comparison of the rule.
        checks = tuple(Check(c, c.expected(outcome), c.measured(outcome)) for c in suite.comparisons)
        checks = tuple(ch for ch in checks if ch.expect)
        if checks:
            suite.cases.append(Case(doc, checks, outcome.pointers(loaded.rule.id), outcome.errors.get(loaded.rule.id)))
    return suite


DEPARTMENT_MARK = "·case"


def _alone(loaded: LoadedRule, docs: list[Document]) -> list[Document]:
    """For a batch-scoped rule each case must be alone; distinct departments let one engine run hold them all."""
    return [_renamed(d, i) for i, d in enumerate(docs)] if loaded.rule.scope == "batch" else docs


def _renamed(doc: Document, index: int) -> Document:
    header = doc.get("header")
    if not isinstance(header, dict):
        return doc
    return {**doc, "header": {**header, "department": f"{header.get('department')}{DEPARTMENT_MARK}{index}"}}


def _original_name(doc: Document) -> Document:
    header = doc.get("header")
    if (
        isinstance(header, dict)
        and isinstance(header.get("department"), str)
        and DEPARTMENT_MARK in header["department"]
    ):
        return {**doc, "header": {**header, "department": header["department"].split(DEPARTMENT_MARK)[0]}}
    return doc


def _solve(plan: _Plan, probes: list[tuple[Decimal, Decimal]]) -> Iterator[Decimal]:
    """Knob settings that put the expression on the bound and one resolution step either side."""
    comparison, knob = plan.comparison, plan.knob
    integral = (
        not knob.numeric
        and all(v == v.to_integral_value() for _, v in probes)
        and (plan.start_value == plan.start_value.to_integral_value())
    )
    step = Decimal(1) if integral else FINEST
    for value, measured in probes:
        slope = (measured - plan.start_value) / (value - knob.start)
        if slope == 0:
            continue
        for goal in (comparison.bound - step, comparison.bound, comparison.bound + step):
            yield from knob.settings(knob.start + (goal - plan.start_value) / slope)


def _dedupe(candidates: list[tuple[Comparison, Document]]) -> list[tuple[Comparison, Document]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for comparison, doc in candidates:
        key = (comparison.text, repr(doc))
        if key not in seen:
            seen.add(key)
            out.append((comparison, doc))
    return out


# --- checking and shrinking -------------------------------------------------------------------


def failures(suite: Suite, pack: Pack, rule: LoadedRule | None = None) -> list[Failure]:
    """Cases where ``rule`` (by default the suite's own) departs from the oracle, one shrunk case per comparison."""
    tested = rule or suite.rule
    verdicts: list[tuple[Counter[str], str | None]] = [(c.fired, c.error) for c in suite.cases]
    if rule is not None:
        outcomes = evaluate([rule], pack.references, [c.submission for c in suite.cases])
        verdicts = [(o.pointers(rule.rule.id), o.errors.get(rule.rule.id)) for o in outcomes]
    out: list[Failure] = []
    done: set[str] = set()
    for case, (fired, error) in zip(suite.cases, verdicts, strict=True):
        for check in case.checks:
            if check.comparison.text in done or (error is None and not check.mismatches(fired)):
                continue
            done.add(check.comparison.text)
            out.append(_shrunk_failure(tested, check.comparison, case.submission, pack))
    return out


@dataclass(frozen=True)
class _Verdict:
    broken: bool
    fired: Counter[str]
    should: Counter[str]
    measured: Mapping[str, Decimal]
    error: str | None


def _judge(rule: LoadedRule, comparison: Comparison, doc: Document, pack: Pack) -> _Verdict:
    """Does ``doc`` still make ``rule`` break the comparison's oracle? Also what it did and should do there."""
    outcome = evaluate([rule, *comparison.probes()], pack.references, [doc])[0]
    if outcome.problems:
        return _Verdict(False, Counter(), Counter(), {}, None)
    rule_id = rule.rule.id
    fired = outcome.pointers(rule_id)
    error = outcome.errors.get(rule_id)
    expect = comparison.expected(outcome)
    should = Counter({p: n for p, n in fired.items() if p not in expect})
    should.update({p: 1 for p, yes in expect.items() if yes})
    broken = error is not None or any(yes != (p in fired) for p, yes in expect.items())
    return _Verdict(broken, fired, should, comparison.measured(outcome), error)


def _shrunk_failure(rule: LoadedRule, comparison: Comparison, doc: Document, pack: Pack) -> Failure:
    small = shrink(_original_name(doc), lambda d: _judge(rule, comparison, d, pack).broken)
    verdict = _judge(rule, comparison, small, pack)
    measured = ", ".join(f"{p} = {v}" for p, v in sorted(verdict.measured.items()))
    detail = verdict.error or f"{comparison.text}：实测 / measured {measured}"
    return Failure(comparison, small, verdict.fired, verdict.should, detail, error=verdict.error is not None)


def shrink(doc: Document, still_fails: Callable[[Document], bool], budget: int = 60, *, lists: bool = True) -> Document:
    """Greedy: drop list items (unless ``lists`` is off) and optional keys while the failure persists."""
    current = doc
    tries = 0
    changed = True
    while changed and tries < budget:
        changed = False
        for candidate in _smaller(current, lists=lists):
            tries += 1
            if still_fails(candidate):
                current, changed = candidate, True
                break
            if tries >= budget:
                break
    return current


def _smaller(doc: Document, *, lists: bool = True) -> Iterator[Document]:  # noqa: C901
    """One-step reductions, biggest first: whole list items, then keys."""
    paths: list[tuple[list[str | int], int]] = []

    def walk(node: Any, path: list[str | int]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, [*path, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append(([*path, i], 0))
                walk(v, [*path, i])

    walk(doc, [])
    keys: list[list[str | int]] = []

    def walk_keys(node: Any, path: list[str | int]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if path or k not in ("document_kind", "header"):
                    keys.append([*path, k])
                walk_keys(v, [*path, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk_keys(v, [*path, i])

    walk_keys(doc, [])
    for path, _ in sorted(paths, key=lambda p: len(p[0])) if lists else ():
        out = copy.deepcopy(doc)
        holder = _get(out, path[:-1])
        if isinstance(holder, list) and isinstance(path[-1], int):
            del holder[path[-1]]
            yield out
    for path in sorted(keys, key=len):
        out = copy.deepcopy(doc)
        holder = _get(out, path[:-1])
        if isinstance(holder, dict) and path[-1] in holder:
            del holder[path[-1]]
            yield out
