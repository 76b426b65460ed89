"""Issue 12 §1: every layout family of fixtures/layouts is read without silent loss, with its golden findings."""

from __future__ import annotations

import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from perfrules import validate
from perfrules.model.submission import Submission
from perfrules.read import form_labels
from perfrules.read.xlsx_forms import read_workbook

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ROOT / "fixtures" / "layouts"


def _builders() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_layouts", ROOT / "tests" / "data" / "xlsx" / "make_layouts.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_layouts", module)
    spec.loader.exec_module(module)
    return module


mk = _builders()


def _findings(path: Path) -> list[dict[str, str | None]]:
    report = validate(path)
    assert report.problems == [], [p.message for p in report.problems]
    return [
        {"rule_id": f.rule_id, "severity": f.severity.value, "cell": (f.location.cell or "").split("!")[-1] or None}
        for s in report.submissions
        for f in s.findings
    ]


def _read(tmp_path: Path, family: str) -> Submission:
    (result,) = read_workbook(mk.write(tmp_path / f"{family}.xlsx", mk.FAMILIES[family]()))
    assert result.problems == (), [p.message for p in result.problems]
    assert result.submission is not None
    return result.submission.submission


@pytest.mark.parametrize("family", sorted(mk.FAMILIES))
def test_layout_findings_match_the_golden_file(tmp_path: Path, family: str) -> None:
    golden = json.loads((LAYOUTS / f"{family}.findings.json").read_text(encoding="utf-8"))
    built = mk.write(tmp_path / f"{family}.xlsx", mk.FAMILIES[family]())
    assert _findings(built) == golden
    assert _findings(LAYOUTS / f"{family}.xlsx") == golden  # the committed workbook is the built one


def test_two_row_header_reads_every_actual_and_score(tmp_path: Path) -> None:
    project = _read(tmp_path, "two-row-header").projects[0]
    assert len(project.indicators) == 6
    assert all(i.score.is_value and i.weight.is_value for i in project.indicators)
    first = project.indicators[0]
    assert (first.comparator, first.target.value, first.actual.value, first.unit) == (
        "gte",
        Decimal(3000),
        Decimal(3120),
        "人次",
    )
    assert project.indicators[3].actual_grade == "达成年度指标"
    # The 备注 column is no field: it is named, with its cell, never dropped silently.
    assert project.unmapped_columns == ["备注（J12）"]


def test_renamed_and_reordered_columns_and_trailing_colons(tmp_path: Path) -> None:
    project = _read(tmp_path, "renamed-columns").projects[0]
    weights = [i.weight.value for i in project.indicators]
    assert weights == [Decimal(30), Decimal(20), Decimal(30), Decimal(10)]
    assert project.indicators[0].actual.value == Decimal(42)
    assert [b.item for b in project.budget_lines] == ["年度资金总额", "当年财政拨款", "上年结转资金", "其他资金"]
    assert project.unmapped_columns == []


def test_hubei_form_without_weight_column(tmp_path: Path) -> None:
    project = _read(tmp_path, "hubei").projects[0]
    (total,) = project.budget_lines
    assert total.item == "年度财政资金总额"
    assert (total.annual_budget.value, total.executed.value, total.score.value) == (
        Decimal(200),
        Decimal(190),
        Decimal(19),
    )
    assert [i.target.value for i in project.indicators[:3]] == [Decimal(800), Decimal(3), Decimal(2500)]
    assert all(not i.weight.is_value for i in project.indicators)
    assert project.unmapped_columns == []


def test_hubei_total_line_is_the_total(tmp_path: Path) -> None:
    from perfrules.model.sourced import SourcedSubmission
    from perfrules.tables.normalize import normalize

    batch = normalize([SourcedSubmission("x", _read(tmp_path, "hubei"))])
    assert batch.tables["budget_lines"].columns["is_total"] == [True]


def test_template_rows_are_kept_out_of_the_indicators(tmp_path: Path) -> None:
    from perfrules.model.sourced import SourcedSubmission
    from perfrules.tables.normalize import normalize

    submission = _read(tmp_path, "template-rows")
    batch = normalize([SourcedSubmission("x", submission)])
    names = batch.tables["indicators"].columns["name"]
    assert "指标2：" not in names and "……" not in names
    projects = batch.tables["projects"].columns
    assert projects["template_row_count"] == [2]
    assert projects["indicator_count"] == [3]


