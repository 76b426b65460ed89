"""Run compiled rules on Spark SQL, with the same findings as the embedded DuckDB engine.

The SQL is translated in ``spark_sql`` (no pyspark needed there); this module holds the
session: loading the batch as cached temporary views, running each rule under a deadline,
and pinning a rule that fails on part of the batch to its submissions, as DuckDB does.

pyspark is an optional extra, imported only when a SparkEngine is created.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot.errors import SqlglotError

from perfrules.compile.kinds import CompiledRule
from perfrules.compile.rows import Row
from perfrules.engine.base import (
    EngineResult,
    PartFailed,
    StopIsolating,
    failure_message,
    isolate,
    narrowed,
    reference_spec,
    refusal_message,
    timeout_message,
)
from perfrules.engine.guard import QueryRejected, verify_tree
from perfrules.engine.spark_regex import NotPortable
from perfrules.engine.spark_sql import Schema, table_schema, to_spark_sql
from perfrules.errors import MissingDependency
from perfrules.tables.normalize import Batch
from perfrules.tables.spec import TABLES, ReferenceTable, TableSpec

DEFAULT_MASTER = "local[2]"

# Settings the compiled SQL relies on. They are set on the engine's own session, so a
# session the caller passes in keeps its configuration and its temporary views.
SESSION_CONF: dict[str, str] = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    # sqlglot writes backslash escapes in Spark string literals; this legacy flag would turn them off.
    "spark.sql.parser.escapedStringLiterals": "false",
    "spark.sql.caseSensitive": "false",
}
LOCAL_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",  # the default 200 costs seconds per rule on a laptop
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def _spark_schema(spec: TableSpec, types: Any) -> Any:
    factories: dict[str, Callable[[], Any]] = {
        "VARCHAR": types.StringType,
        "INTEGER": types.IntegerType,
        "BIGINT": types.LongType,
        "DECIMAL(18,4)": lambda: types.DecimalType(18, 4),
        "DATE": types.DateType,
        "BOOLEAN": types.BooleanType,
    }
    return types.StructType([types.StructField(c.name, factories[c.type](), c.nullable) for c in spec.all_columns])


def _rows(spec: TableSpec, columns: Mapping[str, list[object]]) -> Iterator[tuple[object, ...]]:
    return zip(*(columns[c.name] for c in spec.all_columns), strict=True)


def _pyspark() -> tuple[Any, Any, tuple[type[BaseException], ...]]:
    try:
        # The ignores cover a type check run without the extra installed (CI installs only [test]).
        from pyspark.errors import PySparkException  # type: ignore[import-not-found,unused-ignore]
        from pyspark.sql import SparkSession, types  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise MissingDependency.for_extra("spark", "pyspark", "Spark 引擎", "the Spark engine") from exc
    failures: tuple[type[BaseException], ...] = (PySparkException,)
    try:  # Spark Connect runs without py4j; classic Spark raises Py4JJavaError for uncaught JVM errors
        from py4j.protocol import Py4JError  # type: ignore[import-untyped,import-not-found,unused-ignore]

        failures += (Py4JError,)
    except ImportError:
        pass
    return SparkSession, types, failures


def _running(session_cls: Any) -> bool:
    """Whether this process already has a Spark session that getOrCreate would return."""
    if session_cls.getActiveSession() is not None:
        return True
    try:
        from pyspark import SparkContext  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # the Spark Connect client package has no SparkContext
        return False
    return getattr(SparkContext, "_active_spark_context", None) is not None


def _start(builder: Any, failures: tuple[type[BaseException], ...]) -> Any:
    try:
        return builder.getOrCreate()
    except failures as exc:
        # Without a JVM pyspark only says its gateway exited; say what to install instead.
        if "JAVA_GATEWAY_EXITED" not in str(exc):
            raise
        raise MissingDependency(
            "Spark 引擎需要 Java 17 或 21（java -version，或设置 JAVA_HOME）/ the Spark engine needs "
            "Java 17 or 21 (java -version, or set JAVA_HOME)",
            extra="spark",
            package="java",
        ) from exc


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # py4j's own first line names the Java call, not the problem; the JVM's message follows ": ".
    useful = [line for line in lines if not line.startswith("An error occurred while calling")]
    return (useful or lines or [type(exc).__name__])[0].lstrip(": ")


class SparkEngine:
    """Runs compiled rules on a Spark session; ``run`` has the same contract as DuckDBEngine.run.

    ``spark`` is an existing SparkSession, a master URL (``local[4]``, ``spark://host:7077``,
    ``yarn``, ``k8s://…``) or a Spark Connect URL (``sc://host:15002``); default ``local[2]``.
    The engine works in a new session of it (``newSession``), so the caller's temporary views
    and SQL settings are left alone. A rule that runs past ``rule_timeout_s`` is cancelled.
    """

    def __init__(
        self, spark: Any = None, *, rule_timeout_s: float | None = 600.0, conf: Mapping[str, str] | None = None
    ) -> None:
        session_cls, self._types, self._failures = _pyspark()
        self.rule_timeout_s = rule_timeout_s
        self._lock = threading.Lock()
        self._owned: Any = None
        if spark is None or isinstance(spark, str):
            builder = session_cls.builder.appName("perfrules")
            url = spark or DEFAULT_MASTER
            builder = builder.remote(url) if url.startswith("sc://") else builder.master(url)
            local = url.startswith("local")
            for key, value in {**(LOCAL_CONF if local else {}), **(conf or {})}.items():
                builder = builder.config(key, value)
            running = _running(session_cls)
            spark = _start(builder, self._failures)
            if not running:  # getOrCreate joins a session that is already up; that one is not ours to stop
                self._owned = spark
                if not url.startswith("sc://"):
                    # A rule failing at run time is reported in the report; Spark would also log its stack trace.
                    spark.sparkContext.setLogLevel("FATAL")
        self.spark: Any = self._isolated(spark, conf or {})
        self._references: dict[str, ReferenceTable] = {}
        self._schema: Schema = table_schema()
        self._transpiled: dict[str, str] = {}

    @staticmethod
    def _isolated(spark: Any, conf: Mapping[str, str]) -> Any:
        try:
            session = spark.newSession()
        except (AttributeError, NotImplementedError):  # Spark Connect before 4.3 cannot open another session
            session = spark
        for key, value in {**SESSION_CONF, **conf}.items():
            # Only what differs is set: setting a deprecated flag, even to its default, logs a warning.
            if key.startswith("spark.sql.") and session.conf.get(key, None) != value:
                session.conf.set(key, value)
        return session

    def close(self) -> None:
        """Stop the session if this engine started it; a session passed in is the caller's to stop."""
        if self._owned is not None:
            self._owned.stop()
            self._owned = None

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading ----------------------------------------------------------------------------

    def _view(self, spec: TableSpec, columns: Mapping[str, list[object]]) -> None:
        frame = self.spark.createDataFrame(list(_rows(spec, columns)), _spark_schema(spec, self._types))
        # Every rule scans the same few tables: cache them once instead of re-reading Python rows per rule.
        frame.cache().createOrReplaceTempView(spec.name)

    def _drop(self, name: str) -> None:
        if self.spark.catalog.tableExists(name):
            self.spark.table(name).unpersist()
            self.spark.catalog.dropTempView(name)

    def _load(self, batch: Batch, references: Sequence[ReferenceTable]) -> None:
        for name, spec in TABLES.items():
            data = batch.tables.get(name)
            self._view(spec, data.column_lists() if data is not None else {c: [] for c in spec.column_names})
        for ref in references:
            if self._references.get(ref.name) != ref:
                spec, columns = reference_spec(ref)
                self._drop(spec.name)
                self._view(spec, columns)
                self._references[ref.name] = ref
        self._schema = table_schema(list(self._references.values()))

    # -- running ----------------------------------------------------------------------------

    def transpile(self, sql: str) -> str:
        """The Spark SQL run for one compiled rule (cached: a pack's SQL does not change between batches)."""
        spark_sql = self._transpiled.get(sql)
        if spark_sql is None:
            # The sandbox's wall, as on DuckDB: one query over the loaded tables, or nothing.
            verify_tree(sqlglot.parse_one(sql, read="duckdb"), self._schema)
            spark_sql = self._transpiled[sql] = to_spark_sql(sql, self._schema)
        return spark_sql

    def query(self, sql: str) -> list[Row]:
        """Run one DuckDB-dialect query on the loaded tables, as a rule would be run."""
        frame = self.spark.sql(self.transpile(sql))
        names = list(frame.columns)
        return [dict(zip(names, values, strict=True)) for values in frame.collect()]

    def _collect(self, frame: Any, deadline: _Deadline | None = None) -> list[Any]:
        if deadline is None:
            return list(frame.collect())
        with deadline:
            return list(frame.collect())

    def run(
        self, batch: Batch, rules: Sequence[CompiledRule], references: Sequence[ReferenceTable] = ()
    ) -> EngineResult:
        result = EngineResult()
        subs = list(range(len(batch.sources)))
        with self._lock:
            self._load(batch, references)
            try:
                for rule in rules:
                    if not self._run_one(rule, result) and len(subs) > 1:
                        self._isolate(rule, subs, result)
            finally:
                for name in TABLES:  # free the batch's memory now, not at the next run
                    self._drop(name)
        return result

    def _query_rows(self, spark_sql: str, deadline: _Deadline | None) -> list[Row]:
        frame = self.spark.sql(spark_sql)
        names = list(frame.columns)
        return [dict(zip(names, values, strict=True)) for values in self._collect(frame, deadline)]

    def _deadline(self) -> _Deadline | None:
        return _Deadline(self.spark, self.rule_timeout_s) if self.rule_timeout_s is not None else None

    def _run_one(self, rule: CompiledRule, result: EngineResult) -> bool:
        """Run one rule; False when it failed at run time on its data (worth isolating)."""
        try:
            spark_sql = self.transpile(rule.sql)
        except QueryRejected as exc:
            result.errors[rule.rule_id] = refusal_message(exc)
            return True
        except (SqlglotError, NotPortable) as exc:
            result.errors[rule.rule_id] = f"规则无法转换为 Spark SQL / rule cannot run on Spark: {_first_line(exc)}"
            return True
        deadline = self._deadline()
        try:
            result.rows[rule.rule_id] = self._query_rows(spark_sql, deadline)
        except self._failures as exc:
            if deadline is not None and deadline.fired:
                result.errors[rule.rule_id] = timeout_message(deadline.seconds)
                return True
            result.errors[rule.rule_id] = failure_message(_first_line(exc))
            return False
        return True

    def _isolate(self, rule: CompiledRule, subs: list[int], result: EngineResult) -> None:
        """Pin a rule that fails on part of the batch to the submissions that cause it, as on DuckDB."""

        def probe(part: list[int]) -> list[Row]:
            deadline = self._deadline()
            try:
                return self._query_rows(self.transpile(narrowed(rule.sql, part)), deadline)
            except (QueryRejected, SqlglotError, NotPortable):
                raise StopIsolating from None
            except self._failures:
                if deadline is not None and deadline.fired:
                    raise StopIsolating from None
                raise PartFailed from None

        outcome = isolate(probe, subs)
        if outcome is not None:
            result.rows[rule.rule_id], result.errored_subs[rule.rule_id] = outcome


class _Deadline:
    """Cancels the Spark jobs started inside the block once ``seconds`` have passed.

    Classic Spark cancels by job tag on the SparkContext (tags are per thread, cancelling is
    not), and interrupts the running tasks; SparkSession.interruptTag would only see tags added
    on its own thread. Spark Connect has no SparkContext and interrupts tagged operations on
    the server. A cancel reaches only jobs already running, and planning a query can take a
    while, so once the deadline has passed it is repeated until the block ends.
    """

    REPEAT_S = 0.5
    _INTERRUPT = "spark.job.interruptOnCancel"

    def __init__(self, spark: Any, seconds: float) -> None:
        self.seconds = seconds
        self.tag = f"perfrules-{uuid.uuid4().hex}"
        self.fired = False
        self._connect = type(spark).__module__.startswith("pyspark.sql.connect")
        self._spark = spark
        self._interrupt_before: str | None = None
        self._done = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True, name="perfrules-spark-deadline")

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.fired = True
        while True:
            if self._connect:
                self._spark.interruptTag(self.tag)
            else:
                self._spark.sparkContext.cancelJobsWithTag(self.tag)
            if self._done.wait(self.REPEAT_S):
                return

    def __enter__(self) -> None:
        if self._connect:
            self._spark.addTag(self.tag)
        else:
            context = self._spark.sparkContext
            context.addJobTag(self.tag)
            self._interrupt_before = context.getLocalProperty(self._INTERRUPT)
            context.setLocalProperty(self._INTERRUPT, "true")  # a cancelled task stops now, not when it is done
        self._watcher.start()

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._watcher.join()
        if self._connect:
            self._spark.removeTag(self.tag)
        else:
            context = self._spark.sparkContext
            context.removeJobTag(self.tag)
            context.setLocalProperty(self._INTERRUPT, self._interrupt_before)
