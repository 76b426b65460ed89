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
