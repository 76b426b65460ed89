"""Run compiled rules on an in-process DuckDB, sandboxed, once per batch.

The data is loaded first; then external access is switched off and the configuration
locked, so no rule can read files, attach databases or install extensions. A watchdog
interrupts a rule that runs past its time and the failure is reported for that rule only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from perfrules.compile.kinds import CompiledRule
from perfrules.engine.arrow_load import insert_sql, staging_table
from perfrules.tables.normalize import Batch
from perfrules.tables.spec import TABLES, Column, ReferenceTable, TableSpec

Row = dict[str, Any]


@dataclass
class EngineResult:
    rows: dict[str, list[Row]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineSettings:
    memory_limit: str = "4GB"
    threads: int = 2
    rule_timeout_s: float = 60.0


def _year(cell: str | None) -> int | None:
    return int(cell) if cell else None


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
        for name, data in batch.tables.items():
            spec = TABLES[name]
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
            con.execute(spec.ddl())
            if len(data):
                con.register("_incoming", staging_table(spec, data.columns))
                con.execute(insert_sql(spec, "_incoming"))
                con.unregister("_incoming")
        for ref in references:
            if self._references.get(ref.name) != ref:
                self._load_reference(con, ref)
                self._references[ref.name] = ref

    @staticmethod
    def _load_reference(con: duckdb.DuckDBPyConnection, ref: ReferenceTable) -> None:
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
        con.register("_ref", staging_table(spec, data))
        con.execute(insert_sql(spec, "_ref"))
        con.unregister("_ref")

    def run(self, batch: Batch, rules: Sequence[CompiledRule], references: Sequence[ReferenceTable] = ()) -> EngineResult:
        result = EngineResult()
        with self._lock:
            con, watchdog = self._connection()
            self._load(con, batch, references)
            try:
                for rule in rules:
                    self._run_one(con, watchdog, rule, result)
            finally:
                for name in batch.tables:  # free the batch's memory now, not at the next run
                    con.execute(f'DELETE FROM "{name}"')
        return result

    def _run_one(
        self, con: duckdb.DuckDBPyConnection, watchdog: _Watchdog, rule: CompiledRule, result: EngineResult
    ) -> None:
        watchdog.arm(self.settings.rule_timeout_s)
        try:
            cursor = con.execute(rule.sql)
            names = [d[0] for d in cursor.description or ()]
            result.rows[rule.rule_id] = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
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
