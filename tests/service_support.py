"""The real service for tests: uvicorn on a free 127.0.0.1 port, on SQLite or PostgreSQL.

PostgreSQL runs when PERFRULES_TEST_PG_URL names a server (``scripts/ensure-postgres`` starts
one and prints the URL); each server gets its own fresh database. Without it the PostgreSQL
cases skip, unless PERFRULES_REQUIRE_PG=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
NARRATIVE = ROOT / "fixtures" / "narratives" / "shijiazhuang-zhengfawei-2020.txt"
WORKBOOK = ROOT / "fixtures" / "workbooks" / "layout-a-training.xlsx"
SEED_DEPARTMENT = "中共石家庄市委政法委员会"
BOOK_DEPARTMENT = "示例市人力资源和社会保障局"
PASSWORD = "correct horse battery"
USERS = {
    "zfw": ("submitter", SEED_DEPARTMENT, "130100"),
    "rsj": ("submitter", BOOK_DEPARTMENT, "130200"),
    "review-sjz": ("reviewer", None, "130100"),
    "review-all": ("reviewer", None, None),
}
BACKENDS = ["sqlite", "postgresql"]


def pg_server_url() -> str:
    url = os.environ.get("PERFRULES_TEST_PG_URL")
    if not url:
        if os.environ.get("PERFRULES_REQUIRE_PG") == "1":
            pytest.fail("PERFRULES_TEST_PG_URL is not set but PERFRULES_REQUIRE_PG=1; run scripts/ensure-postgres")
        pytest.skip("PostgreSQL not available: set PERFRULES_TEST_PG_URL (scripts/ensure-postgres prints one)")
    return url


@contextmanager
def database(backend: str, data: Path) -> Iterator[str | None]:
    """None (the embedded SQLite default) or the URL of a fresh PostgreSQL database, dropped after."""
    if backend == "sqlite":
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(pg_server_url())
    name = f"perfrules_test_{uuid.uuid4().hex}"
    assert re.fullmatch(r"[a-z0-9_]+", name)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote(name)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {quoted}"))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Live:
    """A running server and what the tests need to talk to it."""

    url: str
    data: Path
    db_url: str | None
    server: Any
    thread: threading.Thread
    tokens: dict[str, str]

    def client(self, user: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.server.config.app.state.perfrules.engine.dispose()


def add_users(data: Path, db_url: str | None) -> None:
    from perfrules.service.auth import hash_password
    from perfrules.service.config import Settings
    from perfrules.service.db import User
    from perfrules.service.state import open_state

    state = open_state(Settings.build(data, db_url))
    hashed = hash_password(PASSWORD)  # one argon2 hash for every test account: hashing is slow on purpose
    with state.sessions() as db:
        for name, (role, department, region) in USERS.items():
            db.add(User(username=name, password_hash=hashed, role=role, department=department, region=region))
        db.add(User(username="admin", password_hash=hashed, role="admin", department=None, region=None))
        db.commit()
    state.engine.dispose()


def start(data: Path, db_url: str | None, *, max_upload: int | None = None, login: bool = True) -> Live:
    import uvicorn

    from perfrules.service.app import create_app
    from perfrules.service.config import Settings

    settings = replace(Settings.build(data, db_url, max_upload=max_upload), login_attempts=2)
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    live = Live(f"http://127.0.0.1:{port}", data, db_url, server, thread, {})
    if login:  # tokens issued as POST /api/v1/login issues them, without one argon2 check per account
        from sqlalchemy import select

        from perfrules.service.auth import issue
        from perfrules.service.db import User

        state = app.state.perfrules
        with state.sessions() as db:
            for user in db.scalars(select(User).where(User.username.in_(list(USERS)))):
                live.tokens[user.username] = issue(db, user, "api", 1)[0]
    return live


@contextmanager
def running(backend: str, data: Path, **kwargs: Any) -> Iterator[Live]:
    with database(backend, data) as db_url:
        add_users(data, db_url)
        live = start(data, db_url, **kwargs)
        try:
            yield live
        finally:
            live.stop()
