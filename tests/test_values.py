"""parse_num reads a form cell the way a reviewer would: exact numbers, and four ways not to be one."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from perfrules.model.submission import Header
from perfrules.model.values import YUAN_PER_UNIT, Num, ValueState, parse_num

CJK = re.compile(r"[\u4e00-\u9fff]")


def _bilingual(text: str | None) -> bool:
    return text is not None and bool(CJK.search(text)) and bool(re.search(r"[A-Za-z]{3,}", text))


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, Decimal(12)),
        (0, Decimal(0)),
        (Decimal("12.50"), Decimal("12.50")),
        (12.5, Decimal("12.5")),
        (0.1, Decimal("0.1")),  # repr, not the binary float 0.1000000000000000055...
        ("12.5", Decimal("12.5")),
        ("+5", Decimal(5)),
        ("-5", Decimal(-5)),
        (".5", Decimal("0.5")),
        ("12.3456", Decimal("12.3456")),
        ("  98.1  ", Decimal("98.1")),
    ],
)
def test_numbers_are_read_exactly(raw: object, expected: Decimal) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.VALUE
    assert num.is_value
    assert num.value == expected
    assert isinstance(num.value, Decimal)


def test_numeric_text_keeps_what_the_clerk_typed() -> None:
    num = parse_num(" 1,234.5 ")
    assert num.value == Decimal("1234.5")
    assert num.raw == " 1,234.5 "


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１２．５", Decimal("12.5")),
        ("１２", Decimal(12)),
        ("２０", Decimal(20)),
        ("\u3000１２\u3000", Decimal(12)),  # ideographic spaces around full-width digits
        ("１２，３４５．６", Decimal("12345.6")),
        ("－５", Decimal(-5)),  # full-width minus sign
    ],
)
def test_full_width_digits_are_numbers(raw: str, expected: Decimal) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.VALUE
    assert num.value == expected
    assert num.raw == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.5", Decimal("1234.5")),
        ("12,345,678", Decimal(12345678)),
        ("1，234.5", Decimal("1234.5")),  # full-width comma
        ("392,415.00", Decimal("392415.00")),
    ],
)
def test_thousands_separators_are_dropped(raw: str, expected: Decimal) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.VALUE
    assert num.value == expected


@pytest.mark.parametrize("raw", ["12,34", "3，5", "1,2,3", "1234,567", ",123"])
def test_misplaced_separators_are_not_guessed_into_a_number(raw: str) -> None:
    # "12,34" may be a decimal comma or two values; reading it as 1234 would be a guess.
    assert parse_num(raw).state is ValueState.MALFORMED


# --- not applicable, withheld, missing --------------------------------------------------------


@pytest.mark.parametrize("raw", ["—", "——", "/", "*", "-", "－", "–", "不适用", "N/A", "n/a", " — "])
def test_dash_slash_star_are_not_applicable(raw: str) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.NOT_APPLICABLE
    assert num.value is None  # never collapses to 0
    assert num.raw == raw


@pytest.mark.parametrize("raw", ["涉密，略", "涉密,略", "（详细信息涉密，略）", "保密", "涉密"])
def test_withheld_cells_are_withheld(raw: str) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.WITHHELD
    assert num.value is None
    assert num.raw == raw


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000"])
def test_blank_is_missing_not_zero(raw: str | None) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.MISSING
    assert num.value is None
    assert not num.is_value


# --- malformed --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["abc", "满分", "12%", "12元", "1.2.3", "12..5", "--5", "1e3", "NaN", "Infinity", "三"])
def test_text_that_is_not_a_number_is_malformed_with_a_reason(raw: str) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.MALFORMED
    assert num.value is None
    assert num.raw == raw
    assert _bilingual(num.reason), num.reason


def test_malformed_reason_quotes_the_text() -> None:
    assert "abc" in (parse_num("abc").reason or "")


@pytest.mark.parametrize("raw", [True, False])
def test_booleans_are_malformed_not_one_and_zero(raw: bool) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.MALFORMED
    assert num.value is None
    assert num.raw == str(raw).lower()
    assert "boolean" in (num.reason or "")


@pytest.mark.parametrize("raw", ["12.34567", "0.00001", Decimal("1.23456"), 1e-05])
def test_more_than_four_decimal_places_is_malformed(raw: object) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.MALFORMED
    assert "4" in (num.reason or "")
    assert "decimal places" in (num.reason or "")


def test_trailing_zeros_beyond_four_places_are_not_extra_precision() -> None:
    num = parse_num("12.345600")
    assert num.state is ValueState.VALUE
    assert num.value == Decimal("12.3456")


@pytest.mark.parametrize("raw", ["100000000000000", float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_non_finite_or_huge_values_are_malformed(raw: object) -> None:
    num = parse_num(raw)
    assert num.state is ValueState.MALFORMED
    assert num.reason


def test_just_under_the_range_limit_is_a_value() -> None:
    assert parse_num("99999999999999").value == Decimal("99999999999999")


@pytest.mark.parametrize("raw", [[1], {1, 2}, object()])
def test_other_python_types_are_malformed_not_errors(raw: object) -> None:
    assert parse_num(raw).state is ValueState.MALFORMED


def test_a_num_passes_through_and_a_state_dict_is_read_back() -> None:
    num = parse_num("涉密，略")
    assert parse_num(num) is num
    assert parse_num({"state": "withheld", "raw": "涉密，略"}) == num


# --- units ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("39.2415", Decimal(392415)),
        ("40", Decimal(400000)),
        ("0.0001", Decimal(1)),
        ("12345678.1234", Decimal(123456781234)),
        (39.2415, Decimal(392415)),  # a float from Python code is still exact
        ("３９．２４", Decimal(392400)),
    ],
)
def test_wanyuan_to_yuan_is_exact(raw: object, expected: Decimal) -> None:
    yuan = parse_num(raw).scaled(YUAN_PER_UNIT["万元"])
    assert yuan.state is ValueState.VALUE
    assert yuan.value == expected
    assert yuan.value == yuan.value.to_integral_value()  # no 392414.99999...


def test_scaling_keeps_the_original_text() -> None:
    yuan = parse_num("39.2415").scaled(YUAN_PER_UNIT["万元"])
    assert yuan.raw == "39.2415"


def test_yuan_factor_is_identity() -> None:
    assert parse_num("1.5").scaled(YUAN_PER_UNIT["元"]).value == Decimal("1.5")


@pytest.mark.parametrize("raw", [None, "—", "涉密，略", "abc"])
def test_scaling_a_non_value_keeps_its_state(raw: str | None) -> None:
    before = parse_num(raw)
    after = before.scaled(YUAN_PER_UNIT["万元"])
    assert after == before
    assert after.value is None


def test_scaling_past_the_range_limit_is_malformed() -> None:
    assert parse_num("99999999999").scaled(YUAN_PER_UNIT["万元"]).state is ValueState.MALFORMED


# --- as a model field -------------------------------------------------------------------------


def test_num_fields_in_a_header_keep_their_state() -> None:
    header = Header(department="示例局", fiscal_year=2022, self_score="涉密，略")
    assert isinstance(header.self_score, Num)
    assert header.self_score.state is ValueState.WITHHELD
    dumped = header.model_dump(mode="json")["self_score"]
    assert dumped["state"] == "withheld"
    assert Header.model_validate(header.model_dump(mode="json")).self_score == header.self_score


def test_whole_numbers_serialize_as_plain_digits_and_read_back() -> None:
    header = Header(department="示例局", fiscal_year=2022, self_score="100")
    dumped = header.model_dump(mode="json")["self_score"]
    assert dumped == "100"
    again = Header.model_validate_json(header.model_dump_json())
    assert again.self_score.state is ValueState.VALUE
    assert again.self_score.value == Decimal(100)
