"""Readers in worker processes with a deadline and a memory cap; a dead or slow worker costs one file.

Each worker reads one path at a time under ``RLIMIT_AS`` (on systems that have it). The parent
knows which path each worker holds, so when a worker is killed (by the kernel, by the cap, or
by anyone) or overruns its deadline, exactly that path gets a problem, the worker is replaced
and the other paths are still read. Results come back in input order.

Limits come from the environment: ``PERFRULES_READ_TIMEOUT`` (seconds per file, default 120)
and ``PERFRULES_READ_MEMORY_MB`` (address space per worker, default 4096; 0 turns the cap off).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from perfrules.model.report import Problem
from perfrules.read.documents import ReadResult

DEFAULT_TIMEOUT_S = 120.0
SECONDS_PER_MB = 1.0
"""Added to the deadline per MB of file: a 200 MB JSON batch file legitimately takes minutes."""
DEFAULT_MEMORY_MB = 4096
"""Address space, not resident memory: the largest sheet openpyxl may open (40 MB of XML) needs ~1.6 GB resident."""


@dataclass(frozen=True)
class ReadLimits:
    """The per-file deadline and the worker's memory cap, from PERFRULES_READ_TIMEOUT and PERFRULES_READ_MEMORY_MB."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB

    @classmethod
    def from_env(cls) -> ReadLimits:
        def number(name: str, default: float) -> float:
            try:
                value = float(os.environ.get(name, default))
            except ValueError:
                return default
            return value if value >= 0 else default

        return cls(
            number("PERFRULES_READ_TIMEOUT", DEFAULT_TIMEOUT_S),
            int(number("PERFRULES_READ_MEMORY_MB", DEFAULT_MEMORY_MB)),
        )


def _cap_memory(memory_mb: int) -> None:
    if memory_mb <= 0:
        return
    try:
        import resource
    except ImportError:  # Windows: no address-space limit; the deadline still holds
        return
    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _size_mb(path: str) -> float:
    try:
        return os.stat(path).st_size / (1024 * 1024)
    except OSError:
        return 0.0


def _failed(path: str, message: str) -> list[ReadResult]:
    return [ReadResult(path, "", None, (Problem(kind="input", code="input.limit", source=path, message=message),))]


DEFAULT_READER = "perfrules.read.inputs:read_any"
"""The reader a worker runs unless told otherwise: every file type, by the reader registry."""


def _resolve(reference: str) -> Callable[[Path], list[ReadResult]]:
    """``module:function`` → the function. Workers get the reader by name: it is imported fresh there."""
    module, _, name = reference.partition(":")
    reader: Callable[[Path], list[ReadResult]] = getattr(importlib.import_module(module), name)
    return reader


def _here() -> str:
    try:
        return os.getcwd()
    except OSError:  # the folder was removed under us: absolute paths still read
        return ""


def _follow(folder: str) -> None:
    """A kept worker reads in its caller's current folder, so relative paths and names stay as given."""
    if folder and folder != _here():
        with contextlib.suppress(OSError):
            os.chdir(folder)


def _worker(conn: Connection, memory_mb: int, reader: str) -> None:
    """Read paths sent over ``conn`` until told to stop (None)."""
    _cap_memory(memory_mb)
    read_any = _resolve(reader)

    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        task, folder = task
        try:
            _follow(folder)
            result = read_any(Path(task))
        except MemoryError:
            result = _failed(
                task, f"读取时内存超出上限（{memory_mb} MB）/ reading exceeded the memory cap ({memory_mb} MB)"
            )
        except Exception as exc:  # one file, one problem: whatever a reader raises stays with its file
            result = _failed(task, f"读取失败 / reading failed: {type(exc).__name__}: {str(exc)[:200]}")
        try:
            conn.send(result)
        except MemoryError:
            conn.send(_failed(task, f"读取结果超出内存上限（{memory_mb} MB）/ the result exceeded the memory cap"))


