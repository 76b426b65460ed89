"""Safe YAML with YAML 1.2 scalars, line numbers, duplicate-key and alias-bomb guards.

PyYAML composes the node tree (no object construction, no tags executed); this module
builds plain Python values from it. Doing the construction here gives YAML 1.2 core-schema
semantics (``no``/``on``/``off`` stay strings, as policy staff mean them), a line number for
every key and item, and a hard cap on alias expansion ("billion laughs").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from perfrules.errors import InputError
from perfrules.numbers import NumberTooLarge, bounded_decimal, bounded_int

# The C composer is much faster on big submissions; pure-Python builds of PyYAML lack it.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path = tuple[str | int, ...]

MAX_NODES = 2_000_000
MAX_EXPANSION = 10
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
# Booleans in YAML 1.1 but plain text in YAML 1.2: authors often mean one and get the other.
YAML11_BOOLEANS = {w for base in ("yes", "no", "on", "off", "y", "n") for w in (base, base.title(), base.upper())}
# Scalar tags PyYAML's 1.1 resolver may assign; the text is re-resolved under YAML 1.2 below.
_SCALAR_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "value", "merge")
}
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class YamlError(InputError):
    """A YAML document that cannot be read; carries a 1-based line and column."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Located:
    """Plain data plus where each mapping key and sequence item started."""

    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    yaml11_booleans: list[tuple[str, int, int]] = field(default_factory=list)
    """Plain yes/no/on/off scalars (value, line, column): text here, booleans to YAML 1.1 tools."""

    def line_of(self, path: Path) -> tuple[int, int] | None:
        """The position of ``path`` or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get(())


def _explain_scanner_error(problem: str, snippet: str) -> str:
    if "'\\t'" in problem or "\t" in snippet:
        return "YAML 不允许用制表符缩进，请改用空格 / YAML does not allow tabs for indentation; use spaces"
    if re.search(r":\s*[>|][=<>]", snippet):
        return (
            '比较符号 >= 或 > 在 YAML 中有特殊含义，请写成 gte/gt 或加引号 ">=" / an unquoted >= or > is YAML '
            'syntax: write gte, gt, lte, lt, eq or quote it as ">="'
        )
    return f"YAML 语法错误 / YAML syntax error: {problem}"


def load_yaml(text: str) -> Located:
    """Parse one YAML document; raise YamlError with a position on any problem."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        snippet = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
        raise YamlError(_explain_scanner_error(str(exc.problem), snippet), line, column) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML 无法读取 / unreadable YAML: {exc}") from None
    located = Located(data=None)
    if node is None:
        return located
    builder = _Builder(located, text)
    try:
        located.data = builder.build(node, ())
    except RecursionError:
        raise YamlError("YAML 嵌套过深 / YAML nested too deeply", node.start_mark.line + 1, 1) from None
    distinct = len(builder.distinct)
    if builder.count > max(10_000, MAX_EXPANSION * distinct):
        raise YamlError(
            f"别名展开过大（{builder.count} 个节点，来自 {distinct} 个）/ alias expansion too large "
            f"({builder.count} nodes from {distinct}): possible alias bomb",
            node.start_mark.line + 1,
            1,
        )
    return located


class _Builder:
    def __init__(self, located: Located, text: str) -> None:
        self.located = located
        self.text = text
        self.count = 0
        self.distinct: set[int] = set()
        self.active: set[int] = set()

    def _pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        self.distinct.add(id(node))
        if self.count > MAX_NODES or self.count > max(10_000, MAX_EXPANSION * len(self.distinct)):
            line, col = self._pos(node)
            raise YamlError("别名展开过大 / alias expansion too large: possible alias bomb (billion laughs)", line, col)
        allowed = _SCALAR_TAGS if isinstance(node, yaml.ScalarNode) else _COLLECTION_TAGS
        if node.tag not in allowed:
            line, col = self._pos(node)
            raise YamlError(f"不允许的 YAML 标签 / tag not allowed: {node.tag}", line, col)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self.active:
            line, col = self._pos(node)
            raise YamlError("YAML 别名形成循环 / recursive YAML alias", line, col)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                items = []
                for i, child in enumerate(node.value):
                    self.located.positions.setdefault((*path, i), self._pos(child))
                    items.append(self.build(child, (*path, i)))
                return items
            assert isinstance(node, yaml.MappingNode)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, path)
                if isinstance(key, list | dict):
                    line, col = self._pos(key_node)
                    raise YamlError("映射的键必须是标量 / a mapping key must be a scalar", line, col)
                if key in out:
                    line, col = self._pos(key_node)
                    raise YamlError(f"重复的键 / duplicate key: {key!r}", line, col)
                self.located.positions.setdefault((*path, key), self._pos(key_node))
                out[key] = self.build(value_node, (*path, key))
            return out
        finally:
            self.active.discard(id(node))

    def _explicitly_tagged(self, node: yaml.ScalarNode) -> bool:
        # PyYAML keeps no flag for an explicit tag; the node's source span starts with it.
        span = self.text[node.start_mark.index : node.end_mark.index]
        return "!" in span[: max(0, len(span) - len(node.value))]

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        value: str = node.value
        if node.style in (">", "|") and not value.strip():
            raise YamlError(
                '空的块文本：比较符号 > 或 | 请写成 gt 或加引号 ">" / an empty block scalar: an unquoted > or | '
                'starts block text in YAML; write gt (or lt) or quote it as ">"',
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        if node.style or (node.tag == "tag:yaml.org,2002:str" and self._explicitly_tagged(node)):
            # Quoted, block or !!str text is text, whatever it looks like.
            return value
        if value in YAML11_BOOLEANS:
            self.located.yaml11_booleans.append((value, node.start_mark.line + 1, node.start_mark.column + 1))
        if value in _NULL:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        try:
            if _INT.match(value):
                return bounded_int(value)
            if _FLOAT.match(value):
                return bounded_decimal(value)
        except NumberTooLarge as exc:
            raise YamlError(exc.message, node.start_mark.line + 1, node.start_mark.column + 1) from None
        return value
