"""Issue 13 §1: a 自评表 published as an HTML ``<table>`` (rowspan, colspan, a layout table around it) is read
by the workbook's header-by-content form reader."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest

import perfrules
from tests.conftest import RULES
from tests.form_grid import training_form

pytest.importorskip("lxml")


def _form_table(executed: object = 114) -> str:
    """The training workbook's form as an HTML table, its merged cells as rowspan/colspan."""
    _, _, grid = training_form(executed)
    rows = (
        "".join(f'<td rowspan="{c.rowspan}" colspan="{c.colspan}">{escape(c.text)}</td>' for c in cells)
        for cells in grid
    )
    return '<table border="1">' + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>"


def _page(body: str) -> str:
    return f'<html><head><meta charset="utf-8"><title>自评表</title></head><body>{body}</body></html>'


def test_a_web_page_that_is_the_form_is_read_as_a_project_table(tmp_path: Path) -> None:
    # A layout table around the form, as government sites build their pages.
    path = tmp_path / "form.html"
    path.write_text(_page(f"<table><tr><td>首页 &gt; 绩效公开</td></tr><tr><td>{_form_table(84)}</td></tr></table>"),
                    encoding="utf-8")  # fmt: skip
    report = perfrules.validate([path], rules=RULES)
    assert report.problems == []
    (result,) = report.submissions
    assert result.document_kind == "project_table"
    arith = [f for f in result.findings if f.rule_id == "BUDGET-RATE-ARITH"]
    assert len(arith) == 1 and arith[0].location.cell and arith[0].location.cell.endswith("!G6")
    assert "84 万元 ÷ 全年预算数 120 万元" in arith[0].message.zh


def test_the_clean_form_as_a_web_page_draws_no_finding(tmp_path: Path) -> None:
    path = tmp_path / "clean.html"
    path.write_text(_page(_form_table()), encoding="utf-8")
    (result,) = perfrules.validate([path], rules=RULES).submissions
    assert result.findings == [], [(f.rule_id, f.message.zh) for f in result.findings]


def test_a_report_page_with_its_form_is_checked_with_the_table(tmp_path: Path) -> None:
    body = ("<h1>示例市人力资源和社会保障局 2022 年项目支出绩效自评报告</h1><p>一、项目基本情况</p>"
            "<p>职业技能提升培训项目全年预算 120 万元，实际执行 114 万元，项目自评 93.75 分。</p>" + _form_table())  # fmt: skip
    path = tmp_path / "report.html"
    path.write_text(_page(body), encoding="utf-8")
    (result,) = perfrules.validate([path], rules=RULES).submissions
    assert result.document_kind == "narrative_report"
    assert "DOC-TABLES-REQUIRED" not in {f.rule_id for f in result.findings}


def test_a_headless_form_under_its_caption_on_a_report_page_is_read_as_that_project(tmp_path: Path) -> None:
    _, _, grid = training_form(84)
    rows = (
        "".join(f'<td rowspan="{c.rowspan}" colspan="{c.colspan}">{escape(c.text)}</td>' for c in cells)
        for cells in grid[4:]  # no title, 项目名称 or 主管部门 rows: the caption above names the project
    )
    table = '<table border="1">' + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>"
    body = ("<h1>示例市人力资源和社会保障局 2022 年度部门整体支出绩效自评报告</h1><p>一、部门基本情况</p>"
            "<p><b>附件：职业技能提升培训项目支出绩效自评表</b></p>" + table)  # fmt: skip
    path = tmp_path / "report.html"
    path.write_text(_page(body), encoding="utf-8")
    (result,) = perfrules.validate([path], rules=RULES).submissions
    assert "DOC-TABLES-REQUIRED" not in {f.rule_id for f in result.findings}
    (arith,) = [f for f in result.findings if f.rule_id == "BUDGET-RATE-ARITH"]
    assert arith.location.project == "职业技能提升培训" and arith.location.cell.endswith("表1!G2")
