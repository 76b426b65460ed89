"""A project form read off a grid of cells (a worksheet, a Word or HTML table) → its ReadResult, located; and a
report completed by the forms it holds."""

from __future__ import annotations

from typing import Any, Protocol

from perfrules.model.report import Problem
from perfrules.model.sourced import SourcedSubmission
from perfrules.model.submission import DocumentKind, Project, Submission
from perfrules.read.block_cells import with_block_cells
from perfrules.read.claim_figures import paired_claims
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
    """The report, its projects completed by the 自评表 tables it holds.

    A report that is its one table's own (its title names the table's kind, and it speaks of one project
    at most) is that table's project, with what its text states beside the table's figures: its score as
    report_score (CROSS-SCORE), its "全部完成" as the completion (CROSS-COMPLETION), and its amounts paired
    with the budget block (CROSS-AMOUNT). Otherwise each table's budget block, indicators and total go to
    the report's project of the same name, or are added as a project of their own.
    """
    assert narrative.submission is not None
    sub, cells = narrative.submission.submission, dict(narrative.submission.locations)
    # A 部门整体 scorecard in a report is not merged: the table rules that run on a report's rows expect
    # targets and actuals, which a scorecard's lines do not have. It is checked as a submission of its
    # own, beside the report, and the report lists it (DOC-TABLES-REQUIRED does not call it missing).
    scorecards = [
        f
        for f in forms
        if f.submission is not None and f.submission.submission.document_kind is DocumentKind.DEPARTMENT_SCORECARD
    ]
    tables = [
        f.submission
        for f in forms
        if f.submission is not None and f.submission.submission.projects and f not in scorecards
    ]
    projects, claims = list(sub.projects), sub.claims
    if len(tables) == 1 and len(projects) <= 1 and _same_kind(sub, tables[0].submission):
        projects = [_own_project(sub, tables[0], cells)]
        claims = paired_claims(list(sub.claims), projects[0])
    else:
        for form in tables:
            _add_table(projects, form, cells)
    header = sub.header.model_copy(update={"attached_tables": [f.source for f in scorecards]})
    merged = sub.model_copy(update={"projects": projects, "claims": claims, "header": header})
    problems = narrative.problems + tuple(p for form in forms if form not in scorecards for p in form.problems)
    sourced = SourcedSubmission(narrative.source, merged, cells)
    return ReadResult(narrative.source, narrative.sha256, sourced, problems, companions=tuple(scorecards))


def _own_project(sub: Submission, form: SourcedSubmission, cells: dict[str, str]) -> Project:
    """The table's project, with the score and completion the report's text states for it."""
    project = form.submission.projects[0]
    said = sub.projects[0] if sub.projects else None
    text_cells = {p: cells.pop(p) for p in [p for p in cells if p.startswith("/projects/0/")]}
    here = {p: c for p, c in form.locations.items() if p.startswith("/projects/0/")}
    score, score_at = (
        (said.self_score, text_cells.get("/projects/0/self_score"))
        if said is not None and said.self_score.is_value
        else (sub.header.self_score, cells.get("/header/self_score"))
    )
    if score.is_value and score_at is not None:
        field = "report_score" if project.self_score.is_value else "self_score"
        project = project.model_copy(update={field: score})
        here[f"/projects/0/{field}"] = score_at
    if said is not None and said.completion and "/projects/0/completion" in text_cells:
        project = project.model_copy(update={"completion": said.completion})
        here["/projects/0/completion"] = text_cells["/projects/0/completion"]
    cells |= here
    return project


def _add_table(projects: list[Project], form: SourcedSubmission, cells: dict[str, str]) -> None:
    """A table's project added to the report's: into the project of the same name, or as one more."""
    table = form.submission.projects[0]
    index = next((i for i, p in enumerate(projects) if p.name.strip() == table.name.strip()), len(projects))
    prefix = f"/projects/{index}/"
    table_cells = {
        prefix + pointer.removeprefix("/projects/0/"): cell
        for pointer, cell in form.locations.items()
        if pointer.startswith("/projects/0/")
    }
    if index == len(projects):
        projects.append(table)
        cells |= table_cells
        return
    said = projects[index]
    update: dict[str, object] = {"budget_lines": table.budget_lines, "indicators": table.indicators}
    taken = ["budget_lines/", "indicators/"]
    if table.self_score.is_value:
        update["self_score"] = table.self_score
        taken.append("self_score")
        if said.self_score.is_value and prefix + "self_score" in cells:
            update["report_score"] = said.self_score
            cells[prefix + "report_score"] = cells[prefix + "self_score"]
    projects[index] = said.model_copy(update=update)
    # The text's own fields (its name, its "全部完成") stay located at its paragraph.
    cells |= {k: v for k, v in table_cells.items() if k.removeprefix(prefix).startswith(tuple(taken))}


TITLE_PARAGRAPHS = 6
"""The narrative reader finds a title among the first six paragraphs; the kind is read from the same."""
_KIND_WORDS = {DocumentKind.PROJECT_TABLE: "项目支出", DocumentKind.DEPARTMENT_TABLE: "部门整体"}


def _same_kind(report: Submission, table: Submission) -> bool:
    """The report's title names the table's kind: a department's report with one project's 自评表 attached
    is not that project's report, and its total is not the table's."""
    title = "".join((report.header.narrative or "").split("\n\n")[:TITLE_PARAGRAPHS])
    word = _KIND_WORDS.get(table.document_kind)
    return word is not None and word in title
