"""Which self-evaluation table a sheet holds, decided before it is read: a project form, a department-wide
form in the same layout, or neither (with the reason, at its cell)."""

from __future__ import annotations

import re
from typing import Any

_DEPARTMENT_WIDE = re.compile(r"部门整体|单位整体|整体支出")
"""A department-wide form's title: 部门整体支出绩效自评表, and Chongqing's 部门整体绩效自评表."""


def form_kind(form: Any, title: str, indicator_row: int | None, columns: dict[str, int]) -> str | None:
    """``project_table``, ``department_table`` or ``department_scorecard`` (a 部门整体 form of 决策/过程/
    产出/效益 lines with 分值/得分 only, no target or actual); None, with a problem on ``form``, for a
    sheet with no indicator header, or a 部门整体 form with neither targets nor scores."""
    sheet = form.sheet
    if indicator_row is None:
        stop = form.stop_ref(sheet.nrows)
        form.problem(
            stop,
            f"工作表“{sheet.name}”不是可识别的自评表：未找到“一级指标/二级指标/三级指标”表头，读到 {stop} 为止 / "
            f"sheet {sheet.name!r} is not a recognised form: no 一级指标/三级指标 header row; reading stopped at {stop}",
        )
        return None
    if not _DEPARTMENT_WIDE.search(title):
        return "project_table"
    if not {"target", "actual"} <= columns.keys():
        # Its lines have a weight and a score and nothing else to check: only the rules that list
        # department_scorecard in applies_to (the arithmetic of scores) run on it.
        if {"weight", "score"} <= columns.keys():
            return "department_scorecard"
        form.problem(
            sheet.ref(0, 0),
            "部门整体支出绩效表既无年度指标值/实际完成值栏，也无分值/得分栏，无法核对 / "
            "a 部门整体支出 form with neither target and actual columns nor weight and score columns cannot be checked",
        )
        return None
    return "department_table"
