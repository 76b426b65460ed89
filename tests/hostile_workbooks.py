"""Hostile workbooks built from the layout-A fixture by editing its XML: the shapes openpyxl chokes on."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

FORM = Path(__file__).resolve().parents[1] / "fixtures" / "workbooks" / "layout-a-training.xlsx"
SHEET = "xl/worksheets/sheet1.xml"


def rewrite(target: Path, edits: dict[str, object], source: Path = FORM) -> Path:
    """Copy ``source`` to ``target``, passing each named part's text through its edit (or replacing it)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            edit = edits.get(info.filename)
            if callable(edit):
                data = edit(data.decode("utf-8")).encode("utf-8")
            elif isinstance(edit, str):
                data = edit.encode("utf-8")
            out.writestr(info.filename, data)
        for name, edit in edits.items():
            if name not in src.namelist() and isinstance(edit, str):
                out.writestr(name, edit.encode("utf-8"))
    return target


def with_merges(target: Path, refs: list[str]) -> Path:
    """The form with these merged ranges added to its sheet."""
    extra = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs)

    def edit(xml: str) -> str:
        xml = re.sub(r'<mergeCells count="\d+">', lambda m: '<mergeCells count="999">', xml)
        return xml.replace("</mergeCells>", extra + "</mergeCells>")

    return rewrite(target, {SHEET: edit})


def with_far_cell(target: Path, ref: str = "BL100000") -> Path:
    """The form with one more text cell at ``ref``."""
    row = re.sub(r"[A-Z]+", "", ref)
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>far</t></is></c></row>'
    return rewrite(target, {SHEET: lambda xml: xml.replace("</sheetData>", cell + "</sheetData>")})
