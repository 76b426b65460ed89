"""The official-form workbook reader: both layouts, merged cells, embedded comparators, and hostile files."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from perfrules.model.submission import Submission
from perfrules.model.values import ValueState
from perfrules.read import workbook
from perfrules.read.cells import comparator_of, decode_text, displayed, format_decimals, measure, number_cell, rate_cell
from perfrules.read.documents import ReadResult
from perfrules.read.xlsx_forms import read_workbook
from perfrules.tables.normalize import normalize

pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "workbooks" / "layout-a-training.xlsx"


def _load_builders() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", ROOT / "tests" / "data" / "xlsx" / "make_fixtures.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_fixtures", module)
    spec.loader.exec_module(module)
    return module


mk = _load_builders()


def _only(results: list[ReadResult]) -> tuple[Submission, dict[str, str]]:
    assert len(results) == 1, results
    result = results[0]
    assert result.problems == (), [p.message for p in result.problems]
    assert result.submission is not None
    return result.submission.submission, result.submission.locations


def _messages(results: list[ReadResult]) -> str:
    return "\n".join(f"{p.location} {p.message}" for r in results for p in r.problems)


# --- layout A: the central 10号 form ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def layout_a_read(tmp_path_factory: pytest.TempPathFactory) -> tuple[Submission, dict[str, str], str]:
    path = mk.write_xlsx(tmp_path_factory.mktemp("a") / "自评表.xlsx", {"项目1": mk.layout_a()})
    results = read_workbook(path)
    submission, locations = _only(results)
    return submission, locations, results[0].source


@pytest.fixture(scope="module")
def layout_b_read(tmp_path_factory: pytest.TempPathFactory) -> tuple[Submission, dict[str, str]]:
    path = mk.write_xlsx(tmp_path_factory.mktemp("b") / "sichuan.xlsx", {"川表": mk.layout_b()})
    return _only(read_workbook(path))


class TestLayoutA:
    @pytest.fixture
    def read(self, layout_a_read: tuple[Submission, dict[str, str], str]) -> tuple[Submission, dict[str, str], str]:
        return layout_a_read

    def test_header_from_title_and_department_row(self, read: tuple[Submission, dict[str, str], str]) -> None:
        """The fiscal year comes from the （2022年度） title row, the department from 主管部门."""
        s, loc, source = read
        assert source.endswith("自评表.xlsx#项目1")
        assert (s.document_kind.value, s.header.department, s.header.fiscal_year) == (
            "project_table",
            "示例市人力资源和社会保障局",
            2022,
        )
        assert loc["/header/fiscal_year"] == "项目1!A2"
        assert loc["/header/department"] == "项目1!C4"
        assert s.header.overall_goals and s.header.overall_goals.startswith("全年开展")
        assert s.projects[0].completion and "2450" in s.projects[0].completion

    def test_budget_lines_in_wanyuan_with_rates_and_marks(self, read: tuple[Submission, dict[str, str], str]) -> None:
        """万元 from the section label; "95%" and a 0.00%-formatted 0.95 are both rate 0.95; "—", "/" and blanks differ."""
        s, loc, _ = read
        total, grant, carried, other = s.projects[0].budget_lines
        assert [b.item for b in (total, grant, carried, other)] == [
            "年度资金总额",
            "当年财政拨款",
            "上年结转资金",
            "其他资金",
        ]
        assert {b.unit for b in (total, grant, carried, other)} == {"万元"}
        assert (total.annual_budget.value, total.executed.value, total.rate.value, total.score.value) == (
            Decimal(120),
            Decimal(114),
            Decimal("0.95"),
            Decimal("9.5"),
        )
        assert grant.annual_budget.value == Decimal(120)  # "１２０" typed in full-width digits
        assert grant.rate.value == Decimal("0.95")
        assert grant.weight.state is ValueState.NOT_APPLICABLE and grant.weight.raw == "—"
        assert carried.executed.state is ValueState.NOT_APPLICABLE and carried.executed.raw == "/"
        assert other.executed.state is ValueState.MISSING
        assert loc["/projects/0/budget_lines/0/rate"] == "项目1!G6"
        assert loc["/projects/0/budget_lines/0/unit"] == "项目1!A5"

    def test_merged_level1_is_inherited_from_its_anchor(self, read: tuple[Submission, dict[str, str], str]) -> None:
        """Rows 14 and 15 sit under the merged B13:B15 产出指标(50分) cell, which is where they point."""
        s, loc, _ = read
        inds = s.projects[0].indicators
        assert [i.level1 for i in inds] == ["产出指标"] * 3 + ["效益指标"] * 2 + ["满意度指标"]
        assert [loc[f"/projects/0/indicators/{i}/level1"] for i in range(3)] == ["项目1!B13"] * 3
        assert inds[0].name == "培训人次"  # the template's "指标1：" prefix is scaffolding

    def test_comparator_number_and_unit_split_out_of_one_cell(
        self, read: tuple[Submission, dict[str, str], str]
    ) -> None:
        s, loc, _ = read
        count, passed, timely, employed, _, satisfied = s.projects[0].indicators
        assert (count.comparator, count.target.value, count.unit, count.actual.value) == (
            "gte",
            Decimal(2400),
            "人次",
            Decimal(2450),
        )
        assert (passed.comparator, passed.target.value, passed.unit, passed.actual.value) == (
            "gte",
            Decimal(90),
            "%",
            Decimal(92),
        )
        assert (timely.comparator, timely.target.value, timely.actual.value) == ("eq", Decimal(100), Decimal(95))
        assert (employed.comparator, employed.target.value, employed.actual.value) == ("gt", Decimal(60), Decimal(54))
        assert (satisfied.weight.value, satisfied.score.value) == (Decimal(10), Decimal(10))
        assert loc["/projects/0/indicators/0/target"] == "项目1!E13"
        assert timely.deviation_explanation and "预核验" in timely.deviation_explanation

    def test_qualitative_grade(self, read: tuple[Submission, dict[str, str], str]) -> None:
        s, loc, _ = read
        mechanism = s.projects[0].indicators[4]
        assert mechanism.kind == "qualitative"
        assert mechanism.actual_grade == "部分达成年度指标并具有一定效果"
        assert mechanism.actual.state is ValueState.MISSING
        assert loc["/projects/0/indicators/4/actual_grade"] == "项目1!F17"

    def test_total_score_row(self, read: tuple[Submission, dict[str, str], str]) -> None:
        s, loc, _ = read
        assert s.projects[0].self_score.value == s.header.self_score.value == Decimal("93.75")
        assert loc["/projects/0/self_score"] == "项目1!H19"

    def test_locations_reach_the_tables(self, read: tuple[Submission, dict[str, str], str]) -> None:
        """normalize() turns the reader's cells into the locations table findings point at."""
        s, loc, source = read
        from perfrules.model.sourced import SourcedSubmission

        batch = normalize([SourcedSubmission(source, s, loc)])
        cells = set(batch.tables["locations"].columns["location"])
        assert {"项目1!E13", "项目1!G6", "项目1!H19"} <= cells


