"""The parts of `perfrules test`: example judging, coverage, boundary oracles, YAML counterexamples."""

from __future__ import annotations

import dataclasses
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from perfrules.pack.loader import Pack, load_pack
from perfrules.testing import boundaries
from perfrules.testing._fragments import Fragment
from perfrules.testing._yamlout import dump_yaml, example_block
from perfrules.testing.coverage import analyse, format_coverage
from perfrules.testing.examples import format_failure, run_examples
from perfrules.testing.mutation import mutants, shifted
from perfrules.testing.properties import format_boundary_failure
from perfrules.yaml12 import load_yaml

HEAD = """\
id: TEST-{name}
version: "1.0"
severity: error
title: {{zh: 测试, en: test}}
message: {{zh: "指标“{{indicator}}”", en: "indicator {{indicator}}"}}
basis: {{document: 测试, verification: R}}
"""
SCORE_ABOVE_WEIGHT = """\
table: indicators
points_at: score
check: {kind: sql, fails_when: "score > weight"}
"""
PROJECT = "{document_kind: project_table, header: {department: 示例局, fiscal_year: 2022}, projects: [{name: 甲, indicators: [%s]}]}"
INDICATOR = "{level1: 产出指标, name: 培训人数, kind: quantitative, weight: %s, score: %s}"


def _pack(tmp_path: Path, **rules: str) -> Pack:
    (tmp_path / "pack.yaml").write_text("name: parts\n", encoding="utf-8")
    for name, body in rules.items():
        (tmp_path / f"{name}.yaml").write_text(HEAD.format(name=name) + body, encoding="utf-8")
    pack = load_pack(tmp_path)
    assert not pack.problems, [str(p) for p in pack.problems]
    return pack


def _example(name: str, expect: str, submission: str, findings: str = "") -> str:
    return f"  - name: {name}\n    expect: {expect}\n    submission: {submission}\n" + (
        f"    findings: {findings}\n" if findings else ""
    )


# --- examples -----------------------------------------------------------------------------------


def test_example_judging_names_each_way_an_example_can_be_wrong(tmp_path: Path) -> None:
    body = (
        SCORE_ABOVE_WEIGHT
        + "examples:\n"
        + "".join(
            [
                _example(
                    "位置不对", "fail", PROJECT % (INDICATOR % (10, 12)), "[{at: /projects/0/indicators/0/weight}]"
                ),
                _example("必过却被触发", "pass", PROJECT % (INDICATOR % (10, 12))),
                _example("年度不是数字", "pass", PROJECT.replace("fiscal_year: 2022", "fiscal_year: 二〇二二") % ""),
                _example(
                    "文书类型不适用",
                    "fail",
                    PROJECT.replace("project_table", "narrative_report") % (INDICATOR % (10, 12)),
                    "[{at: /projects/0/indicators/0/score}]",
                ),
                _example(
                    "次数不对",
                    "fail",
                    PROJECT % (INDICATOR % (10, 12)),
                    "[{at: /projects/0/indicators/0/score, count: 2}]",
                ),
            ]
        )
    )
    pack = _pack(tmp_path, JUDGE=body)
    results = run_examples(pack).results
    assert [r.ok for r in results] == [False] * 5
    text = "\n".join(format_failure(r) for r in results)
    assert "expected: /projects/0/indicators/0/weight ×1 [error]" in text
    assert "got:      /projects/0/indicators/0/score ×1 [error]" in text
    assert "expected: （无 / none）" in text
    rule_lines = (tmp_path / "JUDGE.yaml").read_text(encoding="utf-8").splitlines()
    starts = [n for n, line in enumerate(rule_lines, 1) if line.startswith("  - name:")]
    assert [r.line for r in results] == starts
    assert f"the example submission is not valid（第 {starts[2] + 2} 行 / line {starts[2] + 2}）" in text
    assert "the rule does not apply to this example (document kind narrative_report" in text
    assert "expected: /projects/0/indicators/0/score ×2 [error]" in text