def test_label_vocabulary_is_data_an_author_extends(tmp_path: Path) -> None:
    shipped = form_labels.columns("indicator")
    assert "全年实际值" in shipped["actual"] and "年初目标值" in shipped["target"]
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "labels.csv").write_text(
        "block,field,label,note\nindicator,actual,本年实际完成数：,某市\nnowhere,actual,x,\n", encoding="utf-8"
    )
    extended = form_labels._vocabulary(str(tmp_path))["indicator"]
    assert "本年实际完成数" in extended["actual"]  # compared as label_key reduces it: the colon does not count
    assert extended["target"] == shipped["target"]


@pytest.mark.parametrize(("rates", "first"), [((96, 100), Decimal("0.96")), ((0.96, 1), Decimal("0.96"))])
def test_rates_under_a_percent_header(tmp_path: Path, rates: tuple[float, float], first: Decimal) -> None:
    """'96' under 执行率(%) is 96 %; values ≤ 1 are fractions only when every value in the column is."""
    cells = [
        (ref, "执行率(%)" if value == "执行率(B/A)" else value, fmt)
        for ref, value, fmt in mk.FAMILIES["renamed-columns"]()
    ]
    cells = [c for c in cells if c[0] not in ("G6",)] + [("G6", rates[0], None), ("G7", rates[1], None)]
    (result,) = read_workbook(mk.write(tmp_path / "pct.xlsx", cells))
    assert result.submission is not None
    lines = result.submission.submission.projects[0].budget_lines
    assert lines[0].rate.value == first


def test_a_scorecards_own_columns_are_known_and_its_deduction_reasons_read(tmp_path: Path) -> None:
    """评分标准 is listed as `unread` in labels.csv: not mapped, not 未识别; 扣分原因和其他说明 is the explanation."""
    assert "评分标准" in form_labels.unread_labels()
    sub = _read(tmp_path, "department-scorecard")
    assert sub.document_kind.value == "department_scorecard"
    (project,) = sub.projects
    assert not project.unmapped_columns
    adjusted = next(i for i in project.indicators if i.name == "预算调整率")
    assert adjusted.deviation_explanation == "年中追加农村公路养护资金"


def test_a_budget_unit_code_before_the_department_is_not_its_name(tmp_path: Path) -> None:
    # Anhui's system prints 主管部门 as "219-池州市…人民政府": the name is the department, so that it
    # matches the submitter's account and the report's title
    import openpyxl

    path = tmp_path / "coded.xlsx"
    book = openpyxl.load_workbook(LAYOUTS / "plain-targets.xlsx")
    book.active["C4"] = "219-示例县政务服务管理局"
    book.save(path)
    (result,) = read_workbook(path)
    assert result.submission is not None
    assert result.submission.submission.header.department == "示例县政务服务管理局"


def test_chongqing_department_form_is_read_without_level_columns(tmp_path: Path) -> None:
    submission = _read(tmp_path, "chongqing-department")
    assert submission.document_kind == "department_table"
    (project,) = submission.projects
    by_name = {ind.name: ind for ind in project.indicators}
    assert len(by_name) == 9 and all(ind.level1 == "" for ind in by_name.values())
    # 指标性质 holds the kind, so the comparator is inferred; the budget's own rates are negative
    assert by_name["预算调整率"].comparator == "lte"
    assert by_name["财政供养人员控制率"].comparator == "lte"
    assert by_name["播发稿件数量"].comparator == "gte"
    assert by_name["管理制度健全性"].kind == "qualitative"
    # an adjusted target, when filled, is the one the actual is judged against
    assert by_name["预算完成率"].target.value == Decimal("80")
    (line,) = project.budget_lines
    assert (line.item, line.annual_budget.value, line.executed.value) == (
        "年度资金总额",
        Decimal("1200"),
        Decimal("1140"),
    )
    assert submission.header.self_score.value == Decimal("96.5")
    assert submission.header.overall_goals and project.completion
    # 得分系数（%）is read as a fraction: 得分 = 得分系数 × 指标权重 (SCORE-COEFFICIENT-ARITH)
    assert {ind.score_coefficient.value for ind in project.indicators} == {Decimal("1.00")}


