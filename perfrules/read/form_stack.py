"""Project forms stacked down one sheet or table: each read as a form of its own.

Counties publish a year's 项目支出绩效自评表 one under another in a single worksheet, a Word table or a web
page's table ("项目负责人：… | 部门预算项目支出绩效自评表（2023年度） | 项目名称 …"). Reading only the first
lost every other project. Each form starts at its 项目名称 row, with the title rows just above it; the parts
keep their cells where they are, so every finding still names the cell as filed ("区县!C40").
"""

from __future__ import annotations

import itertools
import re

from perfrules.read.cells import folded, is_project_name_label, label_key
from perfrules.read.form_reader import INDICATOR_COLUMNS, find_header
from perfrules.read.workbook import Sheet

_TITLE_ROW = re.compile(r"自评表|评价表|年度|单位[:：]|^[(（]?\d{4}年")
_TITLE_ROWS = 3


def stacked_forms(sheet: Sheet) -> list[tuple[Sheet, int]]:
    """The forms on ``sheet`` as (part, first row): ``[(sheet, 0)]`` unless two or more project forms, each
    with its own indicator header, are stacked down it."""
    names = [r for r in sheet.rows() if any(is_project_name_label(label_key(sheet.own(r, c))) for c in sheet.row(r))]
    if len(names) < 2:
        return [(sheet, 0)]
    starts = [0] + [_title_start(sheet, r, after) for after, r in itertools.pairwise(names)]
    parts = [(_rows(sheet, start, end), start) for start, end in zip(starts, [*starts[1:], sheet.nrows], strict=True)]
    if not all(find_header(part, INDICATOR_COLUMNS, ("level1", "name"), 3) is not None for part, _ in parts):
        return [(sheet, 0)]  # a second 项目名称 that starts no form: the reader says so at its cell
    return parts


def _title_start(sheet: Sheet, name_row: int, previous: int) -> int:
    """The row a form starts at: its 项目名称 row, or the title rows just above it ("…自评表", "（2023年度）")."""
    start = name_row
    for r in range(name_row - 1, max(previous, name_row - 1 - _TITLE_ROWS), -1):
        texts = [folded(sheet.own(r, c)) for c in sheet.row(r)]
        if not texts:
            continue
        if len(texts) > 2 or not all(_TITLE_ROW.search(t) for t in texts):
            break
        start = r
    return start


def _rows(sheet: Sheet, start: int, end: int) -> Sheet:
    cells = {(r, c): value for (r, c), value in sheet.cells.items() if start <= r < end}
    merges = [(r1, c1, min(r2, end - 1), c2) for r1, c1, r2, c2 in sheet.merges if start <= r1 < end]
    return Sheet(sheet.name, cells, merges, end, sheet.state)
