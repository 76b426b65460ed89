"""Errors a user can act on, each with its exit code. Today: a missing dependency.

Every optional package (pandera, pyspark, hypothesis, duckdb_engine …) is imported where it is
used, and its ``ImportError`` becomes a :class:`MissingDependency` naming the extra that brings it.
The command line prints its message and exits 2, never a traceback (``perfrules.cli``).
"""

from __future__ import annotations

from typing import ClassVar


def install_command(extra: str | None) -> str:
    """The pip command that brings a package: its extra, or perfrules itself for a core dependency."""
    return f"pip install 'perfrules[{extra}]'" if extra else "pip install perfrules"


class MissingDependency(RuntimeError):
    """``package``, needed for a feature, is not installed; ``extra`` is the perfrules extra that brings it.

    ``extra`` is ``None`` for a core dependency (installing perfrules again brings it back).
    ``detail`` replaces the standard message for what pip cannot install (a Java runtime).
    """

    exit_code: ClassVar[int] = 2

    def __init__(self, extra: str | None, package: str, *, zh: str, en: str, detail: str | None = None) -> None:
        self.extra = extra
        self.package = package
        self.install = install_command(extra)
        super().__init__(detail or f"{zh}需要 {package}，请安装：{self.install} / {en} needs {package}: {self.install}")