# --- layout B: Sichuan --------------------------------------------------------------------------------------------


class TestLayoutB:
    @pytest.fixture
    def read(self, layout_b_read: tuple[Submission, dict[str, str]]) -> tuple[Submission, dict[str, str]]:
        return layout_b_read

    def test_header_and_coded_project_name(self, read: tuple[Submission, dict[str, str]]) -> None:
        s, loc = read
        assert (s.header.department, s.header.fiscal_year) == ("示例县司法局", 2023)
        project = s.projects[0]
        assert (project.id, project.name) == ("51142523T000000123456", "法律援助服务")
        assert loc["/projects/0/id"] == loc["/projects/0/name"] == "川表!C2"
        assert s.header.overall_goals == "办理法律援助案件120件以上。"
        assert project.completion == "全年办理法律援助案件135件。"

    def test_budget_rows_skip_the_embedded_note(self, read: tuple[Submission, dict[str, str]]) -> None:
        """总额 becomes 年度资金总额 (the total the tables know); 其中: is dropped; the filling note is not a row."""
        s, _ = read
        lines = s.projects[0].budget_lines
        assert [b.item for b in lines] == ["年度资金总额", "财政资金", "财政专户管理资金", "单位资金"]
        total = lines[0]
        assert (total.initial_budget.value, total.annual_budget.value, total.executed.value) == (
            Decimal(50),
            Decimal(52),
            Decimal("49.4"),
        )
        assert (total.rate.value, total.weight.value, total.score.value) == (
            Decimal("0.95"),
            Decimal(10),
            Decimal("9.5"),
        )
        assert lines[3].initial_budget.state is ValueState.NOT_APPLICABLE

    def test_separate_comparator_and_unit_columns(self, read: tuple[Submission, dict[str, str]]) -> None:
        s, loc = read
        cases, quality, _, awareness, satisfaction = s.projects[0].indicators
        assert (cases.comparator, cases.target.value, cases.unit, cases.actual.value) == (
            "gte",
            Decimal(120),
            "件",
            Decimal(135),
        )
        assert (quality.comparator, quality.unit, quality.score.value) == ("eq", "%", Decimal("29.4"))
        assert loc["/projects/0/indicators/0/comparator"] == "川表!E14"
        assert loc["/projects/0/indicators/0/unit"] == "川表!G14"
        assert (awareness.kind, awareness.actual_grade) == ("qualitative", "达成年度指标")
        assert satisfaction.actual.state is ValueState.WITHHELD

    def test_total_row_and_conclusions(self, read: tuple[Submission, dict[str, str]]) -> None:
        s, loc = read
        assert s.projects[0].self_score.value == Decimal("97.9")
        assert loc["/projects/0/self_score"] == "川表!J19"
        assert s.header.narrative and s.header.narrative.startswith("评价结论：") and "存在问题：" in s.header.narrative
        assert (s.header.problems, loc["/header/problems"]) == ("部分卷宗归档不规范。", "川表!B21")


