"""DuckDB SQL → Spark SQL, meaning for meaning: the translation the Spark engine runs, testable without pyspark.

Every rule is compiled once, to DuckDB SQL. Here that SQL is parsed with sqlglot, a few
nodes whose meaning differs between the two engines are rewritten on the AST, and the tree
is generated as Spark SQL. Each rewrite makes Spark compute what DuckDB computes, bit for
bit where it matters for a finding:

- division: DuckDB divides numbers as DOUBLE, and CAST(double AS DECIMAL(p, s)) rounds
  ``x * 10^s`` half away from zero. Spark divides DECIMALs exactly, so at a tie in the fifth
  place (3 / 20000 = 0.00015) the two give 0.0002 and 0.0001. The ratio is computed as
  DuckDB does;
- CAST to an integer type rounds on DuckDB (half away from zero for DECIMAL, half to even
  for DOUBLE) and truncates on Spark;
- AVG is DOUBLE on DuckDB and DECIMAL on Spark. ROUND of a DOUBLE rounds its exact binary
  value on DuckDB (569.415 → 569.41) and its shortest decimal form on Spark (→ 569.42);
  FLOOR and CEIL of a DOUBLE stay DOUBLE on DuckDB;
- regular expressions: DuckDB uses RE2, Spark java.util.regex. Patterns are translated
  (see ``java_regex``), and ``regexp_extract`` past the last group gives '' as on DuckDB;
- ``string_agg(DISTINCT x, sep ORDER BY x)`` becomes ``array_join(array_sort(collect_set(x)), sep)``,
  which every Spark 3.x and 4.x has (sqlglot writes LISTAGG, which only Spark 4 knows);
- LIKE has no escape character on DuckDB and ``\\`` on Spark;
- ``substring(s, 0, n)`` is one character shorter on DuckDB;
- ``trim(s)`` strips every Unicode space separator on DuckDB (the ideographic space U+3000
  too), only U+0020 on Spark.

Some rewrites depend on an operand's type. The tree is typed with sqlglot against the table
spec, which works because the compiler qualifies every column (``t.score``). A rule that
cannot mean the same on Spark (RE2's ungreedy flag, regex options other than c/i/g) errors
for that rule, with the reason, rather than giving other findings.

Regular expressions are translated in ``spark_regex``; the session lives in ``spark_engine``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.optimizer.annotate_types import annotate_types

from perfrules.engine.base import reference_spec
from perfrules.engine.spark_regex import JAVA_PREFIX, NotPortable, java_regex
from perfrules.tables.spec import TABLES, ReferenceTable

Schema = dict[str, dict[str, str]]


_INTEGERS = {exp.DType.TINYINT, exp.DType.SMALLINT, exp.DType.INT, exp.DType.BIGINT}
_FLOATS = {exp.DType.DOUBLE, exp.DType.FLOAT}
_DECIMALS = {exp.DType.DECIMAL}


def _type_of(node: exp.Expr) -> exp.DType | None:
    """The DuckDB type of an operand: as annotated, or as set by an earlier rewrite (through parentheses)."""
    while True:
        if node.type is not None and node.type.this != exp.DType.UNKNOWN:
            kind: exp.DType = node.type.this
            return kind
        if not isinstance(node, exp.Paren):
            return None
        node = node.this


def _typed(node: exp.Expr, type_: str | exp.DataType) -> exp.Expr:
    node.type = exp.DataType.build(type_) if isinstance(type_, str) else type_
    return node


def _cast(node: exp.Expr, to: str) -> exp.Expr:
    return _typed(exp.Cast(this=node, to=exp.DataType.build(to)), to)


def _fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _num(value: int | str) -> exp.Expr:
    return exp.Literal.number(value)


def _double_division(node: exp.Div) -> exp.Expr:
    """DuckDB's / is a DOUBLE division for integers and DECIMALs alike."""
    return _typed(exp.Div(this=_cast(node.this, "DOUBLE"), expression=_cast(node.expression, "DOUBLE")), "DOUBLE")


def _decimal_from_double(node: exp.Cast) -> exp.Expr:
    """DuckDB's CAST(double AS DECIMAL(p, s)): round(x * 10^s) half away from zero, in DOUBLE.

    Spark's ROUND of a DOUBLE rounds its shortest decimal representation half up, which is
    the same for every |x| < 2^52: a halfway value k + 0.5 is itself a DOUBLE.
    """
    params = node.to.expressions
    scale = int(params[1].name) if len(params) > 1 else 0
    if scale == 0:
        rounded = exp.Round(this=node.this, decimals=_num(0))
        return _typed(exp.Cast(this=rounded, to=node.to), node.to)
    power = _num(10**scale)
    scaled = exp.Mul(this=exp.Paren(this=node.this), expression=_cast(power, "DOUBLE"))
    units = exp.Cast(this=exp.Round(this=scaled, decimals=_num(0)), to=exp.DataType.build("DECIMAL(38, 0)"))
    return _typed(exp.Cast(this=exp.Div(this=units, expression=power), to=node.to), node.to)


