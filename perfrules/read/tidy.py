"""The tidy template: one sheet (or CSV file) per table, one row per record, Chinese headers.

Tables: 基本信息 (one row per submission) / 项目 / 预算执行 / 绩效指标 / 资金 / 支出.
Child rows name their parent: a project by 项目编号 or 项目名称, a fund by 资金编号 or 资金名称,
and the submission by 文书编号 (which may be left blank when there is only one submission).

The same tables as a folder of CSV files (基本信息.csv, 项目.csv, …) read the same way, in
UTF-8, UTF-8 with BOM, or GBK/GB18030. Locations are "Sheet!C5" for the workbook and
"file.csv:row:col" (1-based, the header is row 1) for CSV.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from perfrules.errors import MissingDependency
from perfrules.model.report import Problem
from perfrules.model.sourced import SourcedSubmission
from perfrules.read.block_cells import with_block_cells
from perfrules.read.cells import (
    CellValue,
    column_letter,
    decode_text,
    displayed,
    label_key,
    measure,
    number_cell,
    rate_cell,
    text_of,
)
from perfrules.read.declaration_target import declared_measure
from perfrules.read.documents import ReadResult, to_submission
from perfrules.read.tidy_declaration import declarations, is_declaration
from perfrules.read.workbook import LoadedWorkbook, load_sheets, locate, row_cap_problem

MAX_CSV_BYTES = 64 * 1024 * 1024
INSTRUCTIONS_SHEET = "填写说明"


@dataclass(frozen=True)
class Column:
    """One column of the tidy template: its Chinese header, the model field it fills, a note and an example."""

    header: str
    field: str
    note: str
    example: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One sheet (or CSV file) of the tidy template: its name, columns and the columns that must be filled."""

    name: str
    columns: tuple[Column, ...]
    required: tuple[str, ...] = ()

    def lookup(self) -> dict[str, Column]:
        out: dict[str, Column] = {}
        for col in self.columns:
            for label in (col.header, *col.aliases):
                out[label_key(label)] = col
        return out


_DOC = Column("文书编号", "doc", "同一文件含多份自评材料时用来对应各表；只有一份时可留空", "1")
_PROJECT_KEYS = (
    Column("项目编号", "project_id", "所属项目的编号（与“项目”表对应；可留空，改用项目名称）", "2022-RS-001"),
    Column("项目名称", "project_name", "所属项目的名称（与“项目”表对应）", "职业技能提升培训"),
)
_FUND_KEYS = (
    Column("资金编号", "fund_id", "所属资金的编号（与“资金”表对应；可留空，改用资金名称）", "F-01"),
    Column("资金名称", "fund_name", "所属资金的名称（与“资金”表对应）", "就业补助资金"),
)