def test_a_form_that_lost_points_and_says_no_problems_is_told_at_the_cell(tmp_path: Path) -> None:
    """TEXT-PROBLEMS-NONE on the Sichuan form: 97.9 分 and 存在问题 “无”."""
    from perfrules import validate

    cells = [(ref, "无" if ref == "B21:K21" else value, style) for ref, value, style in mk.layout_b()]
    path = mk.write_xlsx(tmp_path / "sichuan.xlsx", {"川表": cells})
    (result,) = validate(path).submissions
    (finding,) = [f for f in result.findings if f.rule_id == "TEXT-PROBLEMS-NONE"]
    assert finding.location.cell == "川表!B21"
    assert "97.9 分" in finding.message.zh and "“无”" in finding.message.zh
    clean = validate(mk.write_xlsx(tmp_path / "clean.xlsx", {"川表": mk.layout_b()})).submissions[0]
    assert "TEXT-PROBLEMS-NONE" not in {f.rule_id for f in clean.findings}


def test_a_form_that_lost_points_and_leaves_problems_blank_is_told_at_the_blank_cell(tmp_path: Path) -> None:
    """The 存在问题 cell left empty reads "" (the form asks, nobody answered), not "no such field"."""
    from perfrules import validate

    cells = [(ref, value, style) for ref, value, style in mk.layout_b() if ref != "B21:K21"]
    (result,) = validate(mk.write_xlsx(tmp_path / "blank.xlsx", {"川表": cells})).submissions
    (finding,) = [f for f in result.findings if f.rule_id == "TEXT-PROBLEMS-NONE"]
    assert finding.location.cell == "川表!B21"
    assert "“存在问题”未填写" in finding.message.zh and "is blank" in finding.message.en


# --- a city-level variant in 元 -------------------------------------------------------------------------------------

VARIANT = [
    ("A1:H1", "项目支出绩效自评表", None),
    ("A2", "年度", None),
    ("B2", 2021, None),
    ("A3", "项目名称", None),
    ("B3:H3", "社区服务", None),
    ("A4", "市级主管部门", None),
    ("B4:D4", "示例区民政局", None),
    ("E4", "项目实施单位", None),
    ("F4:H4", "示例街道", None),
    ("A5", "资金项名称（单位：元）", None),
    ("B5", "年初预算数", None),
    ("C5", "全年预算数（A）", None),
    ("D5", "全年执行数（B）", None),
    ("E5", "分值", None),
    ("F5", "执行率(%)", None),
    ("G5", "得分", None),
    ("A6", "年度资金总额", None),
    ("B6", 100000, None),
    ("C6", 100000, None),
    ("D6", 98100, None),
    ("E6", 10, None),
    ("F6", 98.1, None),
    ("G6", 9.81, None),
    ("A7", "其中:本年财政拨款", None),
    ("C7", "100000元", None),
    ("B8", 5, None),
    ("A9", "一级指标", None),
    ("B9", "二级指标", None),
    ("C9", "三级指标", None),
    ("D9", "年度指标值（A）", None),
    ("E9", "实际完成值（B）", None),
    ("F9", "分值", None),
    ("G9", "得分", None),
    ("H9", "偏差原因分析及改进措施", None),
    ("A10", "产出指标", None),
    ("B10", "数量指标", None),
    ("C10", "服务人次", None),
    ("E10", "1200", None),
    ("F10", 40, None),
    ("G10", 40, None),
    ("B11", "质量指标", None),
    ("C11", "服务合格率", None),
    ("D11", "≥95%", None),
    ("E11", "≥95%", None),
    ("F11", 20, None),
    ("G11", 18, None),
    ("A13", "效益指标", None),
    ("C13", "居民获得感", None),
    ("D13", "明显提升", None),
    ("E13", "达成", None),
    ("F13", 20, None),
    ("G13", 20, None),
    ("F14", 5, None),
    ("A15", "满意度指标", None),
    ("B15", "服务对象满意度指标", None),
    ("C15", "满意度", None),
    ("D15", 90, None),
    ("E15", 0.93, "0%"),
    ("F15", 10, None),
    ("G15", 9, None),
    ("A16", "总分", None),
    ("B16", 100, None),
    ("E16", 96.81, None),
    ("A17", "自评等级", None),
    ("B17", "优", None),
]


