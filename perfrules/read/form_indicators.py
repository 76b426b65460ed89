"""The 绩效指标 (indicator) block of an official 自评表: one indicator per 三级指标 row, and the total score.

一级/二级指标 cells merged down (or left blank) carry over to the rows below; each indicator's kind,
comparator and unit are read from its own columns, else inferred from the target's wording and said so.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from perfrules.read.cells import (
    CellValue,
    comparator_of,
    folded,
    is_mark,
    is_percent_format,
    is_project_name_label,
    label_key,
    measure,
    number_cell,
    rate_cell,
    text_of,
)
from perfrules.read.comparators import SYMBOLS, LooseTarget, clean_unit, infer, loose_target
from perfrules.read.form_header import read_header
from perfrules.read.form_reader import END_LABELS, FIELD_LABELS, INDICATOR_COLUMNS, FormReader
from perfrules.read.workbook import Sheet, _blank

_TOTAL_LABELS = ("总分", "合计", "总计", "得分合计")
_PLACEHOLDER = re.compile(r"^指标\d+[:：]\s*")
_POINTS = re.compile(r"[(（]\s*\d+(\.\d+)?\s*分\s*[)）]$")


def _is_total_row(sheet: Sheet, r: int) -> int | None:
    for c in sheet.row(r):
        key = label_key(sheet.own(r, c))
        if key.startswith(_TOTAL_LABELS) and len(key) <= 8:
            return c
    return None


_NAME_LABELS = frozenset(INDICATOR_COLUMNS["name"])


def _repeats_header(sheet: Sheet, r: int, columns: dict[str, int]) -> bool:
    """A row that is the indicator header again (三级指标 | 年度指标值 | …), as a form printed over two pages, or
    a Word or PDF table continued on the next page, repeats it."""
    if "name" not in columns:
        return False
    return (
        label_key(sheet.own(*sheet.anchor(r, columns["name"]))) in _NAME_LABELS
        and sheet.anchor(r, columns["name"])[0] == r
    )


def _read_total(
    form: FormReader, header: dict[str, Any], project: dict[str, Any], r: int, label_col: int, columns: dict[str, int]
) -> None:
    sheet = form.sheet
    score_col = columns.get("score")
    cell: tuple[int, int] | None = None
    if score_col is not None and not _blank(sheet.own(r, score_col)):
        cell = (r, score_col)
    else:
        rest = [c for c in sheet.row(r) if c > sheet.merge_end(r, label_col) and c != columns.get("weight")]
        cell = (r, rest[-1]) if rest else None
    if cell is None:
        return
    value = number_cell(sheet.own(*cell), sheet.fmt(*cell), ("分",))
    project["self_score"] = header["self_score"] = value
    form.at("/projects/0/self_score", *cell)
    form.at("/header/self_score", *cell)


def read_indicators(form: FormReader, header: dict[str, Any], project: dict[str, Any], header_row: int) -> None:  # noqa: C901
    """The indicator rows under ``header_row`` into ``project["indicators"]``, up to the total line or the form's end."""
    sheet = form.sheet
    found = read_header(sheet, header_row, INDICATOR_COLUMNS, FIELD_LABELS)
    form.note_unmapped(found)
    columns = found.columns
    indicators: list[dict[str, Any]] = []
    inherited: dict[str, tuple[str, tuple[int, int]]] = {}
    for r in range(found.first_data_row, sheet.nrows):
        row = sheet.row(r)
        if not row:
            continue
        first = label_key(sheet.own(r, row[0]))
        # 项目名称 starts a second form stacked below, reported by the caller
        if first in END_LABELS or is_project_name_label(first) or first.startswith(("注:", "说明:", "填表说明")):
            break
        if _repeats_header(sheet, r, columns):
            continue  # the header printed again where the form runs onto a second page
        total_col = _is_total_row(sheet, r)
        if total_col is not None:
            _read_total(form, header, project, r, total_col, columns)
            break
        values: dict[str, tuple[CellValue, str, tuple[int, int]]] = {}
        for name, c in columns.items():
            if name in ("level1", "level2", "deviation_explanation"):
                # A merged 一级/二级 cell (or a blank one, as on retyped forms) carries the value above it.
                values[name] = sheet.merged(r, c)
            else:
                values[name] = (sheet.own(r, c), sheet.fmt(r, c), (r, c))
        name_value = text_of(values["name"][0]) if "name" in values else ""
        payload = [n for n in ("target", "actual", "weight", "score") if n in values and not _blank(values[n][0])]
        for level in ("level1", "level2"):
            if level in values:
                text = text_of(values[level][0])
                if text and inherited.get(level, ("", None))[1] != values[level][2]:
                    if level == "level1":
                        # A new 一级指标 starts its own 二级指标; a blank one must not carry over the old.
                        inherited.pop("level2", None)
                    inherited[level] = (_POINTS.sub("", text).strip(), values[level][2])
        if not name_value:
            if payload:
                form.unread_row(r, columns["name"], "有数值但缺少三级指标名称")
            continue
        i = len(indicators)
        base = f"/projects/0/indicators/{i}"
        ind: dict[str, Any] = {"name": _PLACEHOLDER.sub("", name_value) or name_value}
        form.at(f"{base}/name", r, columns["name"])
        for level in ("level1", "level2"):
            if level in inherited:
                ind[level] = inherited[level][0]
                form.at(f"{base}/{level}", *inherited[level][1])
        if "level1" not in ind:
            ind["level1"] = _no_level1(form, columns, r, ind.get("level2"))
        _fill_indicator(form, ind, values, base)
        indicators.append(ind)
    project["indicators"] = indicators


