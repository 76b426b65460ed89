"""The Great Expectations export finds what perfrules finds, rule by rule.

The suite is exported from the shipped pack plus test rules that reach every built-in mapping,
the tables of a corpus are written to a DuckDB file, and GX 1.x runs every expectation on it
through a SQL data source. Per rule, GX's count and rows must equal perfrules' own findings on
the same corpus. The corpus is the fixture corpus, every example of the pack (so each rule fires
somewhere) and 200 more copies of one must-fail example (so one query passes GX's 200-row limit).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from perfrules.compile.kinds import compile_rule
from perfrules.export.gx import (
    MAX_RESULT_ROWS,
    UNEXPECTED_ROWS,
    GxExport,
    builtin_expectation,
    export_gx_suite,
    gx_engine_kwargs,
    materialize_duckdb,
    run_export,
    suites_by_table,
    unexpected_rows_query,
    write_gx_suite,
)
from perfrules.model.report import Report
from perfrules.model.rule import Rule, Severity
from perfrules.model.submission import DocumentKind
from perfrules.pack.loader import LoadedRule, Pack, load_pack
from perfrules.read.documents import ReadResult, read_object
from perfrules.read.inputs import read_inputs
from perfrules.run import run_pack
from perfrules.tables.normalize import Batch, normalize
from perfrules.tables.spec import TABLES
from tests.conftest import FIXTURES, ROOT, RULES

ALL_KINDS = [k.value for k in DocumentKind]
CAP_RULE = "SCORE-IND-BOUNDS"
"""Its must-fail example is read 200 more times, so its query returns more rows than GX hands back."""
CAP_COPIES = 200
KNOWN_DISAGREEMENTS: dict[str, str] = {}
"""rule id → why GX cannot agree with perfrules on it. Strict: a listed rule that agrees fails too."""

Key = tuple[str | None, ...]
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["sub", "rid", "path"],
    "partial_unexpected_count": 100_000,
}


def _rule(rule_id: str, table: str, check: dict[str, Any], *, points_at: str, **extra: Any) -> LoadedRule:
    """A test rule, loaded as the pack loader loads one (effective parameters = defaults)."""
    data: dict[str, Any] = {
        "id": rule_id,
        "version": "1.0",
        "severity": "warning",
        "title": {"zh": "测试规则", "en": "test rule"},
        "message": {"zh": "测试", "en": "test"},
        "basis": [{"document": "test", "verification": "P"}],
        "table": table,
        "points_at": points_at,
        "applies_to": ALL_KINDS,
        "check": check,
        **extra,
    }
    rule = Rule.model_validate(data)
    return LoadedRule(rule, compile_rule(rule), "<test>", 1, rule.parameter_values(), rule.severity, rule.enabled)


def _row(rule_id: str, table: str, column: str, op: str, value: Any = None, **extra: Any) -> LoadedRule:
    condition = {"column": column, "op": op} | ({} if value is None else {"value": value})
    return _rule(rule_id, table, {"kind": "row", "fails_when": [condition]}, points_at=column, **extra)


# Row checks that map to built-ins, on nullable DECIMAL, INTEGER and VARCHAR columns and on numeric
# states, so GX's NULL handling is compared with perfrules' on real NULLs (missing and malformed cells).
BUILTIN_RULES = [
    _row("TEST-SCORE-GT", "indicators", "score", "gt", 5),
    _row("TEST-SCORE-GTE", "indicators", "score", "gte", "{limit}", parameters={"limit": {"default": 5}}),
    _row("TEST-WEIGHT-LT", "indicators", "weight", "lt", Decimal("2.5")),
    _row("TEST-SCORE-LTE", "indicators", "score", "lte", 0),
    _row("TEST-SCORE-EQ", "indicators", "score", "eq", 0),
    _row("TEST-WEIGHT-NE", "indicators", "weight", "ne", 10),
    _row("TEST-KIND-EQ", "indicators", "kind", "eq", "qualitative"),
    _row("TEST-UNIT-NE", "indicators", "unit", "ne", "%"),
    _row("TEST-COMPARATOR-IN", "indicators", "comparator", "in", ["eq"]),
    _row("TEST-COMPARATOR-NOT-IN", "indicators", "comparator", "not_in", ["gte", "lte"]),
    _row("TEST-TARGET-MISSING", "indicators", "target", "is_missing"),
    _row("TEST-TARGET-PRESENT", "indicators", "target", "is_present"),
    _row("TEST-UNIT-MISSING", "indicators", "unit", "is_missing"),
    _row("TEST-EXPLAIN-PRESENT", "indicators", "deviation_explanation", "is_present"),
    _row("TEST-SELF-SCORE-GT", "submissions", "self_score", "gt", 90),
    _row("TEST-WITHHELD-GTE", "submissions", "withheld_count", "gte", 1),
    _row("TEST-WEIGHT-IN", "indicators", "weight", "in", 10),
]
# Unexpected-rows rules whose SQL GX would misread unescaped: a colon before a word (a bind
# parameter to SQLAlchemy's text()) and regex braces (fields to str.format); and a finding that
# points at a column without a JSON field (the pointer is the row's path, or "/").
ESCAPE_RULES = [
    _rule(
        "TEST-COLON-BRACE",
        "indicators",
        {"kind": "text_pattern", "column": "name", "patterns": ["(:指标|成本x{0,3})"]},
        points_at="name",
    ),
    _rule("TEST-NO-FIELD", "submissions", {"kind": "sql", "fails_when": "withheld_count >= 0"}, points_at="source"),
]
UNESCAPABLE = _rule(
    "TEST-BACKSLASH-COLON",
    "indicators",
    {"kind": "text_pattern", "column": "name", "patterns": ["a\\:b"]},
    points_at="name",
)


@pytest.fixture(scope="module")
def shipped() -> Pack:
    pack = load_pack(RULES)
    assert not pack.problems
    return pack


# --- the export itself, without GX ----------------------------------------------------------


def test_shipped_pack_exports_every_rule(shipped: Pack) -> None:
    export = export_gx_suite(shipped, "bureau")
    assert export.not_exported == []
    assert export.rule_ids("builtin") == ["NARRATIVE-WITHHELD"]
    assert len(export.rule_ids("unexpected_rows")) == len(shipped.rules) - 1
    suite = export.suite
    assert suite["name"] == "bureau"
    assert suite["meta"]["perfrules_pack_hash"] == shipped.content_hash
    assert [e["meta"]["perfrules_rule_id"] for e in suite["expectations"]] == [r.rule.id for r in shipped.rules]
    for expectation, loaded in zip(suite["expectations"], shipped.rules, strict=True):
        meta = expectation["meta"]
        assert meta["severity"] == loaded.severity.value
        assert (meta["title_zh"], meta["title_en"]) == (loaded.rule.title.zh, loaded.rule.title.en)
        assert expectation["severity"] == {"error": "critical", "warning": "warning", "info": "info"}[meta["severity"]]
    withheld = suite["expectations"][[r.rule.id for r in shipped.rules].index("NARRATIVE-WITHHELD")]
    assert withheld["type"] == "expect_column_values_to_be_between"
    assert withheld["kwargs"] == {"column": "withheld_count", "max_value": 0, "strict_max": False}


def test_suite_file_is_the_suite_as_json(shipped: Pack, tmp_path: Path) -> None:
    export = export_gx_suite(shipped)
    path = write_gx_suite(export, tmp_path / "gx" / "perfrules.json")
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == export.suite
    assert "预算" in text  # Chinese titles stay readable


def test_overlay_disabled_and_draft_rules_are_listed_not_exported(shipped: Pack) -> None:
    sichuan = load_pack(RULES, ["sichuan"])
    export = export_gx_suite(sichuan)
    assert [rule_id for rule_id, _ in export.not_exported] == ["WEIGHT-L1-PROFILE"]
    assert "disabled" in export.not_exported[0][1]
    assert export.suite["meta"]["perfrules_overlays"] == ["sichuan"]
    assert export.suite["meta"]["perfrules_not_exported"][0]["rule_id"] == "WEIGHT-L1-PROFILE"
    # overlay parameters reach the query: Sichuan asks for an explanation below 90%, not 80%
    low = next(e for e in export.suite["expectations"] if e["meta"]["perfrules_rule_id"] == "BUDGET-EXEC-LOW-EXPLAIN")
    assert "< 0.9" in low["kwargs"]["unexpected_rows_query"]
    assert low["meta"]["severity"] == "error"
    draft = replace(shipped.rules[0], rule=shipped.rules[0].rule.model_copy(update={"status": "draft"}))
    assert "draft" in export_gx_suite(Pack("p", "p", [draft])).not_exported[0][1]


def test_sql_that_sqlalchemy_would_change_is_not_exported() -> None:
    export = export_gx_suite(Pack("p", "p", [UNESCAPABLE]))
    assert export.suite["expectations"] == []
    assert export.not_exported[0][0] == "TEST-BACKSLASH-COLON"
    assert "\\:" in export.not_exported[0][1]


def test_queries_escape_braces_and_colons_and_name_the_batch() -> None:
    query, reason = unexpected_rows_query(ESCAPE_RULES[0])
    assert reason is None
    assert query is not None
    assert "x{{0,3}}" in query
    assert "\\:指标" in query
    assert "{batch}" in query
    no_field, _ = unexpected_rows_query(ESCAPE_RULES[1])
    assert no_field is not None
    assert "COALESCE(NULLIF(perfrules_v.path, ''), '/') AS pointer" in no_field


MAPPING_CASES: list[tuple[LoadedRule, tuple[str, dict[str, Any]] | None]] = [
    (BUILTIN_RULES[0], ("expect_column_values_to_be_between", {"column": "score", "max_value": 5, "strict_max": False})),
    (BUILTIN_RULES[1], ("expect_column_values_to_be_between", {"column": "score", "max_value": 5, "strict_max": True})),
    (BUILTIN_RULES[2], ("expect_column_values_to_be_between", {"column": "weight", "min_value": 2.5, "strict_min": False})),
    (BUILTIN_RULES[3], ("expect_column_values_to_be_between", {"column": "score", "min_value": 0, "strict_min": True})),
    (BUILTIN_RULES[4], ("expect_column_values_to_not_be_in_set", {"column": "score", "value_set": [0]})),
    (BUILTIN_RULES[5], ("expect_column_values_to_be_in_set", {"column": "weight", "value_set": [10]})),
    (BUILTIN_RULES[6], ("expect_column_values_to_not_be_in_set", {"column": "kind", "value_set": ["qualitative"]})),
    (BUILTIN_RULES[7], ("expect_column_values_to_be_in_set", {"column": "unit", "value_set": ["%"]})),
    (BUILTIN_RULES[8], ("expect_column_values_to_not_be_in_set", {"column": "comparator", "value_set": ["eq"]})),
    (BUILTIN_RULES[9], ("expect_column_values_to_be_in_set", {"column": "comparator", "value_set": ["gte", "lte"]})),
    (BUILTIN_RULES[10], ("expect_column_values_to_be_in_set", {"column": "target_state", "value_set": ["value"]})),
    (BUILTIN_RULES[11], ("expect_column_values_to_not_be_in_set", {"column": "target_state", "value_set": ["value"]})),
    (BUILTIN_RULES[12], ("expect_column_values_to_not_be_null", {"column": "unit"})),
    (BUILTIN_RULES[13], ("expect_column_values_to_be_null", {"column": "deviation_explanation"})),
    (_row("TEST-IN-ONE", "indicators", "kind", "in", "qualitative"),
     ("expect_column_values_to_not_be_in_set", {"column": "kind", "value_set": ["qualitative"]})),
    (_row("TEST-NUMBER-IN-ONE", "indicators", "score", "in", 5),
     ("expect_column_values_to_not_be_in_set", {"column": "score", "value_set": [5]})),
    (_row("TEST-NUMBER-NOT-IN-ONE", "indicators", "weight", "not_in", "{w}", parameters={"w": {"default": 10}}),
     ("expect_column_values_to_be_in_set", {"column": "weight", "value_set": [10]})),
    # no exact built-in: these stay unexpected-rows queries
    (_row("TEST-LONG-DECIMAL", "indicators", "score", "gt", Decimal("0.12345678901234567")), None),
    (_row("TEST-NUMBER-IN", "indicators", "score", "in", ["1"]), None),
    (_row("TEST-NUMBER-MATCHES", "indicators", "score", "matches", 5), None),
    (_row("TEST-TEXT-GT", "indicators", "unit", "gt", "a"), None),
    (_row("TEST-BLANK", "indicators", "unit", "is_blank"), None),
    (_row("TEST-MATCHES", "indicators", "unit", "matches", "^a"), None),
    (_row("TEST-BOOL", "budget_lines", "is_total", "eq", True), None),
    (_row("TEST-SOME-KINDS", "indicators", "score", "gt", 5, applies_to=["project_table"]), None),
    (_row("TEST-FROM-YEAR", "indicators", "score", "gt", 5, effective={"from": 2022}), None),
    (_rule("TEST-OTHER", "indicators", {"kind": "row", "fails_when": [{"column": "score", "op": "gt", "other": "weight"}]},
           points_at="score"), None),
    (_rule("TEST-WHERE", "indicators", {"kind": "row", "where": "kind = 'quantitative'", "fails_when": [
        {"column": "score", "op": "gt", "value": 5}]}, points_at="score"), None),
    (_rule("TEST-TWO", "indicators", {"kind": "row", "match": "any", "fails_when": [
        {"column": "score", "op": "gt", "value": 5}, {"column": "weight", "op": "gt", "value": 5}]}, points_at="score"), None),
    (ESCAPE_RULES[1], None),
]  # fmt: skip


@pytest.mark.parametrize(("loaded", "expected"), MAPPING_CASES, ids=[c[0].rule.id for c in MAPPING_CASES])
def test_builtin_only_where_semantics_are_exact(
    loaded: LoadedRule, expected: tuple[str, dict[str, Any]] | None
) -> None:
    assert builtin_expectation(loaded) == expected


# --- the CLI's work ---------------------------------------------------------------------------


def test_run_export_writes_suite_and_database(tmp_path: Path) -> None:
    out, db = tmp_path / "suite.json", tmp_path / "perfrules.duckdb"
    outcome = run_export(out, rules=RULES, overlays=["sichuan"], suite_name="sc", db=db, inputs=[FIXTURES / "clean"])
    assert outcome.exit_code == 0, outcome.lines
    assert json.loads(out.read_text(encoding="utf-8"))["name"] == "sc"
    assert outcome.lines[0] == f"{out}: 1 内置 / built-in, 110 unexpected_rows, 1 未导出 / not exported"
    assert outcome.lines[1].startswith("  - WEIGHT-L1-PROFILE: ")
    assert outcome.lines[-1] == f"{db}: 1 份提交 / submissions"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM submissions").fetchone() == (1,)


def test_run_export_reports_problems(tmp_path: Path) -> None:
    out = tmp_path / "suite.json"
    assert run_export(out, db=tmp_path / "x.duckdb").exit_code == 2  # --db without inputs
    assert run_export(out, inputs=[FIXTURES]).exit_code == 2  # inputs without --db
    suite_only = run_export(out, rules=RULES)
    assert (suite_only.exit_code, len(suite_only.lines)) == (0, 1)
    missing = run_export(out, rules=tmp_path / "no-such-pack")
    assert missing.exit_code == 2
    assert "rule folder not found" in missing.lines[0]
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    outcome = run_export(out, rules=RULES, db=tmp_path / "bad.duckdb", inputs=[bad])
    assert outcome.exit_code == 2
    assert outcome.lines[-1].startswith(f"✗ {bad}")


def test_each_cursor_keeps_its_own_result(tmp_path: Path) -> None:
    """Why GX needs gx_engine_kwargs on DuckDB: its rows are read after the connection rolled back."""
    pytest.importorskip("duckdb_engine")
    db = tmp_path / "t.duckdb"
    materialize_duckdb(normalize([]), Pack("p", "p"), db)
    con = gx_engine_kwargs(db)["creator"]()
    first, second = con.cursor(), con.cursor()
    first.execute("SELECT 1")
    second.execute("SELECT 2")
    con.begin()
    con.rollback()
    assert first.fetchall() == [(1,)]
    assert second.fetchall() == [(2,)]
    first.close()
    second.close()
    con.close()
    assert con.closed


# --- GX runs the suite ----------------------------------------------------------------------


@dataclass(repr=False)  # GX results print their rows: a failing test would spend minutes on the repr
class GxRun:
    export: GxExport
    batch: Batch
    report: Report
    results: dict[str, Any] = field(default_factory=dict)
    """rule id → GX ExpectationValidationResult."""
    suites: int = 0


def _corpus(pack: Pack) -> list[ReadResult]:
    reads = read_inputs([FIXTURES, ROOT / "fixtures" / "workbooks"])
    for loaded in pack.rules:
        for index, example in enumerate(loaded.rule.examples):
            # A department of its own, so batch-scoped rules see each example as its author did; a blank
            # one stays blank (DATA-DEPARTMENT-BLANK's point), and batch rules never group blank ones.
            submission = copy.deepcopy(example.submission)
            if submission["header"]["department"].strip():
                submission["header"]["department"] += f" {loaded.rule.id}#{index}"
            reads.append(read_object(submission, f"{loaded.rule.id}#{index}"))
    cap = pack.rule(CAP_RULE)
    assert cap is not None
    failing = next(e for e in cap.rule.examples if e.expect == "fail")
    reads += [read_object(failing.submission, f"cap#{copy}") for copy in range(CAP_COPIES)]
    assert not [p for r in reads for p in r.problems]
    return reads


@pytest.fixture(scope="module")
def gx_run(shipped: Pack, tmp_path_factory: pytest.TempPathFactory) -> GxRun:
    gx = pytest.importorskip("great_expectations")
    pytest.importorskip("duckdb_engine")
    pack = Pack(
        shipped.name, shipped.root, [*shipped.rules, *BUILTIN_RULES, *ESCAPE_RULES, UNESCAPABLE], shipped.references
    )
    reads = _corpus(pack)
    batch = normalize(r.submission for r in reads if r.submission is not None)
    db = materialize_duckdb(batch, pack, tmp_path_factory.mktemp("gx") / "perfrules.duckdb")
    run = GxRun(export_gx_suite(pack), batch, run_pack(pack, reads, Severity.INFO))
    assert not run.report.problems
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GX_ANALYTICS_ENABLED", "false")  # no network here, and none wanted from a test
        context = gx.get_context(mode="ephemeral")
        written = write_gx_suite(run.export, db.with_suffix(".json")).read_text(encoding="utf-8")
        assert len(gx.ExpectationSuite(**json.loads(written)).expectations) == len(run.export.suite["expectations"])
        source = context.data_sources.add_sql(
            name="perfrules", connection_string=f"duckdb:///{db}", kwargs=gx_engine_kwargs(db)
        )
        for table, part in suites_by_table(run.export.suite).items():
            suite = gx.ExpectationSuite(**part)
            assert len(suite.expectations) == len(part["expectations"]), f"GX dropped an expectation of {table}"
            batch_definition = source.add_table_asset(name=table, table_name=table).add_batch_definition_whole_table(
                "all"
            )
            # Batch.validate, not a ValidationDefinition: storing a result converts every Decimal of
            # the returned rows with a stack inspection each, minutes under pytest. GX truncates a
            # built-in's index list at partial_unexpected_count on SQL sources, even for COMPLETE.
            result = batch_definition.get_batch().validate(suite, result_format=RESULT_FORMAT)
            for outcome in result.results:
                run.results[outcome.expectation_config.meta["perfrules_rule_id"]] = outcome
            run.suites += 1
    return run


def _pointer(table: str, points_at: str, path: str) -> str:
    column = TABLES[table].column(points_at)
    return f"{path}/{column.field}" if column is not None and column.field else (path or "/")


def _disagreement(run: GxRun, expectation: dict[str, Any]) -> str | None:
    """What differs between GX's outcome and perfrules' findings for one rule, or None."""
    meta = expectation["meta"]
    rule_id = meta["perfrules_rule_id"]
    outcome = run.results[rule_id]
    if outcome.exception_info.get("raised_exception"):
        return f"GX raised: {outcome.exception_info['exception_message']}"
    findings = [(s.source, f) for s in run.report.submissions for f in s.findings if f.rule_id == rule_id]
    if expectation["type"] == UNEXPECTED_ROWS:
        want: Counter[Key] = Counter((source, f.location.pointer, f.location.cell) for source, f in findings)
        count = outcome.result["observed_value"]
        rows = outcome.result.get("details", {}).get("unexpected_rows", [])
        got: Counter[Key] = Counter((r["source"], r["pointer"], r["location"]) for r in rows)
    else:
        want = Counter((source, f.location.pointer) for source, f in findings)
        count = outcome.result["unexpected_count"]
        rows = outcome.result.get("unexpected_index_list", [])
        sources = [s.source for s in run.batch.sources]
        got = Counter(
            (sources[r["sub"]], _pointer(meta["perfrules_table"], meta["perfrules_points_at"], r["path"])) for r in rows
        )
    if count != len(findings) or outcome.success != (not findings):
        return f"GX counts {count} (success={outcome.success}), perfrules {len(findings)}"
    capped = expectation["type"] == UNEXPECTED_ROWS and count > MAX_RESULT_ROWS
    if not capped and got != want:
        return f"rows differ: GX only {sorted(got - want)[:3]}, perfrules only {sorted(want - got)[:3]}"
    if capped and (len(rows) != MAX_RESULT_ROWS or got - want):
        return f"GX returned {len(rows)} rows for {count}, {sum((got - want).values())} not found by perfrules"
    return None


@pytest.mark.slow
def test_gx_runs_every_exported_expectation(gx_run: GxRun) -> None:
    exported = gx_run.export.suite["expectations"]
    assert sorted(gx_run.results) == sorted(e["meta"]["perfrules_rule_id"] for e in exported)
    assert gx_run.suites == len({e["meta"]["perfrules_table"] for e in exported})
    assert gx_run.export.not_exported[0][0] == UNESCAPABLE.rule.id
    assert len(gx_run.export.rule_ids("builtin")) == 1 + len(BUILTIN_RULES)


@pytest.mark.slow
def test_gx_agrees_with_perfrules_rule_by_rule(gx_run: GxRun) -> None:
    disagreements = {
        e["meta"]["perfrules_rule_id"]: reason
        for e in gx_run.export.suite["expectations"]
        if (reason := _disagreement(gx_run, e)) is not None
    }
    unexplained = {k: v for k, v in disagreements.items() if k not in KNOWN_DISAGREEMENTS}
    assert not unexplained, unexplained
    assert set(KNOWN_DISAGREEMENTS) <= set(disagreements), "a listed disagreement no longer happens: remove it"


@pytest.mark.slow
def test_the_corpus_exercises_what_it_claims(gx_run: GxRun) -> None:
    """Agreement on empty results would prove little: each claim of the corpus is checked."""
    counts = Counter(f.rule_id for s in gx_run.report.submissions for f in s.findings)
    shipped_ids = {e["meta"]["perfrules_rule_id"] for e in gx_run.export.suite["expectations"]} - {
        r.rule.id for r in (*BUILTIN_RULES, *ESCAPE_RULES)
    }
    assert {rule_id for rule_id in shipped_ids if not counts[rule_id]} == set(), "every shipped rule fires somewhere"
    assert counts[CAP_RULE] > MAX_RESULT_ROWS
    assert len(gx_run.results[CAP_RULE].result["details"]["unexpected_rows"]) == MAX_RESULT_ROWS
    assert counts["TEST-COLON-BRACE"] > 0
    # NULLs on both sides: missing scores are NULL, and neither perfrules nor GX flags them
    assert gx_run.results["TEST-SCORE-LTE"].result["missing_count"] > 0
    assert gx_run.results["TEST-COMPARATOR-NOT-IN"].result["missing_count"] > 0
    assert any(f.location.cell for s in gx_run.report.submissions for f in s.findings), "a workbook cell is compared"
