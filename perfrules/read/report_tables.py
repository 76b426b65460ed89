"""A report filed as Word, PDF or a web page, with the 自评表 tables it holds: the text read as a narrative,
each table by the header-by-content form reader, and the two put together.

A table in a report often carries no title or 主管部门 row of its own: the report's title above it says
which department, year and kind of table it is ("××局2023年度部门整体支出绩效自评报告" over a 评分表). The
report's title, department and year are handed to the form reader as the table's context, so such a table
is read, not dropped.
"""

from __future__ import annotations

from dataclasses import replace

from perfrules.model.report import Notice
from perfrules.read.documents import ReadResult
from perfrules.read.form_reader import TableContext
from perfrules.read.form_result import TITLE_PARAGRAPHS, with_tables
from perfrules.read.narrative import from_blocks
from perfrules.read.workbook import Sheet
from perfrules.read.xlsx_forms import read_forms


def read_report(source: str, digest: str, blocks: list[tuple[str, str]], sheets: list[Sheet]) -> ReadResult:
    """The report's text (``blocks``: paragraph text and its place) with the forms its ``sheets`` hold."""
    narrative = from_blocks(source, digest, blocks)
    context = _context(narrative)
    reads = [read for sheet in sheets for read in read_forms(sheet, f"{source}#{sheet.name}", digest, context)]
    forms = [read for read in reads if read.submission]
    # A table that looks like a form (a 项目名称 label, a budget or indicator header) and could not be read
    # is said, not dropped: the report is still checked, and the reviewer sees which table was passed over.
    passed_over = tuple(
        Notice(source=read.source, location=p.location, message=f"{_PASSED_OVER}{p.message}")
        for read in reads
        if read.submission is None
        for p in read.problems
    )
    if not forms:
        return replace(narrative, notices=narrative.notices + passed_over)
    if narrative.submission is None:
        # A 自评表 filed as a Word table, a PDF or a web page, with no report around it: each table
        # is a submission of its own.
        return replace(forms[0], companions=tuple(forms[1:]), notices=forms[0].notices + passed_over)
    merged = with_tables(narrative, forms)
    return replace(merged, notices=merged.notices + passed_over)


_PASSED_OVER = "此表未作为自评表读取 / this table was not read as a self-evaluation form: "


def _context(narrative: ReadResult) -> TableContext | None:
    if narrative.submission is None:
        return None
    submission = narrative.submission.submission
    header = submission.header
    title = "".join((header.narrative or "").split("\n\n")[:TITLE_PARAGRAPHS])
    names = {p.name for p in submission.projects if p.name.strip()}
    only = next(iter(names)) if len(names) == 1 else None
    return TableContext(title, header.department or None, header.fiscal_year, project=only)