class _Slot:
    """One worker process and the path it is reading."""

    def __init__(self, context: multiprocessing.context.BaseContext, limits: ReadLimits, reader: str) -> None:
        parent, child = multiprocessing.Pipe()
        self.conn = parent
        self.process: BaseProcess = context.Process(target=_worker, args=(child, limits.memory_mb, reader), daemon=True)  # type: ignore[attr-defined]
        self.process.start()
        child.close()
        self.task: tuple[int, str] | None = None
        self.reads = 0
        self.started = 0.0
        self.deadline = 0.0

    def give(self, index: int, path: str, timeout_s: float) -> None:
        self.task = (index, path)
        self.reads += 1
        self.started = time.monotonic()
        self.deadline = timeout_s + _size_mb(path) * SECONDS_PER_MB if timeout_s > 0 else 0.0
        self.conn.send((path, _here()))

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(OSError, BrokenPipeError):
                self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _context() -> multiprocessing.context.BaseContext:
    # A fresh interpreter, not a fork of one that holds DuckDB's threads and buffers (which would
    # also count against the worker's address-space cap). forkserver forks that fresh one cheaply.
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["perfrules.read.inputs", "perfrules.read.xlsx_forms"])
        return context
    return multiprocessing.get_context("spawn")


class ReaderPool:
    """``jobs`` worker processes; :meth:`read` yields each path's results in order."""

    def __init__(self, jobs: int, limits: ReadLimits | None = None, reader: str = DEFAULT_READER) -> None:
        self.jobs = max(1, jobs)
        self.reader = reader
        self.limits = limits or ReadLimits.from_env()
        self._context = _context()
        self._slots: list[_Slot] = []

    def __enter__(self) -> ReaderPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        for slot in self._slots:
            slot.stop(kill=slot.task is not None)
        self._slots = []

    def release_busy(self) -> None:
        """Kill the workers still reading (their caller left) and those that have read enough."""
        for slot in list(self._slots):
            if slot.task is not None or slot.reads >= RECYCLE_AFTER:
                slot.stop(kill=slot.task is not None)
                self._slots.remove(slot)

    @property
    def running(self) -> dict[int, str]:
        """Worker pid → the path it is reading now."""
        return {s.process.pid or 0: s.task[1] for s in self._slots if s.task is not None}

    def read(self, paths: Sequence[Path], progress: Callable[[], None] | None = None) -> Iterator[list[ReadResult]]:
        pending = list(enumerate(str(p) for p in paths))[::-1]
        done: dict[int, list[ReadResult]] = {}
        following = 0
        while following < len(paths):
            self._dispatch(pending)
            for index, result in self._collect():
                done[index] = result
                if progress:
                    progress()
            while following in done:
                yield done.pop(following)
                following += 1

    def _dispatch(self, pending: list[tuple[int, str]]) -> None:
        for gone in [s for s in self._slots if s.task is None and not s.process.is_alive()]:
            gone.stop(kill=True)  # an idle worker kept between calls that someone killed
            self._slots.remove(gone)
        while pending and len([s for s in self._slots if s.task is not None]) < self.jobs:
            idle = next((s for s in self._slots if s.task is None), None)
            if idle is None:
                idle = _Slot(self._context, self.limits, self.reader)
                self._slots.append(idle)
            idle.give(*pending.pop(), self.limits.timeout_s)

    def _collect(self) -> Iterator[tuple[int, list[ReadResult]]]:
        busy = [s for s in self._slots if s.task is not None]
        if not busy:
            return
        now = time.monotonic()
        soonest = min(s.started + s.deadline for s in busy) if self.limits.timeout_s > 0 else None
        ready = wait(
            [s.conn for s in busy] + [s.process.sentinel for s in busy],
            None if soonest is None else max(0.0, soonest - now),
        )
        for slot in busy:
            assert slot.task is not None
            index = slot.task[0]
            outcome = self._outcome(slot, ready)
            if outcome is None:
                continue
            yield index, outcome

    def _outcome(self, slot: _Slot, ready: Sequence[object]) -> list[ReadResult] | None:
        assert slot.task is not None
        _, path = slot.task
        if slot.conn in ready:
            try:
                result: list[ReadResult] = slot.conn.recv()
            except (EOFError, OSError):
                return None if self._retried(slot) else self._replace(slot, path, self._death(slot))
            slot.task = None
            return result
        if slot.process.sentinel in ready:
            return None if self._retried(slot) else self._replace(slot, path, self._death(slot))
        if self.limits.timeout_s > 0 and time.monotonic() - slot.started >= slot.deadline:
            message = (
                f"读取超时（超过 {slot.deadline:.3g} 秒），已中止 / reading took longer than "
                f"{slot.deadline:.3g} s and was stopped"
            )
            return self._replace(slot, path, message)
        return None

    def _retried(self, slot: _Slot) -> bool:
        """A kept worker that dies may have died before this file (killed while idle): the file gets
        one fresh worker before its death is blamed on it. True when the file went to that worker."""
        if slot.reads <= 1 or slot.task is None:
            return False
        index, path = slot.task
        slot.task = None
        slot.stop(kill=True)
        self._slots.remove(slot)
        fresh = _Slot(self._context, self.limits, self.reader)
        self._slots.append(fresh)
        fresh.give(index, path, self.limits.timeout_s)
        return True

    def _death(self, slot: _Slot) -> str:
        slot.process.join(timeout=1)
        code = slot.process.exitcode
        return (
            f"读取进程意外退出（退出码 {code}），可能是文件过大或内存不足 / the reader process died "
            f"(exit code {code}) while reading this file, possibly out of memory"
        )

    def _replace(self, slot: _Slot, path: str, message: str) -> list[ReadResult]:
        slot.task = None
        slot.stop(kill=True)
        self._slots.remove(slot)
        return _failed(path, message)


