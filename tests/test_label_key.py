"""Header labels are matched by their words: trailing colons, spaces and bracketed units do not matter (issue 12 §1)."""

import pytest

from perfrules.read.cells import label_key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("全年预算数：", "全年预算数"),
        ("全年预算数: ", "全年预算数"),
        (" 年初预算数 ", "年初预算数"),
        ("全年执行数（万元）：", "全年执行数"),
        ("全年预算数(A)", "全年预算数"),
        ("年 初 预 算 数", "年初预算数"),
    ],
)
def test_label_key_ignores_colons_spaces_and_units(raw: str, key: str) -> None:
    assert label_key(raw) == key


def test_label_key_keeps_distinct_labels_distinct() -> None:
    assert label_key("全年预算数：") != label_key("全年执行数：")


def test_chongqing_district_labels_map_to_columns() -> None:
    """The Chongqing district form (03_forms.md D1, [V]) names its columns 执行率权重/执行率得分 and 指标权重/指标得分."""
    from perfrules.read.form_header import header_columns
    from perfrules.read.form_reader import BUDGET_COLUMNS, INDICATOR_COLUMNS
    from perfrules.read.workbook import Sheet

    budget = ["年初预算数", "全年(调整)预算数", "全年执行数", "执行率(%)", "执行率权重", "执行率得分(分)"]
    sheet = Sheet("s", {(0, c): (text, text) for c, text in enumerate(budget)})
    assert header_columns(sheet, 0, BUDGET_COLUMNS) == {
        "initial_budget": 0,
        "annual_budget": 1,
        "executed": 2,
        "rate": 3,
        "weight": 4,
        "score": 5,
    }
    indicators = ["指标名称", "计量单位", "指标性质", "年初指标值", "全年完成值", "指标权重(分)", "指标得分(分)"]
    sheet = Sheet("s", {(0, c): (text, text) for c, text in enumerate(indicators)})
    found = header_columns(sheet, 0, INDICATOR_COLUMNS)
    assert found["weight"] == 5 and found["score"] == 6 and found["actual"] == 4


@pytest.mark.parametrize("mark", ["不适用", "不涉及", "不适应", "无"])
def test_not_applicable_marks(mark: str) -> None:
    """不涉及 and the common slip 不适应 mean "not applicable", like 不适用 and 无 (issue 12 §2)."""
    from perfrules.model.values import ValueState, parse_num

    assert parse_num(mark).state is ValueState.NOT_APPLICABLE
