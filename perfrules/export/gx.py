"""A rule pack as a Great Expectations 1.x ExpectationSuite, and the tables it runs on.

A bureau that already runs Great Expectations (GX) over its warehouse can run the pack's checks
there. Each rule becomes one expectation:

* a built-in column expectation, only where one has exactly the rule's semantics: a ``row``
  check of one condition comparing a column with a literal (or testing it for missing), with no
  ``where`` and no restriction by document kind or fiscal year;
* otherwise an ``unexpected_rows_expectation`` whose query is the rule's compiled SQL with its
  effective parameters, returning the violating rows exactly as perfrules' engine does.

The queries are DuckDB SQL over the perfrules tables (``submissions`` … ``locations`` and the
``ref_<lookup>`` reference tables) in one database; :func:`materialize_duckdb` writes them.
Great Expectations and duckdb_engine are optional (extra ``gx``) and imported only where used,
through ``importlib`` so that their objects are ``Any`` at this module's boundary.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from perfrules._version import __version__
from perfrules.compile.allowlist import DIALECT
from perfrules.engine.duckdb_engine import DuckDBEngine, insert_rows, quoted
from perfrules.errors import MissingDependency
from perfrules.model.rule import ParamValue, RowCheck, Severity
from perfrules.model.submission import DocumentKind
from perfrules.pack.loader import LoadedRule, Pack
from perfrules.tables.normalize import Batch
from perfrules.tables.spec import DECIMAL, TABLES

UNEXPECTED_ROWS = "unexpected_rows_expectation"
MAX_RESULT_ROWS = 200
"""GX's MAX_RESULT_RECORDS: an unexpected_rows_expectation returns at most this many rows (it counts all)."""
GX_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "warning", Severity.INFO: "info"}
_NUMERIC = ("INTEGER", "BIGINT", DECIMAL)
# fails_when op → the bound a row must keep: (bound key, strict) — "fails when x > v" is "expect x <= v".
_BOUNDS = {
    "gt": ("max_value", False),
    "gte": ("max_value", True),
    "lt": ("min_value", False),
    "lte": ("min_value", True),
}
_STRICT = {"max_value": "strict_max", "min_value": "strict_min"}
# GX runs a query on a SQL source through SQLAlchemy's text(), which reads ``:name`` as a bind
# parameter and turns ``\:name`` back into ``:name`` (sqlalchemy.sql.elements / compiler).
_SA_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?![:\w])")
_SA_UNESCAPE = re.compile(r"\x5c(:\w*)(?![:\w])")


@dataclass(frozen=True)
class GxExport:
    suite: dict[str, Any]
    """A GX 1.x ExpectationSuite as a JSON-able dict: ``gx.ExpectationSuite(**suite)`` loads it."""
    not_exported: list[tuple[str, str]] = field(default_factory=list)
    """(rule id, reason) of each rule that has no expectation in the suite."""

    def rule_ids(self, kind: str) -> list[str]:
        """Rule ids exported as ``builtin`` or as ``unexpected_rows``."""
        return [
            e["meta"]["perfrules_rule_id"] for e in self.suite["expectations"] if e["meta"]["perfrules_export"] == kind
        ]


