"""`perfrules test` end to end: the shipped pack, a corpus of broken rules, a weak rule, mutation."""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from perfrules.pack.loader import load_pack
from perfrules.testing.examples import run_examples, yaml_line
from perfrules.testing.mutation import run_mutation
from perfrules.testing.properties import run_boundaries
from perfrules.testing.runner import run
from tests.conftest import ROOT, RULES

BROKEN = ROOT / "tests" / "data" / "rules_broken"
# A real robustness bug the boundary pairs found in the shipped pack (see the report of the
# `perfrules test` work): the rule is expected to pass once its SQL no longer overflows.


def _run(paths: Sequence[Path | str], **options: object) -> tuple[int, str]:
    out = io.StringIO()
    code = run(list(paths), out=out, **options)  # type: ignore[arg-type]
    return code, out.getvalue()


# --- the shipped pack ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> tuple[int, str]:
    return _run([RULES], examples_per_property=25)


def test_shipped_pack_passes(shipped: tuple[int, str]) -> None:
    code, text = shipped
    assert "Traceback" not in text
    assert "✓" in text.split("示例 / examples", 1)[1].splitlines()[1], "every shipped example passes"
    assert code == 0, text


def test_shipped_pack_reports_every_section(shipped: tuple[int, str]) -> None:
    _, text = shipped
    for heading in ("示例 / examples", "边界值 / boundary pairs", "性质测试 / properties"):
        assert heading in text
    assert re.search(r"\d+ 条规则 \d+ 处比较", text)
    assert "batch equals its singles" in text


# --- a corpus of broken rules -------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken() -> tuple[int, str]:
    return _run([BROKEN], examples_per_property=10)


WRONG_LOCATION = BROKEN / "WRONG-LOCATION.yaml"


@pytest.mark.parametrize(
    ("file", "line", "words"),
    [
        ("MISSPELT-KEY.yaml", 9, ["unknown key evidnce", "did you mean evidence"]),
        ("UNKNOWN-COLUMN.yaml", 11, ["unknown column scroe", "did you mean score"]),
        ("WRONG-TYPE.yaml", 14, ["min_rows", "valid integer"]),
        ("HOSTILE-SQL.yaml", 11, ["function read_csv() is not allowed"]),
        ("BAD-PLACEHOLDER.yaml", 6, ["template placeholder {scroe}", "did you mean score"]),
        ("EXAMPLE-UNKNOWN-KEY.yaml", 14, ["unknown key expected", "did you mean expect"]),
    ],
)
def test_broken_rule_is_located_and_explained(broken: tuple[int, str], file: str, line: int, words: list[str]) -> None:
    code, text = broken
    assert code == 2
    assert "Traceback" not in text
    located = [t for t in text.splitlines() if f"{BROKEN / file}:{line}:" in t]
    assert located, f"no problem reported at {file}:{line}"
    for word in words:
        assert any(word in t for t in located), f"{word!r} not in {located}"


def test_example_expecting_the_wrong_location_names_file_line_and_both_places(broken: tuple[int, str]) -> None:
    _, text = broken
    line = yaml_line(str(WRONG_LOCATION), ("examples", 1))
    assert line == 25, "the line of `- name: 第二个指标得分超过分值`"
    block = text.split(f"✗ BROKEN-WRONG-LOCATION  {WRONG_LOCATION}:{line}  examples[1]", 1)[1]
    expected, got = block.splitlines()[1], block.splitlines()[2]
    assert "expected: /projects/0/indicators/0/score ×1 [error]" in expected
    assert "got:      /projects/0/indicators/1/score ×1 [error]" in got
    assert "1/2 个示例通过 / examples passed" in text
    assert "5/5 项性质成立" in text, "the pack's own problems are not blamed on generated submissions"


def test_a_single_rule_file_is_tested_with_its_pack(tmp_path: Path) -> None:
    code, text = _run([BROKEN / "HOSTILE-SQL.yaml"], examples_per_property=5)
    assert code == 2
    assert "read_csv() is not allowed" in text
    assert "unknown column scroe" not in text, "only the named file is tested"
    code, text = _run([tmp_path / "missing.yaml"], examples_per_property=5)
    assert code == 2
    assert "no such rule file or folder" in text


# --- a weak rule: the printed counterexample reproduces the finding ----------------------------

WEAK_RULE = """\
id: TEST-FIRST-PROJECT
version: "1.0"
severity: warning
title: {zh: 首个项目已自评, en: The first project is self-scored}
message: {zh: "项目“{project}”", en: "Project {project}"}
basis: {document: 测试, verification: R}
table: projects
points_at: self_score
check:
  kind: sql
  # Weak on purpose: whether it fires depends on where the project is listed.
  fails_when: "path = '/projects/0' AND self_score_state = 'value'"
examples:
  - name: 未自评
    expect: pass
    submission:
      document_kind: project_table
      header: {department: 示例局, fiscal_year: 2022}
      projects: [{name: 甲}]
  - name: 已自评
    expect: fail
    submission:
      document_kind: project_table
      header: {department: 示例局, fiscal_year: 2022}
      projects: [{name: 甲, self_score: 95}]
    findings:
      - at: /projects/0/self_score
"""


def _pasteable_blocks(text: str) -> list[str]:
    """The YAML blocks printed under "paste under examples:", dedented."""
    lines = text.splitlines()
    blocks = []
    for start, line in enumerate(lines):
        if "paste under examples:" not in line:
            continue
        block = []
        for follow in lines[start + 1 :]:
            if follow.strip() and not follow.startswith("        "):
                break
            block.append(follow)
        blocks.append(textwrap.dedent("\n".join(block)) + "\n")
    return blocks


