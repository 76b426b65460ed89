"""Errors a user can act on. Today: a missing dependency, which every command turns into exit 2.

Every optional package (pandera, pyspark, hypothesis, duckdb_engine …) is imported where it is
used, and its ``ImportError`` becomes a :class:`MissingDependency` naming the extra that brings it.
The command line prints its message and exits 2, never a traceback (``perfrules.cli``).

The interface is the one of the project's error tree (``MissingDependency(message, extra=…)`` and
``MissingDependency.for_extra``), plus ``for_core`` for a core dependency gone missing.
"""

from __future__ import annotations

from typing import ClassVar


def install_command(extra: str | None) -> str:
    """The pip command that brings a package: its extra, or perfrules itself for a core dependency."""
    return f"pip install 'perfrules[{extra}]'" if extra else "pip install perfrules"


class MissingDependency(RuntimeError):
    """A package a feature needs is not installed; the message carries the install command.

    ``extra`` is the extra to install (``pip install 'perfrules[<extra>]'``), ``None`` for a core
    dependency or for what pip cannot install (a Java runtime); ``package`` is what is missing.
    """

    exit_code: ClassVar[int] = 2

    def __init__(self, message: str, *, extra: str | None = None, package: str | None = None) -> None:
        super().__init__(message)
        self.extra = extra
        self.package = package

    @classmethod
    def for_extra(cls, extra: str, needs: str, purpose_zh: str, purpose_en: str) -> MissingDependency:
        """The standard message: what needs which package, and the command that installs it."""
        hint = install_command(extra)
        return cls(f"{purpose_zh}需要 {needs}：{hint} / {purpose_en} needs {needs}: {hint}", extra=extra, package=needs)

    @classmethod
    def for_core(cls, needs: str, purpose_zh: str, purpose_en: str) -> MissingDependency:
        """A core dependency gone missing (installed with --no-deps, or removed): install perfrules again."""
        hint = install_command(None)
        return cls(f"{purpose_zh}需要 {needs}：{hint} / {purpose_en} needs {needs}: {hint}", package=needs)
