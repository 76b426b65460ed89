"""Submitter strings made safe to show: no control character reaches a terminal or a page.

A filed value such as ``"\\x1b[2J\\x1b[H ALL CHECKS PASSED"`` would clear a reviewer's screen,
and a right-to-left override (U+202E) would reorder what a reviewer reads. Each becomes a
visible escape, ``\\u001b`` or ``\\u202e``, so the reviewer sees that it is there.
"""

from __future__ import annotations

import re

_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 (but tab and newline), DEL, C1, and the bidi embedding, override and isolate controls."""


def visible(text: str) -> str:
    """``text`` with every control character written as ``\\uXXXX``; tab and newline kept."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
