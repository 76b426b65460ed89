"""A performance self-evaluation as submitted: header, projects, indicators, funds.

Field names are English; each field's description gives the form's Chinese label, so the
generated JSON Schema doubles as the data dictionary.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema, model_validator

from perfrules.model.values import MoneyUnit, NumField, missing, normalize_text


class DocumentKind(StrEnum):
    PROJECT_TABLE = "project_table"
    DEPARTMENT_TABLE = "department_table"
    DEPARTMENT_SCORECARD = "department_scorecard"
    """部门整体支出绩效评分表: 决策/过程/产出/效益 lines with 分值 and 得分, and no targets or actuals."""
    NARRATIVE_REPORT = "narrative_report"
    TARGET_DECLARATION = "target_declaration"


DOCUMENT_KIND_LABELS = {
    DocumentKind.PROJECT_TABLE: "项目支出绩效自评表",
    DocumentKind.DEPARTMENT_TABLE: "部门整体支出绩效自评表",
    DocumentKind.DEPARTMENT_SCORECARD: "部门整体支出绩效评分表",
    DocumentKind.NARRATIVE_REPORT: "自评报告",
    DocumentKind.TARGET_DECLARATION: "项目支出绩效目标申报表",
}
_KIND_ALIASES = {
    "项目支出绩效自评表": "project_table",
    "部门整体支出绩效自评表": "department_table",
    "部门整体支出绩效评分表": "department_scorecard",
    "自评报告": "narrative_report",
    "部门整体支出绩效自评报告": "narrative_report",
    "项目支出绩效目标申报表": "target_declaration",
    "绩效目标申报表": "target_declaration",
}


def _document_kind(raw: Any) -> Any:
    if isinstance(raw, str):
        return _KIND_ALIASES.get(normalize_text(raw), raw)
    return raw


COMPARATOR_SYMBOLS = {"gte": "≥", "gt": ">", "eq": "=", "lte": "≤", "lt": "<"}
_COMPARATOR_ALIASES = {
    ">=": "gte", "≥": "gte", "⩾": "gte", "gte": "gte",
    ">": "gt", "gt": "gt",
    "=": "eq", "==": "eq", "eq": "eq",
    "<=": "lte", "≤": "lte", "⩽": "lte", "lte": "lte",
    "<": "lt", "lt": "lt",
}  # fmt: skip


def _comparator(raw: Any) -> Any:
    if isinstance(raw, str):
        text = normalize_text(raw)
        return _COMPARATOR_ALIASES.get(text.lower(), text) if text else None
    return raw


Comparator = Annotated[
    Literal["gte", "gt", "eq", "lte", "lt"] | None,
    BeforeValidator(_comparator),
    WithJsonSchema({"anyOf": [{"enum": sorted(_COMPARATOR_ALIASES)}, {"type": "null"}]}),
]


class PartialDate(BaseModel):
    """A date as precise as the form states it: "2021", "2021-06" or "2021-06-30"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    earliest: date
    precision: Literal["year", "month", "day"]


_DATE = re.compile(r"^(\d{4})(?:[-./年](\d{1,2})(?:[-./月](\d{1,2})日?)?月?)?年?$")


def _partial_date(raw: Any) -> Any:
    if raw is None or isinstance(raw, PartialDate | dict):
        return raw
    if isinstance(raw, date):
        return PartialDate(text=raw.isoformat(), earliest=raw, precision="day")
    text = normalize_text(str(raw))
    if not text:
        return None
    match = _DATE.match(text)
    if not match:
        raise ValueError(f"无法识别的日期 / unrecognised date: {text!r} (use 2021, 2021-06 or 2021-06-30)")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    precision: Literal["year", "month", "day"] = "day" if day else "month" if month else "year"
    try:
        earliest = date(year, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError(f"不存在的日期 / no such date: {text!r}") from exc
    return PartialDate(text=text, earliest=earliest, precision=precision)


DateField = Annotated[
    PartialDate | None,
    BeforeValidator(_partial_date),
    PlainSerializer(lambda d: d.text if d else None, return_type=str | None),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "description": "2021, 2021-06, 2021-06-30 or 2021年6月"}, {"type": "null"}]}
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=True)


