"""The tidy template's tables: each sheet (or CSV file) with its Chinese column headers.

Tables: 基本信息 (one row per submission) / 项目 / 预算执行 / 绩效指标 / 申报信息 / 资金 / 支出 /
部门整体预算. Each column names the model field it fills; the readers map headers to fields
with these, and the template writer writes them with their notes and examples.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfrules.read.cells import label_key

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
