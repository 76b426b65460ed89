"""`perfrules lint`: every problem in every rule file, each with file:line:column."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from perfrules.pack.loader import REFERENCE_DIR, Problem, _read_reference, load_pack, load_rule_text


def _pack_root(path: Path) -> Path | None:
    for parent in path.resolve().parents:
        if (parent / REFERENCE_DIR).is_dir() or (parent / "pack.yaml").is_file():
            return parent
    return None


def lint_paths(paths: Iterable[str | Path]) -> list[Problem]:
    """Lint folders (as whole packs) and single rule files (with their pack's reference tables)."""
    problems: list[Problem] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            problems.extend(load_pack(path).problems)
            continue
        if not path.is_file():
            problems.append(Problem(str(path), None, None, "文件不存在 / no such file"))
            continue
        root = _pack_root(path)
        lookups = {}
        if root is not None:
            for csv_path in sorted((root / REFERENCE_DIR).glob("*.csv")):
                table, more = _read_reference(csv_path, str(csv_path))
                problems.extend(more)
                if table is not None:
                    lookups[table.name] = table.columns
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(str(path), None, None, "文件不是 UTF-8 编码 / file is not UTF-8"))
            continue
        problems.extend(load_rule_text(text, str(path), lookups)[1])
    return problems