def test_city_variant_in_yuan(tmp_path: Path) -> None:
    """Labels with (A)/(B), a 年度 row, 元 amounts, blank (unmerged) level cells, stray values and a displaced total."""
    [result] = read_workbook(mk.write_xlsx(tmp_path / "city.xlsx", {"区县": VARIANT}))
    assert result.submission is not None
    s, loc = result.submission.submission, result.submission.locations
    assert (s.header.department, s.header.fiscal_year, loc["/header/fiscal_year"]) == ("示例区民政局", 2021, "区县!B2")
    total, grant = s.projects[0].budget_lines
    assert (total.unit, total.executed.value, total.rate.value) == ("元", Decimal(98100), Decimal("0.981"))
    assert (grant.item, grant.annual_budget.value) == ("本年财政拨款", Decimal(100000))
    count, quality, outcome, satisfaction = s.projects[0].indicators
    assert (count.kind, count.target.state, count.actual.value) == ("quantitative", ValueState.MISSING, Decimal(1200))
    assert (quality.level1, quality.actual.state, quality.actual.raw) == ("产出指标", ValueState.MALFORMED, "≥95%")
    assert (outcome.level1, outcome.level2, outcome.kind, outcome.actual_grade) == (
        "效益指标",
        None,
        "qualitative",
        "达成",
    )
    assert (satisfaction.target.value, satisfaction.unit, satisfaction.actual.value) == (Decimal(90), "%", Decimal(93))
    assert (s.projects[0].self_score.value, loc["/projects/0/self_score"]) == (Decimal("96.81"), "区县!E16")
    assert (s.projects[0].self_grade, s.header.self_grade) == ("优", "优")
    # stray values (a budget row and an indicator row with figures but no name) are READ-ROW-UNREAD's, at
    # their cells, not input errors: the rest of the form is checked
    assert result.problems == ()
    assert s.projects[0].unread_rows == ["A8（预算执行行有数值但缺少资金项目名称）", "C14（有数值但缺少三级指标名称）"]
    assert loc["/projects/0/unread_rows"] == "区县!A8"


def test_missing_project_name_and_department_row(tmp_path: Path) -> None:
    cells = [c for c in mk.layout_a() if c[0] not in ("C3:J3", "A4:B4", "C4:F4")]
    [result] = read_workbook(mk.write_xlsx(tmp_path / "unnamed.xlsx", {"项目1": cells}))
    # Neither is a reading failure: a blank name is DATA-PROJECT-NAME-BLANK's finding at its cell, and a
    # form with no 主管部门 row is filed under its 实施单位.
    assert result.problems == ()
    assert result.submission is not None
    header = result.submission.submission.header
    assert (header.department, result.submission.locations["/header/department"]) == (
        "示例市职业技能鉴定中心",
        "项目1!H4",
    )


def test_a_department_written_in_its_label_cell_is_read(tmp_path: Path) -> None:
    cells = [c for c in mk.layout_a() if c[0] not in ("A4:B4", "C4:F4")]
    cells.append(("A4:F4", "主管部门：219-示例市人社局", None))
    [result] = read_workbook(mk.write_xlsx(tmp_path / "inline.xlsx", {"项目1": cells}))
    assert result.problems == () and result.submission is not None
    assert result.submission.submission.header.department == "示例市人社局"
    assert result.submission.locations["/header/department"] == "项目1!A4"