TABLES: tuple[Table, ...] = (
    Table(
        "基本信息",
        (
            _DOC,
            Column(
                "文书类型",
                "document_kind",
                "项目支出绩效自评表 / 部门整体支出绩效自评表 / 自评报告 / 项目支出绩效目标申报表",
                "项目支出绩效自评表",
            ),
            Column(
                "部门（单位）名称",
                "department",
                "填报部门或单位全称",
                "示例市人力资源和社会保障局",
                ("部门", "单位名称", "主管部门"),
            ),
            Column("年度", "fiscal_year", "绩效自评所属预算年度", "2022"),
            Column("行政区划代码", "region_code", "6 位行政区划代码", "510100"),
            Column("地区", "region_name", "地区名称", "示例市"),
            Column("报告日期", "report_date", "如 2023-03-15、2023-03 或 2023", "2023-03-15"),
            Column("自评总分", "self_score", "自评总分（分）", "93.75"),
            Column("自评等级", "self_grade", "优 / 良 / 中 / 差", "优"),
            Column("总体绩效目标", "overall_goals", "年度总体绩效目标", ""),
            Column("自评报告正文", "narrative", "自评报告文字部分", ""),
        ),
        ("document_kind", "department", "fiscal_year"),
    ),
    Table(
        "项目",
        (
            _DOC,
            Column("项目编号", "id", "项目编号", "2022-RS-001"),
            Column("项目名称", "name", "项目全称", "职业技能提升培训"),
            Column("项目类型", "project_type", "如 工程基建", ""),
            Column("开始日期", "start_date", "如 2022-01", "2022-01"),
            Column("结束日期", "end_date", "如 2022-12", "2022-12"),
            Column("交付日期", "delivery_date", "如 2022-12-31", ""),
            Column("完成情况", "completion", "如 全部完成", "全部完成"),
            Column("自评得分", "self_score", "项目自评得分（分）", "93.75"),
            Column("自评等级", "self_grade", "优 / 良 / 中 / 差", "优"),
        ),
        ("name",),
    ),
    Table(
        "预算执行",
        (
            _DOC,
            *_PROJECT_KEYS,
            Column("资金项目", "item", "年度资金总额 / 当年财政拨款 / 上年结转 / 其他资金", "年度资金总额"),
            Column("金额单位", "unit", "元 或 万元（留空为元）", "万元"),
            Column("年初预算数", "initial_budget", "年初预算数", "120"),
            Column("全年预算数", "annual_budget", "全年预算数（A）", "120"),
            Column("全年执行数", "executed", "全年执行数（B）", "114"),
            Column("分值", "weight", "预算执行分值", "10"),
            Column("执行率", "rate", "执行率（B/A），如 95% 或 0.95", "95%"),
            Column("得分", "score", "预算执行得分", "9.5"),
            Column("偏差原因分析及改进措施", "explanation", "执行率偏低时说明原因", ""),
        ),
        ("item",),
    ),
    Table(
        "绩效指标",
        (
            _DOC,
            *_PROJECT_KEYS,
            Column("一级指标", "level1", "产出指标 / 效益指标 / 满意度指标", "产出指标"),
            Column("二级指标", "level2", "如 数量指标", "数量指标"),
            Column("三级指标", "name", "指标名称", "培训人次"),
            Column("指标类型", "kind", "定量 或 定性（留空按年度指标值判断）", "定量", ("指标性质",)),
            Column("计算符号", "comparator", "≥ > = ≤ <（也可写在年度指标值中，如 ≥2400人次）", "≥"),
            Column("年度指标值", "target", "年度指标值（A）", "2400"),
            Column("计量单位", "unit", "如 人次、%", "人次", ("度量单位",)),
            Column("实际完成值", "actual", "实际完成值（B）；定性指标填完成等级，如 达成年度指标", "2450"),
            Column("分值", "weight", "指标分值", "20"),
            Column("得分", "score", "指标得分", "20"),
            Column("偏差原因分析及改进措施", "deviation_explanation", "未完成时说明原因及改进措施", ""),
            Column("指标解释", "explanation", "绩效目标申报表：指标衡量的内容和计算方法", ""),
        ),
        ("level1", "name"),
    ),
    Table(
        "申报信息",
        (
            _DOC,
            *_PROJECT_KEYS,
            Column("申请单位", "applicant_unit", "绩效目标申报表：申请单位", "示例市职业技能培训中心"),
            Column("一级预算单位", "budget_unit", "一级预算单位", "示例市人力资源和社会保障局"),
            Column("金额单位", "unit", "元 或 万元（留空为元）", "万元"),
            Column("项目总金额", "total_amount", "项目总金额", "360"),
            Column("本年金额", "annual_amount", "本年金额", "120"),
            Column("政策依据", "policy_basis", "立项依据及相关文件", "根据《示例市职业技能提升行动实施方案》设立"),
            Column("测算依据", "calculation_basis", "各分项的单价×数量=金额", "培训补贴 500元/人次×2400人次=120万元"),
            Column(
                "年度目标", "annual_goal", "通过做什么，达到什么效果", "通过开展培训2400人次，使结业就业率达到60%以上"
            ),
        ),
        (),
    ),
    Table(
        "资金",
        (
            _DOC,
            Column("资金编号", "id", "资金编号", "F-01"),
            Column("资金名称", "name", "资金名称", "就业补助资金"),
            Column("资金来源", "source", "如 中央转移支付", "中央转移支付"),
            Column("金额", "amount", "金额", "120"),
            Column("金额单位", "unit", "元 或 万元（留空为元）", "万元"),
            Column("指定用途类别", "purpose_category", "指定用途类别", ""),
            Column("支出功能分类科目编码", "function_code", "支出功能分类科目编码", ""),
            Column("所属项目编号", "project_id", "所属项目编号", "2022-RS-001"),
        ),
        ("name",),
    ),
    Table(
        "支出",
        (
            _DOC,
            *_FUND_KEYS,
            Column("支出编号", "id", "支出编号", ""),
            Column("金额", "amount", "支出金额", "114"),
            Column("金额单位", "unit", "元 或 万元（留空为元）", "万元"),
            Column("用途", "use_text", "用途（按凭证所写）", "职业技能培训补贴"),
            Column("用途类别", "use_category", "用途类别", ""),
            Column("一并支付的其他资金", "paid_with", "与之一并支付的其他资金名称，多个用“、”分隔", ""),
        ),
        (),
    ),
)
# 部门整体支出绩效自评表: the department's budget figures, one row per document (header.finance).
# Its indicators go in 绩效指标 like a project's, under a 项目 row that names the department's block.
_RATE_FIELDS = ("execution_rate", "adjustment_rate", "carryover_rate", "three_public_control_rate")
TABLES += (
    Table(
        "部门整体预算",
        (
            _DOC,
            Column("金额单位", "unit", "元 或 万元（留空为元）", "万元"),
            Column("年初预算数", "initial_budget", "部门年初预算数", "1200"),
            Column("调整后预算数", "adjusted_budget", "调整后预算数（全年预算数）", "1350", ("全年预算数",)),
            Column("全年执行数", "executed", "全年执行数（支出决算数）", "1296", ("支出决算数",)),
            Column("结转结余资金", "carryover", "结转结余资金", "54"),
            Column("“三公经费”预算数", "three_public_budget", "“三公经费”预算数", "30", ("三公经费预算数",)),
            Column(
                "“三公经费”实际支出数", "three_public_actual", "“三公经费”实际支出数", "27", ("三公经费实际支出数",)
            ),
            Column("预算执行率", "execution_rate", "全年执行数 / 调整后预算数，如 96% 或 0.96", "96%"),
            Column("预算调整率", "adjustment_rate", "（调整后预算数 − 年初预算数）/ 年初预算数", "12.5%"),
            Column("结转结余率", "carryover_rate", "结转结余资金 / 调整后预算数", "4%"),
            Column("“三公经费”控制率", "three_public_control_rate", "实际支出数 / 预算数", "90%", ("三公经费控制率",)),
        ),
    ),
)
TABLE_NAMES = tuple(t.name for t in TABLES)
_BY_NAME = {t.name: t for t in TABLES}
_DATE_FIELDS = frozenset({"report_date", "start_date", "end_date", "delivery_date"})
_KINDS = {"定量": "quantitative", "定量指标": "quantitative", "定性": "qualitative", "定性指标": "qualitative"}


