"""Issue 13 §1: a 自评表 published as an HTML ``<table>`` (rowspan, colspan, a layout table around it) is read
by the workbook's header-by-content form reader."""

from __future__ import annotations

from html import escape
from pathlib import Path

import openpyxl
import pytest

import perfrules
from tests.conftest import RULES

pytest.importorskip("lxml")
WORKBOOK = Path(__file__).resolve().parents[1] / "fixtures" / "workbooks" / "layout-a-training.xlsx"


def _form_table(executed: object = 114) -> str:
    """The training workbook's form as an HTML table, its merged cells as rowspan/colspan."""
    ws = openpyxl.load_workbook(WORKBOOK).worksheets[0]
    covered: dict[tuple[int, int], tuple[int, int] | None] = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                covered[(r, c)] = None
        covered[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
    rows = []
    for r in range(1, ws.max_row + 1):
        tds = []
        for c in range(1, ws.max_column + 1):
            span = covered.get((r, c), (1, 1))
            if span is None:
                continue
            cell = ws.cell(r, c)
            value = executed if cell.coordinate == "E6" else cell.value
            shown = (
                ""
                if value is None
                else (f"{value * 100:g}%" if "%" in cell.number_format and isinstance(value, float) else str(value))
            )
            tds.append(f'<td rowspan="{span[0]}" colspan="{span[1]}">{escape(shown)}</td>')
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<table border="1">' + "".join(rows) + "</table>"


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