RECYCLE_AFTER = 500
"""Files a kept worker reads before it is replaced, so what a reader leaks stays bounded."""
_KEPT: dict[tuple[int, ReadLimits, str], tuple[ReaderPool, threading.Lock]] = {}
_KEPT_LOCK = threading.Lock()


@contextlib.contextmanager
def shared_pool(jobs: int, reader: str = DEFAULT_READER) -> Iterator[ReaderPool]:
    """A pool kept warm between calls in this process (the service, repeated ``validate``).

    Starting a worker and importing the readers cost ~135 ms a call, five times the rest of a
    warm check of one workbook. A worker still reading when the caller leaves (an abandoned
    iteration) is killed; idle ones stay for the next call. A caller that finds the pool busy
    (another thread) gets a pool of its own for the call.
    """
    key = (max(1, jobs), ReadLimits.from_env(), reader)
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is None:
            kept = _KEPT[key] = (ReaderPool(jobs, key[1], reader), threading.Lock())
    pool, lock = kept
    if not lock.acquire(blocking=False):
        with ReaderPool(jobs, key[1], reader) as own:
            yield own
        return
    try:
        yield pool
    finally:
        pool.release_busy()
        lock.release()


def _guarded(reader: Callable[[Path], list[ReadResult]]) -> Callable[[Path], list[ReadResult]]:
    """``reader`` in this process, with whatever it raises kept as its file's problem."""

    def read(path: Path) -> list[ReadResult]:
        try:
            return reader(path)
        except MemoryError:
            return _failed(str(path), "读取时内存不足 / out of memory while reading this file")
        except Exception as exc:  # one file, one problem: the rest of the batch is still read
            return _failed(str(path), f"读取失败 / reading failed: {type(exc).__name__}: {str(exc)[:200]}")

    return read


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
"""Always read in a worker: openpyxl and xlrd are where a small file can cost the most."""


def isolated(path: Path, jobs: int, count: int) -> bool:
    """Whether ``path`` is read in a worker: always for workbooks (openpyxl, xlrd), every file under ``-j``."""
    return (jobs > 1 and count > 1) or (path.suffix.lower() in WORKBOOK_SUFFIXES and not path.is_dir())


def read_paths(
    paths: Sequence[Path], jobs: int, reader: Callable[[Path], list[ReadResult]], tick: Callable[[], None]
) -> Iterator[list[ReadResult]]:
    """Each path's results in order: workbooks (and, under ``-j``, everything) in limited workers."""
    chosen = [isolated(p, jobs, len(paths)) for p in paths]
    reader = _guarded(reader)
    if not any(chosen):
        for path in paths:
            result = reader(path)
            tick()
            yield result
        return
    with shared_pool(jobs) as pool:
        if all(chosen):
            yield from pool.read(paths, tick)
            return
        for path, away in zip(paths, chosen, strict=True):
            result = next(pool.read([path])) if away else reader(path)
            tick()
            yield result
