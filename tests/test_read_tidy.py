"""The tidy template (workbook and CSV bundle): one table per sheet, rows linked by 编号 or 名称."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from perfrules.model.values import ValueState
from perfrules.read.documents import ReadResult
from perfrules.read.tidy import read_csv_bundle, read_tidy_workbook
from perfrules.read.tidy_tables import TABLE_NAMES, TABLES
from perfrules.read.tidy_template import write_template
from perfrules.read.xlsx_forms import read_workbook

pytest.importorskip("openpyxl")

Rows = dict[str, list[dict[str, str]]]

FILLED: Rows = {
    "基本信息": [
        {"文书类型": "项目支出绩效自评表", "部门（单位）名称": "示例市人力资源和社会保障局", "年度": "２０２２",
         "报告日期": "2023-03-15", "自评总分": "93.75", "自评等级": "优"},
    ],
    "项目": [
        {"项目编号": "2022-RS-001", "项目名称": "职业技能提升培训", "开始日期": "2022-01", "结束日期": "2022-12",
         "完成情况": "全部完成", "自评得分": "93.75"},
    ],
    "预算执行": [
        {"项目编号": "2022-RS-001", "资金项目": "年度资金总额", "金额单位": "万元", "年初预算数": "120",
         "全年预算数": "１２０", "全年执行数": "114", "分值": "10", "执行率": "95%", "得分": "9.5"},
        {"项目名称": "职业技能提升培训", "资金项目": "当年财政拨款", "金额单位": "万元", "全年预算数": "120",
         "全年执行数": "114万元", "分值": "—", "执行率": "0.95", "得分": "/"},
    ],
    "绩效指标": [
        {"项目名称": "职业技能提升培训", "一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "培训人次",
         "年度指标值": "≥2400人次", "实际完成值": "2450", "分值": "20", "得分": "20"},
        {"项目名称": "职业技能提升培训", "一级指标": "产出指标", "二级指标": "质量指标", "三级指标": "培训合格率",
         "计算符号": "≥", "年度指标值": "90", "计量单位": "%", "实际完成值": "92", "分值": "15", "得分": "15"},
        {"项目名称": "职业技能提升培训", "一级指标": "效益指标", "二级指标": "可持续影响指标", "三级指标": "培训长效机制",
         "指标类型": "定性", "实际完成值": "部分达成年度指标", "分值": "10", "得分": "7"},
        {"项目名称": "职业技能提升培训", "一级指标": "满意度指标", "三级指标": "学员满意度",
         "年度指标值": "≥90%", "实际完成值": "涉密，略", "分值": "１０", "得分": "１０"},
    ],
    "资金": [
        {"资金编号": "F-01", "资金名称": "就业补助资金", "资金来源": "中央转移支付", "金额": "120", "金额单位": "万元"},
    ],
    "支出": [
        {"资金编号": "F-01", "金额": "114", "金额单位": "万元", "用途": "职业技能培训补贴",
         "一并支付的其他资金": "地方配套资金、社保基金"},
    ],
}  # fmt: skip

_HEADERS = {t.name: [c.header for c in t.columns] for t in TABLES}


def _workbook(path: Path, rows: Rows) -> Path:
    from openpyxl import load_workbook

    write_template(path)
    book = load_workbook(path)
    for table, records in rows.items():
        headers = _HEADERS[table]
        for record in records:
            book[table].append([record.get(h) for h in headers])
    book.save(path)
    return path


def _bundle(folder: Path, rows: Rows, encoding: str) -> Path:
    folder.mkdir()
    for table, records in rows.items():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(_HEADERS[table])
        for record in records:
            writer.writerow([record.get(h, "") for h in _HEADERS[table]])
        (folder / f"{table}.csv").write_bytes(out.getvalue().encode(encoding))
    return folder


def _clean(results: list[ReadResult]) -> ReadResult:
    assert len(results) == 1, results
    assert results[0].problems == (), [(p.location, p.message) for p in results[0].problems]
    assert results[0].submission is not None
    return results[0]


def _messages(results: list[ReadResult]) -> dict[str | None, str]:
    return {p.location: p.message for r in results for p in r.problems}


def test_template_has_one_sheet_per_table(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "template.xlsx"
    write_template(path)
    book = load_workbook(path)
    assert book.sheetnames == [*TABLE_NAMES, "填写说明"]
    assert [c.value for c in book["绩效指标"][1]][:6] == [
        "文书编号",
        "项目编号",
        "项目名称",
        "一级指标",
        "二级指标",
        "三级指标",
    ]
    [result] = read_tidy_workbook(path)
    assert result.submission is None and "no rows" in result.problems[0].message


def test_filled_workbook_reads_into_the_model(tmp_path: Path) -> None:
    result = _clean(read_tidy_workbook(_workbook(tmp_path / "tidy.xlsx", FILLED)))
    assert result.submission is not None
    s, loc = result.submission.submission, result.submission.locations
    assert (s.header.department, s.header.fiscal_year, s.header.self_grade) == (
        "示例市人力资源和社会保障局",
        2022,
        "优",
    )
    project = s.projects[0]
    assert (project.id, project.end_date.text if project.end_date else None) == ("2022-RS-001", "2022-12")
    total, grant = project.budget_lines
    assert (total.unit, total.annual_budget.value, total.rate.value) == ("万元", Decimal(120), Decimal("0.95"))
    assert (grant.executed.value, grant.rate.value, grant.weight.state) == (
        Decimal(114),
        Decimal("0.95"),
        ValueState.NOT_APPLICABLE,
    )
    count, rate, mechanism, satisfaction = project.indicators
    assert (count.comparator, count.target.value, count.unit) == ("gte", Decimal(2400), "人次")
    assert (rate.comparator, rate.target.value, rate.unit) == ("gte", Decimal(90), "%")
    assert (mechanism.kind, mechanism.actual_grade) == ("qualitative", "部分达成年度指标")
    assert (satisfaction.target.value, satisfaction.unit, satisfaction.actual.state) == (
        Decimal(90),
        "%",
        ValueState.WITHHELD,
    )
    assert s.funds[0].expenditures[0].paid_with == ["地方配套资金", "社保基金"]
    assert loc["/header/fiscal_year"] == "基本信息!D2"
    assert loc["/projects/0/budget_lines/1/executed"] == "预算执行!H3"
    assert loc["/projects/0/indicators/2/actual_grade"] == "绩效指标!K4"
    assert loc["/funds/0/expenditures/0/amount"] == "支出!E2"


def test_workbook_reader_hands_tidy_workbooks_over(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "tidy.xlsx", FILLED)
    assert read_workbook(path) == read_tidy_workbook(path)


def test_gbk_and_utf8_bom_bundles_read_the_same(tmp_path: Path) -> None:
    gbk = _clean(read_csv_bundle(_bundle(tmp_path / "gbk", FILLED, "gbk")))
    bom = _clean(read_csv_bundle(_bundle(tmp_path / "bom", FILLED, "utf-8-sig")))
    plain = _clean(read_csv_bundle(_bundle(tmp_path / "utf8", FILLED, "utf-8")))
    book = _clean(read_tidy_workbook(_workbook(tmp_path / "tidy.xlsx", FILLED)))
    assert gbk.submission and bom.submission and plain.submission and book.submission
    assert (
        gbk.submission.submission
        == bom.submission.submission
        == plain.submission.submission
        == book.submission.submission
    )
    assert gbk.submission.locations == bom.submission.locations
    assert gbk.submission.locations["/header/department"] == "基本信息.csv:2:3"
    assert gbk.sha256 != bom.sha256


def test_several_submissions_are_keyed_by_document_number(tmp_path: Path) -> None:
    rows: Rows = {
        "基本信息": [
            {"文书编号": "A", "文书类型": "项目支出绩效自评表", "部门（单位）名称": "甲局", "年度": "2022"},
            {
                "文书编号": "B",
                "文书类型": "自评报告",
                "部门（单位）名称": "乙局",
                "年度": "2022年",
                "自评报告正文": "已全部完成。",
            },
        ],
        "项目": [{"文书编号": "A", "项目名称": "培训"}, {"项目名称": "无主项目"}],
    }
    folder = _bundle(tmp_path / "many", rows, "utf-8")
    *docs, orphans = read_csv_bundle(folder)
    assert [r.source for r in docs] == [f"{folder}#A", f"{folder}#B"]
    assert [r.submission.submission.header.department for r in docs if r.submission] == ["甲局", "乙局"]
    assert all(not r.problems for r in docs)
    assert (orphans.source, orphans.submission) == (str(folder), None)
    assert "须填写文书编号" in _messages([orphans])["项目.csv:3:3"]


def test_unknown_and_missing_columns_are_problems(tmp_path: Path) -> None:
    folder = tmp_path / "cols"
    folder.mkdir()
    (folder / "基本信息.csv").write_text(
        "文书类型,部门名称,年度,备注\n项目支出绩效自评表,甲局,2022,x\n", encoding="utf-8"
    )
    (folder / "项目.csv").write_text("项目编号\nP1\n", encoding="utf-8")
    messages = _messages(read_csv_bundle(folder))
    assert "unknown column '备注'" in messages["基本信息.csv:1:4"]
    assert "required column '项目名称'" in messages["项目.csv:1:1"]


def test_rows_that_name_no_parent_are_problems(tmp_path: Path) -> None:
    rows: Rows = {
        "基本信息": FILLED["基本信息"],
        "项目": FILLED["项目"],
        "绩效指标": [{"项目名称": "不存在的项目", "一级指标": "产出指标", "三级指标": "x"}],
        "支出": [{"资金名称": "不存在的资金", "金额": "1"}],
    }
    messages = _messages(read_csv_bundle(_bundle(tmp_path / "orphans", rows, "utf-8")))
    assert "不存在的项目" in messages["绩效指标.csv:2:3"]
    assert "不存在的资金" in messages["支出.csv:2:3"]


def test_model_errors_point_at_the_cell(tmp_path: Path) -> None:
    rows: Rows = {"基本信息": [{"文书类型": "项目支出绩效自评表", "部门（单位）名称": "甲局", "年度": "二〇二二"}]}
    [result] = read_tidy_workbook(_workbook(tmp_path / "bad.xlsx", rows))
    assert result.submission is None
    assert [p.location for p in result.problems] == ["基本信息!D2 (/header/fiscal_year)"]


def test_bundle_problems(tmp_path: Path) -> None:
    assert "not a folder" in next(iter(_messages(read_csv_bundle(tmp_path / "absent")).values()))
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "基本信息.csv").write_bytes(b"\xff\xfe\xfd\xfc")
    (folder / "其他.csv").write_text("a\n1\n", encoding="utf-8")
    messages = _messages(read_csv_bundle(folder))
    assert "unknown text encoding" in messages["基本信息.csv"]
    assert "unknown CSV file" in messages["其他.csv"]
    assert "基本信息 table" in messages[None]


def test_unknown_sheet_is_a_problem(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = _workbook(tmp_path / "extra.xlsx", FILLED)
    book = load_workbook(path)
    book.create_sheet("草稿")["A1"] = "备忘"
    book.save(path)
    [result] = read_tidy_workbook(path)
    assert result.submission is not None
    assert [p.location for p in result.problems] == ["草稿!A1"]


def test_typed_cells_and_duplicates(tmp_path: Path) -> None:
    """Numbers and dates typed as such in Excel read as the text they show; duplicates are problems."""
    from openpyxl import load_workbook

    path = tmp_path / "typed.xlsx"
    write_template(path)
    book = load_workbook(path)
    info, projects, lines = book["基本信息"], book["项目"], book["预算执行"]
    info.append([1, "项目支出绩效自评表", "甲局", 2022, 510100, None, datetime(2023, 3, 15)])
    info.append([1, "项目支出绩效自评表", "乙局", 2022])
    projects.append([None, 1001, "培训", None, datetime(2022, 1, 1)])
    lines.append([None, None, None, "年度资金总额", "万元", 120.0, 120, 114.5, 10, 0.95])
    lines["J2"].number_format = "0.00%"
    info["L1"] = "部门名称"
    book.save(path)
    [result] = read_tidy_workbook(path)
    assert result.submission is not None
    s = result.submission.submission
    assert (
        s.header.fiscal_year,
        s.header.region_code,
        str(s.header.report_date.text if s.header.report_date else None),
    ) == (2022, "510100", "2023-03-15")
    project = s.projects[0]
    assert (project.id, project.start_date.text if project.start_date else None) == ("1001", "2022-01-01")
    line = project.budget_lines[0]
    assert (line.initial_budget.value, line.executed.value, line.rate.value) == (
        Decimal(120),
        Decimal("114.5"),
        Decimal("0.95"),
    )
    messages = _messages([result])
    assert "duplicate 文书编号" in messages["基本信息!A3"]
    assert "appears twice" in messages["基本信息!L1"]


def test_a_finding_on_an_empty_cell_points_at_that_cell(tmp_path: Path) -> None:
    from perfrules import validate

    path = _workbook(tmp_path / "filled.xlsx", FILLED)
    report = validate(path)
    [finding] = [f for f in report.submissions[0].findings if f.rule_id == "SCORE-DEVIATION-EXPLAIN"]
    header = [c.header for c in next(t for t in TABLES if t.name == "绩效指标").columns]
    column = chr(ord("A") + header.index("偏差原因分析及改进措施"))
    assert finding.location.cell == f"绩效指标!{column}4"  # the third indicator row, left blank


DEPARTMENT: Rows = {
    "基本信息": [
        {"文书类型": "部门整体支出绩效自评表", "部门（单位）名称": "示例市农业农村局", "年度": "2022", "自评总分": "92"},
    ],
    "部门整体预算": [
        {"金额单位": "万元", "年初预算数": "1200", "调整后预算数": "1350", "全年执行数": "1296", "结转结余资金": "54",
         "“三公经费”预算数": "30", "“三公经费”实际支出数": "27", "预算执行率": "96%", "预算调整率": "12.5%",
         "结转结余率": "4%", "“三公经费”控制率": "90%"},
    ],
}  # fmt: skip


def test_the_template_has_the_department_wide_budget_sheet_with_a_unit_dropdown(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    write_template(path)
    sheet = load_workbook(path)["部门整体预算"]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["文书编号", "金额单位", "年初预算数", "调整后预算数"]
    assert "预算执行率" in headers and "“三公经费”控制率" in headers
    assert any('"元,万元"' in (v.formula1 or "") for v in sheet.data_validations.dataValidation)


def test_a_department_wide_evaluation_is_entered_in_the_template_without_json(tmp_path: Path) -> None:
    from perfrules import validate

    path = _workbook(tmp_path / "dept.xlsx", DEPARTMENT)
    result = _clean(read_tidy_workbook(path))
    assert result.submission is not None
    finance = result.submission.submission.header.finance
    assert finance is not None and finance.unit == "万元"
    assert (finance.executed.value, finance.execution_rate.value) == (Decimal("1296"), Decimal("0.96"))
    # Consistent figures: nothing to say about them. A department-wide table with no indicators at all is
    # one finding (issue 12 §7): DOC-TABLES-REQUIRED, naming what is missing and the table required.
    [missing] = validate(path).submissions[0].findings
    assert missing.rule_id == "DOC-TABLES-REQUIRED"
    assert "绩效指标" in missing.message.zh and "预算执行情况" not in missing.message.zh
    assert "部门整体支出绩效自评表" in missing.message.zh

    wrong = {**DEPARTMENT, "部门整体预算": [{**DEPARTMENT["部门整体预算"][0], "预算执行率": "86%"}]}
    path = _workbook(tmp_path / "wrong.xlsx", wrong)
    [finding] = [f for f in validate(path).submissions[0].findings if f.rule_id == "DEPT-EXEC-RATE-ARITH"]
    assert finding.location.cell == "部门整体预算!I2"


def test_a_department_wide_evaluation_takes_its_indicators_in_the_template(tmp_path: Path) -> None:
    """Issue 14 §5: the department's own indicators go in 绩效指标 under a 项目 row naming its block; they
    are checked like a department table's, at their cells."""
    from perfrules import validate

    indicators = [
        {"项目名称": "部门整体", "一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "农技培训人次",
         "计算符号": "≥", "年度指标值": "5000", "计量单位": "人次", "实际完成值": "5200", "分值": "50", "得分": "50"},
        {"项目名称": "部门整体", "一级指标": "满意度指标", "二级指标": "服务对象满意度指标", "三级指标": "农户满意度",
         "计算符号": "≥", "年度指标值": "90", "计量单位": "%", "实际完成值": "95", "分值": "40", "得分": "45"},
    ]  # fmt: skip
    rows = {**DEPARTMENT, "项目": [{"项目名称": "部门整体", "自评得分": "92"}], "绩效指标": indicators}
    path = _workbook(tmp_path / "dept.xlsx", rows)
    (result,) = validate(path).submissions
    assert result.document_kind == "department_table"
    rules = {f.rule_id: f for f in result.findings}
    assert "DOC-TABLES-REQUIRED" not in rules  # the indicators were read
    assert rules["SCORE-IND-BOUNDS"].location.cell == "绩效指标!M3"  # 得分 45 above its 分值 of 40
