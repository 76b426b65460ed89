"""Cells for findings about a whole block of rows, so that they too point at a cell and get a comment.

A rule on a project's indicators as a block (the level-1 weight profile) or on its budget lines
as a block (sub-rows summing to the total) points at ``/projects/<i>/indicators`` or
``/projects/<i>/budget_lines``. A workbook has no cell for a list, so each reader gives it one:
the first cell of the indicator block, and the total row's item cell (the first line's when
there is no total row).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from perfrules.model.submission import TOTAL_LINE_ITEMS, Submission

_CELL = re.compile(r"!\$?([A-Z]{1,3})\$?(\d+)$")


def _order(cell: str) -> tuple[int, int]:
    """(row, column) of ``sheet!A12``; unparseable addresses sort last."""
    found = _CELL.search(cell)
    if found is None:
        return (1 << 30, 1 << 30)
    letters, row = found.groups()
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return (int(row), column)


def _first_cell(locations: Mapping[str, str], prefix: str) -> str | None:
    cells = [cell for pointer, cell in locations.items() if pointer.startswith(prefix)]
    return min(cells, key=lambda c: (_order(c), c), default=None)


def with_block_cells(locations: Mapping[str, str], submission: Submission) -> dict[str, str]:
    """``locations`` plus a cell for each project's indicator block and budget-line block."""
    out = dict(locations)
    for i, project in enumerate(submission.projects):
        base = f"/projects/{i}"
        if project.indicators:
            first = _first_cell(locations, f"{base}/indicators/0/")
            if first is not None:
                out.setdefault(f"{base}/indicators", first)
        if project.budget_lines:
            total = next((j for j, line in enumerate(project.budget_lines) if line.item.strip() in TOTAL_LINE_ITEMS), 0)
            row = f"{base}/budget_lines/{total}/"
            cell = locations.get(row + "item") or _first_cell(locations, row)
            if cell is not None:
                out.setdefault(f"{base}/budget_lines", cell)
    return out
