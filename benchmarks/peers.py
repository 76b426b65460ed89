"""perfrules' engine phase against hand-written and library peers, on the same tables.

Six indicator checks from the shipped pack that every engine can express, each written out by
hand for every peer from the rule's YAML (``rules/national/<id>.yaml``), with its NULL and
string semantics:

==========================  ==================================================================
SCORE-IND-BOUNDS            score < 0 OR score > weight (NULL never fails; TRUE OR NULL does)
WEIGHT-POSITIVE             weight_state = 'value' AND weight <= 0
DESIGN-QUANT-TARGET         kind = 'quantitative' AND target_state <> 'value'
SCORE-DEVIATION-EXPLAIN     both states 'value', score < weight, explanation NULL or matching
                            ``^\\s*(无|暂无|/|／|—+|-+|略|不适用)?\\s*$`` under RE2 (``\\s`` is ASCII)
SCORE-QUAL-BAND             qualitative, both states 'value', a grade; trim(grade) (Unicode
                            spaces, not tabs) in 达成 → [round(.8w,2), w], 部分达成 →
                            [round(.6w,2), round(.8w,2)), 未达成 → [0, round(.6w,2)), else pass
SCORE-QUANT-FORMULA         quantitative, comparator, all four states 'value', target >= 0,
                            0 <= score <= weight, |score − formula| > 0.01 (positive, eq and
                            linear reverse formulas), unless a positive target was beaten and
                            an explanation given
==========================  ==================================================================

All rules also require doc_kind IN ('project_table', 'department_table'), and every peer says so.

Engines (``ENGINES``), each timed from its input tables to the flagged (rule, rid) keys:

* ``perfrules-six`` / ``perfrules-pack``: ``DuckDBEngine.run`` on a ``Batch`` as ``normalize``
  hands a big batch to the engine (Arrow chunks: exact decimal64, dictionary-coded text) with
  the six compiled rules, or with every active rule of the pack; ``perfrules-load`` is the same
  call with no rules (registering and releasing the tables); ``perfrules-lists`` is the six on
  the column lists ``normalize`` fills before it seals them, so its time includes encoding them.
* ``duckdb-sql`` (six queries) and ``duckdb-fused`` (one scan): hand-written SQL on an
  in-memory DuckDB, from Arrow;
* ``polars``: one lazy query of six expressions, from Arrow;
* ``pandera-polars`` and ``pandera-pandas``: a DataFrameSchema with six dataframe checks; the
  flagged rows are read off the failure cases;
* ``gx``: Great Expectations 1.x, ephemeral context, pandas data source; built-in expectations
  with row conditions where they suffice, derived boolean columns for the band and formula rules.

Every peer starts from the same typed Arrow tables (numbers as float64); perfrules starts from its
own input, the ``Batch`` (Arrow with exact decimals; the peers' float64 would not do for money).
Peers that need pandas convert inside the timed phase; that cost is theirs.

``python benchmarks/peers.py measure --engine polars --rows 1000000`` times one engine in this
process and writes JSON (and the flagged keys); run.py runs one such process per engine and size,
so peak memory belongs to one engine. ``python benchmarks/peers.py profile --rows 1000000``
profiles perfrules' engine phase.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import os
import pstats
import subprocess
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
from generate import FastTables, fast_tables

from perfrules import DuckDBEngine, EngineSettings, Pack, load_pack
from perfrules.tables.normalize import Batch
from perfrules.tables.spec import DECIMAL, TABLES, TableData, TableSpec

# pyspark (installed beside pandera and GX here) warns about pandas 3 on import; not ours to fix.
warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark(\..*)?")

REPO = Path(__file__).resolve().parent.parent
SIX = (
    "SCORE-IND-BOUNDS", "WEIGHT-POSITIVE", "DESIGN-QUANT-TARGET",
    "SCORE-DEVIATION-EXPLAIN", "SCORE-QUAL-BAND", "SCORE-QUANT-FORMULA",
)  # fmt: skip
DOC_KINDS = ("project_table", "department_table")
ACHIEVED = ("达成年度指标", "达成预期指标", "达成", "已达成", "全部达成", "完成", "已完成", "全部完成")
PARTIAL = (
    "部分达成年度指标并具有一定效果", "部分达成预期指标并具有一定效果", "部分达成年度指标", "部分达成预期指标",
    "部分达成", "部分完成",
)  # fmt: skip
NOT_ACHIEVED = (
    "未达成年度指标且效果较差",
    "未达成预期指标且效果较差",
    "未达成年度指标",
    "未达成预期指标",
    "未达成",
    "未完成",
)
EMPTY_RE2 = r"^\s*(无|暂无|/|／|—+|-+|略|不适用)?\s*$"
"""The rule's pattern as DuckDB runs it (RE2: \\s is [\\t\\n\\f\\r ])."""
EMPTY_PORTABLE = r"^[\t\n\f\r ]*(?:无|暂无|/|／|—+|-+|略|不适用)?[\t\n\f\r ]*$"
"""The same for Python's re and Rust's regex, whose \\s also matches U+3000 and U+00A0
(non-capturing, or pandas warns about match groups)."""
TRIM_CHARS = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Zs")
"""What DuckDB's trim() strips: Unicode category Zs, not tabs or newlines (Python's strip() and
polars' strip_chars() with no argument strip both)."""
TOLERANCE = 0.01


def _beyond_display(diff: Any, unit: Any) -> Any:
    """Beyond display rounding (issue 12 §4): more than half the stated unit above, or a whole one below."""
    return (diff > np.maximum(TOLERANCE, unit * 0.5)) | (-diff > np.maximum(TOLERANCE, unit - 0.0001))


Flags = dict[str, np.ndarray]
"""rule id → sorted rids it flags."""


# --------------------------------------------------------------------------- inputs


@dataclass
class Source:
    """One workload in the forms the engines take: a perfrules Batch (all tables, or the
    indicators alone), or the indicators as a typed Arrow table."""

    make_batch: Callable[[str | None, bool], Batch]
    make_arrow: Callable[[], pa.Table]
    rows: int
    forget: Callable[[], None] = lambda: None
    _arrow: pa.Table | None = None

    def release(self) -> None:
        """Drop what the engine no longer needs (the generator's columns): at 10M rows they are
        gigabytes that would otherwise count in every engine's resident input."""
        self.forget()
        self._arrow = None

    def batch(self, only: str | None = None, *, lists: bool = False) -> Batch:
        """The batch as the engine gets it from ``normalize`` (Arrow chunks for big tables), or
        with ``lists`` as column lists, so the engine pays for encoding them."""
        return self.make_batch(only, lists)

    def indicators(self) -> pa.Table:
        if self._arrow is None:
            self._arrow = self.make_arrow()
        return self._arrow