def _integer_cast(node: exp.Cast) -> exp.Expr:
    """CAST to an integer rounds on DuckDB (DECIMAL half away from zero, DOUBLE half to even); Spark truncates."""
    source = _type_of(node.this)
    rounded: exp.Expr
    if source in _DECIMALS:
        rounded = exp.Round(this=node.this, decimals=_num(0))
    elif source in _FLOATS:
        rounded = _fn("BROUND", node.this, _num(0))
    else:
        return node
    return _typed(exp.Cast(this=rounded, to=node.to), node.to)


def _average(node: exp.Avg) -> exp.Expr:
    """DuckDB's AVG is a DOUBLE, Spark's AVG of a DECIMAL is a DECIMAL with a rounded eighth place."""
    total = _cast(exp.Sum(this=node.this.copy()), "DOUBLE")
    count = _cast(exp.Nullif(this=exp.Count(this=node.this.copy()), expression=_num(0)), "DOUBLE")
    return _typed(exp.Paren(this=exp.Div(this=total, expression=count)), "DOUBLE")


def _double(value: float) -> exp.Expr:
    return _cast(exp.Literal.number(repr(value)), "DOUBLE")


def _op(kind: type[exp.Binary], left: exp.Expr, right: exp.Expr) -> exp.Expr:
    # Built trees are printed as they are nested, so each operand gets its parentheses.
    return kind(this=exp.Paren(this=left), expression=exp.Paren(this=right))


