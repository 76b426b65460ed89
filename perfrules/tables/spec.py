"""The relational shape of a batch of submissions: one spec, two renderings.

Every table is declared once here. The DuckDB DDL and the pandera contracts are both
generated from it, so the engine's types and the tested contract cannot drift apart.
Every row carries ``sub`` (its submission) and ``rid`` (its own key, unique in the batch),
because project ids repeat across submissions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The primitives, re-exported: every table module imports them from here.
from perfrules.tables.columns import DECIMAL as DECIMAL
from perfrules.tables.columns import STATES as STATES
from perfrules.tables.columns import Column as Column
from perfrules.tables.columns import SqlType as SqlType
from perfrules.tables.columns import TableSpec as TableSpec


def _keys(
    parent: str | None = None, year_field: str | None = None, department_field: str | None = None
) -> tuple[Column, ...]:
    cols = [
        Column("sub", "INTEGER", "submission key within the batch", nullable=False),
        Column("rid", "BIGINT", "row key, unique in the batch", nullable=False),
    ]
    if parent:
        cols.append(Column(f"{parent}_rid", "BIGINT", f"rid of the parent {parent} row", nullable=False))
    cols += [
        Column("path", "VARCHAR", "JSON pointer of this row in its source", nullable=False),
        Column("fiscal_year", "INTEGER", "年度 of the submission; null when the document states none", year_field),
        Column("doc_kind", "VARCHAR", "document kind of the submission", nullable=False, enumerated=True),
        Column(
            "department",
            "VARCHAR",
            "部门 of the submission; empty when the form leaves it blank",
            department_field,
            nullable=False,
        ),
    ]
    return tuple(cols)


def _num(name: str, description: str, field: str | None = None) -> Column:
    return Column(name, DECIMAL, description, field=field or name, numeric_state=True)


SUBMISSIONS = TableSpec(
    "submissions",
    "one row per submitted document",
    (
        *_keys(year_field="header/fiscal_year", department_field="header/department"),
        Column("source", "VARCHAR", "file or name the submission came from", nullable=False),
        Column("region_code", "VARCHAR", "行政区划代码", "header/region_code"),
        Column("region_name", "VARCHAR", "地区", "header/region_name"),
        Column("report_date", "DATE", "报告日期", "header/report_date"),
        _num("self_score", "自评总分", "header/self_score"),
        Column("self_grade", "VARCHAR", "自评等级", "header/self_grade"),
        Column("overall_goals", "VARCHAR", "总体绩效目标", "header/overall_goals"),
        Column(
            "goal_field",
            "BOOLEAN",
            "自评表中有“年度总体目标/预期目标”栏（读取器找到了它，或 JSON/YAML 写了这个键）",
            "header/overall_goals",
            nullable=False,
        ),
        Column("narrative", "VARCHAR", "自评报告正文", "header/narrative"),
        Column(
            "problems", "VARCHAR", "存在问题 as stated（表中“存在问题”栏，或报告“存在的问题”一节）", "header/problems"
        ),
        Column("withheld_count", "INTEGER", "涉密略去段落数", "header/withheld", nullable=False),
        Column("project_count", "INTEGER", "项目数", "projects", nullable=False),
        Column("indicator_count", "INTEGER", "绩效指标行数", "projects", nullable=False),
        Column("budget_line_count", "INTEGER", "预算执行行数", "projects", nullable=False),
        Column("fund_count", "INTEGER", "资金数", "funds", nullable=False),
        Column(
            "attached_table_count",
            "INTEGER",
            "随报告附、作为一份单独检查的表数（部门整体评分表）",
            "header/attached_tables",
            nullable=False,
        ),
        _num("fin_initial_budget", "部门 年初预算数 (元)", "header/finance/initial_budget"),
        _num("fin_adjusted_budget", "部门 调整后预算数 (元)", "header/finance/adjusted_budget"),
        _num("fin_executed", "部门 全年执行数 (元)", "header/finance/executed"),
        _num("fin_carryover", "部门 结转结余资金 (元)", "header/finance/carryover"),
        _num("fin_three_public_budget", "部门 “三公经费”预算数 (元)", "header/finance/three_public_budget"),
        _num("fin_three_public_actual", "部门 “三公经费”实际支出数 (元)", "header/finance/three_public_actual"),
        _num("fin_execution_rate", "部门 预算执行率 as stated", "header/finance/execution_rate"),
        _num("fin_adjustment_rate", "部门 预算调整率 as stated", "header/finance/adjustment_rate"),
        _num("fin_carryover_rate", "部门 结转结余率 as stated", "header/finance/carryover_rate"),
        _num(
            "fin_three_public_control_rate",
            "部门 “三公经费”控制率 as stated",
            "header/finance/three_public_control_rate",
        ),
        Column("fin_explanation", "VARCHAR", "部门 预算执行偏差原因说明", "header/finance/explanation"),
        Column(
            "fin_money_unit",
            "VARCHAR",
            "部门 金额单位 as stated (元 or 万元); amounts are held in 元",
            "header/finance/unit",
        ),
    ),
)

PROJECTS = TableSpec(
    "projects",
    "one row per project",
    (
        *_keys(),
        Column("project_id", "VARCHAR", "项目编号", "id"),
        Column("project_name", "VARCHAR", "项目名称", "name", nullable=False),
        Column("project_type", "VARCHAR", "项目类型", "project_type"),
        Column("start_date", "DATE", "开始日期 (earliest day it can mean)", "start_date"),
        Column("end_date", "DATE", "结束日期 (earliest day it can mean)", "end_date"),
        Column("delivery_date", "DATE", "交付日期 (earliest day it can mean)", "delivery_date"),
        Column("end_date_text", "VARCHAR", "结束日期 as stated (2021, 2021-06 …)", "end_date"),
        Column("delivery_date_text", "VARCHAR", "交付日期 as stated (2021, 2021-06 …)", "delivery_date"),
        Column("completion", "VARCHAR", "完成情况", "completion"),
        Column(
            "completion_field",
            "BOOLEAN",
            "表中有“实际完成情况”栏（读取器找到了它，或 JSON/YAML 写了这个键）",
            "completion",
            nullable=False,
        ),
        _num("self_score", "自评得分"),
        _num("report_score", "自评报告正文所述的本项目得分（报告与其自评表一并读取时；自评表的总分为 self_score）"),
        Column("self_grade", "VARCHAR", "自评等级", "self_grade"),
        Column("indicator_count", "INTEGER", "指标数", "indicators", nullable=False),
        Column("budget_line_count", "INTEGER", "预算执行行数", "budget_lines", nullable=False),
        Column(
            "filled_indicator_count",
            "INTEGER",
            "填写了的指标行数（三级指标或指标值非空）",
            "indicators",
            nullable=False,
        ),
        Column(
            "live_indicator_count", "INTEGER", "实际设置的指标数（不含空行和“不适用”行）", "indicators", nullable=False
        ),
        Column("indicator_names", "VARCHAR", "实际设置的指标（二级指标：三级指标）, joined by ；", "indicators"),
        Column("applicant_unit", "VARCHAR", "申请单位 (申报表)", "declaration/applicant_unit"),
        _num("total_amount", "项目总金额 (元, 申报表)", "declaration/total_amount"),
        _num("annual_amount", "本年金额 (元, 申报表)", "declaration/annual_amount"),
        Column("policy_basis", "VARCHAR", "政策依据 (申报表)", "declaration/policy_basis"),
        Column("calculation_basis", "VARCHAR", "测算依据 (申报表)", "declaration/calculation_basis"),
        Column("annual_goal", "VARCHAR", "年度目标 (申报表)", "declaration/annual_goal"),
        Column("unmapped_columns", "VARCHAR", "未识别的列, joined by 、", "unmapped_columns"),
        Column("unread_rows", "VARCHAR", "未能读取或未能完整读取的行（单元格与原因）, joined by 、", "unread_rows"),
        Column(
            "budget_block_unread",
            "BOOLEAN",
            "表上有预算执行栏（年度资金总额等行）但表头未识别、未读取",
            "unread_rows",
            nullable=False,
        ),
        Column("template_rows", "VARCHAR", "未使用的模板行 (cell and name), joined by 、", "template_rows"),
        Column("template_row_count", "INTEGER", "未使用的模板行数", "indicators", nullable=False),
        Column(
            "scoring_scheme", "VARCHAR", "本项目表式的计分方案：mof10 / hubei / scorecard（null：无法判断）", "weight"
        ),
        Column("blank_indicator_count", "INTEGER", "绩效指标表整块未填写时的指标行数", "indicators", nullable=False),
        Column("uncompared_indicators", "VARCHAR", "无计算符号且无法推定的定量指标, joined by 、", "indicators"),
        Column("uncompared_count", "INTEGER", "无计算符号且无法推定的定量指标数", "indicators", nullable=False),
        Column(
            "missed_targets",
            "VARCHAR",
            "实际完成值未达到指标值的定量指标（含指标值与实际值）, joined by ；",
            "indicators",
        ),
        Column("missed_target_count", "INTEGER", "实际完成值未达到指标值的定量指标数", "indicators", nullable=False),
        Column(
            "self_score_unit", DECIMAL, "自评得分（总分）的末位单位 as stated (0.1 for 90.5; at most 1)", "self_score"
        ),
        Column("report_score_unit", DECIMAL, "报告正文所述得分的末位单位 as stated (at most 1)", "report_score"),
        Column(
            "exec_score",
            DECIMAL,
            "年度资金总额行的预算执行得分, when every part of the total is a stated number (else null)",
            "budget_lines",
        ),
        Column(
            "indicator_score_sum",
            DECIMAL,
            "各指标得分之和（不含模板行，不适用且未评分的行计 0）, when every part of the total is a stated number (else null)",
            "indicators",
        ),
        Column(
            "score_parts_slack",
            DECIMAL,
            "带小数的各组成部分末位单位之和的一半 (display rounding of the parts), null with the sum",
            "indicators",
        ),
    ),
    identity=("project_name",),
)

BUDGET_LINES = TableSpec(
    "budget_lines",
    "one row per 预算执行情况 line of a project (amounts in 元)",
    (
        *_keys("project"),
        Column("project_name", "VARCHAR", "项目名称", nullable=False),
        Column("item", "VARCHAR", "资金项目", "item", nullable=False),
        Column("is_total", "BOOLEAN", "the 年度资金总额 line", "item", nullable=False),
        _num("initial_budget", "年初预算数 (元)"),
        _num("annual_budget", "全年预算数 (元)"),
        _num("executed", "全年执行数 (元)"),
        _num("weight", "分值"),
        _num("rate", "执行率 as stated (fraction)"),
        _num("score", "得分"),
        Column("explanation", "VARCHAR", "偏差原因分析及改进措施", "explanation"),
        Column(
            "explanation_field",
            "BOOLEAN",
            "表式有本行的说明栏（读到说明列，或提交材料写了 explanation 键，哪怕为空）",
            "explanation",
            nullable=False,
        ),
        Column("money_unit", "VARCHAR", "金额单位 as stated (元 or 万元); amounts are held in 元", "unit"),
        Column(
            "scoring_scheme", "VARCHAR", "本项目表式的计分方案：mof10 / hubei / scorecard（null：无法判断）", "weight"
        ),
        Column("rate_unit", DECIMAL, "执行率的末位单位 as stated (0.001 for 96.7%; at most 0.01)", "rate"),
        Column("score_unit", DECIMAL, "得分的末位单位 as stated (0.1 for 9.7; at most 1)", "score"),
    ),
    identity=("project_name", "item"),
    parent="projects",
)

INDICATORS = TableSpec(
    "indicators",
    "one row per 三级指标",
    (
        *_keys("project"),
        Column("project_name", "VARCHAR", "项目名称", nullable=False),
        Column("level1", "VARCHAR", "一级指标", "level1", nullable=False),
        Column("level2", "VARCHAR", "二级指标", "level2"),
        Column("name", "VARCHAR", "三级指标", "name", nullable=False),
        Column("kind", "VARCHAR", "quantitative / qualitative", "kind", nullable=False),
        Column("comparator", "VARCHAR", "gte gt eq lte lt", "comparator"),
        Column("comparator_basis", "VARCHAR", "计算符号推定依据 (null when stated)", "comparator_basis"),
        Column(
            "not_applicable",
            "BOOLEAN",
            "不适用：自评表中指标值和实际完成值均为不适用/不涉及（或无且无分值）；申报表中三级指标或指标值写明“不适用”",
            "target",
            nullable=False,
        ),
        _num("target", "年度指标值"),
        Column("unit", "VARCHAR", "计量单位", "unit"),
        _num("actual", "实际完成值"),
        Column("actual_text", "VARCHAR", "实际完成值原文，仅当它不是数字时 (“已完成”)", "actual"),
        Column("actual_grade", "VARCHAR", "定性实际完成值", "actual_grade"),
        _num("weight", "分值"),
        _num("score", "得分"),
        _num("score_coefficient", "得分系数（得分占分值的比例，小数；重庆表式）"),
        Column("deviation_explanation", "VARCHAR", "偏差原因分析及改进措施", "deviation_explanation"),
        Column("target_text", "VARCHAR", "指标值 as stated (申报表)", "target_text"),
        Column("explanation", "VARCHAR", "指标解释 (申报表)", "explanation"),
        Column(
            "blank",
            "BOOLEAN",
            "三级指标和指标值都未填写 (declarations; false for self-evaluations)",
            "name",
            nullable=False,
        ),
        Column("project_filled_count", "INTEGER", "本项目填写了的指标行数", nullable=False),
        Column("level2_filled_count", "INTEGER", "本项目同一二级指标下填写了的行数", nullable=False),
        Column("near_duplicate_of", "VARCHAR", "本项目中与之相同或几乎相同的前一个三级指标 (申报表)", "name"),
        Column("score_unit", DECIMAL, "得分的末位单位 as stated (0.1 for 9.7; at most 1)", "score"),
        Column(
            "score_coefficient_unit",
            DECIMAL,
            "得分系数的末位单位 as stated (0.001 for 96.7%; at most 0.01)",
            "score_coefficient",
        ),
        Column("project_budget", DECIMAL, "本项目全年预算数（元；年度资金总额行，申报表为年度资金）", "target"),
        Column(
            "scoring_scheme", "VARCHAR", "本项目表式的计分方案：mof10 / hubei / scorecard（null：无法判断）", "weight"
        ),
    ),
    identity=("project_name", "level1", "name"),
    parent="projects",
)

FUNDS = TableSpec(
    "funds",
    "one row per fund (amounts in 元)",
    (
        *_keys(),
        Column("fund_id", "VARCHAR", "资金编号", "id"),
        Column("fund_name", "VARCHAR", "资金名称", "name", nullable=False),
        Column("source", "VARCHAR", "资金来源", "source"),
        _num("amount", "金额 (元)"),
        Column("purpose_category", "VARCHAR", "指定用途类别", "purpose_category"),
        Column("function_code", "VARCHAR", "支出功能分类科目编码", "function_code"),
        Column("project_id", "VARCHAR", "所属项目编号", "project_id"),
        Column("expenditure_count", "INTEGER", "支出笔数", "expenditures", nullable=False),
    ),
    identity=("fund_name",),
)

EXPENDITURES = TableSpec(
    "expenditures",
    "one row per expenditure of a fund (amounts in 元)",
    (
        *_keys("fund"),
        Column("fund_name", "VARCHAR", "资金名称", nullable=False),
        Column("fund_source", "VARCHAR", "资金来源"),
        Column("fund_purpose_category", "VARCHAR", "资金指定用途类别"),
        Column("expenditure_id", "VARCHAR", "支出编号", "id"),
        _num("amount", "金额 (元)"),
        Column("use_text", "VARCHAR", "用途", "use_text"),
        Column("use_category", "VARCHAR", "用途类别", "use_category"),
        Column("paid_with", "VARCHAR", "一并支付的其他资金, joined by 、", "paid_with"),
        Column("paid_with_count", "INTEGER", "一并支付的其他资金个数", "paid_with", nullable=False),
    ),
    identity=("fund_name", "use_text"),
    parent="funds",
)

CLAIMS = TableSpec(
    "claims",
    "one row per statement extracted from a narrative report (amounts in 元, rates as fractions)",
    (
        *_keys(),
        Column(
            "kind", "VARCHAR", "类别: amount, rate, count, staff, statement", "kind", nullable=False, enumerated=True
        ),
        Column("role", "VARCHAR", "角色, e.g. 收入, 支出, 结转, 到位率, 编制数, 暂无问题", "role", nullable=False),
        Column("quote", "VARCHAR", "原文片段", "quote", nullable=False),
        _num("value", "数值 (money in 元, rates as fractions)"),
        Column("unit", "VARCHAR", "原文单位", "unit"),
        Column("section", "VARCHAR", "所在章节或项目", "section"),
        Column("paragraph", "INTEGER", "段落序号", "paragraph", nullable=False),
        Column("start_offset", "INTEGER", "片段在段落中的起始字符位置", "start", nullable=False),
        Column("end_offset", "INTEGER", "片段在段落中的结束字符位置", "end", nullable=False),
        Column("location", "VARCHAR", "原文位置", "location"),
        Column("context", "VARCHAR", "所在段落全文", "context"),
        _num("parts_sum", "“其中”各分项之和；列举数量为所列项数"),
        Column("parts_count", "INTEGER", "“其中”分项个数；列举数量为所列项数", "parts_count", nullable=False),
        _num("table_value", "所附自评表年度资金总额行的对应数（元；报告与其自评表一并读取时）"),
        Column("value_unit", DECIMAL, "金额原文末位的单位（元）：“114.5 万元”为 1000", "quote"),
    ),
    identity=("role", "quote"),
)

LOCATIONS = TableSpec(
    "locations",
    "explicit cell locations (sheet!cell) for rows read from workbooks; JSON rows use path + field",
    (
        Column("tbl", "VARCHAR", "table name", nullable=False),
        Column("rid", "BIGINT", "row key", nullable=False),
        Column("col", "VARCHAR", "column name", nullable=False),
        Column("location", "VARCHAR", "sheet!cell or JSON pointer", nullable=False),
    ),
)

DATA_TABLES: tuple[TableSpec, ...] = (SUBMISSIONS, PROJECTS, BUDGET_LINES, INDICATORS, FUNDS, EXPENDITURES, CLAIMS)
TABLES: dict[str, TableSpec] = {t.name: t for t in (*DATA_TABLES, LOCATIONS)}


@dataclass(frozen=True)
class ReferenceTable:
    """A lookup table shipped as CSV with a rule pack; loaded as ``ref_<name>``.

    Optional ``valid_from`` / ``valid_to`` columns bound the fiscal years a row holds for,
    since the classification of government expenditure changes every year.
    """

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]


CHUNK_ROWS = 65_536
"""Rows of a table kept as Python lists before they are sealed into an Arrow chunk: big
batches then hold compact Arrow columns instead of millions of Python objects."""


@dataclass
class TableData:
    """The rows of one table: sealed Arrow chunks, then column lists still being filled.

    A single submission never leaves lists (its tables are a few rows and need no pyarrow);
    ``normalize`` seals a table into an Arrow chunk every ``CHUNK_ROWS`` rows.
    """

    spec: TableSpec
    columns: dict[str, list[object]] = field(default_factory=dict)
    chunks: list[Any] = field(default_factory=list)
    """``pyarrow.Table`` chunks of the spec's schema (``perfrules.tables.columnar``)."""

    def __post_init__(self) -> None:
        if not self.columns:
            self.columns = {name: [] for name in self.spec.column_names}

    @classmethod
    def from_arrow(cls, spec: TableSpec, table: Any) -> TableData:
        """A table built elsewhere as Arrow (checked and cast to the spec's exact types)."""
        from perfrules.tables.columnar import conform

        return cls(spec, chunks=[conform(spec, table)])

    def _listed(self) -> int:
        return len(self.columns["rid"]) if "rid" in self.columns else len(next(iter(self.columns.values())))

    def __len__(self) -> int:
        return sum(int(chunk.num_rows) for chunk in self.chunks) + self._listed()

    def seal(self) -> None:
        """Move the listed rows into a new Arrow chunk."""
        if self._listed():
            from perfrules.tables.columnar import encode

            self.chunks.append(encode(self.spec, self.columns))
            self.columns = {name: [] for name in self.spec.column_names}

    def seal_if_full(self) -> bool:
        """Seal once ``CHUNK_ROWS`` rows are listed; whether it did."""
        if self._listed() >= CHUNK_ROWS:
            self.seal()
            return True
        return False

    def arrow(self) -> Any:
        """Every row as one ``pyarrow.Table`` (chunked; the lists are encoded, not moved)."""
        import pyarrow as pa

        from perfrules.tables.columnar import empty, encode

        parts = [*self.chunks, encode(self.spec, self.columns)] if self._listed() else list(self.chunks)
        return pa.concat_tables(parts) if parts else empty(self.spec)

    def column_lists(self) -> dict[str, list[object]]:
        """Every row as Python lists (str, Decimal, date, bool, int), as ``normalize`` builds them."""
        if not self.chunks:
            return self.columns
        from perfrules.tables.columnar import to_lists

        out: dict[str, list[object]] = {name: [] for name in self.spec.column_names}
        for chunk in self.chunks:
            for name, values in to_lists(chunk).items():
                out[name] += values
        for name, values in self.columns.items():
            out[name] += values
        return out
