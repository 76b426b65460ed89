"""Workbooks for the layout families of issue 12 §1, each built to a published layout with our own values.

    python tests/data/xlsx/make_layouts.py   # rewrites fixtures/layouts/*.xlsx

- two-row-header: the 10号 附件1 form as many provinces print it, a top row "绩效指标完成情况" merged over
  年度指标值 / 实际完成值 / 分值 / 得分 / 偏差原因分析及改进措施 and 一级/二级/三级指标 merged down two rows,
  plus a 备注 column no vocabulary names (../shared/domain/03_forms.md A; 10号 附件1).
- renamed-columns: columns in another order and under other names (权重 before 目标值, 全年实际值,
  未完成原因和改进措施) and budget labels published with a trailing colon or spaces ("年度资金总额：").
- hubei: the Hubei form (预算执行情况(万元)(分) | 预算数 | 执行数 | 执行率 | 得分(分*执行率); 年度财政资金总额;
  indicators 年初目标值 | 实际完成值 | 得分, no 分值 column), weighted 20/80.
- template-rows: the 10号 form with two unused template rows ("指标2：", "……") left in.
- chongqing-department: Chongqing's 部门整体绩效自评表, indicators by 指标名称 alone (no 一级/二级), 指标性质
  holding the kind, an 调整指标值 column.
None of them has a 计算符号 column: the comparator is in the target text, as on the central form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
LAYOUTS = ROOT / "fixtures" / "layouts"

Cell = tuple[str, Any, str | None]


def _top(project: str, department: str, year: str = "（2023年度）") -> list[Cell]:
    return [
        ("A1:J1", "项目支出绩效自评表", None),
        ("A2:J2", year, None),
        ("A3:B3", "项目名称", None),
        ("C3:J3", project, None),
        ("A4:B4", "主管部门", None),
        ("C4:F4", department, None),
        ("G4", "实施单位", None),
        ("H4:J4", "示例县公共服务中心", None),
    ]


def _budget_10hao(total: str = "年度资金总额", funds: str = "其中：当年财政拨款") -> list[Cell]:
    return [
        ("A5:A9", "项目资金（万元）", None),
        ("C5", "年初预算数", None),
        ("D5", "全年预算数", None),
        ("E5", "全年执行数", None),
        ("F5", "分值", None),
        ("G5", "执行率", None),
        ("H5", "得分", None),
        ("B6", total, None),
        ("C6", 50, None),
        ("D6", 60, None),
        ("E6", 58, None),
        ("F6", 10, None),
        ("G6", "96.7%", None),
        ("H6", 9.67, None),
        ("B7", funds, None),
        ("C7", 50, None),
        ("D7", 60, None),
        ("E7", 58, None),
        ("B8", "上年结转资金", None),
        ("B9", "其他资金", None),
        ("A10:A11", "年度总体目标", None),
        ("B10:F10", "预期目标", None),
        ("G10:J10", "实际完成情况", None),
        ("B11:F11", "为全县老年人提供居家养老上门服务不少于3000人次。", None),
        ("G11:J11", "全年提供上门服务3120人次，服务对象满意度96%。", None),
    ]


def two_row_header() -> list[Cell]:
    cells = _top("居家养老上门服务", "示例县民政局") + _budget_10hao()
    cells += [
        ("A12:A19", "绩效指标", None),
        ("B12:B13", "一级指标", None),
        ("C12:C13", "二级指标", None),
        ("D12:D13", "三级指标", None),
        ("E12:I12", "绩效指标完成情况", None),
        ("J12:J13", "备注", None),
        ("E13", "年度指标值", None),
        ("F13", "实际完成值", None),
        ("G13", "分值", None),
        ("H13", "得分", None),
        ("I13", "偏差原因分析及改进措施", None),
        ("B14:B16", "产出指标", None),
        ("C14", "数量指标", None),
        ("D14", "上门服务人次", None),
        ("E14", "≥3000人次", None),
        ("F14", "3120人次", None),
        ("G14", 25, None),
        ("H14", 25, None),
        ("C15", "时效指标", None),
        ("D15", "服务响应时间", None),
        ("E15", "≤24小时", None),
        ("F15", "20小时", None),
        ("G15", 15, None),
        ("H15", 15, None),
        ("C16", "成本指标", None),
        ("D16", "人均服务成本", None),
        ("E16", "≤200元", None),
        ("F16", "186元", None),
        ("G16", 10, None),
        ("H16", 10, None),
        ("B17:B18", "效益指标", None),
        ("C17", "社会效益指标", None),
        ("D17", "老年人生活质量", None),
        ("E17", "有效提升", None),
        ("F17", "达成年度指标", None),
        ("G17", 20, None),
        ("H17", 20, None),
        ("C18", "可持续影响指标", None),
        ("D18", "服务机制长效运行", None),
        ("E18", "长期", None),
        ("F18", "达成年度指标", None),
        ("G18", 10, None),
        ("H18", 10, None),
        ("B19", "满意度指标", None),
        ("C19", "服务对象满意度指标", None),
        ("D19", "服务对象满意度", None),
        ("E19", "≥90%", None),
        ("F19", "96%", None),
        ("G19", 10, None),
        ("H19", 10, None),
        ("J19", "抽样调查", None),
        ("A20:F20", "总分", None),
        ("G20", 100, None),
        ("H20", 99.67, None),
    ]
    return cells


def renamed_columns() -> list[Cell]:
    cells = _top("农村饮水安全维修养护", "示例县水利局")
    cells += [
        ("A5:A9", "项目资金（万元）", None),
        ("C5", "年初预算数", None),
        ("D5", "全年预算数(A)", None),
        ("E5", "全年执行数(B)", None),
        ("F5", "分值", None),
        ("G5", "执行率(B/A)", None),
        ("H5", "得分", None),
        ("B6", "年度资金总额：", None),
        ("C6", 80, None),
        ("D6", 80, None),
        ("E6", 80, None),
        ("F6", 10, None),
        ("G6", 1, "0%"),
        ("H6", 10, None),
        ("B7", "其中：当年财政拨款", None),
        ("C7", 80, None),
        ("D7", 80, None),
        ("E7", 80, None),
        ("B8", " 上年结转资金 ", None),
        ("B9", "其他资金：", None),
        ("A10:A11", "年度总体目标", None),
        ("B10:F10", "预期目标", None),
        ("G10:J10", "实际完成情况", None),
        ("B11:F11", "完成农村集中供水工程维修养护40处。", None),
        ("G11:J11", "完成维修养护42处，水质达标率98%。", None),
        ("A12:A16", "绩效指标", None),
        ("B12", "一级指标", None),
        ("C12", "二级指标", None),
        ("D12", "三级指标", None),
        ("E12", "权重", None),
        ("F12", "目标值", None),
        ("G12", "全年实际值", None),
        ("H12", "得分", None),
        ("I12:J12", "未完成原因和改进措施", None),
        ("B13:B14", "产出指标", None),
        ("C13", "数量指标", None),
        ("D13", "维修养护工程数", None),
        ("E13", 30, None),
        ("F13", "≥40处", None),
        ("G13", "42处", None),
        ("H13", 30, None),
        ("C14", "质量指标", None),
        ("D14", "水质达标率", None),
        ("E14", 20, None),
        ("F14", "≥95%", None),
        ("G14", "98%", None),
        ("H14", 20, None),
        ("B15", "效益指标", None),
        ("C15", "社会效益指标", None),
        ("D15", "农村供水保障", None),
        ("E15", 30, None),
        ("F15", "得到保障", None),
        ("G15", "达成年度指标", None),
        ("H15", 30, None),
        ("B16", "满意度指标", None),
        ("C16", "服务对象满意度指标", None),
        ("D16", "受益群众满意度", None),
        ("E16", 10, None),
        ("F16", "≥90%", None),
        ("G16", "95%", None),
        ("H16", 10, None),
        ("A17:D17", "总分", None),
        ("E17", 100, None),
        ("H17", 100, None),
    ]
    return cells


def hubei() -> list[Cell]:
    return [
        ("A1:H1", "2023年度项目支出绩效目标自评表", None),
        ("A2:B2", "项目名称", None),
        ("C2:H2", "困难群众临时救助", None),
        ("A3:B3", "主管部门", None),
        ("C3:E3", "示例市民政局", None),
        ("F3", "项目实施单位", None),
        ("G3:H3", "示例市社会救助服务中心", None),
        ("A4:A5", "预算执行情况(万元)(20分)", None),
        ("C4", "预算数", None),
        ("D4", "执行数", None),
        ("E4", "执行率", None),
        ("F4", "得分(分*执行率)", None),
        ("B5", "年度财政资金总额", None),
        ("C5", 200, None),
        ("D5", 190, None),
        ("E5", "95%", None),
        ("F5", 19, None),
        ("A6:A7", "年度总体目标", None),
        ("B6:D6", "预期目标", None),
        ("E6:H6", "实际完成情况", None),
        ("B7:D7", "及时救助困难群众不少于800人次。", None),
        ("E7:H7", "全年救助860人次，均在3个工作日内完成审批。", None),
        ("A8:A13", "绩效指标", None),
        ("B8", "一级指标", None),
        ("C8", "二级指标", None),
        ("D8", "三级指标", None),
        ("E8", "年初目标值", None),
        ("F8", "实际完成值", None),
        ("G8", "得分", None),
        ("H8", "偏差原因分析及改进措施", None),
        ("B9:B11", "产出指标(40分)", None),
        ("C9", "数量指标", None),
        ("D9", "救助人次", None),
        ("E9", "≥800人次", None),
        ("F9", "860人次", None),
        ("G9", 20, None),
        ("C10", "时效指标", None),
        ("D10", "审批办结时限", None),
        ("E10", "≤3个工作日", None),
        ("F10", "3个工作日", None),
        ("G10", 10, None),
        ("C11", "成本指标", None),
        ("D11", "人均救助标准", None),
        ("E11", "≤2500元", None),
        ("F11", "2209元", None),
        ("G11", 10, None),
        ("B12", "效益指标(30分)", None),
        ("C12", "社会效益指标", None),
        ("D12", "困难群众基本生活", None),
        ("E12", "得到保障", None),
        ("F12", "达成年度指标", None),
        ("G12", 30, None),
        ("B13", "满意度指标(10分)", None),
        ("C13", "服务对象满意度指标", None),
        ("D13", "救助对象满意度", None),
        ("E13", "≥90%", None),
        ("F13", "95%", None),
        ("G13", 10, None),
        ("A14:F14", "总分", None),
        ("G14", 99, None),
    ]


def template_rows() -> list[Cell]:
    cells = _top("社区文化活动", "示例县文化和旅游局") + _budget_10hao()
    cells += [
        ("A12:A17", "绩效指标", None),
        ("B12", "一级指标", None),
        ("C12", "二级指标", None),
        ("D12", "三级指标", None),
        ("E12", "年度指标值", None),
        ("F12", "实际完成值", None),
        ("G12", "分值", None),
        ("H12", "得分", None),
        ("I12:J12", "偏差原因分析及改进措施", None),
        ("B13:B15", "产出指标", None),
        ("C13", "数量指标", None),
        ("D13", "指标1：文化活动场次", None),
        ("E13", "≥24场", None),
        ("F13", "26场", None),
        ("G13", 50, None),
        ("H13", 50, None),
        ("D14", "指标2：", None),
        ("C15", "质量指标", None),
        ("D15", "……", None),
        ("B16", "效益指标", None),
        ("C16", "社会效益指标", None),
        ("D16", "群众文化生活", None),
        ("E16", "有效丰富", None),
        ("F16", "达成年度指标", None),
        ("G16", 30, None),
        ("H16", 30, None),
        ("B17", "满意度指标", None),
        ("C17", "服务对象满意度指标", None),
        ("D17", "参与群众满意度", None),
        ("E17", "≥90%", None),
        ("F17", "94%", None),
        ("G17", 10, None),
        ("H17", 10, None),
        ("A18:F18", "总分", None),
        ("G18", 100, None),
        ("H18", 99.67, None),
    ]
    return cells


def plain_targets() -> list[Cell]:
    """Targets as local forms write them, with no 计算符号 and often no symbol at all."""
    cells = _top("政务服务窗口运行保障", "示例县政务服务管理局") + _budget_10hao()
    rows = [
        ("数量指标", "窗口服务人次", "不少于3000人次", "3120人次", 20, 20, None),
        ("质量指标", "群众办事一次办结率", "95", "96", 10, 10, None),
        ("质量指标", "业务办理差错率", "1%", "0.5%", 5, 5, None),
        ("时效指标", "审批办结时限", "3个工作日内", "3个工作日", 5, 5, None),
        ("成本指标", "窗口运行总成本", "总成本不超9万", "8.6万元", 10, 10, None),
        ("社会效益指标", "安全责任事故", "无", "0起", 10, 10, None),
        ("社会效益指标", "办事材料精简率", "达到30%以上", "24%", 20, 20, None),
    ]
    cells += [
        ("A12:A20", "绩效指标", None),
        ("B12", "一级指标", None),
        ("C12", "二级指标", None),
        ("D12", "三级指标", None),
        ("E12", "年度指标值", None),
        ("F12", "实际完成值", None),
        ("G12", "分值", None),
        ("H12", "得分", None),
        ("I12:J12", "偏差原因分析及改进措施", None),
        ("B13:B17", "产出指标", None),
        ("B18:B19", "效益指标", None),
    ]
    for i, (l2, name, target, actual, weight, score, why) in enumerate(rows):
        r = 13 + i
        cells += [(f"C{r}", l2, None), (f"D{r}", name, None), (f"E{r}", target, None), (f"F{r}", actual, None)]
        cells += [(f"G{r}", weight, None), (f"H{r}", score, None)]
        if why:
            cells.append((f"I{r}", why, None))
    cells += [
        ("B20", "满意度指标", None),
        ("C20", "服务对象满意度指标", None),
        ("D20", "办事群众满意度", None),
        ("E20", "95%满意", None),
        ("F20", "97%", None),
        ("G20", 10, None),
        ("H20", 10, None),
        ("A21:F21", "总分", None),
        ("G21", 100, None),
        ("H21", 99.67, None),
    ]
    return cells


def department_scorecard() -> list[Cell]:
    """A 部门整体支出绩效评价 评分表 after 岳阳's (03_forms.md D2): 评分标准, 分值, 自评得分, 扣分原因和其他说明;
    no budget block, no targets or actuals. One lost point is explained, one is not."""
    cells: list[Cell] = [
        ("A1:G1", "示例市交通运输局2023年度部门整体支出绩效自评表", None),
        ("A2", "部门（单位）名称", None),
        ("B2:G2", "示例市交通运输局", None),
        ("A3", "一级指标", None),
        ("B3", "二级指标", None),
        ("C3", "三级指标", None),
        ("D3", "评分标准", None),
        ("E3", "分值", None),
        ("F3", "自评得分", None),
        ("G3", "扣分原因和其他说明", None),
    ]
    rows = [
        ("投入(15分)", "预算配置(15分)", "财政供养人员控制率", "在职人员控制率≦100%,计5分", 5, 5, None),
        (None, None, "“三公经费”变动率", "“三公经费”变动率≦0,计5分", 5, 5, None),
        (None, None, "重点支出安排率", "重点支出安排率≥90%,计5分", 5, 5, None),
        (
            "过程(40分)",
            "预算执行(15分)",
            "预算调整率",
            "预算调整率=0,计3分;0-10%(含),计2分",
            3,
            2,
            "年中追加农村公路养护资金",
        ),
        (None, None, "支付进度", "6月底前专项资金指标全部下达完", 3, 3, None),
        (None, None, "资金结余", "无结余,3分", 3, 3, None),
        (None, None, "“三公经费”控制率", "三公经费控制率≦100%,计6分", 6, 6, None),
        (None, "预算管理(15分)", "管理制度健全性", "已制定预算资金管理办法等,每项1分", 3, 3, None),
        (None, None, "资金使用合规性", "每出现一例不符合要求的扣1分", 3, 3, None),
        (None, None, "预决算信息公开性", "按规定公开预决算,计3分", 3, 3, None),
        (None, None, "政府采购执行率", "实际政府采购金额/政府采购预算数", 6, 6, None),
        (None, "资产管理(10分)", "资产管理安全性", "资产保存完整、使用合规", 5, 5, None),
        (None, None, "固定资产利用率", "实际在用固定资产/所有固定资产", 5, 4, None),
        ("产出(25分)", "职责履行(25分)", "实际完成率", "实际完成工作数/计划工作数", 10, 10, None),
        (None, None, "完成及时率", "及时完成工作数/计划工作数", 5, 5, None),
        (None, None, "质量达标率", "质量达标工作数/计划工作数", 5, 5, None),
        (None, None, "重点工作办结率", "重点工作实际完成数/交办数", 5, 5, None),
        ("效果(20分)", "履职效益(20分)", "社会效益", "农村公路通达率提升", 10, 10, None),
        (None, None, "服务对象满意度", "满意度≥90%,计10分", 10, 10, None),
    ]
    for i, (l1, l2, name, standard, weight, score, why) in enumerate(rows):
        r = 4 + i
        cells += [(f"A{r}", l1, None)] if l1 else []
        cells += [(f"B{r}", l2, None)] if l2 else []
        cells += [(f"C{r}", name, None), (f"D{r}", standard, None), (f"E{r}", weight, None), (f"F{r}", score, None)]
        cells += [(f"G{r}", why, None)] if why else []
    last = 4 + len(rows)
    cells += [(f"A{last}:D{last}", "合计", None), (f"E{last}", 100, None), (f"F{last}", 98, None)]
    return cells


def chongqing_department() -> list[Cell]:
    """Chongqing's 部门整体绩效自评表 (as 重庆科学城's 2021 form is published): one budget line under its merged
    block label (年初预算数 | 全年（调整）预算数 | 全年执行数 | 执行率（%） | 执行率权重 | 执行率得分), then the
    indicators by 指标名称 alone, no 一级/二级 columns, 指标性质 holding 定量指标/定性指标, an 调整指标值 column,
    得分系数 and 是否核心指标. Budget rates are negative (预算调整率, 经费控制率 ≤). One indicator scores full
    marks below its target (政府采购执行率), one adjusted target is met (预算完成率), and the head's 自评总分
    (96.5) is not 9.5 + 90."""
    cells: list[Cell] = [
        ("A1:K1", "部门整体绩效自评表", None),
        ("A2:K2", "（2023年度）", None),
        ("A3", "主管部门", None),
        ("B3:D3", "示例区融媒体中心", None),
        ("E3", "财政处室", None),
        ("F3", "文教处", None),
        ("G3", "自评总分（分）", None),
        ("H3", 96.5, None),
        ("A4:B5", "部门预算执行情况（万元）", None),
        ("C4", "年初预算数", None),
        ("D4", "全年（调整）预算数", None),
        ("E4", "全年执行数", None),
        ("F4", "执行率（%）", None),
        ("G4", "执行率权重", None),
        ("H4", "执行率得分（分）", None),
        ("C5", 1000, None),
        ("D5", 1200, None),
        ("E5", 1140, None),
        ("F5", "95%", None),
        ("G5", 10, None),
        ("H5", 9.5, None),
        ("A6", "当年绩效目标", None),
        ("B6:D6", "年初绩效目标", None),
        ("E6:G6", "全年（调整）绩效目标", None),
        ("H6:K6", "全年目标实际完成情况", None),
        ("B7:D7", "整合区内媒体和宣传载体，做好新闻宣传和舆论引导。", None),
        ("E7:G7", "无", None),
        ("H7:K7", "全年播发稿件2859篇，组织宣传活动43次，新闻宣传和舆论引导工作有序开展。", None),
    ]
    header = ["指标名称", "计量单位", "指标性质", "年初指标值", "调整指标值", "全年完成值", "得分系数（%）"]
    header += ["指标权重（分）", "指标得分（分）", "是否核心指标"]
    cells += [("A8:A18", "绩效指标", None)]
    cells += [(f"{col}8", label, None) for col, label in zip("BCDEFGHIJK", header, strict=True)]
    rows = [
        ("财政供养人员控制率", "%", "定量指标", "100%", None, "92%", "100%", 5, 5, "否"),
        ("预算调整率", "%", "定量指标", "3%", None, "0", "100%", 5, 5, "否"),
        ("预算完成率", "%", "定量指标", "90%", "80%", "85%", "100%", 5, 5, "是"),
        ("政府采购执行率", "%", "定量指标", "100%", None, "72.74%", "100%", 5, 5, "是"),
        ("管理制度健全性", None, "定性指标", "健全", None, "健全", "100%", 10, 10, "否"),
        ("播发稿件数量", "篇", "定量指标", "2200", None, "2859", "100%", 20, 20, "是"),
        ("组织宣传活动次数", "次", "定量指标", "40", None, "43", "100%", 20, 20, "是"),
        ("舆情处置及时率", "%", "定量指标", "95%", None, "96%", "100%", 10, 10, "否"),
        ("服务对象满意度", "%", "定量指标", "90%", None, "93%", "100%", 10, 10, "否"),
    ]
    for i, row in enumerate(rows):
        r = 9 + i
        cells += [(f"{col}{r}", value, None) for col, value in zip("BCDEFGHIJK", row, strict=True) if value is not None]
    return cells


FAMILIES = {
    "two-row-header": two_row_header,
    "renamed-columns": renamed_columns,
    "hubei": hubei,
    "template-rows": template_rows,
    "plain-targets": plain_targets,
    "department-scorecard": department_scorecard,
    "chongqing-department": chongqing_department,
}


def write(path: Path, cells: list[Cell]) -> Path:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    ws = book.active
    ws.title = "自评表"
    for ref, value, fmt in cells:
        first = ref.split(":")[0]
        ws[first] = value
        if fmt:
            ws[first].number_format = fmt
        if ":" in ref:
            ws.merge_cells(ref)
    book.save(path)
    return path


def main() -> None:
    LAYOUTS.mkdir(parents=True, exist_ok=True)
    for name, build in FAMILIES.items():
        write(LAYOUTS / f"{name}.xlsx", build())
        print(f"wrote fixtures/layouts/{name}.xlsx")


if __name__ == "__main__":
    main()
