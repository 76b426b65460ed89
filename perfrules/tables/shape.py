"""What a project's indicator block looks like as a whole: blank rows, 不适用 rows, duplicates.

Declarations arrive as a fixed template of rows (产出/数量, 产出/质量 …) that a unit fills in or
leaves blank, and rules need to know, for each row, whether its project filled anything at all
and whether its 二级指标 is filled elsewhere. Those counts are computed here, once per project.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter
from dataclasses import dataclass

from perfrules.model.submission import Indicator, Project
from perfrules.model.values import NOT_APPLICABLE_MARKS

NEAR_DUPLICATE_RATIO = 0.85
"""Two names this similar (difflib ratio, after folding) are taken as the same indicator."""
_NA_WORDS = ("不适用", "不适应", "不涉及")


def _fold(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def is_blank(ind: Indicator) -> bool:
    """Neither a 三级指标 nor a target: an unfilled template row."""
    target = ind.target_text if ind.target_text is not None else ind.target.raw
    return not _fold(ind.name) and not _fold(target) and ind.target.value is None


def is_not_applicable(ind: Indicator) -> bool:
    """The row says 不适用 (in the name or the target), as a bureau asks for indicators that do not apply."""
    for text in (_fold(ind.name), _fold(ind.target_text)):
        if text.lower() in NOT_APPLICABLE_MARKS - {"无"} or any(text.startswith(w) for w in _NA_WORDS):
            return True
    return False


@dataclass(frozen=True)
class IndicatorShape:
    """What a project's indicator block looks like as a whole: how many rows are filled, which are blank or not applicable."""

    filled: int
    live_names: list[str]
    blank: list[bool]
    not_applicable: list[bool]
    level2_filled: list[int]
    duplicate_of: list[str | None]


def _duplicates(names: list[str], live: list[bool]) -> list[str | None]:
    """For each live name, the first earlier live name equal or nearly equal to it."""
    out: list[str | None] = []
    seen: list[tuple[str, str]] = []
    for name, ok in zip(names, live, strict=True):
        folded = _fold(name)
        if not ok or not folded:
            out.append(None)
            continue
        match = next(
            (
                original
                for earlier, original in seen
                if earlier == folded or difflib.SequenceMatcher(None, earlier, folded).ratio() >= NEAR_DUPLICATE_RATIO
            ),
            None,
        )
        out.append(match)
        seen.append((folded, name.strip()))
    return out


def indicator_shape(project: Project, declaration: bool) -> IndicatorShape:
    """Counts for one project. Only declarations have template rows, 不适用 rows and names worth
    comparing; a self-evaluation's rows all count as filled (the cheap path keeps normalize fast)."""
    inds = project.indicators
    if not declaration:
        n = len(inds)
        per = Counter(i.level2 for i in inds)
        return IndicatorShape(n, [], [False] * n, [False] * n, [per[i.level2] for i in inds], [None] * n)
    blank = [is_blank(i) for i in inds]
    na = [is_not_applicable(i) for i in inds]
    filled = blank.count(False)
    per_level2 = Counter(_fold(i.level2) for i, b in zip(inds, blank, strict=True) if not b)
    live = [not b and not n for b, n in zip(blank, na, strict=True)]
    names = [f"{(i.level2 or i.level1).strip()}：{i.name.strip()}" for i, ok in zip(inds, live, strict=True) if ok]
    dups = _duplicates([i.name for i in inds], live)
    return IndicatorShape(
        filled=filled,
        live_names=names,
        blank=blank,
        not_applicable=na,
        level2_filled=[per_level2[_fold(i.level2)] for i in inds],
        duplicate_of=dups,
    )
