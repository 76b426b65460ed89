"""A project form read off a grid of cells (a worksheet, a Word or HTML table) → its ReadResult, located; and a
report completed by the forms it holds."""

from __future__ import annotations

from typing import Any, Protocol

from perfrules.model.report import Problem
from perfrules.model.sourced import SourcedSubmission
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
    indicators go to the report's project of the same name, or are added as a project of their own."""
    assert narrative.submission is not None
    sub, cells = narrative.submission.submission, dict(narrative.submission.locations)
    projects = list(sub.projects)
    for form in forms:
        assert form.submission is not None
        if not form.submission.submission.projects:
            continue
        table = form.submission.submission.projects[0]
        index = next((i for i, p in enumerate(projects) if p.name.strip() == table.name.strip()), len(projects))
        if index == len(projects):
            projects.append(table)
        else:
            projects[index] = projects[index].model_copy(
                update={"budget_lines": table.budget_lines, "indicators": table.indicators}
            )
        for pointer, cell in form.submission.locations.items():
            if pointer.startswith("/projects/0/"):
                cells[f"/projects/{index}/" + pointer.removeprefix("/projects/0/")] = cell
    merged = sub.model_copy(update={"projects": projects})
    problems = narrative.problems + tuple(p for form in forms for p in form.problems)
    return ReadResult(narrative.source, narrative.sha256, SourcedSubmission(narrative.source, merged, cells), problems)
