"""A stated spending use → a use category of the pack's fund-use vocabulary (``reference/fund_uses.csv``).

A report says what a fund paid for in its own words ("网格员心理咨询培训费"); the rule FUND-USE-ALLOWED
compares use categories. The category is the vocabulary entry that shares the longest run of
characters with the stated use, when that run is at least ``MIN_SHARED`` characters long and no other
entry shares as long a run. Anything less certain is left empty, so the rule does not fire on a guess.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

MIN_SHARED = 4
"""Shorter shared runs (培训, 经费, 管理) are words every category uses; they name nothing."""

VOCABULARY_FILE = "fund_uses.csv"


def _rules_dir() -> Path:
    from perfrules.pack.location import default_rules_dir

    return default_rules_dir()


@functools.lru_cache(maxsize=4)
def use_categories(rules_dir: Path | None = None) -> tuple[str, ...]:
    """The distinct use categories of the vocabulary, in file order; empty when the pack has none."""
    path = (rules_dir or _rules_dir()) / "reference" / VOCABULARY_FILE
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return ()
    seen: dict[str, None] = {}
    for row in rows:
        category = (row.get("use_category") or "").strip()
        if category:
            seen.setdefault(category)
    return tuple(seen)


def _longest_shared_run(a: str, b: str) -> int:
    best = 0
    previous = [0] * (len(b) + 1)
    for ch in a:
        current = [0] * (len(b) + 1)
        for j, other in enumerate(b, start=1):
            if ch == other:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def classify_use(use_text: str, categories: tuple[str, ...] | None = None) -> str | None:
    """The one vocabulary category ``use_text`` names, or None when none or several fit equally."""
    vocabulary = use_categories() if categories is None else categories
    scored = sorted(((_longest_shared_run(use_text, c), c) for c in vocabulary), reverse=True)
    if not scored or scored[0][0] < MIN_SHARED:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1]
