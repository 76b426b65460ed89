"""The figure a report's own 自评表 gives for an amount its text states: the text's "全年预算 120 万元"
set beside the table's 年度资金总额 line, for CROSS-AMOUNT.

Only a report that is its table's own report is paired (see ``form_result.with_tables``), and only the
three amounts the form's budget block holds. A stated amount that equals one of the block's 其中 lines
("其中当年财政拨款执行 100 万元") is about that line, not the total, and is left unpaired.
"""

from __future__ import annotations

from decimal import Decimal

from perfrules.model.submission import TOTAL_LINE_ITEMS, BudgetLine, Claim, Project
from perfrules.model.values import YUAN_PER_UNIT, Num, number

_COLUMN_OF_ROLE = {"年初预算": "initial_budget", "全年预算": "annual_budget", "执行数": "executed"}


def _in_yuan(num: Num, unit: str) -> Decimal | None:
    return None if num.value is None or not num.is_value else num.value * YUAN_PER_UNIT.get(unit, Decimal(1))


def _total_line(lines: list[BudgetLine]) -> BudgetLine | None:
    return next((line for line in lines if line.item.strip().rstrip(":： ") in TOTAL_LINE_ITEMS), None)


def _paired(claim: Claim, lines: list[BudgetLine], total: BudgetLine) -> Claim:
    column = _COLUMN_OF_ROLE.get(claim.role) if claim.kind == "amount" else None
    stated = _in_yuan(claim.value, claim.unit or "元")
    figure = _in_yuan(getattr(total, column), total.unit) if column else None
    if column is None or stated is None or figure is None:
        return claim
    parts = {_in_yuan(getattr(line, column), line.unit) for line in lines if line is not total}
    if stated != figure and stated in parts:
        return claim  # the text speaks of a 其中 line
    in_claims_unit = figure / YUAN_PER_UNIT.get(claim.unit or "元", Decimal(1))
    return claim.model_copy(update={"table_value": number(in_claims_unit.normalize())})


def paired_claims(claims: list[Claim], table: Project) -> list[Claim]:
    """The claims, each budget amount with the table's total-line figure beside it, in the claim's unit."""
    total = _total_line(table.budget_lines)
    return claims if total is None else [_paired(c, table.budget_lines, total) for c in claims]
