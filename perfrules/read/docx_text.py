"""A Word (.docx) self-evaluation report → its paragraphs in order, each located ("段落 12"), → a submission.

The file passes the xlsx reader's zip guards first (``ooxml_guard``); an encrypted file is a clear
problem. python-docx (the ``docx`` extra) is imported only here. A 自评表 held as a Word table is read by
the workbook's header-by-content form reader (``docx_tables``): a document that is only the table is that
table's submission; a report that holds one has its project's budget block and indicators from it.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from perfrules.read.documents import ReadResult
from perfrules.read.docx_tables import table_sheets
from perfrules.read.narrative import load_bytes, missing_extra, problem_result
from perfrules.read.ooxml_guard import OLE_MAGIC, ZIP_MAGIC, is_encrypted_ole, zip_problem
from perfrules.read.report_tables import read_report

ENCRYPTED = "Word 文档已加密（设有打开密码），请去除密码后重新提交 / the Word document is password-protected (encrypted); remove the password and resubmit"


def docx_paragraphs(raw: bytes) -> list[tuple[str, str]]:
    """The body's paragraphs, in order, with their 1-based paragraph numbers as locations."""
    import docx

    document = docx.Document(BytesIO(raw))
    return [(p.text, f"段落 {i} / paragraph {i}") for i, p in enumerate(document.paragraphs, start=1)]


def read_docx(path: Path) -> ReadResult:
    """Read a .docx report, or say why it cannot be read."""
    source = str(path)
    raw, digest, reason = load_bytes(path)
    if raw is None:
        return problem_result(source, digest, reason or "无法读取")
    return docx_result(source, digest, raw)


def is_renamed_doc(path: Path) -> bool:
    """A legacy Word .doc (an OLE file, not encrypted) saved under a .docx name: read it as .doc."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(OLE_MAGIC))
    except OSError:
        return False
    if head != OLE_MAGIC:
        return False
    raw, _, _ = load_bytes(path)
    return raw is not None and not is_encrypted_ole(raw)


def docx_result(source: str, digest: str, raw: bytes) -> ReadResult:
    """The submission a .docx's bytes state, reported under ``source``."""
    if is_encrypted_ole(raw):
        return problem_result(source, digest, ENCRYPTED)
    if not raw.startswith(ZIP_MAGIC):
        return problem_result(
            source, digest, "不是 Word 文档（.docx）/ not a Word .docx document, whatever the file name"
        )
    reason = zip_problem(raw, "word/document.xml", "Word 文档")
    if reason:
        return problem_result(source, digest, reason)
    try:
        import docx
    except ImportError:
        return missing_extra(source, digest, "Word (.docx)", "docx")
    try:
        document = docx.Document(BytesIO(raw))
        blocks = [(p.text, f"段落 {i} / paragraph {i}") for i, p in enumerate(document.paragraphs, start=1)]
        sheets = table_sheets(document)
    except Exception as exc:  # python-docx and lxml signal a broken part with many exception types
        return problem_result(
            source, digest, f"无法读取 Word 文档（文件损坏）/ cannot read the Word document (corrupt): {exc}"
        )
    return read_report(source, digest, blocks, sheets)
