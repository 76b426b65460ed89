"""The house rules, enforced: small modules and functions, no import cycle inside a subpackage,
the pipeline's layers in order, and a curated public API.

Limits: no module over 500 lines, no function over 60 lines (docstrings and comments counted).
``DEBT`` lists what is still over a limit, each with its size today: an entry may only shrink,
and a new offender fails. Remove an entry when its module is split.
"""

from __future__ import annotations

import ast
import importlib
from collections import defaultdict
from pathlib import Path

import perfrules

PACKAGE = Path(perfrules.__file__).resolve().parent
MODULE_LINES = 500
FUNCTION_LINES = 60

DEBT: dict[str, int] = {
    # module (lines) or module:function (lines) still over the limit, and its size today
}

CYCLE_DEBT: list[set[str]] = []
"""Cycles still to open (none: keep it so)."""


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _sizes() -> dict[str, int]:
    sizes: dict[str, int] = {}
    for path in _modules().values():
        rel = path.relative_to(PACKAGE).as_posix()
        text = path.read_text(encoding="utf-8")
        sizes[rel] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                sizes[f"{rel}:{node.name}"] = max(sizes.get(f"{rel}:{node.name}", 0), node.end_lineno - start + 1)
    return sizes


def test_no_module_or_function_is_over_its_limit() -> None:
    over = {name: size for name, size in _sizes().items() if size > (FUNCTION_LINES if ":" in name else MODULE_LINES)}
    new = {name: size for name, size in over.items() if name not in DEBT}
    assert not new, f"over the limit ({MODULE_LINES} lines a module, {FUNCTION_LINES} a function): {new}"
    grown = {name: (DEBT[name], size) for name, size in over.items() if size > DEBT[name]}
    assert not grown, f"known debt grew (was, now): {grown}"
    paid = sorted(set(DEBT) - set(over))
    assert not paid, f"no longer over the limit; remove from DEBT: {paid}"


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of the package this one imports, at run time (``if TYPE_CHECKING:`` blocks excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("perfrules"):
            candidates = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            found |= {c for c in candidates if c in modules}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
    return found


def _cycles_within_subpackages() -> list[set[str]]:
    modules = _modules()
    package = {name: name.rsplit(".", 1)[0] for name in modules}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        if package[name] == "perfrules":
            continue  # top-level modules (cli, run) are the front doors, not a subpackage
        graph[name] = {m for m in _imports(path, modules) if m != name and package.get(m) == package[name]}
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(component)

    for v in list(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycle_inside_a_subpackage() -> None:
    cycles = _cycles_within_subpackages()
    new = [c for c in cycles if c not in CYCLE_DEBT]
    assert not new, f"import cycles inside a subpackage: {new}"
    paid = [c for c in CYCLE_DEBT if c not in cycles]
    assert not paid, f"cycle opened; remove from CYCLE_DEBT: {paid}"


LAYERS = ["errors", "model", "read", "tables", "compile", "pack", "engine", "findings", "report"]
"""The pipeline, lowest first. A layer may import layers at or below it, never above (at run time)."""
ALLOWED_UPWARD: set[tuple[str, str]] = {
    # read/fund_vocab classifies a narrative's stated fund use with the pack's vocabulary CSV
    # (pack/location only): the classification belongs in a reference rule, and will move there.
    ("read", "pack"),
}


def test_the_layers_import_only_downward() -> None:
    modules = _modules()
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    upward: set[tuple[str, str, str]] = set()
    for name, path in modules.items():
        layer = name.split(".")[1] if name.count(".") else ""
        if layer not in rank:
            continue
        for target in _imports(path, modules):
            other = target.split(".")[1] if target.count(".") else ""
            if other in rank and rank[other] > rank[layer] and (layer, other) not in ALLOWED_UPWARD:
                upward.add((name, target, f"{layer} → {other}"))
    assert not upward, f"imports against the pipeline: {sorted(upward)}"


def test_the_public_api_is_exactly_what_all_lists() -> None:
    public = {name for name in vars(perfrules) if not name.startswith("_")}
    submodules = {name for name in public if isinstance(getattr(perfrules, name), type(perfrules))}
    assert set(perfrules.__all__) - {"__version__"} == public - submodules
    # Subpackages are reachable by import but are not part of the API
    assert not submodules & set(perfrules.__all__)
    for name in perfrules.__all__:
        assert getattr(perfrules, name) is not None
    assert (PACKAGE / "py.typed").is_file()
    assert callable(importlib.import_module("perfrules.run").validate)


DOCSTRING_DEBT: set[str] = set()


def test_public_functions_of_read_report_and_tables_have_docstrings() -> None:
    missing = set()
    for sub in ("read", "report", "tables"):
        for path in sorted((PACKAGE / sub).glob("*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                public = isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
                if public and not ast.get_docstring(node):
                    missing.add(f"{path.relative_to(PACKAGE).as_posix()}:{node.name}")
    assert missing <= DOCSTRING_DEBT, f"public names without a docstring: {sorted(missing - DOCSTRING_DEBT)}"
    assert not DOCSTRING_DEBT - missing, (
        f"documented now; remove from DOCSTRING_DEBT: {sorted(DOCSTRING_DEBT - missing)}"
    )
