"""The engine contract: what runs compiled rules over a batch, what it gives back, and the registry.

An engine is anything with ``run(batch, rules, references) -> EngineResult``. It must:

- give each rule's flagged rows in the shape of ``perfrules.compile.rows``;
- report a rule that cannot run in ``errors`` (with a Chinese-first message), never raise;
- when a rule fails on part of a batch only, pin the failure to the submissions that cause it
  (``errored_subs``) and keep the other submissions' rows: ``isolate`` does the bisection for
  any engine that can run a rule's SQL narrowed to some submissions.

Engines are registered by name in ``perfrules.engine.registry``; the CLI's ``--engine``
choices come from there. A new engine is one module and one ``register_engine`` call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from perfrules.compile.kinds import CompiledRule
from perfrules.compile.rows import Row, decode_row
from perfrules.tables.normalize import Batch
from perfrules.tables.spec import DATA_TABLES, Column, ReferenceTable, TableSpec

DATA_TABLE_NAMES = frozenset(t.name for t in DATA_TABLES)


def _decoded(table: Any) -> list[Row]:
    columns = [table.column(name).to_pylist() for name in table.column_names]
    return [decode_row(values) for values in zip(*columns, strict=True)]


class RuleRows(MutableMapping[str, list[Row]]):
    """Each rule's flagged rows, as dicts with their evidence decoded.

    Rows fetched as Arrow stay Arrow until a rule's rows are read: a batch can flag hundreds
    of thousands of rows, and counting them or listing their keys needs no Python objects.
    """

    def __init__(self) -> None:
        self._rows: dict[str, list[Row]] = {}
        self._arrow: dict[str, Any] = {}

    def put_arrow(self, rule_id: str, table: Any) -> None:
        self._rows.pop(rule_id, None)
        self._arrow[rule_id] = table

    def __getitem__(self, rule_id: str) -> list[Row]:
        table = self._arrow.pop(rule_id, None)
        if table is not None:
            self._rows[rule_id] = _decoded(table)
        return self._rows[rule_id]

    def by_submission(self, rule_id: str) -> Iterator[tuple[int, list[Row]]]:
        """A rule's rows grouped by submission (``sub`` ascending, rows in ``rid`` order),
        decoding one submission's rows at a time."""
        table = self._arrow.get(rule_id)
        if table is None:
            rows = sorted(self._rows.get(rule_id, ()), key=lambda row: (row["sub"], row["rid"]))
            start = 0
            for end in range(1, len(rows) + 1):
                if end == len(rows) or rows[end]["sub"] != rows[start]["sub"]:
                    yield rows[start]["sub"], rows[start:end]
                    start = end
            return
        table = table.sort_by([("sub", "ascending"), ("rid", "ascending")])
        subs = table.column("sub").to_pylist()
        start = 0
        for end in range(1, len(subs) + 1):
            if end == len(subs) or subs[end] != subs[start]:
                yield subs[start], _decoded(table.slice(start, end - start))
                start = end

    def __setitem__(self, rule_id: str, rows: list[Row]) -> None:
        self._arrow.pop(rule_id, None)
        self._rows[rule_id] = rows

    def __delitem__(self, rule_id: str) -> None:
        if self._arrow.pop(rule_id, None) is None:
            del self._rows[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._rows, *self._arrow])

    def __len__(self) -> int:
        return len(self._rows) + len(self._arrow)

    def count(self, rule_id: str) -> int:
        table = self._arrow.get(rule_id)
        return int(table.num_rows) if table is not None else len(self._rows.get(rule_id, ()))

    def column(self, rule_id: str, name: str) -> list[Any]:
        """One output column (``sub``, ``rid``, ``path``, …) of a rule's rows, without building the rows."""
        table = self._arrow.get(rule_id)
        if table is not None:
            return list(table.column(name).to_pylist())
        return [row[name] for row in self._rows.get(rule_id, ())]


