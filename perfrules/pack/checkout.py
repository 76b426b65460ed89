"""Whether a folder is inside a checkout of perfrules: where generated docs may go by default."""

from __future__ import annotations

import tomllib
from pathlib import Path


def checkout_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding perfrules' own pyproject.toml, rules/ and docs/."""
    for folder in (start.resolve(), *start.resolve().parents):
        project = folder / "pyproject.toml"
        if not (project.is_file() and (folder / "rules" / "pack.yaml").is_file() and (folder / "docs").is_dir()):
            continue
        try:
            with project.open("rb") as fh:
                name = tomllib.load(fh).get("project", {}).get("name")
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if name == "perfrules":
            return folder
    return None
