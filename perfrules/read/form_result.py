"""A project form read off a grid of cells (a worksheet, or a Word table) → its ReadResult, located."""

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
