"""JUnit, HTML and annotated-workbook writers: each a pure function of the report."""

from __future__ import annotations

import hashlib
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import pytest

import perfrules
from perfrules.errors import MissingDependency
from perfrules.model.report import (
    Finding,
    FixedFinding,
    OverlayChange,
    Problem,
    Report,
    SubmissionResult,
    Waiver,
)
from perfrules.model.rule import Severity
from perfrules.report.html import render_html, write_html
from perfrules.report.junit import render_junit
from tests.conftest import FIXTURES

BROKEN = FIXTURES / "broken" / "project-table-errors.yaml"
ALLOWED_TAGS = {
    *("html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "a", "code", "span", "br", "nav"),
    *("dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td", "details", "summary", "wbr", "div"),
}


@pytest.fixture(scope="module")
def report() -> Report:
    return perfrules.validate([FIXTURES])


@pytest.fixture(scope="module")
def broken() -> Report:
    return perfrules.validate([BROKEN])


def _with_submissions(report: Report, submissions: list[SubmissionResult], **update: object) -> Report:
    return report.model_copy(update={"submissions": submissions, **update})


def _relocate(finding: Finding, **location: object) -> Finding:
    return finding.model_copy(update={"location": finding.location.model_copy(update=location)})


# --- JUnit -------------------------------------------------------------------------------------------------------


def test_junit_has_one_suite_per_submission_and_one_case_per_rule(report: Report) -> None:
    root = ET.fromstring(render_junit(report))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [r.source for r in report.submissions]
    totals: Counter[str] = Counter()
    for suite, result in zip(suites, report.submissions, strict=True):
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == sorted(e.rule_id for e in result.ledger)
        assert {c.get("classname") for c in cases} == {result.source}
        blocking_rules = {f.rule_id for f in result.findings if f.blocking}
        skipped = {e.rule_id for e in result.ledger if e.status in ("not_applicable", "disabled")}
        expected = {
            "tests": len(result.ledger),
            "failures": len(blocking_rules),
            "errors": 0,
            "skipped": len(skipped),
        }
        assert {k: int(suite.get(k, "-1")) for k in expected} == expected
        assert {c.get("name") for c in cases if c.find("failure") is not None} == blocking_rules
        assert {c.get("name") for c in cases if c.find("skipped") is not None} == skipped
        totals.update(expected)
    assert {k: int(root.get(k, "-1")) for k in totals} == dict(totals)
    # The fixtures are chosen to exercise every branch: blocked rules, quiet warnings and inapplicable rules.
    assert totals["failures"] > 0
    assert totals["skipped"] > 0


def test_junit_failures_list_location_and_message_and_quiet_findings_go_to_system_out(report: Report) -> None:
    root = ET.fromstring(render_junit(report))
    for suite, result in zip(root.findall("testsuite"), report.submissions, strict=True):
        cases = {c.get("name"): c for c in suite.findall("testcase")}
        for f in result.findings:
            case = cases[f.rule_id]
            holder = case.find("failure") if f.blocking else case.find("system-out")
            assert holder is not None, f.rule_id
            assert f.message.zh in (holder.text or "")
            assert (f.location.cell or f.location.pointer) in (holder.text or "")
    quiet = [f for r in report.submissions for f in r.findings if not f.blocking]
    assert quiet, "the fixtures should have at least one finding below the threshold"


def test_junit_reports_errored_rules_and_problems_as_errors(broken: Report) -> None:
    sub = broken.submissions[0]
    errored_rule = "BUDGET-RATE-ARITH"
    ledger = [e.model_copy(update={"status": "errored"}) if e.rule_id == errored_rule else e for e in sub.ledger]
    problems = [
        Problem(kind="rule", source="rules/budget.yaml", location="3:1", rule_id=errored_rule, message="SQL 出错"),
        Problem(kind="input", source="bad.json", location="/header", message="不是有效的 JSON <&>"),
    ]
    report = _with_submissions(broken, [sub.model_copy(update={"ledger": ledger})], problems=problems)
    root = ET.fromstring(render_junit(report))
    suite, problem_suite = root.findall("testsuite")
    case = next(c for c in suite.findall("testcase") if c.get("name") == errored_rule)
    error = case.find("error")
    assert error is not None
    assert "SQL 出错" in (error.text or "")
    assert case.find("failure") is None  # the rule's finding is shown, but an errored rule is an error, not a failure
    assert suite.get("errors") == "1"
    assert [c.get("classname") for c in problem_suite.findall("testcase")] == ["rules/budget.yaml", "bad.json"]
    messages = [c.find("error") for c in problem_suite.findall("testcase")]
    assert all(m is not None for m in messages)
    assert messages[1] is not None
    assert messages[1].get("message") == "不是有效的 JSON <&>"
    assert root.get("errors") == "3"


def test_junit_is_deterministic_and_survives_control_characters(broken: Report) -> None:
    sub = broken.submissions[0]
    first = sub.findings[0]
    dirty = first.model_copy(
        update={"message": first.message.model_copy(update={"zh": "单元格含控制字符\x01\x0b\ud800"})}
    )
    report = _with_submissions(broken, [sub.model_copy(update={"findings": [dirty, *sub.findings[1:]]})])
    text = render_junit(report)
    assert text == render_junit(report)
    assert "单元格含控制字符" in text
    ET.fromstring(text.encode("utf-8"))  # would raise on the raw control characters or the lone surrogate


def test_junit_without_submissions_is_an_empty_suite_list(broken: Report) -> None:
    root = ET.fromstring(render_junit(_with_submissions(broken, [])))
    assert root.findall("testsuite") == []
    assert root.get("tests") == "0"


@pytest.fixture(scope="module")
def reviewed(broken: Report) -> Report:
    """The broken fixture after review: one finding waived, one justified, one new, one fixed, one waiver expired."""
    sub = broken.submissions[0]
    first, second, third, *rest = sub.findings
    waiver = Waiver(
        fingerprint=first.fingerprint, approver="张科长", reason="已在整改台账中跟踪", expires=date(2027, 3, 31)
    )
    findings = [
        first.model_copy(update={"disposition": "waived", "waiver": waiver, "blocking": False}),
        second.model_copy(update={"disposition": "justified", "justification": "<b>按合同约定</b>", "blocking": False}),
        third.model_copy(update={"change": "new"}),
        *rest,
    ]
    fixed = [FixedFinding(rule_id="SCORE-IND-BOUNDS", fingerprint="0123456789abcdef01234567", pointer="/projects/1/x")]
    expired = Waiver(
        fingerprint="fedcba9876543210fedcba98", approver="李处长", reason="旧豁免", expires=date(2020, 1, 1)
    )
    change = OverlayChange(
        overlay="四川", rule_id="DESIGN-QUANT-SHARE", reason="省级口径<不同>", changes={"severity": "info"}
    )
    return _with_submissions(
        broken,
        [sub.model_copy(update={"findings": findings, "fixed": fixed})],
        waivers={"source": "waivers.yaml", "sha256": "sha256:aaaa"},
        as_of=date(2026, 11, 27),
        pack=broken.pack.model_copy(update={"overlays": ["四川"], "overlay_changes": [change]}),
        previous={"source": "last.json", "sha256": "sha256:bbbb"},
        expired_waivers=[expired],
    )


def test_junit_and_html_show_why_a_finding_does_not_block(reviewed: Report) -> None:
    waived, justified, new = reviewed.submissions[0].findings[:3]
    root = ET.fromstring(render_junit(reviewed))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    waived_out = cases[waived.rule_id].find("system-out")
    assert waived_out is not None
    assert "已豁免" in (waived_out.text or "")
    assert "张科长" in (waived_out.text or "")
    justified_out = cases[justified.rule_id].find("system-out")
    assert justified_out is not None
    assert "说明：<b>按合同约定</b>" in (justified_out.text or "")
    failure = cases[new.rule_id].find("failure")
    assert failure is not None
    assert "新增" in (failure.text or "")

    pages = render_html(reviewed)
    index, page = pages["index.html"], pages["submissions/00001.html"]
    assert "waivers.yaml" in index
    assert "last.json" in index
    assert _rows(index, "expired-waivers", "expired") == 1
    assert "李处长" in index
    assert "2026-11-27" in index
    assert _rows(index, "overlay-changes", "overlay-change") == 1
    assert "省级口径&lt;不同&gt;" in index
    assert "已豁免" in page
    assert "张科长" in page
    assert "2027-03-31" in page
    assert "&lt;b&gt;按合同约定&lt;/b&gt;" in page
    assert "新增" in page
    assert _rows(page, "fixed", "fixed") == 1
    assert _breakable("/projects/1/x") in page


def test_annotated_workbook_shows_waivers_and_justifications(reviewed: Report, tmp_path: Path, openpyxl: Any) -> None:
    from perfrules.report.annotate_xlsx import annotate_workbook

    book = tmp_path / "book.xlsx"
    _workbook(book)
    sub = reviewed.submissions[0]
    located = [_relocate(f, cell=f"{SHEET}!A{i + 1}") for i, f in enumerate(sub.findings[:2])]
    report = _with_submissions(reviewed, [sub.model_copy(update={"source": "book.xlsx", "findings": located})])
    out = tmp_path / "annotated.xlsx"
    assert annotate_workbook(report, book, out) == 2
    wb = openpyxl.load_workbook(out)
    assert "已豁免" in wb[SHEET]["A1"].comment.text
    assert "张科长" in wb[SHEET]["A1"].comment.text
    assert "说明：<b>按合同约定</b>" in wb[SHEET]["A2"].comment.text
    assert [r[14:] for r in wb["审核意见"].iter_rows(min_row=2, values_only=True)] == [
        ("已豁免", "豁免：张科长，已在整改台账中跟踪，有效期至 2027-03-31"),
        ("已说明", "说明：<b>按合同约定</b>"),
    ]


# --- HTML --------------------------------------------------------------------------------------------------------


def _rows(page: str, table_id: str, row_class: str) -> int:
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    return 0 if table is None else len(re.findall(rf'<tr class="{row_class}[ "]', table.group(1)))


def _breakable(text: str) -> str:
    """How the HTML shows a cell or pointer: escaped, a line-break opportunity after each / and !."""
    return re.sub(r"([/!])", r"\1<wbr>", escape(text))


def test_html_index_has_verdict_stamp_summaries_and_links(report: Report) -> None:
    pages = render_html(report)
    index = pages["index.html"]
    assert report.pack.content_hash in index
    assert "不通过" in index  # the fixtures' overall verdict is blocked
    assert _rows(index, "submissions", "submission") == len(report.submissions)
    assert _rows(index, "per-rule", "rule") == len({f.rule_id for r in report.submissions for f in r.findings})
    assert _rows(index, "per-rule-all", "rule") == len({e.rule_id for r in report.submissions for e in r.ledger})
    assert _rows(index, "per-department", "department") == len({r.department for r in report.submissions})
    listed = index[index.index('id="submissions"') :]  # the full list; the "look at first" table links some again
    links = re.findall(r'href="(submissions/[^"]+)"', listed)
    assert len(links) == len(report.submissions)
    assert all(link in pages for link in re.findall(r'href="(submissions/[^"]+)"', index))
    assert set(pages) == {"index.html", *links}


def test_html_submission_pages_hold_findings_and_ledger(report: Report) -> None:
    pages = render_html(report)
    for i, result in enumerate(report.submissions):
        page = pages[f"submissions/{i + 1:05d}.html"]
        assert _rows(page, "findings", "finding") == len(result.findings)
        assert _rows(page, "ledger", "ledger") == len(result.ledger)
        for f in result.findings:
            assert escape(f.message.zh) in page
            assert f.rule_id in page
            assert _breakable(f.location.cell or f.location.pointer) in page
            assert all(escape(b.document) in page for b in f.basis)
        if not result.findings:
            assert "未发现问题" in page
    assert '<a href="../index.html">' in pages["submissions/00001.html"]


def test_html_shows_the_cell_and_the_pointer_for_workbook_findings(broken: Report) -> None:
    sub = broken.submissions[0]
    located = _relocate(sub.findings[0], cell="项目1!G6")
    page = render_html(_with_submissions(broken, [sub.model_copy(update={"findings": [located]})]))[
        "submissions/00001.html"
    ]
    assert "<code>项目1!<wbr>G6</code>" in page
    assert _breakable(located.location.pointer) in page


def test_html_english(report: Report) -> None:
    pages = render_html(report, "en")
    assert 'lang="en"' in pages["index.html"]
    assert "BLOCKED" in pages["index.html"]
    first = next(i for i, r in enumerate(report.submissions) if r.findings)
    assert escape(report.submissions[first].findings[0].message.en) in pages[f"submissions/{first + 1:05d}.html"]
    with pytest.raises(ValueError, match="lang"):
        render_html(report, "fr")


def test_html_escapes_everything_and_is_self_contained(broken: Report) -> None:
    sub = broken.submissions[0]
    first = sub.findings[0]
    hostile = _relocate(
        first.model_copy(update={"message": first.message.model_copy(update={"zh": '<script>alert("x")</script>'})}),
        project="<img src=x onerror=alert(1)>",
        pointer="/a/<b>",
    )
    evil = sub.model_copy(
        update={"source": "<script>src.yaml", "department": "<i>局</i>", "findings": [hostile, *sub.findings[1:]]}
    )
    problems = [Problem(kind="input", source="<script>src.yaml", message="<script>bad</script>")]
    pages = render_html(_with_submissions(broken, [evil], problems=problems))
    for page in pages.values():
        # Escaped text contains no '<', so every '<' left starts one of the writer's own tags.
        tags = {m.group(1).lower() for m in re.finditer(r"<([a-zA-Z][a-zA-Z0-9]*)", page)}
        assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
        # Self-contained: nothing is fetched when the page is opened offline.
        assert not re.search(r"<[^<>]*\s(src|srcset|action)=", page)
        assert not re.search(r'href="[a-z]+:', page)
        assert "url(" not in page
        assert "@import" not in page
    sub_page = pages["submissions/00001.html"]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in sub_page
    assert "&lt;img src=x onerror=alert(1)&gt;" in sub_page
    assert "&lt;script&gt;bad&lt;/script&gt;" in sub_page  # the problem for this source is shown on its page


def test_html_paginates_the_index_and_links_every_page(broken: Report) -> None:
    sub = broken.submissions[0]
    many = [sub.model_copy(update={"source": f"batch/{i:04d}.yaml"}) for i in range(450)]
    pages = render_html(_with_submissions(broken, many), page_size=200)
    indexes = sorted(n for n in pages if n.startswith("index"))
    assert indexes == ["index-2.html", "index-3.html", "index.html"]
    assert [_rows(pages[n], "submissions", "submission") for n in ("index.html", "index-2.html", "index-3.html")] == [
        200,
        200,
        50,
    ]
    assert len([n for n in pages if n.startswith("submissions/")]) == 450
    # The whole-batch summaries appear once, on the first page.
    assert 'id="per-rule"' in pages["index.html"]
    assert 'id="per-rule"' not in pages["index-2.html"]
    assert 'href="index-3.html"' in pages["index-2.html"]
    assert 'href="index.html"' in pages["index-2.html"]
    assert "batch/0200.yaml" in pages["index-2.html"]
    assert "batch/0199.yaml" not in pages["index-2.html"]
    # Each submission page links back to the index page that lists it.
    assert '<a href="../index-2.html">' in pages["submissions/00201.html"]
    assert '<a href="../index-3.html">' in pages["submissions/00450.html"]
    for page in pages.values():
        for link in re.findall(r'href="([^"#]+)"', page):
            assert link.removeprefix("../") in pages, link
    with pytest.raises(ValueError, match="page_size"):
        render_html(broken, page_size=0)


def test_html_without_submissions(broken: Report) -> None:
    pages = render_html(_with_submissions(broken, []))
    assert list(pages) == ["index.html"]
    assert "没有可检查的材料" in pages["index.html"]


def test_write_html_writes_every_page(report: Report, tmp_path: Path) -> None:
    index = write_html(report, tmp_path / "html", "zh")
    assert index == tmp_path / "html" / "index.html"
    pages = render_html(report)
    assert pages == render_html(report)  # deterministic
    for name, text in pages.items():
        assert (tmp_path / "html" / name).read_text(encoding="utf-8") == text


# --- annotated workbook ------------------------------------------------------------------------------------------

SHEET = "项目自评表"


@pytest.fixture
def openpyxl() -> Any:
    # openpyxl is needed only for annotating workbooks; without it only these tests are skipped.
    return pytest.importorskip("openpyxl")


def _workbook(path: Path) -> None:
    import openpyxl  # type: ignore[import-untyped]
    from openpyxl.comments import Comment  # type: ignore[import-untyped]

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"], ws["B1"] = "项目名称", "执行率"
    ws["B2"] = "高标准农田建设"
    ws.merge_cells("B2:D3")
    ws["C5"] = 0.92
    ws["C6"] = "=C5*100"
    ws["E7"] = 10
    ws["E7"].comment = Comment("填报人备注：按合同金额", "填报人")
    other = wb.create_sheet("Sheet 2")
    other["A3"] = "定性为主"
    wb.save(path)


def _xlsx_report(
    broken: Report, source: str, cells: list[str | None], sha256: str | None = None, warnings: int = 0
) -> Report:
    """The broken fixture's findings moved into a workbook: one per cell, the last ``warnings`` of them warnings."""
    sub = broken.submissions[0]
    pool = sub.findings * len(cells)  # enough findings whatever the rule pack finds in the fixture
    located = [
        _relocate(f, cell=c).model_copy(
            update={"severity": Severity.WARNING if i >= len(cells) - warnings else Severity.ERROR}
        )
        for i, (f, c) in enumerate(zip(pool, cells, strict=False))
    ]
    update: dict[str, object] = {"source": source, "findings": located}
    if sha256:
        update["sha256"] = sha256
    return _with_submissions(broken, [sub.model_copy(update=update)])


def test_annotate_workbook_comments_exact_cells_and_leaves_the_original_alone(
    broken: Report, tmp_path: Path, openpyxl: Any
) -> None:
    from perfrules.report.annotate_xlsx import annotate_workbook

    book = tmp_path / "book.xlsx"
    _workbook(book)
    before = book.read_bytes()
    cells: list[str | None] = [
        f"{SHEET}!C5",  # error
        f"{SHEET}!C3",  # error, inside the merged B2:D3 → anchor B2
        f"{SHEET}!$B$2",  # error, the anchor itself: same cell as above, counted once
        f"{SHEET}!E7",  # error, cell with the submitter's own comment
        f"{SHEET}!XFZ1",  # beyond Excel's last column: listed, not annotated
        "NoSuchSheet!A1",  # not in this workbook: listed, not annotated
        None,  # pointer only: listed
        "C5",  # no sheet, and the source names none: listed, not annotated
        "'Sheet 2'!A3",  # warning, quoted sheet name
    ]
    report = _xlsx_report(broken, "book.xlsx", cells, warnings=1)
    findings = report.submissions[0].findings
    out = tmp_path / "out" / "book-审核.xlsx"

    assert annotate_workbook(report, book, out) == 4

    assert book.read_bytes() == before
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    commented = {
        (sheet.title, c.coordinate) for sheet in wb.worksheets for row in sheet.iter_rows() for c in row if c.comment
    }
    assert commented == {(SHEET, "C5"), (SHEET, "B2"), (SHEET, "E7"), ("Sheet 2", "A3")}
    assert findings[0].message.zh in ws["C5"].comment.text
    assert findings[0].rule_id in ws["C5"].comment.text
    assert "错误" in ws["C5"].comment.text
    assert findings[1].rule_id in ws["B2"].comment.text
    assert findings[2].rule_id in ws["B2"].comment.text
    assert "填报人备注：按合同金额" in ws["E7"].comment.text
    assert findings[3].message.zh in ws["E7"].comment.text
    assert "警告" in wb["Sheet 2"]["A3"].comment.text
    assert ws["C5"].fill.start_color.rgb.endswith("FFC7CE")
    assert ws["B2"].fill.start_color.rgb.endswith("FFC7CE")
    assert wb["Sheet 2"]["A3"].fill.start_color.rgb.endswith("FFEB9C")
    # The submitter's content survives: values, formulas and merges.
    assert ws["C6"].value == "=C5*100"
    assert "B2:D3" in {str(r) for r in ws.merged_cells.ranges}
    assert wb.sheetnames == [SHEET, "Sheet 2", "审核意见"]
    sheet = wb["审核意见"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(findings)
    assert [r[4] for r in rows] == [f.rule_id for f in findings]
    assert [r[11] for r in rows] == [f.message.zh for f in findings]
    assert sheet["F2"].hyperlink.location == f"'{SHEET}'!C5"
    assert sheet["F3"].hyperlink.location == f"'{SHEET}'!B2"
    assert sheet["F6"].hyperlink is None  # XFZ1 cannot be linked to
    assert sheet["F9"].value == "C5"
    assert sheet["F9"].hyperlink is None


def test_annotate_workbook_matches_by_hash_and_uses_the_sheet_in_the_source(
    broken: Report, tmp_path: Path, openpyxl: Any
) -> None:
    from perfrules.report.annotate_xlsx import annotate_workbook

    book = tmp_path / "renamed.xlsx"
    _workbook(book)
    digest = "sha256:" + hashlib.sha256(book.read_bytes()).hexdigest()
    # Read elsewhere under another name; a bare cell is on the sheet named after '#'.
    report = _xlsx_report(broken, f"elsewhere/original.xlsx#{SHEET}", ["C5", f"{SHEET}!D2"], sha256=digest)
    out = tmp_path / "annotated.xlsx"
    assert annotate_workbook(report, book, out) == 2
    ws = openpyxl.load_workbook(out)[SHEET]
    assert ws["C5"].comment is not None
    assert ws["B2"].comment is not None


def test_annotate_workbook_never_turns_submitted_text_into_formulas(
    broken: Report, tmp_path: Path, openpyxl: Any
) -> None:
    from perfrules.report.annotate_xlsx import annotate_workbook

    book = tmp_path / "book.xlsx"
    _workbook(book)
    report = _xlsx_report(broken, "book.xlsx", [f"{SHEET}!C5"])
    sub = report.submissions[0]
    hostile = _relocate(sub.findings[0], project='=HYPERLINK("http://example.invalid","点此")')
    report = _with_submissions(report, [sub.model_copy(update={"findings": [hostile]})])
    out = tmp_path / "annotated.xlsx"
    annotate_workbook(report, book, out)
    project = openpyxl.load_workbook(out)["审核意见"]["H2"]
    assert project.value == '=HYPERLINK("http://example.invalid","点此")'
    assert project.data_type == "s"


def test_annotate_workbook_matches_by_path_when_the_file_changed_since(
    broken: Report, tmp_path: Path, openpyxl: Any
) -> None:
    from perfrules.report.annotate_xlsx import annotate_workbook

    book = tmp_path / "book.xlsx"
    _workbook(book)
    report = _xlsx_report(broken, f"{book}#{SHEET}", ["C5"], sha256="sha256:" + "0" * 64)
    assert annotate_workbook(report, book, tmp_path / "annotated.xlsx") == 1


def test_annotate_workbook_keeps_an_existing_findings_sheet(broken: Report, tmp_path: Path, openpyxl: Any) -> None:
    from perfrules.report.annotate_xlsx import annotate_workbook

    book = tmp_path / "book.xlsx"
    _workbook(book)
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("审核意见")["A1"] = "填报人自己的说明"
    wb.save(book)
    out = tmp_path / "annotated.xlsx"
    assert annotate_workbook(_xlsx_report(broken, "book.xlsx", [None]), book, out) == 0
    result = openpyxl.load_workbook(out)
    assert result["审核意见"]["A1"].value == "填报人自己的说明"
    assert result["审核意见 (2)"].max_row == 2


def test_annotate_workbook_refuses_wrong_workbook_and_overwriting(
    broken: Report, tmp_path: Path, openpyxl: Any
) -> None:
    from perfrules.report.annotate_xlsx import annotate_workbook

    book = tmp_path / "book.xlsx"
    _workbook(book)
    with pytest.raises(ValueError, match="no submission"):
        annotate_workbook(_xlsx_report(broken, "other.xlsx", []), book, tmp_path / "out.xlsx")
    with pytest.raises(ValueError, match="never writes over"):
        annotate_workbook(_xlsx_report(broken, "book.xlsx", []), book, book)
    assert not (tmp_path / "out.xlsx").exists()
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(ValueError, match=r"\.xls"):
        annotate_workbook(_xlsx_report(broken, "old.xls", []), legacy, tmp_path / "out.xlsx")


def test_annotate_workbook_judges_the_file_by_content_not_suffix(broken: Report, tmp_path: Path, openpyxl: Any) -> None:
    from perfrules.report.annotate_xlsx import annotate_workbook

    # Offices rename files freely; an .xlsx saved as .xls is still an .xlsx, and openpyxl would refuse the name.
    renamed = tmp_path / "book.xls"
    _workbook(renamed)
    out = tmp_path / "annotated.xlsx"
    assert annotate_workbook(_xlsx_report(broken, "book.xls", [f"{SHEET}!C5"]), renamed, out) == 1
    assert openpyxl.load_workbook(out)[SHEET]["C5"].comment is not None


def test_annotate_workbook_without_openpyxl_says_how_to_install_it(
    broken: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfrules.report.annotate_xlsx import annotate_workbook

    monkeypatch.setitem(sys.modules, "openpyxl", None)  # makes `import openpyxl` raise ImportError
    with pytest.raises(MissingDependency, match=r"openpyxl：pip install perfrules"):
        annotate_workbook(broken, tmp_path / "book.xlsx", tmp_path / "out.xlsx")


def test_writing_to_a_fifo_or_device_writes_through_and_keeps_it(tmp_path: Path) -> None:
    """`-o /dev/null` must not rename a file over the device (as root that breaks the machine)."""
    import os
    import threading

    from perfrules.report.atomic import write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_atomic(fifo, "报告\n")
    reader.join(timeout=10)
    assert got == ["报告\n"]
    assert fifo.is_fifo() and not (tmp_path / "pipe.partial").exists()
    write_atomic(Path(os.devnull), "discarded")
    assert Path(os.devnull).is_char_device()
