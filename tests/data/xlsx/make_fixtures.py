"""Build official-layout 自评表 workbooks for the reader tests and the committed sample.

A form is a list of cells: (range, value, number format). The same list is written as
.xlsx (openpyxl) or legacy .xls (xlwt), so both readers are tested on one layout.

    python tests/data/xlsx/make_fixtures.py   # rewrites fixtures/workbooks/layout-a-training.xlsx
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "fixtures" / "workbooks" / "layout-a-training.xlsx"

Cell = tuple[str, Any, str | None]


def layout_a(
    *,
    project: str = "职业技能提升培训",
    department: str | None = "示例市人力资源和社会保障局",
    year_title: str | None = "（2022年度）",
) -> list[Cell]:
    """The central 10号 附件1 form, filled in the way real forms are: merged labels, "≥2400人次", full-width digits."""
    cells: list[Cell] = [
        ("A1:J1", "项目支出绩效自评表", None),
        ("A3:B3", "项目名称", None),
        ("C3:J3", project, None),
        ("A4:B4", "主管部门", None),
        ("G4", "实施单位", None),
        ("H4:J4", "示例市职业技能鉴定中心", None),
        ("A5:A9", "项目资金（万元）", None),
        ("C5", "年初预算数", None),
        ("D5", "全年预算数", None),
        ("E5", "全年执行数", None),
        ("F5", "分值", None),
        ("G5", "执行率", None),
        ("H5", "得分", None),
        ("B6", "年度资金总额", None),
        ("C6", 120, None),
        ("D6", 120, None),
        ("E6", 114, None),
        ("F6", 10, None),
        ("G6", "95%", None),
        ("H6", 9.5, None),
        ("B7", "其中：当年财政拨款", None),
        ("C7", 120, None),
        ("D7", "１２０", None),
        ("E7", 114, None),
        ("F7", "—", None),
        ("G7", 0.95, "0.00%"),
        ("H7", "—", None),
        ("B8", "上年结转资金", None),
        ("C8", "/", None),
        ("D8", "/", None),
        ("E8", "/", None),
        ("B9", "其他资金", None),
        ("A10:A11", "年度总体目标", None),
        ("B10:F10", "预期目标", None),
        ("G10:J10", "实际完成情况", None),
        ("B11:F11", "全年开展职业技能培训不少于2400人次，培训合格率不低于90%。", None),
        ("G11:J11", "全年培训2450人次，合格率92%，补贴发放及时率95%。", None),
        ("A12:A18", "绩效指标", None),
        ("B12", "一级指标", None),
        ("C12", "二级指标", None),
        ("D12", "三级指标", None),
        ("E12", "年度指标值", None),
        ("F12", "实际完成值", None),
        ("G12", "分值", None),
        ("H12", "得分", None),
        ("I12:J12", "偏差原因分析及改进措施", None),
        ("B13:B15", "产出指标(50分)", None),
        ("C13", "数量指标", None),
        ("D13", "指标1：培训人次", None),
        ("E13", "≥2400人次", None),
        ("F13", "２４５０人次", None),
        ("G13", 20, None),
        ("H13", 20, None),
        ("C14", "质量指标", None),
        ("D14", "培训合格率", None),
        ("E14", "≥90%", None),
        ("F14", 0.92, "0%"),
        ("G14", 15, None),
        ("H14", 15, None),
        ("C15", "时效指标", None),
        ("D15", "补贴发放及时率", None),
        ("E15", "=100%", None),
        ("F15", "95%", None),
        ("G15", 15, None),
        ("H15", 14.25, None),
        ("I15:J15", "两批补贴因学员银行账户信息有误延迟发放，已建立账户预核验机制。", None),
        ("B16:B17", "效益指标", None),
        ("C16", "社会效益指标", None),
        ("D16", "培训后就业率", None),
        ("E16", "＞60%", None),
        ("F16", "54%", None),
        ("G16", 20, None),
        ("H16", 18, None),
        ("I16:J16", "受市场需求影响就业率未达预期，下年度将增加订单式培训。", None),
        ("C17", "可持续影响指标", None),
        ("D17", "培训长效机制", None),
        ("E17", "长效机制基本建立", None),
        ("F17", "部分达成年度指标并具有一定效果", None),
        ("G17", 10, None),
        ("H17", 7, None),
        ("I17:J17", "校企合作协议尚未全部签订，计划下年度上半年完成。", None),
        ("B18", "满意度指标", None),
        ("C18", "服务对象满意度指标", None),
        ("D18", "学员满意度", None),
        ("E18", "≥90%", None),
        ("F18", "93%", None),
        ("G18", "１０", None),
        ("H18", "１０", None),
        ("A19:F19", "总分", None),
        ("G19", 100, None),
        ("H19", 93.75, None),
    ]
    if department is not None:
        cells.append(("C4:F4", department, None))
    if year_title is not None:
        cells.append(("A2:J2", year_title, None))
    return cells


def layout_b() -> list[Cell]:
    """The Sichuan 部门预算项目支出绩效自评表: coded project name, 指标性质 and 度量单位 columns, 合计 row."""
    return [
        ("A1:K1", "部门预算项目支出绩效自评表(2023年度)", None),
        ("A2:B2", "项目名称", None),
        ("C2:K2", "51142523T000000123456-法律援助服务", None),
        ("A3:B3", "主管部门", None),
        ("C3:F3", "示例县司法局", None),
        ("G3", "实施单位（盖章）", None),
        ("H3:K3", "示例县法律援助中心", None),
        ("A4:A6", "项目基本情况", None),
        ("B4:C5", "1.项目年度目标完成情况", None),
        ("D4:G4", "项目年度目标", None),
        ("H4:K4", "年度目标完成情况", None),
        ("D5:G5", "办理法律援助案件120件以上。", None),
        ("H5:K5", "全年办理法律援助案件135件。", None),
        ("B6:C6", "2.项目实施内容及过程概述", None),
        ("D6:K6", "按季度拨付办案补贴。", None),
        ("A7:A12", "预算执行情况(10分)", None),
        ("B7", "年度预算数(万元)", None),
        ("C7", "年初预算", None),
        ("D7", "调整后预算数", None),
        ("E7", "预算执行数", None),
        ("F7", "预算执行率", None),
        ("G7", "权重", None),
        ("H7", "得分", None),
        ("I7:K7", "原因", None),
        ("B8", "总额", None),
        ("C8", 50, None),
        ("D8", 52, None),
        ("E8", 49.4, None),
        ("F8", "95.00%", None),
        ("G8", 10, None),
        ("H8", 9.5, None),
        ("B9", "其中:财政资金", None),
        ("C9", 50, None),
        ("D9", 52, None),
        ("E9", 49.4, None),
        ("F9", "95.00%", None),
        ("B10", "财政专户管理资金", None),
        ("C10", 0, None),
        ("B11", "单位资金", None),
        ("C11", "*", None),
        (
            "B12:K12",
            "1.预算执行率=预算执行数/调整后预算数,预算执行率未达到90%的需说明原因(100字以内);2.年中发生预算调整的(追加或调减),应单独说明理由;3.其他资金包括:社会投入资金、银行贷款.",
            None,
        ),
        ("A13:A18", "绩效指标(90分)", None),
        ("B13", "一级指标", None),
        ("C13", "二级指标", None),
        ("D13", "三级指标", None),
        ("E13", "指标性质", None),
        ("F13", "指标值", None),
        ("G13", "度量单位", None),
        ("H13", "完成值", None),
        ("I13", "权重", None),
        ("J13", "得分", None),
        ("K13", "未完成原因分析", None),
        ("B14:B16", "产出指标", None),
        ("C14", "数量指标", None),
        ("D14", "法律援助案件数", None),
        ("E14", "≥", None),
        ("F14", "１２０", None),
        ("G14", "件", None),
        ("H14", "１３５", None),
        ("I14", 30, None),
        ("J14", 30, None),
        ("C15", "质量指标", None),
        ("D15", "案件质量合格率", None),
        ("E15", "=", None),
        ("F15", 100, None),
        ("G15", "%", None),
        ("H15", 98, None),
        ("I15", 30, None),
        ("J15", 29.4, None),
        ("K15", "两件案件卷宗归档不规范，已组织整改。", None),
        ("C16", "时效指标", None),
        ("D16", "结案及时率", None),
        ("E16", "≥", None),
        ("F16", 95, None),
        ("G16", "%", None),
        ("H16", 100, None),
        ("I16", 10, None),
        ("J16", 10, None),
        ("B17", "效益指标", None),
        ("C17", "社会效益指标", None),
        ("D17", "群众法律意识", None),
        ("E17", "定性", None),
        ("F17", "有所提升", None),
        ("H17", "达成年度指标", None),
        ("I17", 10, None),
        ("J17", 10, None),
        ("B18", "满意度指标", None),
        ("C18", "服务对象满意度指标", None),
        ("D18", "受援人满意度", None),
        ("E18", "≥", None),
        ("F18", 90, None),
        ("G18", "%", None),
        ("H18", "涉密，略", None),
        ("I18", 10, None),
        ("J18", 9, None),
        ("B19:H19", "合计", None),
        ("I19", 100, None),
        ("J19", 97.9, None),
        ("A20", "评价结论", None),
        ("B20:K20", "项目自评得分97.9分，法律援助覆盖面进一步扩大。", None),
        ("A21", "存在问题", None),
        ("B21:K21", "部分卷宗归档不规范。", None),
        ("A22", "改进措施", None),
        ("B22:K22", "加强案件质量评查。", None),
        ("A23", "项目负责人：", None),
        ("F23", "财务负责人：", None),
    ]


def _bounds(ref: str) -> tuple[int, int, int, int]:
    """ "B13:B15" → 0-based (first row, first col, last row, last col)."""
    corners = []
    for part in ref.split(":"):
        match = re.fullmatch(r"([A-Z]+)(\d+)", part)
        assert match, ref
        col = 0
        for ch in match.group(1):
            col = col * 26 + ord(ch) - 64
        corners.append((int(match.group(2)) - 1, col - 1))
    (r1, c1), (r2, c2) = corners[0], corners[-1]
    return r1, c1, r2, c2


def add_sheet(book: Any, title: str, cells: list[Cell]) -> Any:
    """Write one form onto a new sheet of an openpyxl workbook."""
    ws = book.create_sheet(title)
    for ref, value, fmt in cells:
        first = ref.split(":")[0]
        ws[first] = value
        if isinstance(value, str) and value.startswith("="):
            ws[first].data_type = "s"  # "=100%" typed as text on the form, not a formula
        if fmt:
            ws[first].number_format = fmt
        if ":" in ref:
            ws.merge_cells(ref)
    return ws


def write_xlsx(path: Path, sheets: dict[str, list[Cell]]) -> Path:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    book.remove(book.active)
    for title, cells in sheets.items():
        add_sheet(book, title, cells)
    book.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, list[Cell]]) -> Path:
    import xlwt  # type: ignore[import-untyped]

    book = xlwt.Workbook(encoding="utf-8")
    for title, cells in sheets.items():
        ws = book.add_sheet(title)
        for ref, value, fmt in cells:
            r1, c1, r2, c2 = _bounds(ref)
            style = xlwt.easyxf(num_format_str=fmt) if fmt else xlwt.Style.default_style
            ws.write_merge(r1, r2, c1, c2, value, style)
    book.save(str(path))
    return path


def main() -> None:
    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    write_xlsx(SAMPLE, {"项目1": layout_a()})
    print(f"wrote {SAMPLE.relative_to(ROOT)} ({SAMPLE.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
