"""Findings on a block of rows point at a cell of a workbook and are annotated there (issue 14 §3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from perfrules import validate
from perfrules.pack.loader import Pack
from perfrules.read.xlsx_forms import read_workbook
from perfrules.report.annotate_xlsx import annotate_workbook

openpyxl = pytest.importorskip("openpyxl")
SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "workbooks" / "layout-a-training.xlsx"


def _cells() -> dict[str, str]:
    [read] = read_workbook(SAMPLE)
    assert read.submission is not None
    return read.submission.locations


def _set(book: Path, cell: str, value: object) -> None:
    sheet, ref = cell.split("!")
    wb = openpyxl.load_workbook(book)
    wb[sheet][ref] = value
    wb.save(book)


def test_profile_and_sub_row_sum_findings_point_at_the_block_and_are_annotated(pack: Pack, tmp_path: Path) -> None:
    cells = _cells()
    book = tmp_path / "book.xlsx"
    shutil.copy(SAMPLE, book)
    _set(book, cells["/projects/0/budget_lines/1/annual_budget"], 100)  # the sub-rows no longer sum to the total
    weight = cells["/projects/0/indicators/3/weight"]
    _set(book, weight, 25)  # benefit 35 instead of 30
    _set(book, cells["/projects/0/indicators/3/score"], 25)
    report = validate(book, rules=pack)
    found = {f.rule_id: f for f in report.submissions[0].findings}
    total_item = cells["/projects/0/budget_lines/0/item"]  # 年度资金总额, the total row
    assert found["BUDGET-SUBROWS-SUM-BUDGET"].location.cell == total_item
    first_indicator = cells["/projects/0/indicators/0/level1"]
    assert found["WEIGHT-L1-PROFILE"].location.cell == first_indicator
    out = tmp_path / "annotated.xlsx"
    annotate_workbook(report, book, out)
    sheet = openpyxl.load_workbook(out)[total_item.split("!")[0]]
    assert "BUDGET-SUBROWS-SUM-BUDGET" in sheet[total_item.split("!")[1]].comment.text
    assert "WEIGHT-L1-PROFILE" in sheet[first_indicator.split("!")[1]].comment.text


def test_every_finding_on_this_workbook_has_a_cell(pack: Pack, tmp_path: Path) -> None:
    cells = _cells()
    book = tmp_path / "book.xlsx"
    shutil.copy(SAMPLE, book)
    _set(book, cells["/projects/0/budget_lines/1/annual_budget"], 100)
    _set(book, cells["/projects/0/indicators/3/weight"], 25)
    findings = validate(book, rules=pack).submissions[0].findings
    assert findings
    assert [f.rule_id for f in findings if f.location.cell is None] == []
