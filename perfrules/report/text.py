"""The terminal report for a bureau reviewer, Chinese by default.

Per submission: errors, then warnings, then info; one block per rule, listing its cells; each
finding with its short fingerprint (what a waiver or justification may quote). Each rule's
basis is printed once, in the 依据 legend near the end.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Literal

from perfrules.findings.fingerprints import short
from perfrules.model.report import Finding, Report, SubmissionResult
from perfrules.report.unmatched_view import unmatched_text
from perfrules.report.visible import visible

Lang = Literal["zh", "en"]

_WORDS: dict[str, dict[Lang, str]] = {
    "error": {"zh": "错误", "en": "error"},
    "warning": {"zh": "警告", "en": "warning"},
    "info": {"zh": "提示", "en": "info"},
    "pass": {"zh": "通过", "en": "PASS"},
    "blocked": {"zh": "不通过", "en": "BLOCKED"},
    "document": {"zh": "文档", "en": "document"},
    "project": {"zh": "项目", "en": "project"},
    "fund": {"zh": "资金", "en": "fund"},
    "pack": {"zh": "规则包", "en": "rule pack"},
    "threshold": {"zh": "阻断阈值", "en": "fail on"},
    "scheme": {"zh": "计分方案", "en": "scoring scheme"},
    "ledger": {"zh": "规则", "en": "rules"},
    "evaluated": {"zh": "已评估", "en": "evaluated"},
    "not_applicable": {"zh": "不适用", "en": "not applicable"},
    "errored": {"zh": "出错", "en": "errored"},
    "disabled": {"zh": "已停用", "en": "disabled"},
    "problems": {"zh": "无法处理的输入或规则", "en": "inputs or rules that could not be processed"},
    "notices": {"zh": "已跳过（不影响结论）", "en": "passed over (no effect on the verdict)"},
    "summary": {"zh": "汇总", "en": "summary"},
    "overlays": {"zh": "叠加", "en": "overlays"},
    "justified": {"zh": "已说明", "en": "justified"},
    "waived": {"zh": "已豁免", "en": "waived"},
    "new": {"zh": "新增", "en": "new"},
    "fixed": {"zh": "已改正", "en": "fixed"},
    "expired": {"zh": "豁免已过期", "en": "expired waivers"},
    "blocking": {"zh": "（阻断）", "en": " (blocking)"},
}
_KIND: dict[str, dict[Lang, str]] = {
    "project_table": {"zh": "项目支出绩效自评表", "en": "project self-evaluation table"},
    "department_table": {"zh": "部门整体支出绩效自评表", "en": "department-wide self-evaluation table"},
    "department_scorecard": {"zh": "部门整体支出绩效评分表", "en": "department-wide scorecard"},
    "narrative_report": {"zh": "自评报告", "en": "narrative report"},
}
_MARK = {"error": "✗", "warning": "!", "info": "·"}


def _w(key: str, lang: Lang) -> str:
    return _WORDS[key][lang]


_RANK = {"error": 0, "warning": 1, "info": 2}
_LISTED = 6
_BREAKS = re.compile(r"\s*[\r\n]+\s*")
"""A block's heading names this many cells; its lines list them all."""