_KIND_WORDS = ("定性", "定性指标", "定量", "定量指标")
_Cell = tuple[CellValue, str, tuple[int, int]]


def _as_judged(values: dict[str, _Cell], stated_kind: str) -> dict[str, _Cell]:
    """The row's cells as the completion is judged: a target adjusted during the year (重庆's 调整指标值),
    when filled, replaces the initial one; and a 指标性质 cell holding the kind (定量指标/定性指标, as on
    Chongqing's forms, where Sichuan's holds the symbol) states no comparator, so the target's words or
    the convention give it, as on a form without one."""
    out = {name: value for name, value in values.items() if name != "adjusted_target"}
    adjusted = values.get("adjusted_target")
    if adjusted is not None and not _blank(adjusted[0]):
        out["target"] = adjusted
    if stated_kind in _KIND_WORDS:
        out.pop("comparator", None)
    return out


# The 二级指标 of the 10号/101号 frameworks name their 一级指标: a blank 一级指标 cell (a merge lost when the
# form was retyped or printed to PDF) is the one its 二级指标 belongs to. 101号 makes 成本指标 an 一级指标
# of its own (经济/社会/生态环境成本指标); under 10号 a bare 成本指标 is an 产出指标.
_LEVEL1_BY_LEVEL2 = (
    (re.compile(r"(经济|社会|生态环境)成本"), "成本指标"),
    (re.compile(r"数量|质量|时效|成本"), "产出指标"),
    (re.compile(r"效益|可持续"), "效益指标"),
    (re.compile(r"满意"), "满意度指标"),
)


def _coefficient(value: CellValue, number_format: str) -> object:
    """A 得分系数 as a fraction: "96.7%" or a 96.7% cell → 0.967; a bare number above 1 is in percent (得分系数（%）
    | 100), one at most 1 a fraction already (0.95)."""
    if isinstance(value, str):
        stem = unicodedata.normalize("NFKC", value).strip()
        bare = re.fullmatch(r"\d+(?:\.\d+)?", stem)
        return rate_cell(value, number_format, header_percent=bool(bare) and Decimal(stem) > 1)
    above_one = isinstance(value, int | float) and not isinstance(value, bool) and value > 1
    return rate_cell(value, number_format, header_percent=above_one and not is_percent_format(number_format))


