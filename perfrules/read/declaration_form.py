"""Read the central 项目支出绩效目标申报表 form (one project per sheet) into a target declaration.

The form (财预〔2015〕88号 附件 and its local copies) is a labelled grid, found by its labels, not
by position: 项目名称, 主管部门(及代码), 实施单位, 项目资金 with 年度资金总额 / 中期资金总额 (万元), 总体目标
with 中期目标 and 年度目标, then the 绩效指标 block headed 一级指标 | 二级指标 | 三级指标 | 指标值 (the
last 三级指标/指标值 pair is the year's when the form also states 中期 targets). 一级 and 二级 cells are
usually merged down their rows; every row under the header is kept, blank ones too.
"""

from __future__ import annotations

import re
from typing import Any

from perfrules.model.report import Problem
from perfrules.model.sourced import SourcedSubmission
from perfrules.read.cells import folded, label_key, number_cell, text_of
from perfrules.read.declaration_target import declared_measure
from perfrules.read.documents import ReadResult, to_submission
from perfrules.read.workbook import LoadedWorkbook, Sheet, locate

TITLE = "绩效目标申报表"
_YEAR = re.compile(r"(20\d{2})\s*年")
LABELS = {
    "name": ("项目名称",),
    "department": ("主管部门及代码", "主管部门"),
    "unit": ("实施单位", "项目单位", "申报单位"),
    "annual_amount": ("年度资金总额", "年度金额", "资金总额"),
    "total_amount": ("中期资金总额", "项目总金额"),
    "annual_goal": ("年度目标", "本年度目标"),
    "policy_basis": ("政策依据", "立项依据", "项目立项的依据"),
    "calculation_basis": ("测算依据",),
}


def is_form(sheet: Sheet) -> bool:
    """Whether a sheet is the central 项目支出绩效目标申报表 form, by its title and labels."""
    texts = {label_key(v) for v, _ in sheet.cells.values() if isinstance(v, str)}
    return any(TITLE in t for t in texts) and "三级指标" in texts and bool(texts & set(LABELS["annual_goal"]))


def _find(sheet: Sheet, words: tuple[str, ...]) -> tuple[int, int] | None:
    for word in words:
        for (r, c), (value, _) in sorted(sheet.cells.items()):
            if isinstance(value, str) and label_key(value) == word:
                return r, c
    return None


def _right_of(sheet: Sheet, r: int, c: int) -> tuple[Any, tuple[int, int]]:
    """The first non-blank cell right of a label (past the label's own merged range)."""
    for cc in range(sheet.merge_end(r, c) + 1, sheet.ncols):
        value, _, anchor = sheet.merged(r, cc)
        if anchor != (r, c) and text_of(value):
            return value, anchor
    return None, (r, sheet.merge_end(r, c) + 1)


def _below(sheet: Sheet, r: int, c: int) -> tuple[Any, tuple[int, int]]:
    """A 年度目标 label heads a column or a row: its text is below it, or right of it."""
    value, _, anchor = sheet.merged(r + 1, c)
    if text_of(value) and not label_key(value).endswith("指标"):
        return value, anchor
    return _right_of(sheet, r, c)


def _header_fields(sheet: Sheet, locations: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, words in LABELS.items():
        at = _find(sheet, words)
        if at is None:
            continue
        value, anchor = (_below if name == "annual_goal" else _right_of)(sheet, *at)
        found[name] = value
        locations[f"/projects/0/{name}"] = sheet.ref(*anchor)
    return found


def _indicator_rows(sheet: Sheet, locations: dict[str, str]) -> list[dict[str, Any]]:
    head = _find(sheet, ("三级指标",))
    if head is None:
        return []
    hr = head[0]
    cols = {label_key(sheet.own(hr, c)): c for c in sheet.row(hr)}
    names = [c for c in sheet.row(hr) if label_key(sheet.own(hr, c)) == "三级指标"]
    values = [c for c in sheet.row(hr) if label_key(sheet.own(hr, c)) in ("指标值", "年度指标值")]
    name_col, value_col = names[-1], (values[-1] if values else names[-1] + 1)
    l1, l2 = cols.get("一级指标", 0), cols.get("二级指标", 1)
    rows: list[dict[str, Any]] = []
    for r in range(hr + 1, sheet.nrows):
        level1 = text_of(sheet.merged(r, l1)[0])
        if not level1 or any(w in level1 for w in ("审核", "填报人", "说明")):
            break
        raw, fmt, _ = sheet.merged(r, value_col)
        m = declared_measure(raw, fmt)
        i = len(rows)
        rows.append({
            "level1": level1, "level2": text_of(sheet.merged(r, l2)[0]) or None,
            "name": text_of(sheet.merged(r, name_col)[0]), "kind": "quantitative" if m.quantitative else "qualitative",
            "comparator": m.comparator, "target": m.value if m.quantitative else None, "unit": m.unit,
            "target_text": text_of(raw) or None,
        })  # fmt: skip
        for field, col in (("level1", l1), ("level2", l2), ("name", name_col), ("target", value_col),
                           ("target_text", value_col)):  # fmt: skip
            locations[f"/projects/0/indicators/{i}/{field}"] = sheet.ref(*sheet.anchor(r, col))
    return rows


def _year(sheet: Sheet) -> int | None:
    for value, _ in sheet.cells.values():
        text = folded(value)
        if isinstance(value, str) and (match := _YEAR.search(text)) and ("年度" in text or TITLE in text):
            return int(match.group(1))
    return None


def read_form_sheet(book: LoadedWorkbook, sheet: Sheet) -> ReadResult:
    """One central-form sheet → its declaration submission, every value located at its cell."""
    source = f"{book.source}#{sheet.name}"
    locations: dict[str, str] = {}
    fields = _header_fields(sheet, locations)
    year, department = _year(sheet), text_of(fields.get("unit")) or text_of(fields.get("department"))
    problems: list[Problem] = []
    if year is None:
        problems.append(Problem(kind="input", source=source, message="找不到年度（如“（2023年度）”）/ no fiscal year"))
    if not department:
        problems.append(Problem(kind="input", source=source, location=locations.get("/projects/0/unit"),
                                message="实施单位和主管部门都未填写 / neither 实施单位 nor 主管部门 is filled in"))  # fmt: skip
    if problems:
        return ReadResult(source, book.sha256, None, tuple(problems))
    money = {n: number_cell(fields.get(n), "General", ("万元",)) for n in ("annual_amount", "total_amount")}
    decl = {"unit": "万元", **money, **{n: text_of(fields.get(n)) or None for n in
                                        ("annual_goal", "policy_basis", "calculation_basis")}}  # fmt: skip
    decl["applicant_unit"] = text_of(fields.get("unit")) or None
    decl["budget_unit"] = text_of(fields.get("department")) or None
    data = {
        "document_kind": "target_declaration",
        "header": {"department": department, "fiscal_year": year},
        "projects": [{"name": text_of(fields.get("name")), "declaration": decl,
                      "indicators": _indicator_rows(sheet, locations)}],
    }  # fmt: skip
    submission, invalid = to_submission(data, source)
    sourced = SourcedSubmission(source, submission, dict(sorted(locations.items()))) if submission else None
    return ReadResult(source, book.sha256, sourced, tuple(locate(invalid, locations)))
