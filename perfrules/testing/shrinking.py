"""Shrinking a failing submission: drop what the failure does not need, greedily."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from perfrules.testing._documents import Document, get_at


def shrink(doc: Document, still_fails: Callable[[Document], bool], budget: int = 60, *, lists: bool = True) -> Document:
    """Greedy: drop list items (unless ``lists`` is off) and optional keys while the failure persists."""
    current = doc
    tries = 0
    changed = True
    while changed and tries < budget:
        changed = False
        for candidate in _smaller(current, lists=lists):
            tries += 1
            if still_fails(candidate):
                current, changed = candidate, True
                break
            if tries >= budget:
                break
    return current


def _smaller(doc: Document, *, lists: bool = True) -> Iterator[Document]:  # noqa: C901
    """One-step reductions, biggest first: whole list items, then keys."""
    paths: list[tuple[list[str | int], int]] = []

    def walk(node: Any, path: list[str | int]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, [*path, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append(([*path, i], 0))
                walk(v, [*path, i])

    walk(doc, [])
    keys: list[list[str | int]] = []

    def walk_keys(node: Any, path: list[str | int]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if path or k not in ("document_kind", "header"):
                    keys.append([*path, k])
                walk_keys(v, [*path, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk_keys(v, [*path, i])

    walk_keys(doc, [])
    for path, _ in sorted(paths, key=lambda p: len(p[0])) if lists else ():
        out = copy.deepcopy(doc)
        holder = get_at(out, path[:-1])
        if isinstance(holder, list) and isinstance(path[-1], int):
            del holder[path[-1]]
            yield out
    for path in sorted(keys, key=len):
        out = copy.deepcopy(doc)
        holder = get_at(out, path[:-1])
        if isinstance(holder, dict) and path[-1] in holder:
            del holder[path[-1]]
            yield out
