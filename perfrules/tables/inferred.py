"""An indicator's comparator and target as the rules see them, inferred where the form states none.

A workbook reader infers from the target text itself (it knows whether the form has a 计算符号
column); a JSON or YAML submission has no such column, so its missing comparators are inferred
here, from the target as filed and by convention. "无" as the target of a negative indicator
(事故, 投诉, 违规, 差错) is the target 0, with ≤.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfrules.model.submission import Indicator, Project
from perfrules.model.values import Num, ValueState, normalize_text, number
from perfrules.read.comparators import infer, is_negative, loose_target


@dataclass(frozen=True)
class Resolved:
    """An indicator's comparator, target and unit as the rules see them: stated, or inferred with its basis."""

    comparator: str | None
    basis: str | None
    target: Num
    unit: str | None


def resolve(ind: Indicator, may_infer: bool) -> Resolved:
    """The comparator, target and unit of one indicator; a form without a comparator column gets them from the target's wording (``may_infer``)."""
    comparator, basis, target, unit = ind.comparator, ind.comparator_basis, ind.target, ind.unit
    if ind.kind != "quantitative":
        return Resolved(comparator, basis, target, unit)
    raw = normalize_text(target.raw or "")
    if target.state is ValueState.NOT_APPLICABLE and raw == "无" and is_negative(ind.name):
        return Resolved(
            comparator or "lte", basis or ("无（反向指标）" if comparator is None else None), number(0), unit
        )
    if not may_infer or comparator is not None:
        return Resolved(comparator, basis, target, unit)
    if target.state is ValueState.MALFORMED and raw:
        loose = loose_target(raw)
        if loose is not None:
            target, unit = number(loose.number), unit or loose.unit
    text = raw or (str(target.value) if target.value is not None else "")
    inferred = infer(ind.name, text, unit, ind.level2) if text else None
    if inferred is None:
        return Resolved(None, None, target, unit)
    return Resolved(inferred.comparator, inferred.basis, target, unit)


NOT_APPLICABLE_WORDS = frozenset({"不适用", "不涉及", "不适应"})


def _said(num: Num, grade: str | None = None) -> str:
    return normalize_text(num.raw or grade or "")


def is_not_applicable(ind: Indicator) -> bool:
    """Both 指标值 and 实际完成值 say 不适用 / 不涉及 (or the typo 不适应), or both say 无 with no weight.

    "无" as the target of a negative indicator (事故, 投诉) is the target 0, not "not applicable".
    """
    target, actual = _said(ind.target), _said(ind.actual, ind.actual_grade)
    if target in NOT_APPLICABLE_WORDS and actual in NOT_APPLICABLE_WORDS:
        return True
    return target == actual == "无" and not ind.weight.is_value and not is_negative(ind.name)


def uncompared_names(p: Project, resolved: dict[int, Resolved], templates: set[int]) -> list[str]:
    """The quantitative indicators whose target says neither a comparator nor a range; a blank target says
    nothing to infer from (DESIGN-QUANT-TARGET's, or INDICATORS-BLANK's when the whole block is blank)."""
    return [
        p.indicators[ii].name
        for ii, r in resolved.items()
        if ii not in templates
        and p.indicators[ii].kind == "quantitative"
        and p.indicators[ii].target.state is not ValueState.MISSING
        and r.comparator is None
        and r.basis != "区间"
    ]
