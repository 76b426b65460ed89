"""One claims row per statement a narrative report makes: money in 元, with the unit of the last digit
the report stated it to, so that a claim is compared with a table at the precision it was written."""

from __future__ import annotations

import re
from decimal import Decimal

from perfrules.model.submission import Claim
from perfrules.model.values import YUAN_PER_UNIT, Num

_STATED_AMOUNT = re.compile(r"(\d[\d,]*(?:\.(?P<decimals>\d+))?)\s*(?P<unit>亿元|万元|元)")
_YUAN = {**YUAN_PER_UNIT, "亿元": Decimal(100000000)}


def _scaled(num: Num, money: bool) -> Num:
    return num.scaled(YUAN_PER_UNIT["万元"]) if money and num.value is not None else num


def stated_amount_unit(claim: Claim) -> Decimal | None:
    """The last digit's unit of an amount as quoted, in 元: "114.5 万元" → 1000, "1.2 亿元" → 10000000."""
    found = list(_STATED_AMOUNT.finditer(claim.quote)) if claim.kind == "amount" else []
    if not found:
        return None
    last = found[-1]
    return _YUAN[last.group("unit")].scaleb(-len(last.group("decimals") or ""))


def claim_row(row: dict[str, list[object]], claim: Claim) -> None:
    """Append one claim to the claims columns."""
    money = claim.kind == "amount" and claim.unit == "万元"
    for name in ("kind", "role", "quote", "unit", "section", "paragraph", "location", "context", "parts_count"):
        row[name].append(getattr(claim, name))
    row["start_offset"].append(claim.start)
    row["end_offset"].append(claim.end)
    for name in ("value", "parts_sum", "table_value"):
        num = _scaled(getattr(claim, name), money)
        row[name].append(num.value)
        row[f"{name}_state"].append(num.state.value)
    row["value_unit"].append(stated_amount_unit(claim))
