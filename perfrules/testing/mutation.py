"""``--mutate``: small deliberate bugs in each rule, and whether the rule's tests notice them.

A mutant flips one comparator (``>``↔``>=``, ``<``↔``<=``, ``=``↔``<>``) in a SQL fragment (on
the sqlglot tree) or in a ``row`` condition (``gt``↔``gte``, ``lt``↔``lte``, ``eq``↔``ne``), or
shifts one numeric literal or numeric parameter default (×1.1, and one unit of its last
decimal place down, or +1 for an integer). A mutant is killed when any example's outcome
changes (where and how often the rule fires, or that it fails to run) or when it departs
from a boundary oracle. A surviving mutant is a bug the examples would let through: add the
example that tells the two apart, or accept it as equivalent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlglot import exp

from perfrules.model.rule import Condition, Parameter, ParamValue, RowCheck
from perfrules.pack.loader import LoadedRule, Pack
from perfrules.testing._engine import evaluate
from perfrules.testing._fragments import COMPARISONS, FLIPPED, Fragment, comparisons, numeric_literals
from perfrules.testing.boundaries import Suite
from perfrules.testing.examples import yaml_line
from perfrules.testing.probes import lookups_of, variant

ROW_FLIPS = {"gt": "gte", "gte": "gt", "lt": "lte", "lte": "lt", "eq": "ne", "ne": "eq"}
FRAGMENT_KEYS = ("where", "fails_when", "matching")
TIMES = Decimal("1.1")


@dataclass(frozen=True)
class Mutant:
    original: LoadedRule
    loaded: LoadedRule
    key: str
    yaml_path: tuple[str | int, ...]
    description: str

    @property
    def line(self) -> int | None:
        return yaml_line(self.original.file, self.yaml_path)


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    killed_by: str | None
    """What noticed the mutant (an example, a boundary, a run-time error); None if it survived."""


@dataclass
class MutationReport:
    results: list[MutantResult] = field(default_factory=list)
    invalid: int = 0
    """Mutants that do not compile (not counted in the ratio)."""

    @property
    def killed(self) -> int:
        return sum(1 for r in self.results if r.killed_by is not None)

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.killed_by is None]

    @property
    def ratio(self) -> float:
        return self.killed / len(self.results) if self.results else 1.0


def shifted(value: int | Decimal) -> list[int | Decimal]:
    """×1.1, and one unit of the last decimal place down (+1 for an integer), leaving out no-ops."""
    if isinstance(value, int):
        candidates: list[int | Decimal] = [value + 1, _tidy(Decimal(value) * TIMES)]
    else:
        exponent = value.as_tuple().exponent
        unit = Decimal(1).scaleb(exponent) if isinstance(exponent, int) and exponent < 0 else Decimal(1)
        candidates = [_tidy(value * TIMES), _tidy(value - unit)]
    out: list[int | Decimal] = []
    for c in candidates:
        if c != value and c not in out:
            out.append(c)
    return out


def _tidy(value: Decimal) -> int | Decimal:
    """An integral result as an int (``99``, not ``99.0`` or ``9.9E+1``), so it reads like the author's value."""
    return int(value) if value == value.to_integral_value() else value


def _text(value: int | Decimal) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _short(sql: str, limit: int = 70) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _fragment_mutants(
    loaded: LoadedRule, lookups: Mapping[str, tuple[str, ...]], counter: Iterator[int]
) -> Iterator[Mutant | None]:
    check = loaded.rule.check
    for key in FRAGMENT_KEYS:
        text = getattr(check, key, None)
        fragment = Fragment.parse(text) if isinstance(text, str) and text else None
        if fragment is None:
            continue
        where = ("check", key)
        for index, node in comparisons(fragment):
            new_type = FLIPPED[type(node)]
            flipped = fragment.replaced(index, _flip)
            before, after = COMPARISONS[type(node)], COMPARISONS[new_type]
            yield _mutant(
                loaded,
                lookups,
                counter,
                f"check.{key}",
                where,
                f"`{before}` → `{after}` in `{_short(fragment.render(node))}`",
                check=check.model_copy(update={key: flipped}),
            )
        for index, literal in numeric_literals(fragment):
            value = _number(literal.this)
            if value is None or _only_counted(literal):
                continue
            context = _context(literal)
            for new in shifted(value):
                text_new = fragment.replaced(index, _literal(new))
                description = f"{literal.this} → {_text(new)} in `{_short(fragment.render(context))}`"
                yield _mutant(
                    loaded,
                    lookups,
                    counter,
                    f"check.{key}",
                    where,
                    description,
                    check=check.model_copy(update={key: text_new}),
                )


