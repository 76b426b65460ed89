"""Engines by name: the CLI's ``--engine`` choices come from ``ENGINES``.

A new engine is one module whose class satisfies ``perfrules.engine.base.Engine``, and one call::

    from perfrules.engine.registry import register_engine

    register_engine("polars", lambda option: PolarsEngine(option))

The factory gets the CLI's one engine option (``--spark-master``), or None.
"""

from __future__ import annotations

from collections.abc import Callable

from perfrules.engine.base import Engine

EngineFactory = Callable[[str | None], Engine]
"""Builds an engine from the CLI's one option (Spark's master URL; None for the default)."""

ENGINES: dict[str, EngineFactory] = {}


def register_engine(name: str, factory: EngineFactory) -> None:
    ENGINES[name] = factory


def _duckdb(_option: str | None) -> Engine:
    from perfrules.engine.duckdb_engine import shared_engine

    return shared_engine()


def _spark(master: str | None) -> Engine:
    from perfrules.engine.spark_engine import SparkEngine

    return SparkEngine(master)


register_engine("duckdb", _duckdb)
register_engine("spark", _spark)
