"""``--coverage``: what a rule's examples leave untested.

* rules without a must-pass or without a must-fail example;
* columns the rule reads (found in its compiled SQL with sqlglot: the columns of its tables in
  WHERE, HAVING and JOIN conditions, not the evidence it only reports) that no example
  varies. A column varies when its values differ between a pass and a fail example, or
  between two fail examples; a column no example varies could be dropped from the rule, or
  compared the wrong way round, and every example would still pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import sqlglot
from pydantic import ValidationError
from sqlglot import exp
from sqlglot.errors import SqlglotError

from perfrules.compile.allowlist import DIALECT
from perfrules.compile.kinds import KINDS
from perfrules.model.sourced import SourcedSubmission
from perfrules.model.submission import Submission
from perfrules.pack.loader import LoadedRule, Pack
from perfrules.tables.normalize import normalize
from perfrules.tables.spec import TABLES
from perfrules.testing.examples import yaml_line

# Keys, and the columns every compiled rule reads to decide applicability.
STRUCTURAL = {"sub", "rid", "path", "doc_kind", "fiscal_year", "department"}


@dataclass(frozen=True)
class RuleCoverage:
    rule_id: str
    file: str
    line: int
    missing: tuple[str, ...]
    """``pass`` and/or ``fail``: the kinds of example the rule lacks."""
    reads: tuple[str, ...]
    """``table.column`` the rule reads."""
    unvaried: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unvaried


def _own_text(loaded: LoadedRule) -> str:
    """Everything the author wrote that names columns."""
    check = loaded.rule.check
    parts = [getattr(check, key, None) for key in ("where", "fails_when", "matching")]
    text = " ".join(p for p in parts if isinstance(p, str))
    return " ".join([text, *KINDS[check.kind].named_columns(check)])


def _in_projection(node: exp.Expr) -> bool:
    """Is the node part of a SELECT list or GROUP BY (evidence, identity), rather than of a condition?"""
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(parent, exp.Select):
            return child.arg_key in ("expressions", "group")
        child, parent = parent, parent.parent
    return False


def read_columns(loaded: LoadedRule) -> list[tuple[str, str]]:
    """(table, column) pairs the rule's conditions read, from its compiled SQL."""
    try:
        tree = sqlglot.parse_one(loaded.compiled.sql, read=DIALECT)
    except SqlglotError:
        return []
    aliases = {t.alias_or_name: t.name for t in tree.find_all(exp.Table)}
    own = _own_text(loaded)
    found: set[tuple[str, str]] = set()
    for column in tree.find_all(exp.Column):
        table = aliases.get(column.table)
        if table is None or table not in TABLES or table == "locations" or _in_projection(column):
            continue
        name = column.name
        structural = name in STRUCTURAL or name.endswith("_rid")
        if structural and not re.search(rf"\b{re.escape(name)}\b", own):
            continue
        found.add((table, name))
    return sorted(found)


def _values(doc: dict[str, object], table: str, column: str) -> tuple[str, ...] | None:
    try:
        submission = Submission.model_validate(doc)
    except ValidationError:
        return None
    data = normalize([SourcedSubmission("<coverage>", submission)]).tables[table]
    return tuple(sorted(repr(v) for v in data.column_lists().get(column, [])))


def _varies(loaded: LoadedRule, table: str, column: str) -> bool:
    passing: list[tuple[str, ...]] = []
    failing: list[tuple[str, ...]] = []
    for example in loaded.rule.examples:
        values = _values(dict(example.submission), table, column)
        if values is not None:
            (failing if example.expect == "fail" else passing).append(values)
    return any(p != f for p in passing for f in failing) or len(set(failing)) > 1


def rule_coverage(loaded: LoadedRule) -> RuleCoverage:
    kinds = {e.expect for e in loaded.rule.examples}
    missing = tuple(k for k in ("pass", "fail") if k not in kinds)
    reads = read_columns(loaded)
    unvaried = tuple(f"{t}.{c}" for t, c in reads if not _varies(loaded, t, c))
    line = yaml_line(loaded.file, ("examples",)) or loaded.line
    return RuleCoverage(loaded.rule.id, loaded.file, line, missing, tuple(f"{t}.{c}" for t, c in reads), unvaried)


def analyse(pack: Pack) -> list[RuleCoverage]:
    return [rule_coverage(r) for r in pack.rules]


_KIND_NAMES = {"pass": "必过示例 / must-pass example", "fail": "必不过示例 / must-fail example"}


def _lines(items: list[RuleCoverage]) -> Iterator[str]:
    gaps = [c for c in items if not c.complete]
    yield (
        f"覆盖 / coverage: {len(items) - len(gaps)}/{len(items)} 条规则的示例覆盖完整 / rules fully covered by their examples"
    )
    for c in gaps:
        yield f"  {c.rule_id}  {c.file}:{c.line}"
        if c.missing:
            yield "      缺少 / missing: " + "、".join(_KIND_NAMES[k] for k in c.missing)
        if c.unvaried:
            yield "      没有示例改变这些列 / no example varies: " + ", ".join(c.unvaried)


def format_coverage(items: list[RuleCoverage]) -> str:
    return "\n".join(_lines(items))