def _problem(source: str, location: str | None, message: str) -> Problem:
    return Problem(kind="input", source=source, location=location, message=message)


# --- reading rows ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Value:
    value: CellValue
    fmt: str
    where: str


@dataclass
class _Rows:
    """One table as read: its columns by field, and each non-blank row's values by field."""

    table: Table
    header_where: dict[str, str]
    header_text: dict[str, str]
    rows: list[dict[str, _Value]] = field(default_factory=list)
    blanks: list[dict[str, str]] = field(default_factory=list)
    """For each row, the cells of its blank columns: a finding about a value left empty points there."""


def _header(
    table: Table, cells: list[tuple[CellValue, str]], source: str, problems: list[Problem]
) -> dict[int, Column]:
    lookup = table.lookup()
    columns: dict[int, Column] = {}
    for index, (value, where) in enumerate(cells):
        text = text_of(value)
        if not text:
            continue
        col = lookup.get(label_key(text))
        if col is None:
            problems.append(
                _problem(
                    source,
                    where,
                    f"“{table.name}”表中有未知的列“{text}”（会丢失数据）/ unknown column {text!r} in {table.name} (it would be lost)",
                )
            )
        elif col in columns.values():
            problems.append(
                _problem(
                    source, where, f"“{table.name}”表中“{text}”列重复 / column {text!r} appears twice in {table.name}"
                )
            )
        else:
            columns[index] = col
    present = {c.field for c in columns.values()}
    for needed in table.required:
        if needed not in present:
            header = next(c.header for c in table.columns if c.field == needed)
            first = cells[0][1] if cells else table.name
            problems.append(
                _problem(
                    source,
                    first,
                    f"“{table.name}”表缺少必填列“{header}”/ {table.name} lacks the required column {header!r}",
                )
            )
    return columns