def test_a_chongqing_score_that_is_not_its_coefficient_times_its_weight_is_found(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(LAYOUTS / "chongqing-department.xlsx")
    sheet = book.active
    (row,) = [c.row for c in sheet["B"] if c.value == "舆情处置及时率"]
    sheet.cell(row, 8).value = "80%"  # 得分系数 80% of 10, scored 10
    path = tmp_path / "coefficient.xlsx"
    book.save(path)
    (submission,) = validate(path).submissions
    (finding,) = [f for f in submission.findings if f.rule_id == "SCORE-COEFFICIENT-ARITH"]
    assert finding.location.cell == f"自评表!J{row}"
    assert "得分系数为 80%" in finding.message.zh and "得分应为 8" in finding.message.zh


def test_a_header_printed_again_on_the_next_page_is_no_indicator(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    rows = [
        ["项目支出绩效自评表"],
        ["（2023年度）"],
        ["项目名称", "示例项目"],
        ["主管部门", "示例局"],
        ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
        [None, "年度资金总额", 10, 10, 10, 10, "100%", 10],
        ["绩效指标", *header],
        [None, "产出指标", "数量指标", "培训人次", "≥100人次", "120人次", 30, 30],
        [None, None, "质量指标", "培训合格率", "≥90%", "95%", 20, 20],
        [None, *header],  # the next page starts with the header again
        [None, "效益指标", "社会效益指标", "就业率", "≥60%", "70%", 30, 30],
        [None, "满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "96%", 10, 10],
        ["总分", None, None, None, None, None, 100, 100],
    ]
    for row in rows:
        sheet.append(row)
    path = tmp_path / "two-pages.xlsx"
    book.save(path)
    (result,) = read_workbook(path)
    assert result.problems == (), [p.message for p in result.problems]
    assert result.submission is not None
    (project,) = result.submission.submission.projects
    assert [(i.level1, i.name) for i in project.indicators] == [
        ("产出指标", "培训人次"),
        ("产出指标", "培训合格率"),
        ("效益指标", "就业率"),
        ("满意度指标", "学员满意度"),
    ]
    assert [f.rule_id for s in validate(path).submissions for f in s.findings] == []


def test_a_row_with_figures_but_no_name_is_a_finding_at_its_cell_not_an_input_error(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "stray.xlsx"
    book = openpyxl.load_workbook(LAYOUTS / "plain-targets.xlsx")
    book.active["D20"] = None  # 办事群众满意度 loses its name; its figures stay
    book.save(path)
    report = validate(path)
    assert report.problems == [] and report.exit_code != 2
    (finding,) = [f for s in report.submissions for f in s.findings if f.rule_id == "READ-ROW-UNREAD"]
    assert finding.location.cell == "自评表!D20" and "D20" in finding.message.zh


def test_a_form_without_budget_header_or_first_level1_is_checked_and_says_what_it_did_not_read(
    tmp_path: Path,
) -> None:
    """A 自评表 whose budget header is in words the vocabulary lacks, and whose first indicator row has no
    一级指标, is still read and checked: the budget lines are READ-ROW-UNREAD at their cells (not "missing",
    not an input problem that would make the whole run exit 2 and report nothing), and a blank 一级指标 is
    the one its 二级指标 names."""
    import openpyxl

    path = tmp_path / "gaps.xlsx"
    book = openpyxl.load_workbook(LAYOUTS / "plain-targets.xlsx")
    sheet = book.active
    for cell, label in (("C5", "年初数"), ("D5", "调整数"), ("E5", "支出数")):
        sheet[cell] = label  # a budget header in words the label vocabulary does not hold
    sheet["B13"] = None  # 窗口服务人次 loses its 一级指标; its 二级指标 数量指标 names it
    sheet["B18"] = None
    sheet["C18"] = "其他"  # 安全责任事故: no 一级指标 above it to carry down, and a 二级指标 that names none
    book.save(path)
    report = validate(path)
    assert report.problems == [] and report.exit_code != 2
    (submission,) = report.submissions
    (finding,) = [f for f in submission.findings if f.rule_id == "READ-ROW-UNREAD"]
    assert finding.location.cell == "自评表!B6"
    assert "B6、B7（预算执行栏的表头未识别" in finding.message.zh and "B8" not in finding.message.zh  # B8 is blank
    assert "B18（缺少一级指标" in finding.message.zh and "B13" not in finding.message.zh
    rules = {f.rule_id for f in submission.findings}
    # the block is there, only unread: not "no budget table"; and 产出指标 is still set
    assert "DOC-TABLES-REQUIRED" not in rules and "DESIGN-OUTPUT-BENEFIT-REQUIRED" not in rules
    # the indicators are checked all the same: 办事材料精简率 24% against 达到30%以上 scored full marks
    assert "SCORE-QUANT-FORMULA" in rules


def test_a_form_with_no_budget_block_at_all_is_missing_its_budget_table(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "no-budget.xlsx"
    source = openpyxl.load_workbook(LAYOUTS / "plain-targets.xlsx").active
    book = openpyxl.Workbook()
    for r, row in enumerate(source.iter_rows(values_only=True), start=1):
        if not 5 <= r <= 9:  # the 项目资金 header and its four lines
            book.active.append(row)
    book.save(path)
    report = validate(path)
    assert report.problems == [] and report.exit_code != 2
    rules = [f.rule_id for s in report.submissions for f in s.findings]
    assert "DOC-TABLES-REQUIRED" in rules and "READ-ROW-UNREAD" not in rules


def test_a_zeroed_total_line_is_one_finding_not_three(tmp_path: Path) -> None:
    """池州's published form: 年度资金总额 0 | 0 | 0 over 其中 lines holding the money. A reviewer writes it once."""
    import openpyxl

    path = tmp_path / "zero-total.xlsx"
    book = openpyxl.load_workbook(LAYOUTS / "plain-targets.xlsx")
    for cell in ("C6", "D6", "E6", "G6", "H6"):
        book.active[cell] = 0
    book.save(path)
    rules = [f.rule_id for s in validate(path).submissions for f in s.findings]
    assert rules.count("BUDGET-TOTAL-UNFILLED") == 1
    assert not [r for r in rules if r.startswith("BUDGET-SUBROWS-SUM")], rules


def test_forms_stacked_down_one_sheet_are_each_read_and_checked_at_their_own_cells(tmp_path: Path) -> None:
    """A county's year of 自评表 published one under another in one sheet: the second form (its title row,
    项目名称 …) is a submission of its own, its findings at the cells where it was filed, not a problem that
    dropped it."""
    import openpyxl

    rows = list(openpyxl.load_workbook(LAYOUTS / "plain-targets.xlsx").active.iter_rows(values_only=True))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "自评表"
    for row in rows:
        sheet.append(row)
    sheet.append(["项目负责人：张三", None, None, None, None, "财务负责人：李四"])
    sheet.append([])
    second = [list(row) for row in rows]
    second[2][2] = "政务服务大厅改造"
    second[18][5] = "20%"  # 办事材料精简率 20% against 达到30%以上, full marks
    for row in second:
        sheet.append(row)
    path = tmp_path / "stacked.xlsx"
    book.save(path)
    report = validate(path)
    assert report.problems == []
    first, below = report.submissions
    assert below.source.endswith("stacked.xlsx#自评表（第24行起）")
    assert [f.location.cell for f in first.findings if f.rule_id == "SCORE-QUANT-FORMULA"] == ["自评表!H19"]
    (formula,) = [f for f in below.findings if f.rule_id == "SCORE-QUANT-FORMULA"]
    assert formula.location.cell == "自评表!H42" and "政务服务大厅改造" in formula.message.zh
    assert (below.department, below.fiscal_year) == ("示例县政务服务管理局", 2023)


def test_a_blank_project_name_is_one_finding_and_the_form_is_still_checked(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "unnamed.xlsx"
    book = openpyxl.load_workbook(LAYOUTS / "plain-targets.xlsx")
    sheet = book.active
    (label,) = [c for row in sheet.iter_rows() for c in row if c.value == "项目名称"]
    name = sheet.cell(label.row, label.column + 1)
    while name.value is None:  # past the label's own merge
        name = sheet.cell(label.row, name.column + 1)
    name.value = None
    book.save(path)
    report = validate(path)
    assert report.problems == [] and report.exit_code != 2
    (submission,) = report.submissions
    (blank,) = [f for f in submission.findings if f.rule_id == "DATA-PROJECT-NAME-BLANK"]
    assert blank.location.cell == f"自评表!{name.coordinate}"
    assert {f.rule_id for f in submission.findings} - {"DATA-PROJECT-NAME-BLANK"} == {
        f.rule_id for s in validate(LAYOUTS / "plain-targets.xlsx").submissions for f in s.findings
    }


def test_findings_on_a_department_wide_form_name_the_department_not_a_project() -> None:
    for name in ("chongqing-department", "department-scorecard"):
        findings = [f for s in validate(LAYOUTS / f"{name}.xlsx").submissions for f in s.findings]
        assert findings
        for f in findings:
            assert "项目“" not in f.message.zh and 'Project "' not in f.message.en, f.message.zh
            assert f"“{f.location.project}”部门整体" in f.message.zh
