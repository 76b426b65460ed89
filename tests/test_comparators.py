"""Issue 12 §3: the comparator of a target inferred from its words and by convention, and said so."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfrules import validate
from perfrules.read.comparators import by_convention, clean_unit, from_text, infer, loose_target
from perfrules.read.xlsx_forms import read_workbook
from tests.test_layouts import mk


@pytest.mark.parametrize(
    ("text", "comparator", "word"),
    [
        ("≥95%", "gte", "≥"),
        ("≧1宗", "gte", "≧"),
        ("不少于3000人次", "gte", "不少于"),
        ("不低于90%", "gte", "不低于"),
        ("3000人次以上", "gte", "以上"),
        ("达到95%以上", "gte", "以上"),
        ("不超过0.3万元", "lte", "不超过"),
        ("总成本不超9万", "lte", "不超"),
        ("不高于5%", "lte", "不高于"),
        ("30天以内", "lte", "以内"),
        ("3个工作日内", "lte", "内"),
        ("9个小时内", "lte", "内"),
        ("半小时内", "lte", "内"),
        ("3个工作日", "lte", "时限"),
        ("超过100人", "gt", "超过"),
        ("低于3%", "lt", "低于"),
        ("不足5起", "lt", "不足"),
        ("等于100%", "eq", "等于"),
    ],
)
def test_comparator_from_the_target_words(text: str, comparator: str, word: str) -> None:
    inferred = from_text(text)
    assert inferred is not None and (inferred.comparator, inferred.basis) == (comparator, word)


@pytest.mark.parametrize("text", ["约300人", "95%左右", "90%–95%", "90%~95%"])
def test_vague_and_range_targets_are_not_inferred(text: str) -> None:
    inferred = from_text(text)
    assert inferred is not None and inferred.comparator is None


@pytest.mark.parametrize("text", ["辖区内全覆盖", "范围内开展", "及时", "得到保障", "有效提升"])
def test_no_number_no_comparator(text: str) -> None:
    assert from_text(text) is None
    assert loose_target(text) is None  # qualitative targets stay qualitative


@pytest.mark.parametrize(
    ("name", "unit", "level2", "comparator"),
    [
        ("培训合格率", "%", None, "gte"),
        ("补贴发放及时率", "%", "时效指标", "gte"),
        ("业务差错率", "%", None, "lte"),
        ("群众投诉率", None, None, "lte"),
        ("人均培训成本", "元", "成本指标", "lte"),
        ("审批办结时限", "工作日", "时效指标", "lte"),
        ("培训人次", "人次", None, "gte"),
        ("安全责任事故", "起", None, "lte"),
        ("群众投诉", "件", None, "lte"),
        ("长效机制", None, None, None),
    ],
)
def test_plain_numbers_by_convention(name: str, unit: str | None, level2: str | None, comparator: str | None) -> None:
    inferred = by_convention(name, unit, level2)
    assert (inferred.comparator if inferred else None) == comparator


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("9个小时内", "9", "小时"),
        ("半小时内", "0.5", "小时"),
        ("3个工作日", "3", "工作日"),
        ("达到95%以上", "95", "%"),
        ("总成本不超9万", "9", "万元"),
        ("出具报告总成本不超过0.3万元", "0.3", "万元"),
        ("9㎡", "9", "平方米"),
        ("不超过9万一年", "9", "万元"),
        ("95%满意", "95", "%"),
        ("≧1宗", "1", "宗"),
    ],
)
def test_wider_target_grammar(text: str, number: str, unit: str) -> None:
    target = loose_target(text)
    assert target is not None and (target.number, target.unit) == (number, unit)


def test_deadlines_are_not_numbers() -> None:
    assert loose_target("12月底前完成") is None
    assert clean_unit("个工作日内") == "工作日"
    assert infer("x", "3个工作日内", None) == from_text("3个工作日内")


def test_form_without_comparators_is_scored_and_findings_say_what_was_inferred(tmp_path: Path) -> None:
    path = mk.write(tmp_path / "plain.xlsx", mk.FAMILIES["plain-targets"]())
    (result,) = read_workbook(path)
    assert result.submission is not None
    indicators = {i.name: i for i in result.submission.submission.projects[0].indicators}
    assert (indicators["窗口服务人次"].comparator, indicators["窗口服务人次"].comparator_basis) == ("gte", "不少于")
    assert (indicators["业务办理差错率"].comparator, indicators["业务办理差错率"].comparator_basis) == (
        "lte",
        "反向比率",
    )
    assert indicators["窗口运行总成本"].unit == "万元"
    assert indicators["群众办事一次办结率"].unit == "%"
    report = validate(path)
    (formula,) = [f for s in report.submissions for f in s.findings if f.rule_id == "SCORE-QUANT-FORMULA"]
    assert formula.location.indicator == "办事材料精简率"
    assert "按“以上”推定" in formula.message.zh
    assert "DESIGN-QUANT-COMPARATOR" not in {f.rule_id for s in report.submissions for f in s.findings}