def _only_counted(literal: exp.Expr) -> bool:
    """A CASE branch value inside COUNT(…): COUNT sees only whether it is NULL, so any other number
    means the same. Shifting it gives an equivalent mutant that no example could kill."""
    node: exp.Expr | None = literal.parent
    while isinstance(node, exp.If | exp.Paren):
        node = node.parent
    if not isinstance(node, exp.Case) or literal.arg_key not in ("true", "default"):
        return False
    outer = node.parent
    while isinstance(outer, exp.Paren):
        outer = outer.parent
    return isinstance(outer, exp.Count)


def _flip(node: exp.Expr) -> exp.Expr:
    assert isinstance(node, exp.Binary)
    return FLIPPED[type(node)](this=node.this.copy(), expression=node.expression.copy())


def _literal(value: int | Decimal) -> Callable[[exp.Expr], exp.Expr]:
    def make(_: exp.Expr) -> exp.Expr:
        return exp.Literal.number(_text(value))

    return make


def _context(node: exp.Expr) -> exp.Expr:
    """The smallest enclosing expression that reads on its own (a whole CASE, not one WHEN)."""
    parent = node.parent
    while parent is not None and isinstance(parent, exp.If | exp.Neg | exp.Paren):
        parent = parent.parent
    return parent if parent is not None else node


def _row_mutants(
    loaded: LoadedRule, lookups: Mapping[str, tuple[str, ...]], counter: Iterator[int]
) -> Iterator[Mutant | None]:
    check = loaded.rule.check
    if not isinstance(check, RowCheck):
        return
    for i, cond in enumerate(check.fails_when):
        where = ("check", "fails_when", i)
        key = f"check.fails_when[{i}]"
        changes: list[tuple[Condition, str]] = []
        if cond.op in ROW_FLIPS:
            changes.append(
                (cond.model_copy(update={"op": ROW_FLIPS[cond.op]}), f"{cond.column} {cond.op} → {ROW_FLIPS[cond.op]}")
            )
        if isinstance(cond.value, int | Decimal) and not isinstance(cond.value, bool):
            changes += [
                (cond.model_copy(update={"value": new}), f"{cond.column} {cond.op} {cond.value} → {_text(new)}")
                for new in shifted(cond.value)
            ]
        for new_cond, description in changes:
            conditions = [new_cond if j == i else c for j, c in enumerate(check.fails_when)]
            yield _mutant(
                loaded,
                lookups,
                counter,
                key,
                where,
                description,
                check=check.model_copy(update={"fails_when": conditions}),
            )


def _parameter_mutants(
    loaded: LoadedRule, lookups: Mapping[str, tuple[str, ...]], counter: Iterator[int]
) -> Iterator[Mutant | None]:
    for name, param in loaded.rule.parameters.items():
        value = loaded.parameters.get(name, param.default)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            continue
        for new in shifted(value):
            parameters: dict[str, Parameter] = {
                **loaded.rule.parameters,
                name: param.model_copy(update={"default": new}),
            }
            overrides: dict[str, ParamValue] = {name: new}
            yield _mutant(
                loaded, lookups, counter, f"parameters.{name}", ("parameters", name, "default"),
                f"{name}: {_text(value)} → {_text(new)}", parameters=parameters, params=overrides,
            )  # fmt: skip


def _mutant(
    loaded: LoadedRule,
    lookups: Mapping[str, tuple[str, ...]],
    counter: Iterator[int],
    key: str,
    yaml_path: tuple[str | int, ...],
    description: str,
    *,
    params: Mapping[str, ParamValue] | None = None,
    **update: Any,
) -> Mutant | None:
    compiled = variant(loaded, f"M{next(counter)}", lookups, params=params, **update)
    return None if compiled is None else Mutant(loaded, compiled, key, yaml_path, description)


