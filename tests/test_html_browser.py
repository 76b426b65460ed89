"""The HTML report as a real browser parses it: the tables a reviewer reads are in the DOM.

String checks in test_report_writers.py cannot catch markup a browser repairs or drops
(an unclosed tag swallowing the rows after it); headless Chromium's --dump-dom can.

Needs ``chromium`` on PATH (``scripts/ensure-chromium`` installs it on Debian). Without it
the test is skipped, unless PERFRULES_REQUIRE_BROWSER=1, where a missing browser fails, so
CI that means to run it cannot pass by accident.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import perfrules
from perfrules.report.html import write_html
from tests.conftest import FIXTURES

# Everything that could reach the network or a profile outside tmp is off: the report must
# render from file:// alone.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class _Rows(HTMLParser):
    """Classes of the <tr> elements inside each <table id=…>, as the browser serialised them."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[str]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self._current = attributes.get("id") or ""
            self.tables[self._current] = []
        elif tag == "tr" and self._current is not None:
            self.tables[self._current].append(attributes.get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._current = None


def _chromium() -> str:
    # Called from the test, not a fixture, so a required-but-missing browser reports FAILED, not ERROR.
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("PERFRULES_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not on PATH but PERFRULES_REQUIRE_BROWSER=1; run scripts/ensure-chromium")
        pytest.skip("chromium is not on PATH (scripts/ensure-chromium installs it)")
    return found


def _dom(chromium: str, page: Path, profile: Path) -> _Rows:
    done = subprocess.run(
        [chromium, *_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    parser = _Rows()
    parser.feed(done.stdout)
    return parser


def test_browser_sees_the_submission_table_and_the_findings_rows(tmp_path: Path) -> None:
    chromium = _chromium()
    report = perfrules.validate([FIXTURES])
    index = write_html(report, tmp_path / "html")
    profile = tmp_path / "profile"

    rows = _dom(chromium, index, profile).tables
    assert [c for c in rows["submissions"] if c == "submission"] == ["submission"] * len(report.submissions)
    assert len([c for c in rows["per-rule"] if c == "rule"]) == len(
        {e.rule_id for s in report.submissions for e in s.ledger}
    )

    position = max(range(len(report.submissions)), key=lambda i: len(report.submissions[i].findings))
    result = report.submissions[position]
    assert result.findings, "the fixtures should include a submission with findings"
    page = index.parent / "submissions" / f"{position + 1:05d}.html"
    rows = _dom(chromium, page, profile).tables
    findings = [c.split() for c in rows["findings"] if c.startswith("finding")]
    assert len(findings) == len(result.findings)
    assert sorted(c[1] for c in findings) == sorted(f"sev-{f.severity.value}" for f in result.findings)
    assert sum("blocking" in c for c in findings) == sum(f.blocking for f in result.findings)
    assert len([c for c in rows["ledger"] if c.startswith("ledger")]) == len(result.ledger)
