"""What a workbook's XML says before openpyxl is let near it: sheet names, states and merge extents.

openpyxl's full mode materialises a ``MergedCell`` for every cell a merged range covers, so a 6 KB
file holding ``A20:XFD1048576`` costs minutes and gigabytes. The merge references are read here
from the sheet XML as plain text (no XML parser, so no entities are ever expanded), and a range
past the reader's row or column cap, or merges covering too many cells in all, refuse the
workbook with a problem naming the sheet and the range.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from posixpath import join, normpath

from perfrules.read.cells import column_letter

MAX_MERGED_CELLS = 100_000
"""Most cells all merged ranges of a workbook may cover; a real form's merges cover a few thousand."""

_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\b([^>]*)>")
_ATTR = re.compile(rb'([\w.:-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)>")
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\b([^>]*)>")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


@dataclass(frozen=True)
class SheetEntry:
    """A worksheet as workbook.xml lists it."""

    name: str
    state: str
    """visible, hidden or veryHidden"""
    part: str | None
    """its XML part in the package, e.g. xl/worksheets/sheet1.xml"""


def _attrs(raw: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        key = match.group(1).decode("utf-8", "replace").rsplit(":", 1)[-1]
        value = match.group(2) if match.group(2) is not None else match.group(3)
        out.setdefault(key, _unescape(value.decode("utf-8", "replace")))
    return out


def _unescape(text: str) -> str:
    # Only the five predefined entities and numeric ones; nothing else is ever expanded.
    def repl(match: re.Match[str]) -> str:
        body = match.group(1)
        named = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
        if body in named:
            return named[body]
        try:
            code = int(body[2:], 16) if body[:2] in ("#x", "#X") else int(body[1:])
            return chr(code) if 0 < code < 0x110000 else match.group(0)
        except ValueError:
            return match.group(0)

    return re.sub(r"&(#?[0-9A-Za-z]{1,8});", repl, text)


def sheet_entries(archive: zipfile.ZipFile) -> list[SheetEntry]:
    """Every worksheet workbook.xml names, in order, with its state and part."""
    names = set(archive.namelist())
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for match in _RELATIONSHIP.finditer(archive.read("xl/_rels/workbook.xml.rels")):
            attrs = _attrs(match.group(1))
            target = attrs.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
            targets[attrs.get("Id", "")] = resolved
    entries = []
    for match in _SHEET.finditer(archive.read("xl/workbook.xml")):
        attrs = _attrs(match.group(1))
        entries.append(
            SheetEntry(attrs.get("name", ""), attrs.get("state", "visible"), targets.get(attrs.get("id", "")))
        )
    return entries


def _cell(ref: str) -> tuple[int, int] | None:
    """ "C12" → (row 12, column 3), 1-based."""
    match = _REF.match(ref)
    if not match:
        return None
    col = 0
    for ch in match.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(match.group(2)), col


def merge_problem(archive: zipfile.ZipFile, max_rows: int, max_cols: int) -> str | None:
    """Why the workbook's merged ranges must not be handed to openpyxl, or None."""
    names = set(archive.namelist())
    covered = 0
    for entry in sheet_entries(archive):
        if entry.part is None or entry.part not in names:
            continue
        for match in _MERGE.finditer(archive.read(entry.part)):
            ref = _attrs(match.group(1)).get("ref", "")
            corners = [_cell(part) for part in ref.split(":")]
            if not corners or any(c is None for c in corners) or len(corners) > 2:
                return f"工作表“{entry.name}”的合并区域 {ref[:40]!r} 无效 / sheet {entry.name!r}: invalid merged range {ref[:40]!r}"
            (r1, c1), (r2, c2) = corners[0], corners[-1]  # type: ignore[misc]
            if max(r1, r2) > max_rows or max(c1, c2) > max_cols:
                return (
                    f"工作表“{entry.name}”的合并区域 {ref} 超出读取范围（最多 {max_rows} 行、{max_cols} 列，"
                    f"即 {column_letter(max_cols - 1)}{max_rows}）/ sheet {entry.name!r}: merged range {ref} reaches "
                    f"past the reader's limit of {max_rows} rows and {max_cols} columns"
                )
            covered += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
            if covered > MAX_MERGED_CELLS:
                return (
                    f"合并单元格共覆盖超过 {MAX_MERGED_CELLS} 个单元格（至工作表“{entry.name}”的 {ref}），远超自评表的"
                    f"正常范围 / merged ranges cover more than {MAX_MERGED_CELLS} cells in all (reached at sheet "
                    f"{entry.name!r}, {ref}); a self-evaluation form merges a few thousand"
                )
    return None
