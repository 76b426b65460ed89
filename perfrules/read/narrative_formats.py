"""Narrative reports in every format they are filed in: one reader per suffix, each feeding ``narrative``.

.txt is decoded here (``narrative.read_text_report``); .docx, .doc, .pdf and .html/.htm each have
a module that turns the file into located text blocks, and their packages are extras imported
only when such a file is read.
"""

from __future__ import annotations

from pathlib import Path

from perfrules.read.documents import ReadResult
from perfrules.read.narrative import read_text_report


def read_narrative(path: Path) -> ReadResult:
    """A narrative report in any supported format (.txt, .docx, .doc, .pdf, .html/.htm), by suffix."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from perfrules.read.doc_legacy import read_doc
        from perfrules.read.docx_text import is_renamed_doc, read_docx

        return read_doc(path) if is_renamed_doc(path) else read_docx(path)
    if suffix == ".doc":
        from perfrules.read.doc_legacy import read_doc

        return read_doc(path)
    if suffix == ".pdf":
        from perfrules.read.pdf_text import read_pdf

        return read_pdf(path)
    if suffix in (".html", ".htm"):
        from perfrules.read.html_text import read_html

        return read_html(path)
    return read_text_report(path)