def _collect(table: Table, grid: list[list[tuple[CellValue, str, str]]], source: str, problems: list[Problem]) -> _Rows:
    header_cells = [(v, w) for v, _, w in grid[0]] if grid else []
    columns = _header(table, header_cells, source, problems)
    rows = _Rows(
        table,
        {c.field: header_cells[i][1] for i, c in columns.items()},
        {c.field: text_of(header_cells[i][0]) for i, c in columns.items()},
    )
    for line in grid[1:]:
        record = {
            columns[i].field: _Value(v, f, w) for i, (v, f, w) in enumerate(line) if i in columns and not _blank(v)
        }
        if record:
            rows.rows.append(record)
            rows.blanks.append(_blank_cells(columns, header_cells, line))
    return rows


def _blank_cells(
    columns: dict[int, Column], header_cells: list[tuple[CellValue, str]], line: list[tuple[CellValue, str, str]]
) -> dict[str, str]:
    """The cells of a row's blank columns, by field; a sparse row (cells only where values are) is
    completed from the header's column letter and the row's number."""
    row_number = re.sub(r"^.*![A-Z]+", "", line[0][2]) if line else ""
    out: dict[str, str] = {}
    for i, column in columns.items():
        if i < len(line):
            if _blank(line[i][0]):
                out[column.field] = line[i][2]
        elif row_number:
            out[column.field] = re.sub(r"\d+$", row_number, header_cells[i][1])
    return out


def _blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(v: _Value | None) -> str | None:
    if v is None:
        return None
    if isinstance(v.value, float | int | Decimal) and not isinstance(v.value, bool):
        return str(displayed(v.value, v.fmt))
    return text_of(v.value) or None


def _date(v: _Value | None) -> object:
    if v is None:
        return None
    if isinstance(v.value, datetime):
        return v.value.date()
    if isinstance(v.value, date):
        return v.value
    return _text(v)


def _year(v: _Value | None) -> object:
    text = unicodedata.normalize("NFKC", _text(v) or "")
    return int(text[:4]) if re.fullmatch(r"\d{4}(年度?)?", text) else text or None


def _num(v: _Value | None, units: tuple[str, ...] = ()) -> object:
    return number_cell(v.value, v.fmt, units) if v is not None else None


# --- assembling submissions --------------------------------------------------------------------------------------


@dataclass
class _Doc:
    key: str
    data: dict[str, Any]
    locations: dict[str, str] = field(default_factory=dict)
    projects: dict[tuple[str, str], int] = field(default_factory=dict)
    funds: dict[tuple[str, str], int] = field(default_factory=dict)


