"""The reader worker kept between calls: reused, replaced when it dies, and reading where its caller is."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from perfrules.read import isolation
from perfrules.read.inputs import read_any
from perfrules.read.isolation import read_paths, shared_pool

ROOT = Path(__file__).resolve().parent.parent
WORKBOOK = ROOT / "fixtures" / "workbooks" / "layout-a-training.xlsx"


def _read(path: Path) -> list[str]:
    (results,) = read_paths([path], 1, read_any, lambda: None)
    return [r.source.partition("#")[0] for r in results if r.submission is not None]


def _worker_pids() -> set[int]:
    with shared_pool(1) as pool:
        return {slot.process.pid or 0 for slot in pool._slots}


def test_the_worker_is_kept_between_calls_and_replaced_when_it_dies() -> None:
    assert _read(WORKBOOK) == [str(WORKBOOK)]
    (first,) = _worker_pids()
    assert _read(WORKBOOK) == [str(WORKBOOK)]
    assert _worker_pids() == {first}  # the same process read both
    os.kill(first, signal.SIGKILL)
    assert _read(WORKBOOK) == [str(WORKBOOK)]
    assert first not in _worker_pids()


def test_a_kept_worker_reads_in_the_callers_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _read(WORKBOOK)  # start the worker in the project folder
    monkeypatch.chdir(WORKBOOK.parent)
    assert _read(Path(WORKBOOK.name)) == [WORKBOOK.name]


def test_a_busy_pool_gives_the_second_caller_its_own() -> None:
    with shared_pool(1) as kept, shared_pool(1) as own:
        assert own is not kept
        assert next(iter(own.read([WORKBOOK])))[0].submission is not None


def test_a_worker_is_recycled_after_enough_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolation, "RECYCLE_AFTER", 2)
    _read(WORKBOOK)
    before = _worker_pids()
    _read(WORKBOOK)
    _read(WORKBOOK)
    assert before.isdisjoint(_worker_pids())