def test_property_failure_prints_a_shrunk_counterexample_that_reproduces_as_an_example(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text("name: weak\n", encoding="utf-8")
    rule = pack / "TEST-FIRST-PROJECT.yaml"
    rule.write_text(WEAK_RULE, encoding="utf-8")

    # 300 draws once missed the reordering on one seed (ci8); the passing properties pay for the cap.
    code, text = _run([pack], examples_per_property=600)
    assert code == 1
    assert "✗ 重排项目与指标不改变" in text
    assert "TEST-FIRST-PROJECT" in text
    blocks = _pasteable_blocks(text)
    assert blocks
    block = blocks[0]
    (example,) = yaml.safe_load(block)
    assert example["expect"] == "fail", "the variant the rule fires on comes first"
    projects = example["submission"]["projects"]
    # Hypothesis does not always drop the third project (the permutation is drawn after the list), and
    # how far it shrinks the rest varies from machine to machine (ci10 kept a delivery date and a budget
    # line on a loaded runner): what must hold is that the reordered projects and the score the rule
    # reads are there, and that the block reproduces as an example (below).
    assert 2 <= len(projects) <= 3, "at least the two projects the reordering swaps"
    assert all("name" in p for p in projects) and any("self_score" in p for p in projects)
    # The year may be left out since a blank year is a finding (DATA-YEAR-MISSING), not an invalid submission.
    assert {"department"} <= set(example["submission"]["header"]) <= {"department", "fiscal_year"}, (
        "shrunk to the required header"
    )

    rule.write_text(WEAK_RULE + textwrap.indent(block, "  "), encoding="utf-8")
    results = run_examples(load_pack(pack)).results
    pasted = results[-1]
    assert (pasted.index, pasted.expect) == (2, "fail")
    assert pasted.line == WEAK_RULE.count("\n") + 1, "the pasted example's own line"
    assert pasted.ok, pasted
    assert pasted.got == pasted.expected and pasted.got


# --- mutation -----------------------------------------------------------------------------------

RATE_RULE = """\
id: TEST-RATE-HIGH
version: "1.0"
severity: warning
title: {zh: 执行率过半, en: Execution rate above half}
message: {zh: "执行率 {rate}", en: "rate {rate}"}
basis: {document: 测试, verification: R}
table: budget_lines
points_at: rate
evidence: {rate: rate}
check:
  kind: sql
  fails_when: "rate > 0.5 AND rate >= 0"
examples:
  - name: 正好一半
    expect: pass
    submission:
      document_kind: project_table
      header: {department: 示例局, fiscal_year: 2022}
      projects: [{name: 甲, budget_lines: [{item: 年度资金总额, rate: "0.5"}]}]
  - name: 超过一半
    expect: fail
    submission:
      document_kind: project_table
      header: {department: 示例局, fiscal_year: 2022}
      projects: [{name: 甲, budget_lines: [{item: 年度资金总额, rate: "0.52"}]}]
    findings:
      - at: /projects/0/budget_lines/0/rate
"""


def test_mutation_kills_what_the_examples_notice_and_lists_the_survivor(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text("name: mutation\n", encoding="utf-8")
    rule = tmp_path / "RATE-HIGH.yaml"
    rule.write_text(RATE_RULE, encoding="utf-8")
    pack = load_pack(tmp_path)
    report = run_mutation(pack, {s.rule.rule.id: s for s in run_boundaries(pack).suites})
    survivors = [r.mutant.description for r in report.survivors]
    # `rate >= 0` next to `rate > 0.5` can never decide anything: an equivalent mutant.
    assert survivors == ["`>=` → `>` in `rate >= 0`"]
    killed = sorted(r.mutant.description for r in report.results if r.killed_by)
    assert killed == [
        "0 → 1 in `rate >= 0`",
        "0.5 → 0.4 in `rate > 0.5`",
        "0.5 → 0.55 in `rate > 0.5`",
        "`>` → `>=` in `rate > 0.5`",
    ]

    code, text = _run([tmp_path], examples_per_property=5, mutate=True, coverage=True)
    assert code == 0, "coverage and mutation inform; they do not fail the run"
    assert "1/1 条规则的示例覆盖完整 / rules fully covered by their examples" in text
    assert "killed 4/5 mutants (80.0%)" in text
    assert f"TEST-RATE-HIGH  {rule}:12  check.fails_when: `>=` → `>` in `rate >= 0`" in text


def test_a_boundary_pair_kills_what_the_examples_miss(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text("name: mutation\n", encoding="utf-8")
    far = RATE_RULE.replace('rate: "0.5"', 'rate: "0.3"').replace('rate: "0.52"', 'rate: "0.9"')
    (tmp_path / "RATE-HIGH.yaml").write_text(far, encoding="utf-8")
    pack = load_pack(tmp_path)
    without = run_mutation(pack)
    flip = "`>` → `>=` in `rate > 0.5`"
    assert flip in [r.mutant.description for r in without.survivors], "examples far from the bound miss the flip"
    with_bounds = run_mutation(pack, {s.rule.rule.id: s for s in run_boundaries(pack).suites})
    killer = next(r.killed_by for r in with_bounds.results if r.mutant.description == flip)
    assert killer is not None and "rate > 0.5" in killer


@pytest.mark.slow
def test_shipped_pack_kills_at_least_95_percent_of_mutants() -> None:
    out = io.StringIO()
    run([RULES], mutate=True, examples_per_property=10, out=out)
    ratio = float(out.getvalue().split("杀死率 / kill ratio ")[1].split("%")[0])
    assert ratio >= 95.0, out.getvalue()[-3000:]
