"""The restricted SQL subset a rule may write, as a positive allow-list of sqlglot nodes.

Rule authors write small boolean or aggregate expressions. Everything not named here is
rejected before any SQL reaches an engine: unknown or anonymous functions (DuckDB's
``query()``, ``read_csv`` in any spelling), subqueries, statements, bare division. The
engine's sandbox settings stop the same things again at run time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from perfrules.compile._lazy import exp, sqlglot
from perfrules.errors import RuleError
from perfrules.model.rule import ParamValue

DIALECT = "duckdb"


@dataclass(frozen=True)
class _Allowed:
    structure: tuple[type[exp.Expr], ...]
    cast_types: frozenset[object]
    scalar: dict[type[exp.Expr], str]
    aggregate: dict[type[exp.Expr], str]


@cache
def _allowed() -> _Allowed:
    """The allow-list, built on first use: naming sqlglot's classes imports sqlglot."""
    structure: tuple[type[exp.Expr], ...] = (
        exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Tuple,
        exp.Add, exp.Sub, exp.Mul, exp.Neg,
        exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.In, exp.Between,
        exp.Like, exp.ILike, exp.And, exp.Or, exp.Not,
        exp.Case, exp.If, exp.Coalesce, exp.Nullif, exp.DPipe, exp.Cast, exp.DataType, exp.DataTypeParam,
    )  # fmt: skip
    cast_types = frozenset({
        exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT, exp.DataType.Type.INT, exp.DataType.Type.BIGINT,
        exp.DataType.Type.DECIMAL, exp.DataType.Type.DATE,
    })  # fmt: skip
    scalar: dict[type[exp.Expr], str] = {
        exp.Abs: "abs", exp.Round: "round", exp.Least: "least", exp.Greatest: "greatest",
        exp.Length: "length", exp.Lower: "lower", exp.Upper: "upper", exp.Trim: "trim",
        exp.Substring: "substring", exp.StrPosition: "strpos", exp.Contains: "contains",
        exp.RegexpLike: "regexp_matches", exp.RegexpExtract: "regexp_extract",
        exp.Year: "year", exp.Month: "month", exp.Floor: "floor", exp.Ceil: "ceil",
    }  # fmt: skip
    aggregate: dict[type[exp.Expr], str] = {
        exp.Sum: "sum", exp.Count: "count", exp.Min: "min", exp.Max: "max", exp.Avg: "avg",
    }  # fmt: skip
    return _Allowed(structure, cast_types, scalar, aggregate)


def __getattr__(name: str) -> Any:
    """The tables under their former module-level names, built when first read."""
    if name == "CAST_TYPES":
        return set(_allowed().cast_types)
    if name == "SCALAR_FUNCTIONS":
        return dict(_allowed().scalar)
    if name == "AGGREGATE_FUNCTIONS":
        return dict(_allowed().aggregate)
    if name == "ALLOWED_FUNCTION_NAMES":
        allowed = _allowed()
        return sorted({*allowed.scalar.values(), *allowed.aggregate.values(), *MACROS, "coalesce", "nullif"})
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MACROS = {"ratio"}
"""``ratio(a, b)``: the only division a rule can ask for, compiled as CAST(a / NULLIF(b, 0) AS DECIMAL(18,4))."""

# Only {identifier} is a parameter, so regular-expression quantifiers like {0,20} pass through.
_PLACEHOLDER = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


BATCH_KEYS = frozenset({"sub", "rid"})


class SqlNotAllowed(RuleError):
    """A fragment outside the subset; the message is bilingual and says what to do instead."""


