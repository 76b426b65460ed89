"""Regular expressions as the engine will run them: compiled by DuckDB's RE2 at lint time.

A pattern RE2 cannot compile (a look-behind, a back-reference, an unbalanced group) would
otherwise fail at run time, on the bureau's batch; here it is a lint error at its line. Each
pattern of a ``text_pattern`` check is compiled alone before the patterns are joined, so one
pattern can never close another's group and change what the alternation means.
"""

from __future__ import annotations

import threading
from typing import Any

from perfrules.compile._lazy import exp

_LOCK = threading.Lock()
_CONNECTION: list[Any] = []


def re2_problem(pattern: str) -> str | None:
    """Why RE2 (as DuckDB runs it) refuses ``pattern``, or None. The pattern is a bound value."""
    import duckdb

    with _LOCK:
        if not _CONNECTION:
            _CONNECTION.append(duckdb.connect(":memory:", config={"enable_external_access": False}))
        cursor = _CONNECTION[0].cursor()
    try:
        cursor.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
    except duckdb.Error as exc:
        return str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
    finally:
        cursor.close()
    return None


def regex_message(pattern: str, reason: str) -> str:
    shown = pattern if len(pattern) <= 60 else pattern[:57] + "…"
    return (
        f"正则表达式无法由 RE2 编译：{reason}（{shown!r}）/ RE2 cannot compile the regular expression {shown!r}: {reason}"
        " (RE2 has no look-around or back-references)"
    )


def tree_regex_problem(tree: exp.Expr) -> str | None:
    """The first literal pattern in ``tree`` that RE2 refuses, as a message; None if all compile."""
    nodes = (exp.RegexpLike, exp.RegexpExtract, exp.RegexpReplace, exp.RegexpILike, exp.RegexpSplit)
    for node in tree.find_all(*nodes):
        pattern = node.args.get("expression")
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            reason = re2_problem(pattern.this)
            if reason is not None:
                return regex_message(pattern.this, reason)
    return None
