"""Chinese numerals as written in reports ("三", "十二", "两", "一百零五", "二〇二一") to integers.

Written here, not taken from cn2an: cn2an 0.5 imports ``pkg_resources`` (gone from current
setuptools) and ``ruamel.yaml`` (which it does not declare), for a conversion of twenty lines.
Only whole numbers below 10 000 are read: the counts a report states ("三项工作", "十二个项目").
"""

from __future__ import annotations

import re

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMBER = r"[〇零一二两三四五六七八九十百千]+"
"""A run of Chinese numeral characters; :func:`cn_to_int` decides whether it is a number."""
_PLAIN = re.compile(r"[〇零一二三四五六七八九]{2,4}")


def cn_to_int(text: str) -> int | None:
    """The integer a Chinese numeral writes, or None when ``text`` is not one.

    >>> [cn_to_int(t) for t in ("三", "十", "十二", "二十", "一百零五", "两千", "二〇二一", "十十", "三四", "")]
    [3, 10, 12, 20, 105, 2000, 2021, None, None, None]
    """
    if not text:
        return None
    if _PLAIN.fullmatch(text) and ("〇" in text or len(text) == 4):  # digit by digit, as years are written
        return int("".join(str(_DIGITS[c]) for c in text))
    total, digit, last_unit = 0, None, 10_000
    for char in text:
        if char in _DIGITS:
            if digit is not None and _DIGITS[char] != 0:
                return None  # two digits with no unit between: "三四" is not a number
            digit = _DIGITS[char] if _DIGITS[char] else None
        elif char in _UNITS:
            unit = _UNITS[char]
            if unit >= last_unit or (digit is None and unit != 10):
                return None  # units must fall ("十十"), and only 十 stands without a digit ("百十")
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        else:
            return None
    return total + (digit or 0)
