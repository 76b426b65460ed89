"""The bureau's review of a run's findings: its threshold, waivers, the unit's justifications and the last report.

A waived finding (unexpired) stops blocking; a justified one does too, for warnings and info
only. With an earlier report, each finding is marked new or still open, and what is gone is
listed as fixed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from perfrules.findings.fingerprints import lookup
from perfrules.model.report import Finding, FixedFinding, Problem, Report, Waiver
from perfrules.model.rule import Severity
from perfrules.model.submission import Submission
from perfrules.pack.waivers import WaiverPlace


@dataclass(frozen=True)
class Review:
    """What a bureau brings besides the pack: its threshold, waivers and the previous report."""

    fail_on: Severity = Severity.ERROR
    as_of: dt.date | None = None
    """Only waivers depend on the date; without them the report carries none and stays byte-identical."""
    waivers: Mapping[str, Waiver] = field(default_factory=dict)
    waivers_stamp: dict[str, str] | None = None
    waiver_places: Mapping[str, WaiverPlace] = field(default_factory=dict)
    previous: Report | None = None
    previous_stamp: dict[str, str] | None = None
    strict: bool = False
    allow_empty: bool = True
    """False: a run in which no rule was evaluated (all disabled or not applicable) is an error, not a pass."""


def dispose(
    finding: Finding,
    review: Review,
    justified: Mapping[str, str],
    expired: dict[str, Waiver],
    mismatched: dict[str, str] | None = None,
) -> Finding:
    """Waived (unexpired) or justified (warnings and info only) findings stop blocking.

    A waiver naming another rule than its fingerprint's finding is not applied, and is reported.
    """
    waiver = lookup(review.waivers, finding.fingerprint)  # a waiver may give the short form
    if waiver is not None and waiver.rule_id is not None and waiver.rule_id.strip() != finding.rule_id:
        if mismatched is not None:
            mismatched[waiver.fingerprint] = finding.rule_id
        waiver = None
    if waiver is not None and waiver.expires >= (review.as_of or dt.date.today()):
        return finding.model_copy(update={"disposition": "waived", "waiver": waiver, "blocking": False})
    if waiver is not None:
        expired[waiver.fingerprint] = waiver
    text = lookup(justified, finding.fingerprint)
    if text is not None and finding.severity is not Severity.ERROR:
        return finding.model_copy(update={"disposition": "justified", "justification": text, "blocking": False})
    return finding


def previous_for(previous: Report | None, source: str, sub: Submission) -> dict[str, Finding]:
    """The earlier findings of this document: same file name, else the one earlier document
    of the same department, year and kind (a resubmission usually gets a new file name)."""
    if previous is None:
        return {}
    by_source = [r for r in previous.submissions if r.source == source]
    same_kind = [
        r for r in previous.submissions
        if (r.department, r.fiscal_year, r.document_kind) == (sub.header.department, sub.header.fiscal_year, sub.document_kind.value)
    ]  # fmt: skip
    # A form with no department (DATA-DEPARTMENT-BLANK) is matched by its file name only.
    unnamed = not sub.header.department.strip()
    match = by_source or (same_kind if len(same_kind) == 1 and not unnamed else [])
    return {f.fingerprint: f for r in match for f in r.findings}


def reviewed(
    findings: list[Finding],
    review: Review,
    sub: Submission,
    source: str,
    expired: dict[str, Waiver],
    mismatched: dict[str, str] | None = None,
) -> tuple[list[Finding], list[FixedFinding]]:
    """One submission's findings with waivers, justifications and changes applied, sorted; and what was fixed."""
    justified = {j.fingerprint: j.text for j in sub.justifications}
    before = previous_for(review.previous, source, sub)
    out = [dispose(f, review, justified, expired, mismatched) for f in findings]
    if review.previous is not None:
        out = [f.model_copy(update={"change": "still_open" if f.fingerprint in before else "new"}) for f in out]
    out.sort(key=lambda f: (f.location.pointer, f.rule_id, f.fingerprint))
    now = {f.fingerprint for f in out}
    fixed = sorted(
        (
            FixedFinding(rule_id=f.rule_id, fingerprint=fp, pointer=f.location.pointer, cell=f.location.cell)
            for fp, f in before.items()
            if fp not in now
        ),
        key=lambda f: (f.pointer, f.rule_id, f.fingerprint),
    )
    return out, fixed


def mismatch_problems(review: Review, mismatched: Mapping[str, str]) -> list[Problem]:
    """A problem for each waiver whose rule_id is not the rule of the finding its fingerprint names."""
    source = (review.waivers_stamp or {}).get("source", "waivers")
    return [
        Problem(
            kind="input",
            code="input.waiver",
            source=source,
            location=fingerprint,
            rule_id=review.waivers[fingerprint].rule_id,
            message=f"豁免写明的规则 {review.waivers[fingerprint].rule_id} 与该指纹的发现（{rule_id}）不符，未采用 / "
            f"the waiver names rule {review.waivers[fingerprint].rule_id} but the finding with this fingerprint is "
            f"{rule_id}: not applied",
        )
        for fingerprint, rule_id in sorted(mismatched.items())
    ]
