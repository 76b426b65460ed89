"""Regular expressions: RE2 (as DuckDB runs it) compiles every pattern at lint time, at its line.

A pattern RE2 refuses is a lint error, wherever the pack holds it: a text_pattern list, a row
condition's ``matches``, a fragment's regexp_matches/regexp_extract, or an overlay's parameter.
Patterns are compiled one by one before they are joined, so one cannot close another's group.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from perfrules import validate
from perfrules.compile.regex import re2_problem
from perfrules.pack.lint import lint_paths
from perfrules.pack.loader import load_pack
from tests.conftest import SEED

RULE: dict[str, Any] = {
    "id": "REGEX-RULE",
    "version": "1.0",
    "severity": "warning",
    "title": {"zh": "测试", "en": "test"},
    "message": {"zh": "测试", "en": "test"},
    "basis": [{"document": "test", "verification": "P"}],
    "parameters": {"pattern": {"default": "培训"}},
    "table": "indicators",
    "points_at": "name",
    "check": {"kind": "text_pattern", "column": "name", "patterns": ["满意度"]},
}
BAD = ["(?<=a)b", "(a)\\1", "a)|(b", "[z-a]", "(unclosed", "x{2,1}"]


def _rule_file(tmp_path: Path, rule: dict[str, Any]) -> tuple[Path, int]:
    path = tmp_path / "REGEX-RULE.yaml"
    text = json.dumps(rule, ensure_ascii=False, indent=1)
    path.write_text(text, encoding="utf-8")
    return path, text


@pytest.mark.parametrize("pattern", BAD)
def test_re2_refuses_what_duckdb_cannot_run(pattern: str) -> None:
    assert re2_problem(pattern) is not None


@pytest.mark.parametrize("pattern", ["满意度", "^(?:[0-9]+)$", "a|b", "\\d{2,4}", "(?i)abc"])
def test_re2_accepts_ordinary_patterns(pattern: str) -> None:
    assert re2_problem(pattern) is None


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("pattern", BAD)
@pytest.mark.parametrize("place", ["text_pattern", "row_matches", "fragment", "fragment_parameter"])
def test_lint_refuses_an_re2_invalid_pattern_at_its_line(tmp_path: Path, pattern: str, place: str) -> None:
    rule = copy.deepcopy(RULE)
    if place == "text_pattern":
        rule["check"]["patterns"] = ["满意度", pattern]
        anchor = '"patterns"'
    elif place == "row_matches":
        rule["check"] = {"kind": "row", "fails_when": [{"column": "name", "op": "matches", "value": pattern}]}
        anchor = '"fails_when"'
    elif place == "fragment":
        rule["check"] = {"kind": "sql", "fails_when": "regexp_matches(name, '" + pattern.replace("'", "''") + "')"}
        anchor = '"fails_when"'
    else:
        rule["parameters"]["pattern"]["default"] = pattern
        rule["check"] = {"kind": "sql", "fails_when": "regexp_matches(name, {pattern})"}
        anchor = '"fails_when"'
    path, text = _rule_file(tmp_path, rule)
    problems = lint_paths([path])
    assert [(p.file, p.line) for p in problems] == [(str(path), _line_of(text, anchor))], problems
    assert "RE2" in problems[0].message


def test_an_overlay_cannot_bring_in_an_invalid_pattern(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    (pack / "rules").mkdir(parents=True)
    rule = copy.deepcopy(RULE)
    rule["check"] = {"kind": "sql", "fails_when": "regexp_matches(name, {pattern})"}
    (pack / "rules" / "REGEX-RULE.yaml").write_text(json.dumps(rule, ensure_ascii=False), encoding="utf-8")
    overlay = tmp_path / "ov.yaml"
    overlay.write_text(
        "name: x\nchanges:\n  - rule: REGEX-RULE\n    reason: r\n    parameters: {pattern: '(?<=x)y'}\n",
        encoding="utf-8",
    )
    loaded = load_pack(pack, overlays=[overlay])
    assert [(p.file, "RE2" in p.message) for p in loaded.problems] == [(str(overlay), True)]


def test_valid_patterns_are_joined_without_changing_what_each_matches(tmp_path: Path) -> None:
    clean = SEED.parents[1] / "clean" / "project-table-training.yaml"
    pack = tmp_path / "pack"
    (pack / "rules").mkdir(parents=True)
    rule = copy.deepcopy(RULE)
    rule["check"]["patterns"] = ["^培训", "(?:满意度)$", "a|b"]
    (pack / "rules" / "REGEX-RULE.yaml").write_text(json.dumps(rule, ensure_ascii=False), encoding="utf-8")
    report = validate([clean], rules=pack)
    assert not report.problems
    names = sorted(f.location.indicator or "" for f in report.submissions[0].findings)
    assert names == sorted(["培训人次", "培训合格率", "培训后就业率", "培训长效机制", "学员满意度"])
