"""Hostile rule packs: every statement kind DuckDB has, through every place a pack holds a string.

For each place that reaches SQL as a name or a fragment, lint (the loader) refuses the file at
its line, and ``check`` still runs the other rules. For places that reach SQL as a value, the
value is a bound or generated literal, so the statement is inert. Bypassing lint (a compiled
rule built by hand, as a tampered cache would give) is stopped by the engine's guard. After all
of it, the shipped pack's findings on the seed are unchanged in the same process.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from perfrules import validate
from perfrules.compile.kinds import CompiledRule
from perfrules.engine.duckdb_engine import DuckDBEngine
from perfrules.engine.guard import QueryRejected, verify_select
from perfrules.pack.loader import load_pack
from perfrules.read.documents import read_path
from perfrules.tables.normalize import normalize
from tests.conftest import SEED

STATEMENTS = [
    "DELETE FROM submissions",
    "DELETE FROM projects WHERE department = '示例局'",
    "UPDATE indicators SET weight = 1",
    "INSERT INTO projects SELECT * FROM projects",
    "DROP TABLE indicators",
    "DROP VIEW IF EXISTS projects",
    "CREATE TABLE stolen AS SELECT * FROM projects",
    "CREATE VIEW v2 AS SELECT 1",
    "CREATE MACRO abs(x) AS 0",
    "CREATE OR REPLACE MACRO regexp_matches(a, b) AS false",
    "CREATE SEQUENCE s1",
    "CREATE SCHEMA evil",
    "CREATE TYPE mood AS ENUM ('a')",
    "CREATE INDEX i1 ON projects (name)",
    "CREATE SECRET s (TYPE s3)",
    "ALTER TABLE projects RENAME TO p2",
    "TRUNCATE projects",
    "COPY projects TO '.tmp/leak.csv'",
    "COPY (SELECT current_setting('memory_limit')) TO '.tmp/config.csv'",
    "EXPORT DATABASE '.tmp/exported'",
    "IMPORT DATABASE '.tmp/exported'",
    "ATTACH '.tmp/evil.db' AS evil",
    "DETACH memory",
    "USE memory",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET memory_limit",
    "PRAGMA enable_profiling",
    "PRAGMA database_list",
    "INSTALL httpfs",
    "LOAD httpfs",
    "CALL pragma_version()",
    "PREPARE p1 AS SELECT 1",
    "EXECUTE perfrules_fused_0",
    "DEALLOCATE PREPARE perfrules_fused_0",
    "BEGIN TRANSACTION",
    "COMMIT",
    "ROLLBACK",
    "CHECKPOINT",
    "VACUUM",
    "ANALYZE",
    "EXPLAIN SELECT 1",
    "DESCRIBE projects",
    "SHOW TABLES",
    "SUMMARIZE projects",
    "COMMENT ON TABLE projects IS 'x'",
    "SELECT * FROM query('DELETE FROM submissions')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM duckdb_settings()",
    "SELECT current_setting('threads')",
]

BASE_RULE: dict[str, Any] = {
    "id": "HOSTILE-RULE",
    "version": "1.0",
    "severity": "error",
    "title": {"zh": "测试", "en": "test"},
    "message": {"zh": "测试", "en": "test"},
    "basis": [{"document": "test", "verification": "P"}],
    "parameters": {"min_weight": {"default": 0}, "label": {"default": "x"}},
    "table": "indicators",
    "points_at": "weight",
    "evidence": {"weight": "weight"},
    "check": {"kind": "sql", "where": "weight_state = 'value'", "fails_when": "weight <= {min_weight}"},
}


def _breakouts(statement: str) -> dict[str, str]:
    """Ways a string could close the SQL around it and start ``statement``."""
    return {
        "literal": f"n', 1) AS evidence FROM (SELECT 1) r WHERE FALSE; {statement}; SELECT json_object('z",
        "identifier": f'x" FROM indicators; {statement}; SELECT "y',
        "fragment": f"weight) IS NULL; {statement}; SELECT (1",
    }


def _set(rule: dict[str, Any], place: str, text: str) -> None:
    """Put ``text`` into one place of the rule."""
    if place == "evidence_name":
        rule["evidence"] = {text: "weight"}
    elif place == "evidence_expr":
        rule["evidence"] = {"weight": text}
    elif place == "parameter_name":
        rule["parameters"] = {text: {"default": 0}}
        rule["check"]["fails_when"] = "weight <= 0"
    elif place == "table":
        rule["table"] = text
    elif place == "points_at":
        rule["points_at"] = text
    elif place == "fails_when":
        rule["check"]["fails_when"] = text
    elif place == "where":
        rule["check"]["where"] = text
    elif place == "condition_column":
        rule["check"] = {"kind": "row", "fails_when": [{"column": text, "op": "lte", "value": 0}]}
    elif place == "condition_other":
        rule["check"] = {"kind": "row", "fails_when": [{"column": "weight", "op": "lt", "other": text}]}
    elif place == "text_column":
        rule["check"] = {"kind": "text_pattern", "column": text, "patterns": ["x"]}
    elif place == "lookup":
        rule["check"] = {"kind": "reference", "lookup": text, "keys": {"name": "purpose_category"}}
    elif place == "lookup_key":
        rule["check"] = {"kind": "reference", "lookup": "fund_uses", "keys": {"name": text}}
    elif place == "lookup_column":
        rule["check"] = {"kind": "reference", "lookup": "fund_uses", "keys": {text: "purpose_category"}}
    elif place == "allowed_column":
        rule["check"] = {
            "kind": "reference", "lookup": "fund_uses", "keys": {"name": "purpose_category"}, "allowed_column": text,
        }  # fmt: skip
    else:  # pragma: no cover - a typo in the table below
        raise AssertionError(place)


NAME_AND_FRAGMENT_PLACES = [
    "evidence_name", "evidence_expr", "parameter_name", "table", "points_at", "fails_when", "where",
    "condition_column", "condition_other", "text_column", "lookup", "lookup_key", "lookup_column", "allowed_column",
]  # fmt: skip
"""Places whose string becomes a name or an SQL fragment: lint must refuse every break-out."""


def _pack(tmp_path: Path, rule: dict[str, Any], *, header: str | None = None, stem: str = "fund_uses") -> Path:
    root = tmp_path / "pack"
    (root / "reference").mkdir(parents=True)
    (root / "rules").mkdir()
    # JSON is YAML 1.2: no quoting trap can hide a payload from the test itself.
    (root / "rules" / "HOSTILE-RULE.yaml").write_text(json.dumps(rule, ensure_ascii=False, indent=1), encoding="utf-8")
    csv_header = header if header is not None else "purpose_category,use_category,valid_from,valid_to"
    (root / "reference" / f"{stem}.csv").write_text(f"{csv_header}\n心理健康,培训,,\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("statement", STATEMENTS)
def test_lint_refuses_every_break_out_through_every_name_and_fragment(tmp_path: Path, statement: str) -> None:
    for place in NAME_AND_FRAGMENT_PLACES:
        for style, payload in _breakouts(statement).items():
            rule = copy.deepcopy(BASE_RULE)
            _set(rule, place, payload)
            pack = load_pack(_pack(tmp_path / place / style, rule))
            assert pack.rules == [], (place, style)
            problem = next(p for p in pack.problems if p.file.endswith("HOSTILE-RULE.yaml"))
            assert problem.line is not None, (place, style, problem)


@pytest.mark.parametrize("statement", STATEMENTS)
def test_reference_csv_headers_and_file_names_cannot_carry_sql(tmp_path: Path, statement: str) -> None:
    header = f'purpose_category,use_category" VARCHAR); {statement}; --,valid_from,valid_to'
    rule = copy.deepcopy(BASE_RULE)
    pack = load_pack(_pack(tmp_path / "header", rule, header=header))
    assert "fund_uses" not in pack.references
    problem = next(p for p in pack.problems if p.file.endswith("fund_uses.csv"))
    assert (problem.line, problem.column) == (1, 2)
    assert [r.rule.id for r in pack.rules] == ["HOSTILE-RULE"]  # the rule that needs no lookup still runs
    stem = f'x"; {statement.replace("/", "_")}; --'
    pack = load_pack(_pack(tmp_path / "stem", rule, stem=stem))
    assert pack.references == {}
    assert any(p.file.endswith(".csv") and "x" in p.message for p in pack.problems)


def test_values_are_literals_so_a_statement_inside_one_is_inert(tmp_path: Path) -> None:
    """Parameter defaults, condition values and patterns are values: quoted, never pasted."""
    payload = "'); DELETE FROM submissions; SELECT ('"
    rules = []
    for place in ("parameter", "condition", "pattern"):
        rule = copy.deepcopy(BASE_RULE)
        rule["id"] = f"HOSTILE-{place.upper()}"
        if place == "parameter":
            rule["parameters"]["label"] = {"default": payload}
            rule["check"]["where"] = "weight_state <> {label}"
        elif place == "condition":
            rule["check"] = {"kind": "row", "fails_when": [{"column": "name", "op": "eq", "value": payload}]}
            rule["points_at"] = "name"
        else:
            # Parentheses escaped: the pattern must compile in RE2 (lint refuses it otherwise).
            pattern = payload.replace("(", "\\(").replace(")", "\\)")
            rule["check"] = {"kind": "text_pattern", "column": "name", "patterns": [pattern]}
            rule["points_at"] = "name"
            rule["evidence"] = {}
        rules.append(rule)
    root = _pack(tmp_path, rules[0])
    for rule in rules[1:]:
        (root / "rules" / f"{rule['id']}.yaml").write_text(json.dumps(rule, ensure_ascii=False), encoding="utf-8")
    report = validate([SEED], rules=root)
    assert not [p for p in report.problems if p.kind == "rule"], report.problems
    assert report.summary["checked"] == 1


def test_check_drops_the_hostile_rule_and_the_others_still_give_their_verdict(tmp_path: Path) -> None:
    rules_dir = Path(__file__).resolve().parents[1] / "rules"
    pack_dir = tmp_path / "pack"
    import shutil

    shutil.copytree(rules_dir, pack_dir)
    rule = copy.deepcopy(BASE_RULE)
    _set(rule, "evidence_name", _breakouts("DELETE FROM submissions")["literal"])
    (pack_dir / "national" / "HOSTILE-RULE.yaml").write_text(json.dumps(rule, ensure_ascii=False), encoding="utf-8")
    report = validate([SEED], rules=pack_dir)
    assert [p.source.endswith("HOSTILE-RULE.yaml") for p in report.problems] == [True]
    assert report.problems[0].location is not None
    clean = validate([SEED])
    assert [f.fingerprint for f in report.submissions[0].findings] == [
        f.fingerprint for f in clean.submissions[0].findings
    ]
    assert report.submissions[0].verdict == "blocked"
    assert report.exit_code == 1


def _keys() -> str:
    return "NULL AS ident_0, NULL AS ident_1, NULL AS ident_2, NULL AS location"


@pytest.mark.parametrize("statement", STATEMENTS)
def test_engine_refuses_what_lint_would_have_refused(
    statement: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A compiled rule built by hand (as a tampered cache would give) cannot change the catalogue."""
    monkeypatch.chdir(tmp_path)
    engine = DuckDBEngine()
    fine = CompiledRule(
        "FINE", f"SELECT sub, rid, path, {_keys()} FROM projects WHERE self_score < 100", "projects", "self_score", ()
    )
    hostile = [
        CompiledRule(
            "STACKED", f"SELECT sub, rid, path, {_keys()} FROM projects; {statement}", "projects", "self_score", ()
        ),
        CompiledRule("ALONE", statement, "projects", "self_score", ()),
        CompiledRule(
            "EVIDENCE",
            f"SELECT sub, rid, path, {_keys()}, 1 AS ev_n FROM projects",
            "projects",
            "self_score",
            (_breakouts(statement)["literal"],),
        ),
    ]
    read = read_path(SEED)
    assert read.submission is not None
    batch = normalize([read.submission])
    result = engine.run(batch, [*hostile, fine])
    assert set(result.errors) == {"STACKED", "ALONE", "EVIDENCE"}
    assert all("沙箱" in message for message in result.errors.values()), result.errors
    assert len(result.rows["FINE"]) == 5
    again = engine.run(normalize([read.submission]), [fine])
    assert len(again.rows["FINE"]) == 5, "the catalogue changed under the next run"
    assert not (tmp_path / ".tmp").exists()
    con = engine._session(False).con
    assert con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_type LIKE '%macro%' AND NOT internal"
    ).fetchone() == (0,)
    assert con.execute("SELECT current_setting('enable_external_access')").fetchone() == (False,)