class _Assembler:
    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        self.docs: dict[str, _Doc] = {}

    def problem(self, where: str | None, message: str) -> None:
        self.problems.append(_problem(self.source, where, message))

    def doc_of(self, row: dict[str, _Value], table: str) -> _Doc | None:
        key = _text(row.get("doc")) or ""
        if key in self.docs:
            return self.docs[key]
        if not key and len(self.docs) == 1:
            return next(iter(self.docs.values()))
        where = row["doc"].where if "doc" in row else next(iter(row.values())).where
        self.problem(
            where,
            f"“{table}”表的这一行对应不到“基本信息”中的文书编号“{key}” / this {table} row names no 文书编号 listed in 基本信息"
            if key
            else f"有多份文书时“{table}”表须填写文书编号 / {table} rows need a 文书编号 when there are several submissions",
        )
        return None

    def put(
        self, doc: _Doc, target: dict[str, Any], pointer: str, name: str, value: object, cell: _Value | None
    ) -> None:
        if value is None and cell is None:
            return
        target[name] = value
        if cell is not None:
            doc.locations[f"{pointer}/{name}"] = cell.where

    def header(self, rows: _Rows) -> None:
        for row in rows.rows:
            key = _text(row.get("doc")) or ""
            if key in self.docs:
                self.problem(
                    row["doc"].where if "doc" in row else None, f"文书编号“{key}”重复 / duplicate 文书编号 {key!r}"
                )
                continue
            doc = _Doc(key, {"header": {}, "projects": [], "funds": []})
            self.docs[key] = doc
            header = doc.data["header"]
            for name, cell in row.items():
                if name == "doc":
                    continue
                if name == "document_kind":
                    doc.data["document_kind"] = _text(cell)
                    doc.locations["/document_kind"] = cell.where
                    continue
                value = _year(cell) if name == "fiscal_year" else _date(cell) if name in _DATE_FIELDS else None
                if name == "self_score":
                    value = _num(cell, ("分",))
                elif value is None:
                    value = _text(cell)
                self.put(doc, header, "/header", name, value, cell)

    def projects(self, rows: _Rows) -> None:
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            if doc is None:
                continue
            index = len(doc.data["projects"])
            project: dict[str, Any] = {"budget_lines": [], "indicators": []}
            pointer = f"/projects/{index}"
            for name, cell in row.items():
                if name == "doc":
                    continue
                value = (
                    _num(cell, ("分",))
                    if name == "self_score"
                    else _date(cell)
                    if name in _DATE_FIELDS
                    else _text(cell)
                )
                self.put(doc, project, pointer, name, value, cell)
            doc.data["projects"].append(project)
            for key in (("id", project.get("id")), ("name", project.get("name"))):
                if key[1]:
                    doc.projects.setdefault((key[0], str(key[1])), index)

    def project_of(self, doc: _Doc, row: dict[str, _Value], table: str) -> int | None:
        pid, pname = _text(row.get("project_id")), _text(row.get("project_name"))
        index = doc.projects.get(("id", pid)) if pid else doc.projects.get(("name", pname)) if pname else None
        if index is None and not pid and not pname and len(doc.data["projects"]) == 1:
            return 0
        if index is None:
            cell = row.get("project_id") or row.get("project_name") or next(iter(row.values()))
            self.problem(
                cell.where,
                f"“{table}”表的这一行对应不到“项目”表中的项目“{pid or pname or ''}” / this {table} row names no project listed in 项目",
            )
        return index

    def budget_lines(self, rows: _Rows) -> None:
        rate_percent = "%" in rows.header_text.get("rate", "")
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            index = self.project_of(doc, row, rows.table.name) if doc else None
            if doc is None or index is None:
                continue
            lines = doc.data["projects"][index]["budget_lines"]
            pointer = f"/projects/{index}/budget_lines/{len(lines)}"
            line: dict[str, Any] = {}
            unit = _text(row.get("unit")) or "元"
            for name, cell in row.items():
                if name in ("doc", "project_id", "project_name"):
                    continue
                if name == "rate":
                    value: object = rate_cell(cell.value, cell.fmt, rate_percent)
                elif name in ("weight", "score"):
                    value = _num(cell, ("分",))
                elif name in ("initial_budget", "annual_budget", "executed"):
                    value = _num(cell, (unit,))
                else:
                    value = _text(cell)
                self.put(doc, line, pointer, name, value, cell)
            lines.append(line)

    def finance(self, rows: _Rows) -> None:
        """部门整体预算: at most one row per document, into header.finance."""
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            if doc is None:
                continue
            if "finance" in doc.data["header"]:
                self.problem(
                    next(iter(row.values())).where,
                    "同一文书的“部门整体预算”只能有一行 / one 部门整体预算 row per document",
                )
                continue
            finance: dict[str, Any] = {}
            unit = _text(row.get("unit")) or "元"
            for name, cell in row.items():
                if name == "doc":
                    continue
                percent = "%" in rows.header_text.get(name, "")
                value = (
                    rate_cell(cell.value, cell.fmt, percent)
                    if name in _RATE_FIELDS
                    else _text(cell)
                    if name == "unit"
                    else _num(cell, (unit,))
                )
                self.put(doc, finance, "/header/finance", name, value, cell)
            doc.data["header"]["finance"] = finance

    def indicators(self, rows: _Rows) -> None:
        for row, blanks in zip(rows.rows, rows.blanks, strict=True):
            doc = self.doc_of(row, rows.table.name)
            index = self.project_of(doc, row, rows.table.name) if doc else None
            if doc is None or index is None:
                continue
            indicators = doc.data["projects"][index]["indicators"]
            pointer = f"/projects/{index}/indicators/{len(indicators)}"
            ind: dict[str, Any] = {}
            for name in ("level1", "level2", "name", "deviation_explanation", "explanation"):
                self.put(doc, ind, pointer, name, _text(row.get(name)), row.get(name))
            if is_declaration(doc.data.get("document_kind")):  # the target as stated, for the 事前 rules
                self.put(doc, ind, pointer, "target_text", _text(row.get("target")), row.get("target"))
            for name in ("weight", "score"):
                self.put(doc, ind, pointer, name, _num(row.get(name), ("分",)), row.get(name))
            self.measures(doc, ind, pointer, row)
            for name, where in blanks.items():
                doc.locations.setdefault(f"{pointer}/{name}", where)
            indicators.append(ind)

    def measures(self, doc: _Doc, ind: dict[str, Any], pointer: str, row: dict[str, _Value]) -> None:
        parse = declared_measure if is_declaration(doc.data.get("document_kind")) else measure
        target = parse(row["target"].value, row["target"].fmt) if "target" in row else measure(None)
        actual = measure(row["actual"].value, row["actual"].fmt) if "actual" in row else measure(None)
        stated = unicodedata.normalize("NFKC", _text(row.get("kind")) or "")
        kind = _KINDS.get(stated, stated)
        if not kind:
            # The template lets 指标类型 stay blank: a target with a number is what makes an indicator 定量.
            evidence = target if not target.blank else actual
            kind = "qualitative" if not evidence.blank and not evidence.quantitative else "quantitative"
        self.put(doc, ind, pointer, "kind", kind, row.get("kind"))
        if kind == "qualitative":
            self.put(doc, ind, pointer, "actual_grade", actual.text or None, row.get("actual"))
            return
        comparator = _text(row.get("comparator")) or target.comparator
        self.put(doc, ind, pointer, "comparator", comparator, row.get("comparator") or row.get("target"))
        self.put(doc, ind, pointer, "target", target.value, row.get("target"))
        unit = _text(row.get("unit")) or target.unit or actual.unit
        self.put(doc, ind, pointer, "unit", unit, row.get("unit") or row.get("target"))
        # "≥95%" as an actual value states no measurement; it stays as written and reads as malformed.
        self.put(doc, ind, pointer, "actual", actual.text if actual.comparator else actual.value, row.get("actual"))

    def funds(self, rows: _Rows) -> None:
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            if doc is None:
                continue
            index = len(doc.data["funds"])
            fund: dict[str, Any] = {"expenditures": []}
            unit = _text(row.get("unit")) or "元"
            for name, cell in row.items():
                if name == "doc":
                    continue
                value = _num(cell, (unit,)) if name == "amount" else _text(cell)
                self.put(doc, fund, f"/funds/{index}", name, value, cell)
            doc.data["funds"].append(fund)
            for key in (("id", fund.get("id")), ("name", fund.get("name"))):
                if key[1]:
                    doc.funds.setdefault((key[0], str(key[1])), index)

    def expenditures(self, rows: _Rows) -> None:
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            if doc is None:
                continue
            fid, fname = _text(row.get("fund_id")), _text(row.get("fund_name"))
            index = doc.funds.get(("id", fid)) if fid else doc.funds.get(("name", fname)) if fname else None
            if index is None and not fid and not fname and len(doc.data["funds"]) == 1:
                index = 0
            if index is None:
                cell = row.get("fund_id") or row.get("fund_name") or next(iter(row.values()))
                self.problem(
                    cell.where,
                    f"“支出”表的这一行对应不到“资金”表中的资金“{fid or fname or ''}” / this 支出 row names no fund listed in 资金",
                )
                continue
            spent = doc.data["funds"][index]["expenditures"]
            pointer = f"/funds/{index}/expenditures/{len(spent)}"
            item: dict[str, Any] = {}
            unit = _text(row.get("unit")) or "元"
            for name, cell in row.items():
                if name in ("doc", "fund_id", "fund_name"):
                    continue
                if name == "amount":
                    value: object = _num(cell, (unit,))
                elif name == "paid_with":
                    value = [p.strip() for p in re.split(r"[、,，;；]", _text(cell) or "") if p.strip()]
                else:
                    value = _text(cell)
                self.put(doc, item, pointer, name, value, cell)
            spent.append(item)


