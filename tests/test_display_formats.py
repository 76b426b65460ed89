"""Issue 14 §3: amounts in the submitter's unit with thousands separators, rates as percentages.

The JSON keeps the plain values (元, fractions); only the messages show them as the form did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from perfrules.findings.build import format_money, format_percent, render_template
from perfrules.model.rule import Severity
from perfrules.pack.loader import load_pack, load_rule_text
from perfrules.read.documents import read_object
from perfrules.run import run_pack
from tests.conftest import RULES


@pytest.mark.parametrize(
    ("yuan", "unit", "zh", "en"),
    [
        ("1300000", "万元", "130 万元", "130 × 10,000 yuan"),
        ("1300000", "元", "1,300,000 元", "1,300,000 yuan"),
        ("1234567.8900", None, "1,234,567.89 元", "1,234,567.89 yuan"),
        ("12345", "万元", "1.2345 万元", "1.2345 × 10,000 yuan"),
        ("-50000", "万元", "-5 万元", "-5 × 10,000 yuan"),
        ("0.0000", "元", "0 元", "0 yuan"),
    ],
)
def test_money_is_shown_in_the_stated_unit(yuan: str, unit: str | None, zh: str, en: str) -> None:
    assert format_money(yuan, unit) == zh
    assert format_money(yuan, unit, "en") == en


@pytest.mark.parametrize(
    ("fraction", "shown"), [("0.97", "97%"), ("0.967", "96.7%"), ("0.9667", "96.67%"), ("1", "100%"), ("0", "0%")]
)
def test_rates_are_shown_as_percentages(fraction: str, shown: str) -> None:
    assert format_percent(fraction) == shown


def test_a_placeholder_without_a_value_is_a_dash_and_text_is_never_evaluated() -> None:
    values = {"a": None, "b": "{c}", "money_unit": "万元", "m": "20000"}
    assert render_template("{a:money} {a:percent} {b} {m:money}", values) == "— — {c} 2 万元"


def test_an_unknown_format_is_a_lint_problem_with_its_place() -> None:
    pack = load_pack(RULES)
    text = (
        (RULES / "national" / "BUDGET-RATE-ARITH.yaml")
        .read_text(encoding="utf-8")
        .replace("{rate:percent}", "{rate:pct}", 1)
    )
    _, problems = load_rule_text(
        text, "BUDGET-RATE-ARITH.yaml", {n: tuple(r.columns) for n, r in pack.references.items()}
    )
    assert any("pct" in p.message and "percent" in p.message for p in problems), [p.message for p in problems]


def _project(unit: str) -> dict[str, object]:
    factor = 1 if unit == "万元" else 10000
    return {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2022},
        "projects": [
            {
                "name": "示例项目",
                "budget_lines": [
                    {
                        "item": "年度资金总额",
                        "unit": unit,
                        "initial_budget": 130 * factor,
                        "annual_budget": 130 * factor,
                        "executed": 117 * factor,
                        "rate": "0.95",
                        "weight": 10,
                        "score": 9,
                    },
                ],
            }
        ],
    }


@pytest.mark.parametrize(
    ("unit", "quoted"), [("万元", "117 万元 ÷ 全年预算数 130 万元"), ("元", "1,170,000 元 ÷ 全年预算数 1,300,000 元")]
)
def test_a_finding_quotes_money_as_the_sheet_states_it(unit: str, quoted: str) -> None:
    report = run_pack(load_pack(RULES), [read_object(_project(unit), "x")], Severity.INFO)
    (finding,) = [f for s in report.submissions for f in s.findings if f.rule_id == "BUDGET-RATE-ARITH"]
    assert quoted in finding.message.zh
    assert "执行率填报为 95%" in finding.message.zh and "= 90%" in finding.message.zh
    assert finding.evidence["executed"] == "1170000" and finding.evidence["rate"] == "0.95"  # the JSON stays plain
    assert finding.evidence["money_unit"] == unit


def test_every_money_placeholder_has_its_unit_in_evidence() -> None:
    """A rule that shows {x:money} names the unit it was stated in, or the message would guess 元."""
    for loaded in load_pack(RULES).rules:
        rule = loaded.rule
        if ":money}" in rule.message.zh + rule.message.en:
            assert "money_unit" in rule.evidence, f"{rule.id}: add evidence money_unit"


def test_no_shipped_message_quotes_a_bare_amount_in_yuan() -> None:
    for path in sorted((RULES / "national").glob("*.yaml")):
        head = path.read_text(encoding="utf-8").split("\nbasis:", 1)[0]
        assert "} 元" not in head and "} yuan" not in head, f"{path.name}: use {{x:money}}"
    assert Path(RULES).is_dir()
