"""The national pack keeps its promises about legal basis, examples and unverified sources.

- No basis tagged R (unverified recollection) cites an article number: it is never passed off as verbatim law.
- Every rule has a must-pass and a must-fail example.
- A rule whose basis is only R says so in every finding it produces.
- Reference data taken from recollection is marked [R] row by row.
"""

from __future__ import annotations

import csv
import re

import pytest

from perfrules.model.rule import Severity
from perfrules.pack.loader import Pack, load_pack
from perfrules.read.documents import read_object
from perfrules.run import run_pack
from tests.conftest import RULES

RULE_IDS = [r.rule.id for r in load_pack(RULES).rules]
ARTICLE = re.compile(r"第\s*[0-9０-９一二三四五六七八九十百零〇两]+\s*条")


def _ids(pack: Pack) -> list[str]:
    return [r.rule.id for r in pack.rules]


def test_no_unverified_basis_cites_an_article_number(pack: Pack) -> None:
    offenders = [
        (loaded.rule.id, basis.clause)
        for loaded in pack.rules
        for basis in loaded.rule.basis
        if basis.verification == "R"
        and ARTICLE.search(" ".join(filter(None, [basis.document, basis.clause, basis.note])))
    ]
    assert offenders == [], f"an [R] basis must not cite an article number: {offenders}"


def test_the_article_pattern_catches_what_it_should() -> None:
    assert ARTICLE.search("第二十条 单位自评采用……")
    assert ARTICLE.search("第 20 条")
    assert not ARTICLE.search("措辞与条文编号未经核实")


def test_every_rule_has_a_must_pass_and_a_must_fail_example(pack: Pack) -> None:
    missing = [loaded.rule.id for loaded in pack.rules if {e.expect for e in loaded.rule.examples} != {"pass", "fail"}]
    assert missing == []
    for loaded in pack.rules:
        for example in loaded.rule.examples:
            if example.expect == "fail":
                assert example.findings, f"{loaded.rule.id}: must-fail example {example.name!r} names no finding"


def test_unverified_basis_is_stated_with_the_clause(pack: Pack) -> None:
    for loaded in pack.rules:
        for basis in loaded.rule.basis:
            if basis.verification == "R":
                text = basis.clause or basis.note or ""
                assert "未经核实" in text or "凭记忆" in text, f"{loaded.rule.id}: say that the [R] basis is unverified"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_findings_carry_the_verification_of_their_basis(pack: Pack, rule_id: str) -> None:
    loaded = pack.rule(rule_id)
    assert loaded is not None
    fired = 0
    for example in loaded.rule.examples:
        if example.expect != "fail":
            continue
        report = run_pack(pack, [read_object(example.submission, rule_id)], Severity.INFO)
        for finding in (f for s in report.submissions for f in s.findings if f.rule_id == rule_id):
            fired += 1
            assert [b.unverified for b in finding.basis] == [b.verification == "R" for b in loaded.rule.basis]
            if loaded.rule.unverified:
                assert finding.basis and all(b.unverified for b in finding.basis), f"{rule_id} is [R]-only"
    assert fired, f"{rule_id}: no must-fail example fired"


def test_the_pack_holds_r_only_rules_to_check() -> None:
    assert any(loaded.rule.unverified for loaded in load_pack(RULES).rules)


def test_messages_are_bilingual_and_tell_the_submitter_what_to_do(pack: Pack) -> None:
    for loaded in pack.rules:
        zh, en = loaded.rule.message.zh, loaded.rule.message.en
        assert re.search(r"[\u4e00-\u9fff]", zh), loaded.rule.id
        assert re.search(r"[A-Za-z]{3,}", en), loaded.rule.id
        assert re.search(r"请|应", zh), f"{loaded.rule.id}: the zh message should say what to fix"


def test_reference_tables_mark_recollected_rows() -> None:
    for name in ("function_codes", "fund_function_codes"):
        with (RULES / "reference" / f"{name}.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows, name
        for row in rows:
            assert {"valid_from", "valid_to", "basis"} <= set(row), name
            assert "[R]" in row["basis"], f"{name}: {row} must be marked [R] (domain/05 §3)"
            for bound in ("valid_from", "valid_to"):
                assert row[bound] == "" or row[bound].isdigit(), f"{name}: {bound} must be a year"


def test_new_national_rules_cover_the_issue(pack: Pack) -> None:
    expected = {
        "WEIGHT-L1-PROFILE", "WEIGHT-EXEC-PROFILE", "WEIGHT-IND-TOTAL", "WEIGHT-POSITIVE",
        "SCORE-QUANT-FORMULA", "SCORE-OVERACHIEVE-EXPLAIN", "SCORE-OVERACHIEVE-LOW-TARGET", "SCORE-QUAL-BAND",
        "SCORE-DEVIATION-EXPLAIN", "BUDGET-SUBROWS-SUM-BUDGET", "BUDGET-SUBROWS-SUM-EXECUTED", "BUDGET-EXEC-OVER-BUDGET",
        "BUDGET-EXEC-LOW-EXPLAIN", "TEXT-BUDGET-EXPLAIN-LENGTH", "TEXT-DEVIATION-LENGTH",
        "DESIGN-OUTPUT-BENEFIT-REQUIRED", "DESIGN-QUANT-TARGET", "DESIGN-QUANT-COMPARATOR", "DESIGN-QUANT-UNIT",
        "DESIGN-COST-REQUIRED", "DESIGN-PLACEHOLDER-NAME", "DESIGN-PLACEHOLDER-EXPLAIN",
        "FUND-FUNCTION-CODE-PURPOSE", "FUND-FUNCTION-CODE-UNKNOWN", "FUND-COMPLIANCE-ADMITTED",
        "TIME-NARRATIVE-AFTER-FY", "PLAUS-SCORE-CLUSTER-QUAL", "PLAUS-SPURIOUS-PRECISION",
        "DEPT-EXEC-RATE-ARITH", "DEPT-ADJUST-RATE-ARITH", "DEPT-CARRYOVER-RATE-ARITH", "DEPT-THREE-PUBLIC-RATE-ARITH",
    }  # fmt: skip
    assert expected <= set(_ids(pack))
    for rule_id in expected:
        loaded = pack.rule(rule_id)
        assert loaded is not None
        assert loaded.file.endswith(f"national/{rule_id}.yaml"), "one file per rule, named after its id"
