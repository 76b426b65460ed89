"""The SQL a rule may write: a positive allow-list, vetted before anything reaches DuckDB."""

from __future__ import annotations

import re

import duckdb
import pytest
from sqlglot import exp

from perfrules.compile.allowlist import SqlNotAllowed, expand, literal_sql, parse_fragment
from perfrules.model.rule import ParamValue

COLUMNS = ("score", "weight", "name", "executed", "annual_budget", "self_grade", "report_date")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _reject(fragment: str, *, aggregate: bool = False, params: dict[str, ParamValue] | None = None) -> str:
    with pytest.raises(SqlNotAllowed) as info:
        parse_fragment(fragment, COLUMNS, params or {}, aggregate=aggregate)
    message = str(info.value)
    assert CJK.search(message), f"no Chinese in {message!r}"
    assert " / " in message, f"no ' / ' between the languages in {message!r}"
    assert re.search(r"[a-z]{3,}", message.split(" / ", 1)[1]), f"no English in {message!r}"
    return message


# --- accepted ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fragment",
    [
        "score > weight",
        "score < 0 OR score > weight",
        "score >= 0 AND score <= 100",
        "score <> weight",
        "score = 1.5",
        "score BETWEEN 0 AND weight",
        "score IS NULL",
        "NOT (score IS NOT NULL)",
        "name IN ('优', '优秀')",
        "name LIKE '%培训%'",
        "name ILIKE 'a%'",
        "name = '甲' || '乙'",
        "-score < 0",
        "score * 2 + 1 - weight > 0",
        "CASE WHEN score >= 90 THEN '优' WHEN score >= 80 THEN '良' ELSE '差' END <> self_grade",
        "coalesce(score, 0) > 1",
        "nullif(weight, 0) IS NULL",
        "abs(score - weight) > 0.01",
        "round(score, 2) <> score",
        "least(ratio(executed, annual_budget), 1) * weight <> score",
        "greatest(score, weight) > 100",
        "ratio(executed, annual_budget) < 0.9",
        "RATIO(executed, annual_budget) < 0.9",
        "regexp_matches(name, '全部完成|已完成')",
        "year(report_date) > 2020",
        "length(trim(name)) = 0",
        '"score" > 1',
    ],
)
def test_allowed_row_expressions(fragment: str) -> None:
    tree = parse_fragment(fragment, COLUMNS, {})
    assert isinstance(tree, exp.Expr)


@pytest.mark.parametrize(
    "fragment",
    [
        "count(score) >= 5",
        "count(*) > 0",
        "count(DISTINCT name) > 1",
        "sum(score) > 100",
        "min(score) >= 95 AND max(score) - min(score) <= 1",
        "avg(score) > 99",
        "ratio(count(score), count(*)) < 0.5",
    ],
)
def test_aggregates_only_where_aggregation_is_allowed(fragment: str) -> None:
    assert parse_fragment(fragment, COLUMNS, {}, aggregate=True) is not None
    message = _reject(fragment, aggregate=False)
    assert "aggregate" in message


def test_ratio_expands_to_a_safe_division() -> None:
    tree = parse_fragment("ratio(executed, annual_budget) < 0.9", COLUMNS, {})
    sql = expand(tree, {}, "t").sql("duckdb").upper()
    assert "NULLIF(" in sql
    assert "DECIMAL(18, 4)" in sql
    assert "ratio(" not in sql.lower()


def test_columns_outside_ratio_are_qualified() -> None:
    tree = parse_fragment("abs(score - weight) > 1", COLUMNS, {})
    sql = expand(tree, {}, "t").sql("duckdb")
    assert '"t"."score"' in sql
    assert '"t"."weight"' in sql


def test_columns_inside_ratio_are_qualified() -> None:
    tree = parse_fragment("ratio(executed, annual_budget) < 0.9", COLUMNS, {})
    sql = expand(tree, {}, "t").sql("duckdb")
    assert '"t"."executed"' in sql
    assert '"t"."annual_budget"' in sql


def test_measures_inside_ratio_are_substituted() -> None:
    measures: dict[str, exp.Expr] = {"matched": exp.column("m", table="x"), "total": exp.column("n", table="x")}
    tree = parse_fragment("ratio(matched, total) > 0.1", (*COLUMNS, "matched", "total"), {}, aggregate=True)
    sql = expand(tree, measures, "t").sql("duckdb")
    assert "x.m" in sql
    assert "x.n" in sql
    assert "matched" not in sql


def test_ratio_by_zero_is_null_not_an_error() -> None:
    tree = parse_fragment("ratio(executed, annual_budget)", COLUMNS, {})
    sql = expand(tree, {}, None).sql("duckdb")
    value = duckdb.connect().execute(f"SELECT {sql} FROM (SELECT 5 AS executed, 0 AS annual_budget)").fetchone()
    assert value == (None,)


# --- rejected ---------------------------------------------------------------------------------


