"""Exact numbers and the four ways a value can fail to be one.

A cell on a self-evaluation form holds a number, or it is blank (missing), or "—" in a
其中 row (not applicable), or "涉密，略" (withheld), or text that is not a number at all
(malformed). These states are kept apart and never collapse to 0, because a bureau
treats "left blank" and "scored zero" very differently.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema


class ValueState(StrEnum):
    VALUE = "value"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"
    WITHHELD = "withheld"
    MALFORMED = "malformed"


NOT_APPLICABLE_MARKS = frozenset(
    {"—", "——", "-", "--", "–", "/", "\\", "*", "－", "不适用", "不涉及", "不适应", "无", "n/a", "na"}
)
_WITHHELD = re.compile(r"涉密|保密|略$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Thousands separators only in true groups of three: "12,34" may be a decimal comma or two values.
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# Scores and money are stored with four decimal places; more would be silently rounded.
DECIMAL_PLACES = 4
MAX_ABS = Decimal("1e14")


class Num(BaseModel):
    """A numeric cell: a Decimal when ``state`` is ``value``, otherwise why there is none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    state: ValueState
    value: Decimal | None = None
    raw: str | None = None
    reason: str | None = None

    @property
    def is_value(self) -> bool:
        return self.state is ValueState.VALUE

    def scaled(self, factor: Decimal) -> Num:
        """The same cell in another unit (万元 → 元), exact."""
        if self.value is None:
            return self
        return _checked(self.value * factor, self.raw)


def missing() -> Num:
    return Num(state=ValueState.MISSING)


def number(value: Decimal | int | str) -> Num:
    return _checked(Decimal(value), None)


def _checked(value: Decimal, raw: str | None) -> Num:
    # Only exponent reads before the range is known: arithmetic on 1e999999999 would overflow.
    if not value.is_finite():
        return Num(state=ValueState.MALFORMED, raw=raw, reason="不是有限数值 / not a finite number")
    if value.is_zero():
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and not -DECIMAL_PLACES <= exponent <= 0:
            value = Decimal(0)
        return Num(state=ValueState.VALUE, value=value, raw=raw)
    if value.adjusted() >= MAX_ABS.adjusted():
        return Num(state=ValueState.MALFORMED, raw=raw, reason="数值超出范围 / value out of range")
    places = Decimal(1).scaleb(-DECIMAL_PLACES)
    if value.adjusted() < -DECIMAL_PLACES or value != value.quantize(places):
        return Num(
            state=ValueState.MALFORMED,
            raw=raw,
            reason=f"小数位超过{DECIMAL_PLACES}位 / more than {DECIMAL_PLACES} decimal places",
        )
    return Num(state=ValueState.VALUE, value=value, raw=raw)


def _from_object(raw: dict[Any, Any]) -> Num:
    """The ``{"state": ..., ...}`` form reports use; a number in it passes the same checks as text."""
    if raw.get("state") != ValueState.VALUE.value:
        return Num.model_validate(raw)
    unknown = sorted(str(k) for k in raw if k not in ("state", "value", "raw"))
    if unknown:
        return Num(state=ValueState.MALFORMED, raw=repr(raw)[:80], reason=f"未知的字段 / unknown fields: {unknown}")
    value = raw.get("value")
    checked = (
        parse_num(value) if isinstance(value, str | int | Decimal | float) and not isinstance(value, bool) else None
    )
    if checked is None or checked.state is not ValueState.VALUE:
        reason = (
            checked.reason if checked and checked.reason else "状态为 value 却没有数值 / state value without a number"
        )
        return Num(state=ValueState.MALFORMED, raw=repr(value)[:80], reason=reason)
    return checked


def normalize_text(text: str) -> str:
    """Full-width digits, signs and spaces become ASCII, as clerks often type them."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_num(raw: Any) -> Num:
    """Read a cell the way a reviewer would; never guess a number that is not there."""
    if isinstance(raw, Num):
        return raw
    if isinstance(raw, dict):
        return _from_object(raw)
    if raw is None:
        return missing()
    if isinstance(raw, bool):
        return Num(
            state=ValueState.MALFORMED, raw=str(raw).lower(), reason="布尔值不是数字 / a boolean is not a number"
        )
    if isinstance(raw, int | Decimal):
        return _checked(Decimal(raw), None)
    if isinstance(raw, float):
        # Floats only reach here from callers who built models in Python; repr keeps what they typed.
        return _checked(Decimal(repr(raw)), None)
    if not isinstance(raw, str):
        return Num(state=ValueState.MALFORMED, raw=repr(raw)[:80], reason="不是数字 / not a number")
    text = normalize_text(raw)
    if not text:
        return missing()
    if text.lower() in NOT_APPLICABLE_MARKS:
        return Num(state=ValueState.NOT_APPLICABLE, raw=raw)
    if _WITHHELD.search(text):
        return Num(state=ValueState.WITHHELD, raw=raw)
    compact = text.replace(" ", "")
    if _GROUPED.match(compact):
        compact = compact.replace(",", "")
    if _NUMBER.match(compact):
        return _checked(Decimal(compact), raw)
    return Num(state=ValueState.MALFORMED, raw=raw, reason=f"无法识别为数字 / not a number: {raw[:40]!r}")


def _serialize(num: Num) -> Any:
    if num.state is ValueState.VALUE:
        return str(num.value)
    if num.state is ValueState.MISSING:
        return None
    return {"state": num.state.value, "raw": num.raw, "reason": num.reason}


NumField = Annotated[
    Num,
    BeforeValidator(parse_num),
    PlainSerializer(_serialize),
    WithJsonSchema(
        {
            "description": "A number (JSON number or numeric string, full-width digits allowed), null for missing, "
            '"—"/"/"/"*" for not applicable, "涉密，略" for withheld; any other text is kept as malformed.',
            "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "null"}],
        }
    ),
]

MoneyUnit = Literal["元", "万元"]
YUAN_PER_UNIT: dict[str, Decimal] = {"元": Decimal(1), "万元": Decimal(10000)}
