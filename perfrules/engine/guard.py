"""The last wall before DuckDB: only one SELECT over the loaded tables ever runs from a pack.

Rules are vetted when they compile (the sqlglot allow-list, identifiers checked at load), but
a compiled pack can also come from the on-disk cache or be built by a caller. So every query
is checked again here, structurally, by the parser that will run it: DuckDB's own. A check by
a different parser could be fooled by a string the two parse differently; this one cannot.

What passes:
- exactly one statement, and it is a SELECT (no CREATE, DROP, MACRO, SET, PRAGMA, ATTACH,
  COPY, INSERT, DELETE, CALL, …: DuckDB serializes only SELECT statements);
- every table it reads is a loaded data, locations or reference table, or a name it defines
  itself (a CTE); no schema or catalog prefix, no table function (``query()``, ``read_csv``);
- every function it calls is one the compiler emits or the allow-list admits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import duckdb

from perfrules.errors import RuleError

ALLOWED_FUNCTIONS = frozenset({
    # the rule allow-list (compile/allowlist.py), in DuckDB's spelling
    "abs", "round", "least", "greatest", "length", "lower", "upper", "trim", "substring", "strpos",
    "contains", "regexp_matches", "regexp_full_match", "regexp_extract", "year", "month", "floor", "ceil",
    "sum", "count", "count_star", "min", "max", "avg", "coalesce", "nullif",
    # what the compiler itself emits around the fragments
    "json_object", "string_agg", "concat", "cast", "try_cast", "ifnull", "if",
})  # fmt: skip
"""Function names, lower-case. Operators (``+``, ``||``, ``~~``) are DuckDB functions marked as
operators and need no entry."""


TABLE_REFS = frozenset({"BASE_TABLE", "SUBQUERY", "JOIN", "EMPTY"})
"""What a FROM clause may hold; every other table reference (TABLE_FUNCTION, SHOW_REF, PIVOT,
EXPRESSION_LIST, …) is refused."""


class QueryRejected(RuleError):
    """A query the sandbox refuses to run; the message says what and why, in zh / en."""


def verify_select(con: duckdb.DuckDBPyConnection, sql: str, tables: Iterable[str]) -> None:
    """Raise QueryRejected unless ``sql`` is one SELECT reading only ``tables``."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRejected(f"SQL 无法解析 / SQL does not parse: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise QueryRejected(
            f"只能运行一条 SELECT，这里有 {len(statements)} 条语句 / exactly one SELECT may run, found {len(statements)} statements"
        )
    if statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRejected(
            f"只能运行 SELECT，不能运行 {statements[0].type.name} / only SELECT may run, not {statements[0].type.name}"
        )
    row = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True, "error_message": "no result"}
    if tree.get("error"):
        raise QueryRejected(f"只能运行 SELECT / only SELECT may run: {tree.get('error_message', '')}")
    allowed = set(tables)
    allowed.update(_cte_names(tree))
    for node in _nodes(tree):
        kind = node.get("type")
        if "sample" in node and "alias" in node and "class" not in node and kind not in TABLE_REFS:
            # a FROM item: only tables, joins and subqueries; no table function (query(),
            # read_csv), no SHOW or DESCRIBE, no PIVOT
            name = node.get("function", {}).get("function_name", "") if isinstance(node.get("function"), dict) else ""
            raise QueryRejected(f"不允许的 FROM 项 {kind} {name} / FROM item not allowed: {kind} {name}".rstrip())
        if kind == "BASE_TABLE":
            name = node.get("table_name", "")
            if node.get("schema_name") or node.get("catalog_name") or name not in allowed:
                raise QueryRejected(f"查询了未加载的表 {name!r} / the query reads a table that is not loaded: {name!r}")
        if node.get("class") == "FUNCTION" and not node.get("is_operator"):
            name = str(node.get("function_name", "")).lower()
            if node.get("schema") or node.get("catalog") or name not in ALLOWED_FUNCTIONS:
                raise QueryRejected(f"函数 {name}() 不在允许列表中 / function {name}() is not allowed")


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _cte_names(tree: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for node in _nodes(tree):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            names.update(str(entry.get("key")) for entry in cte_map.get("map", []) if isinstance(entry, dict))
    return names


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def verify_tree(tree: Any, tables: Iterable[str]) -> None:
    """The same wall for engines that run sqlglot's rendering (Spark): ``tree`` must be one
    query, with no statement, command or table function inside, reading only ``tables``."""
    from sqlglot import exp

    if not isinstance(tree, exp.Query):
        raise QueryRejected(
            f"只能运行 SELECT，不能运行 {type(tree).__name__} / only SELECT may run, not {type(tree).__name__}"
        )
    allowed = set(tables) | {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    forbidden = (
        exp.Command,
        exp.Create,
        exp.Drop,
        exp.Insert,
        exp.Update,
        exp.Delete,
        exp.Alter,
        exp.Copy,
        exp.Set,
        exp.Pragma,
    )
    for node in tree.walk():
        if isinstance(node, forbidden):
            raise QueryRejected(f"不允许的语句 {type(node).__name__} / statement not allowed: {type(node).__name__}")
        if isinstance(node, exp.Anonymous) and node.name.lower() not in ALLOWED_FUNCTIONS:
            raise QueryRejected(f"函数 {node.name}() 不在允许列表中 / function {node.name}() is not allowed")
        if isinstance(node, exp.Table) and (
            node.db or node.catalog or not isinstance(node.this, exp.Identifier) or node.name not in allowed
        ):
            raise QueryRejected(
                f"查询了未加载的表 {node.sql()!r} / the query reads a table that is not loaded: {node.sql()!r}"
            )