def _describe(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return f"函数 {node.name}() 不在允许列表中 / function {node.name}() is not allowed"
    if isinstance(node, exp.Func):
        name = node.sql_name().lower()
        return f"函数 {name}() 不在允许列表中 / function {name}() is not allowed"
    if isinstance(node, exp.Div | exp.IntDiv | exp.Mod):
        return "不能直接做除法，请用 ratio(a, b) / bare division is not allowed: use ratio(a, b)"
    if isinstance(node, exp.Select | exp.Subquery | exp.Query):
        return "不允许子查询 / subqueries are not allowed"
    return f"不允许的 SQL 结构 / SQL construct not allowed: {type(node).__name__}"


def literal_sql(value: ParamValue) -> str:
    """A parameter value as a SQL literal, generated (never pasted) so it cannot inject."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, list):
        return "(" + ", ".join(exp.Literal.string(str(v)).sql(DIALECT) for v in value) + ")"
    return exp.Literal.string(value).sql(DIALECT)


def substitute(fragment: str, parameters: dict[str, ParamValue]) -> str:
    """Replace ``{name}`` with the parameter's literal; an unknown name is an error."""

    def repl(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name not in parameters:
            known = ", ".join(sorted(parameters)) or "无 / none"
            raise SqlNotAllowed(f"未声明的参数 {{{name}}} / undeclared parameter {{{name}}} (declared: {known})")
        return literal_sql(parameters[name])

    return _PLACEHOLDER.sub(repl, fragment)


MAX_FRAGMENT_DEPTH = 64
"""Deepest expression a fragment may nest; deeper trees exhaust the parser's and generator's recursion."""


def _paren_depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    return deepest


def _tree_depth(tree: exp.Expr) -> int:
    deepest = 0
    stack: list[tuple[exp.Expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return deepest


def parse_fragment(
    fragment: str,
    columns: Iterable[str],
    parameters: dict[str, ParamValue],
    *,
    aggregate: bool = False,
) -> exp.Expr:
    """Parse and vet one expression; raise SqlNotAllowed with a reason a policy author can act on."""
    tree = _parse_one(substitute(fragment, parameters))
    allowed_columns = set(columns)
    allowed = _allowed()
    functions = dict(allowed.scalar)
    if aggregate:
        functions.update(allowed.aggregate)
    # Every node must be named by the allow-list (or be one of the few exemptions): anything else is refused.
    for node in tree.walk():
        if _is_exempt(node):
            continue
        if type(node) in functions or isinstance(node, allowed.structure):
            _vet_allowed_node(node, allowed_columns, allowed)
            continue
        raise _refusal(node, aggregate, allowed)
    return tree


def _parse_one(text: str) -> exp.Expr:
    """The one expression ``text`` holds, parsed; SqlNotAllowed if it nests too deeply, does not parse,
    or holds several statements (or none)."""
    from sqlglot.errors import SqlglotError

    too_deep = SqlNotAllowed(
        f"表达式嵌套过深（最多 {MAX_FRAGMENT_DEPTH} 层）/ expression nested too deeply (at most {MAX_FRAGMENT_DEPTH} levels)"
    )
    if _paren_depth(text) > MAX_FRAGMENT_DEPTH:
        raise too_deep
    try:
        statements = sqlglot.parse(text, read=DIALECT)
    except SqlglotError as exc:
        raise SqlNotAllowed(f"SQL 语法错误 / SQL syntax error: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise too_deep from None
    if any(s is not None and _tree_depth(s) > MAX_FRAGMENT_DEPTH for s in statements):
        raise too_deep
    present = [s for s in statements if s is not None]
    if len(present) != 1:
        raise SqlNotAllowed("只能写一个表达式，不能有多条语句 / exactly one expression, not several statements")
    tree: exp.Expr = present[0]
    return tree


def _is_exempt(node: exp.Expr) -> bool:
    """A node the allow-list does not name but a rule may write: the ratio() macro (SqlNotAllowed unless
    it has two arguments), and the ``*`` or DISTINCT directly inside COUNT()."""
    if isinstance(node, exp.Anonymous) and node.name.lower() in MACROS:
        if len(node.expressions) != 2:
            raise SqlNotAllowed("ratio() 需要两个参数 / ratio() takes two arguments: ratio(numerator, denominator)")
        return True
    if isinstance(node, exp.Star) and isinstance(node.parent, exp.Count):
        return True
    return isinstance(node, exp.Distinct) and isinstance(node.parent, exp.Count)


def _vet_allowed_node(node: exp.Expr, allowed_columns: set[str], allowed: _Allowed) -> None:
    """The checks an allowed node still has to pass: a column is a bare, known, non-batch name; a cast is
    to an allowed type; an IN has no subquery."""
    if isinstance(node, exp.Column):
        if node.table:
            raise SqlNotAllowed(f"列名不要加表名前缀 / write the column without a table prefix: {node.sql()}")
        if node.name in BATCH_KEYS or node.name.endswith("_rid"):
            raise SqlNotAllowed(
                f"{node.name} 是批次内部键，结果会随批次变化 / {node.name} is a batch-internal key: "
                "a rule reading it would change with what else is in the batch"
            )
        if node.name not in allowed_columns:
            raise SqlNotAllowed(unknown_column_message(node.name, allowed_columns))
    if isinstance(node, exp.Cast) and node.to.this not in allowed.cast_types:
        raise SqlNotAllowed(f"不允许转换为 {node.to.sql()} / cast to {node.to.sql()} is not allowed")
    if isinstance(node, exp.In) and node.args.get("query") is not None:
        raise SqlNotAllowed("不允许子查询 / subqueries are not allowed")


def _refusal(node: exp.Expr, aggregate: bool, allowed: _Allowed) -> SqlNotAllowed:
    """Why a node outside the allow-list is refused: an aggregate where none is allowed, or ``_describe``'s reason."""
    if not aggregate and type(node) in allowed.aggregate:
        name = allowed.aggregate[type(node)]
        return SqlNotAllowed(
            f"这里不能用聚合函数 {name}()，请用 aggregate 或 ratio 检查 / aggregate "
            f"{name}() is only allowed in aggregate and ratio checks"
        )
    return SqlNotAllowed(_describe(node))


def did_you_mean(word: str, options: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"（是不是 {close[0]}？/ did you mean {close[0]}?）" if close else ""


def unknown_column_message(name: str, columns: Iterable[str]) -> str:
    return f"未知的列 {name} / unknown column {name} {did_you_mean(name, columns)}".rstrip()


def expand(tree: exp.Expr, replacements: dict[str, exp.Expr], qualify: str | None) -> exp.Expr:
    """Expand the ratio() macro and named measures, and qualify columns with a table alias."""

    def transform(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Anonymous) and node.name.lower() == "ratio":
            # transform() does not descend into a replacement, so expand the arguments here.
            num, den = node.expressions
            return safe_ratio(expand(num, replacements, qualify), expand(den, replacements, qualify))
        if isinstance(node, exp.Column) and not node.table:
            if node.name in replacements:
                return replacements[node.name].copy()
            if qualify:
                return exp.column(node.name, table=qualify, quoted=True)
        return node

    transformer: Callable[[exp.Expr], exp.Expr] = transform
    return tree.copy().transform(transformer)


def safe_ratio(num: exp.Expr, den: exp.Expr) -> exp.Expr:
    """CAST(num / NULLIF(den, 0) AS DECIMAL(18,4)): identical on DuckDB and ANSI Spark."""
    division = exp.Div(this=exp.Paren(this=num), expression=exp.Nullif(this=den, expression=exp.Literal.number(0)))
    return exp.Cast(this=division, to=exp.DataType.build("DECIMAL(18,4)"))