HOSTILE = [
    ("read_csv('/etc/passwd') IS NOT NULL", "read_csv"),
    ("\"READ_CSV\"('/etc/passwd') IS NOT NULL", "read_csv"),
    ("read_csv_auto('/etc/passwd') IS NOT NULL", "read_csv_auto"),
    ("read_text('/etc/passwd') IS NOT NULL", "read_text"),
    ("query('select 1') IS NOT NULL", "query"),
    ("glob('/*') IS NOT NULL", "glob"),
    ("getenv('HOME') = 'x'", "getenv"),
    ("current_setting('enable_external_access') = 'x'", "current_setting"),
    ("score > 1; COPY indicators TO '/tmp/x.csv'", "one expression"),
    ("score > 1; ATTACH '/tmp/x.db'", "one expression"),
    ("score > 1; INSTALL httpfs", "one expression"),
    ("score > 1 /* hide */; PRAGMA version", "one expression"),
    ("score > 1\n; DETACH x", "one expression"),
    ("score IN (SELECT 1)", "subquer"),
    ("score IN (FROM read_csv('/etc/passwd'))", "subquer"),
    ("(SELECT 1) = 1", "subquer"),
    ("score > 1 AND EXISTS (SELECT 1)", "not allowed"),
    ("name = 'a' UNION SELECT 1", "subquer"),
    ("score = ANY (SELECT 1)", "not allowed"),
    ("score IN (VALUES (1))", "not allowed"),
    ("score / weight > 1", "ratio(a, b)"),
    ("score // weight > 1", "ratio(a, b)"),
    ("score % 2 = 1", "ratio(a, b)"),
    ("pg_catalog.read_csv('x') IS NOT NULL", "not allowed"),
    ('"main"."read_csv"(\'x\') IS NOT NULL', "not allowed"),
    ("t.score > 1", "table prefix"),
    ("sum(score) OVER () > 1", "not allowed"),
    ("$1 = 1", "not allowed"),
    ("? = 1", "not allowed"),
    ("name = $$x$$", "not allowed"),
    ("list_transform([1], x -> x + 1) IS NULL", "not allowed"),
    ("random() > 0.5", "not allowed"),
]


@pytest.mark.parametrize(("fragment", "hint"), HOSTILE)
@pytest.mark.parametrize("aggregate", [False, True])
def test_hostile_fragments_are_rejected_with_a_bilingual_reason(fragment: str, hint: str, aggregate: bool) -> None:
    message = _reject(fragment, aggregate=aggregate)
    assert hint.lower() in message.lower()


def test_unknown_column_suggests_the_right_one() -> None:
    message = _reject("scor > 1")
    assert "unknown column scor" in message
    assert "did you mean score" in message


@pytest.mark.parametrize("fragment", ["ratio(score) > 1", "ratio(score, weight, 1) > 1"])
def test_ratio_needs_exactly_two_arguments(fragment: str) -> None:
    assert "two arguments" in _reject(fragment)


@pytest.mark.parametrize("fragment", ["", "   ", "score >", "score > 1) OR (1 = 1"])
def test_empty_or_broken_fragments_are_rejected(fragment: str) -> None:
    _reject(fragment)


def test_undeclared_parameter_names_the_declared_ones() -> None:
    message = _reject("score > {tolerence}", params={"tolerance": 1})
    assert "{tolerence}" in message
    assert "tolerance" in message


# --- parameters are generated literals, never pasted text -------------------------------------


INJECTIONS = [
    "x' OR 1=1 --",
    "x'); COPY indicators TO '/tmp/x.csv'; --",
    "a\\' OR 1=1 --",
    "a\\",
    "a\n' OR 1=1",
    "/* x */'",
    "{other}",
    "涉密’，略",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_string_parameter_stays_one_string_literal(value: str) -> None:
    tree = parse_fragment("name = {p}", COLUMNS, {"p": value, "other": "y"})
    assert isinstance(tree, exp.EQ)
    literal = tree.expression
    assert isinstance(literal, exp.Literal)
    assert literal.is_string
    assert literal.this == value
    assert not list(tree.find_all(exp.Or))


@pytest.mark.parametrize("value", INJECTIONS)
def test_duckdb_reads_the_generated_literal_back_unchanged(value: str) -> None:
    tree = parse_fragment("name = {p}", COLUMNS, {"p": value, "other": "y"})
    sql = expand(tree, {}, None).sql("duckdb")
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql} FROM (SELECT ? AS name)", [value]).fetchone() == (True,)
    assert con.execute(f"SELECT {literal_sql(value)}").fetchone() == (value,)


def test_list_parameter_is_a_tuple_of_string_literals() -> None:
    values = ["优", "x') OR (1=1", "b"]
    tree = parse_fragment("name IN {labels}", COLUMNS, {"labels": values})
    assert isinstance(tree, exp.In)
    items = tree.expressions
    assert [i.this for i in items] == values
    assert all(isinstance(i, exp.Literal) and i.is_string for i in items)


def test_numeric_and_boolean_parameters() -> None:
    from decimal import Decimal

    tree = parse_fragment("abs(score - weight) > {tol} AND {flag}", COLUMNS, {"tol": Decimal("0.01"), "flag": True})
    sql = tree.sql("duckdb")
    assert "0.01" in sql
    assert "TRUE" in sql


def test_line_comment_cannot_close_early_and_smuggle_a_statement() -> None:
    # sqlglot keeps comments as /* */; a "*/" inside must not end the comment in the generated SQL.
    tree = parse_fragment("score > 1 -- */ ; COPY (SELECT 1) TO '/tmp/x.csv'; --", COLUMNS, {})
    sql = expand(tree, {}, "t").sql("duckdb")
    statements = duckdb.extract_statements(f"SELECT 1 FROM (SELECT 2 AS score) t WHERE {sql}")
    assert len(statements) == 1
