"""The seed report (中共石家庄市委政法委员会 2020) is the first thing every user runs."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from perfrules import validate
from perfrules.cli import app
from tests.conftest import ROOT, SEED

GOLDEN = ROOT / "fixtures" / "golden" / "shijiazhuang-zhengfawei-2020.findings.json"


def test_seed_findings_match_the_golden_file_exactly() -> None:
    report = validate(SEED)
    got = [
        {"rule_id": f.rule_id, "severity": f.severity.value, "pointer": f.location.pointer}
        for s in report.submissions
        for f in s.findings
    ]
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_seed_is_blocked_with_each_weakness_named_at_its_place() -> None:
    report = validate(SEED)
    assert report.exit_code == 1
    (result,) = report.submissions
    by_rule = {f.rule_id: f for f in result.findings}

    commingled = by_rule["FUND-COMMINGLED"]
    assert commingled.severity.value == "error"
    assert commingled.location.fund == "中央转移支付精神障碍管理治疗经费"
    assert "综治经费" in commingled.message.zh

    misuse = by_rule["FUND-USE-ALLOWED"]
    assert misuse.severity.value == "warning"
    assert "随访管理" in (misuse.evidence["allowed"] or "")  # names the allowed uses

    platform = by_rule["TIME-AFTER-FY-COMPLETE"]
    assert platform.location.project == "政法信息化三维实战平台"
    assert platform.evidence["score"] == "100"

    assert by_rule["DOC-TABLES-REQUIRED"].location.pointer == "/projects"
    assert sum(f.rule_id == "DOC-TABLES-REQUIRED" for f in result.findings) == 1

    cluster = by_rule["PLAUS-SCORE-CLUSTER"]
    assert (cluster.evidence["count"], cluster.evidence["lowest"], cluster.evidence["highest"]) == (
        "11",
        "99.85",
        "100",
    )
    assert by_rule["NARRATIVE-QUAL-ADMISSION"].evidence["matched_text"] == "定性评价多定量评价少"

    # The 2020 report credits the platform with what it did in early 2021 (隔离点违规行为分析).
    after = by_rule["TIME-NARRATIVE-AFTER-FY"]
    assert after.severity.value == "warning"
    assert after.location.pointer == "/header/narrative"
    assert after.evidence["next_year"] == "2021"
    assert "年初的疫情防控" in (after.evidence["excerpt"] or "")

    withheld = by_rule["NARRATIVE-WITHHELD"]
    assert withheld.evidence["passages"] == "2"
    assert withheld.evidence["first_marker"] == "（详细信息涉密，略）"


def test_table_rules_are_not_applicable_to_the_narrative_seed() -> None:
    (result,) = validate(SEED).submissions
    status = {e.rule_id: e.status for e in result.ledger}
    assert status["SCORE-IND-BOUNDS"] == "not_applicable"
    assert status["BUDGET-RATE-ARITH"] == "not_applicable"
    assert status["DOC-TABLES-REQUIRED"] == "evaluated"


def test_seed_cli_exits_1_and_speaks_chinese_by_default() -> None:
    result = CliRunner().invoke(app, ["check", str(SEED)])
    assert result.exit_code == 1
    assert "不通过" in result.output
    assert "政法信息化三维实战平台" in result.output
    english = CliRunner().invoke(app, ["check", str(SEED), "--lang", "en"])
    assert "BLOCKED" in english.output
    assert "paid together with" in english.output


def test_seed_fixture_states_only_what_the_seed_says() -> None:
    data = json.loads(SEED.read_text(encoding="utf-8"))
    seed_text = data["header"]["narrative"]
    for project in data["projects"]:
        assert project["name"].split("（")[0] in seed_text
        assert f"{project['self_score']}" in seed_text.replace(" ", "") or project["self_score"] == "100"
    assert "2021 年 6 月交付" in seed_text
    assert data["funds"][0]["amount"] == "4"
    assert data["funds"][0]["unit"] == "万元"
    assert "该 4 万元经费与综治经费一并支付" in seed_text
