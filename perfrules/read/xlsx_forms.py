"""Read filled-in official 项目支出绩效自评表 workbooks (.xlsx, .xls), and Word tables as cells, into submissions.

Columns are found by label, not position: the central 财预〔2020〕10号 附件1 form (layout A: 年初预算数 |
全年预算数 | 全年执行数 | 分值 | 执行率 | 得分), the Sichuan form (layout B: 年初预算 | 调整后预算数 | 预算执行数 |
预算执行率 | 权重 …, with 指标性质) and local variants (全年预算数(A), 其中:本年财政拨款, 产出指标(50分)).
Each project sheet becomes one submission, sourced ``file.xlsx#Sheet``; every value records its cell. A
broken, encrypted, oversized or unrecognisable workbook yields a Problem, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfrules.model.report import Problem
from perfrules.read import form_labels
from perfrules.read.cells import (
    CellValue,
    comparator_of,
    folded,
    is_mark,
    label_key,
    measure,
    number_cell,
    rate_cell,
    text_of,
)
from perfrules.read.comparators import SYMBOLS, LooseTarget, clean_unit, infer, loose_target
from perfrules.read.documents import ReadResult
from perfrules.read.form_header import Header, header_columns, read_header
from perfrules.read.form_kind import form_kind
from perfrules.read.form_result import form_result
from perfrules.read.workbook import Sheet, _blank, _problem, load_sheets, row_cap_problem

# --- the official forms --------------------------------------------------------------------------------------------

# The header vocabulary is data: rules/forms/labels.csv (see perfrules.read.form_labels).
_BUDGET_COLUMNS: dict[str, tuple[str, ...]] = form_labels.columns("budget")
_INDICATOR_COLUMNS: dict[str, tuple[str, ...]] = form_labels.columns("indicator")
_DEPARTMENT_LABELS = ("主管部门", "市级主管部门", "部门名称", "单位名称", "预算部门")
_GOAL_LABELS = ("预期目标", "项目年度目标", "年初设定目标", "年初预期目标", "年度绩效目标")
_COMPLETION_LABELS = (
    "实际完成情况",
    "年度目标完成情况",
    "全年实际完成情况",
    "年度总体目标完成情况综述",
    "年度实际完成情况",
)
_NARRATIVE_LABELS = ("评价结论", "存在问题", "改进措施")
_SECTION_LABELS = frozenset(
    {
        "年度总体目标",
        "总体目标",
        "项目基本情况",
        "绩效指标",
        "年度绩效指标",
        "一级指标",
        *_GOAL_LABELS,
        *_COMPLETION_LABELS,
    }
)
_END_LABELS = frozenset(
    {*_NARRATIVE_LABELS, "项目负责人", "财务负责人", "填报人", "填表人", "联系电话", "备注", "填表说明"}
)
_TOTAL_LABELS = ("总分", "合计", "总计", "得分合计")
# Sichuan project codes are 18-22 characters, digits with a letter or two ("51142523T000000123456").
_PROJECT_CODE = re.compile(r"^(\d{6}[0-9A-Z]{10,18})\s*[-－—–_:：]\s*(.+)$")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_PLACEHOLDER = re.compile(r"^指标\d+[:：]\s*")
_MAX_LABEL = 40
_POINTS = re.compile(r"[(（]\s*\d+(\.\d+)?\s*分\s*[)）]$")


def _header_columns(sheet: Sheet, r: int, spec: dict[str, tuple[str, ...]]) -> dict[str, int]:
    return header_columns(sheet, r, spec)


@dataclass
class _FormReader:
    sheet: Sheet
    source: str
    problems: list[Problem] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    unmapped: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for (r, c), (value, _) in sorted(self.sheet.cells.items()):
            if isinstance(value, str) and len(value) <= _MAX_LABEL:
                self.labels.setdefault(label_key(value), []).append((r, c))

    def problem(self, location: str | None, message: str) -> None:
        self.problems.append(_problem(self.source, location, message))

    def note_unmapped(self, header: Header) -> None:
        """Header cells no label names: kept for an info finding (READ-UNMAPPED-COLUMN), never dropped silently."""
        for r, c, key in header.unmapped:
            self.unmapped.append((self.sheet.ref(r, c), key))

    def at(self, pointer: str, r: int, c: int) -> None:
        self.locations[pointer] = self.sheet.ref(*self.sheet.anchor(r, c))

    def first_label(self, names: tuple[str, ...], prefix: bool = False) -> tuple[int, int] | None:
        hits = [
            pos
            for key, positions in self.labels.items()
            if key in names or (prefix and key.startswith(names))
            for pos in positions
        ]
        return min(hits, default=None)

    def right_of(self, r: int, c: int) -> tuple[int, int] | None:
        """The first filled cell right of a label; None when the next filled cell is another label."""
        end = self.sheet.merge_end(r, c)
        for c2 in self.sheet.row(r):
            if c2 > end:
                if label_key(self.sheet.own(r, c2)) in _KNOWN_LABELS:
                    return None
                return r, c2
        return None

    def below(self, r: int, c: int, limit: int = 3) -> tuple[int, int] | None:
        """The first filled cell under a column label, within a few rows."""
        for r2 in range(r + 1, r + 1 + limit):
            if not _blank(self.sheet.own(r2, c)):
                return None if label_key(self.sheet.own(r2, c)) in _KNOWN_LABELS else (r2, c)
        return None

    def stop_ref(self, r: int) -> str:
        return self.sheet.ref(min(r, max(self.sheet.nrows - 1, 0)), max(self.sheet.ncols - 1, 0))


# A budget label in the indicator header (or the reverse) is another block's column, not an unknown one.
_FIELD_LABELS = frozenset(
    {
        *(label for labels in _BUDGET_COLUMNS.values() for label in labels),
        *(label for labels in _INDICATOR_COLUMNS.values() for label in labels),
    }
)
_KNOWN_LABELS = frozenset(
    {
        "项目名称",
        "实施单位",
        *_DEPARTMENT_LABELS,
        *_SECTION_LABELS,
        *_END_LABELS,
        *(label for labels in _BUDGET_COLUMNS.values() for label in labels),
        *(label for labels in _INDICATOR_COLUMNS.values() for label in labels),
    }
)


def _find_header(sheet: Sheet, spec: dict[str, tuple[str, ...]], needed: tuple[str, ...], least: int) -> int | None:
    for r in sheet.rows():
        columns = _header_columns(sheet, r, spec)
        if all(n in columns for n in needed) and len(columns) >= least:
            return r
    return None


def _layout(sheet: Sheet, budget_row: int | None, indicator_row: int | None) -> str:
    keys = set()
    for r in (budget_row, indicator_row):
        if r is not None:
            keys |= {label_key(sheet.own(r, c)) for c in sheet.row(r)}
    return "B" if keys & {"调整后预算数", "预算执行数", "指标性质", "预算执行率"} else "A"


def _read_header(form: _FormReader, header: dict[str, Any], top: int) -> None:
    sheet = form.sheet
    label = form.first_label(_DEPARTMENT_LABELS, prefix=True)
    if label is None:
        form.problem(
            sheet.ref(0, 0),
            f"未找到“主管部门”行（应在第 1–{top + 1} 行）/ no 主管部门 (department) row found above row {top + 1}",
        )
    else:
        cell = form.right_of(*label)
        if cell is None:
            expected = sheet.ref(label[0], sheet.merge_end(*label) + 1)
            form.problem(
                expected,
                f"主管部门未填写，应填在 {expected} / the department (主管部门) is blank; expected it in {expected}",
            )
        else:
            header["department"] = text_of(sheet.own(*cell))
            form.at("/header/department", *cell)

    year: tuple[int, int, int] | None = None
    # Only the title rows: a project name such as "2021年农村道路建设" must not set the year.
    for r in range(0, top):
        for c in sheet.row(r):
            match = _YEAR.search(folded(sheet.own(r, c)))
            if match and year is None:
                year = (int(match.group(1)), r, c)
    year_label = form.first_label(("年度", "评价年度", "自评年度"))
    if year is None and year_label is not None:
        cell = form.right_of(*year_label)
        value = folded(sheet.own(*cell)) if cell else ""
        if cell and re.fullmatch(r"(?:19|20)\d{2}(?:年度?)?", value):
            year = (int(value[:4]), *cell)
    if year is None:
        # A blank or redacted year is the submission's finding (DATA-YEAR-MISSING) at the title, not
        # a reading failure: every rule that does not need the year still checks the form (issue 12 §6).
        cells = [(r, c) for r in range(top) for c in sheet.row(r)]
        # The cell that says 年度 with the number gone ("（    年度）"), else the title's first cell.
        said = [rc for rc in cells if "年度" in folded(sheet.own(*rc))]
        form.at("/header/fiscal_year", *(said or cells or [(0, 0)])[0])
    else:
        header["fiscal_year"] = year[0]
        form.at("/header/fiscal_year", year[1], year[2])


def _read_budget(form: _FormReader, project: dict[str, Any], header_row: int, end: int, layout: str) -> None:  # noqa: C901
    sheet = form.sheet
    found = read_header(sheet, header_row, _BUDGET_COLUMNS, _FIELD_LABELS)
    form.note_unmapped(found)
    columns = found.columns
    first_value = min(columns.values())
    header_texts = [(c, folded(sheet.own(header_row, c))) for c in sheet.row(header_row)]
    unit, unit_cell = "万元", None
    for c, text in header_texts:
        if "万元" in text:
            unit, unit_cell = "万元", c
            break
        if re.search(r"[(（]元[)）]|单位:元", text):
            unit, unit_cell = "元", c
            break
    rate_percent = "%" in folded(sheet.own(*found.label_cells["rate"])) if "rate" in columns else False
    if rate_percent and _all_fractions(sheet, columns["rate"], found.first_data_row, end):
        rate_percent = False  # under 执行率(%), values ≤ 1 are fractions only when every value is
    lines: list[dict[str, Any]] = []
    for r in range(found.first_data_row, end):
        items = [c for c in sheet.row(r) if c < first_value and isinstance(sheet.own(r, c), str)]
        keys = {label_key(sheet.own(r, c)) for c in sheet.row(r)}
        if keys & (_SECTION_LABELS | _END_LABELS):
            break
        has_values = any(not _blank(sheet.own(r, c)) for c in columns.values())
        if not items:
            if has_values:
                form.problem(
                    sheet.ref(r, 0),
                    f"预算执行第 {r + 1} 行缺少资金项目名称 / budget row {r + 1} has values but no item name",
                )
            continue
        item = text_of(sheet.own(r, items[-1]))
        if len(item) > 30:
            continue  # the Sichuan form embeds its filling notes ("1.预算执行率=…") between the rows
        item = re.sub(r"^其中\s*[:：]?\s*", "", item).rstrip(":： ").strip()
        if layout == "B" and item == "总额":
            # The tables layer recognises the total line by the national wording only.
            item = "年度资金总额"
        i = len(lines)
        base = f"/projects/0/budget_lines/{i}"
        line: dict[str, Any] = {"item": item, "unit": unit}
        form.at(f"{base}/item", r, items[-1])
        if unit_cell is not None:
            form.at(f"{base}/unit", header_row, unit_cell)
        for name, c in columns.items():
            value, fmt = sheet.own(r, c), sheet.fmt(r, c)
            form.at(f"{base}/{name}", r, c)
            if name == "rate":
                line[name] = rate_cell(value, fmt, rate_percent)
            elif name == "explanation":
                line[name] = text_of(value) or None
            elif name in ("weight", "score"):
                line[name] = number_cell(value, fmt, ("分",))
            else:
                line[name] = number_cell(value, fmt, (unit,))
        lines.append(line)
    project["budget_lines"] = lines


def _all_fractions(sheet: Sheet, c: int, first: int, end: int) -> bool:
    numbers = [
        v for r in range(first, end) if isinstance(v := sheet.own(r, c), int | float) and not isinstance(v, bool)
    ]
    return bool(numbers) and all(0 <= v <= 1 for v in numbers)


def _is_total_row(sheet: Sheet, r: int) -> int | None:
    for c in sheet.row(r):
        key = label_key(sheet.own(r, c))
        if key.startswith(_TOTAL_LABELS) and len(key) <= 8:
            return c
    return None


def _read_total(
    form: _FormReader, header: dict[str, Any], project: dict[str, Any], r: int, label_col: int, columns: dict[str, int]
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


def _read_indicators(form: _FormReader, header: dict[str, Any], project: dict[str, Any], header_row: int) -> None:  # noqa: C901
    sheet = form.sheet
    found = read_header(sheet, header_row, _INDICATOR_COLUMNS, _FIELD_LABELS)
    form.note_unmapped(found)
    columns = found.columns
    indicators: list[dict[str, Any]] = []
    inherited: dict[str, tuple[str, tuple[int, int]]] = {}
    for r in range(found.first_data_row, sheet.nrows):
        row = sheet.row(r)
        if not row:
            continue
        first = label_key(sheet.own(r, row[0]))
        if first in _END_LABELS or first.startswith(("注:", "说明:", "填表说明")):
            break
        if first == "项目名称":
            break  # a second form stacked below; reported by the caller
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
                form.problem(
                    sheet.ref(r, columns["name"]),
                    f"第 {r + 1} 行有数值但缺少三级指标名称 / row {r + 1} has values but no 三级指标 name",
                )
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
            form.problem(sheet.ref(r, columns["level1"]), f"第 {r + 1} 行缺少一级指标 / row {r + 1} has no 一级指标")
            ind["level1"] = ""
        _fill_indicator(form, ind, values, base)
        indicators.append(ind)
    project["indicators"] = indicators


def _fill_indicator(
    form: _FormReader, ind: dict[str, Any], values: dict[str, tuple[CellValue, str, tuple[int, int]]], base: str
) -> None:
    none: tuple[CellValue, str, tuple[int, int]] = (None, "General", (0, 0))
    target = measure(*values.get("target", none)[:2])
    actual = measure(*values.get("actual", none)[:2])
    loose: LooseTarget | None = None
    stated_kind = folded(values.get("comparator", none)[0])
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
    ind["deviation_explanation"] = text_of(values.get("deviation_explanation", none)[0]) or None


def _read_texts(form: _FormReader, header: dict[str, Any], project: dict[str, Any]) -> None:
    sheet = form.sheet
    for labels, target, pointer in (
        (_GOAL_LABELS, header, "/header/overall_goals"),
        (_COMPLETION_LABELS, project, "/projects/0/completion"),
    ):
        label = form.first_label(labels)
        if label is None:
            continue
        cell = form.below(*label) or form.right_of(*label)
        # A blank cell under the label reads "" (the form has it); an absent key means the form has none.
        target[pointer.rsplit("/", 1)[1]] = "" if cell is None else text_of(sheet.own(*cell))
        form.at(pointer, *(cell or (label[0] + 1, label[1])))
    parts = []
    for name in _NARRATIVE_LABELS:
        label = form.first_label((name,))
        cell = form.right_of(*label) if label else None
        if cell is not None:
            parts.append(f"{name}：{text_of(sheet.own(*cell))}")
            form.locations.setdefault("/header/narrative", sheet.ref(*cell))
    if parts:
        header["narrative"] = "\n".join(parts)
    grade = form.first_label(("自评等级",))
    cell = form.right_of(*grade) if grade else None
    if cell is not None:
        project["self_grade"] = header["self_grade"] = text_of(sheet.own(*cell))
        form.at("/projects/0/self_grade", *cell)
        form.at("/header/self_grade", *cell)


def _read_project_name(form: _FormReader, project: dict[str, Any], label: tuple[int, int] | None) -> None:
    sheet = form.sheet
    if label is None:
        form.problem(sheet.ref(0, 0), "未找到“项目名称”行 / no 项目名称 (project name) row found")
        return
    cell = form.right_of(*label)
    if cell is None:
        expected = sheet.ref(label[0], sheet.merge_end(*label) + 1)
        form.problem(
            expected, f"项目名称未填写，应填在 {expected} / the project name is blank; expected it in {expected}"
        )
        return
    text = text_of(sheet.own(*cell))
    coded = _PROJECT_CODE.match(text)
    if coded:
        project["id"], text = coded.group(1), coded.group(2).strip()
        form.at("/projects/0/id", *cell)
    project["name"] = text
    form.at("/projects/0/name", *cell)


def _read_form_sheet(sheet: Sheet, source: str) -> tuple[dict[str, Any] | None, _FormReader] | None:
    """None when the sheet is not a project form at all (an instructions sheet, a lookup list)."""
    form = _FormReader(sheet, source)
    name_label = form.first_label(("项目名称",))
    budget_row = _find_header(sheet, _BUDGET_COLUMNS, ("executed",), 3)
    indicator_row = _find_header(sheet, _INDICATOR_COLUMNS, ("level1", "name"), 3)
    if name_label is None and budget_row is None and indicator_row is None:
        return None
    title = " ".join(folded(sheet.own(r, c)) for r in range(min(sheet.nrows, 3)) for c in sheet.row(r))
    columns = _header_columns(sheet, indicator_row, _INDICATOR_COLUMNS) if indicator_row is not None else {}
    kind = form_kind(form, title, indicator_row, columns)
    if kind is None or indicator_row is None:
        return None, form
    department_wide = kind == "department_table"
    layout = _layout(sheet, budget_row, indicator_row)
    tops = [r for r in (name_label[0] if name_label else None, budget_row, indicator_row) if r is not None]
    header: dict[str, Any] = {}
    project: dict[str, Any] = {}
    _read_header(form, header, min(tops))
    if not department_wide:  # a 部门整体 form names its department, not a project
        _read_project_name(form, project, name_label)
    if budget_row is None:
        form.problem(
            sheet.ref(indicator_row, 0),
            "未找到预算执行表头（年初预算数/全年预算数/全年执行数）/ no budget execution header row (年初预算数/全年预算数/全年执行数)",
        )
    else:
        end = indicator_row if indicator_row > budget_row else sheet.nrows
        _read_budget(form, project, budget_row, end, layout)
    _read_indicators(form, header, project, indicator_row)
    stacked = [pos for pos in form.labels.get("项目名称", []) if pos[0] > indicator_row]
    if stacked:
        r, c = stacked[0]
        form.problem(
            sheet.ref(r, c),
            f"第 {r + 1} 行开始了另一个项目，每个工作表只能填一个项目，其余未读取 / "
            f"another project form starts at row {r + 1}; put one project per sheet (the rest was not read)",
        )
    _read_texts(form, header, project)
    if form.unmapped:
        project["unmapped_columns"] = [f"{key}（{cell.split('!')[-1]}）" for cell, key in form.unmapped]
        form.locations["/projects/0/unmapped_columns"] = form.unmapped[0][0]
    if department_wide:  # the department is its own one "project": its budget block and indicators
        project.setdefault("name", header.get("department") or "部门整体")
    return {"document_kind": kind, "header": header, "projects": [project]}, form


def _unrecognised(source: str, sheet: Sheet) -> Problem:
    last = sheet.ref(max(sheet.nrows - 1, 0), max(sheet.ncols - 1, 0))
    return _problem(
        source,
        last,
        f"工作表“{sheet.name}”不是可识别的自评表（未找到 项目名称/全年执行数/一级指标 等表头），读到 {last} 为止 / "
        f"sheet {sheet.name!r} is not a recognised self-evaluation form (no 项目名称, 全年执行数 or 一级指标 labels); "
        f"reading stopped at {last}",
    )


def read_form(sheet: Sheet, source: str, sha256: str) -> ReadResult | None:
    """One sheet (or a Word table as cells) as a project form's submission; None when it is no form at all."""
    outcome = _read_form_sheet(sheet, source)
    return None if outcome is None else form_result(outcome, source, sha256, [])


