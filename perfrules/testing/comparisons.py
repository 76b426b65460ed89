"""A rule's comparisons against a constant bound, each with the probes and the oracle that judge it.

The comparisons are a ``row`` rule's conditions on a numeric column, and the comparisons in
the SQL fragments its check kind names as attackable (asked of ``KINDS``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlglot import exp

from perfrules.compile.kinds import KINDS
from perfrules.model.rule import Condition, RowCheck
from perfrules.pack.loader import LoadedRule, Pack
from perfrules.tables.spec import TABLES, TableSpec
from perfrules.testing._engine import Outcome
from perfrules.testing._fragments import COMPARISONS, MIRRORED, Fragment, comparisons
from perfrules.testing.examples import yaml_line
from perfrules.testing.probes import always_probe, check_with, lookups_of, measure_probe, variant

Level = Literal["row", "group"]
_OPS_ROW = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=", "ne": "<>"}
_NUMERIC_TYPES = ("DECIMAL(18,4)", "INTEGER", "BIGINT")


def compare(left: Decimal, op: str, right: Decimal) -> bool:
    """The oracle: the comparison evaluated in Python, exactly."""
    return {
        ">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right, "=": left == right, "<>": left != right,
    }[op]  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    """One comparison of a rule against a constant bound, with the probes that judge it."""

    rule: LoadedRule
    key: str
    """Where it is written: ``check.fails_when``, ``check.where`` or ``check.fails_when[i]``."""
    yaml_path: tuple[str | int, ...]
    lhs: str
    op: str
    bound: Decimal
    bound_text: str
    level: Level
    columns: frozenset[str]
    if_true: LoadedRule | None
    """The rule with this comparison replaced by TRUE (None: it would never fire)."""
    if_false: LoadedRule | None
    measure: LoadedRule
    """Fires wherever the expression has a value, with the value as evidence ``lhs``."""

    @property
    def text(self) -> str:
        return f"{self.lhs} {self.op} {self.bound_text}"

    @property
    def line(self) -> int | None:
        return yaml_line(self.rule.file, self.yaml_path)

    def probes(self) -> list[LoadedRule]:
        return [p for p in (self.if_true, self.if_false, self.measure) if p is not None]

    def expected(self, outcome: Outcome) -> dict[str, bool]:
        """Pointer → should the rule fire there, for every place the expression has a number."""
        out: dict[str, bool] = {}
        for pointer, evidence in outcome.evidence.get(self.measure.rule.id, {}).items():
            value = _decimal(evidence.get("lhs"))
            if value is None:
                continue
            rest = self.if_true if compare(value, self.op, self.bound) else self.if_false
            out[pointer] = rest is not None and pointer in outcome.pointers(rest.rule.id)
        return out

    def measured(self, outcome: Outcome) -> dict[str, Decimal]:
        values = {p: _decimal(e.get("lhs")) for p, e in outcome.evidence.get(self.measure.rule.id, {}).items()}
        return {p: v for p, v in values.items() if v is not None}


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _row_comparisons(
    loaded: LoadedRule, check: RowCheck, spec: TableSpec, lookups: Mapping[str, tuple[str, ...]]
) -> Iterator[Comparison]:
    params = loaded.parameters
    for i, cond in enumerate(check.fails_when):
        column = spec.column(cond.column)
        if cond.op not in _OPS_ROW or cond.other is not None or column is None or column.type not in _NUMERIC_TYPES:
            continue
        value: Any = cond.value
        text = str(value)
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            value = params.get(value[1:-1].strip())
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            continue
        others: list[Condition] = [c for j, c in enumerate(check.fails_when) if j != i]
        rest = variant(loaded, f"R{i}T", lookups, check=check_with(loaded, fails_when=others)) if others else None
        anything = always_probe(loaded, f"R{i}A", lookups, where=check.where, evidence={})
        if_true, if_false = (rest or anything, None) if check.match == "all" else (anything, rest)
        measure = measure_probe(loaded, f"R{i}L", lookups, cond.column, check.where)
        if measure is None or (if_true is None and if_false is None):
            continue
        yield Comparison(
            loaded, f"check.fails_when[{i}]", ("check", "fails_when", i), cond.column, _OPS_ROW[cond.op], Decimal(value),
            text, "row", frozenset({cond.column}), if_true, if_false, measure,
        )  # fmt: skip


def _fragment_comparisons(loaded: LoadedRule, lookups: Mapping[str, tuple[str, ...]]) -> Iterator[Comparison]:
    check = loaded.rule.check
    kind = KINDS[check.kind]
    # The kind names the fragments worth attacking; a group kind's fails_when is judged per group.
    fragments: list[tuple[str, str | None, Level]] = [
        (key, getattr(check, key), "group" if kind.grouped and key == "fails_when" else "row")
        for key in kind.attackable
    ]
    n = 0
    for key, text, level in fragments:
        fragment = Fragment.parse(text) if text else None
        if fragment is None:
            continue
        for index, node in comparisons(fragment):
            left, right = node.this, node.expression
            cl, cr = fragment.constant(left, loaded.parameters), fragment.constant(right, loaded.parameters)
            op = COMPARISONS[type(node)]
            if cr is not None and cl is None and fragment.columns(left):
                lhs, bound, bound_node = left, cr, right
            elif cl is not None and cr is None and fragment.columns(right):
                lhs, bound, bound_node, op = right, cl, left, MIRRORED[op]
            else:
                continue
            if level == "group" and node.find_ancestor(exp.AggFunc) is not None:
                # A row-level test inside an aggregate (count(CASE WHEN x <> 0 …)): the group has
                # no one value of ``x`` to measure; examples and mutants judge it instead.
                continue
            n += 1
            as_true = fragment.replaced(index, lambda _: exp.true())
            as_false = fragment.replaced(index, lambda _: exp.false())
            if_true = variant(loaded, f"S{n}T", lookups, check=check_with(loaded, **{key: as_true}))
            if_false = variant(loaded, f"S{n}F", lookups, check=check_with(loaded, **{key: as_false}))
            measure = measure_probe(
                loaded, f"S{n}L", lookups, fragment.render(lhs), check.where if key == "fails_when" else None
            )
            if if_true is None or if_false is None or measure is None:
                continue
            yield Comparison(
                loaded, f"check.{key}", ("check", key), fragment.render(lhs), op, bound, fragment.render(bound_node), level,
                frozenset(fragment.columns(lhs)), if_true, if_false, measure,
            )  # fmt: skip


def find_comparisons(loaded: LoadedRule, pack: Pack) -> list[Comparison]:
    """The comparisons of a rule that boundary pairs can attack (none for reference and text_pattern rules)."""
    check = loaded.rule.check
    spec = TABLES.get(loaded.rule.table)
    lookups = lookups_of(pack)
    if spec is None:
        return []
    found: list[Comparison] = []
    if isinstance(check, RowCheck):
        found += _row_comparisons(loaded, check, spec, lookups)
    if KINDS[check.kind].attackable:
        found += _fragment_comparisons(loaded, lookups)
    return found