def _no_level1(form: FormReader, columns: dict[str, int], r: int, level2: str | None) -> str:
    """The 一级指标 of a row whose cell is blank: the one its 二级指标 names; else "" and the row is reported at its
    cell (READ-ROW-UNREAD), the rest of the form still checked. Chongqing's 部门整体表 has no 一级 column at all."""
    for pattern, level1 in _LEVEL1_BY_LEVEL2:
        if level2 and pattern.search(level2):
            return level1
    if "level1" in columns:
        form.unread_row(r, columns["level1"], "缺少一级指标，未计入一级指标的分值与构成")
    return ""


def _fill_indicator(
    form: FormReader, ind: dict[str, Any], values: dict[str, tuple[CellValue, str, tuple[int, int]]], base: str
) -> None:
    none: tuple[CellValue, str, tuple[int, int]] = (None, "General", (0, 0))
    stated_kind = folded(values.get("comparator", none)[0])
    values = _as_judged(values, stated_kind)
    target = measure(*values.get("target", none)[:2])
    actual = measure(*values.get("actual", none)[:2])
    loose: LooseTarget | None = None
    if stated_kind in ("定性", "定性指标"):
        quantitative = False
    elif stated_kind in ("定量", "定量指标"):
        quantitative = True
    elif not target.blank and not is_mark(target.text):
        loose = None if target.quantitative else loose_target(target.text)
        quantitative = target.quantitative or loose is not None
    elif not actual.blank and not is_mark(actual.text):
        quantitative = actual.quantitative
    else:
        quantitative = True
    ind["kind"] = "quantitative" if quantitative else "qualitative"
    for name in ("target", "actual", "weight", "score", "deviation_explanation", "comparator", "unit"):
        if name in values:
            form.at(f"{base}/{name}", *values[name][2])
    if "actual" in values and not quantitative:
        form.at(f"{base}/actual_grade", *values["actual"][2])
    if quantitative:
        comparator = comparator_of(values["comparator"][0]) if "comparator" in values else None
        stated_unit = text_of(values["unit"][0]) if "unit" in values else ""
        ind["comparator"] = comparator or target.comparator
        ind["unit"] = stated_unit or clean_unit(target.unit) or clean_unit(actual.unit)
        if not stated_unit and "target" in values and (target.unit or actual.unit):
            form.at(f"{base}/unit", *values["target" if target.unit else "actual"][2])
        if "comparator" not in values and "target" in values:
            form.at(f"{base}/comparator", *values["target"][2])
        ind["target"] = loose.number if loose else target.value
        ind["unit"] = ind["unit"] or (loose.unit if loose else None)
        if not ind["unit"] and "率" in ind["name"] and target.quantitative and not target.comparator:
            ind["unit"] = "%"  # a rate written as a plain number ("95" for 一次办结率) is a percentage
        if "comparator" not in values and target.text:
            # No 计算符号 column: the comparator is inferred from the target's words or by convention, and
            # says so; a symbol written in the target ("≥2400人次") is stated, not inferred.
            inferred = infer(ind["name"], target.text, ind["unit"], ind.get("level2"))
            if inferred is not None and inferred.basis not in SYMBOLS:
                ind["comparator"] = ind["comparator"] or inferred.comparator
                ind["comparator_basis"] = inferred.basis
        mismatch = actual.unit and ind["unit"] and clean_unit(actual.unit) != ind["unit"]
        # A comparator or a different unit in the actual value ("≥95%") is not a measurement; keep it as stated.
        ind["actual"] = actual.text if actual.comparator or mismatch else actual.value
    else:
        ind["actual"] = actual.text or None
    ind["weight"] = number_cell(*values.get("weight", none)[:2], ("分",))
    ind["score"] = number_cell(*values.get("score", none)[:2], ("分",))
    if "score_coefficient" in values:
        ind["score_coefficient"] = _coefficient(*values["score_coefficient"][:2])
        form.at(f"{base}/score_coefficient", *values["score_coefficient"][2])
    ind["deviation_explanation"] = text_of(values.get("deviation_explanation", none)[0]) or None
