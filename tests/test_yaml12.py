"""load_yaml: YAML 1.2 scalars, positions for every key, and clear errors instead of surprises."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from perfrules.yaml12 import YamlError, load_yaml

# --- YAML 1.2 scalars -------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["no", "No", "NO", "yes", "Yes", "on", "On", "off", "OFF", "y", "n"])
def test_yaml11_booleans_stay_strings(word: str) -> None:
    assert load_yaml(f"a: {word}\n").data == {"a": word}


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("True", True), ("false", False), ("FALSE", False)])
def test_yaml12_booleans(text: str, expected: bool) -> None:
    assert load_yaml(f"a: {text}\n").data["a"] is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.50", Decimal("1.50")),
        ("0.1", Decimal("0.1")),
        ("-0.5", Decimal("-0.5")),
        (".5", Decimal("0.5")),
        ("99.98", Decimal("99.98")),
        ("1.5e+3", Decimal("1.5e+3")),
    ],
)
def test_decimals_are_exact(text: str, expected: Decimal) -> None:
    value = load_yaml(f"a: {text}\n").data["a"]
    assert isinstance(value, Decimal)
    assert value == expected
    assert str(value) == str(expected)  # 1.50 keeps its trailing zero


def test_decimal_keeps_trailing_zero() -> None:
    assert str(load_yaml("a: 1.50\n").data["a"]) == "1.50"


@pytest.mark.parametrize(("text", "expected"), [("12", 12), ("-3", -3), ("+3", 3), ("2021", 2021), ("012", 12)])
def test_integers(text: str, expected: int) -> None:
    value = load_yaml(f"a: {text}\n").data["a"]
    assert type(value) is int
    assert value == expected


@pytest.mark.parametrize("text", ["'1.50'", '"12"', "'2021'", '"true"', "'no'", "''", '"null"'])
def test_quoted_scalars_are_strings(text: str) -> None:
    value = load_yaml(f"a: {text}\n").data["a"]
    assert isinstance(value, str)
    assert value == text[1:-1]


def test_block_scalars_are_strings() -> None:
    assert load_yaml("a: |\n  12\n").data == {"a": "12\n"}


@pytest.mark.parametrize("text", ["~", "null", "Null", "NULL", ""])
def test_nulls(text: str) -> None:
    assert load_yaml(f"a: {text}\n").data == {"a": None}


def test_dates_and_times_stay_text() -> None:
    data = load_yaml("d: 2021-06-30\nt: 1:20\nm: 2021-06\n").data
    assert data == {"d": "2021-06-30", "t": "1:20", "m": "2021-06"}


def test_merge_key_is_not_special() -> None:
    data = load_yaml("a: &x {k: 1}\nb:\n  <<: *x\n").data
    assert data["b"] == {"<<": {"k": 1}}


def test_empty_document_is_none() -> None:
    assert load_yaml("").data is None
    assert load_yaml("# 只有注释\n").data is None


@pytest.mark.parametrize(("text", "expected"), [("1e3", Decimal("1e3")), ("1.5e3", Decimal("1.5e3")), ("08", 8)])
def test_yaml12_core_numbers_that_yaml11_reads_as_text(text: str, expected: object) -> None:
    value = load_yaml(f"a: {text}\n").data["a"]
    assert value == expected
    assert not isinstance(value, str)


@pytest.mark.parametrize(("text", "expected"), [("!!str 12", "12"), ("!!str 1.50", "1.50"), ("!!str true", "true")])
def test_explicit_str_tag_makes_a_string(text: str, expected: str) -> None:
    assert load_yaml(f"a: {text}\n").data == {"a": expected}


# --- positions --------------------------------------------------------------------------------


SUBMISSION = """\
document_kind: project_table
header:
  department: 示例局
  fiscal_year: 2022
projects:
  - name: 示例项目
    indicators:
      - level1: 产出指标
        name: 培训人数
      - {level1: 效益指标, name: 群众满意}
