"""The terminal report for a bureau reviewer: grouped by submission and project, Chinese by default."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from typing import Literal

from perfrules.model.report import Finding, Report, SubmissionResult
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
    "ledger": {"zh": "规则", "en": "rules"},
    "evaluated": {"zh": "已评估", "en": "evaluated"},
    "not_applicable": {"zh": "不适用", "en": "not applicable"},
    "errored": {"zh": "出错", "en": "errored"},
    "disabled": {"zh": "已停用", "en": "disabled"},
    "problems": {"zh": "无法处理的输入或规则", "en": "inputs or rules that could not be processed"},
    "summary": {"zh": "汇总", "en": "summary"},
    "unverified": {"zh": "依据未经核实", "en": "basis unverified"},
    "overlays": {"zh": "叠加", "en": "overlays"},
    "justified": {"zh": "已说明", "en": "justified"},
    "waived": {"zh": "已豁免", "en": "waived"},
    "new": {"zh": "新增", "en": "new"},
    "fixed": {"zh": "已改正", "en": "fixed"},
    "expired": {"zh": "豁免已过期", "en": "expired waivers"},
}
_KIND: dict[str, dict[Lang, str]] = {
    "project_table": {"zh": "项目支出绩效自评表", "en": "project self-evaluation table"},
    "department_table": {"zh": "部门整体支出绩效自评表", "en": "department-wide self-evaluation table"},
    "narrative_report": {"zh": "自评报告（无自评表）", "en": "narrative report (no tables)"},
}
_MARK = {"error": "✗", "warning": "!", "info": "·"}


def _w(key: str, lang: Lang) -> str:
    return _WORDS[key][lang]


def _group(finding: Finding, lang: Lang) -> str:
    loc = finding.location
    if loc.project:
        return f"{_w('project', lang)}: {loc.project}"
    if loc.fund:
        return f"{_w('fund', lang)}: {loc.fund}"
    return f"[{_w('document', lang)}]"


def _submission(result: SubmissionResult, lang: Lang) -> list[str]:
    # The verdict "error" (input/rule error) reads 出错; 错误 is the severity of a finding.
    verdict_key = "errored" if result.verdict == "error" else result.verdict
    verdict = _WORDS.get(verdict_key, {"zh": "出错", "en": "ERROR"})[lang]
    counts = ", ".join(f"{_w(s, lang)} {n}" for s, n in result.counts.items() if n or s in ("error", "warning", "info"))
    kind = _KIND.get(result.document_kind, {"zh": result.document_kind, "en": result.document_kind})[lang]
    lines = [f"== {result.source}", f"   {result.department} · {result.fiscal_year} · {kind} · {verdict} ({counts})"]
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        groups[_group(finding, lang)].append(finding)
    for name in sorted(groups, key=lambda g: (not g.startswith("["), g)):
        lines.append(f"  {name}")
        for f in groups[name]:
            where = f.location.cell or f.location.pointer
            flag = f" ({_w('unverified', lang)})" if all(b.unverified for b in f.basis) else ""
            marks = "" if f.disposition == "open" else f" [{_w(f.disposition, lang)}]"
            marks += f" [{_w('new', lang)}]" if f.change == "new" else ""
            lines.append(f"    {_MARK[f.severity.value]} {_w(f.severity.value, lang)} {f.rule_id} @ {where}{marks}")
            if f.waiver:
                lines.append(
                    f"      {_w('waived', lang)}: {f.waiver.approver} · {f.waiver.reason} · {f.waiver.expires.isoformat()}"
                )
            if f.justification:
                lines.append(f"      {_w('justified', lang)}: {f.justification}")
            lines.append(f"      {getattr(f.message, lang)}")
            lines.append(
                f"      {'依据' if lang == 'zh' else 'basis'}: {'；'.join(b.document + (' ' + b.clause if b.clause else '') for b in f.basis)}{flag}"
            )
    for fixed in result.fixed:
        lines.append(f"  ✓ {_w('fixed', lang)} {fixed.rule_id} @ {fixed.pointer}")
    status: dict[str, int] = defaultdict(int)
    for entry in result.ledger:
        status[entry.status] += 1
    lines.append(f"  {_w('ledger', lang)}: " + ", ".join(f"{_w(k, lang)} {v}" for k, v in sorted(status.items())))
    return lines


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
    lines += _table(header, [[name, *map(str, counts)] for name, counts in sorted(departments.items())])
    if rules:
        lines += ["", "按规则 / by rule:" if zh else "by rule:"]
        ranked = sorted(rules.items(), key=lambda kv: (-kv[1][0], kv[0]))
        lines += _table(
            ["规则", "发现", "涉及份数"] if zh else ["rule", "findings", "files"],
            [[rule_id, str(n), str(files)] for rule_id, (n, files) in ranked],
        )
    return [*lines, ""]


def render_text(report: Report, lang: Lang = "zh") -> str:
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
    if len(report.submissions) > 1:
        lines += _batch_summary(report, lang)
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
