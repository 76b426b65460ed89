"""The report: canonical JSON that every other output is rendered from.

Nothing time- or machine-dependent is stored here (the date only when waivers are judged
against it), so the same inputs, pack and version give a byte-identical report that can be
replayed and diffed.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from perfrules.model.rule import Severity

REPORT_FORMAT: Literal["perfrules.report/1"] = "perfrules.report/1"
RuleStatus = Literal["evaluated", "not_applicable", "errored", "disabled"]
Verdict = Literal["pass", "blocked", "error"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bilingual(_Frozen):
    zh: str
    en: str


class Location(_Frozen):
    pointer: str = Field(description="JSON pointer into the submission document")
    cell: str | None = Field(None, description="sheet!cell when the value came from a workbook")
    project: str | None = Field(None, description="项目名称")
    indicator: str | None = Field(None, description="三级指标 name")
    fund: str | None = Field(None, description="资金名称")
    column: str = Field(description="table column the finding points at")


class BasisRef(_Frozen):
    document: str
    clause: str | None = None
    verification: Literal["V", "C", "P", "R"]
    unverified: bool = Field(description="true when the basis is only an unverified recollection [R]")


Disposition = Literal["open", "justified", "waived"]
Change = Literal["new", "still_open"]


class Waiver(_Frozen):
    """A bureau's acceptance of one finding, by fingerprint, until it expires."""

    fingerprint: str
    approver: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date
    rule_id: str | None = Field(
        None, description="the finding's rule, when given: a waiver naming another rule is reported and not applied"
    )

    @field_validator("approver", "reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        # "  " or an ideographic space is no approver: a waiver must say who accepted it and why.
        if not value.strip():
            raise ValueError("不能为空白 / must not be blank")
        return value


class Unmatched(_Frozen):
    """A waiver or justification whose fingerprint matched no finding: it did nothing."""

    kind: Literal["waiver", "justification"]
    fingerprint: str = Field(description="exactly as written in the file")
    source: str = Field(description="the waivers file, or the submission that carries the justification")
    line: int | None = Field(None, description="line of the fingerprint in that file, when known")
    pointer: str = Field(description="JSON pointer of the fingerprint in that file")
    expired: bool = Field(False, description="a waiver already past its expiry on as_of")
    nearest: str | None = Field(None, description="the full fingerprint of the nearest finding (did you mean)")
    nearest_rule_id: str | None = Field(None, description="that finding's rule")


class Finding(_Frozen):
    rule_id: str
    rule_version: str
    severity: Severity
    title: Bilingual
    message: Bilingual
    location: Location
    evidence: dict[str, str | None] = Field(description="values the rule saw, as decimal strings")
    basis: list[BasisRef] = Field(description="the document and clause that bind the filer; shown in every output")
    provenance: list[BasisRef] = Field(
        default_factory=list,
        description="non-binding sources of the rule (source code, other regions); JSON only, never printed",
    )
    fingerprint: str = Field(description="stable across reordering and resubmission; see docs/report-format.md")
    blocking: bool = Field(description="at or above the --fail-on threshold, and neither justified nor waived")
    disposition: Disposition = "open"
    justification: str | None = None
    waiver: Waiver | None = None
    change: Change | None = Field(
        None, description="against --previous: new or still open; fixed ones are listed apart"
    )


class LedgerEntry(_Frozen):
    rule_id: str
    status: RuleStatus
    findings: int = 0
    reason: str | None = Field(
        None,
        exclude_if=lambda reason: reason is None,
        description="why a rule that would otherwise apply is not_applicable (the year is blank); omitted when none",
    )


PROBLEM_CODES: dict[str, str] = {
    "input.unreadable": "输入无法读取或解析 / an input could not be read or parsed",
    "input.unsupported": "不支持的文件类型 / an unsupported file type",
    "input.limit": "读取超时或超出内存上限 / reading ran past its time or memory limit",
    "input.untabulated": "内部错误：无法整理成表 / internal error: the submission could not be tabulated",
    "input.contract": "表约定不满足（--strict）/ a table contract does not hold (--strict)",
    "input.waiver": "豁免或说明文件有误，或豁免与发现不符 / a waivers file is wrong, or a waiver does not match",
    "input.report": "上次报告无法读取（--previous）/ the previous report cannot be read",
    "rule.load": "规则、参照表或叠加规则无法加载 / a rule, reference table or overlay could not be loaded",
    "rule.error": "规则运行出错 / a rule failed while it ran",
    "rule.nothing_ran": "没有规则运行 / no rule ran",
}
"""Every problem's stable ``code``: what a bureau's system can branch on, while the message may be reworded."""

ProblemCode = Literal[
    "input.unreadable", "input.unsupported", "input.limit", "input.untabulated", "input.contract", "input.waiver",
    "input.report", "rule.load", "rule.error", "rule.nothing_ran",
]  # fmt: skip


class Problem(_Frozen):
    """An input or rule that could not be processed, located."""

    kind: Literal["input", "rule"]
    code: ProblemCode = Field(
        "input.unreadable", description="stable, for programs to branch on; see docs/report-format.md"
    )
    source: str
    location: str | None = Field(None, description="JSON pointer or line:column")
    rule_id: str | None = None
    message: str


class Notice(_Frozen):
    """Something a reader passed over on purpose and says so (an empty review sheet, say): not a problem."""

    source: str
    location: str | None = Field(None, description="the sheet or place passed over")
    message: str


class FixedFinding(_Frozen):
    rule_id: str
    fingerprint: str
    pointer: str
    cell: str | None = Field(None, description="sheet!cell in the earlier file, when it was a workbook")


class SubmissionResult(_Frozen):
    source: str
    sha256: str
    department: str
    fiscal_year: int | None = Field(description="年度；null when the document states none")
    document_kind: str
    verdict: Verdict
    counts: dict[str, int] = Field(description="findings per severity")
    findings: list[Finding]
    ledger: list[LedgerEntry]
    fixed: list[FixedFinding] = Field(default_factory=list, description="in --previous but no longer found")
    scoring_scheme: Bilingual | None = Field(
        None, description="计分方案: the scoring scheme its project tables follow, as detected; null when unknown"
    )


class OverlayChange(_Frozen):
    overlay: str
    rule_id: str
    reason: str
    changes: dict[str, str] = Field(description="parameter, severity or enabled → new value")


class OverlayFile(_Frozen):
    """Which file an overlay came from: its declared name alone proves nothing."""

    name: str = Field(description="the name the overlay declares")
    source: str = Field(description="its file: overlays/<file> for the pack's own overlays, else the path as given")
    sha256: str


class PackStamp(_Frozen):
    name: str
    content_hash: str
    overlays: list[str] = Field(description="the names the overlays declare, in order; see overlay_files")
    rules: int
    root: str = Field(description='folder the pack was loaded from ("<shipped>" for the packaged pack), for replay')
    overlay_changes: list[OverlayChange] = Field(default_factory=list, description="what each overlay changed, and why")
    overlay_files: list[OverlayFile] = Field(
        default_factory=list, description="the file and sha256 of each overlay applied, in order"
    )


class Report(_Frozen):
    format: Literal["perfrules.report/1"] = REPORT_FORMAT
    perfrules_version: str
    pack: PackStamp
    fail_on: Severity
    as_of: date | None = Field(None, description="the date waivers were judged against (only with waivers)")
    waivers: dict[str, str] | None = Field(None, description="source and sha256 of the waivers file used")
    previous: dict[str, str] | None = Field(None, description="source and sha256 of the previous report compared with")
    verdict: Verdict
    exit_code: int = Field(description="0 pass, 1 blocked, 2 input or rule error")
    inputs: list[dict[str, str]] = Field(description="source and sha256 of every input, in order")
    submissions: list[SubmissionResult]
    problems: list[Problem]
    expired_waivers: list[Waiver] = Field(default_factory=list, description="waivers past their expiry on as_of")
    unmatched: list[Unmatched] = Field(
        default_factory=list, description="waivers and justifications that matched no finding, by source and line"
    )
    notices: list[Notice] = Field(
        default_factory=list, description="what readers passed over on purpose (skipped sheets); never a problem"
    )
    summary: dict[str, int]
