"""The Spark engine gives the same report as DuckDB, byte for byte, and the same value for every allowed function.

The Spark tests share one local SparkSession (starting a JVM costs seconds) and are marked
slow. They skip when pyspark or Java is missing, unless PERFRULES_REQUIRE_SPARK=1. The
translation tests at the end need no Spark and run in the default suite.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NoReturn

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from perfrules.compile.kinds import CompiledRule
from perfrules.engine.duckdb_engine import DuckDBEngine
from perfrules.engine.spark_engine import JAVA_PREFIX, SparkEngine, java_regex, reference_spec, to_spark_sql
from perfrules.errors import MissingDependency
from perfrules.findings.build import render_value
from perfrules.model.rule import Severity
from perfrules.pack.loader import Pack
from perfrules.read.documents import ReadResult, read_object
from perfrules.tables.normalize import Batch, normalize
from perfrules.tables.spec import ReferenceTable
from perfrules.validate import read_inputs, run_pack
from tests.conftest import FIXTURES, SEED

REQUIRE = os.environ.get("PERFRULES_REQUIRE_SPARK") == "1"
# pyspark warns on import that it does not support pandas 3 yet; the engine does not use pandas.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")


def _unavailable(reason: str) -> NoReturn:
    if REQUIRE:
        pytest.fail(f"PERFRULES_REQUIRE_SPARK=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _unavailable("pyspark is not installed: pip install 'perfrules[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("Java is not installed: Spark needs a JVM (Java 17 or 21)")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("perfrules-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    # Rules that fail on purpose are asserted below; their stack traces would only bury the output.
    session.sparkContext.setLogLevel("OFF")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def engine(spark: Any) -> SparkEngine:
    return SparkEngine(spark)


def _corpus(pack: Pack) -> list[ReadResult]:
    reads = read_inputs([FIXTURES])
    for loaded in pack.rules:
        for index, example in enumerate(loaded.rule.examples):
            reads.append(read_object(example.submission, f"{loaded.rule.id}#{index}"))
    return reads


@pytest.mark.slow
def test_the_whole_corpus_gives_a_byte_identical_report(pack: Pack, engine: SparkEngine) -> None:
    reads = _corpus(pack)
    on_duckdb = run_pack(pack, reads, Severity.INFO, engine=DuckDBEngine())
    on_spark = run_pack(pack, reads, Severity.INFO, engine=engine)
    assert not [p for p in on_spark.problems if p.kind == "rule"], on_spark.problems
    assert on_duckdb.summary["findings"] > 100  # the comparison covers real findings, not empty reports
    fired = {f.rule_id for s in on_duckdb.submissions for f in s.findings}
    # Every submission-scoped rule fires on its must-fail examples (a batch-scoped one may not, in a mixed batch).
    assert fired >= {
        r.rule.id for r in pack.rules if r.enabled and r.rule.status == "active" and r.rule.scope != "batch"
    }
    assert on_spark.model_dump_json() == on_duckdb.model_dump_json()


# --- every allowed function, on edge values, on both engines ------------------------------------


def _rendered(rows: list[tuple[Any, ...]]) -> list[tuple[str | None, ...]]:
    return sorted((tuple(render_value(v) for v in row) for row in rows), key=repr)


def _both(engine: SparkEngine, sql: str) -> tuple[list[tuple[str | None, ...]], list[tuple[str | None, ...]]]:
    """The rendered rows of one DuckDB query, on DuckDB and through the Spark engine (by position)."""
    on_duckdb = duckdb.connect().execute(sql).fetchall()
    on_spark = [tuple(row) for row in engine.spark.sql(engine.transpile(sql)).collect()]
    return _rendered(on_duckdb), _rendered(on_spark)


def _text(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _table(rows: list[tuple[object, ...]], columns: dict[str, str], alias: str = "v") -> str:
    """Inline rows as a derived table with typed columns, as the real tables are typed for the rewrites.

    Columns are read qualified (v.x), as the rule compiler writes them: only then can sqlglot type them.
    """
    literals = ", ".join("(" + ", ".join("NULL" if v is None else _text(str(v)) for v in row) + ")" for row in rows)
    raw = ", ".join(f"c{i}" for i in range(len(columns)))
    casts = ", ".join(f"CAST(c{i} AS {type_}) AS {name}" for i, (name, type_) in enumerate(columns.items()))
    return f"(SELECT {casts} FROM (VALUES {literals}) AS raw({raw})) AS {alias}"


@pytest.mark.slow
def test_ratios_round_like_duckdb_also_at_ties(engine: SparkEngine) -> None:
    # Ties in the fifth place are where DuckDB's DOUBLE division and Spark's exact DECIMAL one part.
    rng = random.Random(20)
    pairs = [(Decimal(k), Decimal(20000)) for k in range(1, 400, 2)]
    pairs += [(Decimal(rng.randint(-(10**9), 10**9)) / 10000, Decimal(rng.randint(1, 10**8)) / 100) for _ in range(300)]
    pairs += [(Decimal("1234.5"), Decimal(2000)), (Decimal(1), Decimal(0)), (Decimal(-3), Decimal(40000))]
    sql = (
        "SELECT v.a, v.b, CAST((v.a) / NULLIF(v.b, 0) AS DECIMAL(18, 4)), CAST((v.a - v.b) / NULLIF(v.b, 0) AS DECIMAL(18, 4)), "
        "ROUND(CAST((v.a) / NULLIF(v.b, 0) AS DECIMAL(18, 4)) * 100, 2) "
        "FROM " + _table(pairs, {"a": "DECIMAL(18,4)", "b": "DECIMAL(18,4)"})
    )
    on_duckdb, on_spark = _both(engine, sql)
    assert on_spark == on_duckdb


@pytest.mark.slow
def test_integer_ratios_averages_and_double_rounding(engine: SparkEngine) -> None:
    rng = random.Random(7)
    rows = [
        (g, Decimal(rng.randint(0, 10**7)) / 10000, rng.randint(0, 9))
        for g in range(40)
        for _ in range(rng.randint(1, 6))
    ]
    sql = (
        "SELECT v.g, CAST((SUM(CASE WHEN v.i > 4 THEN 1 ELSE 0 END)) / NULLIF(COUNT(*), 0) AS DECIMAL(18, 4)), "
        "AVG(v.x), AVG(v.i), ROUND(AVG(v.x), 2), ROUND(AVG(v.i), -1), ROUND(AVG(v.x)), FLOOR(AVG(v.x)), CEIL(AVG(v.i)), "
        "CAST(AVG(v.x) AS INTEGER), CAST(AVG(v.i) AS BIGINT), CAST(SUM(v.x) AS INTEGER), CAST(MAX(v.x) * 1.5 AS BIGINT), "
        "ROUND(AVG(v.x) - MAX(v.x), 1), CAST(AVG(v.x) / NULLIF(MAX(v.x), 0) AS DECIMAL(18, 4)), "
        "ROUND(AVG(v.x), 0), CAST(AVG(v.x) AS DECIMAL(18, 0)), CAST(AVG(v.x) AS DECIMAL(18, 2)) "
        "FROM " + _table(rows, {"g": "INTEGER", "x": "DECIMAL(18,4)", "i": "INTEGER"}) + " GROUP BY v.g"
    )
    on_duckdb, on_spark = _both(engine, sql)
    assert on_spark == on_duckdb


@pytest.mark.slow
def test_integer_casts_round_like_duckdb(engine: SparkEngine) -> None:
    rows = [(v,) for v in ("2.5", "-2.5", "3.5", "2.4999", "0.5", "-0.5", "7")]
    sql = (
        "SELECT v.x, CAST(v.x AS INT), CAST(v.x AS BIGINT), CAST(v.x * 1.0e0 AS INT), CAST(2.5 AS INT), CAST(v.x + 0.5 AS INT) "
        "FROM " + _table(rows, {"x": "DECIMAL(18,4)"})
    )
    on_duckdb, on_spark = _both(engine, sql)
    assert on_spark == on_duckdb


TEXTS = [
    None, "", " ", "无", " 无 ", "无\n", "无\r\n", "ab\n", "a\nb", "a\rb", "a\x0bb", "a\u2028", "资金ab", "ab 资金", "ab_c",
    "É", "é", "[a", "a&b", "{abc}", "a{,2}", "汉字abc", "……", "...", "XX", "ｘｘ", "请填写", "指标1：", "2021年初交付",
    "项目挤占资金。", "资金使用合规性", "定性评价多、定量评价少", "\t", "a\\b", "a_b", "a%b", "A\\B", "0", "12",
    "\u3000达成年度指标\u3000", "\u00a0无\u2003", "\t无\n", "\ufeff无", "\u200b",
]  # fmt: skip
PATTERNS = [
    r"b$", r"^a", r"a.b", r"a\sb", r"\S+", r"\bab\b", r"\Bb", r"\p{Han}+", r"\P{Han}", r"[[:alpha:]]+", r"[[:^alpha:]]",
    r"[[]", r"[&&]", r"[]a]", r"{abc}", r"a{,2}", r"X{2}", r"(?i)é", r"(?i)x{2}", r"a(?P<x>b)", r"\v", r"\Q.*\E",
    r"[^\s]+", r"[\s]", r"(?m)^b$", r"(?s)a.b", r"(a)(b)?", r"^$", r"\d+", r"\w+", r"\x{8D44}", r"[\p{Han}]{2}",
]  # fmt: skip


def _pack_patterns(pack: Pack) -> list[str]:
    """Every literal regular expression the national pack uses, so the comparison keeps up with the pack."""
    found: set[str] = set()
    for loaded in pack.rules:
        for node in sqlglot.parse_one(loaded.compiled.sql, read="duckdb").find_all(exp.RegexpLike, exp.RegexpExtract):
            if isinstance(node.expression, exp.Literal):
                found.add(node.expression.name)
    return sorted(found)


@pytest.mark.slow
def test_regular_expressions_match_and_extract_like_re2(pack: Pack, engine: SparkEngine) -> None:
    patterns = [*PATTERNS, *_pack_patterns(pack)]
    assert len(patterns) > len(PATTERNS) + 5
    selects = ", ".join(
        f"regexp_matches(t, {_text(p)}), regexp_extract(t, {_text(p)}), regexp_extract(t, {_text(p)}, 1)"
        for p in patterns
    )
    built = "regexp_matches(t, 'A', 'i'), regexp_matches(t, '^' || CAST(i AS VARCHAR) || '$')"
    sql = f"SELECT i, t, {selects}, {built} FROM " + _table(list(enumerate(TEXTS)), {"i": "INTEGER", "t": "VARCHAR"})
    on_duckdb, on_spark = _both(engine, sql)
    names = [p for p in patterns for _ in range(3)] + ["flag i", "built"]
    for want, got in zip(on_duckdb, on_spark, strict=True):
        differ = [
            f"{names[k - 2]!r}: duckdb {w!r}, spark {g!r}"
            for k, (w, g) in enumerate(zip(want, got, strict=True))
            if w != g
        ]
        assert not differ, f"text {want[1]!r}: " + "; ".join(differ)


@pytest.mark.slow
def test_text_functions_like_and_string_agg(engine: SparkEngine) -> None:
    rows = [(i, t, i % 4, f"{2020 + i % 3}-0{1 + i % 9}-15") for i, t in enumerate(TEXTS)]
    columns = {"i": "INTEGER", "t": "VARCHAR", "g": "INTEGER", "d": "DATE"}
    sql = (
        "SELECT i, t, trim(t), length(t), length(trim(t)), lower(t), upper(t), strpos(t, 'b'), contains(t, '资金'), "
        "substring(t, 1, 2), substring(t, 0, 2), substring(t, 0, 1), substring(t, -2, 2), substring(t, 2), "
        "t || '-' || CAST(i AS VARCHAR), t || i, t LIKE 'a\\b', t LIKE 'a_b', t LIKE '%\\%', t ILIKE 'é%', "
        "t NOT LIKE '%b%', coalesce(t, '—'), nullif(t, ''), least(length(t), 3), greatest(length(t), 3), "
        "year(d), month(d), abs(i - 20), CAST(i AS VARCHAR), "
        "(SELECT string_agg(DISTINCT w.t, '、' ORDER BY w.t) FROM " + _table(rows, columns, "w")
        + " WHERE w.g = v.g AND w.i < 2 * v.i) "
        "FROM " + _table(rows, columns)
    )  # fmt: skip
    on_duckdb, on_spark = _both(engine, sql)
    assert on_spark == on_duckdb


# --- failures stay with their rule -------------------------------------------------------------


def _seed_batch() -> Batch:
    read = read_inputs([SEED])[0]
    assert read.submission is not None
    return normalize([read.submission])


def _rule(rule_id: str, sql: str) -> CompiledRule:
    return CompiledRule(rule_id, sql, "projects", "self_score", ())


@pytest.mark.slow
def test_a_failing_or_unportable_rule_is_reported_and_the_others_still_run(engine: SparkEngine) -> None:
    rules = [
        _rule("CAST", "SELECT sub, rid, path FROM projects WHERE CAST(project_name AS INT) > 1"),
        _rule("OPTIONS", "SELECT sub, rid, path FROM projects WHERE regexp_matches(project_name, 'a', 'l')"),
        _rule("SYNTAX", "SELECT sub, rid, path FROM projects WHERE ((("),
        _rule("FINE", "SELECT sub, rid, path FROM projects WHERE self_score < 100"),
    ]
    result = engine.run(_seed_batch(), rules)
    assert "run time" in result.errors["CAST"] and "CAST_INVALID_INPUT" in result.errors["CAST"]
    assert "cannot run on Spark" in result.errors["OPTIONS"]
    assert "cannot run on Spark" in result.errors["SYNTAX"]
    assert len(result.rows["FINE"]) == 5  # the seed projects scored below 100, as on DuckDB
    assert {type(v) for row in result.rows["FINE"] for v in row.values()} == {int, str}


@pytest.mark.slow
def test_a_runaway_rule_is_cancelled_and_the_next_rule_still_runs(spark: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # reflect() is the only reliable sleeper on Spark, and the sandbox's wall refuses it (it calls
    # Java); this test is about the deadline, so the wall is lifted for it alone.
    monkeypatch.setattr("perfrules.engine.spark_engine.verify_tree", lambda tree, tables: None)
    engine = SparkEngine(spark, rule_timeout_s=2)
    # A sleeping task notices the interrupt at once; a busy join loop would run on after its job is cancelled.
    slow = _rule("SLOW", "SELECT reflect('java.lang.Thread', 'sleep', CAST(600000 AS BIGINT)) AS sub")
    fine = _rule("FINE", "SELECT sub, rid, path FROM projects WHERE self_score < 100")
    result = engine.run(_seed_batch(), [slow, fine])
    assert result.errors == {"SLOW": "规则运行超过 2 秒被中止 / rule interrupted after 2 s"}
    assert len(result.rows["FINE"]) == 5


@pytest.mark.slow
def test_the_sandbox_wall_refuses_java_reflection_on_spark(spark: Any) -> None:
    engine = SparkEngine(spark, rule_timeout_s=2)
    hostile = _rule("JAVA", "SELECT reflect('java.lang.Thread', 'sleep', CAST(600000 AS BIGINT)) AS sub")
    result = engine.run(_seed_batch(), [hostile])
    assert "沙箱" in result.errors["JAVA"] and "reflect" in result.errors["JAVA"]


@pytest.mark.slow
def test_a_master_url_joins_the_running_session_and_leaves_it_running(spark: Any) -> None:
    with SparkEngine("local[2]", rule_timeout_s=None) as engine:
        assert engine.query("SELECT 1 AS one") == [{"one": 1}]
    assert spark.sql("SELECT 1").collect()  # close() stopped nothing it did not start


@pytest.mark.slow
def test_the_callers_session_keeps_its_views_and_settings(spark: Any, engine: SparkEngine) -> None:
    spark.range(3).createOrReplaceTempView("projects")
    engine.run(_seed_batch(), [_rule("FINE", "SELECT sub, rid, path FROM projects")])
    assert spark.table("projects").count() == 3
    assert not spark.catalog.tableExists("submissions")
    assert engine.spark.conf.get("spark.sql.ansi.enabled") == "true"


@pytest.mark.slow
def test_a_missing_java_names_what_to_install(spark: Any) -> None:
    # A JVM is started only once per process, so the failure is provoked in a fresh one.
    script = (
        "from perfrules.engine.spark_engine import SparkEngine\n"
        "from perfrules.errors import MissingDependency\n"
        "try:\n    SparkEngine()\nexcept MissingDependency as exc:\n    print(exc)\n"
    )
    env = {**os.environ, "JAVA_HOME": "/nonexistent", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert "Java 17 or 21" in done.stdout, done.stderr[-2000:]


# --- without Spark --------------------------------------------------------------------------------


def test_a_missing_pyspark_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("pyspark", "pyspark.errors", "pyspark.sql"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingDependency, match=re.escape("pip install 'perfrules[spark]'")):
        SparkEngine()


@pytest.mark.parametrize(
    ("re2", "java"),
    [
        (r"^\s*无\s*$", r"^[\t\n\f\r ]*无[\t\n\f\r ]*\z"),
        (r"[\s，]", r"[\t\n\f\r\x20，]"),
        (r"\bab\B", r"(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))ab"
                    r"(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))"),
        (r"\p{Han}\pL\p{Lu}\P{^Greek}", r"\p{IsHan}\pL\p{Lu}\p{IsGreek}"),
        (r"[[:alpha:][:^digit:]]", r"[\p{Alpha}\P{Digit}]"),
        (r"[[&]]", r"[\[\&]]"),
        (r"[]a]{2,}{x}", r"[\]a]{2,}\{x}"),
        (r"(?m)^a$", r"(?m)^a$"),
        (r"\Q$[\E$", r"\Q$[\E\z"),
        (r"\v", r"\x0B"),
    ],
)  # fmt: skip
def test_re2_patterns_become_java_patterns(re2: str, java: str) -> None:
    assert java_regex(re2)[0] == JAVA_PREFIX + java


def test_group_counts_and_flags() -> None:
    assert java_regex(r"(a)(?:b)(?P<c>c)(?<d>d)(?<=e)\(")[1] == 3
    with pytest.raises(ValueError, match="U"):
        java_regex("(?U)a+")


def test_the_rewrites_in_the_generated_spark_sql() -> None:
    ratio = to_spark_sql("SELECT CAST((t.executed) / NULLIF(t.annual_budget, 0) AS DECIMAL(18, 4)) FROM budget_lines t")
    assert (
        "CAST(ROUND((CAST((t.executed) AS DOUBLE) / CAST(NULLIF(t.annual_budget, 0) AS DOUBLE)) * CAST(10000 AS DOUBLE), 0)"
        in ratio
    )
    agg = to_spark_sql("SELECT string_agg(DISTINCT r.x, '、' ORDER BY r.x) FROM r")
    assert (
        agg
        == "SELECT CASE WHEN COUNT(r.x) = 0 THEN NULL ELSE ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(r.x)), '、') END FROM r"
    )
    other_order = to_spark_sql("SELECT string_agg(r.x, ',' ORDER BY r.y) FROM r")
    assert "LISTAGG" in other_order  # left to sqlglot: exact on Spark 4, which has LISTAGG
    assert to_spark_sql("SELECT regexp_extract(t.name, 'a') FROM indicators t").endswith(
        "REGEXP_EXTRACT(t.name, '(?du)a', 0) FROM indicators AS t"
    )
    assert "CASE WHEN t.name IS NULL THEN NULL ELSE '' END" in to_spark_sql(
        "SELECT regexp_extract(t.name, 'a', 1) FROM indicators t"
    )
    assert to_spark_sql("SELECT x LIKE 'a\\b' ESCAPE '!' FROM t") == "SELECT x LIKE 'a\\\\b' ESCAPE '!' FROM t"
    assert "REPLACE(y, '\\\\', '\\\\\\\\')" in to_spark_sql("SELECT x LIKE y FROM t")
    assert "SUBSTRING(x, 3, 2)" in to_spark_sql("SELECT substring(x, 3, 2), substring(x, 0) FROM t")


def test_reference_tables_are_typed_like_duckdbs() -> None:
    spec, columns = reference_spec(
        ReferenceTable("uses", ("purpose", "use", "valid_from"), (("a", "b", "2021"), ("a", "c", None)))
    )
    assert [(c.name, c.type) for c in spec.columns] == [
        ("purpose", "VARCHAR"), ("use", "VARCHAR"), ("valid_from", "INTEGER"), ("valid_to", "INTEGER"),
    ]  # fmt: skip
    assert columns == {"purpose": ["a", "a"], "use": ["b", "c"], "valid_from": [2021, None], "valid_to": [None, None]}


@pytest.mark.slow
def test_cli_engine_spark_gives_the_duckdb_verdict(spark: Any) -> None:
    # The fixture skips without pyspark or Java; the CLI's engine joins its JVM and leaves it running.
    from typer.testing import CliRunner

    from perfrules.cli import app

    runner = CliRunner()
    duck = runner.invoke(app, ["check", str(SEED), "--format", "json"])
    on_spark = runner.invoke(
        app, ["check", str(SEED), "--format", "json", "--engine", "spark", "--spark-master", "local[1]"]
    )
    assert on_spark.exit_code == duck.exit_code == 1, on_spark.output
    assert on_spark.stdout == duck.stdout
    assert spark.sql("SELECT 1").collect()