def _number(text: str) -> int | Decimal | None:
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    return int(value) if "." not in text and "e" not in text.lower() else value


def mutants(loaded: LoadedRule, pack: Pack) -> tuple[list[Mutant], int]:
    """Every mutant of a rule, and how many did not compile."""
    lookups = lookups_of(pack)
    counter = iter(range(1, 1_000_000))
    made = [
        *_fragment_mutants(loaded, lookups, counter),
        *_row_mutants(loaded, lookups, counter),
        *_parameter_mutants(loaded, lookups, counter),
    ]
    return [m for m in made if m is not None], sum(1 for m in made if m is None)


def run_mutation(
    pack: Pack, suites: Mapping[str, Suite] | None = None, rules: Sequence[LoadedRule] | None = None
) -> MutationReport:
    """Mutate every rule; kill with its examples first (one engine run per rule), then with its boundary cases."""
    report = MutationReport()
    for loaded in pack.rules if rules is None else rules:
        made, invalid = mutants(loaded, pack)
        report.invalid += invalid
        if not made:
            continue
        docs = [dict(e.submission) for e in loaded.rule.examples]
        outcomes = evaluate([loaded, *(m.loaded for m in made)], pack.references, docs)
        baseline = [o.pointers(loaded.rule.id) for o in outcomes]
        survivors: list[Mutant] = []
        for mutant in made:
            killer = _killed_by_examples(mutant, outcomes, baseline)
            if killer is None:
                survivors.append(mutant)
            else:
                report.results.append(MutantResult(mutant, killer))
        suite = (suites or {}).get(loaded.rule.id)
        if survivors and suite is not None and suite.cases:
            case_outcomes = evaluate(
                [m.loaded for m in survivors], pack.references, [c.submission for c in suite.cases]
            )
            for mutant in survivors:
                case = suite.departs(mutant.loaded.rule.id, case_outcomes)
                killer = (
                    None
                    if case is None
                    else "边界 / boundary: " + ", ".join(sorted({ch.comparison.text for ch in case.checks}))
                )
                report.results.append(MutantResult(mutant, _short(killer, 90) if killer else None))
        else:
            report.results += [MutantResult(m, None) for m in survivors]
    return report


def _killed_by_examples(mutant: Mutant, outcomes: Sequence[Any], baseline: Sequence[Any]) -> str | None:
    rule_id = mutant.loaded.rule.id
    for index, (outcome, before) in enumerate(zip(outcomes, baseline, strict=True)):
        if rule_id in outcome.errors:
            return f"examples[{index}]（运行出错 / fails to run）"
        if outcome.pointers(rule_id) != before:
            return f"examples[{index}]"
    return None


def format_mutation(report: MutationReport) -> str:
    total = len(report.results)
    by_boundary = sum(1 for r in report.results if r.killed_by and r.killed_by.startswith("边界"))
    lines = [
        f"变异测试 / mutation testing: 杀死 {report.killed}/{total} 个变异体 / killed {report.killed}/{total} mutants "
        f"({report.ratio:.1%})"
        + (f"；{report.invalid} 个无法编译 / {report.invalid} did not compile" if report.invalid else ""),
        f"  由示例杀死 {report.killed - by_boundary}，由边界值杀死 {by_boundary} / killed by examples "
        f"{report.killed - by_boundary}, by boundary pairs {by_boundary}",
    ]
    if report.survivors:
        lines.append(
            "  存活的变异体（示例与边界测试都未发现）/ surviving mutants (no example or boundary noticed them):"
        )
        for r in sorted(report.survivors, key=lambda r: (r.mutant.original.rule.id, r.mutant.line or 0)):
            m = r.mutant
            where = f"{m.original.file}:{m.line}" if m.line else m.original.file
            lines.append(f"    {m.original.rule.id}  {where}  {m.key}: {m.description}")
    return "\n".join(lines)
