"""Waivers and justifications that matched no finding, so that a typo is seen, not silently ignored.

A mistyped fingerprint waives nothing and the finding keeps blocking; the report lists each such
entry with its fingerprint exactly as written, where it is written (file, line, pointer) and the
nearest finding's full fingerprint. Justifications are matched within their own submission,
waivers across the batch: with a waivers file, the run keeps every finding's fingerprint (about
100 bytes each) until the report is built.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from perfrules.findings.fingerprints import nearest, short
from perfrules.model.report import Finding, Unmatched, Waiver
from perfrules.model.submission import Justification
from perfrules.pack.waivers import WaiverPlace

_TEXT_SUFFIXES = (".json", ".yaml", ".yml")
_MAX_SCAN_BYTES = 64 * 1024 * 1024


def line_in_file(source: str, written: str, occurrence: int = 0) -> int | None:
    """The line of the ``occurrence``-th appearance of ``written`` as a whole token in a JSON or YAML file."""
    path = Path(source)
    if not written.strip() or path.suffix.lower() not in _TEXT_SUFFIXES:
        return None
    try:
        if not path.is_file() or path.stat().st_size > _MAX_SCAN_BYTES:
            return None
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    token = re.compile(r"(?<![0-9A-Za-z])" + re.escape(written) + r"(?![0-9A-Za-z])")
    for index, match in enumerate(token.finditer(text)):
        if index == occurrence:
            return text.count("\n", 0, match.start()) + 1
    return None


class UnmatchedTracker:
    """Over one run: which waivers some finding used, and the justifications no finding of theirs used."""

    def __init__(
        self,
        waivers: Mapping[str, Waiver],
        places: Mapping[str, WaiverPlace],
        waivers_source: str | None,
        as_of: dt.date | None,
    ) -> None:
        self._waivers = waivers
        self._places = places
        self._source = waivers_source or ""
        self._as_of = as_of or dt.date.today()
        self._used: set[str] = set()
        self._seen: dict[str, str] = {}
        self._justifications: list[Unmatched] = []

    def see(self, source: str, justifications: Sequence[Justification], findings: Sequence[Finding]) -> None:
        """One submission's findings, and the justifications it carries."""
        rules = {f.fingerprint: f.rule_id for f in findings}
        if self._waivers:
            self._used.update(k for fp in rules for k in (fp, short(fp)) if k in self._waivers)
            self._seen.update(rules)
        written = set(rules) | {short(fp) for fp in rules}
        before: dict[str, int] = {}
        for index, item in enumerate(justifications):
            occurrence = before.get(item.fingerprint, 0)
            before[item.fingerprint] = occurrence + 1
            if item.fingerprint in written:
                continue
            near = nearest(item.fingerprint, rules.keys())
            self._justifications.append(
                Unmatched(
                    kind="justification", fingerprint=item.fingerprint, source=source,
                    line=line_in_file(source, item.fingerprint, occurrence),
                    pointer=f"/justifications/{index}/fingerprint", nearest=near, nearest_rule_id=rules.get(near or ""),
                )
            )  # fmt: skip

    def report(self) -> list[Unmatched]:
        """Every unmatched entry, by source, then line and pointer."""
        found = list(self._justifications)
        for written, waiver in self._waivers.items():
            if written in self._used:
                continue
            place = self._places.get(written, WaiverPlace(pointer="/waivers", line=None))
            near = nearest(written, self._seen.keys())
            found.append(
                Unmatched(
                    kind="waiver", fingerprint=written, source=self._source, line=place.line, pointer=place.pointer,
                    expired=waiver.expires < self._as_of, nearest=near, nearest_rule_id=self._seen.get(near or ""),
                )
            )  # fmt: skip
        return sorted(found, key=lambda u: (u.source, u.line or 0, u.pointer))
