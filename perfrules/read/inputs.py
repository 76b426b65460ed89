"""What a run reads: files and folders become inputs, and each file goes to the reader of its type.

Readers are registered by suffix in ``READERS``. A new reader is one module with a function
``(Path) -> list[ReadResult]`` and one ``register_reader`` call; the "unsupported file type"
message and the folder scan are built from the registry, so nothing else changes::

    from perfrules.read.inputs import Reader, register_reader

    register_reader(Reader("csv-table", (".csv",), read_my_csv, shown=(".csv",)))

A reader never raises for a bad file: it returns a ``ReadResult`` whose ``problems`` say what
is wrong and where, so one bad file never costs the rest of a batch.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfrules.model.report import Problem
from perfrules.model.submission import Submission
from perfrules.read.documents import SUFFIXES as DOCUMENT_SUFFIXES
from perfrules.read.documents import ReadResult, read_object, read_path

Input = str | Path | Submission | dict[str, Any]
"""What ``validate`` accepts: a path (file, folder or CSV bundle), a model, or a plain dict."""

Progress = Callable[[int, int], None]
"""Called with (done, total) as inputs are read."""

ReadFunction = Callable[[Path], list[ReadResult]]


@dataclass(frozen=True)
class Reader:
    """A reader of one kind of file: the suffixes it takes and the function that reads one file.

    ``in_folders`` says whether a folder scan takes these files (a folder's .txt files are notes
    and readmes far more often than reports, so narratives are read only when named directly).
    ``shown`` are the suffixes named in messages, in order (the rest are aliases such as .yml).
    """

    name: str
    suffixes: tuple[str, ...]
    read: ReadFunction
    in_folders: bool = True
    shown: tuple[str, ...] = ()


def _read_workbook(path: Path) -> list[ReadResult]:
    from perfrules.read.xlsx_forms import read_workbook

    return read_workbook(path)


def _read_narrative(path: Path) -> list[ReadResult]:
    from perfrules.read.narrative_formats import read_narrative

    read = read_narrative(path)
    return [read, *read.companions]


def _read_document(path: Path) -> list[ReadResult]:
    return [read_path(path)]


READERS: dict[str, Reader] = {}
"""Suffix (lower case, with its dot) → the reader that takes it."""

_ORDER: list[Reader] = []


def register_reader(reader: Reader) -> None:
    """Make ``reader`` take its suffixes (a later registration of a suffix replaces the earlier)."""
    if reader not in _ORDER:
        _ORDER.append(reader)
    for suffix in reader.suffixes:
        READERS[suffix.lower()] = reader


register_reader(Reader("document", DOCUMENT_SUFFIXES, _read_document, shown=(".json", ".yaml")))
register_reader(Reader("workbook", (".xlsx", ".xlsm", ".xls"), _read_workbook, shown=(".xlsx", ".xls")))
register_reader(
    Reader(
        "narrative",
        (".txt", ".docx", ".doc", ".pdf", ".html", ".htm"),
        _read_narrative,
        in_folders=False,
        shown=(".txt", ".docx", ".pdf", ".html"),
    )
)

BUNDLE_MARKER = "基本信息.csv"
"""A folder holding this file is one CSV bundle: one submission, its tables as CSV files."""


def shown_suffixes() -> list[str]:
    """The file types named in messages, in registration order."""
    seen: list[str] = []
    for reader in _ORDER:
        for suffix in reader.shown or reader.suffixes:
            if READERS.get(suffix) is reader and suffix not in seen:
                seen.append(suffix)
    return seen


def unsupported_message(suffix: str) -> str:
    """The problem for a file no reader takes, naming every type that is read."""
    shown = shown_suffixes()
    listed = ", ".join(shown[:-1]) + f" or {shown[-1]}" if len(shown) > 1 else "".join(shown)
    return f"不支持的文件类型 {suffix or '(无)'} / unsupported file type; use {listed}"


def _is_bundle(folder: Path) -> bool:
    return (folder / BUNDLE_MARKER).is_file()


def _scanned(path: Path) -> bool:
    reader = READERS.get(path.suffix.lower())
    return reader is not None and reader.in_folders and path.is_file() and not path.name.startswith("~$")


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders contribute their documents, workbooks and CSV bundles, sorted.

    A folder holding 基本信息.csv is one CSV bundle (one submission), not a folder of files.
    Office's lock files (``~$name.xlsx``) are skipped.
    """
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir() and not _is_bundle(path):
            bundles = sorted(p.parent for p in path.rglob(BUNDLE_MARKER))
            out.extend(bundles)
            out.extend(sorted(p for p in path.rglob("*") if _scanned(p) and not any(b in p.parents for b in bundles)))
        else:
            out.append(path)
    return out


def read_any(path: Path) -> list[ReadResult]:
    """One file or bundle → its submissions (a workbook may hold several project sheets)."""
    if path.is_dir():
        from perfrules.read.tidy import read_csv_bundle

        return read_csv_bundle(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        problem = Problem(
            kind="input", code="input.unsupported", source=str(path), message=unsupported_message(path.suffix.lower())
        )
        return [ReadResult(str(path), "", None, (problem,))]
    return reader.read(path)


def read_inputs(inputs: Sequence[Input], *, jobs: int = 1, progress: Progress | None = None) -> list[ReadResult]:
    """Read every input in order; with ``jobs`` > 1 files are parsed in parallel processes.

    Parsing and model validation are CPU-bound Python, so threads would not help; the
    engine then runs once over the whole batch.
    """
    with collector_paused():
        return list(iter_inputs(inputs, jobs=jobs, progress=progress))


def iter_inputs(inputs: Sequence[Input], *, jobs: int = 1, progress: Progress | None = None) -> Iterator[ReadResult]:
    """``read_inputs`` one result at a time, so a batch can be normalized as it is read."""
    tasks: list[Path | ReadResult] = []
    for index, item in enumerate(inputs):
        if isinstance(item, Submission | dict):
            tasks.append(read_object(item, f"<input {index}>"))
        else:
            tasks.extend(expand_inputs([item]))
    paths = [t for t in tasks if isinstance(t, Path)]
    read = _read_paths(paths, len(tasks), jobs, progress)
    for task in tasks:
        yield from (next(read) if isinstance(task, Path) else [task])


@contextmanager
def collector_paused() -> Iterator[None]:
    """Reading builds many long-lived model objects and no cycles; the cyclic collector
    would rescan them over and over (measured: 2.7x slower reading at 100k indicator rows)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_paths(paths: list[Path], total: int, jobs: int, progress: Progress | None) -> Iterator[list[ReadResult]]:
    """Each path's results, in order; workbooks (every file under ``-j``) in limited worker processes."""
    from perfrules.read.isolation import read_paths

    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    yield from read_paths(paths, jobs, read_any, tick)
