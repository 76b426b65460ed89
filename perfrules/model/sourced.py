"""A submission together with where it came from: the unit every reader gives and the tables take."""

from __future__ import annotations

from dataclasses import dataclass, field

from perfrules.model.submission import Submission


@dataclass(frozen=True)
class SourcedSubmission:
    """A submission and where it came from; ``locations`` maps (pointer) → sheet!cell if known."""

    source: str
    submission: Submission
    locations: dict[str, str] = field(default_factory=dict)


PARAGRAPH_POINTER = "/paragraphs/{}"
"""Where a narrative reader records each paragraph's place in ``SourcedSubmission.locations`` ("段落 17",
"第 2 页第 3 行"): no row of the tables has this path, so it only serves to place findings on the text."""