class WithheldPassage(_Strict):
    section: str | None = Field(None, description="章节 (where the passage was withheld)")
    marker: str = Field(description='原文标注, e.g. "（详细信息涉密，略）"')


class DepartmentFinance(_Strict):
    """部门整体支出: the common budget indicators a department-wide evaluation reports."""

    unit: MoneyUnit = Field("元", description="金额单位")
    initial_budget: NumField = Field(default_factory=missing, description="年初预算数")
    adjusted_budget: NumField = Field(default_factory=missing, description="调整后预算数（全年预算数）")
    executed: NumField = Field(default_factory=missing, description="全年执行数（支出决算数）")
    carryover: NumField = Field(default_factory=missing, description="结转结余资金")
    three_public_budget: NumField = Field(default_factory=missing, description="“三公经费”预算数")
    three_public_actual: NumField = Field(default_factory=missing, description="“三公经费”实际支出数")
    execution_rate: NumField = Field(default_factory=missing, description="预算执行率 as stated (fraction)")
    adjustment_rate: NumField = Field(default_factory=missing, description="预算调整率 as stated (fraction)")
    carryover_rate: NumField = Field(default_factory=missing, description="结转结余率 as stated (fraction)")
    three_public_control_rate: NumField = Field(
        default_factory=missing, description="“三公经费”控制率 as stated (fraction)"
    )
    explanation: str | None = Field(None, description="预算执行偏差原因分析及改进措施（执行率偏低、预算调整的说明）")


class Header(_Strict):
    region_code: str | None = Field(None, description="行政区划代码")
    region_name: str | None = Field(None, description="地区")
    department: str = Field(description="部门（单位）名称")
    fiscal_year: int | None = Field(
        None, ge=1990, le=2100, description="年度；未填写或涂去时为 null（DATA-YEAR-MISSING）"
    )
    report_date: DateField = Field(None, description="报告日期")
    self_score: NumField = Field(default_factory=missing, description="自评总分")
    self_grade: str | None = Field(None, description="自评等级 (优/良/中/差)")
    overall_goals: str | None = Field(None, description="总体绩效目标")
    narrative: str | None = Field(None, description="自评报告正文")
    problems: str | None = Field(
        None,
        description="存在问题 as stated: a form's 存在问题 cell, or the section of a report under its 存在的问题 heading",
    )
    withheld: list[WithheldPassage] = Field(default_factory=list, description="涉密略去的段落")
    finance: DepartmentFinance | None = Field(None, description="部门整体预算执行情况")
    attached_tables: list[str] = Field(
        default_factory=list,
        description="随报告附、作为一份单独检查的表（部门整体评分表）: their sources, as file.docx#表1",
    )


TOTAL_LINE_ITEMS = ("年度资金总额", "年度财政资金总额", "资金总额", "总额", "合计")
"""The budget line that is the total of the others, by its labels on published forms."""


class BudgetLine(_Strict):
    item: str = Field(description="资金项目: 年度资金总额 / 当年财政拨款 / 上年结转 / 其他资金")
    unit: MoneyUnit = Field("元", description="金额单位")
    initial_budget: NumField = Field(default_factory=missing, description="年初预算数")
    annual_budget: NumField = Field(default_factory=missing, description="全年预算数（A）")
    executed: NumField = Field(default_factory=missing, description="全年执行数（B）")
    weight: NumField = Field(default_factory=missing, description="分值")
    rate: NumField = Field(
        default_factory=missing, description="执行率（B/A）, a fraction (0.95) as stated on the form"
    )
    score: NumField = Field(default_factory=missing, description="得分")
    explanation: str | None = Field(None, description="偏差原因分析及改进措施")