_STEPS = (
    ("基本信息", _Assembler.header),
    ("项目", _Assembler.projects),
    ("部门整体预算", _Assembler.finance),
    ("预算执行", _Assembler.budget_lines),
    ("申报信息", lambda assembler, rows: declarations(assembler, rows, _text, _num)),
    ("绩效指标", _Assembler.indicators),
    ("资金", _Assembler.funds),
    ("支出", _Assembler.expenditures),
)

Grid = list[list[tuple[CellValue, str, str]]]


def _assemble(grids: dict[str, Grid], source: str, sha256: str, problems: list[Problem]) -> list[ReadResult]:
    if "基本信息" not in grids:
        problems.append(_problem(source, None, "缺少“基本信息”表 / the 基本信息 table (sheet or CSV file) is missing"))
    assembler = _Assembler(source, problems)
    for name, step in _STEPS:
        if name in grids:
            step(assembler, _collect(_BY_NAME[name], grids[name], source, problems))
    if not assembler.docs:
        if "基本信息" in grids:
            problems.append(_problem(source, None, "“基本信息”表没有数据行 / the 基本信息 table has no rows"))
        return [ReadResult(source, sha256, None, tuple(problems))]
    results: list[ReadResult] = []
    several = len(assembler.docs) > 1
    for position, doc in enumerate(assembler.docs.values(), start=1):
        doc_source = f"{source}#{doc.key or position}" if several else source
        data = {k: v for k, v in doc.data.items() if v != []}
        submission, invalid = to_submission(data, doc_source)
        # With one submission every problem is its own; with several, table-level ones go on a result of their own.
        found = tuple(([] if several else problems) + locate(invalid, doc.locations))
        cells = with_block_cells(doc.locations, submission) if submission else {}
        sourced = SourcedSubmission(doc_source, submission, dict(sorted(cells.items()))) if submission else None
        results.append(ReadResult(doc_source, sha256, sourced, found))
    if several and problems:
        results.append(ReadResult(source, sha256, None, tuple(problems)))
    return results


