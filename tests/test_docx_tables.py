"""Issue 13 §1: a 自评表 held as a Word table is read by the same header-by-content reader as a workbook."""

from __future__ import annotations

from pathlib import Path

import pytest

import perfrules
from perfrules.model.report import SubmissionResult
from tests.conftest import ROOT, RULES
from tests.form_grid import training_form

docx = pytest.importorskip("docx")
LAYOUTS = ROOT / "fixtures" / "layouts"


def _add_form_table(document: object, *, executed: int = 114, skip: int = 0) -> None:
    """The training workbook's form as a Word table, its merged cells merged in Word too; ``skip`` leaves out
    its first rows (4: the title, year, 项目名称 and 主管部门 rows, as reports paste a form under a caption)."""
    height, width, grid = training_form(executed)
    table = document.add_table(rows=height - skip, cols=width)  # type: ignore[attr-defined]
    for cell in (c for cells in grid[skip:] for c in cells):
        top = table.cell(cell.row - skip, cell.column)
        if cell.rowspan > 1 or cell.colspan > 1:
            top = top.merge(table.cell(cell.row - skip + cell.rowspan - 1, cell.column + cell.colspan - 1))
        top.text = cell.text  # as Word shows it, not the stored float


def test_a_word_document_that_is_only_the_form_is_read_as_a_project_table(tmp_path: Path) -> None:
    document = docx.Document()
    _add_form_table(document, executed=84)  # 84 ÷ 120 = 70%, stated 95%
    path = tmp_path / "自评表.docx"
    document.save(path)
    report = perfrules.validate([path], rules=RULES)
    assert report.problems == []
    (result,) = report.submissions
    assert result.document_kind == "project_table" and result.department == "示例市人力资源和社会保障局"
    arith = [f for f in result.findings if f.rule_id == "BUDGET-RATE-ARITH"]
    assert [f.location.cell for f in arith] == ["表1!G6"]
    assert {f.rule_id for f in result.findings} <= {"BUDGET-RATE-ARITH", "BUDGET-EXEC-SCORE", "SCORE-TOTAL-SUM",
                                                     "BUDGET-EXEC-LOW-EXPLAIN", "BUDGET-SUBROWS-SUM-EXECUTED"}  # fmt: skip
    assert "84 万元 ÷ 全年预算数 120 万元" in arith[0].message.zh


def test_a_report_with_its_form_as_a_table_is_checked_with_the_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("示例市人力资源和社会保障局 2022 年项目支出绩效自评报告")
    document.add_paragraph("一、项目基本情况")
    document.add_paragraph("职业技能提升培训项目全年预算 120 万元，实际执行 114 万元，项目自评 93.75 分。")
    _add_form_table(document)
    path = tmp_path / "report.docx"
    document.save(path)
    report = perfrules.validate([path], rules=RULES)
    (result,) = report.submissions
    assert result.document_kind == "narrative_report"
    rules = {f.rule_id for f in result.findings}
    assert "DOC-TABLES-REQUIRED" not in rules  # the table was read: no false alarm
    assert rules == set(), rules  # the training form is clean, as its workbook is
    without = tmp_path / "bare.docx"
    bare = docx.Document()
    for text in ("示例市人力资源和社会保障局 2022 年项目支出绩效自评报告", "一、项目基本情况"):
        bare.add_paragraph(text)
    bare.save(without)
    assert "DOC-TABLES-REQUIRED" in {
        f.rule_id for s in perfrules.validate([without], rules=RULES).submissions for f in s.findings
    }


def _project_report(tmp_path: Path, result_sentence: str) -> SubmissionResult:
    document = docx.Document()
    document.add_paragraph("示例市人力资源和社会保障局 2022 年项目支出绩效自评报告")
    document.add_paragraph("一、项目基本情况")
    document.add_paragraph("职业技能提升培训项目由本局组织实施，面向城乡劳动者开展培训。")
    document.add_paragraph("二、自评结论")
    document.add_paragraph(result_sentence)
    _add_form_table(document)
    path = tmp_path / "report.docx"
    document.save(path)
    (result,) = perfrules.validate([path], rules=RULES).submissions
    return result


