"""The HTML report as a real browser parses it: the tables a reviewer reads are in the DOM.

String checks in test_report_writers.py cannot catch markup a browser repairs or drops
(an unclosed tag swallowing the rows after it); headless Chromium's --dump-dom can.

Needs ``chromium`` on PATH (``scripts/ensure-chromium`` installs it on Debian). Without it
the test is skipped, unless PERFRULES_REQUIRE_BROWSER=1, where a missing browser fails, so
CI that means to run it cannot pass by accident.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

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
        {f.rule_id for s in report.submissions for f in s.findings}
    )
    assert len([c for c in rows["per-rule-all"] if c == "rule"]) == len(
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


# --- layout, as the browser lays the page out (issue 14 §4) ---------------------------------------

_PROBE = """<script>
(() => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width}; };
  const cells = [...document.querySelectorAll("#findings td")].map((td) => td.getBoundingClientRect().width);
  const out = {
    height: window.innerHeight, width: window.innerWidth,
    headline: box(document.querySelector("#verdict")),
    blocked: box(document.querySelector("#first-look tr.verdict-blocked")),
    narrowest: cells.length ? Math.min(...cells) : null,
    fontFamily: getComputedStyle(document.body).fontFamily,
    anchors: [...document.querySelectorAll("nav.toc a")].map((a) => a.getAttribute("href")),
    missing: [...document.querySelectorAll("nav.toc a")].filter((a) => !document.getElementById(a.getAttribute("href").slice(1))).length,
  };
  document.body.setAttribute("data-layout", JSON.stringify(out));
})();
</script>"""


def _layout(chromium: str, page: Path, profile: Path, size: str) -> dict[str, Any]:
    """What Chromium measured on ``page`` at window ``size``: the report stays script-free, a probe copy is measured."""
    probe = page.with_name("probe-" + page.name)
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    done = subprocess.run(
        [chromium, *_FLAGS, f"--user-data-dir={profile}", f"--window-size={size}", "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    probe.unlink()
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'data-layout="([^"]*)"', done.stdout)
    assert found, done.stdout[-2000:]
    layout: dict[str, Any] = json.loads(unescape(found.group(1)))
    return layout


def _cjk_font() -> None:
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    if not fonts.strip():
        if os.environ.get("PERFRULES_REQUIRE_BROWSER") == "1":
            pytest.fail("no CJK font installed; scripts/ensure-chromium installs fonts-noto-cjk")
        pytest.skip("no CJK font installed (scripts/ensure-chromium installs fonts-noto-cjk)")


def test_the_index_shows_the_blocked_submission_without_scrolling(tmp_path: Path) -> None:
    chromium = _chromium()
    _cjk_font()
    batch = tmp_path / "batch"
    batch.mkdir()
    clean = (FIXTURES / "clean" / "project-table-training.yaml").read_text(encoding="utf-8")
    for n in range(30):  # thirty that pass, listed before the one that does not
        (batch / f"a{n:02d}.yaml").write_text(clean, encoding="utf-8")
    shutil.copy(FIXTURES / "broken" / "project-table-errors.yaml", batch / "z-broken.yaml")
    report = perfrules.validate([batch])
    assert [r.verdict for r in report.submissions][-1] == "blocked"
    index = write_html(report, tmp_path / "html")
    for size in ("1366,768", "1024,700"):
        layout = _layout(chromium, index, tmp_path / "profile", size)
        assert layout["headline"]["bottom"] <= layout["height"], layout
        assert layout["blocked"] is not None and layout["blocked"]["bottom"] <= layout["height"], layout
        assert layout["blocked"]["right"] <= layout["width"], layout
    assert layout["missing"] == 0 and "#first" in layout["anchors"] and "#sec-submissions" in layout["anchors"]
    assert "Noto Sans CJK SC" in layout["fontFamily"] and "Microsoft YaHei" in layout["fontFamily"]
    shot = tmp_path / "index.png"
    done = subprocess.run(
        [chromium, *_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1366,768", f"--screenshot={shot}", index.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", done.stderr[-2000:]


def test_submission_pages_have_no_one_character_columns(tmp_path: Path) -> None:
    chromium = _chromium()
    _cjk_font()
    report = perfrules.validate([FIXTURES / "broken" / "project-table-errors.yaml"])
    index = write_html(report, tmp_path / "html")
    page = index.parent / "submissions" / "00001.html"
    for size in ("1366,768", "800,700"):
        layout = _layout(chromium, page, tmp_path / "profile", size)
        assert layout["narrowest"] is not None and layout["narrowest"] >= 48, layout  # three CJK characters at least
