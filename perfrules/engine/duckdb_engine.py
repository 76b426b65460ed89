"""Run compiled rules on an in-process DuckDB, sandboxed, once per batch.

The data is loaded first; then external access is switched off and the configuration
locked, so no rule can read files, attach databases or install extensions. A watchdog
interrupts a rule that runs past its time and the failure is reported for that rule only.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from perfrules.compile.kinds import CompiledRule
from perfrules.compile.rows import ROW_COLUMNS, Row, decode_row
from perfrules.engine.base import (
    DATA_TABLE_NAMES,
    EngineResult,
    PartFailed,
    RuleRows,
    StopIsolating,
    failure_message,
    isolate,
    narrowed,
    reference_spec,
    refusal_message,
    timeout_message,
)
from perfrules.engine.guard import QueryRejected, verify_select
from perfrules.model.rule import check_identifier
from perfrules.tables.normalize import Batch
from perfrules.tables.spec import TABLES, ReferenceTable, TableSpec

__all__ = [
    "DuckDBEngine",
    "EngineResult",
    "EngineSettings",
    "Row",
    "RuleRows",
    "insert_rows",
    "quoted",
    "shared_engine",
]
LOCATIONS_TABLE = "locations"
OPTIMIZE_FROM_ROWS = 5_000
"""Batches of at least this many rows (all tables) run with DuckDB's optimizer; measured on the
whole pack: 40 vs 58 ms without it at 150 indicator rows, equal near 5 000, 172 vs 98 ms at 20 000."""
PREPARED_LIMIT = 8
FUSED_GROUP = 8
"""Rules per UNION ALL over Arrow tables. At 3M indicator rows, the whole pack as one query
took 2.43 s and 317 MB above its input; groups of 12 rules 2.49 s and 138 MB; of 4, 2.41 s and 107 MB."""
"""Fused statements kept prepared: one per pack and overlay set a process serves, usually one."""


@dataclass(frozen=True)
class EngineSettings:
    memory_limit: str = "4GB"
    threads: int = 2
    rule_timeout_s: float = 60.0
    max_spill: str = "8GB"
    """The most DuckDB may spill to its private temporary folder."""


SMALL_TABLE_ROWS = 64
"""Below this many rows a table goes in as one multi-row INSERT with bound parameters: for a
single submission, importing pyarrow (and numpy with it) costs more than the whole run. Above
it, bound parameters cost about 0.4 ms a row and Arrow wins."""
VIEW_FROM_ROWS = OPTIMIZE_FROM_ROWS
"""From this many rows (or when already in Arrow chunks) a table is scanned in place as a view;
below it the rows are copied into a DuckDB table. A view makes the run columnar, in groups of
``FUSED_GROUP`` rules parsed anew each time; one workbook (100 cell locations) took 115 ms that
way against 25 ms as tables, with the whole pack as one prepared statement."""


def _string_literal(text: str) -> str:
    """A SQL string literal for a value of ours (a temporary path, a size): quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def quoted(name: str) -> str:
    """A table or column name as a quoted SQL identifier; anything but a plain identifier is
    refused, so a name from a file can never close its quotes."""
    return '"' + check_identifier(name) + '"'


def insert_rows(con: duckdb.DuckDBPyConnection, spec: TableSpec, columns: dict[str, list[object]]) -> None:
    names = [c.name for c in spec.all_columns]
    count = len(columns[names[0]]) if names else 0
    if count == 0:
        return
    if count < SMALL_TABLE_ROWS:
        row = "(" + ", ".join("?" for _ in names) + ")"
        values = [value for record in zip(*(columns[n] for n in names), strict=True) for value in record]
        con.execute(f"INSERT INTO {quoted(spec.name)} VALUES {', '.join(row for _ in range(count))}", values)
        return
    from perfrules.tables.columnar import encode

    con.register("_incoming", encode(spec, columns))
    con.execute(f"INSERT INTO {quoted(spec.name)} SELECT * FROM _incoming")
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


