"""Issue 11: every problem carries a stable code, the same in the JSON report, JUnit and the docs."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import perfrules
from perfrules.model.report import PROBLEM_CODES
from perfrules.report.junit import render_junit
from tests.conftest import RULES

DOCS = Path(__file__).resolve().parents[1] / "docs" / "report-format.md"


def test_every_code_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert all(f"`{code}`" in text for code in PROBLEM_CODES)


def test_problems_carry_their_code_in_json_and_junit(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("document_kind: [\n", encoding="utf-8")
    (tmp_path / "notes.docm").write_bytes(b"x")
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "national" / "ZZ-BROKEN.yaml").write_text("id: ZZ-BROKEN\n", encoding="utf-8")
    report = perfrules.validate([tmp_path / "broken.yaml", tmp_path / "notes.docm"], rules=rules)
    codes = {(p.code, Path(p.source).name) for p in report.problems}
    assert ("input.unreadable", "broken.yaml") in codes
    assert ("input.unsupported", "notes.docm") in codes
    assert ("rule.load", "ZZ-BROKEN.yaml") in codes
    assert all(p.code in PROBLEM_CODES for p in report.problems)
    types = {e.get("type") for e in ET.fromstring(render_junit(report)).iter("error")}
    assert {"input.unreadable", "input.unsupported", "rule.load"} <= types