def _parameter(value: ParamValue | None, parameters: dict[str, ParamValue]) -> ParamValue | None:
    """A condition's value with a ``{name}`` parameter resolved, as the compiler resolves it."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return parameters.get(value[1:-1].strip())
    return value


def _json_number(value: int | Decimal) -> int | float | None:
    """The literal as JSON can hold it, or None where JSON would change it."""
    if isinstance(value, int) or value == value.to_integral_value():
        return int(value)
    number = float(value)
    # GX binds the bound as a float; only a literal that survives the round trip compares the same.
    return number if Decimal(repr(number)) == value else None


def builtin_expectation(loaded: LoadedRule) -> tuple[str, dict[str, Any]] | None:
    """The built-in expectation (type, kwargs) with exactly the rule's semantics, if there is one.

    perfrules never flags a NULL (a comparison with NULL is not true) and GX's column-map
    expectations skip NULLs, so a comparison maps to its inverse. The compiled SQL also filters
    on document kind and fiscal year, which a column expectation cannot, so only rules applying
    to every kind in every year qualify.
    """
    rule = loaded.rule
    check = rule.check
    if not isinstance(check, RowCheck) or check.where is not None or len(check.fails_when) != 1:
        return None
    if (
        set(rule.applies_to) != set(DocumentKind)
        or rule.effective.from_year is not None
        or rule.effective.to_year is not None
    ):
        return None
    cond = check.fails_when[0]
    spec = TABLES[rule.table]
    column = spec.column(cond.column)
    if column is None or cond.other is not None:
        return None
    if cond.op in ("is_missing", "is_present"):
        state = spec.column(f"{cond.column}_state")
        missing = cond.op == "is_missing"
        if state is not None:  # compiled as `<col>_state <> 'value'`; the state column is never NULL
            kind = "expect_column_values_to_be_in_set" if missing else "expect_column_values_to_not_be_in_set"
            return kind, {"column": state.name, "value_set": ["value"]}
        kind = "expect_column_values_to_not_be_null" if missing else "expect_column_values_to_be_null"
        return kind, {"column": column.name}
    value = _parameter(cond.value, loaded.parameters)
    if column.type in _NUMERIC and isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = _json_number(value)
        if number is None:
            return None
        if cond.op in _BOUNDS:
            bound, strict = _BOUNDS[cond.op]
            return "expect_column_values_to_be_between", {"column": column.name, bound: number, _STRICT[bound]: strict}
        if cond.op in ("eq", "ne", "in", "not_in"):  # `x IN (5)` is `x = 5`: one number, never a list here
            excluded = cond.op in ("eq", "in")
            kind = "expect_column_values_to_not_be_in_set" if excluded else "expect_column_values_to_be_in_set"
            return kind, {"column": column.name, "value_set": [number]}
        return None
    if column.type == "VARCHAR" and (
        (cond.op in ("eq", "ne") and isinstance(value, str))
        or (cond.op in ("in", "not_in") and isinstance(value, str | list))
    ):
        values = [value] if isinstance(value, str) else list(value)
        kind = (
            "expect_column_values_to_not_be_in_set" if cond.op in ("eq", "in") else "expect_column_values_to_be_in_set"
        )
        return kind, {"column": column.name, "value_set": values}
    return None


def _pointer_sql(loaded: LoadedRule, alias: str) -> str:
    """The finding's JSON pointer in SQL, as perfrules.findings.build._pointer makes it."""
    column = TABLES[loaded.compiled.located_table].column(loaded.compiled.points_at)
    if column is None or not column.field:
        return f"COALESCE(NULLIF({alias}.path, ''), '/')"
    return f"{alias}.path || {exp.Literal.string('/' + column.field).sql(DIALECT)}"


def unexpected_rows_query(loaded: LoadedRule) -> tuple[str | None, str | None]:
    """(query, None) for an unexpected_rows_expectation, or (None, reason) if GX would run another query.

    The compiled SQL is wrapped, not rewritten: the outer query adds the submission's ``source``
    and the finding's ``pointer``, and orders by row so GX's first 200 rows are always the same.
    """
    sql = loaded.compiled.sql
    if _SA_UNESCAPE.search(sql):
        return None, (
            "SQL 含 `\\:`，SQLAlchemy text() 会把它改成 `:` / the SQL contains `\\:`, which SQLAlchemy's text() "
            "(how GX runs a query) turns into `:`, so GX would run a different query"
        )
    # GX substitutes with str.format (braces in regular expressions are doubled) and runs the
    # result through text() (a colon before a word is escaped so it is not a bind parameter).
    escaped = _SA_BIND.sub(lambda m: "\\" + m.group(0), sql.replace("{", "{{").replace("}", "}}"))
    query = (
        f"SELECT perfrules_submission.source AS source, {_pointer_sql(loaded, 'perfrules_v')} AS pointer, perfrules_v.*\n"
        f"FROM (\n{escaped}\n) AS perfrules_v\n"
        "LEFT JOIN submissions AS perfrules_submission ON perfrules_submission.sub = perfrules_v.sub\n"
        # GX warns unless the query names {batch}. The rule reads the perfrules tables by name, so the
        # batch only has to exist: this condition is true for any batch, even an empty one.
        "WHERE (SELECT COUNT(*) FROM {batch} AS perfrules_batch) >= 0\n"
        "ORDER BY perfrules_v.sub, perfrules_v.rid"
    )
    return query, None