def test_guard_admits_the_compilers_own_shapes() -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE projects (sub INT, rid INT)")
    verify_select(con, "WITH v AS (SELECT sub, rid FROM projects) SELECT v.* FROM v", {"projects"})
    for bad in (
        "SELECT * FROM main.projects",
        "SELECT * FROM other",
        "SELECT 1; SELECT 2",
        "SELECT load_extension('x')",
    ):
        with pytest.raises(QueryRejected):
            verify_select(con, bad, {"projects"})


def test_the_shipped_pack_is_unchanged_after_the_attacks() -> None:
    """Runs last in this module (pytest keeps file order): same findings as a fresh process."""
    golden = json.loads(
        (Path(__file__).resolve().parents[1] / "fixtures/golden/shijiazhuang-zhengfawei-2020.findings.json").read_text(
            "utf-8"
        )
    )
    report = validate([SEED])
    found = sorted(f.rule_id for f in report.submissions[0].findings)
    expected = sorted(f["rule_id"] for f in (golden["findings"] if isinstance(golden, dict) else golden))
    assert found == expected


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_spark_wall_refuses_every_statement_but_a_select_over_loaded_tables(statement: str) -> None:
    """Spark runs sqlglot's rendering, so its wall is sqlglot's tree (checked without pyspark)."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    from perfrules.engine.guard import verify_tree

    tables = {"projects", "submissions", "indicators"}
    verify_tree(sqlglot.parse_one("WITH v AS (SELECT sub FROM projects) SELECT * FROM v", read="duckdb"), tables)
    try:
        tree = sqlglot.parse_one(statement, read="duckdb")
    except SqlglotError:
        return  # what sqlglot cannot parse never reaches Spark either
    with pytest.raises(QueryRejected):
        verify_tree(tree, tables)


def test_a_dropped_rule_turns_a_would_be_pass_into_an_error(tmp_path: Path) -> None:
    """Only a blocked submission outranks a rule that could not load: a clean one cannot pass."""
    import shutil

    pack_dir = tmp_path / "pack"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules", pack_dir)
    rule = copy.deepcopy(BASE_RULE)
    _set(rule, "fails_when", _breakouts("DROP TABLE indicators")["fragment"])
    (pack_dir / "national" / "HOSTILE-RULE.yaml").write_text(json.dumps(rule, ensure_ascii=False), encoding="utf-8")
    clean = Path(__file__).resolve().parents[1] / "fixtures/submissions/clean/project-table-training.yaml"
    report = validate([clean], rules=pack_dir)
    assert report.verdict == "error" and report.exit_code == 2
    assert validate([clean]).exit_code == 0
