"""Readers, writers and engines from other packages, found by entry point.

A package that adds a reader, a writer or an engine declares an entry point in one of the
groups below; its object is called once with no arguments and registers what it adds
(``register_reader``, ``register_writer``, ``register_engine``)::

    [project.entry-points."perfrules.writers"]
    csv = "my_package.csv_report:register"

The CLI loads them at start; a program using the API calls ``load_plugins()`` itself.
A plugin that fails to load is reported, never fatal: the built-in formats still work.
"""

from __future__ import annotations

from importlib.metadata import entry_points

GROUPS = ("perfrules.readers", "perfrules.writers", "perfrules.engines")

_loaded = False


def load_plugins() -> list[str]:
    """Load every plugin once; returns a message for each that failed (Chinese first)."""
    global _loaded
    if _loaded:
        return []
    _loaded = True
    failures: list[str] = []
    for group in GROUPS:
        for point in entry_points(group=group):
            try:
                point.load()()
            except Exception as exc:  # a broken plugin must not take the built-in formats down
                failures.append(f"插件加载失败 / plugin failed to load: {group}:{point.name}: {exc}")
    return failures