def _blocks(findings: list[Finding]) -> list[list[Finding]]:
    """One block per rule, errors first, then warnings, then info; in document order within a severity."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    return sorted(by_rule.values(), key=lambda block: _RANK[block[0].severity.value])


def _message(f: Finding, lang: Lang) -> str:
    """The message on one line (a quoted passage's line breaks would break the layout), after the
    project or fund it is about when the message does not name it."""
    text = _BREAKS.sub(" ", getattr(f.message, lang))
    loc = f.location
    for key, name in (("project", loc.project), ("fund", loc.fund)):
        if name and name not in text:
            return f"[{_w(key, lang)}: {name}] {text}"
    return text


def _where(f: Finding) -> str:
    return f.location.cell or f.location.pointer


def _marks(f: Finding, lang: Lang) -> str:
    marks = "" if f.disposition == "open" else f" [{_w(f.disposition, lang)}]"
    return marks + (f" [{_w('new', lang)}]" if f.change == "new" else "")


def _notes(f: Finding, lang: Lang, indent: str) -> list[str]:
    """Why a finding no longer blocks: the waiver or the submitter's justification."""
    lines = []
    if f.waiver:
        w = f.waiver
        lines.append(f"{indent}{_w('waived', lang)}: {w.approver} · {w.reason} · {w.expires.isoformat()}")
    if f.justification:
        lines.append(f"{indent}{_w('justified', lang)}: {f.justification}")
    return lines


def _department(name: str, lang: str) -> str:
    """A blank 主管部门 (DATA-DEPARTMENT-BLANK) is said, not shown as an empty field."""
    return name if name.strip() else ("主管部门未填写" if lang == "zh" else "department not stated")


def _year(year: int | None, lang: str) -> str:
    return str(year) if year is not None else ("年度未填写" if lang == "zh" else "year not stated")


def _block(block: list[Finding], lang: Lang) -> list[str]:
    """``  ✗ 错误 RULE @ where``: one finding, or one rule's findings on many cells with each listed."""
    first = block[0]
    head = f"  {_MARK[first.severity.value]} {_w(first.severity.value, lang)} {first.rule_id} @ "
    blocking = _w("blocking", lang) if any(f.blocking for f in block) else ""
    if len(block) == 1:
        lines = [f"{head}{_where(first)} [{short(first.fingerprint)}]{_marks(first, lang)}{blocking}"]
        return [*lines, *_notes(first, lang, "      "), f"      {_message(first, lang)}"]
    cells = [_where(f) for f in block]
    listed = ("、" if lang == "zh" else ", ").join(cells[:_LISTED])
    more = len(cells) - _LISTED
    if more > 0:
        listed += f" 等 {len(cells)} 处" if lang == "zh" else f" and {more} more"
    lines = [f"{head}{listed}{blocking}"]
    for f in block:
        lines.append(f"      {_where(f)} [{short(f.fingerprint)}]{_marks(f, lang)} {_message(f, lang)}")
        lines += _notes(f, lang, "        ")
    return lines


def _submission(result: SubmissionResult, lang: Lang) -> list[str]:
    # The verdict "error" (input/rule error) reads 出错; 错误 is the severity of a finding.
    verdict_key = "errored" if result.verdict == "error" else result.verdict
    verdict = _WORDS.get(verdict_key, {"zh": "出错", "en": "ERROR"})[lang]
    counts = ", ".join(f"{_w(s, lang)} {n}" for s, n in result.counts.items() if n or s in ("error", "warning", "info"))
    kind = _KIND.get(result.document_kind, {"zh": result.document_kind, "en": result.document_kind})[lang]
    lines = [
        f"== {result.source}",
        f"   {_department(result.department, lang)} · {_year(result.fiscal_year, lang)} · {kind} · {verdict} ({counts})",
    ]
    if result.scoring_scheme is not None:
        sep = "：" if lang == "zh" else ": "
        lines.append(f"   {_w('scheme', lang)}{sep}{getattr(result.scoring_scheme, lang)}")
    for block in _blocks(result.findings):
        lines += _block(block, lang)
    for fixed in result.fixed:
        lines.append(
            f"  ✓ {_w('fixed', lang)} {fixed.rule_id} @ {fixed.cell or fixed.pointer} [{short(fixed.fingerprint)}]"
        )
    status: dict[str, int] = defaultdict(int)
    for entry in result.ledger:
        status[entry.status] += 1
    lines.append(f"  {_w('ledger', lang)}: " + ", ".join(f"{_w(k, lang)} {v}" for k, v in sorted(status.items())))
    return lines


def _legend(report: Report, lang: Lang) -> list[str]:
    """Each rule's basis once, for every rule that fired: ``RULE-ID: <document> <clause>``."""
    basis: dict[str, Finding] = {}
    for result in report.submissions:
        for f in result.findings:
            basis.setdefault(f.rule_id, f)
    if not basis:
        return []
    lines = ["依据" if lang == "zh" else "basis"]
    for rule_id in sorted(basis):
        refs = basis[rule_id].basis
        text = ("；" if lang == "zh" else "; ").join(b.document + (" " + b.clause if b.clause else "") for b in refs)
        lines.append(f"  {rule_id}: {text}")
    return [*lines, ""]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns aligned for a terminal, counting a Chinese character as two cells wide."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  " + "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, ["-" * w for w in widths], *rows]
    ]


