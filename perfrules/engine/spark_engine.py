"""Run compiled rules on Spark SQL, with the same findings as the embedded DuckDB engine.

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

pyspark is an optional extra, imported only when a SparkEngine is created.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types

from perfrules.compile.kinds import CompiledRule
from perfrules.engine.duckdb_engine import EngineResult, Row
from perfrules.engine.guard import QueryRejected, verify_tree
from perfrules.errors import MissingDependency
from perfrules.tables.normalize import Batch
from perfrules.tables.spec import TABLES, Column, ReferenceTable, TableSpec

DEFAULT_MASTER = "local[2]"

# Settings the compiled SQL relies on. They are set on the engine's own session, so a
# session the caller passes in keeps its configuration and its temporary views.
SESSION_CONF: dict[str, str] = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    # sqlglot writes backslash escapes in Spark string literals; this legacy flag would turn them off.
    "spark.sql.parser.escapedStringLiterals": "false",
    "spark.sql.caseSensitive": "false",
}
LOCAL_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",  # the default 200 costs seconds per rule on a laptop
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}

Schema = dict[str, dict[str, str]]


class NotPortable(ValueError):
    """Rule SQL that cannot be made to mean the same on Spark; the rule errors instead of differing."""


# --------------------------------------------------------------------------------------------
# RE2 (DuckDB) → java.util.regex (Spark)
# --------------------------------------------------------------------------------------------

_WORD = "[0-9A-Za-z_]"
_RE2_SPACE = r"\t\n\f\r "  # RE2's \s; Java's \s also matches \x0B
_REPEAT = re.compile(r"\{\d+(?:,\d*)?\}")
_FLAGS = re.compile(r"\(\?([imsU-]+)[:)]")
_POSIX = {
    "alnum": "Alnum", "alpha": "Alpha", "ascii": "ASCII", "blank": "Blank", "cntrl": "Cntrl", "digit": "Digit",
    "graph": "Graph", "lower": "Lower", "print": "Print", "punct": "Punct", "space": "Space", "upper": "Upper",
    "xdigit": "XDigit",
}  # fmt: skip
_POSIX_CLASS = re.compile(r"\[:(\^?)([a-z]+):\]")
_PROPERTY = re.compile(r"\\([pP])\{(\^?)([A-Za-z_]+)\}")
# (?d): only \n ends a line, as in RE2 (Java's . and $ also stop at \r, \u0085, \u2028, \u2029).
# (?u): (?i) folds case beyond ASCII, as in RE2.
JAVA_PREFIX = "(?du)"


def _property(match: re.Match[str]) -> str:
    """RE2 names scripts bare (\\p{Han}); Java wants them prefixed (\\p{IsHan}). Categories are shared."""
    kind, negate, name = match.groups()
    if negate:
        kind = "P" if kind == "p" else "p"
    return f"\\{kind}{{{name if len(name) <= 2 else 'Is' + name}}}"


def java_regex(pattern: str) -> tuple[str, int]:
    """An RE2 pattern as a java.util.regex pattern with the same matches; also its group count.

    Handled: ``$`` (Java also matches before a final line break), ``.`` and ``^``/``$`` line
    terminators, ``\\s`` (Java adds \\x0B), ``\\b``/``\\B`` (Java 17 counts CJK characters as
    word characters), ``\\v``, ``\\p{Script}``, ``[[:alpha:]]``, a ``[`` or ``&&`` inside a
    class (Java nests and intersects), a ``{`` that is not a repetition (Java rejects it),
    ``(?P<name>``, and Unicode case folding. RE2's ungreedy flag has no Java equivalent.
    """
    flags = "".join(_FLAGS.findall(pattern))
    if "U" in flags:
        raise NotPortable(f"正则的 U 标志在 Spark 上没有对应 / the regex flag U has no Spark equivalent: {pattern}")
    multiline = "m" in flags
    out: list[str] = []
    groups = 0
    i, n = 0, len(pattern)
    in_class = False
    class_start = 0
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            prop = _PROPERTY.match(pattern, i)
            if nxt == "Q":  # \Q...\E is literal text in both dialects
                end = pattern.find("\\E", i + 2)
                end = n if end < 0 else end + 2
                out.append(pattern[i:end])
                i = end
                continue
            if prop:
                out.append(_property(prop))
                i = prop.end()
                continue
            if nxt == "x" and pattern.startswith("{", i + 2):  # \x{8D44}: the same in both, braces included
                end = pattern.find("}", i) + 1 or n
                out.append(pattern[i:end])
                i = end
                continue
            if nxt == "v":
                out.append(r"\x0B")
            elif nxt == "s":
                out.append(_RE2_SPACE.replace(" ", r"\x20") if in_class else f"[{_RE2_SPACE}]")
            elif nxt == "S" and not in_class:
                out.append(f"[^{_RE2_SPACE}]")
            elif nxt == "b" and not in_class:
                out.append(f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))")
            elif nxt == "B" and not in_class:
                out.append(f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            posix = _POSIX_CLASS.match(pattern, i)
            if posix and posix.group(2) in _POSIX:
                out.append(f"\\{'P' if posix.group(1) else 'p'}{{{_POSIX[posix.group(2)]}}}")
                i = posix.end()
                continue
            if c == "]" and i == class_start:
                out.append(r"\]")  # a ] first in a class is a literal in RE2
            elif c == "]":
                in_class = False
                out.append(c)
            elif c in "[&":
                out.append("\\" + c)
            else:
                out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            class_start = i + 2 if pattern.startswith("[^", i) else i + 1
            out.append(pattern[i:class_start])
            i = class_start
            continue
        if c == "(":
            if pattern.startswith("(?P<", i):
                out.append("(?<")
                groups += 1
                i += 4
                continue
            named = pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in "=!"  # not a lookbehind
            if not pattern.startswith("(?", i) or named:
                groups += 1
        elif c == "$" and not multiline:
            out.append(r"\z")  # RE2's $ is the end of the text; Java's also matches before a final \n
            i += 1
            continue
        elif c == "{":
            repeat = _REPEAT.match(pattern, i)
            if repeat:
                out.append(repeat.group())
                i = repeat.end()
                continue
            out.append(r"\{")  # RE2 reads a { that starts no repetition as a literal
            i += 1
            continue
        out.append(c)
        i += 1
    return JAVA_PREFIX + "".join(out), groups


# --------------------------------------------------------------------------------------------
# The AST fix-ups
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def reference_spec(ref: ReferenceTable) -> tuple[TableSpec, dict[str, list[object]]]:
    """A reference table as ``ref_<name>``: text columns and integer valid_from / valid_to, as on DuckDB."""
    cols = [c for c in ref.columns if c not in ("valid_from", "valid_to")]
    index = {c: i for i, c in enumerate(ref.columns)}
    data: dict[str, list[object]] = {c: [row[index[c]] for row in ref.rows] for c in cols}
    for bound in ("valid_from", "valid_to"):
        position = index.get(bound)
        data[bound] = [int(cell) if position is not None and (cell := row[position]) else None for row in ref.rows]
    spec = TableSpec(
        f"ref_{ref.name}",
        "reference table",
        (
            *(Column(c, "VARCHAR", c) for c in cols),
            Column("valid_from", "INTEGER", "first fiscal year"),
            Column("valid_to", "INTEGER", "last fiscal year"),
        ),
    )
    return spec, data


def table_schema(references: Sequence[ReferenceTable] = ()) -> Schema:
    """Column types of every table a rule can read, for typing the SQL before it is rewritten."""
    specs = [*TABLES.values(), *(reference_spec(r)[0] for r in references)]
    return {spec.name: {c.name: c.type for c in spec.all_columns} for spec in specs}


def _spark_schema(spec: TableSpec, types: Any) -> Any:
    factories: dict[str, Callable[[], Any]] = {
        "VARCHAR": types.StringType,
        "INTEGER": types.IntegerType,
        "BIGINT": types.LongType,
        "DECIMAL(18,4)": lambda: types.DecimalType(18, 4),
        "DATE": types.DateType,
        "BOOLEAN": types.BooleanType,
    }
    return types.StructType([types.StructField(c.name, factories[c.type](), c.nullable) for c in spec.all_columns])


def _rows(spec: TableSpec, columns: Mapping[str, list[object]]) -> Iterator[tuple[object, ...]]:
    return zip(*(columns[c.name] for c in spec.all_columns), strict=True)


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------


def _pyspark() -> tuple[Any, Any, tuple[type[BaseException], ...]]:
    try:
        # The ignores cover a type check run without the extra installed (CI installs only [test]).
        from pyspark.errors import PySparkException  # type: ignore[import-not-found,unused-ignore]
        from pyspark.sql import SparkSession, types  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise MissingDependency.for_extra("spark", "pyspark", "Spark 引擎", "the Spark engine") from exc
    failures: tuple[type[BaseException], ...] = (PySparkException,)
    try:  # Spark Connect runs without py4j; classic Spark raises Py4JJavaError for uncaught JVM errors
        from py4j.protocol import Py4JError  # type: ignore[import-untyped,import-not-found,unused-ignore]

        failures += (Py4JError,)
    except ImportError:
        pass
    return SparkSession, types, failures


def _running(session_cls: Any) -> bool:
    """Whether this process already has a Spark session that getOrCreate would return."""
    if session_cls.getActiveSession() is not None:
        return True
    try:
        from pyspark import SparkContext  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # the Spark Connect client package has no SparkContext
        return False
    return getattr(SparkContext, "_active_spark_context", None) is not None


def _start(builder: Any, failures: tuple[type[BaseException], ...]) -> Any:
    try:
        return builder.getOrCreate()
    except failures as exc:
        # Without a JVM pyspark only says its gateway exited; say what to install instead.
        if "JAVA_GATEWAY_EXITED" not in str(exc):
            raise
        raise MissingDependency(
            "Spark 引擎需要 Java 17 或 21（java -version，或设置 JAVA_HOME）/ the Spark engine needs "
            "Java 17 or 21 (java -version, or set JAVA_HOME)",
            package="java",
        ) from exc


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # py4j's own first line names the Java call, not the problem; the JVM's message follows ": ".
    useful = [line for line in lines if not line.startswith("An error occurred while calling")]
    return (useful or lines or [type(exc).__name__])[0].lstrip(": ")


class SparkEngine:
    """Runs compiled rules on a Spark session; ``run`` has the same contract as DuckDBEngine.run.

    ``spark`` is an existing SparkSession, a master URL (``local[4]``, ``spark://host:7077``,
    ``yarn``, ``k8s://…``) or a Spark Connect URL (``sc://host:15002``); default ``local[2]``.
    The engine works in a new session of it (``newSession``), so the caller's temporary views
    and SQL settings are left alone. A rule that runs past ``rule_timeout_s`` is cancelled.
    """

    def __init__(
        self, spark: Any = None, *, rule_timeout_s: float | None = 600.0, conf: Mapping[str, str] | None = None
    ) -> None:
        session_cls, self._types, self._failures = _pyspark()
        self.rule_timeout_s = rule_timeout_s
        self._lock = threading.Lock()
        self._owned: Any = None
        if spark is None or isinstance(spark, str):
            builder = session_cls.builder.appName("perfrules")
            url = spark or DEFAULT_MASTER
            builder = builder.remote(url) if url.startswith("sc://") else builder.master(url)
            local = url.startswith("local")
            for key, value in {**(LOCAL_CONF if local else {}), **(conf or {})}.items():
                builder = builder.config(key, value)
            running = _running(session_cls)
            spark = _start(builder, self._failures)
            if not running:  # getOrCreate joins a session that is already up; that one is not ours to stop
                self._owned = spark
                if not url.startswith("sc://"):
                    # A rule failing at run time is reported in the report; Spark would also log its stack trace.
                    spark.sparkContext.setLogLevel("FATAL")
        self.spark: Any = self._isolated(spark, conf or {})
        self._references: dict[str, ReferenceTable] = {}
        self._schema: Schema = table_schema()
        self._transpiled: dict[str, str] = {}

    @staticmethod
    def _isolated(spark: Any, conf: Mapping[str, str]) -> Any:
        try:
            session = spark.newSession()
        except (AttributeError, NotImplementedError):  # Spark Connect before 4.3 cannot open another session
            session = spark
        for key, value in {**SESSION_CONF, **conf}.items():
            # Only what differs is set: setting a deprecated flag, even to its default, logs a warning.
            if key.startswith("spark.sql.") and session.conf.get(key, None) != value:
                session.conf.set(key, value)
        return session

    def close(self) -> None:
        """Stop the session if this engine started it; a session passed in is the caller's to stop."""
        if self._owned is not None:
            self._owned.stop()
            self._owned = None

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading ----------------------------------------------------------------------------

    def _view(self, spec: TableSpec, columns: Mapping[str, list[object]]) -> None:
        frame = self.spark.createDataFrame(list(_rows(spec, columns)), _spark_schema(spec, self._types))
        # Every rule scans the same few tables: cache them once instead of re-reading Python rows per rule.
        frame.cache().createOrReplaceTempView(spec.name)

    def _drop(self, name: str) -> None:
        if self.spark.catalog.tableExists(name):
            self.spark.table(name).unpersist()
            self.spark.catalog.dropTempView(name)

    def _load(self, batch: Batch, references: Sequence[ReferenceTable]) -> None:
        for name, spec in TABLES.items():
            data = batch.tables.get(name)
            self._view(spec, data.column_lists() if data is not None else {c: [] for c in spec.column_names})
        for ref in references:
            if self._references.get(ref.name) != ref:
                spec, columns = reference_spec(ref)
                self._drop(spec.name)
                self._view(spec, columns)
                self._references[ref.name] = ref
        self._schema = table_schema(list(self._references.values()))

    # -- running ----------------------------------------------------------------------------

    def transpile(self, sql: str) -> str:
        """The Spark SQL run for one compiled rule (cached: a pack's SQL does not change between batches)."""
        spark_sql = self._transpiled.get(sql)
        if spark_sql is None:
            # The sandbox's wall, as on DuckDB: one query over the loaded tables, or nothing.
            verify_tree(sqlglot.parse_one(sql, read="duckdb"), self._schema)
            spark_sql = self._transpiled[sql] = to_spark_sql(sql, self._schema)
        return spark_sql

    def query(self, sql: str) -> list[Row]:
        """Run one DuckDB-dialect query on the loaded tables, as a rule would be run."""
        frame = self.spark.sql(self.transpile(sql))
        names = list(frame.columns)
        return [dict(zip(names, values, strict=True)) for values in frame.collect()]

    def _collect(self, frame: Any, deadline: _Deadline | None = None) -> list[Any]:
        if deadline is None:
            return list(frame.collect())
        with deadline:
            return list(frame.collect())

    def run(
        self, batch: Batch, rules: Sequence[CompiledRule], references: Sequence[ReferenceTable] = ()
    ) -> EngineResult:
        result = EngineResult()
        with self._lock:
            self._load(batch, references)
            try:
                for rule in rules:
                    self._run_one(rule, result)
            finally:
                for name in TABLES:  # free the batch's memory now, not at the next run
                    self._drop(name)
        return result

    def _run_one(self, rule: CompiledRule, result: EngineResult) -> None:
        try:
            spark_sql = self.transpile(rule.sql)
        except QueryRejected as exc:
            result.errors[rule.rule_id] = f"规则被沙箱拒绝 / rule refused by the sandbox: {exc}"
            return
        except (SqlglotError, NotPortable) as exc:
            result.errors[rule.rule_id] = f"规则无法转换为 Spark SQL / rule cannot run on Spark: {_first_line(exc)}"
            return
        deadline = _Deadline(self.spark, self.rule_timeout_s) if self.rule_timeout_s is not None else None
        try:
            frame = self.spark.sql(spark_sql)
            names = list(frame.columns)
            result.rows[rule.rule_id] = [
                dict(zip(names, values, strict=True)) for values in self._collect(frame, deadline)
            ]
        except self._failures as exc:
            if deadline is not None and deadline.fired:
                result.errors[rule.rule_id] = (
                    f"规则运行超过 {deadline.seconds:g} 秒被中止 / rule interrupted after {deadline.seconds:g} s"
                )
            else:
                result.errors[rule.rule_id] = f"规则运行出错 / rule failed at run time: {_first_line(exc)}"


class _Deadline:
    """Cancels the Spark jobs started inside the block once ``seconds`` have passed.

    Classic Spark cancels by job tag on the SparkContext (tags are per thread, cancelling is
    not), and interrupts the running tasks; SparkSession.interruptTag would only see tags added
    on its own thread. Spark Connect has no SparkContext and interrupts tagged operations on
    the server. A cancel reaches only jobs already running, and planning a query can take a
    while, so once the deadline has passed it is repeated until the block ends.
    """

    REPEAT_S = 0.5
    _INTERRUPT = "spark.job.interruptOnCancel"

    def __init__(self, spark: Any, seconds: float) -> None:
        self.seconds = seconds
        self.tag = f"perfrules-{uuid.uuid4().hex}"
        self.fired = False
        self._connect = type(spark).__module__.startswith("pyspark.sql.connect")
        self._spark = spark
        self._interrupt_before: str | None = None
        self._done = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True, name="perfrules-spark-deadline")

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.fired = True
        while True:
            if self._connect:
                self._spark.interruptTag(self.tag)
            else:
                self._spark.sparkContext.cancelJobsWithTag(self.tag)
            if self._done.wait(self.REPEAT_S):
                return

    def __enter__(self) -> None:
        if self._connect:
            self._spark.addTag(self.tag)
        else:
            context = self._spark.sparkContext
            context.addJobTag(self.tag)
            self._interrupt_before = context.getLocalProperty(self._INTERRUPT)
            context.setLocalProperty(self._INTERRUPT, "true")  # a cancelled task stops now, not when it is done
        self._watcher.start()

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._watcher.join()
        if self._connect:
            self._spark.removeTag(self.tag)
        else:
            context = self._spark.sparkContext
            context.removeJobTag(self.tag)
            context.setLocalProperty(self._INTERRUPT, self._interrupt_before)
