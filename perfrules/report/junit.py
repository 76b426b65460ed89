"""JUnit XML for CI dashboards (GitLab, Jenkins, GitHub test reporters).

One ``<testsuite>`` per submission and one ``<testcase>`` per rule in its ledger, so a CI
page shows "rule X failed for 某局" the same way it shows a failing unit test. Rules
blocked at the ``--fail-on`` threshold are failures; findings below it are only reported
in ``<system-out>`` so that they are visible without turning the build red.

No timings or timestamps are written: the output is a pure function of the report, and
the same report always gives byte-identical XML.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from perfrules.model.report import Finding, LedgerEntry, Problem, Report, SubmissionResult

_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
_DISPOSITION_ZH = {"justified": "已说明", "waived": "已豁免"}
_STATUS_ZH = {"not_applicable": "不适用", "disabled": "已停用"}

# Submitted workbooks can carry control characters that XML 1.0 forbids, and JSON can carry
# lone surrogates; ElementTree would write them verbatim and produce a file no CI parser accepts.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def _where(finding: Finding) -> str:
    loc = finding.location
    where = loc.cell or loc.pointer
    named = [f"项目 {loc.project}" if loc.project else "", f"指标 {loc.indicator}" if loc.indicator else ""]
    named.append(f"资金 {loc.fund}" if loc.fund else "")
    extra = "，".join(n for n in named if n)
    return f"{where}（{extra}）" if extra else where


def _line(finding: Finding) -> str:
    marks = [_SEVERITY_ZH.get(finding.severity.value, finding.severity.value)]
    # A waived or justified error is listed without failing; the mark says why it does not fail.
    if finding.disposition != "open":
        marks.append(_DISPOSITION_ZH.get(finding.disposition, finding.disposition))
    if finding.change == "new":
        marks.append("新增")
    line = f"[{'·'.join(marks)}] {_where(finding)}: {finding.message.zh}"
    if finding.waiver:
        w = finding.waiver
        line += f"\n    豁免：{w.approver}，{w.reason}，有效期至 {w.expires.isoformat()}"
    elif finding.justification:
        line += f"\n    说明：{finding.justification}"
    return line


class _Tally:
    """Counts for the ``tests/failures/errors/skipped`` attributes, kept as the cases are built."""

    def __init__(self) -> None:
        self.tests = self.failures = self.errors = self.skipped = 0

    def stamp(self, element: ET.Element) -> None:
        for name in ("tests", "failures", "errors", "skipped"):
            element.set(name, str(getattr(self, name)))

    def add(self, other: _Tally) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped


def _problem_text(problem: Problem) -> str:
    where = f"{problem.source}:{problem.location}" if problem.location else problem.source
    rule = f" [{problem.rule_id}]" if problem.rule_id else ""
    return f"{where}{rule}: {problem.message}"


def _rule_case(
    suite: ET.Element,
    source: str,
    entry: LedgerEntry,
    findings: list[Finding],
    rule_problems: dict[str, list[Problem]],
    tally: _Tally,
) -> None:
    case = ET.SubElement(suite, "testcase", {"classname": _clean(source), "name": _clean(entry.rule_id)})
    tally.tests += 1
    errored = entry.status == "errored"
    # An errored rule is reported as the error it is; any findings it still produced are shown, not failed on.
    blocking = [f for f in findings if f.blocking and not errored]
    quiet = [f for f in findings if not f.blocking or errored]
    if errored:
        tally.errors += 1
        causes = rule_problems.get(entry.rule_id, [])
        error = ET.SubElement(
            case, "error", {"type": "errored", "message": _clean(f"规则 {entry.rule_id} 执行出错，未能评估本文档")}
        )
        error.text = _clean("\n".join(_problem_text(p) for p in causes) or "规则出错（报告中无详细原因）")
    elif entry.status in _STATUS_ZH and not findings:
        tally.skipped += 1
        ET.SubElement(case, "skipped", {"message": _STATUS_ZH[entry.status]})
    elif blocking:
        tally.failures += 1
        # The most severe blocking finding names the failure type, so dashboards can group by it.
        worst = max(blocking, key=lambda f: f.severity.rank).severity.value
        failure = ET.SubElement(
            case,
            "failure",
            {"type": worst, "message": _clean(f"{len(blocking)} 条达到阻断阈值的问题：{blocking[0].title.zh}")},
        )
        failure.text = _clean("\n".join(_line(f) for f in blocking))
    if quiet:
        out = ET.SubElement(case, "system-out")
        out.text = _clean("\n".join(_line(f) for f in quiet))


def _suite(
    result: SubmissionResult, report: Report, rule_problems: dict[str, list[Problem]]
) -> tuple[ET.Element, _Tally]:
    suite = ET.Element("testsuite", {"name": _clean(result.source)})
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("department", result.department),
        ("fiscal_year", "" if result.fiscal_year is None else str(result.fiscal_year)),
        ("document_kind", result.document_kind),
        ("verdict", result.verdict),
        ("sha256", result.sha256),
        ("pack", f"{report.pack.name} {report.pack.content_hash}"),
        ("fail_on", report.fail_on.value),
    ):
        ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_rule[finding.rule_id].append(finding)
    ledger = {e.rule_id: e for e in result.ledger}
    # A finding whose rule is missing from the ledger would otherwise vanish from CI; treat it as evaluated.
    for rule_id in by_rule:
        ledger.setdefault(rule_id, LedgerEntry(rule_id=rule_id, status="evaluated", findings=len(by_rule[rule_id])))
    tally = _Tally()
    for rule_id in sorted(ledger):
        _rule_case(suite, result.source, ledger[rule_id], by_rule.get(rule_id, []), rule_problems, tally)
    tally.stamp(suite)
    return suite, tally


def _problem_suite(problems: list[Problem]) -> tuple[ET.Element, _Tally]:
    suite = ET.Element("testsuite", {"name": "perfrules: 无法处理的输入或规则"})
    tally = _Tally()
    for index, problem in enumerate(problems, 1):
        # Names must be unique within a suite or some dashboards merge the cases; the index keeps them apart.
        label = problem.rule_id or problem.location or problem.kind
        case = ET.SubElement(
            suite, "testcase", {"classname": _clean(problem.source), "name": _clean(f"{problem.kind}#{index} {label}")}
        )
        error = ET.SubElement(case, "error", {"type": problem.code, "message": _clean(problem.message)})
        error.text = _clean(_problem_text(problem))
        tally.tests += 1
        tally.errors += 1
    tally.stamp(suite)
    return suite, tally


def render_junit(report: Report) -> str:
    """The report as JUnit XML: one suite per submission, one case per rule, problems as errors."""
    root = ET.Element("testsuites", {"name": _clean(f"perfrules {report.pack.name}")})
    rule_problems: dict[str, list[Problem]] = defaultdict(list)
    for problem in report.problems:
        if problem.rule_id:
            rule_problems[problem.rule_id].append(problem)
    total = _Tally()
    for result in report.submissions:
        suite, tally = _suite(result, report, rule_problems)
        root.append(suite)
        total.add(tally)
    if report.problems:
        suite, tally = _problem_suite(report.problems)
        root.append(suite)
        total.add(tally)
    total.stamp(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
