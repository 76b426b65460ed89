"""A 自评表 published as a PDF with ruled cells is read by the workbook's header-by-content form reader."""

from __future__ import annotations

from pathlib import Path

import pytest

import perfrules
from perfrules.read.pdf_tables import grid_sheet
from tests.conftest import RULES
from tests.form_grid import training_form
from tests.test_read_documents import cjk_font


def test_covered_cells_rebuild_colspans_and_rowspans() -> None:
    sheet = grid_sheet("t", [["标题", None, None], ["a", "b", None], [None, "c", "d"]])
    assert sheet.anchor(0, 2) == (0, 0)  # the title spans the row
    assert sheet.anchor(1, 2) == (1, 1)  # b spans two columns
    assert sheet.anchor(2, 0) == (1, 0)  # a spans two rows
    assert sheet.own(2, 2) == "d"


def _form_pdf(path: Path, executed: object) -> Path:
    pytest.importorskip("pdfplumber")
    from fpdf import FPDF

    pdf = FPDF(format="A4", orientation="L")
    pdf.add_font("cjk", fname=str(cjk_font()))
    pdf.set_font("cjk", size=7)
    pdf.add_page()
    with pdf.table(first_row_as_headings=False) as table:
        for cells in training_form(executed)[2]:
            row = table.row()
            for cell in cells:
                row.cell(cell.text, rowspan=cell.rowspan, colspan=cell.colspan)
    pdf.output(str(path))
    return path


def test_a_pdf_that_is_the_form_is_read_as_a_project_table(tmp_path: Path) -> None:
    path = _form_pdf(tmp_path / "自评表.pdf", 84)
    report = perfrules.validate([path], rules=RULES)
    assert report.problems == []
    (result,) = report.submissions
    assert result.document_kind == "project_table" and result.department == "示例市人力资源和社会保障局"
    arith = [f for f in result.findings if f.rule_id == "BUDGET-RATE-ARITH"]
    assert [f.location.cell for f in arith] == ["第1页表1!G6"]
    assert "84 万元 ÷ 全年预算数 120 万元" in arith[0].message.zh


def test_the_clean_form_as_a_pdf_draws_no_finding(tmp_path: Path) -> None:
    (result,) = perfrules.validate([_form_pdf(tmp_path / "clean.pdf", 114)], rules=RULES).submissions
    assert result.findings == [], [(f.rule_id, f.message.zh) for f in result.findings]


def test_a_headless_form_under_its_caption_in_a_pdf_report_is_read_as_that_project(tmp_path: Path) -> None:
    pytest.importorskip("pdfplumber")
    from fpdf import FPDF

    pdf = FPDF(format="A4", orientation="L")
    pdf.add_font("cjk", fname=str(cjk_font()))
    pdf.add_page()
    for size, line in ((14, "示例市人力资源和社会保障局2022年度部门整体支出绩效自评报告"), (9, "一、部门基本情况"),
                       (9, "附件：职业技能提升培训项目支出绩效自评表")):  # fmt: skip
        pdf.set_font("cjk", size=size)
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
    pdf.set_font("cjk", size=7)
    with pdf.table(first_row_as_headings=False) as table:
        for cells in training_form(84)[2][4:]:  # no title, 项目名称 or 主管部门 rows
            row = table.row()
            for cell in cells:
                row.cell(cell.text, rowspan=cell.rowspan, colspan=cell.colspan)
    path = tmp_path / "report.pdf"
    pdf.output(str(path))
    (result,) = perfrules.validate([path], rules=RULES).submissions
    assert "DOC-TABLES-REQUIRED" not in {f.rule_id for f in result.findings}
    (arith,) = [f for f in result.findings if f.rule_id == "BUDGET-RATE-ARITH"]
    assert (arith.location.project, arith.location.cell) == ("职业技能提升培训", "第1页表1!G2")