class Indicator(_Strict):
    level1: str = Field(description="一级指标")
    level2: str | None = Field(None, description="二级指标")
    name: str = Field(description="三级指标")
    kind: Annotated[
        Literal["quantitative", "qualitative"],
        WithJsonSchema({"enum": ["quantitative", "qualitative", "定量", "定性"]}),
    ] = Field(description="定量 / 定性")
    comparator: Comparator = Field(None, description="计算符号: gte(≥) gt(>) eq(=) lte(≤) lt(<)")
    comparator_basis: str | None = Field(
        None,
        description='计算符号推定依据: the word or convention it was inferred from ("不少于", "比率"); null when stated',
    )
    target: NumField = Field(default_factory=missing, description="年度指标值（A）")
    unit: str | None = Field(None, description="计量单位")
    actual: NumField = Field(default_factory=missing, description="实际完成值（B）, numeric")
    actual_grade: str | None = Field(None, description="实际完成值 for a qualitative indicator, e.g. 达成年度指标")
    weight: NumField = Field(default_factory=missing, description="分值")
    score: NumField = Field(default_factory=missing, description="得分")
    score_coefficient: NumField = Field(
        default_factory=missing, description="得分系数 as stated (fraction of the 分值 scored; Chongqing's form)"
    )
    deviation_explanation: str | None = Field(None, description="偏差原因分析及改进措施")
    target_text: str | None = Field(None, description="指标值 as stated, for declarations (e.g. 达到95%以上)")
    explanation: str | None = Field(None, description="指标解释 (绩效目标申报表)")

    @model_validator(mode="before")
    @classmethod
    def _grade_text_goes_to_actual_grade(cls, data: Any) -> Any:
        # Forms put a qualitative grade ("达成年度指标") in the same 实际完成值 column as numbers.
        if isinstance(data, dict):
            kind = _KIND_WORDS.get(str(data.get("kind", "")), data.get("kind"))
            data = {**data, "kind": kind} if "kind" in data else data
            actual = data.get("actual")
            if kind == "qualitative" and isinstance(actual, str) and "actual_grade" not in data:
                data = {**data, "actual_grade": actual, "actual": None}
        return data


_KIND_WORDS = {"定量": "quantitative", "定性": "qualitative"}


class ProjectDeclaration(_Strict):
    """绩效目标申报表的项目信息: what a project declares before its budget is approved."""

    applicant_unit: str | None = Field(None, description="申请单位")
    budget_unit: str | None = Field(None, description="一级预算单位")
    unit: MoneyUnit = Field("元", description="金额单位")
    total_amount: NumField = Field(default_factory=missing, description="项目总金额")
    annual_amount: NumField = Field(default_factory=missing, description="本年金额")
    policy_basis: str | None = Field(None, description="政策依据")
    calculation_basis: str | None = Field(None, description="测算依据")
    annual_goal: str | None = Field(None, description="年度目标")


class Project(_Strict):
    id: str | None = Field(None, description="项目编号")
    name: str = Field(description="项目名称")
    project_type: str | None = Field(None, description="项目类型, e.g. 工程基建")
    start_date: DateField = Field(None, description="开始日期")
    end_date: DateField = Field(None, description="结束日期")
    delivery_date: DateField = Field(None, description="交付日期")
    completion: str | None = Field(None, description='完成情况 as stated, e.g. "全部完成"')
    self_score: NumField = Field(default_factory=missing, description="自评得分")
    report_score: NumField = Field(
        default_factory=missing,
        description="自评报告正文所述的本项目得分 (a report read with its 自评表, whose total is self_score)",
    )
    self_grade: str | None = Field(None, description="自评等级")
    budget_lines: list[BudgetLine] = Field(default_factory=list, description="预算执行情况")
    indicators: list[Indicator] = Field(default_factory=list, description="绩效指标")
    declaration: ProjectDeclaration | None = Field(None, description="绩效目标申报信息 (target_declaration only)")
    unmapped_columns: list[str] = Field(
        default_factory=list, description="未识别的列: header cells a reader could not map, as 标签（单元格）"
    )
    unread_rows: list[str] = Field(
        default_factory=list,
        description="未读取的行: rows of a form holding figures but no name to read them by, as 单元格（原因）",
    )
    budget_block_unread: bool = Field(
        False,
        description="预算执行栏未能读取: the form has its lines (年度资金总额, 其中…) but no header a reader knows;"
        " the lines are listed in unread_rows",
    )


