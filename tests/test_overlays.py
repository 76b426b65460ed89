"""Provincial overlays change the national pack's verdict, each change with a reason, and the report names them.

Every fixture here passes under one pack and is blocked under the other: an overlay that raises a
severity or tightens a parameter blocks a submission the national pack lets through, and an overlay
that disables a rule (or sets a local profile) lets through a submission the national pack blocks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from perfrules import validate
from perfrules.model.report import Report
from perfrules.pack.loader import load_pack
from perfrules.pack.overlay import Overlay
from perfrules.yaml12 import load_yaml
from tests.conftest import FIXTURES, RULES

OVERLAYS = sorted(p.stem for p in (RULES / "overlays").glob("*.yaml"))
SAMPLES = FIXTURES / "overlays"
CLEAN = FIXTURES / "clean" / "project-table-training.yaml"


def _findings(report: Report) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.severity.value, f.location.pointer) for s in report.submissions for f in s.findings]


def _check(path: Path, overlays: list[str], fail_on: str = "error") -> Report:
    report = validate(path, rules=RULES, overlays=overlays, fail_on=fail_on)
    assert report.problems == [], [p.message for p in report.problems]
    assert report.pack.overlays == overlays
    return report


def test_the_three_provincial_overlays_exist() -> None:
    assert {"guangxi", "hubei", "sichuan"} <= set(OVERLAYS)


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlay_loads_cleanly_and_every_change_has_a_reason(name: str) -> None:
    overlay = Overlay.model_validate(load_yaml((RULES / "overlays" / f"{name}.yaml").read_text(encoding="utf-8")).data)
    assert overlay.name == name
    assert overlay.description
    assert overlay.changes
    for change in overlay.changes:
        assert len(change.reason.strip()) >= 20, f"{name}: {change.rule} needs a real reason"
        assert change.parameters or change.severity or change.enabled is not None, (
            f"{name}: {change.rule} changes nothing"
        )
    pack = load_pack(RULES, [name])
    assert pack.problems == [], [str(p) for p in pack.problems]
    assert pack.overlays == [name]
    assert pack.content_hash != load_pack(RULES).content_hash


@pytest.mark.parametrize("name", ["guangxi", "sichuan"])
def test_the_clean_fixture_stays_clean_under_the_overlays_that_share_its_profile(name: str) -> None:
    report = _check(CLEAN, [name], fail_on="info")
    assert report.verdict == "pass"
    assert _findings(report) == []


def test_guangxi_blocks_a_large_over_achievement_without_explanation() -> None:
    sample = SAMPLES / "guangxi-overachievement.yaml"
    where = "/projects/0/indicators/0/deviation_explanation"

    national = _check(sample, [])
    assert national.verdict == "pass" and national.exit_code == 0
    assert _findings(national) == [("SCORE-OVERACHIEVE-EXPLAIN", "warning", where)]

    guangxi = _check(sample, ["guangxi"])
    assert guangxi.verdict == "blocked" and guangxi.exit_code == 1
    assert _findings(guangxi) == [("SCORE-OVERACHIEVE-EXPLAIN", "error", where)]
    (finding,) = guangxi.submissions[0].findings
    assert finding.blocking
    assert finding.evidence["share"] == "135"
    assert "135%" in finding.message.zh and "1.3 倍" in finding.message.zh


def test_guangxi_also_checks_reverse_indicators() -> None:
    submission = {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2022},
        "projects": [{"name": "示例项目", "indicators": [
            {"level1": "产出指标", "name": "人均培训成本", "kind": "quantitative", "comparator": "≤", "target": 800,
             "unit": "元", "actual": 1100, "weight": 10, "score": "6.25", "deviation_explanation": None},
        ]}],
    }  # fmt: skip
    national = validate(submission, rules=RULES, fail_on="info")
    assert "SCORE-OVERACHIEVE-EXPLAIN" not in {f.rule_id for s in national.submissions for f in s.findings}
    guangxi = validate(submission, rules=RULES, overlays=["guangxi"], fail_on="info")
    assert ("SCORE-OVERACHIEVE-EXPLAIN", "error") in {
        (f.rule_id, f.severity.value) for s in guangxi.submissions for f in s.findings
    }


def test_sichuan_requires_an_explanation_below_90_percent_execution() -> None:
    sample = SAMPLES / "sichuan-low-execution.yaml"

    national = _check(sample, [], fail_on="info")
    assert national.verdict == "pass"
    assert _findings(national) == []

    sichuan = _check(sample, ["sichuan"])
    assert sichuan.verdict == "blocked"
    assert _findings(sichuan) == [("BUDGET-EXEC-LOW-EXPLAIN", "error", "/projects/0/budget_lines/0/explanation")]
    assert sichuan.submissions[0].findings[0].evidence["rate"] == "0.85"


def test_sichuan_text_limits_are_100_and_200_characters() -> None:
    pack = load_pack(RULES, ["sichuan"])
    budget_text = pack.rule("TEXT-BUDGET-EXPLAIN-LENGTH")
    indicator_text = pack.rule("TEXT-DEVIATION-LENGTH")
    assert budget_text is not None and indicator_text is not None
    assert budget_text.parameters["max_chars"] == 100
    assert indicator_text.parameters["max_chars"] == 200
    submission = {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2022},
        "projects": [{"name": "示例项目", "budget_lines": [
            {"item": "年度资金总额", "annual_budget": 100000, "executed": 80000, "rate": "0.8", "weight": 10, "score": 8,
             "explanation": "设备采购延期。" * 15},
        ]}],
    }  # fmt: skip
    national = validate(submission, rules=RULES, fail_on="info")
    assert "TEXT-BUDGET-EXPLAIN-LENGTH" not in {f.rule_id for s in national.submissions for f in s.findings}
    sichuan = validate(submission, rules=RULES, overlays=["sichuan"], fail_on="warning")
    (finding,) = [f for s in sichuan.submissions for f in s.findings if f.rule_id == "TEXT-BUDGET-EXPLAIN-LENGTH"]
    assert finding.evidence["length"] == "105"
    assert finding.severity.value == "warning"


def test_sichuan_disables_the_national_level1_weight_split() -> None:
    sample = SAMPLES / "sichuan-weight-split.yaml"

    national = _check(sample, [], fail_on="warning")
    assert national.verdict == "blocked"
    assert _findings(national) == [("WEIGHT-L1-PROFILE", "warning", "/projects/0/indicators")]

    sichuan = _check(sample, ["sichuan"], fail_on="warning")
    assert sichuan.verdict == "pass"
    assert _findings(sichuan) == []
    status = {e.rule_id: e.status for e in sichuan.submissions[0].ledger}
    assert status["WEIGHT-L1-PROFILE"] == "disabled"
    assert status["WEIGHT-IND-TOTAL"] == "evaluated"


def test_a_plainly_hubei_form_passes_with_or_without_the_hubei_overlay() -> None:
    sample = SAMPLES / "hubei-profile.yaml"

    # 预算执行 20 分 and indicators 80 分: the form is detected as Hubei's (issue 12 §5), so the national
    # 10号 profile, weight total and bands are not held against it, even at --fail-on info.
    national = _check(sample, [], fail_on="info")
    assert national.verdict == "pass"
    assert _findings(national) == []
    (result,) = national.submissions
    assert result.scoring_scheme is not None and "湖北" in result.scoring_scheme.zh

    hubei = _check(sample, ["hubei"], fail_on="info")
    assert hubei.verdict == "pass"
    assert _findings(hubei) == []


def test_overlays_apply_in_order_and_are_all_named() -> None:
    report = _check(SAMPLES / "guangxi-overachievement.yaml", ["sichuan", "guangxi"])
    assert report.pack.overlays == ["sichuan", "guangxi"]
    assert report.verdict == "blocked"


def test_a_bureau_overlay_can_switch_the_reverse_indicator_formula(tmp_path: Path) -> None:
    submission = {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2022},
        "projects": [{"name": "示例项目", "indicators": [
            {"level1": "产出指标", "name": "人均培训成本", "kind": "quantitative", "comparator": "lte", "target": 800,
             "unit": "元", "actual": 1000, "weight": 10, "score": "8.0", "deviation_explanation": "教材涨价。"},
        ]}],
    }  # fmt: skip
    national = validate(submission, rules=RULES, fail_on="info")
    (finding,) = [f for s in national.submissions for f in s.findings if f.rule_id == "SCORE-QUANT-FORMULA"]
    # linear: (1 - 200/800) × 10 = 7.5; "8.0" is stated to one decimal, so it is not 7.5 rounded (issue 12 §4)
    assert finding.evidence["expected"] == "7.5"

    overlay = tmp_path / "bureau.yaml"
    overlay.write_text(
        "name: bureau\nchanges:\n  - rule: SCORE-QUANT-FORMULA\n    reason: 本地模板反向指标按 指标值/实际值 × 分值 计分\n"
        "    parameters: {reverse_formula: ratio}\n",
        encoding="utf-8",
    )
    bureau = validate(submission, rules=RULES, overlays=[overlay], fail_on="info")
    assert bureau.problems == []
    assert bureau.pack.overlays == ["bureau"]
    assert "SCORE-QUANT-FORMULA" not in {
        f.rule_id for s in bureau.submissions for f in s.findings
    }  # ratio: 800/1000 × 10 = 8
