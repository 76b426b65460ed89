"""Each submission's ledger (what every rule did), its verdict and counts; the run's verdict and summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from perfrules.engine.base import EngineResult
from perfrules.model.report import Finding, FixedFinding, LedgerEntry, Problem, Report, RuleStatus, Verdict
from perfrules.model.rule import Severity
from perfrules.model.submission import DocumentKind, Submission
from perfrules.pack.loader import LoadedRule

EXIT_CODES: dict[Verdict, int] = {"pass": 0, "blocked": 1, "error": 2}


_TABLE_ROWS = ("budget_lines", "indicators")
"""The tables whose rows only a 自评表 gives: a narrative report has them only when it holds its table."""


def applies(loaded: LoadedRule, submission: Submission) -> bool:
    """Whether an active rule applies to this submission's kind and fiscal year.

    A report is checked by the rules of a table's rows on the tables it holds (a Word or PDF report with
    its 自评表); a report that holds none leaves them not applicable, never "evaluated" on nothing.
    """
    rule = loaded.rule
    if rule.status != "active" or not rule.applies(submission.document_kind, submission.header.fiscal_year):
        return False
    if submission.document_kind is DocumentKind.NARRATIVE_REPORT and rule.table in _TABLE_ROWS:
        return any(p.budget_lines or p.indicators for p in submission.projects)
    return True


YEAR_MISSING = "年度未填写，此规则需要年度 / the fiscal year is blank and this rule needs it"


def _needs_the_year(loaded: LoadedRule, submission: Submission) -> bool:
    """The rule would apply to this kind of document, and only the missing year stops it."""
    return loaded.rule.needs_year and submission.document_kind in loaded.rule.applies_to


def ledger_status(loaded: LoadedRule, submission: Submission, index: int, result: EngineResult) -> RuleStatus:
    if not loaded.enabled or loaded.rule.status != "active":
        return "disabled"
    if not applies(loaded, submission):
        return "not_applicable"
    return "errored" if result.failed(loaded.rule.id, index) else "evaluated"


def ledger(
    rules: Sequence[LoadedRule],
    broken_rule_ids: Iterable[str],
    submission: Submission,
    index: int,
    result: EngineResult,
    findings: Sequence[Finding],
) -> list[LedgerEntry]:
    """One entry per rule of the pack (and per rule that failed to load), sorted by rule id."""
    per_rule = Counter(f.rule_id for f in findings)
    no_year = submission.header.fiscal_year is None
    entries = [
        LedgerEntry(
            rule_id=loaded.rule.id,
            status=(status := ledger_status(loaded, submission, index, result)),
            findings=per_rule[loaded.rule.id],
            reason=YEAR_MISSING
            if no_year and status == "not_applicable" and _needs_the_year(loaded, submission)
            else None,
        )
        for loaded in rules
    ] + [LedgerEntry(rule_id=rule_id, status="errored") for rule_id in broken_rule_ids]
    entries.sort(key=lambda e: e.rule_id)
    return entries


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    """Findings per severity, and how many are justified or waived."""
    out = {s.value: sum(1 for f in findings if f.severity is s) for s in Severity}
    return out | {d: sum(1 for f in findings if f.disposition == d) for d in ("justified", "waived")}


def submission_verdict(findings: Sequence[Finding], entries: Sequence[LedgerEntry]) -> Verdict:
    """A blocking finding stands even when another rule could not run: the submission is
    blocked whatever that rule would have said. Only a would-be pass becomes an error."""
    if any(f.blocking for f in findings):
        return "blocked"
    return "error" if any(e.status == "errored" for e in entries) else "pass"


def run_verdict(problems: Sequence[Problem], verdicts: Counter[str]) -> Verdict:
    """An input that could not be read is an error whatever else the batch says; a rule that
    could not load or run yields to a blocked submission (exit 1), as its verdict does."""
    if any(p.kind != "rule" for p in problems):
        return "error"
    if verdicts["blocked"]:
        return "blocked"
    return "error" if problems or verdicts["error"] > 0 else "pass"


class Tally:
    """Running totals over a batch's submission results, for the report's summary."""

    def __init__(self) -> None:
        self.verdicts: Counter[str] = Counter()
        self.totals: Counter[str] = Counter()

    def add(
        self, verdict: Verdict, per_severity: dict[str, int], findings: Sequence[Finding], fixed: list[FixedFinding]
    ) -> None:
        self.verdicts[verdict] += 1
        self.totals.update(per_severity)
        self.totals["findings"] += len(findings)
        self.totals["new"] += sum(1 for f in findings if f.change == "new")
        self.totals["fixed"] += len(fixed)

    def summary(self, submissions: int, checked: int) -> dict[str, int]:
        totals = self.totals
        return {
            "submissions": submissions,
            "checked": checked,
            "unreadable": submissions - checked,
            "blocked": self.verdicts["blocked"],
            "findings": totals["findings"],
            **{s.value: totals[s.value] for s in Severity},
            "justified": totals["justified"],
            "waived": totals["waived"],
            "new": totals["new"],
            "fixed": totals["fixed"],
        }


def with_problems(report: Report, problems: list[Problem]) -> Report:
    """Problems with the bureau's own files make the run an input error, like a bad submission."""
    return report.model_copy(update={"problems": [*problems, *report.problems], "verdict": "error", "exit_code": 2})


NOTHING_RAN = (
    "没有任何规则被执行（全部停用或不适用），这不是通过；确认无误请加 --allow-empty / no rule was evaluated "
    "(every rule is disabled or not applicable): this is not a pass; give --allow-empty to accept such a run"
)


def nothing_ran(root: str) -> Problem:
    """The problem of a run in which no rule was evaluated on any submission."""
    return Problem(kind="rule", code="rule.nothing_ran", source=root, message=NOTHING_RAN)
