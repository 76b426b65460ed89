"""The official 自评表's label vocabulary, and the reader that walks a sheet by its labels.

Header location and column mapping: which row is a block's header, which layout the form follows, and
``FormReader``, which indexes a sheet's cells by label, finds the value beside or below a label, and
records every value's cell and every reading problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfrules.model.report import Problem
from perfrules.read import form_labels
from perfrules.read.cells import label_key
from perfrules.read.form_header import Header, header_columns
from perfrules.read.workbook import Sheet, _blank, _problem

# The header vocabulary is data: rules/forms/labels.csv (see perfrules.read.form_labels).
BUDGET_COLUMNS: dict[str, tuple[str, ...]] = form_labels.columns("budget")
INDICATOR_COLUMNS: dict[str, tuple[str, ...]] = form_labels.columns("indicator")
DEPARTMENT_LABELS = ("主管部门", "市级主管部门", "部门名称", "单位名称", "预算部门")
GOAL_LABELS = ("预期目标", "项目年度目标", "年初设定目标", "年初预期目标", "年度绩效目标", "年初绩效目标")
COMPLETION_LABELS = (
    "实际完成情况",
    "年度目标完成情况",
    "全年实际完成情况",
    "年度总体目标完成情况综述",
    "年度实际完成情况",
    "全年目标实际完成情况",
)
NARRATIVE_LABELS = ("评价结论", "存在问题", "改进措施")
SECTION_LABELS = frozenset(
    {
        "年度总体目标",
        "总体目标",
        "当年绩效目标",  # 重庆 部门整体绩效自评表: 年初绩效目标 | 全年（调整）绩效目标 | 全年目标实际完成情况
        "项目基本情况",
        "绩效指标",
        "年度绩效指标",
        "一级指标",
        *GOAL_LABELS,
        *COMPLETION_LABELS,
    }
)
END_LABELS = frozenset(
    {*NARRATIVE_LABELS, "项目负责人", "财务负责人", "填报人", "填表人", "联系电话", "备注", "填表说明"}
)
_MAX_LABEL = 40


@dataclass(frozen=True)
class TableContext:
    """What the report around a table says of it: a table in a Word, PDF or web report often has no title
    or 主管部门 row of its own, the report's title naming the department, the year and the table's kind."""

    title: str
    department: str | None
    fiscal_year: int | None
    project: str | None = None
    """The one project the report's text names, if it names exactly one: a headless table's project."""


@dataclass
class FormReader:
    """One sheet being read as a form: its cells indexed by label, and what the reading found and where."""

    sheet: Sheet
    source: str
    problems: list[Problem] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)
    labels: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    unmapped: list[tuple[str, str]] = field(default_factory=list)
    unread: list[tuple[str, str]] = field(default_factory=list)
    context: TableContext | None = None

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

    def unread_row(self, r: int, c: int, why: str) -> None:
        """A row holding figures the reader has no name to read them by: kept for READ-ROW-UNREAD, at its cell."""
        self.unread.append((self.sheet.ref(r, c), why))

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
                if label_key(self.sheet.own(r, c2)) in KNOWN_LABELS:
                    return None
                return r, c2
        return None

    def below(self, r: int, c: int, limit: int = 3) -> tuple[int, int] | None:
        """The first filled cell under a column label, within a few rows."""
        for r2 in range(r + 1, r + 1 + limit):
            if not _blank(self.sheet.own(r2, c)):
                return None if label_key(self.sheet.own(r2, c)) in KNOWN_LABELS else (r2, c)
        return None

    def stop_ref(self, r: int) -> str:
        return self.sheet.ref(min(r, max(self.sheet.nrows - 1, 0)), max(self.sheet.ncols - 1, 0))


# A budget label in the indicator header (or the reverse) is another block's column, not an unknown one.
FIELD_LABELS = frozenset(
    {
        *(label for labels in BUDGET_COLUMNS.values() for label in labels),
        *(label for labels in INDICATOR_COLUMNS.values() for label in labels),
        *form_labels.unread_labels(),
    }
)
KNOWN_LABELS = frozenset(
    {
        "项目名称",
        "实施单位",
        *DEPARTMENT_LABELS,
        *SECTION_LABELS,
        *END_LABELS,
        *(label for labels in BUDGET_COLUMNS.values() for label in labels),
        *(label for labels in INDICATOR_COLUMNS.values() for label in labels),
    }
)


def find_header(sheet: Sheet, spec: dict[str, tuple[str, ...]], needed: tuple[str, ...], least: int) -> int | None:
    """The first row whose labels name every ``needed`` field and at least ``least`` fields of ``spec``."""
    for r in sheet.rows():
        columns = header_columns(sheet, r, spec)
        if all(n in columns for n in needed) and len(columns) >= least:
            return r
    return None


def form_layout(sheet: Sheet, budget_row: int | None, indicator_row: int | None) -> str:
    """``B`` for the Sichuan form (调整后预算数, 预算执行数, 指标性质 …) in either header row, else ``A``."""
    keys = set()
    for r in (budget_row, indicator_row):
        if r is not None:
            keys |= {label_key(sheet.own(r, c)) for c in sheet.row(r)}
    return "B" if keys & {"调整后预算数", "预算执行数", "指标性质", "预算执行率"} else "A"
