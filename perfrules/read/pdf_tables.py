"""The ruled tables of a PDF as sheets of cells, so that a 自评表 published as a PDF is read by the same
header-by-content form reader as a workbook. pdfplumber (in the ``pdf`` extra) finds tables by their ruling
lines; without it a PDF is read for its text only.

pdfplumber marks a cell covered by a merged one as ``None``. A covered cell continues the cell to its left
when that one is in its own row (a colspan), else the cell above (a rowspan); the merged ranges are rebuilt
from that, as a sheet has them. Each table is named 第P页表N.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from perfrules.read.cells import CellValue
from perfrules.read.workbook import MAX_COLS, MAX_ROWS, Sheet

MAX_TABLE_PAGES = 60
"""Only the first pages are searched for tables: a 自评表 is a page or two, and table finding is slow."""


def pdf_table_sheets(raw: bytes) -> list[Sheet] | None:
    """Every table on the first pages; None when pdfplumber is not installed."""
    try:
        import pdfplumber
    except ImportError:
        return None
    sheets: list[Sheet] = []
    with pdfplumber.open(BytesIO(raw)) as pdf:
        for p, page in enumerate(pdf.pages[:MAX_TABLE_PAGES], start=1):
            for t, table in enumerate(page.find_tables(), start=1):
                sheet = grid_sheet(f"第{p}页表{t}", table.extract())
                sheet.caption = _caption(page, table.bbox[1])
                sheets.append(sheet)
    return sheets


CAPTION_HEIGHT = 60
"""How far above a table (in points) its caption may sit: a line or two ("附件1" / "××项目支出绩效自评表")."""


def _caption(page: Any, top: float) -> str:
    """The last two lines of text just above the table on its page."""
    if top <= 1:
        return ""
    band = page.crop((0, max(0.0, top - CAPTION_HEIGHT), page.width, top))
    lines = [line.strip() for line in (band.extract_text() or "").splitlines() if line.strip()]
    return "\n".join(line[-120:] for line in lines[-2:])


def grid_sheet(name: str, rows: list[list[str | None]]) -> Sheet:
    """A grid whose merged-over cells are None → a Sheet with those merges."""
    anchor: dict[tuple[int, int], tuple[int, int]] = {}
    cells: dict[tuple[int, int], tuple[CellValue, str]] = {}
    for r, row in enumerate(rows[:MAX_ROWS]):
        for c, value in enumerate(row[:MAX_COLS]):
            if value is not None:
                anchor[(r, c)] = (r, c)
                if value.strip():
                    cells[(r, c)] = (value.strip(), "General")
                continue
            left = anchor.get((r, c - 1))
            # A colspan continues a cell of this row; anything else continues the cell above.
            if left is not None and left[0] == r:
                anchor[(r, c)] = left
            elif (r - 1, c) in anchor:
                anchor[(r, c)] = anchor[(r - 1, c)]
            elif left is not None:
                anchor[(r, c)] = left
    boxes: dict[tuple[int, int], list[int]] = {}
    for (r, c), (ar, ac) in anchor.items():
        box = boxes.setdefault((ar, ac), [ar, ac, ar, ac])
        box[2], box[3] = max(box[2], r), max(box[3], c)
    merges = [(r1, c1, r2, c2) for r1, c1, r2, c2 in boxes.values() if (r1, c1) != (r2, c2)]
    return Sheet(name, cells, merges, len(rows))
