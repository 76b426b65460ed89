"""The quantitative indicators of a project whose stated actual value misses its target, as a reviewer
reads them off the table: a list to set against a report's "全部完成" (CROSS-COMPLETION).

Only what the table itself settles counts: a stated target and a stated actual, both numbers, and a
comparator stated or inferred from the target's words. A qualitative row, a row without a comparator,
a 不适用 row or a template leftover is never a miss here, so the rule cannot fire on a guess.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal

from perfrules.model.submission import COMPARATOR_SYMBOLS, Indicator, Project
from perfrules.tables.inferred import Resolved, is_not_applicable

_MEETS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "gte": operator.ge,
    "gt": operator.gt,
    "eq": operator.eq,
    "lte": operator.le,
    "lt": operator.lt,
}


def _said(ind: Indicator, resolved: Resolved) -> str:
    target = resolved.target.raw or str(resolved.target.value)
    actual = ind.actual.raw or str(ind.actual.value)
    unit = resolved.unit or ind.unit or ""
    sign = COMPARATOR_SYMBOLS.get(resolved.comparator or "", "")
    return f"{ind.name}（指标值 {sign}{target}{unit}，实际完成 {actual}{unit}）"


def missed_targets(project: Project, resolved: dict[int, Resolved], skipped: set[int]) -> list[str]:
    """Each missed quantitative indicator as "name（指标值 ≥100，实际完成 86）", in table order."""
    out = []
    for index, ind in enumerate(project.indicators):
        r = resolved[index]
        meets = _MEETS.get(r.comparator or "")
        if index in skipped or ind.kind != "quantitative" or meets is None or is_not_applicable(ind):
            continue
        if r.target.value is None or ind.actual.value is None or not (r.target.is_value and ind.actual.is_value):
            continue
        if not meets(ind.actual.value, r.target.value):
            out.append(_said(ind, r))
    return out