@dataclass
class EngineResult:
    """What an engine gives back for one batch: each rule's rows, and each rule that could not run."""

    rows: RuleRows = field(default_factory=RuleRows)
    errors: dict[str, str] = field(default_factory=dict)
    errored_subs: dict[str, frozenset[int] | None] = field(default_factory=dict)
    """For each errored rule, the submissions it failed on; None when it failed as a whole
    (a timeout, or a rule that cannot run at all)."""

    def failed(self, rule_id: str, sub: int) -> bool:
        if rule_id not in self.errors:
            return False
        subs = self.errored_subs.get(rule_id)
        return subs is None or sub in subs


class Engine(Protocol):
    """What runs compiled rules over a batch: DuckDB in process, or Spark for data beyond one machine."""

    def run(
        self, batch: Batch, rules: Sequence[CompiledRule], references: Sequence[ReferenceTable] = ()
    ) -> EngineResult: ...


# --- engine-neutral pieces ---------------------------------------------------------------------


class PartFailed(Exception):
    """Raised by an isolation probe: the rule fails on this part of the batch."""


class StopIsolating(Exception):
    """Raised by an isolation probe: stop bisecting and keep the whole-batch error (a timeout, say)."""


def isolate(probe: Callable[[list[int]], list[Row]], subs: list[int]) -> tuple[list[Row], frozenset[int]] | None:
    """A rule that fails on one submission's data must not lose the others' findings: bisect the
    batch until the failing submissions are pinned down.

    ``probe(part)`` runs the rule narrowed to ``part`` and returns its rows, or raises
    ``PartFailed`` (bisect further) or ``StopIsolating`` (give up: None). Returns the rows of the
    parts that ran, and the submissions the rule fails on.
    """
    rows: list[Row] = []
    failed: set[int] = set()
    pending = [subs]
    while pending:
        part = pending.pop()
        try:
            rows += probe(part)
        except PartFailed:
            if len(part) == 1:
                failed.update(part)
            else:
                pending += [part[: len(part) // 2], part[len(part) // 2 :]]
        except StopIsolating:
            return None
    return rows, frozenset(failed)


def narrowed(sql: str, subs: list[int]) -> str:
    """A compiled rule's DuckDB SQL with every data table it reads narrowed to ``subs``,
    so a value that breaks the rule elsewhere in the batch is never evaluated."""
    import sqlglot  # only when a rule fails on part of a batch
    from sqlglot import exp

    keep = ", ".join(str(int(s)) for s in subs)

    def narrow(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and node.name in DATA_TABLE_NAMES and not node.db:
            alias = node.alias or node.name
            table = exp.to_identifier(node.name, quoted=True).sql("duckdb")
            inner = sqlglot.parse_one(f"SELECT * FROM {table} WHERE sub IN ({keep})", read="duckdb")
            return exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))
        return node

    return sqlglot.parse_one(sql, read="duckdb").transform(narrow).sql("duckdb")


def reference_spec(ref: ReferenceTable) -> tuple[TableSpec, dict[str, list[object]]]:
    """A reference table as ``ref_<name>``: text columns and integer valid_from / valid_to, on every engine."""
    cols = [c for c in ref.columns if c not in ("valid_from", "valid_to")]
    index = {c: i for i, c in enumerate(ref.columns)}
    data: dict[str, list[object]] = {c: [row[index[c]] for row in ref.rows] for c in cols}
    for bound in ("valid_from", "valid_to"):
        position = index.get(bound)
        data[bound] = [int(cell) if position is not None and (cell := row[position]) else None for row in ref.rows]
    spec = TableSpec(
        f"ref_{ref.name}",
        "reference table",
        (
            *(Column(c, "VARCHAR", c) for c in cols),
            Column("valid_from", "INTEGER", "first fiscal year"),
            Column("valid_to", "INTEGER", "last fiscal year"),
        ),
    )
    return spec, data


def timeout_message(seconds: float) -> str:
    return f"规则运行超过 {seconds:g} 秒被中止 / rule interrupted after {seconds:g} s"


def failure_message(first_line: str) -> str:
    return f"规则运行出错 / rule failed at run time: {first_line}"


def refusal_message(reason: object) -> str:
    return f"规则被沙箱拒绝 / rule refused by the sandbox: {reason}"
