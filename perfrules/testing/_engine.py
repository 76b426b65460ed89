"""Run some rules over in-memory submissions and say, per submission, where each rule fired.

Everything in ``perfrules test`` goes through the real pipeline (``run_pack``: read, model,
tables, engine, findings), so a rule is tested exactly as a bureau runs it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfrules.model.report import Report
from perfrules.model.rule import Severity
from perfrules.pack.loader import LoadedRule, Pack
from perfrules.read.documents import ReadResult, read_object
from perfrules.run import run_pack
from perfrules.tables.spec import ReferenceTable

Submission = Mapping[str, Any]


@dataclass
class Outcome:
    """What the rules did to one submission."""

    source: str
    fired: dict[str, Counter[str]] = field(default_factory=dict)
    """rule id → JSON pointers of its findings, with counts."""
    severities: dict[str, set[Severity]] = field(default_factory=dict)
    evidence: dict[str, dict[str, dict[str, str | None]]] = field(default_factory=dict)
    """rule id → pointer → the evidence of the (first) finding there."""
    status: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    """rule id → why the rule failed to run."""
    problems: tuple[str, ...] = ()
    """why the submission itself could not be read (the rules never saw it)."""

    def pointers(self, rule_id: str) -> Counter[str]:
        return self.fired.get(rule_id, Counter())


def testable(loaded: LoadedRule) -> LoadedRule:
    """The rule as authored: draft and overlay-disabled rules are tested too."""
    if loaded.enabled and loaded.rule.status == "active":
        return loaded
    return dataclasses.replace(loaded, rule=loaded.rule.model_copy(update={"status": "active"}), enabled=True)


def sub_pack(
    rules: Sequence[LoadedRule], references: Mapping[str, ReferenceTable], name: str = "perfrules-test"
) -> Pack:
    return Pack(name=name, root="", rules=[testable(r) for r in rules], references=dict(references))


def read_all(submissions: Sequence[Submission], sources: Sequence[str] | None = None) -> list[ReadResult]:
    names = sources or [f"<case {i}>" for i in range(len(submissions))]
    return [read_object(dict(s), name) for s, name in zip(submissions, names, strict=True)]


def report_of(pack: Pack, read: Sequence[ReadResult]) -> Report:
    # INFO as the threshold: every finding counts, whatever its severity.
    return run_pack(pack, read, Severity.INFO)


def outcomes(report: Report, read: Sequence[ReadResult]) -> list[Outcome]:
    """One Outcome per input, in order; unreadable inputs get their problems and no findings."""
    results = iter(report.submissions)
    rule_errors = {p.rule_id: p.message for p in report.problems if p.kind == "rule" and p.rule_id}
    out: list[Outcome] = []
    for r in read:
        if r.submission is None:
            out.append(Outcome(r.source, problems=tuple(f"{p.location or ''} {p.message}".strip() for p in r.problems)))
            continue
        result = next(results)
        o = Outcome(r.source)
        for entry in result.ledger:
            o.status[entry.rule_id] = entry.status
            if entry.status == "errored":
                o.errors[entry.rule_id] = rule_errors.get(entry.rule_id, "errored")
        for f in result.findings:
            o.fired.setdefault(f.rule_id, Counter())[f.location.pointer] += 1
            o.severities.setdefault(f.rule_id, set()).add(f.severity)
            o.evidence.setdefault(f.rule_id, {}).setdefault(f.location.pointer, dict(f.evidence))
        out.append(o)
    return out


def evaluate(
    rules: Sequence[LoadedRule],
    references: Mapping[str, ReferenceTable],
    submissions: Sequence[Submission],
    sources: Sequence[str] | None = None,
) -> list[Outcome]:
    """Where each rule fires on each submission.

    Submission-scoped rules see the whole list as one batch (batch equals singles, and one
    engine run is far cheaper than many); batch-scoped rules see each submission alone,
    because for them the other submissions would be part of the input.

    A rule that fails at run time fails for the whole batch, whichever submission caused it;
    the batch is then split in halves until the failure sits with the submissions that cause it.
    """
    names = list(sources or [f"<case {i}>" for i in range(len(submissions))])
    result = _evaluate(rules, references, submissions, names)
    if len(submissions) > 1 and any(o.errors for o in result):
        mid = len(submissions) // 2
        return evaluate(rules, references, submissions[:mid], names[:mid]) + evaluate(
            rules, references, submissions[mid:], names[mid:]
        )
    return result


def _layers(submissions: Sequence[Submission]) -> list[list[int]]:
    """Batches in which no two submissions share a department and fiscal year.

    Batch-scoped rules group a department's documents of one year across the batch, so within
    such a layer each submission is still on its own, and one engine run serves them all.
    """
    layers: list[tuple[set[tuple[str, str]], list[int]]] = []
    for index, doc in enumerate(submissions):
        header = doc.get("header")
        key = (str(header.get("department")), str(header.get("fiscal_year"))) if isinstance(header, Mapping) else None
        for keys, members in layers:
            if key is not None and key not in keys:
                keys.add(key)
                members.append(index)
                break
        else:
            layers.append(({key} if key else set(), [index]))
    return [members for _, members in layers]


def _evaluate(
    rules: Sequence[LoadedRule],
    references: Mapping[str, ReferenceTable],
    submissions: Sequence[Submission],
    sources: Sequence[str],
) -> list[Outcome]:
    if not submissions:
        return []
    read = read_all(submissions, sources)
    per_sub = [r for r in rules if r.rule.scope != "batch"]
    per_batch = [r for r in rules if r.rule.scope == "batch"]
    result = outcomes(report_of(sub_pack(per_sub, references), read), read) if per_sub or not per_batch else []
    if not per_batch:
        return result
    alone: list[Outcome | None] = [None] * len(read)
    for layer in _layers(submissions):
        batch = [read[i] for i in layer]
        for i, o in zip(layer, outcomes(report_of(sub_pack(per_batch, references), batch), batch), strict=True):
            alone[i] = o
    done = [o for o in alone if o is not None]
    if not result:
        return done
    for merged, extra in zip(result, done, strict=True):
        merged.fired.update(extra.fired)
        merged.severities.update(extra.severities)
        merged.evidence.update(extra.evidence)
        merged.status.update(extra.status)
        merged.errors.update(extra.errors)
    return result
