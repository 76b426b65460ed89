"""The 预算执行 (budget execution) block of an official 自评表: one budget line per item row.

The block runs from its header row to the indicator header (or the sheet's end); its unit (万元 or 元) is
read from the header, and an 执行率 column under a "%" label holds percentages unless every value is a fraction.
"""

from __future__ import annotations

import re
from typing import Any

from perfrules.model.submission import TOTAL_LINE_ITEMS
from perfrules.read.cells import CellValue, folded, label_key, number_cell, rate_cell, text_of
from perfrules.read.form_header import read_header
from perfrules.read.form_reader import BUDGET_COLUMNS, END_LABELS, FIELD_LABELS, SECTION_LABELS, FormReader
from perfrules.read.workbook import Sheet, _blank


def read_budget(form: FormReader, project: dict[str, Any], header_row: int, end: int, layout: str) -> None:
    """The budget block's lines, from its header row to ``end``, into ``project["budget_lines"]``."""
    sheet = form.sheet
    found = read_header(sheet, header_row, BUDGET_COLUMNS, FIELD_LABELS)
    form.note_unmapped(found)
    columns = found.columns
    first_value = min(columns.values())
    header_texts = [(c, folded(sheet.own(header_row, c))) for c in sheet.row(header_row)]
    unit, unit_cell = "万元", None
    for c, text in header_texts:
        if "万元" in text:
            unit, unit_cell = "万元", c
            break
        if re.search(r"[(（]元[)）]|单位:元", text):
            unit, unit_cell = "元", c
            break
    rate_percent = "%" in folded(sheet.own(*found.label_cells["rate"])) if "rate" in columns else False
    if rate_percent and _all_fractions(sheet, columns["rate"], found.first_data_row, end):
        rate_percent = False  # under 执行率(%), values ≤ 1 are fractions only when every value is
    lines: list[dict[str, Any]] = []
    for r in range(found.first_data_row, end):
        items = [c for c in sheet.row(r) if c < first_value and isinstance(sheet.own(r, c), str)]
        keys = {label_key(sheet.own(r, c)) for c in sheet.row(r)}
        if keys & (SECTION_LABELS | END_LABELS):
            break
        has_values = any(not _blank(sheet.own(r, c)) for c in columns.values())
        block_label = _block_label(sheet, r, first_value) if not items and has_values and not lines else None
        if block_label is not None:
            # Chongqing's 部门整体 form: one line of figures under the block's own label, merged down
            # over it ("部门预算执行情况（万元）"); that line is the department's whole budget
            items, item = [block_label[1]], "年度资金总额"
            form.at(f"/projects/0/budget_lines/{len(lines)}/item", *block_label)
        elif not items:
            if has_values:
                form.unread_row(r, 0, "预算执行行有数值但缺少资金项目名称")
            continue
        else:
            item = text_of(sheet.own(r, items[-1]))
        if len(item) > 30:
            continue  # the Sichuan form embeds its filling notes ("1.预算执行率=…") between the rows
        item = re.sub(r"^其中\s*[:：]?\s*", "", item).rstrip(":： ").strip()
        if layout == "B" and item == "总额":
            # The tables layer recognises the total line by the national wording only.
            item = "年度资金总额"
        i = len(lines)
        base = f"/projects/0/budget_lines/{i}"
        line: dict[str, Any] = {"item": item, "unit": unit}
        if block_label is None:  # a line named by its block's label is located at that label, above
            form.at(f"{base}/item", r, items[-1])
        if unit_cell is not None:
            form.at(f"{base}/unit", header_row, unit_cell)
        _fill_line(form, line, r, columns, rate_percent, base)
        lines.append(line)
    project["budget_lines"] = lines


def note_unread_budget(form: FormReader, project: dict[str, Any], top: int, end: int) -> None:
    """A budget block whose header no label names (年初预算数/全年预算数/全年执行数 in words the vocabulary
    lacks): its lines (年度资金总额, 其中…) are listed at their cells for READ-ROW-UNREAD, and the project says
    its block was there, so DOC-TABLES-REQUIRED does not call it missing. A form with no such lines has
    no budget block, and that is DOC-TABLES-REQUIRED's finding."""
    sheet = form.sheet
    found = False
    for r in range(top, end):
        labels = [c for c in sheet.row(r) if _line_item(sheet.own(r, c))]
        if not labels:
            continue
        found = True
        if any(not _blank(sheet.own(r, c)) for c in sheet.row(r) if c > labels[0]):
            form.unread_row(r, labels[0], "预算执行栏的表头未识别（应有年初预算数/全年预算数/全年执行数），未读取")
    project["budget_block_unread"] = found


def _line_item(value: CellValue) -> bool:
    key = re.sub(r"^其中[:：]?", "", label_key(value))
    return key in TOTAL_LINE_ITEMS or key in _LINE_ITEMS


# The 其中 lines of the 10号 form and its local variants, by the labels they are published with.
_LINE_ITEMS = frozenset(
    ("当年财政拨款", "本年财政拨款", "财政拨款", "财政资金", "上年结转资金", "上年结转", "其他资金", "单位资金")
)


def _fill_line(
    form: FormReader, line: dict[str, Any], r: int, columns: dict[str, int], rate_percent: bool, base: str
) -> None:
    """One budget line's figures, each in its column's unit (万元/元, 分, %)."""
    sheet, unit = form.sheet, line["unit"]
    for name, c in columns.items():
        value, fmt = sheet.own(r, c), sheet.fmt(r, c)
        form.at(f"{base}/{name}", r, c)
        if name == "rate":
            line[name] = rate_cell(value, fmt, rate_percent)
        elif name == "explanation":
            line[name] = text_of(value) or None
        elif name in ("weight", "score"):
            line[name] = number_cell(value, fmt, ("分",))
        else:
            line[name] = number_cell(value, fmt, (unit,))


def _block_label(sheet: Sheet, r: int, first_value: int) -> tuple[int, int] | None:
    """The block's label cell merged down over row ``r`` from above, left of the figures, if there is one."""
    for c in range(first_value):
        anchor = sheet.anchor(r, c)
        if anchor[0] < r and isinstance(sheet.own(*anchor), str):
            return anchor
    return None


def _all_fractions(sheet: Sheet, c: int, first: int, end: int) -> bool:
    numbers = [
        v for r in range(first, end) if isinstance(v := sheet.own(r, c), int | float) and not isinstance(v, bool)
    ]
    return bool(numbers) and all(0 <= v <= 1 for v in numbers)