def read_workbook(path: Path) -> list[ReadResult]:
    """Read every project sheet of an official-layout 自评表 workbook (.xlsx or .xls).

    Returns one ReadResult per project sheet, sourced ``"<path>#<sheet>"``; a workbook that
    cannot be opened, or holds no recognisable form, gives a single ReadResult with Problems.
    A tidy template workbook (it has a 基本信息 sheet) is handed to the tidy reader.

    >>> results = read_workbook(Path("fixtures/workbooks/layout-a-training.xlsx"))  # doctest: +SKIP
    >>> results[0].submission.locations["/projects/0/indicators/0/target"]  # doctest: +SKIP
    '项目1!E10'
    """
    loaded = load_sheets(path)
    if loaded.problems:
        return [ReadResult(loaded.source, loaded.sha256, None, tuple(loaded.problems))]
    if any(sheet.name.strip() == "基本信息" for sheet in loaded.sheets):
        from perfrules.read.tidy import read_tidy_sheets  # the tidy reader builds on this module

        return read_tidy_sheets(loaded)
    from perfrules.read.declaration_xlsx import is_declaration, read_declaration_sheets

    if is_declaration(loaded.sheets):  # the long export of 绩效目标申报表, one submission per 项目编码
        return read_declaration_sheets(loaded)
    results: list[ReadResult] = []
    ignored: list[Sheet] = []
    capped: list[Problem] = list(loaded.hidden)
    for sheet in loaded.sheets:
        source = f"{loaded.source}#{sheet.name}"
        cap = row_cap_problem(source, sheet)
        outcome = _read_form_sheet(sheet, source)
        if outcome is None:
            capped += [cap] if cap else []
            if sheet.cells:
                ignored.append(sheet)
            continue
        results.append(form_result(outcome, source, loaded.sha256, [cap] if cap else []))
    if results:
        # A runaway sheet next to real forms is still worth a word: rows past the cap were never looked at.
        return results + ([ReadResult(loaded.source, loaded.sha256, None, tuple(capped))] if capped else [])
    problems = capped + [_unrecognised(f"{loaded.source}#{sheet.name}", sheet) for sheet in ignored] or [
        _problem(loaded.source, None, "工作簿中没有内容 / the workbook has no filled-in sheet")
    ]
    return [ReadResult(loaded.source, loaded.sha256, None, tuple(problems))]
