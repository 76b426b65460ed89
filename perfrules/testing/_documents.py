"""A submission as plain data: reaching cells by JSON pointer, its rows as the engine sees them, amounts in 元.

Boundary knobs and shrinking edit submissions as dicts (a pointer names a row, a field path a
cell in it); the normalizer, not a list kept here, says which cells a row holds.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from perfrules.model.sourced import SourcedSubmission
from perfrules.model.submission import Submission
from perfrules.model.values import ValueState, parse_num
from perfrules.tables.normalize import normalize
from perfrules.tables.spec import TABLES, TableSpec

Document = dict[str, Any]


def pointer_parts(pointer: str) -> list[str | int]:
    return [
        int(p) if p.isdigit() else p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/") if p
    ]


def get_at(doc: Any, parts: Sequence[str | int]) -> Any:
    node = doc
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def rows(doc: Document, table: str) -> list[tuple[str, dict[str, object]]]:
    """(row pointer, column values) of one table, as the engine sees them."""
    try:
        submission = Submission.model_validate(doc)
    except ValidationError:
        return []
    columns = normalize([SourcedSubmission("<boundary>", submission)]).tables[table].column_lists()
    return [(str(path), {n: values[i] for n, values in columns.items()}) for i, path in enumerate(columns["path"])]


def pointer_of(spec: TableSpec, points_at: str, path: str) -> str:
    column = spec.column(points_at)
    field_ = column.field if column else None
    return f"{path}/{field_}" if field_ else (path or "/")


def to_yuan(doc: Document, row: str, path: Sequence[str], table: str) -> None:
    """Restate amounts given in 万元 in 元, so a cell can be set to any value with four decimal places.

    Which cells the unit scales is read off the tables (the normalizer knows), not listed here.
    """
    holder = get_at(get_at(doc, pointer_parts(row)), path)
    before = dict(rows(doc, table)).get(row, {})
    holder["unit"] = "元"
    after = dict(rows(doc, table)).get(row, {})
    for column in TABLES[table].columns:
        *where, key = (column.field or "").split("/")
        if column.numeric_state and where == list(path) and before.get(column.name) != after.get(column.name):
            num = parse_num(holder.get(key))
            if num.state is ValueState.VALUE and num.value is not None:
                holder[key] = num.value * 10000


def in_yuan(doc: Document) -> Document:
    """The same document with every amount in 元, so knobs set cells in the unit the engine compares."""
    out = copy.deepcopy(doc)
    for spec in TABLES.values():
        holders = {tuple((c.field or "").split("/")[:-1]) for c in spec.columns if c.numeric_state and c.field}
        for row, _ in rows(out, spec.name) if holders else ():
            for path in holders:
                holder = get_at(get_at(out, pointer_parts(row)), path)
                if isinstance(holder, dict) and holder.get("unit") == "万元":
                    to_yuan(out, row, path, spec.name)
    return out


def current_value(doc: Document, row: str, field_: str) -> Decimal | None:
    num = parse_num(get_at(doc, [*pointer_parts(row), *field_.split("/")]))
    return num.value if num.state is ValueState.VALUE else None