def fast_batch(ft: FastTables, only: str | None = None, lists: bool = False) -> Batch:
    """The fast tables as ``normalize`` would hand them to the engine (no sources: the engine needs
    none): Arrow chunks of the exact types, or with ``lists`` the column lists before sealing.
    With ``only``, the other tables are left empty."""

    def table(name: str, spec: TableSpec) -> TableData:
        if only not in (None, name) or not ft.rows(name):
            return TableData(spec)
        return TableData(spec, ft.column_lists(name)) if lists else TableData.from_arrow(spec, ft.exact(name))

    return Batch(tables={name: table(name, spec) for name, spec in TABLES.items()}, sources=[])


def only_table(batch: Batch, table: str) -> Batch:
    """The batch with every other table emptied."""
    return Batch(
        tables={name: data if name == table else TableData(TABLES[name]) for name, data in batch.tables.items()},
        sources=batch.sources,
    )


def fast_source(rows: int, seed: int) -> Source:
    held: dict[str, FastTables] = {"tables": fast_tables(rows, seed)}
    return Source(
        lambda only, lists: fast_batch(held["tables"], only, lists),
        lambda: held["tables"].arrow("indicators"),
        rows,
        held.clear,
    )


def batch_arrow(batch: Batch, table: str = "indicators") -> pa.Table:
    """A normalized table as typed Arrow, Decimals as float64: the peers' view of a real batch."""
    spec = TABLES[table]
    data = batch.tables[table].columns
    out: dict[str, pa.Array] = {}
    for col in spec.all_columns:
        values = data[col.name]
        if col.type == DECIMAL:
            out[col.name] = pa.array([None if v is None else float(v) for v in values], pa.float64())
        elif col.type == "VARCHAR":
            out[col.name] = pa.array(values, pa.large_string())
        elif col.type == "INTEGER":
            out[col.name] = pa.array(values, pa.int32())
        elif col.type == "BIGINT":
            out[col.name] = pa.array(values, pa.int64())
        elif col.type == "DATE":
            out[col.name] = pa.array(values, pa.date32())
        else:
            out[col.name] = pa.array(values, pa.bool_())
    return pa.table(out)


def batch_source(batch: Batch) -> Source:
    def listed(only: str | None, lists: bool) -> Batch:
        chosen = batch if only is None else only_table(batch, only)
        if not lists:
            return chosen
        return Batch(
            {name: TableData(TABLES[name], data.column_lists()) for name, data in chosen.tables.items()}, chosen.sources
        )

    return Source(
        listed,
        lambda: batch_arrow(batch),
        batch.rows("indicators"),
    )


def shipped_pack() -> Pack:
    return load_pack(REPO / "rules")


def _sorted_rids(values: Any) -> np.ndarray:
    return np.unique(np.asarray(values, dtype=np.int64))


# --------------------------------------------------------------------------- engines


class Engine(Protocol):
    name: str
    note: str

    def prepare(self, source: Source) -> None:
        """Untimed: build the input, open connections, warm up on a small slice."""

    def run(self) -> Flags:
        """Timed: the input tables in, the flagged keys of the six rules out."""


class PerfrulesEngine:
    """``DuckDBEngine.run`` as ``run_pack`` calls it: a warm engine, the whole batch, once."""

    def __init__(self, which: str) -> None:
        self.which = which
        self.name = f"perfrules-{which}"
        self.note = ""
        self.extra: dict[str, Any] = {}

    def prepare(self, source: Source) -> None:
        pack = shipped_pack()
        active = [r for r in pack.rules if r.enabled and r.rule.status == "active"]
        chosen = {"six": [r for r in active if r.rule.id in SIX], "pack": active, "load": []}.get(
            self.which, [r for r in active if r.rule.id in SIX]
        )
        if self.which in ("six", "lists") and {r.rule.id for r in chosen} != set(SIX):
            raise RuntimeError(f"the shipped pack lacks some of {SIX}")
        self.compiled = [r.compiled for r in chosen]
        self.references = list(pack.references.values())
        self.note = f"{len(self.compiled)} rules"
        self.engine = DuckDBEngine(EngineSettings())
        self.engine.run(fast_batch(fast_tables(1_000, 1)), self.compiled, self.references)  # connection, references
        # The six read the indicators alone, and the peers get only that table, so perfrules does too;
        # the pack gets every table (run_pack always loads them all).
        self.batch = source.batch(None if self.which == "pack" else "indicators", lists=self.which == "lists")

    def run(self) -> Flags:
        result = self.engine.run(self.batch, self.compiled, self.references)
        if result.errors:
            raise RuntimeError(f"perfrules rules failed: {result.errors}")
        self.extra = {"findings": sum(result.rows.count(rule) for rule in result.rows), "rules": len(self.compiled)}
        if self.which == "load":
            return {}
        return {rule: _sorted_rids(result.rows.column(rule, "rid")) for rule in SIX}


# Hand-written SQL for the six, one WHERE clause each. Numbers are DOUBLE here (from Arrow).
_POSITIVE = "(comparator IN ('gte', 'gt') OR (comparator = 'eq' AND target > 0))"
_G = "greatest(actual, 0)"
_EXPECTED = f"""CASE
    WHEN {_POSITIVE} THEN CASE WHEN {_G} >= target THEN weight ELSE {_G} * weight / target END
    WHEN comparator = 'eq' THEN CASE WHEN actual <= 0 THEN weight ELSE 0 END
    ELSE CASE WHEN actual <= target THEN weight WHEN actual >= 2 * target THEN 0
              ELSE weight - (actual - target) * weight / target END
  END"""


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


