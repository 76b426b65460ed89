"""Template leftovers: placeholder rows of the blank form ("指标1", "……", "XX", "请填写") left unfilled.

Such a row is not an indicator. It is kept out of the indicators table, so no indicator rule
and no weight total sees it, and listed on its project for one TEMPLATE-ROWS warning.
"""

from __future__ import annotations

import re

from perfrules.model.submission import Indicator
from perfrules.model.values import ValueState

_TEMPLATE_NAME = re.compile(
    r"^\s*(?:"
    r"指标\s*[0-9０-９一二三四五六七八九十]*\s*[:：]?\s*(?:…+|\.{3,}|[XxＸｘ]+)?"
    r"|[…\.。·、]+"
    r"|[XxＸｘ×]{2,}\S{0,6}"
    r"|.*请(?:填写|输入|选择|填报|录入).*"
    r")\s*$"
)


def is_template_row(ind: Indicator) -> bool:
    """A placeholder name with no target, actual, weight or score filled in."""
    if not _TEMPLATE_NAME.match(ind.name or ""):
        return False
    values = (ind.target, ind.actual, ind.weight, ind.score)
    empty = (ValueState.MISSING, ValueState.NOT_APPLICABLE)
    return all(v.state in empty for v in values) and not (ind.actual_grade or "").strip()


def template_rows(indicators: list[Indicator]) -> list[int]:
    """Indexes of the project's template rows."""
    return [i for i, ind in enumerate(indicators) if is_template_row(ind)]


def _empty(ind: Indicator) -> bool:
    return (
        all(v.state is ValueState.MISSING for v in (ind.target, ind.actual, ind.weight, ind.score))
        and not (ind.actual_grade or "").strip()
    )


def blank_block(indicators: list[Indicator], templates: set[int]) -> list[int]:
    """Every row of a project's indicator block, when not one of them has a value: the block was never filled.

    Such a project gets one INDICATORS-BLANK finding; its rows are kept out of the indicators table so
    that no rule reports them cell by cell.
    """
    rows = [i for i in range(len(indicators)) if i not in templates]
    if rows and all(_empty(indicators[i]) for i in rows):
        return rows
    return []
