"""The service's settings: where the data folder and the database are, and its limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
DB_FILE = "perfrules.sqlite3"


ROLES = ("submitter", "reviewer", "admin")
"""The roles of an account: a submitter files for one department, a reviewer sees a region, an admin manages."""


def database_url(data: Path, db: str | None = None) -> str:
    """``--db`` as given, else the embedded SQLite database inside the data folder."""
    if db:
        return db
    return f"sqlite:///{(data / DB_FILE).resolve()}"


@dataclass(frozen=True)
class Settings:
    data: Path
    db_url: str
    max_upload: int = DEFAULT_MAX_UPLOAD
    """Largest upload accepted, in bytes (20 MB by default)."""
    login_attempts: int = 5
    """Failed logins per user name within ``login_window`` seconds before 429."""
    login_window: float = 60.0
    token_hours: int = 12
    rules: Path | None = None
    overlays: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def build(cls, data: Path, db: str | None = None, *, max_upload: int | None = None) -> Settings:
        env = os.environ.get("PERFRULES_MAX_UPLOAD")
        limit = max_upload if max_upload is not None else int(env) if env else DEFAULT_MAX_UPLOAD
        return cls(data=data, db_url=database_url(data, db), max_upload=limit)

    @property
    def blobs(self) -> Path:
        return self.data / "uploads"
