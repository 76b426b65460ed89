"""sqlglot, imported on first use.

Importing sqlglot costs tens of milliseconds. A cold ``perfrules check`` whose compiled pack
comes from the on-disk cache (``perfrules.pack.cache``) never compiles a rule, so the compiler
modules import ``exp`` and ``sqlglot`` from here: a stand-in module that imports the real one
the first time any attribute is read, then copies its namespace so later reads cost nothing.
Type checkers see the real modules.
"""

from __future__ import annotations

import importlib
import types
from typing import TYPE_CHECKING, Any


class _LazyModule(types.ModuleType):
    """``getattr(import_module(package), attribute)`` (or the package itself), on first use."""

    def __init__(self, package: str, attribute: str | None = None) -> None:
        super().__init__(f"{package}.{attribute}" if attribute else package)
        self._lazy_target = (package, attribute)

    def _lazy_load(self) -> types.ModuleType:
        real: types.ModuleType | None = self.__dict__.get("_lazy_real")
        if real is None:
            package, attribute = self._lazy_target
            module = importlib.import_module(package)
            real = getattr(module, attribute) if attribute else module
            self.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})
            self._lazy_real = real
        return real

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy, pickle and doctest probe dunders: never import for them
        return getattr(self._lazy_load(), name)  # a name the real module gained after the copy

    def __repr__(self) -> str:
        package, attribute = self._lazy_target
        return f"<lazy module {package + '.' + attribute if attribute else package}>"


if TYPE_CHECKING:
    import sqlglot as sqlglot
    from sqlglot import exp as exp
else:
    sqlglot = _LazyModule("sqlglot")
    exp = _LazyModule("sqlglot", "exp")
