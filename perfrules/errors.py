"""Every exception perfrules raises to its caller has one root, ``PerfrulesError``::

    PerfrulesError
    ├── MissingDependency (RuntimeError)  an optional extra is not installed; names the extra
    ├── InputError (ValueError)           a file that cannot be read as what it claims to be
    │   ├── YamlError                       yaml12
    │   └── TableShapeError                 tables/columnar
    ├── RuleError (ValueError)            a rule that cannot be compiled or run as written
    │   ├── CompileError                    compile/kinds
    │   ├── SqlNotAllowed                   compile/allowlist (a function or construct off the list)
    │   ├── QueryRejected                   engine/guard (the sandbox's wall)
    │   └── NotPortable                     engine/spark_regex (cannot mean the same on Spark)
    └── CacheFormatError (ValueError)     a compiled-pack cache file from another version

The CLI and the validator turn these into ``Problem``s with a file and location; a caller of
the API sees them only from functions documented to raise. Each concrete class lives beside
the code that raises it and subclasses its branch here; ``ValueError`` and ``RuntimeError``
stay in the bases so that older ``except ValueError`` code keeps working.
"""

from __future__ import annotations

from typing import ClassVar


def install_command(extra: str | None) -> str:
    """The pip command that brings a package: its extra, or perfrules itself for a core dependency."""
    return f"pip install 'perfrules[{extra}]'" if extra else "pip install perfrules"


class PerfrulesError(Exception):
    """The root of every perfrules exception."""


class MissingDependency(PerfrulesError, RuntimeError):
    """A package a feature needs is not installed; the message carries the install command.

    Every optional package (pandera, pyspark, hypothesis, duckdb_engine …) is imported where it is
    used, and its ``ImportError`` becomes this, naming the extra that brings it; every command
    prints the message and exits 2, never a traceback. ``extra`` is the extra to install
    (``pip install 'perfrules[<extra>]'``), None for a core dependency or for what pip cannot
    install (a Java runtime); ``package`` is what is missing.
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


class InputError(PerfrulesError, ValueError):
    """A file that cannot be read as what it claims to be."""


class RuleError(PerfrulesError, ValueError):
    """A rule that cannot be compiled or run as written."""


class CacheError(PerfrulesError, ValueError):
    """A compiled-pack cache that cannot be used (it is rebuilt)."""
