"""Run compiled rules on an in-process DuckDB, sandboxed, once per batch.

The data is loaded first; then external access is switched off and the configuration
locked, so no rule can read files, attach databases or install extensions. A watchdog
interrupts a rule that runs past its time and the failure is reported for that rule only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from perfrules.compile.kinds import CompiledRule
from perfrules.tables.normalize import Batch
from perfrules.tables.spec import DATA_TABLES, TABLES, Column, ReferenceTable, TableSpec

DATA_TABLE_NAMES = frozenset(t.name for t in DATA_TABLES)

Row = dict[str, Any]


@dataclass
class EngineResult:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    errored_subs: dict[str, frozenset[int] | None] = field(default_factory=dict)
    """For each errored rule, the submissions it failed on; None when it failed as a whole
    (a timeout, or a rule that cannot run at all)."""

    def failed(self, rule_id: str, sub: int) -> bool:
        if rule_id not in self.errors:
            return False
        subs = self.errored_subs.get(rule_id)
        return subs is None or sub in subs


@dataclass(frozen=True)
class EngineSettings:
    memory_limit: str = "4GB"
    threads: int = 2
    rule_timeout_s: float = 60.0


def _year(cell: str | None) -> int | None:
    return int(cell) if cell else None


SMALL_TABLE_ROWS = 64
"""Below this many rows a table goes in as one multi-row INSERT with bound parameters: for a
single submission, importing pyarrow (and numpy with it) costs more than the whole run. Above
it, bound parameters cost about 0.4 ms a row and Arrow wins."""


def insert_rows(con: duckdb.DuckDBPyConnection, spec: TableSpec, columns: dict[str, list[object]]) -> None:
    names = [c.name for c in spec.all_columns]
    count = len(columns[names[0]]) if names else 0
    if count == 0:
        return
    if count < SMALL_TABLE_ROWS:
        row = "(" + ", ".join("?" for _ in names) + ")"
        values = [value for record in zip(*(columns[n] for n in names), strict=True) for value in record]
        con.execute(f'INSERT INTO "{spec.name}" VALUES {", ".join(row for _ in range(count))}', values)
        return
    from perfrules.engine.arrow_load import insert_sql, staging_table

    con.register("_incoming", staging_table(spec, columns))
    con.execute(insert_sql(spec, "_incoming"))
    con.unregister("_incoming")


class _Watchdog:
    """One thread per engine that interrupts the running rule once its deadline passes.

    A timer thread per rule cost more than most rules take to run.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self.fired = False
        threading.Thread(target=self._watch, daemon=True, name="perfrules-watchdog").start()

    def arm(self, seconds: float) -> None:
        with self._cond:
            self.fired = False
            self._deadline = time.monotonic() + seconds
            self._cond.notify()

    def disarm(self) -> None:
        with self._cond:
            self._deadline = None

    def _watch(self) -> None:
        with self._cond:
            while True:
                if self._deadline is None:
                    self._cond.wait()
                    continue
                remaining = self._deadline - time.monotonic()
                if remaining > 0:
                    self._cond.wait(remaining)
                    continue
                self.fired = True
                self._deadline = None
                self._con.interrupt()


