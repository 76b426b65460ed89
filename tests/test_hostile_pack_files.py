"""Hostile pack files: a folder named like a rule, fragments and YAML nested thousands deep.

Each is a lint problem at file:line (lint exits 2), and ``check`` drops only that file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from perfrules import validate
from perfrules.pack.lint import lint_paths
from tests.conftest import RULES, SEED

RULE = "TEXT-DEVIATION-LENGTH.yaml"


def _copied_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    return pack


def test_a_folder_named_like_a_rule_file_is_a_problem(tmp_path: Path) -> None:
    pack = _copied_pack(tmp_path)
    (pack / "national" / "folder.yaml").mkdir()
    problems = lint_paths([pack])
    assert [(Path(p.file).name, "folder" in p.message) for p in problems] == [("folder.yaml", True)]
    report = validate([SEED], rules=pack)
    assert [Path(p.source).name for p in report.problems] == ["folder.yaml"]
    assert report.summary["checked"] == 1


@pytest.mark.parametrize(
    "nest",
    [
        lambda body: "(" * 3000 + body + ")" * 3000,
        lambda body: "NOT " * 3000 + "(" + body + ")",
        lambda body: " + ".join(["1"] * 3000) + " > 0 AND " + body,
    ],
    ids=["parentheses", "not-chain", "long-sum"],
)
def test_a_fragment_nested_3000_deep_is_a_lint_problem(tmp_path: Path, nest: object) -> None:
    pack = _copied_pack(tmp_path)
    rule = pack / "national" / RULE
    text = rule.read_text(encoding="utf-8")
    match = re.search(r'^(  fails_when: )"(.*)"$', text, flags=re.M)
    assert match is not None
    line = text.count("\n", 0, match.start()) + 1
    assert callable(nest)
    rule.write_text(text.replace(match.group(0), f'{match.group(1)}"{nest(match.group(2))}"'), encoding="utf-8")
    problems = lint_paths([pack])
    assert [(p.file, p.line) for p in problems] == [(str(rule), line)]
    assert "nested too deeply" in problems[0].message or "syntax" in problems[0].message
    report = validate([SEED], rules=pack)
    assert [p.source for p in report.problems] == [str(rule)]


@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_yaml_nested_3000_deep_is_a_problem_at_a_line(tmp_path: Path, opener: str) -> None:
    pack = _copied_pack(tmp_path)
    rule = pack / "national" / "DEEP.yaml"
    if opener == "- ":
        body = "".join("  " * i + "- \n" for i in range(3000))
    else:
        body = "id: " + opener * 3000 + "x" + ("]" if opener == "[" else "}") * 3000 + "\n"
    rule.write_text(body, encoding="utf-8")
    problems = lint_paths([rule])
    assert [p.file for p in problems] == [str(rule)]
    assert problems[0].line is not None
    assert "nesting" in problems[0].message or "deep" in problems[0].message
