"""A self-evaluation report published as a web page (.html/.htm) → its paragraphs and table rows → a submission.

lxml (the ``html`` extra) parses the page with network access off: nothing is fetched, neither images
nor links nor entities. Scripts, styles and the head are skipped. Each block element (p, div, h1–h6,
li, …) is a paragraph, located by its path in the page ("/html/body/div[2]/p[3]"); each table row is one
paragraph of its cells' text, in order. The encoding is the page's declared charset, else UTF-8, else
GB18030. A page the parser had to stop reading (10⁵ nested tags exceed the parser's depth limit) is a
clear problem rather than a silently truncated report. A 自评表 published as a ``<table>`` is also read by
the workbook's header-by-content form reader (``table_sheets``), as a Word table is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from perfrules.read.cells import CellValue
from perfrules.read.documents import ReadResult
from perfrules.read.narrative import join_lines, load_bytes, missing_extra, problem_result
from perfrules.read.report_tables import read_report
from perfrules.read.text_file import MAX_TEXT_BYTES, decode_bytes
from perfrules.read.workbook import MAX_COLS, MAX_ROWS, Sheet

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SKIP = {"script", "style", "noscript", "head", "template", "svg", "iframe", "object"}
_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "blockquote", "pre",
    "section", "article", "header", "footer", "caption", "center", "td", "th", "body",
}  # fmt: skip
TOO_DEEP = "网页嵌套过深或结构异常，解析器无法完整读取 / the page is nested too deeply (or malformed) for the parser to read it whole"


def decode_page(raw: bytes) -> str | None:
    """The page's text: its declared charset, else UTF-8, else GB18030; None when it is not text."""
    declared = _CHARSET.search(raw[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in ("gb2312", "gbk", "gb_2312-80") else name
        try:
            return raw.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(raw).text


def _text(element: Any, skip_tags: set[str]) -> str:
    """The element's own text and its inline children's, without nested blocks or tables."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag not in skip_tags:
            parts.append(_text(child, skip_tags) if tag != "br" else "\n")
        parts.append(child.tail or "")
    return "".join(parts)


def html_blocks(tree: Any) -> list[tuple[str, str]]:
    """Paragraphs and table rows in document order, each with its path in the page."""
    out: list[tuple[str, str]] = []
    nested = _SKIP | _BLOCKS | {"table", "tr", "ul", "ol", "dl"}
    root = tree.getroottree()
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP or any(isinstance(a.tag, str) and a.tag in _SKIP for a in element.iterancestors()):
            continue
        if tag == "tr":
            cells = [join_lines(_text(c, _SKIP).splitlines()) for c in element if c.tag in ("td", "th")]
            text = " ".join(c for c in cells if c)
        elif tag in _BLOCKS and not any(a.tag == "tr" for a in element.iterancestors()):
            text = join_lines(_text(element, nested).splitlines())
        else:
            continue
        if text:
            out.append((text, root.getpath(element)))
    return out


def read_html(path: Path) -> ReadResult:
    """Read an .html/.htm report, or say why it cannot be read."""
    source = str(path)
    raw, digest, reason = load_bytes(path, MAX_TEXT_BYTES)
    if raw is None:
        return problem_result(source, digest, reason or "无法读取")
    text = decode_page(raw)
    if text is None:
        return problem_result(source, digest, "不是网页文本（含二进制内容或编码无法识别）/ not an HTML text page")
    try:
        import lxml.etree  # type: ignore[import-untyped]
        import lxml.html  # type: ignore[import-untyped]
    except ImportError:
        return missing_extra(source, digest, "网页 (.html)", "html")
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text), parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        return problem_result(source, digest, f"无法解析网页 / cannot parse the page: {exc}")
    if any(e.level_name == "FATAL" for e in parser.error_log):
        return problem_result(source, digest, TOO_DEEP)
    sheets = table_sheets(tree)
    return read_report(source, digest, html_blocks(tree), sheets)


MAX_TABLES = 200
MAX_SPAN = 64


def table_sheets(tree: Any) -> list[Sheet]:
    """Each ``<table>`` as a Sheet named 表1, 表2, …: rowspan and colspan become merged ranges, and a table
    nested in a cell (page layout) is a table of its own, not text of the outer one."""
    sheets: list[Sheet] = []
    for index, table in enumerate(tree.iter("table"), start=1):
        if index > MAX_TABLES:
            break
        cells: dict[tuple[int, int], tuple[CellValue, str]] = {}
        merges: list[tuple[int, int, int, int]] = []
        taken: set[tuple[int, int]] = set()
        rows = [tr for tr in table.iter("tr") if next(tr.iterancestors("table"), None) is table]
        for r, tr in enumerate(rows[:MAX_ROWS]):
            c = 0
            for td in (e for e in tr if isinstance(e.tag, str) and e.tag in ("td", "th")):
                while (r, c) in taken:
                    c += 1
                if c >= MAX_COLS:
                    break
                down, across = _span(td.get("rowspan")), _span(td.get("colspan"))
                for dr in range(down):
                    for dc in range(across):
                        taken.add((r + dr, c + dc))
                if down > 1 or across > 1:
                    merges.append((r, c, r + down - 1, min(c + across, MAX_COLS) - 1))
                text = join_lines(_text(td, _SKIP | {"table"}).splitlines())
                if text:
                    cells[(r, c)] = (text, "General")
                c += across
        sheets.append(Sheet(f"表{index}", cells, merges, len(rows), caption=_caption(table)))
    return sheets


CAPTION_LINES = 2
CAPTION_LEVELS = 3
CAPTION_CHILDREN = 20
"""A caption is a short block just above its table: bounded, so that a page of many tables reads in linear time."""


def _caption(table: Any) -> str:
    """The table's own <caption>, else the last text above it in the page (its title paragraph)."""
    own = table.find("caption")
    if own is not None and own.text_content().strip():
        return " ".join(own.text_content().split())[-120:]
    above: list[str] = []  # nearest first
    holder = table
    for _ in range(CAPTION_LEVELS):  # the table's previous siblings, then its parent's (a layout cell's)
        for sibling in holder.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str) or sibling.tag == "table" or len(sibling) > CAPTION_CHILDREN:
                break  # another table, or a block too big to be a caption: nothing above it is this table's
            text = " ".join(sibling.text_content().split())
            if text:
                above.append(text[-120:])
            if len(above) == CAPTION_LINES:
                break
        holder = holder.getparent()
        if above or holder is None or holder.tag == "body":
            break
    return "\n".join(reversed(above))  # in page order, a line per block


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), MAX_SPAN))
    except ValueError:
        return 1