def test_only_the_owning_rules_findings_count(tmp_path: Path) -> None:
    other = SCORE_ABOVE_WEIGHT.replace("score > weight", "weight > 5")
    own = SCORE_ABOVE_WEIGHT + "examples:\n" + _example("得分不超过分值", "pass", PROJECT % (INDICATOR % (10, 8)))
    run = run_examples(_pack(tmp_path, OWN=own, OTHER=other))
    assert all(r.ok for r in run.results)
    assert run.outcomes[0].fired["TEST-OTHER"], "the other rule did fire on the example"
    assert run.clean_submissions() == []


# --- coverage -----------------------------------------------------------------------------------


def test_coverage_names_missing_examples_and_unvaried_columns(tmp_path: Path) -> None:
    only_pass = SCORE_ABOVE_WEIGHT + "examples:\n" + _example("通过", "pass", PROJECT % (INDICATOR % (10, 8)))
    score_only = (
        SCORE_ABOVE_WEIGHT
        + "examples:\n"
        + "".join(
            [
                _example("通过", "pass", PROJECT % (INDICATOR % (10, 8))),
                _example("不通过", "fail", PROJECT % (INDICATOR % (10, 12)), "[{at: /projects/0/indicators/0/score}]"),
            ]
        )
    )
    items = {c.rule_id: c for c in analyse(_pack(tmp_path, **{"ONLY-PASS": only_pass, "SCORE-ONLY": score_only}))}
    assert items["TEST-ONLY-PASS"].missing == ("fail",)
    assert items["TEST-SCORE-ONLY"].missing == ()
    assert items["TEST-SCORE-ONLY"].reads == ("indicators.score", "indicators.weight")
    assert items["TEST-SCORE-ONLY"].unvaried == ("indicators.weight",)
    text = format_coverage(list(items.values()))
    assert "no example varies: indicators.weight" in text
    assert "must-fail example" in text


# --- boundary pairs and mutants -----------------------------------------------------------------

OVER_100 = """\
table: projects
points_at: self_score
parameters:
  max_score: {default: 100}
check: {kind: sql, fails_when: "self_score > {max_score}"}
examples:
  - name: 满分
    expect: pass
    submission: {document_kind: project_table, header: {department: 示例局, fiscal_year: 2022}, projects: [{name: 甲, self_score: 80}]}
  - name: 超过满分
    expect: fail
    submission: {document_kind: project_table, header: {department: 示例局, fiscal_year: 2022}, projects: [{name: 甲, self_score: 120}]}
    findings: [{at: /projects/0/self_score}]
"""


def test_boundary_cases_sit_on_the_bound_and_just_either_side(tmp_path: Path) -> None:
    pack = _pack(tmp_path, OVER=OVER_100)
    suite = boundaries.build_suite(pack.rules[0], pack)
    (comparison,) = suite.comparisons
    assert (comparison.lhs, comparison.op, comparison.bound, comparison.bound_text) == (
        "self_score",
        ">",
        100,
        "{max_score}",
    )
    measured = {v for case in suite.cases for check in case.checks for v in check.measured.values()}
    assert {Decimal("99.9999"), Decimal(100), Decimal("100.0001")} <= measured
    assert suite.hits == {comparison.text}
    assert boundaries.failures(suite, pack) == []


def test_a_rule_that_departs_from_its_oracle_gets_a_shrunk_counterexample(tmp_path: Path) -> None:
    pack = _pack(tmp_path, OVER=OVER_100)
    suite = boundaries.build_suite(pack.rules[0], pack)
    made, _ = mutants(pack.rules[0], pack)
    flipped = next(m for m in made if m.description.startswith("`>` → `>=`"))
    (failure,) = boundaries.failures(suite, pack, rule=flipped.loaded)
    assert failure.submission["projects"] == [{"name": "甲", "self_score": Decimal(100)}]
    assert failure.got == Counter({"/projects/0/self_score": 1}) and failure.expect == Counter()
    text = format_boundary_failure(dataclasses.replace(failure))
    assert "self_score > {max_score}（100）" in text
    assert "measured /projects/0/self_score = 100" in text
    block = text.split("add it to the rule's examples:\n", 1)[1]
    (example,) = yaml.safe_load("\n".join(line[8:] for line in block.splitlines()))
    assert example["expect"] == "pass"


