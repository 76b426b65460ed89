"""Issue 12 §4: display rounding is not an error.

A stated rate or score is right when it equals the computed value rounded half up, or truncated, to the
decimals at which it was stated; the decimals come from the literal as filed, never from a parsed float.
The property: rounding a correct value to fewer decimals never creates a blocking finding, for every
arithmetic rule, starting from each of the rule's own must-pass examples. "Blocking" is taken at
--fail-on warning, the strictest gate a bureau sets, so a rule demoted to a warning (issue 12 §8) is still held
to it.
"""

from __future__ import annotations

import copy
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from perfrules.model.rule import Severity
from perfrules.pack.loader import Pack
from perfrules.read.documents import read_object
from perfrules.run import run_pack

# Arithmetic rules and the stated fields whose display they judge: (rows key, field).
ARITHMETIC = {
    "BUDGET-RATE-ARITH": ("budget_lines", "rate"),
    "BUDGET-EXEC-SCORE": ("budget_lines", "score"),
    "SCORE-QUANT-FORMULA": ("indicators", "score"),
}


def _blocking(pack: Pack, rule_id: str, submission: dict[str, Any]) -> list[str]:
    read = read_object(submission, rule_id)
    assert not read.problems, read.problems
    report = run_pack(pack, [read], Severity.WARNING)
    assert not report.problems
    return [f.location.pointer for s in report.submissions for f in s.findings if f.rule_id == rule_id and f.blocking]


def _ratio4(a: Any, b: Any) -> Decimal:
    # The rules' ratio(): the quotient at the tables' four decimals.
    return (Decimal(str(a)) / Decimal(str(b))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _correct(rule_id: str, row: dict[str, Any]) -> Decimal | None:
    """The value the rule computes for this row, or None when the row gives it nothing to compute."""
    try:
        if rule_id == "BUDGET-RATE-ARITH":
            return _ratio4(row["executed"], row["annual_budget"])
        if rule_id == "BUDGET-EXEC-SCORE":
            return min(_ratio4(row["executed"], row["annual_budget"]), Decimal(1)) * Decimal(str(row["weight"]))
        if row.get("comparator") in ("gte", "≥", "gt") and Decimal(str(row["target"])) > 0:
            actual, target, weight = (Decimal(str(row[k])) for k in ("actual", "target", "weight"))
            if actual >= target:
                return weight
            return _ratio4(max(actual, Decimal(0)) * weight, target)
    except (KeyError, ArithmeticError, ValueError, TypeError):
        return None
    return None


def _variants(rule_id: str, submission: dict[str, Any], rows: str, name: str) -> list[tuple[dict[str, Any], str]]:
    """The example with one stated value replaced by the correct one rounded half up or truncated."""
    out = []
    # A rate is stated in percent: as a fraction it has 2 decimals (97%), 3 (96.7%) or 4 (96.67%).
    places = (2, 3, 4) if name == "rate" else (0, 1, 2)
    for pi, project in enumerate(submission.get("projects", [])):
        for ri, row in enumerate(project.get(rows, [])):
            correct = _correct(rule_id, row)
            if correct is None or row.get(name) is None:
                continue
            for shown in {correct.quantize(Decimal(1).scaleb(-p), rounding=m) for p in places for m in MODES}:
                variant = copy.deepcopy(submission)
                variant["projects"][pi][rows][ri][name] = str(shown)
                out.append((variant, f"/projects/{pi}/{rows}/{ri}/{name}"))
    return out


MODES = (ROUND_HALF_UP, ROUND_DOWN)


@pytest.mark.parametrize("rule_id", sorted(ARITHMETIC))
def test_rounding_a_correct_value_never_blocks(pack: Pack, rule_id: str) -> None:
    loaded = pack.rule(rule_id)
    assert loaded is not None
    rows, name = ARITHMETIC[rule_id]
    tried = 0
    for example in loaded.rule.examples:
        for variant, pointer in _variants(rule_id, example.submission, rows, name):
            tried += 1
            assert pointer not in _blocking(pack, rule_id, variant), (example.name, pointer, variant)
    assert tried >= 10, f"{rule_id}: too few examples state a value the property can round ({tried})"


def _budget(rate: str, score: str = "9.67") -> dict[str, Any]:
    return {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2022},
        "projects": [
            {
                "name": "示例项目",
                "budget_lines": [
                    {
                        "item": "年度资金总额",
                        "unit": "万元",
                        "annual_budget": "120",
                        "executed": "116",
                        "rate": rate,
                        "weight": 10,
                        "score": score,
                    }
                ],
            }
        ],
    }


@pytest.mark.parametrize("rate", ["0.967", "0.97", "0.966", "0.9667", "0.96"])
def test_116_of_120_stated_at_any_precision_is_right(pack: Pack, rate: str) -> None:
    # 116 / 120 = 0.96666…: 96.7% and 97% (half up), 96.6% and 96% (truncated) are all displays of it.
    assert _blocking(pack, "BUDGET-RATE-ARITH", _budget(rate)) == []


