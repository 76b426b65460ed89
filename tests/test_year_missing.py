"""A redacted or blank fiscal year is a warning at the title, not a file that cannot be read (issue 12 §6)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

from perfrules import validate
from perfrules.pack.loader import Pack
from tests.conftest import FIXTURES

LAYOUT = FIXTURES.parent / "layouts" / "plain-targets.xlsx"


def _redacted_copy(tmp_path: Path) -> tuple[Path, str]:
    book = openpyxl.load_workbook(LAYOUT)
    sheet = book.worksheets[0]
    title = None
    for row in sheet.iter_rows(max_row=4):
        for cell in row:
            if isinstance(cell.value, str) and re.search(r"(19|20)\d{2}\s*年", cell.value):
                cell.value = re.sub(r"(19|20)\d{2}\s*年", "    年", cell.value)
                title = title or cell.coordinate
    assert title is not None, "the layout states its year in the title"
    out = tmp_path / "redacted-year.xlsx"
    book.save(out)
    return out, title


def test_a_form_without_its_year_is_checked_and_warned_at_the_title(pack: Pack, tmp_path: Path) -> None:
    path, title = _redacted_copy(tmp_path)
    report = validate(path, rules=pack)
    assert not report.problems, report.problems
    (result,) = report.submissions
    assert result.fiscal_year is None
    (year,) = [f for f in result.findings if f.rule_id == "DATA-YEAR-MISSING"]
    assert year.location.cell is not None and year.location.cell.endswith(f"!{title}")
    assert year.severity.value == "warning"
    # The rules that do not need the year still judge the form; those that do say why they did not.
    evaluated = [e for e in result.ledger if e.status == "evaluated"]
    assert len(evaluated) > 10
    needing = [e for e in result.ledger if e.reason]
    assert needing and all(e.status == "not_applicable" and "年度未填写" in e.reason for e in needing)
    with_year = validate(LAYOUT, rules=pack).submissions[0]
    same = {(f.rule_id, f.location.pointer) for f in with_year.findings}
    assert {(f.rule_id, f.location.pointer) for f in result.findings} - same == {
        ("DATA-YEAR-MISSING", "/header/fiscal_year")
    }