def test_a_project_name_written_in_its_label_cell_is_read(tmp_path: Path) -> None:
    cells = [c for c in mk.layout_a() if c[0] not in ("A3:B3", "C3:J3")]
    cells.append(("A3:J3", "项目名称：职业技能提升培训", None))
    [result] = read_workbook(mk.write_xlsx(tmp_path / "inline.xlsx", {"项目1": cells}))
    assert result.problems == () and result.submission is not None
    assert result.submission.submission.projects[0].name == "职业技能提升培训"
    assert result.submission.locations["/projects/0/name"] == "项目1!A3"


def test_a_form_with_no_department_or_unit_is_read_with_the_department_not_stated(tmp_path: Path) -> None:
    cells = [c for c in mk.layout_a() if c[0] not in ("A4:B4", "C4:F4", "G4", "H4:J4")]
    [result] = read_workbook(mk.write_xlsx(tmp_path / "headless.xlsx", {"项目1": cells}))
    assert result.problems == () and result.submission is not None
    assert result.submission.submission.header.department == ""
    assert result.submission.locations["/header/department"] == "项目1!A1"


def test_a_blank_project_name_is_read_and_located_where_it_belongs(tmp_path: Path) -> None:
    cells = [c for c in mk.layout_a() if c[0] != "C3:J3"]
    [result] = read_workbook(mk.write_xlsx(tmp_path / "unnamed.xlsx", {"项目1": cells}))
    assert result.problems == ()
    assert result.submission is not None
    assert result.submission.submission.projects[0].name == ""
    assert result.submission.locations["/projects/0/name"] == "项目1!C3"


# --- several sheets, legacy .xls, missing parts -------------------------------------------------------------------


def test_each_project_sheet_is_one_submission(tmp_path: Path) -> None:
    """An instructions sheet is skipped; every project sheet gets its own source."""
    path = mk.write_xlsx(
        tmp_path / "batch.xlsx",
        {
            "填报说明": [("A1", "请按财预〔2020〕10号要求填报。", None)],
            "项目1": mk.layout_a(),
            "项目2": mk.layout_a(project="农村公路养护"),
        },
    )
    from openpyxl import load_workbook

    book = load_workbook(path)
    book.copy_worksheet(book["项目1"]).sheet_state = "hidden"  # not read, but never skipped without a word
    book.save(path)
    results = read_workbook(path)
    forms = [r for r in results if r.submission]
    assert [r.source.rsplit("#", 1)[1] for r in forms] == ["项目1", "项目2"]
    assert [r.submission.submission.projects[0].name for r in forms if r.submission] == [
        "职业技能提升培训",
        "农村公路养护",
    ]
    assert len({r.sha256 for r in results}) == 1
    assert all(not r.problems for r in forms)
    hidden = [p for r in results for p in r.problems]
    assert [(p.source.rsplit("#", 1)[1], "is hidden" in p.message) for p in hidden] == [("项目1 Copy", True)]


def test_committed_sample_workbook_reads_clean() -> None:
    submission, _ = _only(read_workbook(SAMPLE))
    assert submission.projects[0].name == "职业技能提升培训"
    assert len(submission.projects[0].indicators) == 6
    assert SAMPLE.stat().st_size < 20_000


def test_legacy_xls_reads_like_xlsx(tmp_path: Path) -> None:
    pytest.importorskip("xlwt")
    pytest.importorskip("xlrd")
    # Dates and booleans below the form take xlrd's other cell types through the reader.
    extra = [("A30", datetime(2023, 3, 15), "yyyy-mm-dd"), ("B30", True, None)]
    xls = _only(read_workbook(mk.write_xls(tmp_path / "old.xls", {"项目1": mk.layout_a() + extra})))
    xlsx = _only(read_workbook(mk.write_xlsx(tmp_path / "new.xlsx", {"项目1": mk.layout_a() + extra})))
    assert xls == xlsx


def test_legacy_xls_without_xlrd_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xlwt")
    path = mk.write_xls(tmp_path / "old.xls", {"项目1": mk.layout_a()})
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xlrd" else real(name, *a))
    assert "xlrd：pip install perfrules" in _messages(read_workbook(path))


def test_missing_department_and_year_name_the_expected_cells(tmp_path: Path) -> None:
    path = mk.write_xlsx(tmp_path / "blank.xlsx", {"项目1": mk.layout_a(department=None, year_title=None)})
    [result] = read_workbook(path)
    # Neither is a reading problem: the form is checked, DATA-DEPARTMENT-BLANK points at the cell the
    # department belongs in and DATA-YEAR-MISSING warns at the title.
    assert result.problems == ()
    assert result.submission is not None
    assert result.submission.submission.header.department == ""
    assert result.submission.locations["/header/department"] == "项目1!C4"
    assert result.submission.submission.header.fiscal_year is None