@pytest.mark.parametrize("rate", ["0.95", "0.968", "0.98", "0.9677"])
def test_a_wrong_rate_still_blocks(pack: Pack, rate: str) -> None:
    assert _blocking(pack, "BUDGET-RATE-ARITH", _budget(rate)) == ["/projects/0/budget_lines/0/rate"]


@pytest.mark.parametrize(("score", "blocks"), [("9.7", False), ("9.67", False), ("10", False), ("9.8", True)])
def test_execution_score_at_display_precision(pack: Pack, score: str, blocks: bool) -> None:
    got = _blocking(pack, "BUDGET-EXEC-SCORE", _budget("0.967", score))
    assert bool(got) is blocks


def _indicator(score: str) -> dict[str, Any]:
    # 87 of a target of 90 on 7.2 points: 87 / 90 × 7.2 = 6.96 (7 half up, 6 or 6.9 truncated).
    return {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2022},
        "projects": [
            {
                "name": "示例项目",
                "indicators": [
                    {
                        "level1": "产出指标",
                        "name": "培训合格率",
                        "kind": "quantitative",
                        "comparator": "gte",
                        "target": 90,
                        "unit": "%",
                        "actual": 87,
                        "weight": "7.2",
                        "score": score,
                        "deviation_explanation": "部分学员未通过考核。",
                    }
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    ("score", "blocks"), [("7", False), ("6.96", False), ("6.9", False), ("6", False), ("5", True), ("6.8", True)]
)
def test_indicator_score_at_display_precision(pack: Pack, score: str, blocks: bool) -> None:
    assert bool(_blocking(pack, "SCORE-QUANT-FORMULA", _indicator(score))) is blocks


def _sum(project: dict[str, Any]) -> Decimal | None:
    """预算执行得分 + Σ 指标得分 as SCORE-TOTAL-SUM adds them, or None when a part is not a number."""
    try:
        (line,) = [b for b in project.get("budget_lines", []) if b["item"] == "年度资金总额"]
        return Decimal(str(line["score"])) + sum(
            (Decimal(str(i["score"])) for i in project.get("indicators", [])), Decimal(0)
        )
    except (KeyError, ValueError, ArithmeticError):
        return None


def test_rounding_a_correct_total_never_gives_a_total_sum_finding(pack: Pack) -> None:
    # SCORE-TOTAL-SUM is a warning, so "never blocks" would hold trivially: it must not fire at all.
    loaded = pack.rule("SCORE-TOTAL-SUM")
    assert loaded is not None
    tried = 0
    for example in loaded.rule.examples:
        for pi, project in enumerate(example.submission.get("projects", [])):
            correct = _sum(project)
            if correct is None:
                continue
            for shown in {correct.quantize(Decimal(1).scaleb(-p), rounding=m) for p in (0, 1, 2) for m in MODES}:
                variant = copy.deepcopy(example.submission)
                variant["projects"][pi]["self_score"] = str(shown)
                read = read_object(variant, "SCORE-TOTAL-SUM")
                report = run_pack(pack, [read], Severity.WARNING)
                pointer = f"/projects/{pi}/self_score"
                got = [
                    f.location.pointer for s in report.submissions for f in s.findings if f.rule_id == "SCORE-TOTAL-SUM"
                ]
                assert pointer not in got, (example.name, shown)
                tried += 1
    assert tried >= 10, tried


@pytest.mark.parametrize(
    ("total", "fires"),
    [("90.5", False), ("90.46", False), ("90", False), ("90.4", False), ("90.6", True), ("91", True), ("90.3", True)],
)
def test_total_of_90_46_at_display_precision(pack: Pack, total: str, fires: bool) -> None:
    # 9.67 + 50 + 20.79 + 6 + 4 = 90.46: 90.5 and 90 (half up, truncated) are displays of it, 90.6 is not.
    scores = ("50", "20.79", "6", "4")
    submission = {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2022},
        "projects": [
            {
                "name": "示例项目",
                "self_score": total,
                "budget_lines": [
                    {"item": "年度资金总额", "annual_budget": 120, "executed": 116, "weight": 10, "score": "9.67"}
                ],
                "indicators": [
                    {"level1": "产出指标", "name": f"指标{i}名称", "kind": "qualitative", "weight": 50, "score": s}
                    for i, s in enumerate(scores)
                ],
            }
        ],
    }
    report = run_pack(pack, [read_object(submission, "total")], Severity.WARNING)
    got = [f.rule_id for s in report.submissions for f in s.findings if f.rule_id == "SCORE-TOTAL-SUM"]
    assert bool(got) is fires