def _batch_summary(report: Report, lang: Lang) -> list[str]:
    """Per department and per rule, for a reviewer scanning a whole year's batch."""
    departments: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    rules: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in report.submissions:
        row = departments[result.department]
        row[0] += 1
        row[1] += result.verdict == "blocked"
        for f in result.findings:
            row[2 + ["error", "warning", "info"].index(f.severity.value)] += 1
            rules[f.rule_id][0] += 1
        for rule_id in {f.rule_id for f in result.findings}:
            rules[rule_id][1] += 1
    zh = lang == "zh"
    header = (
        ["部门", "份数", "不通过", "错误", "警告", "提示"]
        if zh
        else ["department", "files", "blocked", "errors", "warnings", "info"]
    )
    lines = ["", "按部门 / by department:" if zh else "by department:"]
    lines += _table(
        header, [[_department(name, lang), *map(str, counts)] for name, counts in sorted(departments.items())]
    )
    if rules:
        lines += ["", "按规则 / by rule:" if zh else "by rule:"]
        ranked = sorted(rules.items(), key=lambda kv: (-kv[1][0], kv[0]))
        lines += _table(
            ["规则", "发现", "涉及份数"] if zh else ["rule", "findings", "files"],
            [[rule_id, str(n), str(files)] for rule_id, (n, files) in ranked],
        )
    return [*lines, ""]


def render_text(report: Report, lang: Lang = "zh") -> str:
    """The report as plain text for a terminal or a mail: per submission, errors first, then warnings and info, each with its cell and short fingerprint, and the basis of each rule once at the end."""
    named = [f"{o.name} ({visible(o.source)} {o.sha256[:15]}…)" for o in report.pack.overlay_files]
    overlays = f" · {_w('overlays', lang)} {', '.join(named or report.pack.overlays)}" if report.pack.overlays else ""
    lines = [
        f"perfrules {report.perfrules_version} · {_w('pack', lang)} {report.pack.name} "
        f"({report.pack.content_hash[:19]}…){overlays} · {_w('threshold', lang)} {_w(report.fail_on.value, lang)}",
        "",
    ]
    for result in report.submissions:
        lines += [*_submission(result, lang), ""]
    if report.problems:
        lines.append(f"{_w('problems', lang)}:")
        for p in report.problems:
            where = f"{p.source}{':' + p.location if p.location else ''}"
            rule = f" [{p.rule_id}]" if p.rule_id else ""
            lines.append(f"  ✗ {where}{rule}: {p.message}")
        lines.append("")
    if report.notices:
        lines.append(f"{_w('notices', lang)}:")
        lines += [
            f"  · {visible(n.source)}{' · ' + visible(n.location) if n.location else ''}: {n.message}"
            for n in report.notices
        ]
        lines.append("")
    if len(report.submissions) > 1:
        lines += _batch_summary(report, lang)
    lines += _legend(report, lang)
    lines += unmatched_text(report.unmatched, lang)
    for waiver in report.expired_waivers:
        lines.append(
            f"{_w('expired', lang)}: {waiver.fingerprint} ({waiver.rule_id or '—'}) · {waiver.approver} · {waiver.expires.isoformat()}"
        )
    s = report.summary
    if lang == "zh":
        lines.append(
            f"{_w('summary', lang)}: {s['submissions']} 份，已检查 {s['checked']}，无法读取 {s['unreadable']}，"
            f"不通过 {s['blocked']}；发现 {s['findings']} 条（错误 {s['error']}，警告 {s['warning']}，提示 {s['info']}）"
            f" → {'通过' if report.verdict == 'pass' else '不通过' if report.verdict == 'blocked' else '出错'}"
        )
    else:
        lines.append(
            f"summary: {s['submissions']} submission{'' if s['submissions'] == 1 else 's'}, {s['checked']} checked, {s['unreadable']} unreadable, "
            f"{s['blocked']} blocked; {s['findings']} findings ({s['error']} errors, {s['warning']} warnings, "
            f"{s['info']} info) → {report.verdict.upper()}"
        )
    # Every submitter string passes through here: none may steer the reviewer's terminal.
    return visible("\n".join(lines) + "\n")
