"""A form's header block found by its content: one row, or two rows under a merged group label.

Real forms put 一级指标 / 二级指标 / 三级指标 in cells merged down over two rows and a group label
("绩效指标完成情况") merged across 年度指标值 / 实际完成值 / 分值 / 得分 on the top row, with the
column labels on the row below. Reading the top row alone loses every actual value and score;
this module reads both rows, and says which header cells it could not map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from perfrules.read.cells import CellValue, label_key


class _Cells(Protocol):
    def row(self, r: int) -> list[int]: ...
    def own(self, r: int, c: int) -> CellValue: ...
    def anchor(self, r: int, c: int) -> tuple[int, int]: ...
    def merge_end(self, r: int, c: int) -> int: ...


@dataclass
class Header:
    """Where each field's column is, the label cell that named it, and the first data row."""

    columns: dict[str, int]
    label_cells: dict[str, tuple[int, int]]
    first_data_row: int
    unmapped: list[tuple[int, int, str]] = field(default_factory=list)


def _field_of(key: str, spec: dict[str, tuple[str, ...]], taken: dict[str, int]) -> str | None:
    return next((name for name, labels in spec.items() if name not in taken and key in labels), None)


def _map_row(
    sheet: _Cells, r: int, spec: dict[str, tuple[str, ...]], header: Header, only: set[int] | None = None
) -> list[str]:
    added = []
    for c in sheet.row(r):
        if only is not None and c not in only:
            continue
        name = _field_of(label_key(sheet.own(r, c)), spec, header.columns)
        if name is not None and c not in header.columns.values():
            header.columns[name] = c
            header.label_cells[name] = (r, c)
            added.append(name)
    return added


def _is_numeric(value: CellValue) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def header_columns(sheet: _Cells, r: int, spec: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """The fields one row's labels name (the single-row reading, used to find the header)."""
    header = Header({}, {}, r + 1)
    _map_row(sheet, r, spec, header)
    return header.columns


def read_header(sheet: _Cells, r: int, spec: dict[str, tuple[str, ...]], known: frozenset[str]) -> Header:
    """The header at row ``r``, widened to the row below when that row holds more column labels,
    and to vertically merged labels reaching down from the row above."""
    header = Header({}, {}, r + 1)
    _map_row(sheet, r, spec, header)
    above = {c for c in sheet.row(r - 1) if r > 0 and sheet.anchor(r, c) == (r - 1, c)} if r > 0 else set()
    _map_row(sheet, r - 1, spec, header, above)
    below = sheet.row(r + 1)
    rows = [r]
    if below and not any(_is_numeric(sheet.own(r + 1, c)) for c in below):
        trial = Header(dict(header.columns), dict(header.label_cells), r + 2)
        if _map_row(sheet, r + 1, spec, trial):
            header, rows = trial, [r, r + 1]
    if header.columns:
        first = min(header.columns.values())
        used = set(header.columns.values())
        for hr in rows:
            for c in sheet.row(hr):
                key = label_key(sheet.own(hr, c))
                if c < first or c in used or not key or key in known:
                    continue
                spans = set(range(c, sheet.merge_end(hr, c) + 1))
                if len(rows) == 2 and hr == r and spans & used:
                    continue  # the group label over the columns of the second row
                header.unmapped.append((hr, c, key))
    return header
