"""The tables of a Word document as sheets of cells, so that an embedded 自评表 is read by the same
header-by-content form reader as a workbook (issue 13 §1).

A merged Word cell (gridSpan across, vMerge down) is one ``<w:tc>`` that python-docx returns at every grid
position it covers; its first position is the anchor and the rest become a merged range, as in a sheet.
Each table is sourced ``file.docx#表N`` and its cells are named ``表N!B6``.
"""

from __future__ import annotations

from typing import Any

from perfrules.read.cells import CellValue
from perfrules.read.workbook import MAX_COLS, MAX_ROWS, Sheet

MAX_TABLES = 200
"""A report with more tables than this is read for its first ones only: a form is rarely past them."""


CAPTION_PARAGRAPHS = 2
"""How many non-empty paragraphs above a table may be its caption ("附件1" over "××项目支出绩效自评表")."""


def _captions(document: Any) -> list[str]:
    """For each top-level table in body order, the last non-empty paragraphs before it (since the previous table)."""
    from docx.table import Table

    captions: list[str] = []
    above: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            captions.append("\n".join(p[-120:] for p in above[-CAPTION_PARAGRAPHS:]))
            above = []
        elif block.text.strip():
            above.append(block.text.strip())
    return captions


def table_sheets(document: Any) -> list[Sheet]:
    """Each table of a python-docx ``Document`` as a Sheet named 表1, 表2, …, with the caption above it."""
    sheets: list[Sheet] = []
    captions = _captions(document)
    for index, table in enumerate(document.tables[:MAX_TABLES], start=1):
        cells: dict[tuple[int, int], tuple[CellValue, str]] = {}
        spans: dict[Any, list[int]] = {}  # a <w:tc> element → [first row, first col, last row, last col]
        # python-docx's grid: every position, a merged cell repeated where it spans (computed once per table)
        grid, width = table._cells, table._column_count
        for i, cell in enumerate(grid[: MAX_ROWS * width]):
            r, c = divmod(i, width)
            if c >= MAX_COLS:
                continue
            box = spans.get(cell._tc)
            if box is not None:
                box[2], box[3] = max(box[2], r), max(box[3], c)
                continue
            spans[cell._tc] = [r, c, r, c]
            text = cell.text.strip()
            if text:
                cells[(r, c)] = (text, "General")
        merges = [(r1, c1, r2, c2) for r1, c1, r2, c2 in spans.values() if (r1, c1) != (r2, c2)]
        caption = captions[index - 1] if index <= len(captions) else ""
        sheets.append(Sheet(f"表{index}", cells, merges, len(table.rows), caption=caption))
    return sheets
