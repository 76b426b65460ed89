"""Read the long export of 绩效目标申报表 (performance-target declarations) into submissions.

The layout is recognised by its header labels, not by sheet names: one row per indicator,
keyed by 项目编码, with the project's header fields (项目名称, 申请单位, 项目总金额, 本年金额, 政策依据,
测算依据, 年度目标) either repeated on every row (the joined sheet) or kept once per project in a
sheet of their own (the split pair: a project sheet and an indicator sheet). Each 项目编码 becomes
one submission, sourced ``file.xlsx#<项目编码>``, with ``document_kind: target_declaration``.

When a workbook holds both the joined sheet and the split pair, the pair is read and the joined
sheet is checked against it: a project on which they disagree gets a Problem. A review sheet
(项目编码 plus 审核人 / 初审小结 columns) that holds no review is skipped, not read as a form.
Amounts are in 元 unless a header says 万元. Blank cells are kept, never dropped: the rules judge them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any

from perfrules.model.report import Notice, Problem
from perfrules.model.sourced import SourcedSubmission
from perfrules.read.cells import folded, label_key, number_cell, text_of
from perfrules.read.declaration_target import declared_measure
from perfrules.read.documents import ReadResult, to_submission
from perfrules.read.workbook import LoadedWorkbook, Sheet, locate

HEADER_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("项目编码", "项目代码", "项目编号"),
    "project_name": ("项目名称",),
    "applicant_unit": ("申请单位", "申报单位", "项目单位"),
    "budget_unit": ("一级预算单位", "主管部门", "主管单位"),
    "total_amount": ("项目总金额", "项目总额", "项目资金总额"),
    "annual_amount": ("本年金额", "年度金额", "本年度金额", "年度资金总额"),
    "policy_basis": ("政策依据", "立项依据"),
    "calculation_basis": ("测算依据",),
    "annual_goal": ("年度目标", "年度绩效目标"),
    "fiscal_year": ("年度", "预算年度"),
}
INDICATOR_FIELDS: dict[str, tuple[str, ...]] = {
    "code": HEADER_FIELDS["code"],
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标",),
    "target": ("指标值", "年度指标值"),
    "explanation": ("指标解释", "指标说明"),
}
REVIEW_LABELS = ("审核人", "审核日期", "初审小结", "完整性审核")
HEADER_SCAN_ROWS = 5
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def _problem(source: str, location: str | None, message: str) -> Problem:
    return Problem(kind="input", source=source, location=location, message=message)


@dataclass
class Table:
    """A sheet read as a header row and the rows below it, columns found by label."""

    sheet: Sheet
    header_row: int
    columns: dict[str, int]
    labels: dict[str, str] = field(default_factory=dict)

    def rows(self) -> list[int]:
        return [r for r in self.sheet.rows() if r > self.header_row]

    def value(self, r: int, name: str) -> Any:
        col = self.columns.get(name)
        return None if col is None else self.sheet.own(r, col)

    def text(self, r: int, name: str) -> str | None:
        value = text_of(self.value(r, name))
        return value or None

    def ref(self, r: int, name: str) -> str | None:
        col = self.columns.get(name)
        return None if col is None else self.sheet.ref(r, col)


def _find_table(sheet: Sheet, spec: dict[str, tuple[str, ...]]) -> Table | None:
    for r in list(sheet.rows())[:HEADER_SCAN_ROWS]:
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        for c in sheet.row(r):
            key = label_key(sheet.own(r, c))
            for name, words in spec.items():
                if key in words and name not in columns:
                    columns[name] = c
                    labels[name] = folded(sheet.own(r, c))
        if "code" in columns and len(columns) >= 3:
            return Table(sheet, r, columns, labels)
    return None


@dataclass
class Layout:
    """The sheets of a long-export workbook: the joined sheet, the split project and indicator pair, and what was skipped."""

    joined: Table | None = None
    projects: Table | None = None
    indicators: Table | None = None
    skipped: list[str] = field(default_factory=list)
    review: list[Table] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.joined is not None or (self.projects is not None and self.indicators is not None)


def detect(sheets: list[Sheet]) -> Layout:
    """Which sheets are the joined export, the split pair and the review form."""
    layout = Layout()
    for sheet in sheets:
        head = _find_table(sheet, HEADER_FIELDS)
        ind = _find_table(sheet, INDICATOR_FIELDS)
        has_indicators = ind is not None and {"name", "target"} <= ind.columns.keys()
        has_header = head is not None and "project_name" in head.columns
        if has_indicators and has_header and layout.joined is None:
            assert head is not None and ind is not None
            layout.joined = Table(sheet, ind.header_row, {**head.columns, **ind.columns})
            layout.joined.labels = {**head.labels, **ind.labels}
        elif has_indicators and layout.indicators is None:
            layout.indicators = ind
        elif has_header and layout.projects is None:
            layout.projects = head
        elif any(label_key(sheet.own(r, c)) in REVIEW_LABELS for r in list(sheet.rows())[:3] for c in sheet.row(r)):
            review = _find_table(sheet, {"code": HEADER_FIELDS["code"], **{w: (w,) for w in REVIEW_LABELS}})
            if review is not None:
                layout.review.append(review)
    return layout


def is_declaration(sheets: list[Sheet]) -> bool:
    """The long export, or a sheet of the central 项目支出绩效目标申报表 form."""
    from perfrules.read.declaration_form import is_form

    return detect(sheets).found or any(is_form(s) for s in sheets)


def _review_is_empty(table: Table) -> bool:
    return all(table.value(r, name) in (None, "") for r in table.rows() for name in table.columns if name != "code")


# --- one project ---------------------------------------------------------------------------------------------------


def _money_unit(table: Table) -> str:
    return "万元" if any("万元" in table.labels.get(n, "") for n in ("total_amount", "annual_amount")) else "元"


def _fiscal_year(table: Table, r: int, source: str) -> int | None:
    stated = table.text(r, "fiscal_year")
    if stated and (match := _YEAR.search(stated)):
        return int(match.group(1))
    for part in reversed(PurePath(source).parts):
        if match := _YEAR.search(part):
            return int(match.group(1))
    return None


def _header(table: Table, r: int, locations: dict[str, str]) -> dict[str, Any]:
    unit = _money_unit(table)
    decl: dict[str, Any] = {"unit": unit}
    for name in ("applicant_unit", "budget_unit", "policy_basis", "calculation_basis", "annual_goal"):
        decl[name] = table.text(r, name)
    for name in ("total_amount", "annual_amount"):
        value = table.value(r, name)
        decl[name] = (
            number_cell(value, table.sheet.fmt(r, table.columns[name]), (unit,)) if name in table.columns else None
        )
    for name in decl:
        if (ref := table.ref(r, name)) is not None:
            locations[f"/projects/0/{name}"] = ref
    return decl


def _indicator(table: Table, r: int, i: int, locations: dict[str, str]) -> dict[str, Any]:
    raw = table.value(r, "target")
    fmt = table.sheet.fmt(r, table.columns["target"])
    m = declared_measure(raw, fmt)
    ind: dict[str, Any] = {
        "level1": table.text(r, "level1") or "",
        "level2": table.text(r, "level2"),
        "name": table.text(r, "name") or "",
        "kind": "quantitative" if m.quantitative else "qualitative",
        "comparator": m.comparator,
        "target": m.value if m.quantitative else None,
        "unit": m.unit,
        "target_text": text_of(raw) or None,
        "explanation": table.text(r, "explanation"),
    }
    base = f"/projects/0/indicators/{i}"
    for name, column in (("level1", "level1"), ("level2", "level2"), ("name", "name"), ("target", "target"),
                         ("target_text", "target"), ("unit", "target"), ("explanation", "explanation")):  # fmt: skip
        if (ref := table.ref(r, column)) is not None:
            locations[f"{base}/{name}"] = ref
    return ind


def _group(table: Table) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for r in table.rows():
        code = table.text(r, "code")
        if code:
            rows.setdefault(code, []).append(r)
    return rows


def _fingerprint(table: Table, rows: list[int], names: tuple[str, ...]) -> Counter[tuple[str, ...]]:
    return Counter(tuple(" ".join((table.text(r, n) or "").split()) for n in names) for r in rows)


# --- the workbook --------------------------------------------------------------------------------------------------


@dataclass
class _Project:
    code: str
    head: Table
    head_row: int
    ind: Table
    ind_rows: list[int]


def _projects(layout: Layout) -> list[_Project]:
    if layout.projects is not None and layout.indicators is not None:
        head, ind = layout.projects, layout.indicators
        by_code = _group(ind)
        return [
            _Project(code, head, rows[0], ind, by_code.get(code, []))
            for code, rows in _group(head).items()
        ]  # fmt: skip
    assert layout.joined is not None
    joined = layout.joined
    return [_Project(code, joined, rows[0], joined, rows) for code, rows in _group(joined).items()]


def _disagreement(project: _Project, joined: Table, joined_rows: list[int]) -> str | None:
    """Where the joined sheet says something else than the split pair about this project."""
    if not joined_rows:
        return f"综合表 {joined.sheet.name} 中没有此项目 / project missing from the joined sheet"
    head_fields = tuple(n for n in HEADER_FIELDS if n in project.head.columns and n in joined.columns and n != "code")
    mine = _fingerprint(project.head, [project.head_row], head_fields)
    theirs = _fingerprint(joined, joined_rows, head_fields)
    if set(theirs) != set(mine):
        differ = [
            project.head.labels.get(n, n) for i, n in enumerate(head_fields)
            if any(row[i] != next(iter(mine))[i] for row in theirs)
        ]  # fmt: skip
        return (
            f"{project.head.sheet.name} 与综合表 {joined.sheet.name} 的{'、'.join(differ)}不一致 / "
            f"{', '.join(differ)} differ between {project.head.sheet.name} and the joined sheet {joined.sheet.name}"
        )
    ind_fields = tuple(n for n in INDICATOR_FIELDS if n in project.ind.columns and n in joined.columns)
    if _fingerprint(project.ind, project.ind_rows, ind_fields) != _fingerprint(joined, joined_rows, ind_fields):
        return f"指标信息与综合表 {joined.sheet.name} 不一致 / indicator rows differ from the joined sheet"
    return None


def _read_project(project: _Project, book: LoadedWorkbook, joined: dict[str, list[int]] | None,
                  layout: Layout) -> ReadResult:  # fmt: skip
    source = f"{book.source}#{project.code}"
    locations: dict[str, str] = {}
    head, r = project.head, project.head_row
    problems: list[Problem] = []
    year = _fiscal_year(head, r, book.source)
    department = head.text(r, "applicant_unit") or head.text(r, "budget_unit")
    if year is None:
        problems.append(_problem(source, head.ref(r, "code"), "无法确定预算年度：请加“年度”列或在文件名中写明年度 / "
                                 "fiscal year unknown: add a 年度 column or name the year in the file name"))  # fmt: skip
    if department is None:
        problems.append(_problem(source, head.ref(r, "applicant_unit") or head.ref(r, "code"),
                                 "申请单位未填写 / 申请单位 (the applicant unit) is blank"))  # fmt: skip
    if problems:
        return ReadResult(source, book.sha256, None, tuple(problems))
    data = {
        "document_kind": "target_declaration",
        "header": {"department": department, "fiscal_year": year},
        "projects": [{
            "id": project.code,
            "name": head.text(r, "project_name") or "",
            "declaration": _header(head, r, locations),
            "indicators": [_indicator(project.ind, row, i, locations) for i, row in enumerate(project.ind_rows)],
        }],
    }  # fmt: skip
    locations["/projects/0/name"] = head.ref(r, "project_name") or head.ref(r, "code") or ""
    why = (
        None
        if joined is None or layout.joined is None
        else _disagreement(project, layout.joined, joined.get(project.code, []))
    )
    if why is not None:
        problems.append(_problem(source, head.ref(r, "code"), why))
    submission, invalid = to_submission(data, source)
    problems += locate(invalid, locations)
    sourced = SourcedSubmission(source, submission, dict(sorted(locations.items()))) if submission else None
    return ReadResult(source, book.sha256, sourced, tuple(problems))


def read_declaration_sheets(book: LoadedWorkbook) -> list[ReadResult]:
    """Every project of a declaration export, one ReadResult each, in the order of the workbook."""
    layout = detect(book.sheets)
    if not layout.found:
        from perfrules.read.declaration_form import is_form, read_form_sheet

        return [read_form_sheet(book, sheet) for sheet in book.sheets if is_form(sheet)]
    both = layout.joined is not None and layout.projects is not None and layout.indicators is not None
    joined = _group(layout.joined) if both and layout.joined is not None else None
    results = [_read_project(p, book, joined, layout) for p in _projects(layout)]
    if joined is not None:
        known = {p.code for p in _projects(layout)}
        extra = sorted(set(joined) - known)
        if extra:
            results.append(ReadResult(book.source, book.sha256, None, (_problem(
                book.source, None, "综合表中有项目信息表没有的项目 / the joined sheet has projects the split pair lacks: "
                + "、".join(extra[:10])),)))  # fmt: skip
    for review in layout.review:
        if not _review_is_empty(review):
            results.append(ReadResult(book.source, book.sha256, None, (_problem(
                f"{book.source}#{review.sheet.name}", None,
                "审核表已有审核内容，perfrules 不读取审核结论 / the review sheet holds reviews, which perfrules does not read"),)))  # fmt: skip
    if not results:
        return [ReadResult(book.source, book.sha256, None, (_problem(book.source, None,
                "申报表中没有项目 / the declaration export holds no project"),))]  # fmt: skip
    skipped = tuple(
        Notice(
            source=book.source,
            location=name,
            message="空白的审核表，已跳过 / an empty review sheet, passed over",
        )
        for name in skipped_sheets(book)
    )
    return [replace(results[0], notices=results[0].notices + skipped), *results[1:]] if skipped else results


def skipped_sheets(book: LoadedWorkbook) -> list[str]:
    """Sheets a declaration read passes over: empty review forms (and nothing else)."""
    return [t.sheet.name for t in detect(book.sheets).review if _review_is_empty(t)]
