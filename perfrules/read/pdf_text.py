"""A PDF self-evaluation report → its text lines with page and line, regrouped into paragraphs → a submission.

pypdf (the ``pdf`` extra) reads the text layer with each fragment's position. Lines are fragments on
one baseline; a paragraph ends where the gap to the next line is clearly wider than the page's usual
line spacing, or where the next line is indented. Page numbers ("- 3 -", "第 3 页") are dropped. A new page
starts a new block; one that stops mid-sentence is joined to the next, as for text reports. Each paragraph is located by its first line
("第 2 页第 14 行").

A PDF with no text layer (a scan) is a clear problem, as is an encrypted one that needs a password;
OCR is out of scope. Ruled tables are read too (``pdf_tables``, with pdfplumber): a 自评表 goes through the
workbook's header-by-content form reader, as a Word or HTML table does.
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from perfrules.read.documents import ReadResult
from perfrules.read.narrative import join_lines, load_bytes, missing_extra, problem_result
from perfrules.read.pdf_tables import pdf_table_sheets
from perfrules.read.report_tables import read_report

MAX_PAGES = 2_000
PARAGRAPH_GAP = 1.3
"""A gap this many times the usual line spacing ends a paragraph."""
SCANNED = "PDF 无文字层（扫描件），请提供可复制文字的版本 / the PDF has no text layer (a scan); provide a version with selectable text"
ENCRYPTED = "PDF 已加密（需要密码才能打开），请去除密码后重新提交 / the PDF is encrypted (needs a password); remove the password and resubmit"
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*/\s*共?\s*\d{1,4}\s*页?)?[-—–\s]*$")


@dataclass
class _Line:
    y: float
    x: float
    size: float
    parts: list[tuple[float, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(t for _, t in sorted(self.parts, key=lambda p: p[0]))


def _page_lines(page: Any) -> list[_Line]:
    """The page's text fragments grouped by baseline, top to bottom."""
    lines: list[_Line] = []

    def visit(raw: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        # some CJK fonts' ToUnicode maps leave a NUL before each character; NUL is never text
        text = raw.replace("\x00", "")
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        height = max(abs(size * tm[3] * cm[3]), 1.0)
        for line in lines:
            if abs(line.y - y) < height * 0.5:
                line.parts.append((x, text.replace("\n", "")))
                line.x = min(line.x, x)
                return
        lines.append(_Line(y, x, height, [(x, text.replace("\n", ""))]))

    page.extract_text(visitor_text=visit)
    ordered = sorted(lines, key=lambda ln: -ln.y)
    # a page number is a number alone on the first or last line of the page
    return [ln for i, ln in enumerate(ordered) if i not in (0, len(ordered) - 1) or not _PAGE_NUMBER.match(ln.text)]


def _paragraphs(pages: list[list[_Line]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    current: list[str] = []
    where = ""
    for number, lines in enumerate(pages, start=1):
        if current:  # a new page starts a block; one that stopped mid-sentence is rejoined later
            out.append((join_lines(current), where))
            current = []
        gaps = [a.y - b.y for a, b in itertools.pairwise(lines) if a.y - b.y > 0]
        usual = statistics.median(gaps) if gaps else 0.0
        left = min((ln.x for ln in lines), default=0.0)
        for index, line in enumerate(lines):
            gap = lines[index - 1].y - line.y if index else 0.0
            indented = line.x > left + line.size * 0.8
            if current and (indented or (index and usual and gap > usual * PARAGRAPH_GAP)):
                out.append((join_lines(current), where))
                current = []
            if not current:
                where = f"第 {number} 页第 {index + 1} 行 / page {number} line {index + 1}"
            current.append(line.text.strip())
    if current:
        out.append((join_lines(current), where))
    return out


def pdf_blocks(raw: bytes) -> list[tuple[str, str]]:
    """The paragraphs of a readable, unencrypted PDF's text layer, each with its page and line."""
    import pypdf

    reader = pypdf.PdfReader(BytesIO(raw))
    return _paragraphs([_page_lines(page) for page in reader.pages])


def read_pdf(path: Path) -> ReadResult:
    """Read a .pdf report, or say why it cannot be read."""
    source = str(path)
    raw, digest, reason = load_bytes(path)
    if raw is None:
        return problem_result(source, digest, reason or "无法读取")
    if not raw.lstrip()[:1024].startswith(b"%PDF") and b"%PDF" not in raw[:1024]:
        return problem_result(source, digest, "不是 PDF 文件 / not a PDF file, whatever the file name")
    try:
        import pypdf
    except ImportError:
        return missing_extra(source, digest, "PDF", "pdf")
    try:
        reader = pypdf.PdfReader(BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            return problem_result(source, digest, ENCRYPTED)
        if len(reader.pages) > MAX_PAGES:
            return problem_result(
                source, digest, f"PDF 页数过多（{len(reader.pages)}，上限 {MAX_PAGES}）/ too many pages"
            )
        pages = [_page_lines(page) for page in reader.pages]
    except pypdf.errors.DependencyError:
        return problem_result(source, digest, ENCRYPTED)
    except Exception as exc:  # pypdf signals a broken file with many exception types
        return problem_result(source, digest, f"无法读取 PDF（文件损坏）/ cannot read the PDF (corrupt): {exc}")
    if not any(line.text.strip() for lines in pages for line in lines):
        return problem_result(source, digest, SCANNED)
    try:
        sheets = pdf_table_sheets(raw) or []
    except Exception:  # pdfplumber fails on some odd files: the text is still read, as it was without it
        sheets = []
    return read_report(source, digest, _paragraphs(pages), sheets)