@pytest.mark.parametrize(
    ("value", "shifts"),
    [
        (100, [101, 110]),
        (0, [1]),
        (Decimal("0.01"), [Decimal("0.011"), 0]),
        (Decimal("0.5"), [Decimal("0.55"), Decimal("0.4")]),
    ],
)
def test_numbers_shift_by_a_tenth_and_by_one_unit_of_their_last_place(
    value: int | Decimal, shifts: list[int | Decimal]
) -> None:
    assert shifted(value) == shifts


def test_fragments_keep_their_placeholders_through_sqlglot() -> None:
    fragment = Fragment.parse("self_grade IN {labels} AND regexp_matches(name, {pattern}) AND score > {max}")
    assert fragment is not None
    assert (
        fragment.render(fragment.tree) == "self_grade IN {labels} AND REGEXP_MATCHES(name, {pattern}) AND score > {max}"
    )
    assert Fragment.parse("score >") is None


# --- counterexamples as YAML --------------------------------------------------------------------


def test_counterexample_yaml_reads_back_as_the_same_document() -> None:
    doc = {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2022, "self_score": Decimal("99.50"), "narrative": None},
        "projects": [{"name": "1e3", "id": "007", "completion": "true", "self_grade": "", "indicators": []}],
    }
    text = example_block("反例", "pass", doc)
    (item,) = load_yaml(text).data
    submission = item["submission"]
    assert submission["header"] == {"department": "示例局", "fiscal_year": 2022, "self_score": "99.50"}
    assert submission["projects"] == [{"name": "1e3", "id": "007", "completion": "true", "self_grade": ""}]
    assert "全部完成" in dump_yaml({"x": "全部完成"}), "unicode is written as is"


# --- evaluation and row mutants -----------------------------------------------------------------

CAST_ID = """\
table: projects
points_at: self_score
check: {kind: sql, fails_when: "CAST(project_id AS INT) > 5"}
"""


def test_a_rule_failing_on_one_submission_fails_only_there(tmp_path: Path) -> None:
    from perfrules.testing._engine import evaluate

    pack = _pack(tmp_path, CAST=CAST_ID)
    doc = {"document_kind": "project_table", "header": {"department": "示例局", "fiscal_year": 2022}}
    good = {**doc, "projects": [{"id": "7", "name": "甲"}]}
    bad = {**doc, "projects": [{"id": "XM01", "name": "乙"}]}
    outcomes = evaluate(pack.rules, pack.references, [good, bad, good])
    assert [bool(o.errors) for o in outcomes] == [False, True, False]
    assert outcomes[0].pointers("TEST-CAST") == Counter({"/projects/0/self_score": 1})
    assert "rule failed at run time" in outcomes[1].errors["TEST-CAST"]


def test_row_conditions_are_mutated_by_op_word_and_value(tmp_path: Path) -> None:
    row = """\
table: indicators
points_at: score
check:
  kind: row
  fails_when:
    - {column: score, op: gte, value: 10}
    - {column: score_state, op: eq, value: value}
"""
    pack = _pack(tmp_path, ROW=row)
    made, invalid = mutants(pack.rules[0], pack)
    assert invalid == 0
    assert sorted(m.description for m in made) == [
        "score gte 10 → 11",
        "score gte → gt",
        "score_state eq → ne",
    ]
    assert {m.key for m in made} == {"check.fails_when[0]", "check.fails_when[1]"}
    assert [m.line for m in made if m.key == "check.fails_when[1]"] == [13]
