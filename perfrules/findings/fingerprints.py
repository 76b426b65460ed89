"""Fingerprints as people write them: the short form the text report prints, and the nearest one to a typo.

A fingerprint is 24 hex digits (``perfrules.findings.build.fingerprint``). The text report prints
its first 12, and a waiver or justification may give either form. Twelve hex digits are 48 bits:
in a national batch of a million findings, the chance that a given short form names two
findings is below one in a hundred million.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Collection, Mapping
from typing import TypeVar

SHORT = 12
_HEX = "0123456789abcdef"
_SCAN_LIMIT = 20_000
"""Above this many candidates the nearest is found by shared prefix only (difflib is quadratic)."""

T = TypeVar("T")


def short(fingerprint: str) -> str:
    """The form the text report prints."""
    return fingerprint[:SHORT]


def lookup(by_fingerprint: Mapping[str, T], fingerprint: str) -> T | None:
    """What a file gives for a finding: under its full fingerprint, else under its short form."""
    found = by_fingerprint.get(fingerprint)
    return found if found is not None else by_fingerprint.get(short(fingerprint))


def matches(written: str, fingerprint: str) -> bool:
    return written in (fingerprint, short(fingerprint))


def _one_edit(text: str) -> set[str]:
    """Every string one deletion, substitution, insertion or swap of neighbours away (hex digits only)."""
    splits = [(text[:i], text[i:]) for i in range(len(text) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + c + b[1:] for a, b in splits if b for c in _HEX}
    out |= {a + c + b for a, b in splits for c in _HEX}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    return out


def _by_prefix(key: str, ordered: list[str]) -> str | None:
    """The candidate sharing the longest prefix with ``key`` (its neighbours in sorted order)."""
    at = bisect.bisect_left(ordered, key)
    near = ordered[max(at - 1, 0) : at + 1]

    def shared(candidate: str) -> int:
        n = 0
        while n < min(len(key), len(candidate)) and key[n] == candidate[n]:
            n += 1
        return n

    return max(near, key=lambda c: (shared(c), c), default=None)


def nearest(written: str, candidates: Collection[str]) -> str | None:
    """The finding's fingerprint a mistyped one most likely meant, or ``None`` without candidates.

    Tried in order: the same text with case and spaces fixed; a full fingerprint it is the start
    of, or that it starts with; one typing slip away (a digit wrong, dropped, added or swapped,
    on the full or the short form); and otherwise the most similar.
    """
    if not candidates:
        return None
    pool = frozenset(candidates)
    key = "".join(written.split()).lower()
    ordered = sorted(pool)
    if key in pool:
        return key
    at = bisect.bisect_left(ordered, key)
    if at < len(ordered) and ordered[at].startswith(key) and key:
        return ordered[at]
    if any(key.startswith(fp) for fp in ordered[max(at - 1, 0) : at]):
        return ordered[at - 1]
    shorts = {short(fp): fp for fp in sorted(pool, reverse=True)}
    for variant in sorted(_one_edit(key)):
        if variant in pool:
            return variant
        if variant in shorts:
            return shorts[variant]
    if len(ordered) > _SCAN_LIMIT:
        return _by_prefix(key, ordered)
    return min(ordered, key=lambda fp: (-difflib.SequenceMatcher(None, key, fp).ratio(), fp))
