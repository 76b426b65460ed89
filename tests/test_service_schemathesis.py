"""Schemathesis fuzzes every operation of the service's OpenAPI against the real server: no 500.

The server runs in process on a free port (SQLite); schemathesis's own CLI (``st``, from the
``test`` extra) sends the requests, authenticated as a submitter, with a fixed seed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service_support import Live, running


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with running("sqlite", tmp_path_factory.mktemp("fuzz")) as server:
        yield server


def test_schemathesis_finds_no_server_error(live: Live, tmp_path: Path) -> None:
    beside = Path(sys.executable).parent / "st"  # CI runs .venv/bin/pytest without the venv on PATH
    st = str(beside) if beside.is_file() else shutil.which("st")
    assert st is not None, "schemathesis is in the test extra: pip install -e '.[test]'"
    done = subprocess.run(
        [
            st, "run", f"{live.url}/openapi.json", "--checks", "not_a_server_error",
            "--header", f"Authorization: Bearer {live.tokens['zfw']}", "--max-examples", "5",
            "--phases", "fuzzing", "--seed", "15", "--workers", "1", "--no-color",
        ],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "generated" in done.stdout and " passed" in done.stdout