def test_the_score_a_project_report_states_is_checked_against_its_tables_total(tmp_path: Path) -> None:
    """CROSS-SCORE (issue 13 §3): the text's "自评得分为 95 分" against the form's 总分 93.75, at the paragraph."""
    result = _project_report(tmp_path, "经评价，该项目自评得分为 95 分，评价等级为“优”。")
    cross = [f for f in result.findings if f.rule_id == "CROSS-SCORE"]
    assert [f.location.cell for f in cross] == ["段落 5 / paragraph 5"], result.findings
    assert "95 分" in cross[0].message.zh and "93.75 分" in cross[0].message.zh
    assert {f.rule_id for f in result.findings} == {"CROSS-SCORE"}  # 95 is 优: the grade agrees


def test_a_score_stated_to_fewer_decimals_than_the_table_agrees_with_it(tmp_path: Path) -> None:
    result = _project_report(tmp_path, "经评价，该项目自评得分为 93.8 分，评价等级为“优”。")
    assert result.findings == []
    wrong_grade = _project_report(tmp_path, "经评价，该项目自评得分为 93.75 分，自评等级为良好。")
    assert [f.rule_id for f in wrong_grade.findings] == ["GRADE-TOTAL-BAND"]
    assert wrong_grade.findings[0].location.cell == "段落 5 / paragraph 5"


def test_a_report_that_says_all_targets_were_met_is_checked_against_its_tables_misses(tmp_path: Path) -> None:
    """CROSS-COMPLETION (issue 13 §3): "全部完成" in the text, two indicators below target in the table.
    The 合格率 row (≥90%, actual 0.92 stored as a fraction and shown as 92%) is met: units agree."""
    document = docx.Document()
    document.add_paragraph("示例市人力资源和社会保障局 2022 年项目支出绩效自评报告")
    document.add_paragraph("一、项目实施情况")
    document.add_paragraph("职业技能提升培训，全年培训 2450 人次，项目绩效目标全部完成，项目自评 93.75 分。")
    _add_form_table(document)
    path = tmp_path / "report.docx"
    document.save(path)
    (result,) = perfrules.validate([path], rules=RULES).submissions
    (cross,) = [f for f in result.findings if f.rule_id == "CROSS-COMPLETION"]
    assert cross.location.cell == "段落 3 / paragraph 3"
    assert "补贴发放及时率（指标值 =100%，实际完成 95%）；培训后就业率（指标值 >60%，实际完成 54%）" in cross.message.zh
    assert "培训后就业率" in cross.message.zh and "合格率" not in cross.message.zh
    assert "CROSS-SCORE" not in {f.rule_id for f in result.findings}  # 93.75 in the text and the table


def test_a_departments_report_with_one_projects_table_is_not_that_projects_report(tmp_path: Path) -> None:
    """The department's total (95) is not the attached project table's (93.75): no CROSS-SCORE."""
    document = docx.Document()
    document.add_paragraph("示例市人力资源和社会保障局 2022 年部门整体支出绩效自评报告")
    document.add_paragraph("经评价，本局部门整体支出绩效自评得分为 95 分，评价等级为“优”。")
    _add_form_table(document)
    path = tmp_path / "report.docx"
    document.save(path)
    (result,) = perfrules.validate([path], rules=RULES).submissions
    assert "CROSS-SCORE" not in {f.rule_id for f in result.findings}


def test_the_amounts_a_project_report_states_are_checked_against_its_tables_budget_block(tmp_path: Path) -> None:
    """CROSS-AMOUNT (issue 13 §3): the form says 全年预算 120, 执行 114 万元 on its 年度资金总额 line."""
    result = _project_report(
        tmp_path,
        "项目全年预算 120 万元，全年执行数 110 万元，其中当年财政拨款执行数 114 万元。经评价，该项目自评得分为 93.75 分。",
    )
    cross = [f for f in result.findings if f.rule_id == "CROSS-AMOUNT"]
    assert [f.location.cell for f in cross] == ["段落 5 / paragraph 5"], result.findings
    assert "“全年执行数 110 万元”" in cross[0].message.zh and "114 万元" in cross[0].message.zh
    # 120 agrees; "其中当年财政拨款执行数 114 万元" is the 其中 line's own figure (equal to the total here)
    assert len(cross) == 1


def _add_scorecard_table(document: object) -> None:
    """A 部门整体 评分表 (分值/得分 only) as a Word table."""
    rows = [
        ("2022年度部门整体支出绩效自评表", "", "", "", ""),
        ("部门（单位）名称", "示例市人力资源和社会保障局", "", "", ""),
        ("一级指标", "二级指标", "三级指标", "分值", "得分"),
        ("投入", "预算配置", "重点支出安排率", "50", "48"),
        ("过程", "预算执行", "预算调整率", "50", "47"),
        ("合计", "", "", "100", "95"),
    ]
    table = document.add_table(rows=len(rows), cols=5)  # type: ignore[attr-defined]
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            table.cell(r, c).text = text


