"""Cell text as a reviewer reads it: labels, numbers as displayed, "≥2400份", "98.1%".

Shared by the official-form reader and the tidy template reader. Nothing here imports a
spreadsheet library: cells arrive as plain Python values plus their Excel number format.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from perfrules.model.values import NOT_APPLICABLE_MARKS

CellValue = str | int | float | Decimal | bool | datetime | date | time | None

# Excel keeps 15 significant digits; beyond that a float is binary noise, not what the form says.
_EXCEL_DIGITS = 15
_BRACKETED = re.compile(r"[(\[（【〔][^)\]）】〕]*[)\]）】〕]")
_QUOTED_IN_FORMAT = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_DECIMALS_IN_FORMAT = re.compile(r"\.([0#?]+)")
_NUMBER = r"[+-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)"

COMPARATORS: dict[str, str] = {
    "≥": "gte", "≧": "gte", "⩾": "gte", ">=": "gte", "大于等于": "gte", "大于或等于": "gte",
    "不低于": "gte", "不少于": "gte", "不小于": "gte",
    ">": "gt", "大于": "gt", "高于": "gt", "多于": "gt", "超过": "gt",
    "≤": "lte", "≦": "lte", "⩽": "lte", "<=": "lte", "小于等于": "lte", "小于或等于": "lte",
    "不高于": "lte", "不超过": "lte", "不多于": "lte", "不大于": "lte",
    "<": "lt", "小于": "lt", "低于": "lt", "少于": "lt",
    "=": "eq", "==": "eq", "等于": "eq",
}  # fmt: skip
_SUFFIX_COMPARATORS = {"及以上": "gte", "以上": "gte", "及以下": "lte", "以下": "lte", "以内": "lte"}
_UNIT_ALIASES = {"百分比": "%", "百分点": "%"}
_PREFIX = "|".join(re.escape(k) for k in sorted(COMPARATORS, key=len, reverse=True))
_SUFFIX = "|".join(re.escape(k) for k in sorted(_SUFFIX_COMPARATORS, key=len, reverse=True))
# A unit is short text without digits or comparators: "份", "万元", "%", "人次", "个月".
_MEASURE = re.compile(
    rf"^(?P<cmp>{_PREFIX})?\s*(?P<num>{_NUMBER})\s*(?P<unit>[^\d\s<>=≥≤≧≦+\-]{{1,8}}?)?\s*(?P<suffix>{_SUFFIX})?$"
)
_WITHHELD = re.compile(r"涉密|保密|略$")
# "12月底前完成" is a deadline, not 12 of a unit called "月底前完成".
_DEADLINE_WORDS = re.compile(r"[前后底末初]|完成")


def text_of(value: CellValue) -> str:
    """A cell as stripped text ("" when blank); numbers as Python writes them."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def label_key(value: CellValue) -> str:
    """A header label reduced to its words: "全年预算数(A)" → "全年预算数", "项目资金（万元）" → "项目资金"."""
    text = unicodedata.normalize("NFKC", text_of(value))
    text = _BRACKETED.sub("", text)
    return re.sub(r"\s+", "", text).rstrip(":：")


def is_project_name_label(key: str) -> bool:
    """A label key that starts a project form: "项目名称", or "项目名称:××" with the name in the label's cell."""
    return key == "项目名称" or key.startswith("项目名称:")


def folded(value: CellValue) -> str:
    """Full-width forms and spaces folded, for searching ("（２０２１年度）" → "(2021年度)")."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text_of(value)))


def column_letter(col: int) -> str:
    """0-based column index → "A", "B", …, "AA"."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(sheet: str, row: int, col: int) -> str:
    """0-based row and column → "Sheet!C12"."""
    return f"{sheet}!{column_letter(col)}{row + 1}"


def _plain(value: Decimal) -> Decimal:
    # normalize() would print 100 as 1E+2; integral values keep their digits instead.
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def format_decimals(number_format: str) -> int | None:
    """Decimal places an Excel number format shows, or None for General (shown as stored)."""
    section = _QUOTED_IN_FORMAT.sub("", number_format.split(";")[0])
    if "0" not in section and "#" not in section:
        return None
    match = _DECIMALS_IN_FORMAT.search(section)
    return len(match.group(1)) if match else 0


def is_percent_format(number_format: str) -> bool:
    """Whether a cell's number format shows a percentage (quoted literal text and other sections ignored)."""
    return "%" in _QUOTED_IN_FORMAT.sub("", number_format.split(";")[0])