class Expenditure(_Strict):
    id: str | None = Field(None, description="支出编号")
    amount: NumField = Field(default_factory=missing, description="金额")
    unit: MoneyUnit = Field("元", description="金额单位")
    use_text: str | None = Field(None, description="用途 as stated")
    use_category: str | None = Field(None, description="用途类别 (see rules/reference/fund_uses.csv)")
    paid_with: list[str] = Field(default_factory=list, description="与之一并支付的其他资金")


class Fund(_Strict):
    id: str | None = Field(None, description="资金编号")
    name: str = Field(description="资金名称")
    source: str | None = Field(None, description="资金来源, e.g. 中央转移支付")
    amount: NumField = Field(default_factory=missing, description="金额")
    unit: MoneyUnit = Field("元", description="金额单位")
    purpose_category: str | None = Field(None, description="指定用途类别 (earmarked purpose)")
    function_code: str | None = Field(None, description="支出功能分类科目编码")
    project_id: str | None = Field(None, description="所属项目编号")
    expenditures: list[Expenditure] = Field(default_factory=list, description="支出")


class Claim(_Strict):
    """One statement a narrative report makes, as quoted: an amount, rate, count or staff figure, or a phrase."""

    kind: Literal["amount", "rate", "count", "staff", "statement"] = Field(description="类别")
    role: str = Field(description="角色, e.g. 收入, 支出, 结转, 到位率, 编制数, 暂无问题")
    quote: str = Field(description="原文片段 (the quoted span)")
    value: NumField = Field(default_factory=missing, description="数值 (rates as fractions)")
    unit: str | None = Field(None, description="单位, e.g. 万元, 人, 个")
    section: str | None = Field(None, description="所在章节或项目")
    paragraph: int = Field(ge=1, description="段落序号 (1-based, in the joined paragraphs)")
    start: int = Field(ge=0, description="片段在段落中的起始字符位置")
    end: int = Field(ge=0, description="片段在段落中的结束字符位置 (exclusive)")
    location: str | None = Field(None, description="原文位置, e.g. 段落 12, 第 2 页第 3 行, /html/body/p[4]")
    context: str | None = Field(None, description="所在段落全文")
    parts_sum: NumField = Field(
        default_factory=missing, description="“其中”各分项之和 (staff totals); 所列项数 (a count a list follows)"
    )
    parts_count: int = Field(0, ge=0, description="“其中”分项个数")
    table_value: NumField = Field(
        default_factory=missing,
        description="所附自评表年度资金总额行的对应数 (a report read with its own 自评表; in this claim's unit)",
    )


class Justification(_Strict):
    fingerprint: str = Field(description="the finding's fingerprint from the report")
    text: str = Field(min_length=1, description="说明")


class Submission(_Strict):
    """One self-evaluation document as a department files it."""

    document_kind: Annotated[
        DocumentKind,
        BeforeValidator(_document_kind),
        WithJsonSchema({"enum": [k.value for k in DocumentKind] + sorted(_KIND_ALIASES)}),
    ] = Field(description="文书类型")
    header: Header
    projects: list[Project] = Field(default_factory=list)
    funds: list[Fund] = Field(default_factory=list)
    claims: list[Claim] = Field(
        default_factory=list, description="自评报告原文中的陈述 / what a narrative report states"
    )
    justifications: list[Justification] = Field(
        default_factory=list, description="填报单位对警告的说明，按指纹对应 / answers to warnings, by fingerprint"
    )