def test_a_scorecard_alone_is_checked_and_one_attached_to_a_report_is_checked_beside_it(tmp_path: Path) -> None:
    alone = docx.Document()
    _add_scorecard_table(alone)
    alone.save(tmp_path / "评分表.docx")
    report = perfrules.validate([tmp_path / "评分表.docx"], rules=RULES)
    assert report.problems == []
    (result,) = report.submissions
    assert result.document_kind == "department_scorecard"
    assert {f.rule_id for f in result.findings} == {"SCORE-DEVIATION-EXPLAIN"}  # lost points, no 扣分原因 column
    attached = docx.Document()
    attached.add_paragraph("示例市人力资源和社会保障局 2022 年部门整体支出绩效自评报告")
    attached.add_paragraph("经评价，本局部门整体支出绩效自评得分为 95 分，评价等级为“优”。")
    _add_scorecard_table(attached)
    attached.save(tmp_path / "report.docx")
    with_card, card = perfrules.validate([tmp_path / "report.docx"], rules=RULES).submissions
    assert with_card.document_kind == "narrative_report"
    # its lines have no targets: merged into the report they would draw a missing-target finding each
    assert not [f for f in with_card.findings if "/indicators/" in (f.location.pointer or "")]
    # it is checked beside the report, as when filed alone, and the report has its table
    assert card.document_kind == "department_scorecard"
    assert {f.rule_id for f in card.findings} == {"SCORE-DEVIATION-EXPLAIN"}
    assert "DOC-TABLES-REQUIRED" not in {f.rule_id for f in with_card.findings}


def test_a_department_scorecard_in_a_report_titled_by_the_report_is_checked_beside_it(tmp_path: Path) -> None:
    """A 部门整体 评分表 pasted into the report with no title or department row of its own: the report's title
    says whose and which year it is. It is read and checked as a submission of its own (its lines have no
    targets for the report's table rules), and the report does not claim its tables are missing."""
    import openpyxl

    rows = list(openpyxl.load_workbook(LAYOUTS / "department-scorecard.xlsx").active.iter_rows(values_only=True))
    document = docx.Document()
    document.add_paragraph("示例市交通运输局2023年度部门整体支出绩效自评报告")
    document.add_paragraph("一、绩效自评结果")
    document.add_paragraph("经自评，我局2023年度部门整体支出绩效自评得分98分，自评表如下：")
    body = rows[2:]  # from the 一级指标 header: no title row, no 部门（单位）名称 row
    table = document.add_table(rows=len(body), cols=len(body[0]))
    for r, row in enumerate(body):
        for c, value in enumerate(row):
            table.cell(r, c).text = "" if value is None else str(value)
    path = tmp_path / "report.docx"
    document.save(path)
    report = perfrules.validate([path], rules=RULES)
    assert report.problems == []
    narrative, scorecard = report.submissions
    assert narrative.document_kind == "narrative_report"
    assert "DOC-TABLES-REQUIRED" not in {f.rule_id for f in narrative.findings}
    assert scorecard.source.endswith("report.docx#表1") and scorecard.document_kind == "department_scorecard"
    assert (scorecard.department, scorecard.fiscal_year) == ("示例市交通运输局", 2023)
    # 固定资产利用率 scored 4 of 5 with no 扣分原因: the scorecard's own rules run, at the Word cell
    (deviation,) = [f for f in scorecard.findings if f.rule_id == "SCORE-DEVIATION-EXPLAIN"]
    assert deviation.location.cell == "表1!G14"


def test_a_word_document_of_two_forms_and_no_report_gives_both(tmp_path: Path) -> None:
    """Two projects' 自评表 in one Word file, nothing around them: each is checked (the second was dropped)."""
    document = docx.Document()
    _add_form_table(document)
    document.add_paragraph("")
    _add_form_table(document, executed=84)
    path = tmp_path / "两个项目.docx"
    document.save(path)
    report = perfrules.validate([path], rules=RULES)
    first, second = report.submissions
    assert (first.source.endswith("#表1"), second.source.endswith("#表2")) == (True, True)
    assert first.findings == [] and "BUDGET-RATE-ARITH" in {f.rule_id for f in second.findings}


