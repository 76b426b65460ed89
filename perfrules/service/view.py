"""What the pages show, computed from stored reports: findings by project, the diff, the year."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from perfrules.model.report import Finding, FixedFinding, Problem, Report
from perfrules.service.checking import ANNOTATED_SUFFIXES
from perfrules.service.db import SubmissionRow

_ORDER = {"blocked": 0, "error": 1, "pass": 2}


@dataclass
class SubmissionView:
    by_project: dict[str, list[Finding]]
    fixed: list[FixedFinding]
    problems: list[Problem]
    compared: bool
    changes: Counter[str]
    annotatable: bool
    """A workbook or Word upload: it has an annotated copy."""


def submission_view(row: SubmissionRow, report: Report) -> SubmissionView:
    by_project: dict[str, list[Finding]] = defaultdict(list)
    fixed: list[FixedFinding] = []
    for result in report.submissions:
        for finding in result.findings:
            by_project[finding.location.project or ""].append(finding)
        fixed += result.fixed
    changes: Counter[str] = Counter(str(f.change or "") for group in by_project.values() for f in group)
    changes["fixed"] = len(fixed)
    return SubmissionView(
        by_project=dict(sorted(by_project.items())),
        fixed=fixed,
        problems=list(report.problems),
        compared=row.previous_id is not None,
        changes=changes,
        annotatable=row.filename.lower().endswith(ANNOTATED_SUFFIXES),
    )


@dataclass
class YearView:
    year: int | None
    years: list[int]
    rows: list[SubmissionRow]
    per_rule: list[tuple[str, int]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def year_view(rows: list[SubmissionRow], year: int | None) -> YearView:
    """Each department's latest submission of the year, blocked first, and findings per rule."""
    years = sorted({r.fiscal_year for r in rows if r.fiscal_year is not None}, reverse=True)
    chosen = year if year is not None else (years[0] if years else None)
    latest: dict[str, SubmissionRow] = {}
    for row in sorted(rows, key=lambda r: r.created_at):
        if row.fiscal_year == chosen:
            latest[row.department] = row
    ordered = sorted(latest.values(), key=lambda r: (_ORDER.get(r.verdict or "", 3), r.department))
    per_rule: Counter[str] = Counter()
    for row in ordered:
        report = Report.model_validate_json(row.report or "")
        per_rule.update(f.rule_id for s in report.submissions for f in s.findings)
    return YearView(
        year=chosen,
        years=years,
        rows=ordered,
        per_rule=sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0])),
        counts=Counter(r.verdict or "" for r in ordered),
    )
