"""The parts a project's 总分 is the sum of: the budget-execution score and the indicator scores.

10号's form states 总分 as 预算执行得分 + Σ 指标得分 (issue 12 §7, SCORE-TOTAL-SUM). The sum spans
two tables, and a rule sees one, so it is worked out here, once, as project columns. It is None
whenever a part is not a number a reviewer could add (blank, withheld, 不适用 without a score,
malformed): a blank cell is DATA-REQUIRED-BLANK's finding, never a total that "does not add up".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from perfrules.model.submission import TOTAL_LINE_ITEMS, Project
from perfrules.model.values import Num, number
from perfrules.tables.inferred import is_not_applicable


@dataclass(frozen=True)
class ScoreParts:
    """The budget-execution score, the indicator scores' sum, and half the sum of the decimal parts' last-digit units."""

    exec_score: Decimal | None = None
    indicator_sum: Decimal | None = None
    slack: Decimal | None = None


NO_PARTS = ScoreParts()


def _unit(num: Num) -> Decimal:
    assert num.value is not None
    exponent = num.value.as_tuple().exponent
    return Decimal(1).scaleb(min(exponent, 0)) if isinstance(exponent, int) else Decimal(1)


def _is_total(item: str) -> bool:
    return item.strip().rstrip(":： ") in TOTAL_LINE_ITEMS


def score_parts(project: Project, skipped: set[int], *, scorecard: bool = False) -> ScoreParts:
    """The parts of the project's total, or all None when one of them is not a stated number.

    A 部门整体 scorecard has no budget block: it scores 预算执行 among its lines, so its budget part is 0.

    ``skipped`` are the indicator rows kept out of the tables (template rows, a never-filled block).
    Only the 年度资金总额 line's score counts: a form that scores its 其中 lines too is ambiguous,
    and left alone rather than guessed at.
    """
    totals = [line for line in project.budget_lines if _is_total(line.item)]
    others = [line for line in project.budget_lines if not _is_total(line.item)]
    if scorecard and not project.budget_lines:
        budget_part = number(0)
    elif len(totals) != 1 or not totals[0].score.is_value or any(line.score.is_value for line in others):
        return NO_PARTS
    else:
        budget_part = totals[0].score
    scores: list[Num] = [budget_part]
    rows = [ind for i, ind in enumerate(project.indicators) if i not in skipped]
    if not rows:
        return NO_PARTS
    for ind in rows:
        if ind.score.is_value:
            scores.append(ind.score)
        elif not is_not_applicable(ind):
            return NO_PARTS  # a blank or unreadable score: not a sum anyone could check
    indicator_sum = sum((s.value for s in scores[1:] if s.value is not None), Decimal(0))
    # A score shown with decimals may be a rounded one (a spreadsheet adds what it stores, not what it
    # shows): each such part moves the sum by up to half its last digit. A whole-number score is taken
    # as exact, or an integer total one point off an integer sum would pass as "rounding".
    slack = sum((u for u in map(_unit, scores) if u < 1), Decimal(0)) / 2
    return ScoreParts(budget_part.value, indicator_sum, slack)
