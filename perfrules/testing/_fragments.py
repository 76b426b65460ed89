"""A rule's SQL fragment as a sqlglot tree that keeps its ``{parameter}`` placeholders.

Mutation and boundary testing rewrite fragments (flip a comparator, replace a comparison by
TRUE) and compile the result as a new rule. Substituting the parameters first would bake the
values into the text, and a value holding braces (a regex such as ``\\d{4}``) would then be
read back as a placeholder; so each placeholder travels through sqlglot as a sentinel column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from perfrules.compile.allowlist import DIALECT
from perfrules.model.rule import ParamValue

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SENTINEL = "perfrules_param_{}_"
_SENTINEL_RE = re.compile(r'"?perfrules_param_(\d+)_"?')

COMPARISONS: dict[type[exp.Expr], str] = {
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.EQ: "=",
    exp.NEQ: "<>",
}
FLIPPED: dict[type[exp.Expr], type[exp.Binary]] = {
    exp.GT: exp.GTE, exp.GTE: exp.GT, exp.LT: exp.LTE, exp.LTE: exp.LT, exp.EQ: exp.NEQ, exp.NEQ: exp.EQ,
}  # fmt: skip
# Reading `a > b` as `b < a`: used to put the constant side of a comparison on the right.
MIRRORED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "<>": "<>"}


@dataclass(frozen=True)
class Fragment:
    """A parsed fragment; ``names[i]`` is the parameter behind sentinel ``i``."""

    text: str
    tree: exp.Expr
    names: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Fragment | None:
        """None when sqlglot cannot parse it (the loader has already reported such a rule)."""
        names: list[str] = []

        def sentinel(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name not in names:
                names.append(name)
            return _SENTINEL.format(names.index(name))

        try:
            tree = sqlglot.parse_one(_PLACEHOLDER.sub(sentinel, text), read=DIALECT)
        except SqlglotError:
            return None
        return cls(text, tree, tuple(names))

    def nodes(self, tree: exp.Expr | None = None) -> Iterator[exp.Expr]:
        """Every node in a fixed order, so index ``i`` names the same node in a copy."""
        yield from (tree or self.tree).walk(bfs=True)

    def param(self, node: exp.Expr) -> str | None:
        """The parameter a node stands for, if it is a placeholder."""
        if isinstance(node, exp.Column) and not node.table:
            match = _SENTINEL_RE.fullmatch(node.name)
            if match:
                return self.names[int(match.group(1))]
        return None

    def render(self, tree: exp.Expr) -> str:
        sql = tree.sql(DIALECT)
        return _SENTINEL_RE.sub(lambda m: "{" + self.names[int(m.group(1))] + "}", sql)

    def replaced(self, index: int, make: Callable[[exp.Expr], exp.Expr]) -> str:
        """The fragment text with node ``index`` replaced by ``make(node)``."""
        tree = self.tree.copy()
        target = next(n for i, n in enumerate(self.nodes(tree)) if i == index)
        new = make(target)
        if target is tree:
            return self.render(new)
        target.replace(new)
        return self.render(tree)

    def constant(self, node: exp.Expr, params: Mapping[str, ParamValue]) -> Decimal | None:
        """The numeric value of a side built only from numbers and numeric parameters."""
        if isinstance(node, exp.Paren):
            return self.constant(node.this, params)
        if isinstance(node, exp.Literal):
            return _decimal(node.this) if node.is_number else None
        if isinstance(node, exp.Neg):
            inner = self.constant(node.this, params)
            return None if inner is None else -inner
        name = self.param(node)
        if name is not None:
            value = params.get(name)
            if isinstance(value, bool) or not isinstance(value, int | Decimal):
                return None
            return Decimal(value)
        if isinstance(node, exp.Add | exp.Sub | exp.Mul):
            left, right = self.constant(node.this, params), self.constant(node.expression, params)
            if left is None or right is None:
                return None
            return (
                left + right
                if isinstance(node, exp.Add)
                else left - right
                if isinstance(node, exp.Sub)
                else left * right
            )
        return None

    def columns(self, node: exp.Expr) -> set[str]:
        return {c.name for c in node.find_all(exp.Column) if self.param(c) is None}


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def numeric_literals(fragment: Fragment) -> Iterator[tuple[int, exp.Literal]]:
    """Numeric literals a mutant may shift; type parameters such as DECIMAL(18, 4) are not values."""
    for index, node in enumerate(fragment.nodes()):
        if isinstance(node, exp.Literal) and node.is_number and node.find_ancestor(exp.DataType) is None:
            yield index, node


def comparisons(fragment: Fragment) -> Iterator[tuple[int, exp.Binary]]:
    for index, node in enumerate(fragment.nodes()):
        if type(node) in COMPARISONS:
            assert isinstance(node, exp.Binary)
            yield index, node
