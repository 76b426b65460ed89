"""Read filled-in official 项目支出绩效自评表 workbooks (.xlsx, .xls), and Word tables as cells, into submissions.

Columns are found by label, not position: the central 财预〔2020〕10号 附件1 form (layout A: 年初预算数 |
全年预算数 | 全年执行数 | 分值 | 执行率 | 得分), the Sichuan form (layout B: 年初预算 | 调整后预算数 | 预算执行数 |
预算执行率 | 权重 …, with 指标性质) and local variants (全年预算数(A), 其中:本年财政拨款, 产出指标(50分)).
Each project sheet becomes one submission, sourced ``file.xlsx#Sheet``; every value records its cell. A
broken, encrypted, oversized or unrecognisable workbook yields a Problem, never a traceback.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

from perfrules.model.report import Problem
from perfrules.read.cells import folded, is_project_name_label
from perfrules.read.documents import ReadResult
from perfrules.read.form_budget import note_unread_budget, read_budget
from perfrules.read.form_fields import read_department_and_year, read_project_name, read_stated_total, read_texts
from perfrules.read.form_header import header_columns
from perfrules.read.form_indicators import read_indicators
from perfrules.read.form_kind import form_kind
from perfrules.read.form_reader import (
    BUDGET_COLUMNS,
    INDICATOR_COLUMNS,
    FormReader,
    TableContext,
    find_header,
    form_layout,
)
from perfrules.read.form_result import form_result
from perfrules.read.form_stack import stacked_forms
from perfrules.read.workbook import Sheet, _problem, load_sheets, row_cap_problem


def _read_form_sheet(
    sheet: Sheet, source: str, context: TableContext | None = None
) -> tuple[dict[str, Any] | None, FormReader] | None:
    """None when the sheet is not a project form at all (an instructions sheet, a lookup list)."""
    form = FormReader(sheet, source, context=context)
    # "项目名称：××" in one cell, as some forms print the head, is the label with its value.
    name_label = form.first_label(("项目名称",)) or form.first_label(("项目名称:",), prefix=True)
    budget_row = find_header(sheet, BUDGET_COLUMNS, ("executed",), 3)
    indicator_row = find_header(sheet, INDICATOR_COLUMNS, ("level1", "name"), 3)
    if indicator_row is None:
        # Chongqing's 部门整体绩效自评表 lists its indicators by 指标名称 alone, with no 一级/二级 columns:
        # a header naming the indicator, its target and its actual is the indicator block all the same.
        indicator_row = find_header(sheet, INDICATOR_COLUMNS, ("name", "target", "actual"), 4)
    if name_label is None and budget_row is None and indicator_row is None:
        return None
    title = _form_title(sheet, context)
    columns = header_columns(sheet, indicator_row, INDICATOR_COLUMNS) if indicator_row is not None else {}
    kind = form_kind(form, title, indicator_row, columns)
    if kind is None or indicator_row is None:
        return None, form
    department_wide = kind in ("department_table", "department_scorecard")
    layout = form_layout(sheet, budget_row, indicator_row)
    tops = [r for r in (name_label[0] if name_label else None, budget_row, indicator_row) if r is not None]
    header: dict[str, Any] = {}
    project: dict[str, Any] = {}
    read_department_and_year(form, header, min(tops))
    if not department_wide:  # a 部门整体 form names its department, not a project
        read_project_name(form, project, name_label)
    if budget_row is None:
        if kind != "department_scorecard":  # a scorecard scores 预算执行 among its lines
            # Not an input problem: the indicators are read and checked, and exit 2 is only for a file
            # that cannot be read at all (issue 12 §1). Lines under an unknown header are READ-ROW-UNREAD's.
            note_unread_budget(form, project, min(tops), indicator_row)
    else:
        end = indicator_row if indicator_row > budget_row else sheet.nrows
        read_budget(form, project, budget_row, end, layout)
    read_indicators(form, header, project, indicator_row)
    stacked = sorted(
        pos for key, at in form.labels.items() if is_project_name_label(key) for pos in at if pos[0] > indicator_row
    )
    if stacked:
        r, c = stacked[0]
        form.problem(
            sheet.ref(r, c),
            f"第 {r + 1} 行开始了另一个项目，每个工作表只能填一个项目，其余未读取 / "
            f"another project form starts at row {r + 1}; put one project per sheet (the rest was not read)",
        )
    read_texts(form, header, project)
    read_stated_total(form, header, project)
    if form.unread:
        project["unread_rows"] = _unread_entries(form.unread)
        form.locations["/projects/0/unread_rows"] = form.unread[0][0]
    if form.unmapped:
        project["unmapped_columns"] = [f"{key}（{cell.split('!')[-1]}）" for cell, key in form.unmapped]
        form.locations["/projects/0/unmapped_columns"] = form.unmapped[0][0]
    if department_wide:  # the department is its own one "project": its budget block and indicators
        project.setdefault("name", header.get("department") or "部门整体")
    return {"document_kind": kind, "header": header, "projects": [project]}, form


def _unread_entries(unread: list[tuple[str, str]]) -> list[str]:
    """Each unread row as 单元格（原因）; rows in a run with the same reason share it: "B6、B7（…）"."""
    runs: list[tuple[list[str], str]] = []
    for cell, why in unread:
        if runs and runs[-1][1] == why:
            runs[-1][0].append(cell.split("!")[-1])
        else:
            runs.append(([cell.split("!")[-1]], why))
    return [f"{'、'.join(cells)}（{why}）" for cells, why in runs]


def _unrecognised(source: str, sheet: Sheet) -> Problem:
    last = sheet.ref(max(sheet.nrows - 1, 0), max(sheet.ncols - 1, 0))
    return _problem(
        source,
        last,
        f"工作表“{sheet.name}”不是可识别的自评表（未找到 项目名称/全年执行数/一级指标 等表头），读到 {last} 为止 / "
        f"sheet {sheet.name!r} is not a recognised self-evaluation form (no 项目名称, 全年执行数 or 一级指标 labels); "
        f"reading stopped at {last}",
    )


_OWN_TITLE = re.compile(r"自评表|评分表|评价表|绩效表")


def _form_title(sheet: Sheet, context: TableContext | None) -> str:
    """The form's title: its first three rows holding anything (a form stacked under another starts lower
    down its sheet); for a table in a report without one, its caption, else the report's title."""
    title = " ".join(folded(sheet.own(r, c)) for r in itertools.islice(sheet.rows(), 3) for c in sheet.row(r))
    if _OWN_TITLE.search(title):
        return title
    captioned = [line for line in sheet.caption.splitlines() if _OWN_TITLE.search(folded(line))]
    if captioned:
        return f"{title} {folded(captioned[-1])}"  # a table in a report under its caption (附件1：××项目…自评表)
    if context is not None:
        return f"{title} {folded(context.title)}"  # a table in a report, titled by the report above it
    return title