SQL_FLAGS: dict[str, str] = {
    "SCORE-IND-BOUNDS": "score < 0 OR score > weight",
    "WEIGHT-POSITIVE": "weight_state = 'value' AND weight <= 0",
    "DESIGN-QUANT-TARGET": "kind = 'quantitative' AND target_state <> 'value'",
    "SCORE-DEVIATION-EXPLAIN": (
        "weight_state = 'value' AND score_state = 'value' AND score < weight "
        f"AND regexp_matches(coalesce(deviation_explanation, ''), '{EMPTY_RE2}')"
    ),
    "SCORE-QUAL-BAND": f"""kind = 'qualitative' AND weight_state = 'value' AND score_state = 'value'
      AND actual_grade IS NOT NULL AND CASE
        WHEN trim(actual_grade) IN {_in(ACHIEVED)} THEN NOT (score >= round(weight * 0.8, 2) AND score <= weight)
        WHEN trim(actual_grade) IN {_in(PARTIAL)}
          THEN NOT (score >= round(weight * 0.6, 2) AND score < round(weight * 0.8, 2))
        WHEN trim(actual_grade) IN {_in(NOT_ACHIEVED)} THEN NOT (score >= 0 AND score < round(weight * 0.6, 2))
        ELSE FALSE END""",
    "SCORE-QUANT-FORMULA": f"""kind = 'quantitative' AND comparator IS NOT NULL AND target_state = 'value'
      AND target >= 0 AND actual_state = 'value' AND weight_state = 'value' AND score_state = 'value'
      AND score >= 0 AND score <= weight
      AND NOT (score - {_EXPECTED} BETWEEN -greatest({TOLERANCE}, score_unit - 0.0001)
                                       AND greatest({TOLERANCE}, score_unit * 0.5))
      AND NOT ({_POSITIVE} AND actual > target AND coalesce(trim(deviation_explanation), '') <> '')""",
}
_DOC_SQL = f"doc_kind IN {_in(DOC_KINDS)}"


class DuckDBSqlEngine:
    """Plain DuckDB as someone would write it: SQL straight over the registered Arrow table.

    Measured at 1M rows, copying the Arrow table into a DuckDB table first (CREATE TABLE AS)
    and querying that took 0.46 + 0.24 s against 0.22 s for querying the Arrow table six times,
    so the floor scans Arrow. ``fused`` computes the six conditions in one scan and splits the
    keys in numpy; otherwise one query per rule, as perfrules runs them.
    """

    def __init__(self, fused: bool) -> None:
        self.fused = fused
        self.name = "duckdb-fused" if fused else "duckdb-sql"
        self.note = "1 scan over Arrow" if fused else "6 queries over Arrow"

    def prepare(self, source: Source) -> None:
        import duckdb

        settings = EngineSettings()  # the same threads and memory limit as perfrules
        self.con = duckdb.connect(
            ":memory:", config={"threads": settings.threads, "memory_limit": settings.memory_limit}
        )
        self.arrow = source.indicators()
        self._query(self.arrow.slice(0, 1_000))

    def _query(self, table: pa.Table) -> Flags:
        con = self.con
        con.register("indicators", table)
        try:
            if self.fused:
                cols = ", ".join(f'coalesce({sql}, FALSE) AS "{rule}"' for rule, sql in SQL_FLAGS.items())
                any_of = " OR ".join(f'"{rule}"' for rule in SQL_FLAGS)
                got = con.execute(
                    f"SELECT * FROM (SELECT rid, {cols} FROM indicators WHERE {_DOC_SQL}) WHERE {any_of}"
                ).fetchnumpy()
                rid = np.asarray(got["rid"])
                return {rule: _sorted_rids(rid[np.asarray(got[rule], dtype=bool)]) for rule in SQL_FLAGS}
            return {
                rule: _sorted_rids(
                    con.execute(f"SELECT rid FROM indicators WHERE {_DOC_SQL} AND ({sql})").fetchnumpy()["rid"]
                )
                for rule, sql in SQL_FLAGS.items()
            }
        finally:
            con.unregister("indicators")

    def run(self) -> Flags:
        return self._query(self.arrow)


def polars_flags() -> dict[str, Any]:
    """The six as polars expressions (Kleene logic, like SQL); NULL → not flagged at the end."""
    import polars as pl

    c = pl.col
    score, weight, target, actual = c("score"), c("weight"), c("target"), c("actual")
    ws, ss = c("weight_state") == "value", c("score_state") == "value"
    expl = c("deviation_explanation").fill_null("")
    grade = c("actual_grade").str.strip_chars(TRIM_CHARS)
    top, mid = (weight * 0.8).round(2), (weight * 0.6).round(2)
    cmp = c("comparator")
    positive = cmp.is_in(["gte", "gt"]) | ((cmp == "eq") & (target > 0))
    g = pl.max_horizontal(actual, pl.lit(0.0))
    expected = (
        pl.when(positive).then(pl.when(g >= target).then(weight).otherwise(g * weight / target))
        .when(cmp == "eq").then(pl.when(actual <= 0).then(weight).otherwise(0.0))
        .when(actual <= target).then(weight)
        .when(actual >= 2 * target).then(0.0)
        .otherwise(weight - (actual - target) * weight / target)
    )  # fmt: skip
    band_outside = (
        pl.when(grade.is_in(ACHIEVED)).then(~((score >= top) & (score <= weight)))
        .when(grade.is_in(PARTIAL)).then(~((score >= mid) & (score < top)))
        .when(grade.is_in(NOT_ACHIEVED)).then(~((score >= 0) & (score < mid)))
        .otherwise(False)
    )  # fmt: skip
    quant = c("kind") == "quantitative"
    flags = {
        "SCORE-IND-BOUNDS": (score < 0) | (score > weight),
        "WEIGHT-POSITIVE": ws & (weight <= 0),
        "DESIGN-QUANT-TARGET": quant & (c("target_state") != "value"),
        "SCORE-DEVIATION-EXPLAIN": ws & ss & (score < weight) & expl.str.contains(EMPTY_PORTABLE),
        "SCORE-QUAL-BAND": (c("kind") == "qualitative") & ws & ss & c("actual_grade").is_not_null() & band_outside,
        "SCORE-QUANT-FORMULA": (
            quant & cmp.is_not_null() & (c("target_state") == "value") & (target >= 0)
            & (c("actual_state") == "value") & ws & ss & (score >= 0) & (score <= weight)
            & (((score - expected) > pl.max_horizontal(pl.lit(TOLERANCE), c("score_unit") * 0.5))
               | ((expected - score) > pl.max_horizontal(pl.lit(TOLERANCE), c("score_unit") - 0.0001)))
            & ~(positive & (actual > target) & (expl.str.strip_chars(TRIM_CHARS) != ""))
        ),
    }  # fmt: skip
    doc = c("doc_kind").is_in(DOC_KINDS)
    return {rule: (doc & expr).fill_null(False).alias(rule) for rule, expr in flags.items()}