class DuckDBEngine:
    """A sandboxed in-process DuckDB, created once and reused for every batch.

    Opening DuckDB costs tens of milliseconds, more than validating a submission, so the
    connection lives as long as the engine; each run replaces the tables under a lock.
    """

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._watchdog: _Watchdog | None = None
        self._references: dict[str, ReferenceTable] = {}
        self._created = False

    def _connection(self) -> tuple[duckdb.DuckDBPyConnection, _Watchdog]:
        if self._con is None or self._watchdog is None:
            con = duckdb.connect(
                ":memory:", config={"threads": self.settings.threads, "memory_limit": self.settings.memory_limit}
            )
            # Data arrives through registered Arrow tables, which need no file access.
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            self._con, self._watchdog = con, _Watchdog(con)
        return self._con, self._watchdog

    def _load(self, con: duckdb.DuckDBPyConnection, batch: Batch, references: Sequence[ReferenceTable]) -> None:
        if not self._created:
            for name in batch.tables:
                con.execute(TABLES[name].ddl())
            self._created = True
        for name, data in batch.tables.items():
            if len(data):
                insert_rows(con, TABLES[name], data.columns)
        for ref in references:
            if self._references.get(ref.name) != ref:
                self.load_reference(con, ref)
                self._references[ref.name] = ref

    @staticmethod
    def load_reference(con: duckdb.DuckDBPyConnection, ref: ReferenceTable) -> None:
        cols = [c for c in ref.columns if c not in ("valid_from", "valid_to")]
        index = {c: i for i, c in enumerate(ref.columns)}
        data: dict[str, list[object]] = {c: [row[index[c]] for row in ref.rows] for c in cols}
        for bound in ("valid_from", "valid_to"):
            position = index.get(bound)
            data[bound] = [_year(row[position]) if position is not None else None for row in ref.rows]
        spec = TableSpec(
            f"ref_{ref.name}",
            "reference table",
            (
                *(Column(c, "VARCHAR", c) for c in cols),
                Column("valid_from", "INTEGER", "first fiscal year"),
                Column("valid_to", "INTEGER", "last fiscal year"),
            ),
        )
        con.execute(f'DROP TABLE IF EXISTS "{spec.name}"')
        con.execute(spec.ddl())
        insert_rows(con, spec, data)

    def run(self, batch: Batch, rules: Sequence[CompiledRule], references: Sequence[ReferenceTable] = ()) -> EngineResult:
        result = EngineResult()
        # Every kind drives its query from the located table: no rows there, no findings.
        live = [r for r in rules if len(batch.tables[r.located_table])]
        result.rows.update({r.rule_id: [] for r in rules})
        with self._lock:
            con, watchdog = self._connection()
            self._load(con, batch, references)
            try:
                if not self._run_fused(con, watchdog, live, result):
                    subs = list(range(len(batch.sources)))
                    for rule in live:
                        self._run_one(con, watchdog, rule, result)
                        if rule.rule_id in result.errors and len(subs) > 1 and not watchdog.fired:
                            self._isolate(con, watchdog, rule, subs, result)
            finally:
                for name, data in batch.tables.items():  # free the batch's memory now, not at the next run
                    if len(data):
                        con.execute(f'DELETE FROM "{name}"')
        return result

    def _run_fused(
        self, con: duckdb.DuckDBPyConnection, watchdog: _Watchdog, rules: Sequence[CompiledRule], result: EngineResult
    ) -> bool:
        """All rules as one UNION ALL: one plan and one round trip instead of one per rule.

        Any failure (a broken rule, the deadline) returns False and the caller runs the rules
        one by one, so the failure is pinned on its rule and the others still report.
        """
        if len(rules) < 2:
            return False
        sql = "\nUNION ALL\n".join(_wrapped(i, rule) for i, rule in enumerate(rules))
        watchdog.arm(self.settings.rule_timeout_s * len(rules))
        try:
            fetched = con.execute(sql).fetchall()
        except duckdb.Error:
            return False
        finally:
            watchdog.disarm()
        for values in fetched:
            rule = rules[values[0]]
            result.rows[rule.rule_id].append(_row(values))
        return True

    def _run_one(
        self, con: duckdb.DuckDBPyConnection, watchdog: _Watchdog, rule: CompiledRule, result: EngineResult
    ) -> None:
        watchdog.arm(self.settings.rule_timeout_s)
        try:
            result.rows[rule.rule_id] = [_row(values) for values in con.execute(_wrapped(0, rule)).fetchall()]
        except duckdb.Error as exc:
            if watchdog.fired:
                result.errors[rule.rule_id] = (
                    f"规则运行超过 {self.settings.rule_timeout_s:g} 秒被中止 / rule interrupted after "
                    f"{self.settings.rule_timeout_s:g} s"
                )
            else:
                result.errors[rule.rule_id] = f"规则运行出错 / rule failed at run time: {str(exc).splitlines()[0]}"
        finally:
            watchdog.disarm()


    def _isolate(
        self, con: duckdb.DuckDBPyConnection, watchdog: _Watchdog, rule: CompiledRule, subs: list[int], result: EngineResult
    ) -> None:
        """A rule that fails on one submission's data must not lose the others' findings:
        bisect the batch until the failing submissions are pinned down."""
        rows: list[Row] = []
        failed: set[int] = set()
        pending = [subs]
        while pending:
            part = pending.pop()
            watchdog.arm(self.settings.rule_timeout_s)
            try:
                fetched = con.execute(_wrapped(0, rule, part)).fetchall()
            except duckdb.Error:
                if watchdog.fired:
                    return  # too slow on part of the batch: keep the whole-batch error
                if len(part) == 1:
                    failed.update(part)
                else:
                    pending += [part[: len(part) // 2], part[len(part) // 2 :]]
                continue
            finally:
                watchdog.disarm()
            rows += [_row(values) for values in fetched]
        result.rows[rule.rule_id] = rows
        result.errored_subs[rule.rule_id] = frozenset(failed)


_ROW_COLUMNS = ("sub", "rid", "path", "ident_0", "ident_1", "ident_2", "location")


def _wrapped(index: int, rule: CompiledRule, subs: list[int] | None = None) -> str:
    """One rule's rows in a shape shared by all rules; evidence travels as a JSON object,
    decoded with exact decimals, so the fused and the one-by-one paths render alike.

    With ``subs``, every data table the rule reads is narrowed to those submissions first,
    so a value that breaks the rule elsewhere in the batch is never evaluated.
    """
    pairs = ", ".join(f"'ev_{name}', r.\"ev_{name}\"" for name in rule.evidence)
    evidence = f"json_object({pairs})" if pairs else "NULL"
    sql = rule.sql if subs is None else _narrowed(rule.sql, subs)
    return f"SELECT {index} AS rule_index, {', '.join('r.' + c for c in _ROW_COLUMNS)}, {evidence} AS evidence FROM ({sql}) r"


def _narrowed(sql: str, subs: list[int]) -> str:
    keep = ", ".join(str(s) for s in subs)

    def narrow(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and node.name in DATA_TABLE_NAMES and not node.db:
            alias = node.alias or node.name
            inner = sqlglot.parse_one(f'SELECT * FROM "{node.name}" WHERE sub IN ({keep})', read="duckdb")
            return exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))
        return node

    return sqlglot.parse_one(sql, read="duckdb").transform(narrow).sql("duckdb")


def _row(values: tuple[Any, ...]) -> Row:
    row: Row = dict(zip(_ROW_COLUMNS, values[1:8], strict=True))
    if values[8] is not None:
        row.update(json.loads(values[8], parse_float=Decimal))
    return row


_SHARED: dict[EngineSettings, DuckDBEngine] = {}
_SHARED_LOCK = threading.Lock()


def shared_engine(settings: EngineSettings | None = None) -> DuckDBEngine:
    """One engine per settings for the process, so repeated validate() calls stay warm."""
    key = settings or EngineSettings()
    with _SHARED_LOCK:
        engine = _SHARED.get(key)
        if engine is None:
            engine = _SHARED[key] = DuckDBEngine(key)
        return engine
