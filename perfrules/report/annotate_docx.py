"""An annotated copy of a Word report: each finding a Word comment on the paragraph, or the 自评表 cell,
it points at (issue 13 §4).

Findings located "段落 N" are placed on the document's N-th paragraph, counted as the reader counts
them (``python-docx``'s ``Document.paragraphs``); findings located "表K!G6" on that cell of the K-th
table. A finding with no such place (a rule about the whole document) is not lost: it is listed in a
section added at the end of the copy. The submitter's file is never modified.
"""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

from perfrules.errors import MissingDependency
from perfrules.model.report import Finding, Report
from perfrules.report.annotate_xlsx import comment_text, submissions_for

_PARAGRAPH = re.compile(r"^段落 (\d+)")
_TABLE_CELL = re.compile(r"#?表(\d+)!\$?([A-Z]{1,3})\$?(\d+)$")
AUTHOR, INITIALS = "perfrules", "PR"

Place = tuple[str, int, int, int]  # ("p", paragraph, 0, 0) or ("t", table, row, column), 1-based


def _place(f: Finding) -> Place | None:
    where = f.location.cell or ""
    paragraph = _PARAGRAPH.match(where)
    if paragraph:
        return ("p", int(paragraph.group(1)), 0, 0)
    cell = _TABLE_CELL.search(where)
    if cell is None:
        return None
    column = 0
    for letter in cell.group(2):
        column = column * 26 + ord(letter) - ord("A") + 1
    return ("t", int(cell.group(1)), int(cell.group(3)), column)


def _paragraph_at(document: Any, place: Place) -> Any | None:
    kind, index, row, column = place
    if kind == "p":
        return document.paragraphs[index - 1] if 0 < index <= len(document.paragraphs) else None
    if not 0 < index <= len(document.tables):
        return None
    table = document.tables[index - 1]
    if not (0 < row <= len(table.rows) and 0 < column <= len(table.columns)):
        return None
    return table.cell(row - 1, column - 1).paragraphs[0]


def _comment(document: Any, paragraph: Any, findings: list[Finding]) -> None:
    runs = paragraph.runs or [paragraph.add_run("")]
    document.add_comment(runs, text=comment_text(findings), author=AUTHOR, initials=INITIALS)


def annotate_docx(report: Report, original: Path, out: Path) -> int:
    """Copy ``original`` to ``out`` with a Word comment on the place of every located finding.

    Returns the number of places commented (several findings on one paragraph count once). Raises
    ``ValueError`` if ``out`` is the original or no submission of the report was read from this
    document; ``MissingDependency`` without python-docx.
    """
    try:
        import docx
    except ImportError as exc:
        raise MissingDependency.for_extra(
            "docx", "python-docx", "批注 Word 文档", "annotating a Word document"
        ) from exc
    if out.resolve() == original.resolve():
        raise ValueError("annotate_docx never writes over the submitted document; choose another output path")
    raw = original.read_bytes()
    results = submissions_for(report, original, raw)
    if not results:
        raise ValueError(f"no submission in the report was read from {original.name}")
    document = docx.Document(BytesIO(raw))
    # Keyed by the paragraph's XML element: python-docx makes a new proxy object on every access.
    by_place: dict[int, tuple[Any, list[Finding]]] = {}
    unplaced: list[Finding] = []
    for finding in (f for result in results for f in result.findings):
        place = _place(finding)
        paragraph = _paragraph_at(document, place) if place else None
        if paragraph is None:
            unplaced.append(finding)
        else:
            by_place.setdefault(id(paragraph._p), (paragraph, []))[1].append(finding)
    for paragraph, findings in by_place.values():
        _comment(document, paragraph, findings)
    if unplaced:
        document.add_paragraph("perfrules 审核意见（未定位到段落的发现）/ findings with no paragraph")
        for finding in unplaced:
            document.add_paragraph(comment_text([finding]))
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return len(by_place)