def test_headless_project_tables_in_a_report_are_named_by_their_captions(tmp_path: Path) -> None:
    """A department's report pastes each project's form under a caption, without the form's head rows: each
    table is read as the project its caption names, not dropped (which drew a blocking DOC-TABLES-REQUIRED)."""
    document = docx.Document()
    document.add_paragraph("示例市人力资源和社会保障局 2022 年度部门整体支出绩效自评报告")
    document.add_paragraph("一、部门基本情况")
    document.add_paragraph("附件1：职业技能提升培训项目支出绩效自评表")
    _add_form_table(document, executed=84, skip=4)  # 84 ÷ 120 = 70%, stated 95%
    document.add_paragraph("附件2")
    document.add_paragraph("示例市人力资源和社会保障局就业见习补贴项目支出绩效自评表")
    _add_form_table(document, skip=4)
    path = tmp_path / "report.docx"
    document.save(path)
    report = perfrules.validate([path], rules=RULES)
    assert report.problems == []
    (result,) = report.submissions
    rules = {f.rule_id for f in result.findings}
    assert "DOC-TABLES-REQUIRED" not in rules and "DATA-PROJECT-NAME-BLANK" not in rules
    (arith,) = [f for f in result.findings if f.rule_id == "BUDGET-RATE-ARITH"]
    assert (arith.location.project, arith.location.cell) == ("职业技能提升培训", "表1!G2")


def test_a_headless_table_under_a_bare_caption_is_the_one_project_the_report_names(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("示例市人力资源和社会保障局 2022 年项目支出绩效自评报告")
    document.add_paragraph("一、项目基本情况")
    document.add_paragraph("职业技能提升培训项目全年预算 120 万元，实际执行 84 万元。")
    document.add_paragraph("表1")
    _add_form_table(document, executed=84, skip=4)
    path = tmp_path / "report.docx"
    document.save(path)
    (result,) = perfrules.validate([path], rules=RULES).submissions
    assert "DOC-TABLES-REQUIRED" not in {f.rule_id for f in result.findings}
    assert [f.location.cell for f in result.findings if f.rule_id == "BUDGET-RATE-ARITH"] == ["表1!G2"]


@pytest.mark.parametrize(
    ("caption", "project"),
    [
        ("附件：职业技能提升培训项目支出绩效自评表", "职业技能提升培训"),
        ("附件1 2022年度职业技能提升培训项目绩效自评表", "职业技能提升培训"),
        ("示例局职业技能提升培训项目支出绩效自评表", "职业技能提升培训"),
        ("项目名称：职业技能提升培训", "职业技能提升培训"),
        ("表2 项目支出绩效自评表", None),
        ("（2022年度）", None),
        ("附件2：2022年度示例局部门整体支出绩效自评表", None),
        # the form's own name, not a project's
        ("附件3：部门预算项目支出绩效自评表", None),
        ("省级专项资金项目支出绩效自评表", None),
        ("中央对地方转移支付区域绩效自评表", None),
        ("（一）城乡居民医疗保险补助项目绩效自评表", "城乡居民医疗保险补助"),
    ],
)
def test_a_captions_project(caption: str, project: str | None) -> None:
    from perfrules.read.form_fields import caption_project

    assert caption_project(caption, "示例局") == project


def test_a_form_like_table_that_cannot_be_read_is_said_and_the_report_still_checked(tmp_path: Path) -> None:
    """A budget table in a report (项目资金 headers, no indicator block) is no 自评表: passed over, with a notice."""
    document = docx.Document()
    document.add_paragraph("示例市人力资源和社会保障局 2022 年度部门整体支出绩效自评报告")
    document.add_paragraph("一、部门基本情况")
    table = document.add_table(rows=2, cols=4)
    for c, text in enumerate(("资金项目", "年初预算数", "全年预算数", "全年执行数")):
        table.cell(0, c).text = text
    for c, text in enumerate(("年度资金总额", "100", "120", "114")):
        table.cell(1, c).text = text
    path = tmp_path / "report.docx"
    document.save(path)
    report = perfrules.validate([path], rules=RULES)
    assert report.problems == [] and report.exit_code != 2
    (notice,) = report.notices
    assert notice.source == f"{path}#表1" and "此表未作为自评表读取" in notice.message
