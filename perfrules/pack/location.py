"""Where the rule pack lives: ``$PERFRULES_RULES``, the pack shipped in the wheel, or a checkout's ``rules/``."""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_PACK = "<shipped>"
"""How a report names the shipped pack: by name, not path, so it is the same on every machine."""


def default_rules_dir() -> Path:
    """``$PERFRULES_RULES``, else the pack shipped in the wheel, else the checkout's ``rules/``."""
    env = os.environ.get("PERFRULES_RULES")
    if env:
        return Path(env)
    package = Path(__file__).resolve().parents[1]
    shipped = package / "_rules"
    return shipped if shipped.is_dir() else package.parent / "rules"


def resolve_rules_dir(root: str | Path) -> Path:
    """A stamped pack root back to a folder (the shipped pack is stamped by name, not path)."""
    return default_rules_dir() if str(root) == SHIPPED_PACK else Path(root)