def test_a_blank_department_is_a_finding_at_its_cell_and_the_form_is_checked(tmp_path: Path) -> None:
    from perfrules import validate

    path = mk.write_xlsx(tmp_path / "blank.xlsx", {"项目1": mk.layout_a(department=None)})
    report = validate(path)
    assert report.problems == [] and report.exit_code != 2
    (submission,) = report.submissions
    (blank,) = [f for f in submission.findings if f.rule_id == "DATA-DEPARTMENT-BLANK"]
    assert blank.location.cell == "项目1!C4" and blank.location.pointer == "/header/department"
    filled = validate(mk.write_xlsx(tmp_path / "filled.xlsx", {"项目1": mk.layout_a()}))
    assert {f.rule_id for f in submission.findings} - {"DATA-DEPARTMENT-BLANK"} == {
        f.rule_id for s in filled.submissions for f in s.findings
    }


def test_second_project_on_one_sheet_is_reported(tmp_path: Path) -> None:
    stacked = [*mk.layout_a(), ("A21:B21", "项目名称", None), ("C21:J21", "另一个项目", None)]
    [result] = read_workbook(mk.write_xlsx(tmp_path / "stacked.xlsx", {"项目1": stacked}))
    assert result.submission is not None
    assert [p.location for p in result.problems] == ["项目1!A21"]


def test_unrecognised_sheet_says_where_reading_stopped(tmp_path: Path) -> None:
    path = mk.write_xlsx(tmp_path / "odd.xlsx", {"数据": [("A1", "随便写的表格", None), ("C7", 42, None)]})
    [result] = read_workbook(path)
    assert result.submission is None
    assert [p.location for p in result.problems] == ["数据!C7"]
    assert "数据" in result.problems[0].message


def test_form_without_indicator_table_says_where_reading_stopped(tmp_path: Path) -> None:
    cells = [c for c in mk.layout_a() if mk._bounds(c[0])[0] < 11]  # rows 1-11: no indicator table
    [result] = read_workbook(mk.write_xlsx(tmp_path / "half.xlsx", {"项目1": cells}))
    assert result.submission is None
    assert "一级指标" in result.problems[0].message and result.problems[0].location == "项目1!H11"


def test_a_department_form_in_the_self_evaluation_layout_is_read_as_a_department_table(tmp_path: Path) -> None:
    cells = [("A1:J1", "部门整体支出绩效自评表", None), *mk.layout_a()[1:]]
    [result] = read_workbook(mk.write_xlsx(tmp_path / "dept.xlsx", {"部门": cells}))
    assert result.submission is not None, result.problems
    sub = result.submission.submission
    assert sub.document_kind.value == "department_table"
    assert sub.projects[0].budget_lines and sub.projects[0].indicators


def test_a_department_scorecard_is_read_as_one_with_only_the_score_arithmetic_checked(tmp_path: Path) -> None:
    cells = [
        ("A1:E1", "2022年度部门整体支出绩效自评表", None),
        ("A2", "部门（单位）名称", None), ("B2", "示例市农业农村局", None),
        ("A3", "一级指标", None), ("B3", "二级指标", None), ("C3", "三级指标", None), ("D3", "分值", None),
        ("E3", "得分", None),
        ("A4", "部门决策(25分)", None), ("B4", "目标任务(15分)", None), ("C4", "相关性", None), ("D4", 5, None),
        ("E4", 5, None),
    ]  # fmt: skip
    [result] = read_workbook(mk.write_xlsx(tmp_path / "scorecard.xlsx", {"部门": cells}))
    assert result.problems == () and result.submission is not None
    sub = result.submission.submission
    assert sub.document_kind.value == "department_scorecard"
    (line,) = sub.projects[0].indicators
    assert (line.name, line.weight.value, line.score.value) == ("相关性", Decimal(5), Decimal(5))
    # Its lines have no target or actual: the target and design rules do not apply, so none fires on them.
    from perfrules import validate

    over = [c if c[0] != "E4" else ("E4", 6, None) for c in cells]
    (checked,) = validate(mk.write_xlsx(tmp_path / "over.xlsx", {"部门": over})).submissions
    assert {f.rule_id for f in checked.findings} == {"SCORE-IND-BOUNDS"}


