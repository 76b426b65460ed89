"""The tidy template's 申报信息 sheet: what each project declares before its budget (绩效目标申报表).

One row per project, named by 项目编号 or 项目名称 as in the other child sheets; the row becomes the
project's ``declaration``. Its cells are located as ``/projects/<i>/<field>``, the column they
fill in the ``projects`` table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfrules.read.tidy_assembly import _Assembler
    from perfrules.read.tidy_rows import _Rows, _Value

Text = Callable[["_Value | None"], "str | None"]
Number = Callable[["_Value | None", tuple[str, ...]], object]

DECLARATION_KINDS = ("target_declaration", "项目支出绩效目标申报表", "绩效目标申报表")
_MONEY = ("total_amount", "annual_amount")


def declarations(assembler: _Assembler, rows: _Rows, _text: Text, _num: Number) -> None:
    """The tidy template's 申报信息 sheet: each row's declaration fields onto its project.

    The tidy reader passes its own cell readers (``_text``, ``_num``), so the sheet reads like the others.
    """
    for row in rows.rows:
        doc = assembler.doc_of(row, rows.table.name)
        index = assembler.project_of(doc, row, rows.table.name) if doc else None
        if doc is None or index is None:
            continue
        decl: dict[str, Any] = {}
        unit = _text(row.get("unit")) or "元"
        for name, cell in row.items():
            if name in ("doc", "project_id", "project_name"):
                continue
            value = _num(cell, (unit,)) if name in _MONEY else _text(cell)
            assembler.put(doc, decl, f"/projects/{index}", name, value, cell)
        doc.data["projects"][index]["declaration"] = decl


def is_declaration(kind: object) -> bool:
    """Whether a document_kind cell names a target declaration (绩效目标申报表)."""
    return isinstance(kind, str) and kind.strip() in DECLARATION_KINDS
