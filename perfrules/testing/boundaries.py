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

This module is the search and the verdict; the comparisons and their oracle are in
``comparisons``, the probe rules in ``probes``, the knobs in ``knobs``, and shrinking a
counterexample in ``shrinking``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from perfrules.pack.loader import LoadedRule, Pack
from perfrules.testing._documents import Document, in_yuan
from perfrules.testing._engine import Outcome, evaluate
from perfrules.testing.comparisons import Comparison, find_comparisons
from perfrules.testing.knobs import FINEST, Knob, knobs_at
from perfrules.testing.shrinking import shrink

MAX_TARGETS = 2


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
                for knob in knobs_at(comparison, base, target):
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