class _Session:
    """One sandboxed DuckDB connection and what is loaded into it."""

    def __init__(self, settings: EngineSettings, *, optimize: bool) -> None:
        con = duckdb.connect(":memory:", config={"threads": settings.threads, "memory_limit": settings.memory_limit})
        if not optimize:
            con.execute("SET enable_optimizer = false")
        # Data arrives through registered Arrow tables, which need no file access; and no
        # table name in a rule may resolve to a Python variable of the caller.
        con.execute("SET python_enable_replacements = false")
        # Spills go to a private folder with a cap, removed at exit: never ./.tmp of wherever
        # perfrules runs, and never up to 90% of the disk. Set before the configuration is locked.
        spill = tempfile.mkdtemp(prefix="perfrules-spill-")
        atexit.register(shutil.rmtree, spill, True)
        con.execute("SET temp_directory = " + _string_literal(spill))
        con.execute("SET max_temp_directory_size = " + _string_literal(settings.max_spill))
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        self.con = con
        self.watchdog = _Watchdog(con)
        self.references: dict[str, ReferenceTable] = {}
        self.tables: set[str] = set()
        """Data tables that exist as DuckDB tables (small ones, filled by INSERT)."""
        self.views: set[str] = set()
        """Data tables registered as Arrow, scanned in place (big ones)."""
        self.prepared: dict[str, str] = {}
        """Fused SQL → name of its prepared statement."""
        self.verified: set[str] = set()
        """Queries that passed the guard against the tables loaded now."""

    def guard(self, sql: str) -> None:
        """Raise QueryRejected unless ``sql`` is one SELECT over this session's tables."""
        if sql in self.verified:
            return
        tables = {*DATA_TABLE_NAMES, LOCATIONS_TABLE, *(f"ref_{name}" for name in self.references)}
        verify_select(self.con, sql, tables)
        self.verified.add(sql)

    def load(self, batch: Batch, references: Sequence[ReferenceTable]) -> None:
        for name, data in batch.tables.items():
            if data.chunks or len(data) >= VIEW_FROM_ROWS:
                self._as_view(name, data.arrow())
            else:
                self._as_table(name)
                insert_rows(self.con, TABLES[name], data.columns)
        for ref in references:
            if self.references.get(ref.name) != ref:
                DuckDBEngine.load_reference(self.con, ref)
                self.references[ref.name] = ref
                self.verified.clear()

    def _as_view(self, name: str, table: Any) -> None:
        """Big tables are scanned where they are: copying 10M rows into DuckDB took longer
        than running every rule over them."""
        if name in self.tables:
            self.con.execute(f"DROP TABLE {quoted(name)}")
            self.tables.discard(name)
            self.forget_prepared()
        self.con.register(name, table)
        self.views.add(name)

    def _as_table(self, name: str) -> None:
        if name not in self.tables:
            self.con.execute(TABLES[name].ddl())
            self.tables.add(name)

    def clear(self, batch: Batch) -> None:
        """Free the batch's memory now, not at the next run."""
        for name in self.views:
            self.con.unregister(name)
        self.views.clear()
        for name, data in batch.tables.items():
            if name in self.tables and len(data):
                self.con.execute(f"DELETE FROM {quoted(name)}")

    def statement(self, sql: str) -> str:
        """EXECUTE of the fused query, prepared once: the same pack runs again and again."""
        name = self.prepared.get(sql)
        if name is None:
            if len(self.prepared) >= PREPARED_LIMIT:
                self.forget_prepared()
            name = self.prepared[sql] = f"perfrules_fused_{len(self.prepared)}"
            self.con.execute(f"PREPARE {name} AS {sql}")
        return f"EXECUTE {name}"

    def forget_prepared(self) -> None:
        for name in self.prepared.values():
            self.con.execute(f"DEALLOCATE PREPARE {name}")
        self.prepared.clear()


