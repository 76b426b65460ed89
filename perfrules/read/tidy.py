"""The tidy template: one sheet (or CSV file) per table, one row per record, Chinese headers.

Tables: 基本信息 (one row per submission) / 项目 / 预算执行 / 绩效指标 / 资金 / 支出.
Child rows name their parent: a project by 项目编号 or 项目名称, a fund by 资金编号 or 资金名称,
and the submission by 文书编号 (which may be left blank when there is only one submission).

The same tables as a folder of CSV files (基本信息.csv, 项目.csv, …) read the same way, in
UTF-8, UTF-8 with BOM, or GBK/GB18030. Locations are "Sheet!C5" for the workbook and
"file.csv:row:col" (1-based, the header is row 1) for CSV.

This module reads the files; the tables and their columns are in ``tidy_tables``, a table's
cells become rows in ``tidy_rows``, rows become submissions in ``tidy_assembly``, and
``tidy_template`` writes the blank template.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from pathlib import Path

from perfrules.model.report import Problem
from perfrules.read.cells import decode_text
from perfrules.read.documents import ReadResult
from perfrules.read.tidy_assembly import _assemble
from perfrules.read.tidy_rows import Grid
from perfrules.read.tidy_tables import _BY_NAME, INSTRUCTIONS_SHEET, TABLE_NAMES, TABLES
from perfrules.read.workbook import LoadedWorkbook, _problem, load_sheets, row_cap_problem

MAX_CSV_BYTES = 64 * 1024 * 1024


def read_tidy_sheets(loaded: LoadedWorkbook) -> list[ReadResult]:
    """The tidy tables of an already opened workbook (see ``read_tidy_workbook``)."""
    problems = list(loaded.problems)
    if problems:
        return [ReadResult(loaded.source, loaded.sha256, None, tuple(problems))]
    grids: dict[str, Grid] = {}
    problems += loaded.hidden
    for sheet in loaded.sheets:
        name = unicodedata.normalize("NFKC", sheet.name).strip()
        cap = row_cap_problem(loaded.source, sheet)
        if cap is not None:
            problems.append(cap)
        if name == INSTRUCTIONS_SHEET or not sheet.cells:
            continue
        if name not in _BY_NAME:
            problems.append(
                _problem(
                    loaded.source,
                    sheet.ref(0, 0),
                    f"未知的工作表“{sheet.name}”（应为 {'、'.join(TABLE_NAMES)}）/ unknown sheet {sheet.name!r}",
                )
            )
            continue
        # Only rows that hold a cell, each as wide as its last cell: one far cell (BL100000) must
        # not build a dense 100,000 x 64 grid. The header is the first row that holds anything.
        grids[name] = [
            [(sheet.own(r, c), sheet.fmt(r, c), sheet.ref(r, c)) for c in range(sheet.row(r)[-1] + 1)]
            for r in sheet.rows()
        ]
    return _assemble(grids, loaded.source, loaded.sha256, problems)


def read_tidy_workbook(path: Path) -> list[ReadResult]:
    """Read a filled-in tidy template workbook: one ReadResult per row of 基本信息.

    Sources are the path, or ``"<path>#<文书编号>"`` when the workbook holds several submissions.
    """
    return read_tidy_sheets(load_sheets(path))


def read_csv_bundle(folder: Path) -> list[ReadResult]:
    """Read a folder of 基本信息.csv, 项目.csv, 预算执行.csv, 绩效指标.csv, 资金.csv, 支出.csv.

    Each file may be UTF-8 (with or without BOM) or GBK/GB18030; only 基本信息.csv is required.
    """
    source = str(folder)
    problems: list[Problem] = []
    grids: dict[str, Grid] = {}
    digest = hashlib.sha256()
    if not folder.is_dir():
        return [ReadResult(source, "", None, (_problem(source, None, "不是文件夹 / not a folder of CSV files"),))]
    for table in TABLES:
        path = folder / f"{table.name}.csv"
        if not path.is_file():
            continue
        try:
            if path.stat().st_size > MAX_CSV_BYTES:
                problems.append(
                    _problem(source, path.name, f"文件过大 / {path.name} is larger than {MAX_CSV_BYTES} bytes")
                )
                continue
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(_problem(source, path.name, f"无法读取文件 / cannot read {path.name}: {exc.strerror}"))
            continue
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(raw).digest())
        try:
            text = decode_text(raw)
        except UnicodeDecodeError:
            problems.append(
                _problem(
                    source,
                    path.name,
                    "无法识别的文本编码（应为 UTF-8 或 GBK）/ unknown text encoding (expected UTF-8 or GBK)",
                )
            )
            continue
        try:
            lines = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            problems.append(_problem(source, path.name, f"CSV 格式错误 / malformed CSV: {exc}"))
            continue
        grids[table.name] = [
            [(value, "General", f"{path.name}:{r}:{c}") for c, value in enumerate(line, start=1)]
            for r, line in enumerate(lines, start=1)
        ]
    known = {f"{t.name}.csv" for t in TABLES}
    for extra in sorted(p.name for p in folder.glob("*.csv") if p.name not in known):
        problems.append(
            _problem(
                source, extra, f"未知的 CSV 文件“{extra}”（应为 {'、'.join(TABLE_NAMES)}）/ unknown CSV file {extra!r}"
            )
        )
    return _assemble(grids, source, "sha256:" + digest.hexdigest(), problems)