def _not_run(loaded: LoadedRule) -> str | None:
    if loaded.rule.status != "active":
        return f"状态为 {loaded.rule.status}，perfrules 也不运行 / status {loaded.rule.status}: perfrules does not run it either"
    if not loaded.enabled:
        return "已停用（enabled: false）/ disabled in the pack or an overlay: perfrules does not run it either"
    return None


def _expectation(loaded: LoadedRule, kind: str, kwargs: dict[str, Any], export: str, table: str) -> dict[str, Any]:
    rule = loaded.rule
    return {
        "type": kind,
        "kwargs": kwargs,
        "meta": {
            "perfrules_rule_id": rule.id,
            "severity": loaded.severity.value,
            "title_zh": rule.title.zh,
            "title_en": rule.title.en,
            "perfrules_rule_version": rule.version,
            "perfrules_check": rule.check.kind,
            "perfrules_export": export,
            "perfrules_table": table,
            "perfrules_points_at": loaded.compiled.points_at,
        },
        "description": f"{rule.id}: {rule.title.zh} / {rule.title.en}",
        "severity": GX_SEVERITY[loaded.severity],
    }


def export_gx_suite(pack: Pack, suite_name: str = "perfrules") -> GxExport:
    """Every rule perfrules would run, as one expectation each, in the pack's order (by rule id)."""
    expectations: list[dict[str, Any]] = []
    not_exported: list[tuple[str, str]] = []
    for loaded in pack.rules:
        reason = _not_run(loaded)
        if reason is not None:
            not_exported.append((loaded.rule.id, reason))
            continue
        builtin = builtin_expectation(loaded)
        if builtin is not None:
            expectations.append(_expectation(loaded, *builtin, "builtin", loaded.rule.table))
            continue
        query, reason = unexpected_rows_query(loaded)
        if query is None:
            not_exported.append((loaded.rule.id, reason or ""))
            continue
        kwargs = {"unexpected_rows_query": query}
        expectations.append(
            _expectation(loaded, UNEXPECTED_ROWS, kwargs, "unexpected_rows", loaded.compiled.located_table)
        )
    suite = {
        "name": suite_name,
        "expectations": expectations,
        "meta": {
            "perfrules_version": __version__,
            "perfrules_pack": pack.name,
            "perfrules_pack_hash": pack.content_hash,
            "perfrules_overlays": list(pack.overlays),
            "perfrules_sql_dialect": DIALECT,
            "perfrules_not_exported": [{"rule_id": rule_id, "reason": reason} for rule_id, reason in not_exported],
        },
    }
    return GxExport(suite, not_exported)


def write_gx_suite(export: GxExport, path: str | Path) -> Path:
    """The suite as UTF-8 JSON (Chinese titles kept readable), the form GX's file store keeps."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(export.suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n")
    return target


def suites_by_table(suite: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The suite split by ``meta.perfrules_table``: run each part on that table's batch.

    A built-in column expectation needs a batch of its own table; an unexpected-rows expectation
    runs on any batch, and goes with the table its findings point at.
    """
    parts: dict[str, dict[str, Any]] = {}
    for expectation in suite["expectations"]:
        table = expectation["meta"]["perfrules_table"]
        part = parts.setdefault(
            table, {"name": f"{suite['name']}.{table}", "expectations": [], "meta": dict(suite["meta"])}
        )
        part["expectations"].append(expectation)
    return dict(sorted(parts.items()))


def materialize_duckdb(batch: Batch, pack: Pack, db_path: str | Path) -> Path:
    """Write the batch's tables and the pack's reference tables into a DuckDB database file.

    The same DDL and loaders as the engine, so the types (DECIMAL(18,4) money, NULL states) that
    the compiled SQL expects are the ones GX reads. Existing perfrules tables are replaced. Loaded
    under the engine's sandbox settings: it writes only the database the caller asked for.
    """
    target = Path(db_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target))
    try:
        # The engine's sandbox: nothing loaded here may reach a file other than this database.
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        for name, data in batch.tables.items():
            spec = TABLES[name]
            con.execute(f"DROP TABLE IF EXISTS {quoted(name)}")
            con.execute(spec.ddl())
            if len(data):
                insert_rows(con, spec, data.columns)
        for ref in pack.references.values():
            # The engine's own loader: ref_<name> with valid_from / valid_to as INTEGER years.
            DuckDBEngine.load_reference(con, ref)
    finally:
        con.close()
    return target


