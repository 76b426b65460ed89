"""Layouts and wording met in real published forms and reports (issue 12 §1, issue 13 §1): each read without
loss, and no false alarm from the form's own printed text."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

import perfrules
from perfrules.read.narrative import from_text, one_paragraph_per_line
from tests.conftest import RULES

WORKBOOK = Path(__file__).resolve().parents[1] / "fixtures" / "workbooks" / "layout-a-training.xlsx"


def test_a_report_pasted_one_paragraph_per_line_is_read() -> None:
    text = (
        "示例市数据发展中心2024年度部门整体支出绩效自评报告\n"
        "一、部门基本情况\n"
        "本中心编制 15 人，实有人数 14 人。\n"
        "二、预算执行情况\n"
        "全年预算 985 万元，实际到位资金 334.67 万元。\n"
    )
    read = from_text("r.txt", "", one_paragraph_per_line(text))
    assert read.submission is not None, read.problems
    header = read.submission.submission.header
    assert (header.department, header.fiscal_year) == ("示例市数据发展中心", 2024)
    assert len(header.narrative.split("\n\n")) == 5  # each line is its paragraph


def test_blank_line_paragraphs_with_hard_wraps_are_left_alone() -> None:
    text = "某局 2020 年部门整体支出绩效自评报告\n\n第一段的前半句，\n后半句。\n\n第二段。\n"
    assert one_paragraph_per_line(text) == text


def test_a_title_over_two_lines_and_the_cover_field_give_department_and_year() -> None:
    text = (
        "示例市2018年度部门整体支出\n绩效评价自评报告\n部门(单位)名称:  示例市城市管理监督指挥中心\n"
        "预 算 编 码:   906017\n评价方式:部门(单位)绩效自评\n一、部门(单位)基本概况\n人员编制 21 人，实有人数 21 人。\n"
    )
    read = from_text("r.txt", "", one_paragraph_per_line(text))
    assert read.submission is not None, read.problems
    header = read.submission.submission.header
    assert (header.department, header.fiscal_year) == ("示例市城市管理监督指挥中心", 2018)


def test_a_blank_goal_cell_is_a_finding_at_that_cell(tmp_path: Path) -> None:
    path = tmp_path / "blank-goal.xlsx"
    shutil.copy(WORKBOOK, path)
    wb = openpyxl.load_workbook(path)
    wb.worksheets[0]["B11"] = None
    wb.save(path)
    report = perfrules.validate([path], rules=RULES)
    hollow = [f for s in report.submissions for f in s.findings if f.rule_id == "DESIGN-GOAL-HOLLOW"]
    assert [f.location.cell for f in hollow] == ["项目1!B11"]
    assert "未填写" in hollow[0].message.zh
    clean = perfrules.validate([WORKBOOK], rules=RULES)
    assert not [f for s in clean.submissions for f in s.findings if f.rule_id == "DESIGN-GOAL-HOLLOW"]


def test_the_forms_printed_note_is_no_explanation() -> None:
    note = "1.预算执行率=预算执行数/调整后预算数,预算执行率未达到90%的需说明原因(100字以内);2.年中发生预算调整的(追加或调减),应单独说明理由"
    doc = {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2023},
        "projects": [{"name": "工资性支出", "budget_lines": [
            {"item": "总额", "unit": "万元", "initial_budget": "238.93", "annual_budget": "251.89",
             "executed": "251.89", "rate": 1, "weight": 10, "score": 10, "explanation": note},
            {"item": "其中:财政资金", "unit": "万元", "initial_budget": "238.93", "annual_budget": "251.89",
             "executed": "251.89"},
            {"item": "财政专户管理资金", "unit": "万元", "initial_budget": 0, "annual_budget": 0, "executed": 0},
        ]}],
    }  # fmt: skip
    report = perfrules.validate([doc], rules=RULES)
    (result,) = report.submissions
    assert "BUDGET-ADJUST-EXPLAIN" in {f.rule_id for f in result.findings}
    assert result.scoring_scheme is not None and "四川" in result.scoring_scheme.zh


def test_a_finding_on_a_column_the_form_lacks_is_shown_at_its_row(tmp_path: Path) -> None:
    """The 10号 budget block has no 说明 cell: low execution without a reason is shown at the line's item cell."""
    path = tmp_path / "low.xlsx"
    shutil.copy(WORKBOOK, path)
    wb = openpyxl.load_workbook(path)
    wb.worksheets[0]["E6"] = 84
    wb.worksheets[0]["E7"] = 84
    wb.save(path)
    report = perfrules.validate([path], rules=RULES)
    low = [f for s in report.submissions for f in s.findings if f.rule_id == "BUDGET-EXEC-LOW-EXPLAIN"]
    assert [(f.location.cell, f.location.pointer) for f in low] == [
        ("项目1!B6", "/projects/0/budget_lines/0/explanation")
    ]