def _halves(value: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    """Veltkamp's split: high + low == value, each with at most 26 significant bits."""
    scaled = _op(exp.Mul, _double(134217729.0), value.copy())
    high = _op(exp.Sub, scaled, _op(exp.Sub, scaled.copy(), value.copy()))
    return high, _op(exp.Sub, value.copy(), high.copy())


def _product_error(value: exp.Expr, factor: float, product: exp.Expr) -> exp.Expr:
    """value * factor - product, exactly, in DOUBLE arithmetic (Dekker's two-product)."""
    scaled = 134217729.0 * factor
    fh = scaled - (scaled - factor)
    vh, vl = _halves(value)
    fl, fh_ = _double(factor - fh), _double(fh)
    error = _op(exp.Sub, _op(exp.Mul, vh, fh_), product)
    error = _op(exp.Add, error, _op(exp.Mul, vh.copy(), fl))
    error = _op(exp.Add, error, _op(exp.Mul, vl, fh_.copy()))
    return _op(exp.Add, error, _op(exp.Mul, vl.copy(), fl.copy()))


def _double_round(node: exp.Round) -> exp.Expr:
    """DuckDB rounds a DOUBLE half away from zero by its exact binary value.

    569.415 is stored as 569.41499999999996… and rounds to 569.41 on DuckDB, but Spark's
    569.415 * 100 is the DOUBLE 56941.5, whose ROUND is 56942. So the scaled value P is taken
    with its rounding error E (exact, by Dekker's two-product); only when P lands exactly on
    a half does the sign of E decide, towards zero when it points that way.
    """
    places = node.args.get("decimals")
    negative = isinstance(places, exp.Neg)
    if isinstance(places, exp.Neg):
        places = places.this
    if _type_of(node.this) not in _FLOATS or not isinstance(places, exp.Literal) or places.is_string:
        return node
    digits = -int(places.name) if negative else int(places.name)
    if digits == 0:
        return node  # no scaling, no error: Spark's half-up of a DOUBLE is DuckDB's rounding here
    power = float(10 ** abs(digits))
    value = exp.Paren(this=node.this)
    if digits > 0:  # P = X * M and E = X * M - P
        scaled = _op(exp.Mul, value, _double(power))
        error = _product_error(value, power, scaled.copy())
    else:  # P = X / M, and X - P * M has the sign of X / M - P
        scaled = _op(exp.Div, value, _double(power))
        back = _op(exp.Mul, scaled.copy(), _double(power))
        error = _op(exp.Sub, _op(exp.Sub, value.copy(), back), _product_error(scaled.copy(), power, back.copy()))
    half = exp.EQ(this=_op(exp.Sub, scaled.copy(), exp.Floor(this=scaled.copy())), expression=_double(0.5))
    zero = _double(0.0)
    towards_zero = exp.or_(
        exp.and_(exp.GT(this=scaled.copy(), expression=zero), exp.LT(this=error.copy(), expression=zero.copy())),
        exp.and_(exp.LT(this=scaled.copy(), expression=zero.copy()), exp.GT(this=error, expression=zero.copy())),
    )
    rounded = exp.Round(this=scaled.copy(), decimals=_num(0))
    adjusted = exp.Case(
        ifs=[exp.If(this=exp.and_(half, towards_zero), true=_op(exp.Sub, rounded, exp.Sign(this=scaled.copy())))],
        default=rounded.copy(),
    )
    unscale = exp.Div if digits > 0 else exp.Mul
    return _typed(exp.Paren(this=_op(unscale, adjusted, _double(power))), "DOUBLE")


def _double_floor(node: exp.Floor | exp.Ceil) -> exp.Expr:
    """FLOOR and CEIL of a DOUBLE stay DOUBLE on DuckDB (evidence reads 3.0, not 3)."""
    if _type_of(node.this) not in _FLOATS:
        return node
    return _cast(node, "DOUBLE")


def _string_agg(node: exp.GroupConcat) -> exp.Expr:
    """string_agg([DISTINCT] x, sep [ORDER BY x]) with functions every Spark 3 and 4 has.

    Strings sort by their UTF-8 bytes on both engines. The CASE keeps DuckDB's NULL for no
    rows (array_join of an empty array is ''), also inside a correlated scalar subquery.
    """
    inner = node.this
    order: list[exp.Ordered] = []
    if isinstance(inner, exp.Order):
        order = list(inner.expressions)
        inner = inner.this
    distinct = isinstance(inner, exp.Distinct)
    if distinct:
        if len(inner.expressions) != 1:
            return node
        inner = inner.expressions[0]
    if any(o.this != inner or o.args.get("desc") for o in order):
        return node  # another order: sqlglot's LISTAGG ... WITHIN GROUP (Spark 4) says exactly that
    collected = _fn("COLLECT_SET" if distinct else "COLLECT_LIST", inner.copy())
    separator = node.args.get("separator") or exp.Literal.string(",")
    joined = _fn("ARRAY_JOIN", _fn("ARRAY_SORT", collected), separator.copy())
    empty = exp.EQ(this=exp.Count(this=inner.copy()), expression=_num(0))
    return _typed(exp.Case(ifs=[exp.If(this=empty, true=exp.Null())], default=joined), "VARCHAR")


def _pattern(node: exp.Expr) -> tuple[exp.Expr, int | None]:
    """The pattern argument rewritten for Java, and its group count when it is a literal.

    A pattern built with || (TIME-NARRATIVE-AFTER-FY) has each literal piece translated.
    """
    if isinstance(node, exp.Literal) and node.is_string:
        translated, groups = java_regex(node.name)
        return exp.Literal.string(translated), groups
    pieces = [node] if not isinstance(node, exp.DPipe) else list(node.flatten())
    for piece in pieces:
        if isinstance(piece, exp.Literal) and piece.is_string:
            piece.replace(exp.Literal.string(java_regex(piece.name)[0][len(JAVA_PREFIX) :]))
    return exp.Paren(this=exp.DPipe(this=exp.Literal.string(JAVA_PREFIX), expression=node, safe=True)), None


def _regexp_like(node: exp.RegexpLike) -> exp.Expr:
    pattern, _ = _pattern(node.expression)
    flag = node.args.get("flag")
    if flag is not None:
        options = flag.name if isinstance(flag, exp.Literal) else None
        if options is None or set(options) - set("cig"):
            raise NotPortable(f"正则选项无法在 Spark 上表达 / regex options not portable to Spark: {flag.sql()}")
        if options.replace("g", "").endswith("i"):  # the last of c / i wins, as in DuckDB
            pattern = exp.Paren(this=exp.DPipe(this=exp.Literal.string("(?i)"), expression=pattern, safe=True))
    # Set in place: rebuilding the node would drop its other arguments (NOT, for one).
    node.set("expression", pattern)
    node.set("flag", None)
    return node


def _regexp_extract(node: exp.RegexpExtract) -> exp.Expr:
    pattern, groups = _pattern(node.expression)
    group = node.args.get("group") or _num(0)
    if groups is not None and isinstance(group, exp.Literal) and int(group.name) > groups:
        # DuckDB gives '' for a group the pattern does not have; Spark raises.
        return _typed(
            exp.Case(ifs=[exp.If(this=exp.Is(this=node.this.copy(), expression=exp.Null()), true=exp.Null())],
                     default=exp.Literal.string("")),
            "VARCHAR",
        )  # fmt: skip
    node.set("expression", pattern)
    node.set("group", group)
    return node


def _like(node: exp.Like | exp.ILike) -> exp.Expr:
    """DuckDB's LIKE has no escape character unless ESCAPE is given; Spark's default is \\."""
    if isinstance(node.parent, exp.Escape):
        return node
    pattern = node.expression
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        literal: exp.Expr = exp.Literal.string(pattern.name.replace("\\", "\\\\"))
    else:
        literal = _fn("REPLACE", pattern, exp.Literal.string("\\"), exp.Literal.string("\\\\"))
    node.set("expression", literal)  # in place, keeping NOT (negate=True)
    return node


def _substring(node: exp.Substring) -> exp.Expr:
    """substring(s, 0, n) covers positions 0..n-1 on DuckDB, so n - 1 characters; Spark reads 0 as 1."""
    start, length = node.args.get("start"), node.args.get("length")
    if not (isinstance(start, exp.Literal) and not start.is_string and int(start.name) == 0) or length is None:
        return node
    node.set("length", exp.Greatest(this=exp.Sub(this=length, expression=_num(1)), expressions=[_num(0)]))
    node.set("start", _num(1))
    return node


# DuckDB's trim() strips the Unicode space separators (Zs), the ideographic space U+3000 of
# Chinese forms among them, but not tabs or line breaks; Spark's strips only U+0020.
SPACE_SEPARATORS = " \u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f\u3000"


def _trim(node: exp.Trim) -> exp.Expr:
    if node.args.get("expression") is None:
        node.set("expression", exp.Literal.string(SPACE_SEPARATORS))
    return node


def _annotate_literal(annotator: Any, literal: exp.Literal) -> exp.Literal:
    """DuckDB reads 1.5 as a DECIMAL (only 1.5e0 is a DOUBLE); sqlglot's default says DOUBLE."""
    annotator._annotate_literal(literal)
    if not literal.is_string and not literal.is_int:
        literal.type = exp.DataType.build("DOUBLE" if "e" in literal.name.lower() else "DECIMAL")
    return literal


_DUCKDB_TYPES = {**DuckDB.EXPRESSION_METADATA, exp.Literal: {"annotator": _annotate_literal}}


# Nodes whose result is a DOUBLE on DuckDB as soon as one operand is. sqlglot keeps a
# parameterized DECIMAL(18, 4) instead, which would pick the wrong rounding rewrite above.
_FOLLOW_OPERANDS = (
    exp.Add, exp.Sub, exp.Mul, exp.Mod, exp.Neg, exp.Paren, exp.Abs, exp.Coalesce, exp.Nullif, exp.Least,
    exp.Greatest, exp.Case, exp.If, exp.Sum, exp.Min, exp.Max, exp.Round, exp.Floor, exp.Ceil,
)  # fmt: skip


def _retype(node: exp.Expr) -> None:
    if isinstance(node, _FOLLOW_OPERANDS) and any(_type_of(child) in _FLOATS for child in node.iter_expressions()):
        node.type = exp.DataType.build("DOUBLE")


def _fix(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Div):
        return _double_division(node)
    if isinstance(node, exp.Cast) and node.to.this in _DECIMALS and _type_of(node.this) in _FLOATS:
        return _decimal_from_double(node)
    if isinstance(node, exp.Cast) and node.to.this in _INTEGERS:
        return _integer_cast(node)
    if isinstance(node, exp.Avg):
        return _average(node)
    if isinstance(node, exp.Round):
        return _double_round(node)
    if isinstance(node, exp.Floor | exp.Ceil):
        return _double_floor(node)
    if isinstance(node, exp.GroupConcat):
        return _string_agg(node)
    if isinstance(node, exp.RegexpLike):
        return _regexp_like(node)
    if isinstance(node, exp.RegexpExtract):
        return _regexp_extract(node)
    if isinstance(node, exp.Like | exp.ILike):
        return _like(node)
    if isinstance(node, exp.Substring):
        return _substring(node)
    if isinstance(node, exp.Trim):
        return _trim(node)
    return node


def to_spark_sql(sql: str, schema: Schema | None = None) -> str:
    """DuckDB SQL as Spark SQL that returns the same rows (see the module docstring).

    The tree is typed against ``schema`` (table → column → SQL type) first, because some
    rewrites depend on the operand's type. Nodes are rewritten children first, so a parent
    sees its rewritten children and their types.
    """
    tree = sqlglot.parse_one(sql, read="duckdb")
    types: dict[str, object] = {**(schema or table_schema())}
    tree = annotate_types(tree, schema=types, expression_metadata=_DUCKDB_TYPES, dialect="duckdb")
    for node in reversed(list(tree.walk())):
        parent, key, index = node.parent, node.arg_key, node.index
        _retype(node)
        fixed = _fix(node)  # may wrap the node itself, so its old place is remembered first
        if fixed is node:
            continue
        if parent is None or key is None:
            tree = fixed
        else:
            parent.set(key, fixed, index)
    return tree.sql(dialect="spark")


def table_schema(references: Sequence[ReferenceTable] = ()) -> Schema:
    """Column types of every table a rule can read, for typing the SQL before it is rewritten."""
    specs = [*TABLES.values(), *(reference_spec(r)[0] for r in references)]
    return {spec.name: {c.name: c.type for c in spec.all_columns} for spec in specs}