"""


def test_every_key_and_item_has_a_line_and_column() -> None:
    located = load_yaml(SUBMISSION)
    assert located.positions[("document_kind",)] == (1, 1)
    assert located.positions[("header", "department")] == (3, 3)
    assert located.positions[("header", "fiscal_year")] == (4, 3)
    assert located.positions[("projects", 0)][0] == 6
    assert located.positions[("projects", 0, "indicators", 0, "name")] == (9, 9)
    assert located.positions[("projects", 0, "indicators", 1)][0] == 10


def test_line_of_falls_back_to_the_nearest_ancestor() -> None:
    located = load_yaml(SUBMISSION)
    assert located.line_of(("header", "fiscal_year")) == (4, 3)
    assert located.line_of(("projects", 0, "indicators", 1, "score")) == (10, 9)
    assert located.line_of(("header", "no_such_key", 3)) == (2, 1)


# --- errors -----------------------------------------------------------------------------------


def _error(text: str) -> YamlError:
    with pytest.raises(YamlError) as info:
        load_yaml(text)
    return info.value


def test_duplicate_key_names_the_key_and_its_line() -> None:
    err = _error("header:\n  department: 甲\n  fiscal_year: 2022\n  department: 乙\n")
    assert err.line == 4
    assert err.column == 3
    assert "department" in err.message
    assert "duplicate key" in err.message


def test_duplicate_key_with_different_quoting_is_still_a_duplicate() -> None:
    err = _error("'a': 1\na: 2\n")
    assert err.line == 2


def test_tab_indentation_is_explained() -> None:
    err = _error("header:\n\tdepartment: 甲\n")
    assert err.line == 2
    assert "tabs" in err.message
    assert "空格" in err.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("check:\n  op: >=\n", 2),
        ("fails_when:\n  - column: score\n    op: >=\n    value: 1\n", 3),
        ("fails_when:\n  - {column: score, op: >=, value: 1}\n", 2),
        ("comparator: >= \n", 1),
    ],
)
def test_unquoted_comparison_operator_is_explained(text: str, line: int) -> None:
    err = _error(text)
    assert err.line == line
    assert "gte" in err.message
    assert '">="' in err.message


def test_quoted_comparison_operator_is_fine() -> None:
    assert load_yaml("op: \">=\"\nb: '>'\n").data == {"op": ">=", "b": ">"}


def test_unquoted_lone_greater_than_is_not_silently_emptied() -> None:
    err = _error("comparator: >\ntarget: 100\n")
    assert err.line == 1
    assert "gt" in err.message


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo pwned']\n",
        "a: !!python/name:os.system\n",
        "a: !!python/object:collections.OrderedDict {}\n",
        "!!python/tuple [1, 2]\n",
        "a: !custom value\n",
        "a: !!binary aGVsbG8=\n",
        "!!set {a, b}\n",
    ],
)
def test_python_and_unknown_tags_are_rejected(text: str) -> None:
    err = _error(text)
    assert "tag" in err.message
    assert err.line == 1


def test_recursive_alias_is_rejected_with_a_line() -> None:
    err = _error("a: 1\nb: &x\n  c: *x\n")
    assert "recursive" in err.message
    assert err.line is not None


def test_recursive_sequence_alias_is_rejected() -> None:
    assert "recursive" in _error("&x [1, *x]\n").message


def test_plain_alias_reuse_is_allowed() -> None:
    data = load_yaml("a: &x {k: 1}\nb: *x\nc: *x\n").data
    assert data == {"a": {"k": 1}, "b": {"k": 1}, "c": {"k": 1}}


def test_alias_bomb_is_stopped_quickly() -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    start = time.perf_counter()
    err = _error("\n".join(levels) + "\n")
    assert time.perf_counter() - start < 5
    assert "alias" in err.message
    assert "bomb" in err.message


def test_mapping_key_must_be_a_scalar() -> None:
    err = _error("? [a, b]\n: 1\n")
    assert err.line == 1
    assert "key" in err.message


def test_several_documents_are_an_error() -> None:
    err = _error("a: 1\n---\nb: 2\n")
    assert err.line == 2


def test_syntax_error_has_line_and_column() -> None:
    err = _error("a:\n  b: [1, 2\nc: 3\n")
    assert err.line is not None
    assert err.column is not None
    assert "YAML" in err.message


def test_very_deep_nesting_is_an_error_not_a_crash() -> None:
    depth = 5000
    err = _error("a: " + "[" * depth + "]" * depth + "\n")
    assert err.line == 1


def test_nesting_just_under_the_parser_limit_is_an_error_not_a_crash() -> None:
    # PyYAML's composer stops at 1000 levels; the builder must not hit Python's recursion limit first.
    depth = 990
    err = _error("a: " + "[" * depth + "]" * depth + "\n")
    assert err.line == 1
    assert "nested" in err.message
