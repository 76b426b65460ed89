"""A finding on a narrative report's whole text, placed at the paragraph its evidence quotes.

Rules that read the report's text as one column (NARRATIVE-QUAL-ADMISSION's "定性评价多定量评价少",
TIME-NARRATIVE-AFTER-FY's "2021年初……") or aggregate its claims (NARRATIVE-EXEC-LOW-EXPLAIN) point at
``/header/narrative``, which names no place a reviewer can find. The evidence they keep quotes the span
that fired; the paragraph holding it is where the finding belongs, as the reader located it ("段落 17",
"第 2 页第 3 行", "/html/body/p[4]"). A finding whose span is found nowhere keeps its pointer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from perfrules.model.report import Finding
from perfrules.model.sourced import PARAGRAPH_POINTER, SourcedSubmission
from perfrules.model.submission import DocumentKind

NARRATIVE_POINTER = "/header/narrative"
_MIN_SPAN = 4
"""A quoted span shorter than this (a number, a year) could sit in any paragraph."""


def _spans(finding: Finding) -> list[str]:
    """The evidence's quoted spans, the most specific first: the rule's own quote, then any other text."""
    texts = [(name, value) for name, value in finding.evidence.items() if value and len(value.strip()) >= _MIN_SPAN]
    quoted = [value for name, value in texts if "quote" in name or name in ("excerpt", "matched_text")]
    return quoted + [value for _, value in texts if value not in quoted and not _numeric(value)]


def _numeric(value: str) -> bool:
    return all(ch.isdigit() or ch in ".-%" for ch in value.strip())


@dataclass(frozen=True)
class NarrativePlaces:
    """A narrative report's paragraphs and where each was read from."""

    paragraphs: tuple[str, ...]
    places: tuple[str | None, ...]


def narrative_places(sourced: SourcedSubmission) -> NarrativePlaces | None:
    """The paragraphs of a narrative report, with their places; None for any other document."""
    sub = sourced.submission
    if sub.document_kind is not DocumentKind.NARRATIVE_REPORT or not sub.header.narrative:
        return None
    paragraphs = tuple(sub.header.narrative.split("\n\n"))
    places = tuple(sourced.locations.get(PARAGRAPH_POINTER.format(i)) for i in range(len(paragraphs)))
    return NarrativePlaces(paragraphs, places) if any(places) else None


def _unplaced(finding: Finding) -> bool:
    return finding.location.pointer == NARRATIVE_POINTER and not finding.location.cell


def place_in_narrative(findings: Sequence[Finding], narrative: NarrativePlaces) -> list[Finding]:
    """``findings`` with each one on the whole narrative moved to the paragraph its evidence quotes."""
    placed: list[Finding] = []
    for finding in findings:
        cell = None
        if _unplaced(finding):
            spans = _spans(finding)
            cell = next(
                (
                    narrative.places[i]
                    for span in spans
                    for i, p in enumerate(narrative.paragraphs)
                    if span.strip() in p
                ),
                None,
            )
        if cell is None:
            placed.append(finding)
        else:
            placed.append(finding.model_copy(update={"location": finding.location.model_copy(update={"cell": cell})}))
    return placed
