"""Bounds on number literals in every file perfrules reads (JSON, YAML, CSV-free text).

Python refuses to turn more than 4,300 digits into an ``int`` (and a larger limit would only
move the hang), and a ``Decimal`` such as ``1e999999999`` overflows the moment it meets
arithmetic. No budget form, rule or waiver needs numbers anywhere near these bounds, so a
literal beyond them is refused where it is read, with its place, before anything uses it.
"""

from __future__ import annotations

from decimal import Decimal

MAX_DIGITS = 64
"""Most digits a number literal may carry (sign, point and exponent aside)."""
MAX_EXPONENT = 64
"""Largest magnitude of a literal's decimal exponent (``1e64`` and ``1e-64`` are the limits)."""


class NumberTooLarge(ValueError):
    """A number literal past :data:`MAX_DIGITS` or :data:`MAX_EXPONENT`; ``text`` is a short excerpt."""

    def __init__(self, text: str) -> None:
        self.literal = text
        self.text = text if len(text) <= 24 else text[:12] + "…" + text[-8:]
        self.message = (
            f"数字过大或位数过多（最多 {MAX_DIGITS} 位、指数不超过 {MAX_EXPONENT}）：{self.text} / number too large or "
            f"too long (at most {MAX_DIGITS} digits and an exponent within ±{MAX_EXPONENT}): {self.text}"
        )
        super().__init__(self.message)


def _digits(text: str) -> int:
    mantissa = text.lower().split("e", 1)[0]
    return sum(ch.isdigit() for ch in mantissa)


def bounded_int(text: str) -> int:
    """``int(text)`` for an integer literal, refusing one with too many digits."""
    if _digits(text) > MAX_DIGITS:
        raise NumberTooLarge(text)
    return int(text)


def bounded_decimal(text: str) -> Decimal:
    """``Decimal(text)`` for a decimal literal, refusing too many digits or an extreme exponent."""
    if _digits(text) > MAX_DIGITS:
        raise NumberTooLarge(text)
    exponent = text.lower().split("e", 1)[1] if "e" in text.lower() else "0"
    if sum(ch.isdigit() for ch in exponent) > 6:
        raise NumberTooLarge(text)
    value = Decimal(text)
    if value.is_finite():
        scale = value.as_tuple().exponent if value.is_zero() else value.adjusted()
        if isinstance(scale, int) and abs(scale) > MAX_EXPONENT:
            raise NumberTooLarge(text)
    return value
