"""Hostile workbooks: merges over the whole sheet, far cells, slow and dying readers.

A file under 1 MB never costs minutes or gigabytes: merge extents are judged from the XML before
openpyxl sees them, grids are sparse, and each workbook is read in a worker process with a
deadline and a memory cap, so a slow or dead worker costs only its own file.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from perfrules import validate
from perfrules.read.isolation import ReaderPool, ReadLimits
from perfrules.read.tidy_template import write_template
from perfrules.read.xlsx_forms import read_workbook
from tests.conftest import SEED
from tests.hostile_workbooks import FORM, with_far_cell, with_merges

pytest.importorskip("openpyxl")


def _slow(tmp_path: Path) -> Path:
    """Merges just under the reader's total cap: legal, and a second or more for openpyxl."""
    return with_merges(tmp_path / "slow.xlsx", [f"A{100 + i * 33}:BL{100 + i * 33 + 31}" for i in range(46)])


@pytest.mark.parametrize(
    ("refs", "words"),
    [
        (["A20:XFD1048576"], "A20:XFD1048576"),
        (["A1:A1048576"], "A1:A1048576"),
        (["BM1:BN2"], "BM1:BN2"),
        ([f"A{30 + i}:J99000" for i in range(500)], "more than 100000 cells"),
        (["A1:nonsense"], "invalid merged range"),
    ],
    ids=["sheet-wide", "column-tall", "past-columns", "500-tall", "garbage"],
)
def test_a_merge_past_the_caps_is_refused_before_openpyxl(tmp_path: Path, refs: list[str], words: str) -> None:
    path = with_merges(tmp_path / "merged.xlsx", refs)
    started = time.monotonic()
    [result] = read_workbook(path)
    assert time.monotonic() - started < 2
    assert result.submission is None
    assert "项目1" in result.problems[0].message and words in result.problems[0].message


def test_the_form_with_its_own_merges_still_reads(tmp_path: Path) -> None:
    [result] = read_workbook(with_merges(tmp_path / "ok.xlsx", ["L1:M2"]))
    assert result.submission is not None and not result.problems


@pytest.mark.parametrize("ref", ["BL100000", "XFD1048576"])
def test_one_far_cell_in_a_tidy_sheet_builds_no_dense_grid(tmp_path: Path, ref: str) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "tidy.xlsx"
    write_template(path)
    book = load_workbook(path)
    book["基本信息"].append(["项目支出绩效自评表", "示例局", "2022"])
    book["绩效指标"][ref] = "远处的单元格"
    book.save(path)
    tracemalloc.start()
    try:
        results = read_workbook(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, peak
    messages = [p.message for r in results for p in r.problems]
    assert any("100000" in m for m in messages) == (ref == "XFD1048576")


def test_one_far_cell_in_a_form_costs_nothing(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        [result] = read_workbook(with_far_cell(tmp_path / "far.xlsx"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.submission is not None
    assert peak < 64 * 1024 * 1024, peak


def test_a_reader_past_its_deadline_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFRULES_READ_TIMEOUT", "0.05")
    slow = _slow(tmp_path)
    report = validate([slow, SEED])
    assert [(p.source, "took longer than" in p.message) for p in report.problems] == [(str(slow), True)]
    assert report.summary["checked"] == 1
    assert report.exit_code == 2


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_killed_worker_costs_only_the_file_it_was_reading(tmp_path: Path, jobs: int) -> None:
    slow = _slow(tmp_path)
    paths = [FORM, slow, SEED] if jobs > 1 else [slow, FORM]
    with ReaderPool(jobs, ReadLimits(timeout_s=60)) as pool:

        def kill_when_reading() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                pid = next((p for p, path in pool.running.items() if path == str(slow)), None)
                if pid:
                    time.sleep(0.1)
                    os.kill(pid, signal.SIGKILL)
                    return
                time.sleep(0.01)

        killer = threading.Thread(target=kill_when_reading)
        killer.start()
        results = list(pool.read(paths))
        killer.join()
    by_source = {r[0].source.split("#")[0]: r for r in results}
    assert [r[0].source.split("#")[0] for r in results] == [str(p) for p in paths]
    [dead] = by_source[str(slow)]
    assert dead.submission is None and "died" in dead.problems[0].message and "-9" in dead.problems[0].message
    assert all(r.submission is not None for p, rs in by_source.items() if p != str(slow) for r in rs)


def test_each_worker_runs_under_the_address_space_cap(tmp_path: Path) -> None:
    limits = Path("/proc/self/limits")
    if not limits.exists():
        pytest.skip("no /proc/<pid>/limits on this system")
    slow = _slow(tmp_path)
    seen: list[str] = []
    with ReaderPool(1, ReadLimits(timeout_s=60, memory_mb=1536)) as pool:

        def look() -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not any("unlimited" not in line for line in seen):
                for pid in pool.running:
                    try:
                        text = Path(f"/proc/{pid}/limits").read_text()
                    except OSError:
                        continue
                    seen.extend(line for line in text.splitlines() if line.startswith("Max address space"))
                time.sleep(0.01)

        watcher = threading.Thread(target=look)
        watcher.start()
        [[result]] = list(pool.read([slow]))
        watcher.join()
    assert result.submission is not None
    assert seen and str(1536 * 1024 * 1024) in seen[-1]


def test_a_worker_over_its_memory_cap_costs_only_its_file() -> None:
    with ReaderPool(1, ReadLimits(timeout_s=60, memory_mb=16)) as pool:
        [[capped]] = list(pool.read([FORM]))
        [[again]] = list(pool.read([FORM]))
    assert capped.submission is None and again.submission is None
    assert capped.problems and capped.problems[0].source == str(FORM)
    with ReaderPool(1, ReadLimits(timeout_s=60)) as pool:
        [[fine]] = list(pool.read([FORM]))
    assert fine.submission is not None


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFRULES_READ_TIMEOUT", "7.5")
    monkeypatch.setenv("PERFRULES_READ_MEMORY_MB", "not a number")
    assert ReadLimits.from_env() == ReadLimits(timeout_s=7.5, memory_mb=4096)
