"""The project's money for the year, in 元, as its indicators are weighed against it (DESIGN-L2-*)."""

from __future__ import annotations

from decimal import Decimal

from perfrules.model.submission import TOTAL_LINE_ITEMS, Project
from perfrules.model.values import YUAN_PER_UNIT


def project_budget(p: Project, declared: bool) -> Decimal | None:
    """The project's money for the year in 元, as its indicators are weighed against it (DESIGN-L2-*):
    the declaration's 年度资金, or the 年度资金总额 line's 全年预算数."""
    if declared:
        if p.declaration is None:
            return None
        amount, unit = p.declaration.annual_amount, p.declaration.unit
    else:
        total = next((b for b in p.budget_lines if b.item.strip().rstrip(":： ") in TOTAL_LINE_ITEMS), None)
        if total is None:
            return None
        amount, unit = total.annual_budget, total.unit
    if amount.value is None:
        return None
    return amount.scaled(YUAN_PER_UNIT["万元"]).value if unit == "万元" else amount.value
