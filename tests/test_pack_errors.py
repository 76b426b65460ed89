"""A rule author learns exactly what is wrong, where: one test per way a rule can be broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from perfrules.pack.lint import lint_paths
from perfrules.pack.loader import load_pack, load_rule_text
from tests.conftest import RULES

LOOKUPS = {"fund_uses": ("purpose_category", "use_category", "valid_from", "valid_to", "basis")}
HEAD = """id: TEST-RULE
version: "1.0"
severity: error
title: {zh: 标题, en: title}
message: {zh: "消息 {project}", en: "message {project}"}
basis: [{document: 测试, verification: C}]
"""


def _problems(body: str) -> list[tuple[int | None, str]]:
    loaded, problems = load_rule_text(HEAD + body, "rule.yaml", LOOKUPS)
    assert loaded is None, "the broken rule must not load"
    return [(p.line, p.message) for p in problems]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            "table: indikators\npoints_at: score\ncheck: {kind: sql, fails_when: 'score > 1'}\n",
            7,
            "did you mean indicators",
        ),
        ("table: indicators\npoints_at: scor\ncheck: {kind: sql, fails_when: 'score > 1'}\n", 8, "did you mean score"),
        ("table: indicators\npoints_at: score\ncheck: {kind: sql, fails_when: 'scroe > 1'}\n", 9, "did you mean score"),
        (
            "table: indicators\npoints_at: score\ncheck: {kind: sql, fails_when: 'score > {limit}'}\n",
            9,
            "undeclared parameter {limit}",
        ),
        (
            "table: indicators\npoints_at: score\ncheck: {kind: sql, fails_when: 'sum(score) > 1'}\n",
            9,
            "only allowed in aggregate",
        ),
        (
            "table: indicators\npoints_at: score\ncheck:\n  kind: row\n  fails_when: [{column: scor, op: gt, value: 1}]\n",
            11,
            "did you mean score",
        ),
        (
            "table: indicators\npoints_at: score\ncheck:\n  kind: row\n  fails_when: [{column: score, op: gt, other: wieght}]\n",
            11,
            "did you mean weight",
        ),
        (
            "table: indicators\npoints_at: score\ncheck:\n  kind: row\n  fails_when: [{column: score, op: gt, value: '{max}'}]\n",
            11,
            "undeclared parameter {max}",
        ),
        (
            "table: indicators\npoints_at: score\ncheck:\n  kind: row\n  fails_when: [{column: score, op: gt}]\n",
            11,
            "needs a value",
        ),
        (
            "table: indicators\npoints_at: score\ncheck: {kind: text_pattern, column: score, patterns: [x]}\n",
            9,
            "unknown column score",
        ),
        (
            "table: expenditures\npoints_at: use_category\ncheck: {kind: reference, lookup: fund_usage, keys: {use_category: use_category}}\n",
            9,
            "did you mean fund_uses",
        ),
        (
            "table: expenditures\npoints_at: use_category\ncheck: {kind: reference, lookup: fund_uses, keys: {use_categry: use_category}}\n",
            9,
            "did you mean use_category",
        ),
        (
            "table: expenditures\npoints_at: use_category\ncheck: {kind: reference, lookup: fund_uses, keys: {use_category: usage}}\n",
            9,
            "unknown column usage",
        ),
        (
            "table: expenditures\npoints_at: use_category\ncheck: {kind: reference, lookup: fund_uses, keys: {use_category: use_category}, allowed_column: allowed}\n",
            9,
            "unknown column allowed",
        ),
        (
            "table: projects\npoints_at: self_score\ncheck: {kind: aggregate, group_by: project, fails_when: 'count(*) > 1'}\n",
            9,
            "grouped by itself",
        ),
        (
            "table: indicators\npoints_at: fund_name\ncheck: {kind: aggregate, group_by: fund, fails_when: 'count(*) > 1'}\n",
            9,
            "cannot be grouped by fund",
        ),
        (
            "table: indicators\npoints_at: project_name\ncheck: {kind: aggregate, group_by: department, fails_when: 'count(*) > 1'}\n",
            9,
            "scope: batch",
        ),
        (
            "table: indicators\npoints_at: score\ncheck: {kind: sql, fails_when: 'score > 1'}\nevidence: {project: score}\n",
            10,
            "shadows a built-in",
        ),
        (
            "table: indicators\npoints_at: score\ncheck: {kind: sql, fails_when: 'score > 1'}\nsevertiy: error\n",
            10,
            "did you mean severity",
        ),
        ("table: indicators\npoints_at: score\ncheck: {kind: sq, fails_when: 'score > 1'}\n", 9, "did you mean sql"),
    ],
)
def test_each_broken_rule_is_located_and_explained(body: str, line: int, words: str) -> None:
    problems = _problems(body)
    assert any(words in message and found == line for found, message in problems), problems


def test_a_template_placeholder_that_does_not_exist() -> None:
    body = "table: indicators\npoints_at: score\ncheck: {kind: sql, fails_when: 'score > 1'}\n"
    loaded, problems = load_rule_text(HEAD.replace("消息 {project}", "消息 {scor}") + body, "r.yaml", LOOKUPS)
    assert loaded is None
    assert problems[0].line == 5
    assert "{scor}" in problems[0].message


def test_not_a_mapping_and_not_yaml() -> None:
    assert "must be a mapping" in load_rule_text("- a\n- b\n", "r.yaml", {})[1][0].message
    (problem,) = load_rule_text("id: [unclosed\n", "r.yaml", {})[1]
    assert problem.line is not None


def test_pack_level_problems(tmp_path: Path) -> None:
    assert load_pack(tmp_path / "missing").problems[0].message.startswith("规则目录不存在")
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    shutil.copy(pack / "national" / "FUND-COMMINGLED.yaml", pack / "national" / "COPY.yaml")
    (pack / "national" / "GBK.yaml").write_bytes("id: 规则\n".encode("gbk"))
    loaded = load_pack(pack)
    messages = [str(p) for p in loaded.problems]
    assert any("duplicate rule id" in m and "COPY.yaml" in m for m in messages)
    assert any("not UTF-8" in m and "GBK.yaml" in m for m in messages)
    assert loaded.rule("FUND-COMMINGLED") is not None  # the original still loads


def test_overlay_problems_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nchanges:\n"
        "  - {rule: NO-SUCH-RULE, reason: x}\n"
        "  - {rule: DESIGN-QUANT-SHARE, reason: x, parameters: {no_such: 1}}\n"
        "  - {rule: DESIGN-QUANT-SHARE, reason: x, parameters: {min_share: 'not a number'}}\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [\n", encoding="utf-8")
    pack = load_pack(RULES, [bad, broken, "no-such-overlay"])
    messages = [(p.line, p.message) for p in pack.problems]
    assert (3, "叠加规则引用了不存在的规则 / overlay names an unknown rule: NO-SUCH-RULE") in messages
    assert any(line == 4 and "no_such" in m for line, m in messages)
    assert any(line == 5 for line, m in messages)
    assert any("invalid overlay" in m for _, m in messages)
    assert any("overlay not found" in m for _, m in messages)
    assert pack.overlays == ["bad"]


def test_lint_single_files_and_folders(tmp_path: Path) -> None:
    rule = tmp_path / "pack" / "national" / "R.yaml"
    rule.parent.mkdir(parents=True)
    shutil.copytree(RULES / "reference", tmp_path / "pack" / "reference")
    rule.write_text(
        HEAD
        + "table: expenditures\npoints_at: use_category\ncheck: {kind: reference, lookup: fund_uses, keys: {use_category: use_category}}\n",
        encoding="utf-8",
    )
    assert lint_paths([rule]) == []  # the pack's reference tables are found from a single file
    assert "no such file" in lint_paths([tmp_path / "nope.yaml"])[0].message
    (tmp_path / "latin.yaml").write_bytes(b"id: \xff\n")
    assert "not UTF-8" in lint_paths([tmp_path / "latin.yaml"])[0].message
    assert lint_paths([RULES]) == []


def test_yaml11_booleans_are_explained_with_the_fix() -> None:
    loaded, problems = load_rule_text(HEAD + "enabled: off\ntable: indicators\n", "r.yaml", LOOKUPS)
    assert loaded is None
    (problem,) = problems
    assert (problem.line, problem.column) == (7, 10)
    assert "write true/false" in problem.message
