"""What every request shares: the settings, the database and the login limiter."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from perfrules.service.auth import LoginLimiter
from perfrules.service.config import Settings
from perfrules.service.db import make_engine, session_factory
from perfrules.service.migrate import upgrade


@dataclass
class State:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    limiter: LoginLimiter
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    """Writes that append to the audit chain go one at a time (one server process)."""


def open_state(settings: Settings) -> State:
    """Create the data folder and the database (running the migrations) if they do not exist."""
    settings.data.mkdir(parents=True, exist_ok=True)
    settings.blobs.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    return State(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        limiter=LoginLimiter(settings.login_attempts, settings.login_window),
    )