class PolarsEngine:
    """Hand-written polars: one lazy query computing the six flags, keeping flagged rows only."""

    name = "polars"
    note = "lazy, 1 query"

    def prepare(self, source: Source) -> None:
        self.arrow = source.indicators()
        self.exprs = polars_flags()
        self._query(self.arrow.slice(0, 1_000))

    def _query(self, table: pa.Table) -> Flags:
        import polars as pl

        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        got = frame.lazy().select(pl.col("rid"), *self.exprs.values()).filter(pl.any_horizontal(list(SIX))).collect()
        rid = got["rid"].to_numpy()
        return {rule: _sorted_rids(rid[got[rule].to_numpy()]) for rule in SIX}

    def run(self) -> Flags:
        return self._query(self.arrow)


def pandas_flags(df: Any) -> dict[str, Any]:
    """The six over a pandas frame. NaN compares false, which equals SQL's NULL → not flagged
    wherever no NOT applies to a nullable term; the two NOTs below only see non-null columns."""
    import pandas as pd

    score, weight, target, actual = df["score"], df["weight"], df["target"], df["actual"]
    ws, ss = df["weight_state"].eq("value"), df["score_state"].eq("value")
    quant = df["kind"].eq("quantitative")
    expl = df["deviation_explanation"].fillna("")
    grade = df["actual_grade"].str.strip(TRIM_CHARS)
    top, mid = (weight * 0.8).round(2), (weight * 0.6).round(2)
    outside = np.select(
        [grade.isin(ACHIEVED), grade.isin(PARTIAL), grade.isin(NOT_ACHIEVED)],
        [~((score >= top) & (score <= weight)), ~((score >= mid) & (score < top)), ~((score >= 0) & (score < mid))],
        False,
    )
    cmp = df["comparator"]
    positive = cmp.isin(["gte", "gt"]) | (cmp.eq("eq") & (target > 0))
    g = actual.clip(lower=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.select(
            [positive, cmp.eq("eq")],
            [np.where(g >= target, weight, g * weight / target), np.where(actual <= 0, weight, 0.0)],
            np.where(
                actual <= target,
                weight,
                np.where(actual >= 2 * target, 0.0, weight - (actual - target) * weight / target),
            ),
        )
    formula_where = (
        quant & cmp.notna() & df["target_state"].eq("value") & (target >= 0) & df["actual_state"].eq("value")
        & ws & ss & (score >= 0) & (score <= weight)
    )  # fmt: skip
    excused = positive & (actual > target) & expl.str.strip(TRIM_CHARS).ne("")
    doc = df["doc_kind"].isin(DOC_KINDS)
    flags = {
        "SCORE-IND-BOUNDS": (score < 0) | (score > weight),
        "WEIGHT-POSITIVE": ws & (weight <= 0),
        "DESIGN-QUANT-TARGET": quant & df["target_state"].ne("value"),
        "SCORE-DEVIATION-EXPLAIN": ws & ss & (score < weight) & expl.str.contains(EMPTY_PORTABLE, regex=True),
        "SCORE-QUAL-BAND": df["kind"].eq("qualitative") & ws & ss & df["actual_grade"].notna() & outside,
        "SCORE-QUANT-FORMULA": formula_where & _beyond_display(score - expected, df["score_unit"]) & ~excused,
    }
    return {rule: pd.Series(np.asarray(doc & flag, dtype=bool), index=df.index) for rule, flag in flags.items()}


def _to_pandas(table: pa.Table) -> Any:
    return table.to_pandas()


class PanderaEngine:
    """A pandera DataFrameSchema with one dataframe-wide check per rule (valid = not flagged)."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.name = f"pandera-{backend}"
        self.note = ""

    def prepare(self, source: Source) -> None:
        import pandera

        self.note = f"pandera {pandera.__version__}"
        self.arrow = source.indicators()
        if self.backend == "polars":
            import pandera.polars as pap

            exprs = polars_flags()

            def check(rule: str) -> Any:
                return pap.Check(lambda data: data.lazyframe.select(~exprs[rule]), name=rule)

            self.schema: Any = pap.DataFrameSchema(checks=[check(rule) for rule in SIX])
            self.errors: Any = pap.errors.SchemaErrors
        else:
            import pandera.pandas as pa_pd

            def check_pd(rule: str) -> Any:
                return pa_pd.Check(lambda df: ~pandas_flags(df)[rule], name=rule)

            self.schema = pa_pd.DataFrameSchema(checks=[check_pd(rule) for rule in SIX])
            self.errors = pa_pd.errors.SchemaErrors
        self._validate(self.arrow.slice(0, 1_000))

    def _validate(self, table: pa.Table) -> Flags:
        if self.backend == "polars":
            import polars as pl

            frame: Any = pl.from_arrow(table)
        else:
            # rid as the index, so failure cases name the row by its key.
            frame = _to_pandas(table).set_index("rid", drop=False)
        try:
            self.schema.validate(frame, lazy=True)
        except self.errors as exc:
            cases = exc.failure_cases
            if self.backend == "polars":
                rids = frame["rid"].to_numpy()
                checks, index = cases["check"].to_list(), cases["index"].to_numpy()
                return {rule: _sorted_rids(rids[index[[c == rule for c in checks]]]) for rule in SIX}
            cases = cases[["check", "index"]].drop_duplicates()
            return {rule: _sorted_rids(cases.loc[cases["check"] == rule, "index"].to_numpy()) for rule in SIX}
        return {rule: _sorted_rids([]) for rule in SIX}

    def run(self) -> Flags:
        return self._validate(self.arrow)


class GXEngine:
    """Great Expectations 1.x on a pandas data source, one suite, unexpected rows by rid."""

    name = "gx"
    note = ""

    def prepare(self, source: Source) -> None:
        import great_expectations as gx
        import great_expectations.expectations as expectations_module

        gxe: Any = expectations_module  # GX's stubs export these classes only implicitly

        self.note = f"GX {gx.__version__}, pandas"
        context = gx.get_context(mode="ephemeral")
        asset = context.data_sources.add_pandas("bench").add_dataframe_asset(name="indicators")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("all")
        doc = 'doc_kind in ["project_table", "department_table"]'
        both = f'{doc} & weight_state == "value" & score_state == "value"'
        short = f"{both} & score < weight"

        def when(condition: str) -> dict[str, Any]:
            return {"row_condition": condition, "condition_parser": "pandas"}

        def rule(rule_id: str) -> dict[str, Any]:
            return {"meta": {"rule": rule_id}}

        # Nulls never fail GX's column-map expectations, which matches SQL except where the rule
        # counts NULL as failing (an empty explanation): that takes its own not-null expectation.
        expectations = [
            gxe.ExpectColumnValuesToBeBetween(column="score", min_value=0, **when(doc), **rule(SIX[0])),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="weight",
                column_B="score",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                **when(doc),
                **rule(SIX[0]),
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="weight",
                min_value=0,
                strict_min=True,
                **when(f'{doc} & weight_state == "value"'),
                **rule(SIX[1]),
            ),
            gxe.ExpectColumnValuesToBeInSet(
                column="target_state", value_set=["value"], **when(f'{doc} & kind == "quantitative"'), **rule(SIX[2])
            ),
            gxe.ExpectColumnValuesToNotBeNull(column="deviation_explanation", **when(short), **rule(SIX[3])),
            gxe.ExpectColumnValuesToNotMatchRegex(
                column="deviation_explanation", regex=EMPTY_PORTABLE, **when(short), **rule(SIX[3])
            ),
            gxe.ExpectColumnValuesToBeInSet(column="_band_ok", value_set=[True], **when(doc), **rule(SIX[4])),
            gxe.ExpectColumnValuesToBeInSet(column="_formula_ok", value_set=[True], **when(doc), **rule(SIX[5])),
        ]
        self.suite = context.suites.add(gx.ExpectationSuite(name="six", expectations=expectations))
        self.arrow = source.indicators()
        self._validate(self.arrow.slice(0, 1_000))

    def _validate(self, table: pa.Table) -> Flags:
        df = _to_pandas(table)
        derived = pandas_flags(df)
        df["_band_ok"] = ~derived["SCORE-QUAL-BAND"]
        df["_formula_ok"] = ~derived["SCORE-QUANT-FORMULA"]
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": df})
        # Batch.validate always draws tqdm bars on stderr; keep them out of the benchmark's output.
        with contextlib.redirect_stderr(io.StringIO()):
            result = batch.validate(
                self.suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["rid"]}
            )
        found: dict[str, list[int]] = {rule: [] for rule in SIX}
        for item in result.results:
            if item.exception_info and item.exception_info.get("raised_exception"):
                raise RuntimeError(f"GX expectation failed to run: {item.exception_info}")
            config = item.expectation_config
            if config is None or not config.meta:
                raise RuntimeError("GX returned a result without its expectation")
            found[config.meta["rule"]] += [int(row["rid"]) for row in item.result.get("unexpected_index_list") or ()]
        return {rule: _sorted_rids(rids) for rule, rids in found.items()}

    def run(self) -> Flags:
        return self._validate(self.arrow)


ENGINES: dict[str, Callable[[], Engine]] = {
    "perfrules-six": lambda: PerfrulesEngine("six"),
    "perfrules-pack": lambda: PerfrulesEngine("pack"),
    "perfrules-load": lambda: PerfrulesEngine("load"),
    "perfrules-lists": lambda: PerfrulesEngine("lists"),
    "duckdb-sql": lambda: DuckDBSqlEngine(fused=False),
    "duckdb-fused": lambda: DuckDBSqlEngine(fused=True),
    "polars": PolarsEngine,
    "pandera-polars": lambda: PanderaEngine("polars"),
    "pandera-pandas": lambda: PanderaEngine("pandas"),
    "gx": GXEngine,
}
REFERENCE = "perfrules-six"
FLOOR = ("duckdb-sql", "duckdb-fused", "polars")
"""Hand-written engines; the fastest of them at each size is the floor."""


# --------------------------------------------------------------------------- measuring


def _status(field_name: str) -> int:
    """A VmRSS / VmHWM figure of this process, in bytes."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    """Restart the kernel's peak-RSS counter (VmHWM), so the peak is the engine phase's own."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


@dataclass
class Measurement:
    engine: str
    rows: int
    seconds: list[float] = field(default_factory=list)
    rss_before_mib: float = 0.0
    peak_mib: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def best(self) -> float:
        return min(self.seconds) if self.seconds else float("nan")


def measure(
    engine: Engine, source: Source, repeat: int, budget_s: float, *, release: bool = False
) -> tuple[Measurement, Flags]:
    """Prepare (untimed), then time ``run`` up to ``repeat`` times or until ``budget_s`` is spent.

    ``release`` drops the source's own copy of the data once the engine has its input.
    """
    start = time.perf_counter()
    engine.prepare(source)
    if release:
        source.release()
    out = Measurement(engine.name, source.rows, note=engine.note)
    prepared = time.perf_counter() - start
    gc.collect()
    out.rss_before_mib = _status("VmRSS") / 2**20
    exact_peak = _reset_peak()
    flags: Flags = {}
    spent = 0.0
    while len(out.seconds) < repeat and (not out.seconds or spent + out.seconds[-1] < budget_s):
        gc.collect()
        start = time.perf_counter()
        flags = engine.run()
        out.seconds.append(time.perf_counter() - start)
        spent += out.seconds[-1]
    out.peak_mib = _status("VmHWM") / 2**20
    if not exact_peak:  # no /proc/self/clear_refs: the peak includes generating the data
        out.note += " (peak incl. setup)"
    out.counts = {rule: int(v.size) for rule, v in flags.items()}
    out.extra = {**getattr(engine, "extra", {}), "prepare_s": prepared, "runs": len(out.seconds)}
    return out, flags


def compare(reference: Flags, other: Flags) -> dict[str, tuple[list[int], list[int]]]:
    """Per rule, (rids only the reference flags, rids only the other flags), where they differ."""
    diff: dict[str, tuple[list[int], list[int]]] = {}
    for rule in SIX:
        ref, got = reference.get(rule, np.array([], np.int64)), other.get(rule, np.array([], np.int64))
        if ref.size != got.size or not np.array_equal(ref, got):
            diff[rule] = (np.setdiff1d(ref, got).tolist(), np.setdiff1d(got, ref).tolist())
    return diff


def save_flags(path: Path, flags: Flags) -> None:
    savez: Any = np.savez_compressed  # numpy's stubs read **arrays as its keyword options
    savez(path, **flags)


def load_flags(path: Path) -> Flags:
    with np.load(path) as data:
        return {rule: data[rule] for rule in data.files}


def run_in_process(source: Source, names: Sequence[str], repeat: int = 1) -> tuple[list[Measurement], dict[str, Flags]]:
    """Every named engine on one source in this process (for small agreement checks)."""
    results, flags = [], {}
    for name in names:
        m, f = measure(ENGINES[name](), source, repeat, budget_s=60)
        results.append(m)
        flags[name] = f
    return results, flags


# --------------------------------------------------------------------------- one process per engine and size

SIZE_LIMIT_S = 600.0
"""A skippable engine whose run would pass this (extrapolated from the size below) is skipped,
as is one whose extrapolated peak would not fit in the memory available."""
SKIPPABLE = ("gx", "pandera-pandas")
"""The slow peers. Every other engine always runs: perfrules is what is measured, and the floor
must exist. (A linear extrapolation of peak memory overshoots: perfrules-six peaked at 1.9 GiB
at 1M rows and 12.3 GiB at 10M, not 19.)"""


@dataclass
class SizeResult:
    rows: int
    results: dict[str, Measurement]
    disagreements: dict[str, dict[str, tuple[list[int], list[int]]]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def floor(self) -> Measurement | None:
        ran = [self.results[e] for e in FLOOR if e in self.results and self.results[e].seconds]
        return min(ran, key=lambda m: m.best) if ran else None


def _available_mib() -> float:
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("inf")


def _skip_reason(previous: Measurement | None, rows: int, limit_s: float) -> str | None:
    if previous is None or not previous.seconds or previous.engine not in SKIPPABLE:
        return None
    scale = rows / previous.rows
    # Generation, preparation and one run at least; a pandas conversion is not cheaper per row at 10x.
    estimate = (previous.best + previous.extra.get("prepare_s", 0.0)) * scale
    if estimate > limit_s:
        return f"skipped: ~{estimate:,.0f} s extrapolated from {previous.rows:,} rows (limit {limit_s:,.0f} s)"
    peak = previous.peak_mib * scale
    if peak > 0.9 * _available_mib():
        return f"skipped: ~{peak / 1024:,.1f} GiB peak extrapolated from {previous.rows:,} rows, more than is free"
    return None


def _paths(out_dir: Path, engine: str, rows: int) -> tuple[Path, Path]:
    stem = out_dir / f"{engine}-{rows}"
    return stem.with_suffix(".json"), stem.with_suffix(".npz")


def spawn(
    engine: str, sizes: Sequence[int], seed: int, out_dir: Path, *, repeat: int, budget_s: float, timeout_s: float
) -> list[tuple[Measurement, Flags | None, str | None]]:
    """``peers.py measure`` in a fresh interpreter, for one or more sizes in ascending order.

    One size per process gives the engine's own peak RSS. With several, the peak counter is
    reset before each, so the peak is still that size's, over whatever the smaller ones left.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for rows in sizes:
        for path in _paths(out_dir, engine, rows):
            path.unlink(missing_ok=True)
    command = [
        sys.executable, str(Path(__file__).resolve()), "measure", "--engine", engine,
        "--rows", ",".join(map(str, sizes)), "--seed", str(seed), "--repeat", str(repeat),
        "--budget", str(budget_s), "--out-dir", str(out_dir),
    ]  # fmt: skip
    failure: str | None = None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False, cwd=REPO)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            failure = f"exit {done.returncode}: {' | '.join(tail)}"
    except subprocess.TimeoutExpired:
        failure = f"timed out after {timeout_s:,.0f} s"
    out: list[tuple[Measurement, Flags | None, str | None]] = []
    for rows in sizes:
        json_path, flags_path = _paths(out_dir, engine, rows)
        if json_path.exists() and flags_path.exists():
            result = Measurement(**json.loads(json_path.read_text(encoding="utf-8")))
            out.append((result, load_flags(flags_path), None))
        elif failure and failure.startswith("timed out"):
            out.append((Measurement(engine, rows, skipped=failure), None, None))
        else:
            out.append((Measurement(engine, rows), None, failure or "no result written"))
    return out


def run_sizes(
    sizes: Sequence[int],
    engines: Sequence[str],
    seed: int,
    out_dir: Path,
    *,
    repeat: int = 3,
    budget_s: float = 120.0,
    limit_s: float = SIZE_LIMIT_S,
    timeout_s: float = 1800.0,
    process_per_size: bool = True,
    progress: Callable[[str], None] = print,
) -> list[SizeResult]:
    """Every engine at every size, compared with perfrules-six at that size.

    ``process_per_size`` runs each (engine, size) in its own process and skips an engine at a
    size it would not finish in ``limit_s`` or fit in memory; otherwise one process per engine
    runs all sizes (quicker to start, for the CI smoke run; no skipping).
    """
    by_size = {rows: SizeResult(rows, {}) for rows in sizes}
    flags_at: dict[int, dict[str, Flags]] = {rows: {} for rows in sizes}

    def record(engine: str, result: Measurement, flags: Flags | None, failure: str | None) -> None:
        size = by_size[result.rows]
        size.results[engine] = result
        if failure:
            size.failures[engine] = failure
        if flags is not None:
            flags_at[result.rows][engine] = flags
        what = result.skipped or (
            f"FAILED {failure}" if failure else f"{result.best:.3f} s, peak {result.peak_mib:,.0f} MiB"
        )
        progress(f"  {result.rows:>11,} {engine:<15} {what}")

    options: dict[str, Any] = {"repeat": repeat, "budget_s": budget_s, "timeout_s": timeout_s}
    if process_per_size:
        previous: dict[str, Measurement] = {}
        for rows in sizes:
            for engine in engines:
                reason = _skip_reason(previous.get(engine), rows, limit_s)
                if reason:
                    record(engine, Measurement(engine, rows, skipped=reason), None, None)
                    continue
                ((result, flags, failure),) = spawn(engine, [rows], seed, out_dir, **options)
                record(engine, result, flags, failure)
                if result.seconds:
                    previous[engine] = result
    else:
        for engine in engines:
            for result, flags, failure in spawn(engine, sorted(sizes), seed, out_dir, **options):
                record(engine, result, flags, failure)

    out = []
    for rows in sizes:
        size, flagged = by_size[rows], flags_at[rows]
        size.results = {e: size.results[e] for e in engines if e in size.results}  # table order = engine order
        reference = flagged.get(REFERENCE)
        for engine, got in flagged.items():
            if reference is not None and engine not in (REFERENCE, "perfrules-load"):
                diff = compare(reference, got)
                if diff:
                    size.disagreements[engine] = diff
        out.append(size)
    return out


def _rate(rows: int, seconds: float) -> str:
    per_s = rows / seconds
    return f"{per_s / 1e6:.2f}M" if per_s >= 1e6 else f"{per_s / 1e3:.0f}k"


def format_size(size: SizeResult) -> list[str]:
    """The table for one size: time, rows/s, ratio to the floor, perfrules ÷ engine, peak memory."""
    floor = size.floor()
    ours = size.results.get(REFERENCE)
    head = f"{size.rows:,} indicator rows"
    if floor:
        head += f"; floor = {floor.engine} {floor.best:.3f} s"
    lines = [head, f"  {'engine':<15} {'note':<22} {'best s':>8} {'rows/s':>7} {'x floor':>8} "
                   f"{'perfrules/it':>12} {'peak MiB':>9} {'input MiB':>9}  agrees"]  # fmt: skip
    for name, m in size.results.items():
        if not m.seconds:
            lines.append(f"  {name:<15} {m.skipped or size.failures.get(name, 'failed')}")
            continue
        x_floor = f"{m.best / floor.best:.1f}x" if floor else "-"
        ratio = f"{ours.best / m.best:.2f}" if ours and ours.seconds else "-"
        agrees = (
            "reference" if name == REFERENCE else "-" if name == "perfrules-load"
            else "NO: " + ", ".join(size.disagreements[name]) if name in size.disagreements else "yes"
        )  # fmt: skip
        lines.append(
            f"  {name:<15} {m.note[:22]:<22} {m.best:>8.3f} {_rate(m.rows, m.best):>7} {x_floor:>8} {ratio:>12} "
            f"{m.peak_mib:>9,.0f} {m.rss_before_mib:>9,.0f}  {agrees}"
        )
    listed = size.results.get("perfrules-lists")
    if floor and ours and ours.seconds and listed and listed.seconds:
        lines.append(
            f"  perfrules-lists minus perfrules-six (encoding Python lists as Arrow, paid while normalizing): "
            f"{listed.best - ours.best:.3f} s, {(listed.best - ours.best) / floor.best:.1f}x floor"
        )
    for name, diff in size.disagreements.items():
        for rule, (missing, extra) in diff.items():
            lines.append(f"  DISAGREE {name} {rule}: misses {len(missing)} (e.g. {missing[:5]}), "
                         f"adds {len(extra)} (e.g. {extra[:5]})")  # fmt: skip
    return lines


@dataclass
class Target:
    name: str
    goal: str
    value: str
    met: bool | None
    """None: not measured."""


def targets(sizes: Sequence[SizeResult], warm_s: float | None, cold_s: float | None) -> list[Target]:
    """The issue's targets, judged at the largest size where each engine ran."""

    def largest(engine: str) -> Measurement | None:
        ran = [s.results[engine] for s in sizes if engine in s.results and s.results[engine].seconds]
        return ran[-1] if ran else None

    out: list[Target] = []
    ours = largest(REFERENCE)
    at = next((s for s in reversed(sizes) if s.results.get(REFERENCE) and s.results[REFERENCE].seconds), None)
    floor = at.floor() if at else None
    if ours and floor:
        ratio = ours.best / floor.best
        out.append(
            Target(f"six checks vs floor at {ours.rows:,}", "<= 2x", f"{ratio:.2f}x ({floor.engine})", ratio <= 2)
        )
        pack = at.results.get("perfrules-pack") if at else None
        if pack and pack.seconds:
            ratio = pack.best / floor.best
            out.append(Target(f"whole pack ({pack.note}) vs floor of six at {pack.rows:,}", "<= 2x",
                              f"{ratio:.2f}x ({floor.engine})", ratio <= 2))  # fmt: skip
    for peer, factor in (("gx", 10), ("pandera-pandas", 10), ("pandera-polars", 5)):
        m = at.results.get(peer) if at else None
        if ours and m and m.seconds:
            times = m.best / ours.best
            out.append(
                Target(f"faster than {peer} at {ours.rows:,}", f">= {factor}x", f"{times:.2f}x", times >= factor)
            )
        else:
            # Skipped at the largest size: judge at the largest size both ran, and say so.
            both = [
                s for s in sizes if s.results.get(peer) and s.results[peer].seconds and s.results[REFERENCE].seconds
            ]
            if both:
                s = both[-1]
                times = s.results[peer].best / s.results[REFERENCE].best
                out.append(Target(f"faster than {peer} at {s.rows:,} (not run larger)", f">= {factor}x",
                                  f"{times:.2f}x", times >= factor))  # fmt: skip
    if warm_s is not None:
        out.append(Target("warm validate(), median", "< 20 ms", f"{warm_s * 1000:.1f} ms", warm_s < 0.020))
    if cold_s is not None:
        out.append(Target("cold perfrules check, median", "< 1 s", f"{cold_s:.2f} s", cold_s < 1.0))
    for engine in (REFERENCE, "perfrules-pack"):
        m = largest(engine)
        if m:
            out.append(Target(f"{engine} peak RSS at {m.rows:,}", "< 4 GiB", f"{m.peak_mib / 1024:.2f} GiB",
                              m.peak_mib < 4096))  # fmt: skip
    return out


# --------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    """What the figures depend on: CPUs, memory, load, and the versions of everything timed."""
    from importlib.metadata import PackageNotFoundError, version

    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as handle:
        model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), model)
    versions: dict[str, str] = {"python": sys.version.split()[0]}
    for dist in ("perfrules", "duckdb", "polars", "pandas", "pyarrow", "numpy", "pydantic", "pandera",
                 "great_expectations"):  # fmt: skip
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "not installed"
    return {
        "code": code_state(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


def code_state() -> dict[str, Any]:
    """Which perfrules and which pack were timed: the commit, whether perfrules/ or rules/ have
    uncommitted changes, and a hash of each of their files (other people edit them while
    benchmarks run; ``changed_files`` tells what moved between two states)."""
    import hashlib

    files = sorted([*(REPO / "perfrules").rglob("*.py"), *(p for p in (REPO / "rules").rglob("*") if p.is_file())])
    hashes = {str(path.relative_to(REPO)): hashlib.sha256(path.read_bytes()).hexdigest()[:12] for path in files}
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=REPO, check=False)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "perfrules", "rules"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    return {
        "commit": head.stdout.strip() or None,
        "uncommitted_changes": bool(dirty.stdout.strip()),
        "tree_sha256": hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()[:16],
        "files": hashes,
    }


def changed_files(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old, new = before.get("files", {}), after.get("files", {})
    return sorted(path for path in old.keys() | new.keys() if old.get(path) != new.get(path))


# --------------------------------------------------------------------------- latency


def cold_check_seconds(path: Path, runs: int = 5) -> list[float]:
    """Wall time of a fresh ``perfrules check`` process on one submission."""
    exe = Path(sys.executable).with_name("perfrules")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "perfrules.cli"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([*command, "check", str(path)], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):  # 1 = blocked, which this fixture is
            raise RuntimeError(f"perfrules check exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return times


def warm_validate_seconds(path: Path, runs: int = 20, *, preloaded: bool = False) -> list[float]:
    """``perfrules.validate(path)`` in a process that has already validated it once.

    ``validate`` loads (and compiles) the pack on every call unless given one; ``preloaded``
    passes the loaded pack, to show what the rest of the call costs.
    """
    from perfrules import default_rules_dir, validate

    pack = load_pack(default_rules_dir()) if preloaded else None
    validate(path, rules=pack)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        validate(path, rules=pack)
        times.append(time.perf_counter() - start)
    return times


def latency(path: Path, cold_runs: int, warm_runs: int) -> dict[str, list[float]]:
    """Cold processes, then warm calls in this process (run it fresh: run.py's own process holds
    GX, pandas and a whole batch, which would slow the calls it is not about)."""
    return {
        "cold_s": cold_check_seconds(path, cold_runs),
        "warm_s": warm_validate_seconds(path, warm_runs),
        "warm_preloaded_s": warm_validate_seconds(path, warm_runs, preloaded=True),
    }


# --------------------------------------------------------------------------- profile


PROFILE_BUCKETS = (
    ("encode column lists for Arrow (Python; perfrules-lists only)", ("encode",)),
    ("register the tables with DuckDB (incl. the above)", ("_load",)),
    ("run the rules (SQL, fetch, rows to dicts)", ("_run_fused", "_run_one")),
    ("  of which splitting the result by rule", ("_split_by_rule",)),
)
"""perfrules functions whose cumulative time answers "where does the engine phase go"; names
that a refactor removes are reported as absent, not guessed."""


def _cumulative(stats: pstats.Stats, names: Sequence[str]) -> float | None:
    found = [v[3] for (file, _, func), v in stats.stats.items() if func in names and "perfrules" in file]  # type: ignore[attr-defined]
    return max(found) if found else None


def profile(rows: int, seed: int, top: int = 25) -> str:
    """cProfile of perfrules' engine phase (six rules, then the pack), and each rule's SQL alone."""
    import duckdb

    source = fast_source(rows, seed)
    lines: list[str] = []
    for which in ("six", "pack"):
        engine = PerfrulesEngine(which)
        engine.prepare(source)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(engine.run)
        wall = time.perf_counter() - start
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        lines.append(f"== perfrules-{which} at {rows:,} rows: {wall:.2f} s under cProfile")
        for label, names in PROFILE_BUCKETS:
            seconds = _cumulative(stats, names)
            shown = f"{seconds:7.2f} s {seconds / wall:6.1%}" if seconds is not None else "    (absent)    "
            lines.append(f"  {shown}  {label} [{', '.join(names)}]")
        stats.sort_stats("tottime").print_stats(top)
        lines.append(f"  top {top} by own time:")
        lines.append(text.getvalue())

    # Each active rule's compiled SQL alone over the same tables, to see which rules DuckDB finds
    # expensive (the engine itself may fuse them into one statement).
    try:
        batch = source.batch()
        con = duckdb.connect(":memory:", config={"threads": EngineSettings().threads})
        for name, data in batch.tables.items():
            con.register(name, data.arrow())
        pack = shipped_pack()
        for ref in pack.references.values():
            DuckDBEngine.load_reference(con, ref)
        timed: list[tuple[float, str]] = []
        for loaded in pack.rules:
            if loaded.enabled and loaded.rule.status == "active":
                start = time.perf_counter()
                fetched = con.execute(loaded.compiled.sql).fetchall()
                timed.append((time.perf_counter() - start, f"{loaded.rule.id} ({len(fetched):,} rows)"))
        timed.sort(reverse=True)
        total = sum(t for t, _ in timed)
        lines.append(f"== each rule's compiled SQL alone at {rows:,} rows (query + fetchall): {total:.2f} s in all")
        lines += [f"  {seconds:7.3f} s {seconds / total:6.1%}  {label}" for seconds, label in timed[:15]]
    except Exception as exc:  # the engine's internals move under this benchmark; keep the cProfile part
        lines.append(f"== each rule's SQL alone: unavailable ({type(exc).__name__}: {exc})")
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI


def _measure_main(args: argparse.Namespace) -> int:
    for rows in sorted(_ints(args.rows)):
        start = time.perf_counter()
        source = fast_source(rows, args.seed)
        generated = time.perf_counter() - start
        result, flags = measure(ENGINES[args.engine](), source, args.repeat, args.budget, release=True)
        result.extra["generate_s"] = generated
        payload = json.dumps(result.__dict__, ensure_ascii=False)
        if args.out_dir:
            json_path, flags_path = _paths(args.out_dir, args.engine, rows)
            save_flags(flags_path, flags)
            json_path.write_text(payload + "\n", encoding="utf-8")
        else:
            print(payload)
        del source, flags
        gc.collect()
    return 0


def _ints(text: str) -> list[int]:
    return [int(float(part)) for part in text.split(",") if part]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure", help="time one engine in this process (JSON on stdout without --out-dir)")
    m.add_argument("--engine", choices=sorted(ENGINES), required=True)
    m.add_argument("--rows", default="100000", help="indicator rows; several comma-separated run in turn")
    m.add_argument("--seed", type=int, default=7)
    m.add_argument("--repeat", type=int, default=3, help="timed runs at most (best is reported)")
    m.add_argument("--budget", type=float, default=120.0, help="stop repeating once this many seconds are spent")
    m.add_argument("--out-dir", type=Path, help="write <engine>-<rows>.json and the flagged rids (.npz) here")
    lat = sub.add_parser("latency", help="cold `perfrules check` and warm validate() on one submission (JSON)")
    lat.add_argument("path", type=Path)
    lat.add_argument("--cold", type=int, default=5)
    lat.add_argument("--warm", type=int, default=20)
    p = sub.add_parser("profile", help="cProfile perfrules' engine phase")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    if args.command == "measure":
        return _measure_main(args)
    if args.command == "latency":
        print(json.dumps(latency(args.path, args.cold, args.warm)))
        return 0
    print(profile(args.rows, args.seed, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
