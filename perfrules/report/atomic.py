"""Reports appear whole or not at all: written beside their path as ``.partial``, then renamed.

A ``kill -9`` during a write would otherwise leave a plausible but truncated report at the
final path, and a reviewer could not tell it from a complete one.
"""

from __future__ import annotations

import os
from pathlib import Path


def partial_path(path: Path) -> Path:
    """Where ``path`` is written before it is renamed into place: ``<name>.partial`` beside it."""
    return path.with_name(path.name + ".partial")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through ``path.partial`` (a stale one from a crash is replaced).

    A path that is not a regular file (``-o /dev/null``, a FIFO, ``/dev/stdout``) is written straight
    through: renaming over it would replace the device with a file, which as root breaks the machine.
    """
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as out:
            out.write(text)
        return
    partial = partial_path(path)
    partial.unlink(missing_ok=True)
    try:
        with partial.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
