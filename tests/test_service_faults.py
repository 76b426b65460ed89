"""kill -9 of the real server in the middle of an upload and of a batch job, then a restart.

After the restart nothing is half-written: every stored upload is either checked or re-queued
and then checked, every stored file matches its SHA-256 name, and the audit chain is intact.
The server runs as its own process (``perfrules serve``) so that it can be killed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.service_support import NARRATIVE, PASSWORD, ROOT, add_users, free_port


def _serve(data: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "perfrules", "serve", "--data", str(data), "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)


def _token(port: int) -> dict[str, str]:
    answer = httpx.post(f"http://127.0.0.1:{port}/api/v1/login", json={"username": "zfw", "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _rows(data: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(data / "perfrules.sqlite3") as db:
        return db.execute("SELECT sha256, status, report FROM submissions").fetchall()


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def _assert_intact(data: Path) -> None:
    from perfrules.service import audit
    from perfrules.service.config import Settings
    from perfrules.service.state import open_state

    rows = _rows(data)
    assert rows and all(status == "checked" and report for _, status, report in rows), rows
    for path in (data / "uploads").rglob("*"):
        if path.is_file():
            assert not path.name.startswith(".partial-"), path
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
    state = open_state(Settings.build(data))
    with state.sessions() as db:
        assert audit.verify(db) == []
    state.engine.dispose()


def test_kill_9_during_an_upload_then_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    add_users(data, None)
    port = free_port()
    server = _serve(data, port)
    headers = _token(port)

    def upload() -> None:
        with contextlib.suppress(httpx.TransportError):  # the server dies under it: that is the point
            httpx.post(
                f"http://127.0.0.1:{port}/api/v1/submissions", headers=headers,
                files={"file": (NARRATIVE.name, NARRATIVE.read_bytes())}, timeout=60,
            )  # fmt: skip

    sender = threading.Thread(target=upload)
    sender.start()
    deadline = time.monotonic() + 60
    while not any(status == "checking" for _, status, _ in _rows(data)):
        assert time.monotonic() < deadline and sender.is_alive(), "the upload never reached the check"
        time.sleep(0.005)
    _kill(server)  # the upload is stored and recorded, its check (almost surely) not finished
    sender.join()
    assert [status for _, status, _ in _rows(data)] in (["checking"], ["checked"])
    server = _serve(data, port)
    try:
        _assert_intact(data)
    finally:
        _kill(server)


def test_kill_9_during_a_batch_then_restart(tmp_path: Path) -> None:
    import io
    import zipfile

    data = tmp_path / "data"
    add_users(data, None)
    port = free_port()
    server = _serve(data, port)
    headers = _token(port)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(6):
            archive.writestr(f"报告{index:02d}.txt", NARRATIVE.read_bytes() + f"\n{index}\n".encode())
    job = httpx.post(
        f"http://127.0.0.1:{port}/api/v1/batches", headers=headers, files={"file": ("材料.zip", buffer.getvalue())},
        timeout=60,
    ).json()  # fmt: skip
    deadline = time.monotonic() + 60
    while sum(status == "checked" for _, status, _ in _rows(data)) < 1:
        assert time.monotonic() < deadline, "the batch never started"
        time.sleep(0.005)
    _kill(server)
    statuses = [status for _, status, _ in _rows(data)]
    assert "queued" in statuses and "checked" in statuses, statuses  # killed in the middle
    server = _serve(data, port)
    try:
        deadline = time.monotonic() + 90
        while (seen := httpx.get(f"http://127.0.0.1:{port}{job['url']}", headers=_token(port)).json())[
            "status"
        ] != "done":
            assert time.monotonic() < deadline, seen
            time.sleep(0.2)
        assert seen["done"] == seen["total"] == 6
        _assert_intact(data)
    finally:
        _kill(server)