def read_form(sheet: Sheet, source: str, sha256: str, context: TableContext | None = None) -> ReadResult | None:
    """One sheet (or a Word table as cells) as a project form's submission; None when it is no form at all.

    ``context`` is what the report holding the table says of it (its title, department and year)."""
    outcome = _read_form_sheet(sheet, source, context)
    return None if outcome is None else form_result(outcome, source, sha256, [])


def _part_source(source: str, start: int) -> str:
    return source if start == 0 else f"{source}（第{start + 1}行起）"


def read_forms(sheet: Sheet, source: str, sha256: str, context: TableContext | None = None) -> list[ReadResult]:
    """Every form on ``sheet``: forms stacked down one sheet or table are each a submission, the first
    sourced ``source`` and the others ``source（第 N 行起）``."""
    results = []
    for part, start in stacked_forms(sheet):
        read = read_form(part, _part_source(source, start), sha256, context)
        if read is not None:
            results.append(read)
    return results


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
        parts = stacked_forms(sheet)
        outcomes = [(_read_form_sheet(part, _part_source(source, start)), start) for part, start in parts]
        if outcomes[0][0] is None:
            capped += [cap] if cap else []
            if sheet.cells:
                ignored.append(sheet)
            continue
        for outcome, start in outcomes:
            if outcome is not None:
                problems = [cap] if cap and start == 0 else []
                results.append(form_result(outcome, _part_source(source, start), loaded.sha256, problems))
    if results:
        # A runaway sheet next to real forms is still worth a word: rows past the cap were never looked at.
        return results + ([ReadResult(loaded.source, loaded.sha256, None, tuple(capped))] if capped else [])
    problems = capped + [_unrecognised(f"{loaded.source}#{sheet.name}", sheet) for sheet in ignored] or [
        _problem(loaded.source, None, "工作簿中没有内容 / the workbook has no filled-in sheet")
    ]
    return [ReadResult(loaded.source, loaded.sha256, None, tuple(problems))]
