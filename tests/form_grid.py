"""The training workbook's 自评表 as a grid of shown cells, for the tests that rebuild it as a Word, HTML
or PDF table: each cell as the sheet shows it (a float formatted 0% as "95%"), with its merged span."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl

WORKBOOK = Path(__file__).resolve().parents[1] / "fixtures" / "workbooks" / "layout-a-training.xlsx"


@dataclass(frozen=True)
class GridCell:
    """One cell that starts a span (or stands alone), 0-based, as shown."""

    row: int
    column: int
    text: str
    rowspan: int = 1
    colspan: int = 1


def training_form(executed: object = 114) -> tuple[int, int, list[list[GridCell]]]:
    """The form's size and its rows of anchor cells; ``executed`` replaces the 全年执行数 total (E6)."""
    ws = openpyxl.load_workbook(WORKBOOK).worksheets[0]
    covered: dict[tuple[int, int], tuple[int, int] | None] = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                covered[(r, c)] = None
        covered[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
    rows = []
    for r in range(1, ws.max_row + 1):
        cells = []
        for c in range(1, ws.max_column + 1):
            span = covered.get((r, c), (1, 1))
            if span is None:
                continue
            cell = ws.cell(r, c)
            value = executed if cell.coordinate == "E6" else cell.value
            percent = "%" in cell.number_format and isinstance(value, float)
            shown = "" if value is None else (f"{value * 100:g}%" if percent else str(value))
            cells.append(GridCell(r - 1, c - 1, shown, *span))
        rows.append(cells)
    return ws.max_row, ws.max_column, rows
