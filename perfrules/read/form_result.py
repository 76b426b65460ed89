"""A project form read off a grid of cells (a worksheet, a Word or HTML table) → its ReadResult, located; and a
report completed by the forms it holds."""

from __future__ import annotations

from typing import Any, Protocol

from perfrules.model.report import Problem
from perfrules.model.sourced import SourcedSubmission
from perfrules.model.submission import DocumentKind, Project, Submission
from perfrules.model.values import Num, missing
from perfrules.read.block_cells import with_block_cells
from perfrules.read.documents import ReadResult, to_submission
from perfrules.read.workbook import locate


class FormOutcome(Protocol):
    """What a form reader leaves besides the document: its problems and the cell of every value."""

    problems: list[Problem]
    locations: dict[str, str]


def form_result(
    outcome: tuple[dict[str, Any] | None, FormOutcome], source: str, sha256: str, problems: list[Problem]
) -> ReadResult:
    """The submission a form reader found, its validation problems located at their cells."""
    data, form = outcome
    problems = problems + form.problems
    if data is None:
        return ReadResult(source, sha256, None, tuple(problems))
    submission, invalid = to_submission(data, source)
    # The reader has already said which cell it expected for a missing department or year.
    said = {"/header/department", "/header/fiscal_year", "/projects/0/name"} - form.locations.keys()
    problems += locate([p for p in invalid if p.location not in said], form.locations)
    cells = with_block_cells(form.locations, submission) if submission else {}
    sourced = SourcedSubmission(source, submission, dict(sorted(cells.items()))) if submission else None
    return ReadResult(source, sha256, sourced, tuple(problems))


def with_tables(narrative: ReadResult, forms: list[ReadResult]) -> ReadResult:
    """The report, its projects completed by the 自评表 tables it holds: a table's budget block and
    indicators go to the report's project of the same name, or are added as a project of their own.

    Where the table states a total, it is the project's self_score (the structured record, checked
    against its parts); a score the text states beside it is kept as report_score, for CROSS-SCORE. A
    report with no project paragraphs and one table is that table's own report: its stated total is the
    table's report_score.
    """
    assert narrative.submission is not None
    sub, cells = narrative.submission.submission, dict(narrative.submission.locations)
    projects = list(sub.projects)
    tables = [f.submission for f in forms if f.submission is not None and f.submission.submission.projects]
    whole = not projects and len(tables) == 1 and _same_kind(sub, tables[0].submission)
    for form in tables:
        table = form.submission.projects[0]
        index = next((i for i, p in enumerate(projects) if p.name.strip() == table.name.strip()), len(projects))
        table_cells = {
            f"/projects/{index}/" + pointer.removeprefix("/projects/0/"): cell
            for pointer, cell in form.locations.items()
            if pointer.startswith("/projects/0/")
        }
        if index == len(projects):
            stated = (sub.header.self_score, "/header/self_score") if whole else (missing(), "")
            projects.append(_beside(table, *stated, cells, table_cells, index))
        else:
            said = (projects[index].self_score, f"/projects/{index}/self_score")
            update = {"budget_lines": table.budget_lines, "indicators": table.indicators}
            projects[index] = _beside(projects[index].model_copy(update=update), *said, cells, table_cells, index)
            taken = ["budget_lines/", "indicators/"]
            if table.self_score.is_value:
                projects[index] = projects[index].model_copy(update={"self_score": table.self_score})
                taken.append("self_score")
            # The text's own fields (its name, its "全部完成") stay located at its paragraph.
            prefix = f"/projects/{index}/"
            table_cells = {k: v for k, v in table_cells.items() if k.removeprefix(prefix).startswith(tuple(taken))}
        cells |= table_cells
    merged = sub.model_copy(update={"projects": projects})
    problems = narrative.problems + tuple(p for form in forms for p in form.problems)
    return ReadResult(narrative.source, narrative.sha256, SourcedSubmission(narrative.source, merged, cells), problems)


TITLE_PARAGRAPHS = 6
"""The narrative reader finds a title among the first six paragraphs; the kind is read from the same."""
_KIND_WORDS = {DocumentKind.PROJECT_TABLE: "项目支出", DocumentKind.DEPARTMENT_TABLE: "部门整体"}


def _same_kind(report: Submission, table: Submission) -> bool:
    """The report's title names the table's kind: a department's report with one project's 自评表 attached
    is not that project's report, and its total is not the table's."""
    title = "".join((report.header.narrative or "").split("\n\n")[:TITLE_PARAGRAPHS])
    word = _KIND_WORDS.get(table.document_kind)
    return word is not None and word in title


def _beside(
    project: Project, said: Num, said_at: str, cells: dict[str, str], table_cells: dict[str, str], index: int
) -> Project:
    """The project with the score the report's text states for it, when its table states a total too."""
    table_total = table_cells.get(f"/projects/{index}/self_score")
    if not said.is_value or table_total is None or said_at not in cells:
        return project
    cells[f"/projects/{index}/report_score"] = cells[said_at]
    return project.model_copy(update={"report_score": said})
