"""Hostile inputs meeting outputs: macro workbooks, control characters in file names, hidden sheets.

An annotated copy is always a plain .xlsx without the submitter's VBA; a control character in a
workbook's name never breaks or spoofs the annotation; a hidden sheet is never skipped silently.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.hostile_workbooks import FORM, SHEET, rewrite

openpyxl = pytest.importorskip("openpyxl")

_VBA_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_PLAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def _failing_form(path: Path) -> Path:
    """The layout-A form with one score far above its weight (a blocking finding at 项目1!H13)."""
    return rewrite(path, {SHEET: lambda xml: xml.replace('<c r="H13"', '<c r="H13" t="n"><v>999</v></c><c r="Z1"', 1)})


def _macro_workbook(path: Path, source: Path) -> Path:
    def content_types(xml: str) -> str:
        xml = xml.replace(_PLAIN_CT, _VBA_CT)
        return xml.replace(
            "<Default ", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1
        )

    def rels(xml: str) -> str:
        rel = (
            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
            'Target="vbaProject.bin"/>'
        )
        return xml.replace("</Relationships>", rel + "</Relationships>")

    return rewrite(
        path,
        {
            "[Content_Types].xml": content_types,
            "xl/_rels/workbook.xml.rels": rels,
            "xl/vbaProject.bin": 'Attribute VB_Name = "Evil"\nSub Auto_Open(): Shell "calc": End Sub',
        },
        source=source,
    )


def _check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfrules", "check", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_the_failing_form_really_fails(tmp_path: Path) -> None:
    from perfrules import validate

    report = validate([_failing_form(tmp_path / "f.xlsx")])
    assert any(f.location.cell == "项目1!H13" for s in report.submissions for f in s.findings)


def test_an_annotated_xlsm_is_a_plain_xlsx_without_vba(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    macro = _macro_workbook(inputs / "宏.xlsm", _failing_form(tmp_path / "f.xlsx"))
    with zipfile.ZipFile(macro) as package:
        assert "xl/vbaProject.bin" in package.namelist()
    done = _check(macro, "--annotate", tmp_path / "out")
    assert done.returncode == 1, done.stderr
    [copy] = (tmp_path / "out").iterdir()
    assert copy.name == "宏.审核意见.xlsx"
    with zipfile.ZipFile(copy) as package:
        assert not [n for n in package.namelist() if "vba" in n.lower()]
        types = package.read("[Content_Types].xml").decode()
    assert _VBA_CT not in types and _PLAIN_CT in types
    book = openpyxl.load_workbook(copy)
    assert book["项目1"]["H13"].comment is not None


def test_a_control_character_in_a_workbook_name_neither_breaks_nor_spoofs_annotation(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    hostile = _failing_form(inputs / "a\x1b[2J\x07b.xlsx")
    plain = inputs / "plain.xlsx"
    plain.write_bytes(FORM.read_bytes())
    done = _check(inputs, "--annotate", tmp_path / "out")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stderr and "\x07" not in done.stderr
    copies = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "plain.审核意见.xlsx" in done.stderr
    assert copies == sorted([f"{hostile.stem}.审核意见.xlsx", f"{plain.stem}.审核意见.xlsx"])
    book = openpyxl.load_workbook(tmp_path / "out" / f"{hostile.stem}.审核意见.xlsx")
    sources = {row[1] for row in book["审核意见"].iter_rows(min_row=2, values_only=True)}
    assert sources == {str(hostile).replace("\x1b", "\\u001b").replace("\x07", "\\u0007") + "#项目1"}


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_a_problem_naming_the_sheet_and_its_state(tmp_path: Path, state: str) -> None:
    from perfrules import validate

    path = tmp_path / "hidden.xlsx"
    book = openpyxl.load_workbook(FORM)
    copy = book.copy_worksheet(book["项目1"])
    copy.title = "藏起来的表"
    copy.sheet_state = state
    book.save(path)
    report = validate([path])
    assert [s.source for s in report.submissions] == [f"{path}#项目1"]
    assert [(p.source, state in p.message) for p in report.problems] == [(f"{path}#藏起来的表", True)]
    assert report.exit_code == 2


def test_an_empty_hidden_sheet_hides_nothing_and_is_not_reported(tmp_path: Path) -> None:
    from perfrules import validate

    path = tmp_path / "hidden-empty.xlsx"
    book = openpyxl.load_workbook(FORM)
    book.create_sheet("空").sheet_state = "hidden"
    book.save(path)
    report = validate([path])
    assert not report.problems


def test_a_hidden_sheet_in_a_legacy_xls_is_reported_too(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    from perfrules.read.xlsx_forms import read_workbook

    book = xlwt.Workbook()
    book.add_sheet("说明").write(0, 0, "填表说明")
    hidden = book.add_sheet("旧表")
    hidden.write(0, 0, "项目支出绩效自评表")
    hidden.visibility = 1
    path = tmp_path / "old.xls"
    book.save(str(path))
    problems = [p for r in read_workbook(path) for p in r.problems]
    assert any(p.source.endswith("#旧表") and "hidden" in p.message for p in problems), problems


def test_a_hostile_batch_writes_nothing_but_its_outputs(tmp_path: Path) -> None:
    from tests.hostile_workbooks import with_merges

    inputs = tmp_path / "in"
    inputs.mkdir()
    _failing_form(inputs / "a\x1bb.xlsx")
    with_merges(inputs / "merged.xlsx", ["A20:XFD1048576"])
    (inputs / "big.json").write_text('{"document_kind": ' + "9" * 5000 + "}", encoding="utf-8")
    (inputs / "deep.yaml").write_text("a: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    work = tmp_path / "cwd"
    work.mkdir()
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    done = subprocess.run(
        [sys.executable, "-m", "perfrules", "check", str(inputs), "-j", "2", "-o", str(tmp_path / "out" / "r.txt"),
         "--annotate", str(tmp_path / "out" / "annotated"), "--html", str(tmp_path / "out" / "html")],
        capture_output=True, text=True, timeout=180, check=False, cwd=work,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path / "tmp")},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    new = {p.parts[0] for p in after if p not in before}
    assert new <= {"out"}, sorted(map(str, after))
    report = (tmp_path / "out" / "r.txt").read_text(encoding="utf-8")
    for name in ("merged.xlsx", "big.json", "deep.yaml", "a\\u001bb.xlsx"):
        assert name in report