def test_a_department_form_with_neither_targets_nor_scores_is_refused_with_its_reason(tmp_path: Path) -> None:
    cells = [
        ("A1:C1", "2022年度部门整体支出绩效自评表", None),
        ("A3", "一级指标", None), ("B3", "二级指标", None), ("C3", "三级指标", None),
        ("A4", "部门决策", None), ("B4", "目标任务", None), ("C4", "相关性", None),
    ]  # fmt: skip
    [result] = read_workbook(mk.write_xlsx(tmp_path / "neither.xlsx", {"部门": cells}))
    assert result.submission is None and "无法核对" in result.problems[0].message


# --- hostile and broken files -------------------------------------------------------------------------------------


def _good_xlsx(tmp_path: Path) -> bytes:
    return mk.write_xlsx(tmp_path / "good.xlsx", {"项目1": mk.layout_a()}).read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "expect"),
    [
        ("truncated.xlsx", lambda good: good[: len(good) // 2], "truncated"),
        ("notes.xlsx", lambda good: "项目名称,培训\n".encode(), "not an Excel workbook"),
        ("export.xls", lambda good: b"<html><table><tr><td>1</td></tr></table></html>", "HTML"),
        ("empty.xlsx", lambda good: b"", "empty"),
    ],
)
def test_broken_files_give_a_problem(tmp_path: Path, name: str, content: Any, expect: str) -> None:
    path = tmp_path / name
    path.write_bytes(content(_good_xlsx(tmp_path)))
    [result] = read_workbook(path)
    assert result.submission is None
    assert expect in result.problems[0].message
    assert result.problems[0].source == str(path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "not an Excel workbook" in _messages(read_workbook(path))


def test_zip_bomb_is_refused_from_the_directory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(24):
                part.write(b"\0" * (1024 * 1024))
    assert "zip bomb" in _messages(read_workbook(path))


def test_oversized_archive_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.xlsx"
    path.write_bytes(_good_xlsx(tmp_path))
    monkeypatch.setattr(workbook, "MAX_UNCOMPRESSED_BYTES", 1000)
    assert "exceeds 1000" in _messages(read_workbook(path))


def test_oversized_sheet_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.xlsx"
    path.write_bytes(_good_xlsx(tmp_path))
    monkeypatch.setattr(workbook, "MAX_SHEET_XML_BYTES", 1000)
    assert "split it or use CSV" in _messages(read_workbook(path))


def test_encrypted_workbook_is_recognised(tmp_path: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(_good_xlsx(tmp_path))
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    assert msoffcrypto.OfficeFile(locked.open("rb")).is_encrypted()
    [result] = read_workbook(locked)
    assert result.submission is None and "password-protected" in result.problems[0].message


def test_encryption_streams_are_recognised_without_msoffcrypto(tmp_path: Path) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le"))
    assert "password-protected" in _messages(read_workbook(path))


def test_ole_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    pytest.importorskip("xlrd")
    path = tmp_path / "odd.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "cannot read the .xls workbook" in _messages(read_workbook(path))


def test_huge_sheet_of_junk_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "junk"
    for i in range(120):
        sheet.append([f"junk {i}", i, i * 2])
    path = tmp_path / "junk.xlsx"
    book.save(path)
    monkeypatch.setattr(workbook, "MAX_ROWS", 50)
    [result] = read_workbook(path)
    assert result.submission is None
    text = _messages([result])
    assert "only the first 50" in text


def test_unreadable_path(tmp_path: Path) -> None:
    assert "cannot read file" in _messages(read_workbook(tmp_path / "absent.xlsx"))


def test_damaged_workbook_part(tmp_path: Path) -> None:
    path = tmp_path / "damaged.xlsx"
    with (
        zipfile.ZipFile(mk.write_xlsx(tmp_path / "good.xlsx", {"s": mk.layout_a()})) as good,
        zipfile.ZipFile(path, "w") as out,
    ):
        for item in good.infolist():
            data = good.read(item.filename)
            out.writestr(item, b"<not xml" if item.filename == "xl/workbook.xml" else data)
    [result] = read_workbook(path)
    assert result.submission is None and "damaged" in result.problems[0].message


# --- cell text --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "comparator", "number", "unit"),
    [
        ("≥2400份", "gte", "2400", "份"),
        ("≤90万元", "lte", "90", "万元"),
        ("=100 %", "eq", "100", "%"),
        ("＞95%", "gt", "95", "%"),
        ("≥100百分比", "gte", "100", "%"),
        ("２４００份以上", "gte", "2400", "份"),
        ("不低于95%", "gte", "95", "%"),
        ("1,200人次", None, "1,200", "人次"),
        ("≥ 1 场", "gte", "1", "场"),
    ],
)
def test_measure_splits_comparator_number_unit(raw: str, comparator: str | None, number: str, unit: str) -> None:
    m = measure(raw)
    assert (m.comparator, m.value, m.unit, m.quantitative) == (comparator, number, unit, True)


@pytest.mark.parametrize("raw", ["达成年度指标", "12月底前完成", "90%-95%", "—", "涉密，略"])
def test_measure_leaves_text_alone(raw: str) -> None:
    m = measure(raw)
    assert (m.value, m.quantitative) == (raw, False)


def test_numbers_as_displayed() -> None:
    assert displayed(0.30000000000000004) == Decimal("0.3")
    assert displayed(2 / 3, "0.00%") == Decimal("0.6667")
    assert displayed(89.9744, "#,##0.000") == Decimal("89.974")
    assert displayed(120.0) == Decimal(120)
    assert format_decimals('0.00"分"') == 2 and format_decimals("General") is None
    assert measure(0.95, "0%").value == Decimal(95)
    assert number_cell("10分", units=("分",)) == "10"
    assert number_cell("满分", units=("分",)) == "满分"


def test_rates() -> None:
    assert rate_cell("98.1%") == Decimal("0.981")
    assert rate_cell(0.981, "0.0%") == Decimal("0.981")
    assert rate_cell(98.1, header_percent=True) == Decimal("0.981")
    assert rate_cell("98.1", header_percent=True) == Decimal("0.981")
    assert rate_cell("0.981") == "0.981"
    assert rate_cell("—") == "—"


def test_comparator_cells_and_text_decoding() -> None:
    assert [comparator_of(t) for t in ("≥", "＞", "不高于", "gte", "", "定性")] == [
        "gte",
        "gt",
        "lte",
        "gte",
        None,
        None,
    ]
    assert decode_text("年度".encode("gbk")) == decode_text("\ufeff年度".encode()) == "年度"


@pytest.mark.parametrize(
    ("line", "department"),
    [
        ("填报单位（盖章）：示例市人社局    填报日期：2023年3月", "示例市人社局"),
        ("填报单位（盖章）：        填报日期：2023年3月", ""),
    ],
)
def test_a_filing_line_above_the_form_names_the_unit_never_the_next_label(
    tmp_path: Path, line: str, department: str
) -> None:
    cells = [c for c in mk.layout_a() if c[0] not in ("A4:B4", "C4:F4", "G4", "H4:J4")]
    cells.append(("A2:J2", line, None))
    [result] = read_workbook(mk.write_xlsx(tmp_path / "filed.xlsx", {"项目1": cells}))
    assert result.problems == () and result.submission is not None
    assert result.submission.submission.header.department == department


def test_a_form_whose_indicator_block_is_entirely_blank_gets_one_finding(tmp_path: Path) -> None:
    """Issue 12 §6: one blocking 绩效指标未填写, once (not once per located cell), and nothing per row."""
    from perfrules import validate

    header_row = next(int(ref.split(":")[0][1:]) for ref, value, _ in mk.layout_a() if value == "一级指标")
    cells = [
        (ref, value, fmt)
        for ref, value, fmt in mk.layout_a()
        if not (int("".join(ch for ch in ref.split(":")[0] if ch.isdigit())) > header_row and ref[0] in "EFGHI")
        or (isinstance(value, str) and "总分" in value)
    ]
    report = validate(mk.write_xlsx(tmp_path / "blank-block.xlsx", {"项目1": cells}))
    (submission,) = report.submissions
    assert [(f.rule_id, f.blocking) for f in submission.findings] == [("INDICATORS-BLANK", True)]


def test_a_second_project_named_in_its_label_cell_is_reported_too(tmp_path: Path) -> None:
    stacked = [*mk.layout_a(), ("A21:J21", "项目名称：另一个项目", None)]
    [result] = read_workbook(mk.write_xlsx(tmp_path / "stacked.xlsx", {"项目1": stacked}))
    assert result.submission is not None
    assert [p.location for p in result.problems] == ["项目1!A21"]
    assert len(result.submission.submission.projects[0].indicators) == 6  # the second form's row is no indicator
