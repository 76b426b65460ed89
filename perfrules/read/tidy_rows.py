"""A tidy table's cells read into rows: headers mapped to columns, each row's values by field.

Also the cell readers (text, date, year, number) the assembly of submissions reads values with.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from perfrules.model.report import Problem
from perfrules.read.cells import CellValue, displayed, label_key, number_cell, text_of
from perfrules.read.tidy_tables import Column, Table
from perfrules.read.workbook import _blank, _problem

Grid = list[list[tuple[CellValue, str, str]]]
"""A table as read: rows of (value, number format, location) cells, the header first."""


@dataclass(frozen=True)
class _Value:
    value: CellValue
    fmt: str
    where: str


@dataclass
class _Rows:
    """One table as read: its columns by field, and each non-blank row's values by field."""

    table: Table
    header_where: dict[str, str]
    header_text: dict[str, str]
    rows: list[dict[str, _Value]] = field(default_factory=list)
    blanks: list[dict[str, str]] = field(default_factory=list)
    """For each row, the cells of its blank columns: a finding about a value left empty points there."""


def _header(
    table: Table, cells: list[tuple[CellValue, str]], source: str, problems: list[Problem]
) -> dict[int, Column]:
    lookup = table.lookup()
    columns: dict[int, Column] = {}
    for index, (value, where) in enumerate(cells):
        text = text_of(value)
        if not text:
            continue
        col = lookup.get(label_key(text))
        if col is None:
            problems.append(
                _problem(
                    source,
                    where,
                    f"“{table.name}”表中有未知的列“{text}”（会丢失数据）/ unknown column {text!r} in {table.name} (it would be lost)",
                )
            )
        elif col in columns.values():
            problems.append(
                _problem(
                    source, where, f"“{table.name}”表中“{text}”列重复 / column {text!r} appears twice in {table.name}"
                )
            )
        else:
            columns[index] = col
    present = {c.field for c in columns.values()}
    for needed in table.required:
        if needed not in present:
            header = next(c.header for c in table.columns if c.field == needed)
            first = cells[0][1] if cells else table.name
            problems.append(
                _problem(
                    source,
                    first,
                    f"“{table.name}”表缺少必填列“{header}”/ {table.name} lacks the required column {header!r}",
                )
            )
    return columns


def _collect(table: Table, grid: list[list[tuple[CellValue, str, str]]], source: str, problems: list[Problem]) -> _Rows:
    header_cells = [(v, w) for v, _, w in grid[0]] if grid else []
    columns = _header(table, header_cells, source, problems)
    rows = _Rows(
        table,
        {c.field: header_cells[i][1] for i, c in columns.items()},
        {c.field: text_of(header_cells[i][0]) for i, c in columns.items()},
    )
    for line in grid[1:]:
        record = {
            columns[i].field: _Value(v, f, w) for i, (v, f, w) in enumerate(line) if i in columns and not _blank(v)
        }
        if record:
            rows.rows.append(record)
            rows.blanks.append(_blank_cells(columns, header_cells, line))
    return rows


def _blank_cells(
    columns: dict[int, Column], header_cells: list[tuple[CellValue, str]], line: list[tuple[CellValue, str, str]]
) -> dict[str, str]:
    """The cells of a row's blank columns, by field; a sparse row (cells only where values are) is
    completed from the header's column letter and the row's number."""
    row_number = re.sub(r"^.*![A-Z]+", "", line[0][2]) if line else ""
    out: dict[str, str] = {}
    for i, column in columns.items():
        if i < len(line):
            if _blank(line[i][0]):
                out[column.field] = line[i][2]
        elif row_number:
            out[column.field] = re.sub(r"\d+$", row_number, header_cells[i][1])
    return out


def _text(v: _Value | None) -> str | None:
    if v is None:
        return None
    if isinstance(v.value, float | int | Decimal) and not isinstance(v.value, bool):
        return str(displayed(v.value, v.fmt))
    return text_of(v.value) or None


def _date(v: _Value | None) -> object:
    if v is None:
        return None
    if isinstance(v.value, datetime):
        return v.value.date()
    if isinstance(v.value, date):
        return v.value
    return _text(v)


def _year(v: _Value | None) -> object:
    text = unicodedata.normalize("NFKC", _text(v) or "")
    return int(text[:4]) if re.fullmatch(r"\d{4}(年度?)?", text) else text or None


def _num(v: _Value | None, units: tuple[str, ...] = ()) -> object:
    return number_cell(v.value, v.fmt, units) if v is not None else None
