"""Knobs: what boundary pairs turn in a submission to move a comparison's expression onto its bound.

Turned one at a time from a rule's examples; which knobs a comparison has at a row or group
is read off the columns its expression uses.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Literal

from perfrules.compile.kinds import GROUP_TABLES
from perfrules.model.rule import AggregateCheck, RatioCheck
from perfrules.model.values import MAX_ABS
from perfrules.tables.spec import TABLES
from perfrules.testing._documents import Document, current_value, get_at, pointer_of, pointer_parts, rows, to_yuan
from perfrules.testing.comparisons import Comparison

FINEST = Decimal("0.0001")
"""A numeric cell holds at most four decimal places: the finest step just inside or outside a bound."""
PROBE_STEP = Decimal("0.01")
"""The small probe step; a second one scales with the value, since a ratio of two large
amounts does not move when one of them moves by a cent."""
MAX_COUNT = 40
MAX_TEXT = 5000
MAX_KNOBS = 4

KnobKind = Literal["number", "shift", "text", "list", "copies"]


@dataclass(frozen=True)
class Knob:
    """One thing to turn in a submission.

    ``number`` sets a numeric cell; ``shift`` adds the same amount to a numeric cell in every row
    of a group (minimum and maximum move, their spread does not); ``text`` sets a text's
    length; ``list`` a list's length; ``copies`` how many times a row occurs in its group.
    """

    kind: KnobKind
    row: str
    field: str
    start: Decimal
    table: str

    owners: tuple[str, ...] = ()
    """For ``shift``: every row the amount is added to."""

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "shift")

    def probe_steps(self) -> list[Decimal]:
        if not self.numeric:
            return [Decimal(1)]
        scaled = (abs(self.start) / 100).quantize(FINEST, rounding=ROUND_HALF_EVEN)
        return [PROBE_STEP, *([scaled] if scaled > 1 else [Decimal(1)])]

    def settings(self, value: Decimal) -> list[Decimal]:
        """The settable values nearest ``value``."""
        if self.numeric:
            if abs(value) >= MAX_ABS:
                return []
            return [value.quantize(FINEST, rounding=ROUND_HALF_EVEN)]
        cap = MAX_TEXT if self.kind == "text" else MAX_COUNT
        low, high = value.to_integral_value(ROUND_FLOOR), value.to_integral_value(ROUND_CEILING)
        return sorted({v for v in (low, high) if 0 <= v <= cap})

    def apply(self, doc: Document, value: Decimal) -> Document | None:
        if self.kind == "shift":
            out: Document | None = doc
            for owner in self.owners:
                current = current_value(doc, owner, self.field)
                if out is not None and current is not None:
                    out = Knob("number", owner, self.field, current, self.table).apply(
                        out, current + value - self.start
                    )
            return out
        out = copy.deepcopy(doc)
        row = get_at(out, pointer_parts(self.row))
        if self.kind == "copies":
            *parent, index = pointer_parts(self.row)
            siblings = get_at(out, parent)
            if not isinstance(siblings, list) or not isinstance(index, int):
                return None
            siblings[index : index + 1] = [copy.deepcopy(siblings[index]) for _ in range(int(value))]
            return out
        if not isinstance(row, dict):
            return None
        *path, last = self.field.split("/")
        holder = get_at(row, path)
        if not isinstance(holder, dict):
            return None
        if self.kind == "number":
            if holder.get("unit") == "万元":
                to_yuan(out, self.row, path, self.table)
            holder[last] = Decimal(format(value.normalize(), "f"))
        elif self.kind == "text":
            holder[last] = "字" * int(value)
        else:
            items = holder.get(last) or []
            if not isinstance(items, list):
                return None
            n = int(value)
            if n <= len(items):
                holder[last] = items[:n]
            elif items and isinstance(items[0], dict):
                holder[last] = [copy.deepcopy(items[i % len(items)]) for i in range(n)]
            elif not items or isinstance(items[0], str):
                holder[last] = [*items, *(f"其他资金{k}" for k in range(len(items), n))]
            else:
                return None
        return out


def knobs_at(comparison: Comparison, doc: Document, target: str) -> list[Knob]:
    """The knobs that may move the comparison's expression at the row (or group) ``target``."""
    rule = comparison.rule.rule
    spec = TABLES[rule.table]
    check = rule.check
    group_table = (
        GROUP_TABLES[check.group_by] if isinstance(check, AggregateCheck | RatioCheck) else None
    )  # grouped kinds
    located = TABLES[group_table] if group_table else spec
    target_rows = [path for path, _ in rows(doc, located.name) if pointer_of(located, rule.points_at, path) == target]
    if not target_rows:
        return []
    target_row = target_rows[0]
    if comparison.level == "group":
        prefix = target_row + "/" if target_row else ""
        members = [path for path, _ in rows(doc, spec.name) if path.startswith(prefix)]
    else:
        members = [target_row]
    owners = members[:MAX_KNOBS]
    knobs: list[Knob] = []
    for name in sorted(comparison.columns):
        table, column_name, on = spec, name, owners
        if name.startswith("group_") and group_table:
            table, column_name, on = TABLES[group_table], name[len("group_") :], [target_row]
        column = table.column(column_name)
        if column is None or not column.field or column.name.endswith("_state"):
            continue
        for owner in on:
            value = get_at(doc, [*pointer_parts(owner), *column.field.split("/")])
            if column.numeric_state:
                start = current_value(doc, owner, column.field)
                knobs.append(
                    Knob("number", owner, column.field, start if start is not None else Decimal(0), table.name)
                )
            elif column.type == "VARCHAR" and (value is None or isinstance(value, str)):
                knobs.append(Knob("text", owner, column.field, Decimal(len(value or "")), table.name))
            elif column.type == "INTEGER" and isinstance(value, list):
                knobs.append(Knob("list", owner, column.field, Decimal(len(value)), table.name))
    if comparison.level == "group":
        knobs += [Knob("copies", owner, "", Decimal(1), spec.name) for owner in owners]
        for name in sorted(comparison.columns):
            column = spec.column(name)
            if column is not None and column.numeric_state and column.field and len(members) > 1:
                knobs.append(Knob("shift", members[0], column.field, Decimal(0), spec.name, tuple(members)))
    return knobs