def read_tidy_sheets(loaded: LoadedWorkbook) -> list[ReadResult]:
    """The tidy tables of an already opened workbook (see ``read_tidy_workbook``)."""
    problems = list(loaded.problems)
    if problems:
        return [ReadResult(loaded.source, loaded.sha256, None, tuple(problems))]
    grids: dict[str, Grid] = {}
    problems += loaded.hidden
    for sheet in loaded.sheets:
        name = unicodedata.normalize("NFKC", sheet.name).strip()
        cap = row_cap_problem(loaded.source, sheet)
        if cap is not None:
            problems.append(cap)
        if name == INSTRUCTIONS_SHEET or not sheet.cells:
            continue
        if name not in _BY_NAME:
            problems.append(
                _problem(
                    loaded.source,
                    sheet.ref(0, 0),
                    f"未知的工作表“{sheet.name}”（应为 {'、'.join(TABLE_NAMES)}）/ unknown sheet {sheet.name!r}",
                )
            )
            continue
        # Only rows that hold a cell, each as wide as its last cell: one far cell (BL100000) must
        # not build a dense 100,000 x 64 grid. The header is the first row that holds anything.
        grids[name] = [
            [(sheet.own(r, c), sheet.fmt(r, c), sheet.ref(r, c)) for c in range(sheet.row(r)[-1] + 1)]
            for r in sheet.rows()
        ]
    return _assemble(grids, loaded.source, loaded.sha256, problems)


def read_tidy_workbook(path: Path) -> list[ReadResult]:
    """Read a filled-in tidy template workbook: one ReadResult per row of 基本信息.

    Sources are the path, or ``"<path>#<文书编号>"`` when the workbook holds several submissions.
    """
    return read_tidy_sheets(load_sheets(path))


