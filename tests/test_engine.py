"""The engine's sandbox, watchdog and failure isolation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from perfrules import validate
from perfrules.compile.kinds import CompiledRule
from perfrules.engine import duckdb_engine
from perfrules.engine.duckdb_engine import DuckDBEngine, EngineSettings
from perfrules.read.documents import read_path
from perfrules.tables.normalize import Batch, normalize
from tests.conftest import RULES, SEED


def _batch() -> Batch:
    read = read_path(SEED)
    assert read.submission is not None
    return normalize([read.submission])


def _rule(rule_id: str, sql: str) -> CompiledRule:
    return CompiledRule(rule_id, sql, "projects", "self_score", ())


def test_watchdog_interrupts_a_runaway_rule_and_the_next_rule_still_runs() -> None:
    engine = DuckDBEngine(EngineSettings(rule_timeout_s=0.3))
    keys = "NULL AS ident_0, NULL AS ident_1, NULL AS ident_2, NULL AS location"
    # No table function passes the sandbox's guard: a recursive CTE makes the rows instead.
    slow = _rule(
        "SLOW",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 100000000000) "
        f"SELECT 0 AS sub, n AS rid, '' AS path, {keys} FROM c",
    )
    fine = _rule("FINE", f"SELECT sub, rid, path, {keys} FROM projects WHERE self_score < 100")
    result = engine.run(_batch(), [slow, fine])
    assert "0.3 s" in result.errors["SLOW"]
    assert len(result.rows["FINE"]) == 5  # the seed projects scored below 100


def test_sandbox_refuses_file_access_at_run_time_even_if_sql_got_through() -> None:
    engine = DuckDBEngine()
    hostile = [
        _rule("READ", "SELECT * FROM read_csv('/etc/passwd')"),
        _rule("COPY", "COPY projects TO '/tmp/perfrules-should-not-exist.csv'"),
        _rule("ATTACH", "ATTACH '/tmp/perfrules-should-not-exist.db'"),
        _rule("UNLOCK", "SET enable_external_access = true"),
    ]
    result = engine.run(_batch(), hostile)
    assert set(result.errors) == {"READ", "COPY", "ATTACH", "UNLOCK"}
    assert not Path("/tmp/perfrules-should-not-exist.csv").exists()


@pytest.fixture(params=["tables", "arrow"])
def table_form(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Small batches go into DuckDB tables; big ones are scanned as Arrow, rules fused in groups."""
    if request.param == "arrow":
        monkeypatch.setattr(duckdb_engine, "SMALL_TABLE_ROWS", 1)
        monkeypatch.setattr(duckdb_engine, "OPTIMIZE_FROM_ROWS", 0)
    return str(request.param)


def test_a_rule_failing_at_run_time_is_reported_and_blocks_while_others_run(tmp_path: Path, table_form: str) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    broken = (pack / "national" / "SCORE-PROJECT-RANGE.yaml").read_text(encoding="utf-8")
    broken = broken.replace(
        'fails_when: "self_score < 0 OR self_score > 100"', 'fails_when: "CAST(project_name AS INT) > 1"'
    )
    (pack / "national" / "SCORE-PROJECT-RANGE.yaml").write_text(broken, encoding="utf-8")
    report = validate(SEED, rules=pack)
    assert report.exit_code == 1  # the seed's blocking findings stand; the failed rule is reported
    (problem,) = [p for p in report.problems if p.rule_id == "SCORE-PROJECT-RANGE"]
    assert problem.kind == "rule"
    assert problem.source.endswith("SCORE-PROJECT-RANGE.yaml")
    assert "run time" in problem.message
    (result,) = report.submissions
    assert result.verdict == "blocked"
    assert {e.rule_id: e.status for e in result.ledger}["SCORE-PROJECT-RANGE"] == "errored"
    assert any(f.rule_id == "FUND-COMMINGLED" for f in result.findings)  # the rest still ran


def test_an_empty_batch_runs_no_engine() -> None:
    report = validate([], rules=RULES)
    assert report.exit_code == 0
    assert report.submissions == []


def test_a_value_that_breaks_a_rule_costs_only_its_own_submission(tmp_path: Path, table_form: str) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    rule = pack / "national" / "SCORE-PROJECT-RANGE.yaml"
    # A rule that breaks on one submission's data: a project name that is not a number.
    rule.write_text(
        rule.read_text(encoding="utf-8").replace(
            'fails_when: "self_score < 0 OR self_score > 100"', 'fails_when: "CAST(project_name AS INT) > 0"'
        ),
        encoding="utf-8",
    )
    good = tmp_path / "good.yaml"
    good.write_text(
        'document_kind: narrative_report\nheader: {department: 甲, fiscal_year: 2022}\nprojects: [{name: "1", self_score: 1}]\n',
        encoding="utf-8",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "document_kind: narrative_report\nheader: {department: 乙, fiscal_year: 2022}\nprojects: [{name: 乙, self_score: 9999}]\n",
        encoding="utf-8",
    )
    report = validate([good, bad], rules=pack)
    by_source = {s.source: s for s in report.submissions}
    assert [f.rule_id for f in by_source[str(good)].findings if f.rule_id == "SCORE-PROJECT-RANGE"] == [
        "SCORE-PROJECT-RANGE"
    ]
    assert {e.rule_id: e.status for e in by_source[str(good)].ledger}["SCORE-PROJECT-RANGE"] == "evaluated"
    assert {e.rule_id: e.status for e in by_source[str(bad)].ledger}["SCORE-PROJECT-RANGE"] == "errored"
    (problem,) = [p for p in report.problems if p.rule_id == "SCORE-PROJECT-RANGE"]
    assert problem.message.endswith(f"only on: {bad}")


def test_an_error_whatever_the_data_is_not_bisected(monkeypatch: pytest.MonkeyPatch) -> None:
    # A binder error fails on every submission alike: bisecting a batch of N would run it 2N times.
    read = read_path(SEED)
    assert read.submission is not None
    batch = normalize([read.submission] * 16)
    probes: list[list[int]] = []
    real = duckdb_engine.narrowed

    def counted(sql: str, subs: list[int]) -> str:
        probes.append(subs)
        return real(sql, subs)

    monkeypatch.setattr(duckdb_engine, "narrowed", counted)
    keys = "NULL AS ident_0, NULL AS ident_1, NULL AS ident_2, NULL AS location"
    unbound = _rule("UNBOUND", f"SELECT sub, rid, path, {keys} FROM projects GROUP BY sub HAVING self_score > 1")
    fine = _rule("FINE", f"SELECT sub, rid, path, {keys} FROM projects WHERE self_score < 100")
    result = DuckDBEngine().run(batch, [unbound, fine])
    assert "UNBOUND" in result.errors
    assert len(probes) == 1  # one probe, then the whole-batch error stands
    assert "UNBOUND" not in result.errored_subs or result.errored_subs["UNBOUND"] is None
    assert len(result.rows["FINE"]) == 5 * 16


def test_a_cached_pack_is_rebuilt_when_a_rule_file_changes(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    before = validate(SEED, rules=pack)
    assert any(f.rule_id == "PLAUS-SCORE-CLUSTER" for s in before.submissions for f in s.findings)
    rule = pack / "national" / "PLAUS-SCORE-CLUSTER.yaml"
    rule.write_text(
        rule.read_text(encoding="utf-8").replace("floor: {default: 95", "floor: {default: 99.9"), encoding="utf-8"
    )
    after = validate(SEED, rules=pack)
    assert not any(f.rule_id == "PLAUS-SCORE-CLUSTER" for s in after.submissions for f in s.findings)
    assert after.pack.content_hash != before.pack.content_hash