class _ResultPerCursor:
    """A DB-API connection for duckdb_engine whose every cursor is a DuckDB cursor of its own.

    duckdb_engine hands SQLAlchemy cursors that share the connection's single result. GX reads
    a query's rows after its SQLAlchemy connection has closed, and closing rolls back, which
    replaces that result: every GX metric then sees no rows. A cursor of its own keeps its rows.
    """

    autocommit = None  # what duckdb_engine's own wrapper reports: DuckDB has no autocommit switch

    def __init__(self, con: duckdb.DuckDBPyConnection, cursor_wrapper: Callable[..., Any]) -> None:
        self._con = con
        self._cursor_wrapper = cursor_wrapper
        self.notices: list[str] = []
        self.closed = False

    def cursor(self) -> _OwnCursor:
        child = self._con.cursor()
        return _OwnCursor(self._cursor_wrapper(child, self), child)

    def close(self) -> None:
        self._con.close()
        self.closed = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


class _OwnCursor:
    """duckdb_engine's cursor over a child cursor, closing the child with it (duckdb_engine never closes)."""

    def __init__(self, wrapped: Any, child: duckdb.DuckDBPyConnection) -> None:
        self._wrapped = wrapped
        self._child = child

    def close(self) -> None:
        self._child.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


def _connect_read_only(db_path: str) -> _ResultPerCursor:
    try:
        duckdb_engine: Any = importlib.import_module("duckdb_engine")
    except ImportError as exc:
        raise MissingDependency.for_extra(
            "gx", "duckdb_engine", "Great Expectations 连接", "the GX connection"
        ) from exc
    return _ResultPerCursor(duckdb.connect(db_path, read_only=True), duckdb_engine.CursorWrapper)


def gx_engine_kwargs(db_path: str | Path) -> dict[str, Any]:
    """``kwargs`` for ``context.data_sources.add_sql(..., connection_string="duckdb:///<db>")``.

    A read-only connection per SQLAlchemy connection, with a DuckDB cursor per query (see
    ``_ResultPerCursor``). A callable cannot be written to great_expectations.yml, so this is
    for contexts configured in code (ephemeral, or a file context whose source is added at run time).
    """
    return {"creator": partial(_connect_read_only, str(Path(db_path)))}


@dataclass
class ExportOutcome:
    exit_code: int
    """0 written, 2 the pack has problems or an input could not be read."""
    lines: list[str] = field(default_factory=list)


def run_export(
    out: Path, *, rules: Path | None = None, overlays: Sequence[str] = (), suite_name: str = "perfrules",
    db: Path | None = None, inputs: Sequence[Path] = (),
) -> ExportOutcome:  # fmt: skip
    """``perfrules export gx``: write the suite and, with ``db``, the tables of ``inputs`` for it."""
    from perfrules.pack.loader import load_pack
    from perfrules.pack.location import default_rules_dir
    from perfrules.read.inputs import read_inputs
    from perfrules.tables.normalize import normalize

    if (db is None) != (not inputs):
        return ExportOutcome(2, ["--db 与提交文件须同时给出 / --db and submission paths go together"])
    pack = load_pack(rules or default_rules_dir(), overlays)
    if pack.problems:
        return ExportOutcome(2, [f"✗ {p}" for p in pack.problems])
    export = export_gx_suite(pack, suite_name)
    write_gx_suite(export, out)
    outcome = ExportOutcome(0, [
        f"{out}: {len(export.rule_ids('builtin'))} 内置 / built-in, {len(export.rule_ids('unexpected_rows'))} "
        f"unexpected_rows, {len(export.not_exported)} 未导出 / not exported",
        *(f"  - {rule_id}: {reason}" for rule_id, reason in export.not_exported),
    ])  # fmt: skip
    if db is not None:
        reads = read_inputs(list(inputs))
        batch = normalize(r.submission for r in reads if r.submission is not None)
        materialize_duckdb(batch, pack, db)
        outcome.lines.append(f"{db}: {len(batch.sources)} 份提交 / submissions")
        for problem in (p for r in reads for p in r.problems):
            outcome.lines.append(
                f"✗ {problem.source}{':' + problem.location if problem.location else ''}: {problem.message}"
            )
            outcome.exit_code = 2
    return outcome