def displayed(value: int | float | Decimal, number_format: str = "General") -> Decimal:
    """A numeric cell as the form shows it: the format's rounding, without float noise.

    A percent-formatted cell keeps its stored fraction (0.981 shown as "98.1%" stays 0.981).
    """
    if isinstance(value, float):
        number = Decimal(repr(value))
        if number and number.is_finite():
            exponent = number.adjusted() - (_EXCEL_DIGITS - 1)
            number = number.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN)
    else:
        number = Decimal(value)
    if not number.is_finite():
        return number
    places = format_decimals(number_format)
    if places is not None:
        shift = 2 if is_percent_format(number_format) else 0
        try:
            number = number.quantize(Decimal(1).scaleb(-(places + shift)), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            return number
    return _plain(number)


def is_mark(text: str) -> bool:
    """ "—", "/", "*", "涉密，略": a deliberate non-number that parse_num classifies itself."""
    folded_text = unicodedata.normalize("NFKC", text).strip()
    return folded_text.lower() in NOT_APPLICABLE_MARKS or bool(_WITHHELD.search(folded_text))


def _percent_text(text: str) -> Decimal | None:
    match = re.fullmatch(rf"({_NUMBER})\s*%", unicodedata.normalize("NFKC", text).strip())
    if not match:
        return None
    try:
        return _plain(Decimal(match.group(1).replace(",", "")).scaleb(-2))
    except InvalidOperation:
        return None


def number_cell(value: CellValue, number_format: str = "General", units: tuple[str, ...] = ()) -> object:
    """What to hand ``parse_num`` for a money, weight or score cell.

    Text keeps its raw form so parse_num can tell "—" from "涉密" from garbage; a trailing unit the
    column already implies ("10分" under 分值, "120万元" under 万元) is dropped because it says nothing new.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return displayed(value, number_format)
    if isinstance(value, datetime | date | time):
        return text_of(value)
    text = value.strip()
    folded_text = unicodedata.normalize("NFKC", text).strip()
    for unit in units:
        if folded_text.endswith(unit) and len(folded_text) > len(unit):
            stem = folded_text[: -len(unit)].strip()
            if re.fullmatch(_NUMBER, stem):
                return stem
    return text


def rate_cell(value: CellValue, number_format: str = "General", header_percent: bool = False) -> object:
    """An execution rate as a fraction: "98.1%" → 0.981, a 98.1% cell → 0.981.

    A bare number is taken as stated, unless the column header itself says "(%)".
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        number = displayed(value, number_format)
        if header_percent and not is_percent_format(number_format) and number.is_finite():
            return _plain(number.scaleb(-2))
        return number
    text = text_of(value)
    percent = _percent_text(text)
    if percent is not None:
        return percent
    if header_percent:
        stem = unicodedata.normalize("NFKC", text).strip()
        if re.fullmatch(_NUMBER, stem) and "," not in stem:
            return _plain(Decimal(stem).scaleb(-2))
    return text


@dataclass(frozen=True)
class Measure:
    """A target or actual cell split apart: comparator, the number (for parse_num) and unit."""

    comparator: str | None = None
    value: object = None
    unit: str | None = None
    quantitative: bool = False
    blank: bool = True
    text: str = ""


def measure(value: CellValue, number_format: str = "General") -> Measure:
    """Split "≥2400份" into (gte, "2400", "份"); text without a number is a qualitative grade.

    A percent-formatted numeric cell reads as the percent it shows (0.95 → 95, unit "%"),
    because indicators state percentages as numbers with a "%" unit.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return Measure()
    if isinstance(value, bool | datetime | date | time):
        return Measure(value=text_of(value), blank=False, text=text_of(value))
    if isinstance(value, int | float | Decimal):
        number = displayed(value, number_format)
        if is_percent_format(number_format) and number.is_finite():
            return Measure(value=_plain(number.scaleb(2)), unit="%", quantitative=True, blank=False, text=str(number))
        return Measure(value=number, quantitative=True, blank=False, text=str(number))
    text = value.strip()
    if is_mark(text):
        return Measure(value=text, blank=False, text=text)
    folded_text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    match = _MEASURE.match(folded_text)
    if not match or _DEADLINE_WORDS.search(match.group("unit") or ""):
        return Measure(value=text, blank=False, text=text)
    comparator = COMPARATORS.get(match.group("cmp") or "") or _SUFFIX_COMPARATORS.get(match.group("suffix") or "")
    unit = match.group("unit") or None
    unit = _UNIT_ALIASES.get(unit, unit) if unit else None
    return Measure(comparator, match.group("num"), unit, quantitative=True, blank=False, text=text)


def comparator_of(value: CellValue) -> str | None:
    """A 指标性质 / 计算符号 cell ("≥", "＞", "不低于") as the model's comparator name."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text_of(value)))
    if not text:
        return None
    return COMPARATORS.get(text) or {"gte": "gte", "gt": "gt", "eq": "eq", "lte": "lte", "lt": "lt"}.get(text.lower())


def decode_text(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, the superset of the GBK that offices still save."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")
