"""Report titles as bureaus publish them: a cover page before the title, a title with no year, none at all."""

from __future__ import annotations

from pathlib import Path

from perfrules import validate
from perfrules.read.narrative import extract, paragraphs

# Shaped as 横县机构编制委员会办公室's 2017 report (published 2018): a cover page of fields, the unit and
# the title on lines of their own, no year in the title, and the year evaluated in the opening sentence.
COVER = """部门整体支出绩效评价报告

项目名称:部门整体支出绩效评价报告

项目单位: 示例县机构编制委员会办公室

主管部门: 示例县委

评价类型事前评价□事后评价□√评价方式:部门(单位)绩效自评□√评价机构:部门(单位)评价组□√

2018年4月3日

示例县机构编制委员会办公室

部门整体支出绩效评价报告

根据《示例县财政局关于开展2017年度预算绩效自评工作的通知》的要求,我办对2017年度部门整体支出绩效进行了全面综合评价。现将有关情况报告如下:

一、部门基本情况

示例县机构编制委员会办公室,下设事业单位登记局。
"""


def test_a_cover_page_keeps_its_fields_and_date_on_lines_of_their_own() -> None:
    paras = paragraphs(COVER)
    assert "项目单位: 示例县机构编制委员会办公室" in paras
    assert "2018年4月3日" in paras
    assert "一、部门基本情况" in paras


def test_a_title_without_a_year_takes_the_year_the_opening_evaluates_never_the_report_date() -> None:
    document = extract(COVER)
    assert document is not None
    assert document["header"]["department"] == "示例县机构编制委员会办公室"
    assert document["header"]["fiscal_year"] == 2017


def test_a_report_that_names_no_year_is_checked_and_warned_at_its_title(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text("示例县统计局部门整体支出绩效自评报告\n\n一、基本情况\n\n我局内设机构3个。\n", encoding="utf-8")
    report = validate([path])
    assert report.exit_code != 2 and not report.problems
    (finding,) = [f for f in report.submissions[0].findings if f.rule_id == "DATA-YEAR-MISSING"]
    assert finding.location.cell == "段落 1 / paragraph 1"
    assert finding.severity == "warning"


def test_a_bare_form_name_is_no_title(tmp_path: Path) -> None:
    # "部门整体支出绩效自评报告" alone names no unit: the report cannot be placed, exit 2 as before
    path = tmp_path / "report.txt"
    path.write_text("部门整体支出绩效自评报告\n\n一、基本情况\n\n我局内设机构3个。\n", encoding="utf-8")
    report = validate([path])
    assert report.exit_code == 2
    assert any("标题" in p.message for p in report.problems)


def test_a_dated_title_that_names_no_unit_is_read_with_the_department_not_stated(tmp_path: Path) -> None:
    # "2022年度部门整体支出绩效自评报告": its 部门 is the kind's word, not a department called 部门
    path = tmp_path / "report.txt"
    path.write_text("2022年度部门整体支出绩效自评报告\n\n一、基本情况\n\n我局内设机构3个。\n", encoding="utf-8")
    report = validate([path])
    assert report.exit_code != 2 and not report.problems
    (submission,) = report.submissions
    assert (submission.department, submission.fiscal_year) == ("", 2022)
    (finding,) = [f for f in submission.findings if f.rule_id == "DATA-DEPARTMENT-BLANK"]
    assert finding.location.cell == "段落 1 / paragraph 1"


def test_a_contents_line_is_no_title() -> None:
    # a 决算公开 report lists "九、整体支出绩效自评报告" among its contents: that names no unit
    assert extract("示例区分局2019年决算公开报告\n\n决算公开目录\n\n九、整体支出绩效自评报告\n\n正文。\n") is None


def test_a_form_flattened_to_text_says_so(tmp_path: Path) -> None:
    # the text of a 自评表 (a PDF without ruling lines, a page copied): no title, and no table to read
    path = tmp_path / "form.txt"
    text = "附件:\n\n项目支出绩效自评表\n\n(2022年度)\n\n项目名称 委托业务项目 主管部门 示例镇人民政府\n\n"
    path.write_text(text + "绩效指标 一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分\n", encoding="utf-8")
    report = validate([path])
    assert report.exit_code == 2
    assert any("表格结构已丢失" in p.message for p in report.problems)
