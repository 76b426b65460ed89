"""Run compiled rules on an in-process DuckDB, sandboxed, once per batch.

The data is loaded first; then external access is switched off and the configuration
locked, so no rule can read files, attach databases or install extensions. A watchdog
interrupts a rule that runs past its time and the failure is reported for that rule only.
"""

from __future__ import annotations

import threading
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


class DuckDBEngine:
    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()

    def connect(self, batch: Batch, references: Sequence[ReferenceTable]) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(
            ":memory:",
            config={"threads": self.settings.threads, "memory_limit": self.settings.memory_limit},
        )
        for name, data in batch.tables.items():
            spec = TABLES[name]
            con.execute(spec.ddl())
            if len(data):
                con.register("_incoming", staging_table(spec, data.columns))
                con.execute(insert_sql(spec, "_incoming"))
                con.unregister("_incoming")
        for ref in references:
            self._load_reference(con, ref)
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        return con

    @staticmethod
    def _load_reference(con: duckdb.DuckDBPyConnection, ref: ReferenceTable) -> None:
        cols = [c for c in ref.columns if c not in ("valid_from", "valid_to")]
        ddl = ", ".join([*(f'"{c}" VARCHAR' for c in cols), "valid_from INTEGER", "valid_to INTEGER"])
        con.execute(f'CREATE TABLE "ref_{ref.name}" ({ddl})')
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
        con.register("_ref", staging_table(spec, data))
        con.execute(insert_sql(spec, "_ref"))
        con.unregister("_ref")

    def run(self, batch: Batch, rules: Sequence[CompiledRule], references: Sequence[ReferenceTable] = ()) -> EngineResult:
        result = EngineResult()
        con = self.connect(batch, references)
        try:
            for rule in rules:
                self._run_one(con, rule, result)
        finally:
            con.close()
        return result

    def _run_one(self, con: duckdb.DuckDBPyConnection, rule: CompiledRule, result: EngineResult) -> None:
        timed_out = threading.Event()

        def interrupt() -> None:
            timed_out.set()
            con.interrupt()

        watchdog = threading.Timer(self.settings.rule_timeout_s, interrupt)
        watchdog.start()
        try:
            cursor = con.execute(rule.sql)
            names = [d[0] for d in cursor.description or ()]
            result.rows[rule.rule_id] = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        except duckdb.Error as exc:
            if timed_out.is_set():
                result.errors[rule.rule_id] = (
                    f"规则运行超过 {self.settings.rule_timeout_s:g} 秒被中止 / rule interrupted after "
                    f"{self.settings.rule_timeout_s:g} s"
                )
            else:
                result.errors[rule.rule_id] = f"规则运行出错 / rule failed at run time: {str(exc).splitlines()[0]}"
        finally:
            watchdog.cancel()
