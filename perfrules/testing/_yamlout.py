"""Counterexamples as YAML a rule author can paste under ``examples:``.

Decimals become strings (the submission model reads "0.981" exactly as 0.981). A string
that the YAML 1.2 loader would read back as a number, boolean or null (``1e3``, ``+.5``,
``true``) is quoted, because PyYAML's SafeDumper only quotes what YAML 1.1 would misread.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import yaml

# The scalar forms perfrules.yaml12 resolves to non-strings.
_NOT_A_STRING_IN_YAML12 = re.compile(
    r"^([-+]?[0-9]+|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$"
)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that also quotes strings YAML 1.2 would not read back as strings."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if value == "" or _NOT_A_STRING_IN_YAML12.match(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def plain(value: Any) -> Any:
    """Decimals as strings, tuples as lists, recursively; everything else unchanged."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def without_defaults(value: Any) -> Any:
    """Drop keys holding null or an empty list: the model's defaults, so the document means the same."""
    if isinstance(value, Mapping):
        return {k: without_defaults(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list | tuple):
        return [without_defaults(v) for v in value]
    return value


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        plain(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


def example_block(name: str, expect: str, submission: Mapping[str, Any], findings: Counter[str] | None = None) -> str:
    """One item of a rule's ``examples:`` list, ready to paste."""
    item: dict[str, Any] = {"name": name, "expect": expect, "submission": without_defaults(submission)}
    if findings:
        item["findings"] = [{"at": at} if n == 1 else {"at": at, "count": n} for at, n in sorted(findings.items())]
    return dump_yaml([item])


def indent(text: str, prefix: str = "      ") -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(keepends=True))