def read_csv_bundle(folder: Path) -> list[ReadResult]:
    """Read a folder of 基本信息.csv, 项目.csv, 预算执行.csv, 绩效指标.csv, 资金.csv, 支出.csv.

    Each file may be UTF-8 (with or without BOM) or GBK/GB18030; only 基本信息.csv is required.
    """
    source = str(folder)
    problems: list[Problem] = []
    grids: dict[str, Grid] = {}
    digest = hashlib.sha256()
    if not folder.is_dir():
        return [ReadResult(source, "", None, (_problem(source, None, "不是文件夹 / not a folder of CSV files"),))]
    for table in TABLES:
        path = folder / f"{table.name}.csv"
        if not path.is_file():
            continue
        try:
            if path.stat().st_size > MAX_CSV_BYTES:
                problems.append(
                    _problem(source, path.name, f"文件过大 / {path.name} is larger than {MAX_CSV_BYTES} bytes")
                )
                continue
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(_problem(source, path.name, f"无法读取文件 / cannot read {path.name}: {exc.strerror}"))
            continue
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(raw).digest())
        try:
            text = decode_text(raw)
        except UnicodeDecodeError:
            problems.append(
                _problem(
                    source,
                    path.name,
                    "无法识别的文本编码（应为 UTF-8 或 GBK）/ unknown text encoding (expected UTF-8 or GBK)",
                )
            )
            continue
        try:
            lines = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            problems.append(_problem(source, path.name, f"CSV 格式错误 / malformed CSV: {exc}"))
            continue
        grids[table.name] = [
            [(value, "General", f"{path.name}:{r}:{c}") for c, value in enumerate(line, start=1)]
            for r, line in enumerate(lines, start=1)
        ]
    known = {f"{t.name}.csv" for t in TABLES}
    for extra in sorted(p.name for p in folder.glob("*.csv") if p.name not in known):
        problems.append(
            _problem(
                source, extra, f"未知的 CSV 文件“{extra}”（应为 {'、'.join(TABLE_NAMES)}）/ unknown CSV file {extra!r}"
            )
        )
    return _assemble(grids, source, "sha256:" + digest.hexdigest(), problems)


def write_template(path: Path) -> None:
    """Write the blank tidy template: one sheet per table with Chinese headers, plus 填写说明."""
    try:
        from openpyxl import Workbook  # type: ignore[import-untyped]
    except ImportError as exc:
        raise MissingDependency.for_core("openpyxl", "生成模板", "writing the template") from exc
    from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    choices = {
        "document_kind": "项目支出绩效自评表,部门整体支出绩效自评表,自评报告,项目支出绩效目标申报表",
        "unit": "元,万元",
        "kind": "定量,定性",
        "comparator": "≥,>,=,≤,<",
    }
    book = Workbook()
    book.remove(book.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for table in TABLES:
        ws = book.create_sheet(table.name)
        for index, col in enumerate(table.columns, start=1):
            cell = ws.cell(row=1, column=index, value=col.header)
            cell.font, cell.fill = bold, fill
            letter = column_letter(index - 1)
            ws.column_dimensions[letter].width = max(10, 2 * len(col.header) + 4)
            if col.field in choices and not (table.name == "绩效指标" and col.field == "unit"):
                check = DataValidation(type="list", formula1=f'"{choices[col.field]}"', allow_blank=True)
                check.add(f"{letter}2:{letter}1000")
                ws.add_data_validation(check)
        ws.freeze_panes = "A2"
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    for index, header in enumerate(("表", "列", "必填", "说明", "示例"), start=1):
        notes.cell(row=1, column=index, value=header).font = bold
    row = 2
    for table in TABLES:
        for col in table.columns:
            required = "是" if col.field in table.required else ""
            for index, value in enumerate((table.name, col.header, required, col.note, col.example), start=1):
                notes.cell(row=row, column=index, value=value)
            row += 1
    for letter, width in zip("ABCDE", (10, 24, 6, 60, 28), strict=True):
        notes.column_dimensions[letter].width = width
    book.save(path)
