"""Which self-evaluation table a sheet holds, decided before it is read: a project form, a department-wide
form in the same layout, or neither (with the reason, at its cell)."""

from __future__ import annotations

from typing import Any


def form_kind(form: Any, title: str, indicator_row: int | None, columns: dict[str, int]) -> str | None:
    """``project_table`` or ``department_table``; None, with a problem on ``form``, for a sheet that is no
    self-evaluation table: no indicator header, or a 部门整体 scorecard (决策/管理/绩效 with 分值/得分 only),
    whose rows have no target or actual to check and would draw false alarms as indicators."""
    sheet = form.sheet
    if indicator_row is None:
        stop = form.stop_ref(sheet.nrows)
        form.problem(
            stop,
            f"工作表“{sheet.name}”不是可识别的自评表：未找到“一级指标/二级指标/三级指标”表头，读到 {stop} 为止 / "
            f"sheet {sheet.name!r} is not a recognised form: no 一级指标/三级指标 header row; reading stopped at {stop}",
        )
        return None
    if "部门整体支出" not in title:
        return "project_table"
    if not {"target", "actual"} <= columns.keys():
        form.problem(
            sheet.ref(0, 0),
            "部门整体支出绩效评分表（无年度指标值/实际完成值栏）不能按自评表读取，请使用整理模板（tidy 模板）/ "
            "a 部门整体支出 scorecard (no target and actual columns) cannot be read as a self-evaluation form; "
            "use the tidy template",
        )
        return None
    return "department_table"