class DuckDBEngine:
    """A sandboxed in-process DuckDB, created once and reused for every batch.

    Opening DuckDB costs tens of milliseconds, more than validating a submission, so the
    connection lives as long as the engine; each run replaces the tables under a lock.

    Small batches run on a second connection with DuckDB's optimizer off: on one submission
    optimizing the pack's query took 80% of running it (17 ms of 21), while a plain plan over
    a few hundred rows costs nothing. From ``OPTIMIZE_FROM_ROWS`` rows on, the optimized plan wins.
    """

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()
        self._lock = threading.Lock()
        self._sessions: dict[bool, _Session] = {}

    def _session(self, optimize: bool) -> _Session:
        session = self._sessions.get(optimize)
        if session is None:
            session = self._sessions[optimize] = _Session(self.settings, optimize=optimize)
        return session

    @staticmethod
    def load_reference(con: duckdb.DuckDBPyConnection, ref: ReferenceTable) -> None:
        spec, data = reference_spec(ref)
        con.execute(f"DROP TABLE IF EXISTS {quoted(spec.name)}")
        con.execute(spec.ddl())
        insert_rows(con, spec, data)

    def run(
        self, batch: Batch, rules: Sequence[CompiledRule], references: Sequence[ReferenceTable] = ()
    ) -> EngineResult:
        result = EngineResult()
        # Every kind drives its query from the located table: no rows there, no findings.
        live = [r for r in rules if len(batch.tables[r.located_table])]
        for rule in rules:
            result.rows[rule.rule_id] = []
        # Without cells to point at (every JSON input), the join to ``locations`` is skipped.
        located = len(batch.tables[LOCATIONS_TABLE]) > 0
        size = sum(len(data) for data in batch.tables.values())
        with self._lock:
            session = self._session(optimize=size >= OPTIMIZE_FROM_ROWS)
            try:
                session.load(batch, references)
                # Over big tables, a UNION ALL of every rule keeps every rule's hash tables alive
                # at once; groups of FUSED_GROUP rules ran as fast with a third of the memory.
                step = FUSED_GROUP if session.views else max(len(live), 1)
                subs = list(range(len(batch.sources)))
                for start in range(0, len(live), step):
                    group = live[start : start + step]
                    if self._run_fused(session, group, result, located=located):
                        continue
                    for rule in group:
                        self._run_one(session, rule, result, located=located)
                        if (
                            rule.rule_id in result.errors
                            and len(subs) > 1
                            and not session.watchdog.fired
                            and rule.rule_id not in result.errored_subs
                        ):
                            self._isolate(session, rule, subs, result, located=located)
            finally:
                session.clear(batch)
        return result

    def _run_fused(
        self, session: _Session, rules: Sequence[CompiledRule], result: EngineResult, *, located: bool
    ) -> bool:
        """All rules as one UNION ALL: one plan and one round trip instead of one per rule.

        Any failure (a broken rule, the deadline) returns False and the caller runs the rules
        one by one, so the failure is pinned on its rule and the others still report.
        """
        if len(rules) < 2:
            return False
        try:
            sql = "\nUNION ALL\n".join(_wrapped(i, rule, located=located) for i, rule in enumerate(rules))
            session.guard(sql)
        except (QueryRejected, ValueError):
            return False  # one by one, so the rejection is pinned on its rule
        # Arrow tables in, Arrow rows out: pyarrow is loaded already, and a big batch's
        # findings need not become Python objects until they are read.
        columnar = bool(session.views)
        # One rule's budget for the whole statement: past it, the rules run one by one, each with
        # its own budget, so a slow rule is named within about twice its timeout, not N times.
        session.watchdog.arm(self.settings.rule_timeout_s)
        try:
            if columnar:
                fetched_arrow = session.con.sql(sql).to_arrow_table()
            else:
                fetched = session.con.execute(session.statement(sql)).fetchall()
        except duckdb.Error:
            session.forget_prepared()
            return False
        finally:
            session.watchdog.disarm()
        if columnar:
            _split_by_rule(fetched_arrow, rules, result.rows)
            return True
        for values in fetched:
            rule = rules[values[0]]
            result.rows[rule.rule_id].append(decode_row(values))
        return True

    def _run_one(self, session: _Session, rule: CompiledRule, result: EngineResult, *, located: bool) -> None:
        watchdog = session.watchdog
        watchdog.arm(self.settings.rule_timeout_s)
        try:
            sql = _wrapped(0, rule, located=located)
            session.guard(sql)
            result.rows[rule.rule_id] = [decode_row(values) for values in session.con.execute(sql).fetchall()]
        except (QueryRejected, ValueError) as exc:
            result.errors[rule.rule_id] = refusal_message(exc)
            result.errored_subs[rule.rule_id] = None
        except duckdb.Error as exc:
            if watchdog.fired:
                result.errors[rule.rule_id] = timeout_message(self.settings.rule_timeout_s)
            else:
                result.errors[rule.rule_id] = failure_message(str(exc).splitlines()[0])
        finally:
            watchdog.disarm()

    def _isolate(
        self, session: _Session, rule: CompiledRule, subs: list[int], result: EngineResult, *, located: bool
    ) -> None:
        """Pin a rule that fails on part of the batch to the submissions that cause it."""
        watchdog = session.watchdog

        def probe(part: list[int]) -> list[Row]:
            watchdog.arm(self.settings.rule_timeout_s)
            try:
                sql = _wrapped(0, rule, part, located=located)
                session.guard(sql)
                return [decode_row(values) for values in session.con.execute(sql).fetchall()]
            except (QueryRejected, ValueError):
                raise StopIsolating from None
            except (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException):
                # Wrong whatever the data: bisecting would run the rule twice per submission for nothing.
                raise StopIsolating from None
            except duckdb.Error:
                if watchdog.fired:
                    raise StopIsolating from None  # too slow on part of the batch: keep the whole-batch error
                raise PartFailed from None
            finally:
                watchdog.disarm()

        outcome = isolate(probe, subs)
        if outcome is not None:
            result.rows[rule.rule_id], result.errored_subs[rule.rule_id] = outcome


def _wrapped(index: int, rule: CompiledRule, subs: list[int] | None = None, *, located: bool = True) -> str:
    """One rule's rows in a shape shared by all rules; evidence travels as a JSON object,
    decoded with exact decimals, so the fused and the one-by-one paths render alike.

    With ``subs``, every data table the rule reads is narrowed to those submissions first,
    so a value that breaks the rule elsewhere in the batch is never evaluated.
    """
    # Evidence names are identifiers (checked again here: a cached or hand-built rule skips the
    # loader), so neither the string literal nor the quoted name can be closed from inside.
    pairs = ", ".join(f"'ev_{check_identifier(name)}', r.\"ev_{name}\"" for name in rule.evidence)
    evidence = f"json_object({pairs})" if pairs else "NULL"
    sql = rule.sql if located or not rule.unlocated_sql else rule.unlocated_sql
    if subs is not None:
        sql = narrowed(sql, subs)
    return f"SELECT {index} AS rule_index, {', '.join('r.' + c for c in ROW_COLUMNS)}, {evidence} AS evidence FROM ({sql}) r"


def _split_by_rule(fetched: Any, rules: Sequence[CompiledRule], out: RuleRows) -> None:
    import pyarrow.compute as pc

    from perfrules.tables.columnar import scalar

    column = fetched.column("rule_index")
    for index in column.unique().to_pylist():
        out.put_arrow(rules[index].rule_id, fetched.filter(pc.equal(column, scalar(index, column.type))))


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
