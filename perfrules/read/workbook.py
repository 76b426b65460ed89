"""Workbooks as plain cells: every visible sheet of an .xlsx or .xls, within the caps, or the problems saying why not.

This is the loading every workbook reader shares (the official forms, the tidy template, the
declaration exports): file size, zip and XML caps checked before openpyxl or xlrd parse
anything, encrypted files recognised, merges expanded, and ``locate`` to name the cell of a
problem. Which layout a workbook is, and how it becomes submissions, is each reader's business.
"""

from __future__ import annotations

import hashlib
import importlib.util
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from perfrules.errors import MissingDependency
from perfrules.model.report import Problem
from perfrules.read.cells import (
    CellValue,
    cell_ref,
)

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Below this an archive cannot exhaust memory whatever its ratio; tiny XML parts compress very well.
RATIO_CHECK_FLOOR = 10 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
# openpyxl's full (merge-aware) mode needs about 40 bytes of memory per byte of sheet XML; forms are < 1 MB.
MAX_SHEET_XML_BYTES = 40 * 1024 * 1024
MAX_ROWS = 100_000
# Official forms are 8 to 12 columns wide; anything past this is stray content.
MAX_COLS = 64
_TALL_MERGE = 64

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK"
# An encrypted OOXML file is an OLE container whose directory names these streams (UTF-16LE).
_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def _problem(source: str, location: str | None, message: str) -> Problem:
    return Problem(kind="input", source=source, location=location, message=message)


# --- sheets as plain cells ---------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A worksheet's non-blank cells (0-based), with merged ranges resolved to their top-left anchor."""

    name: str
    cells: dict[tuple[int, int], tuple[CellValue, str]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    total_rows: int = 0
    state: str = "visible"
    """visible, hidden or veryHidden"""
    caption: str = ""
    """The lines just above a table in a report ("附件1" / "××项目支出绩效自评表"), nearest last: they name a
    headless table's kind and project."""
    _row_merges: dict[int, list[tuple[int, int, int, int]]] = field(default_factory=dict, init=False, repr=False)
    _rows: dict[int, list[int]] = field(default_factory=dict, init=False, repr=False)
    _tall: list[tuple[int, int, int, int]] = field(default_factory=list, init=False, repr=False)

    nrows: int = field(default=0, init=False)
    ncols: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        for r, c in sorted(self.cells):
            self._rows.setdefault(r, []).append(c)
        for r1, c1, r2, c2 in self.merges:
            if r2 - r1 >= _TALL_MERGE:
                # Indexed row by row, a tall range would cost its height; these few are scanned instead.
                self._tall.append((r1, c1, r2, c2))
                continue
            for r in range(r1, r2 + 1):
                self._row_merges.setdefault(r, []).append((c1, c2, r1, c1))
        self.nrows = max(self._rows, default=-1) + 1
        self.ncols = max((cols[-1] for cols in self._rows.values()), default=-1) + 1

    def _covering(self, r: int) -> Iterator[tuple[int, int, int, int]]:
        yield from self._row_merges.get(r, ())
        yield from ((c1, c2, r1, c1) for r1, c1, r2, c2 in self._tall if r1 <= r <= r2)

    def anchor(self, r: int, c: int) -> tuple[int, int]:
        for c1, c2, ar, ac in self._covering(r):
            if c1 <= c <= c2:
                return ar, ac
        return r, c

    def merge_end(self, r: int, c: int) -> int:
        """Last column of the merged range anchored at (r, c), or c itself."""
        for _, c2, ar, ac in self._covering(r):
            if (ar, ac) == (r, c):
                return c2
        return c

    def own(self, r: int, c: int) -> CellValue:
        return self.cells.get((r, c), (None, ""))[0]

    def fmt(self, r: int, c: int) -> str:
        return self.cells.get((r, c), (None, "General"))[1]

    def merged(self, r: int, c: int) -> tuple[CellValue, str, tuple[int, int]]:
        """The value shown at (r, c): a merged range's cells all show their anchor's value."""
        ar, ac = self.anchor(r, c)
        value, fmt = self.cells.get((ar, ac), (None, "General"))
        return value, fmt, (ar, ac)

    def row(self, r: int) -> list[int]:
        return self._rows.get(r, [])

    def rows(self) -> Iterator[int]:
        return iter(sorted(self._rows))

    def ref(self, r: int, c: int) -> str:
        return cell_ref(self.name, r, c)


def _blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _xlsx_sheets(raw: bytes) -> list[Sheet]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        # openpyxl warns about every unsupported extension (data validation, slicers); none matter here.
        warnings.simplefilter("ignore")
        book = load_workbook(BytesIO(raw), read_only=False, data_only=True)
    sheets: list[Sheet] = []
    try:
        for ws in book.worksheets:
            cells: dict[tuple[int, int], tuple[CellValue, str]] = {}
            # ws._cells holds only the cells that exist; iter_rows would create every empty one in range.
            for (r, c), cell in ws._cells.items():
                if r > MAX_ROWS or c > MAX_COLS or _blank(cell.value):
                    continue
                cells[(r - 1, c - 1)] = (cell.value, cell.number_format or "General")
            merges = [
                (rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, min(rng.max_col, MAX_COLS) - 1)
                for rng in ws.merged_cells.ranges
                if rng.min_row <= MAX_ROWS and rng.min_col <= MAX_COLS
            ]
            sheets.append(Sheet(ws.title, cells, merges, ws.max_row, str(ws.sheet_state or "visible")))
    finally:
        book.close()
    return sheets


def _xls_sheets(raw: bytes) -> list[Sheet]:
    import xlrd  # type: ignore[import-untyped]

    book = xlrd.open_workbook(file_contents=raw, formatting_info=True, on_demand=True)
    sheets: list[Sheet] = []
    for index in range(book.nsheets):
        sh = book.sheet_by_index(index)
        cells: dict[tuple[int, int], tuple[CellValue, str]] = {}
        for r in range(min(sh.nrows, MAX_ROWS)):
            for c, cell in enumerate(sh.row_slice(r, 0, min(sh.ncols, MAX_COLS))):
                value: CellValue
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    continue
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate_as_datetime(cell.value, book.datemode)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(cell.value)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    value = xlrd.error_text_from_code.get(cell.value, "#ERR")
                else:
                    value = cell.value
                if _blank(value):
                    continue
                fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key)
                cells[(r, c)] = (value, fmt.format_str if fmt is not None else "General")
        merges = [(r1, c1, r2 - 1, min(c2, MAX_COLS) - 1) for r1, r2, c1, c2 in sh.merged_cells if r1 < MAX_ROWS]
        state = {0: "visible", 1: "hidden"}.get(sh.visibility, "veryHidden")
        sheets.append(Sheet(sh.name, cells, merges, sh.nrows, state))
    return sheets


def _is_encrypted_ole(raw: bytes) -> bool:
    return any(name in raw for name in _ENCRYPTION_STREAMS)


def _zip_problem(raw: bytes) -> str | None:
    """Why this zip must not be opened, judged from its directory before anything is inflated."""
    try:
        with zipfile.ZipFile(BytesIO(raw)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return (
            "文件已损坏或不完整（无法读取 zip 目录）/ the workbook is corrupt or truncated (no readable zip directory)"
        )
    if len(entries) > MAX_ZIP_ENTRIES:
        return f"zip 内文件过多 ({len(entries)}) / too many parts in the workbook ({len(entries)})"
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        return "这是 zip 文件但不是 Excel 工作簿 / this is a zip archive but not an Excel workbook (no xl/workbook.xml)"
    if "xl/workbook.bin" in names:
        return "不支持 .xlsb 二进制工作簿，请另存为 .xlsx / .xlsb binary workbooks are not supported; save as .xlsx"
    unpacked = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        return (
            f"解压后过大（{unpacked} 字节，上限 {MAX_UNCOMPRESSED_BYTES}），疑似 zip 炸弹 / "
            f"refused: {unpacked} bytes uncompressed exceeds {MAX_UNCOMPRESSED_BYTES} (possible zip bomb)"
        )
    if unpacked > RATIO_CHECK_FLOOR and unpacked > MAX_COMPRESSION_RATIO * max(packed, 1):
        return (
            f"压缩比异常（{unpacked // max(packed, 1)}:1，上限 {MAX_COMPRESSION_RATIO}:1），疑似 zip 炸弹 / "
            f"refused: compression ratio {unpacked // max(packed, 1)}:1 exceeds {MAX_COMPRESSION_RATIO}:1 (possible zip bomb)"
        )
    largest = max(
        (e for e in entries if e.filename.startswith("xl/worksheets/")), key=lambda e: e.file_size, default=None
    )
    if largest is not None and largest.file_size > MAX_SHEET_XML_BYTES:
        return (
            f"工作表过大（{largest.file_size} 字节），远超自评表的正常大小，请拆分或改用 CSV / "
            f"refused: one sheet holds {largest.file_size} bytes of XML (limit {MAX_SHEET_XML_BYTES}); split it or use CSV"
        )
    return None


def _scan_problem(raw: bytes) -> str | None:
    """Merged ranges openpyxl must not materialise, judged from the sheet XML (see xlsx_scan)."""
    from perfrules.read.xlsx_scan import merge_problem

    try:
        with zipfile.ZipFile(BytesIO(raw)) as archive:
            return merge_problem(archive, MAX_ROWS, MAX_COLS)
    except (KeyError, zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError):
        return None  # a damaged part: openpyxl says so below


@dataclass(frozen=True)
class LoadedWorkbook:
    """A workbook as read: its source, sha256, visible sheets as plain cells, and the problems met reading it."""

    source: str
    sha256: str
    sheets: list[Sheet]
    problems: list[Problem]
    hidden: list[Problem] = field(default_factory=list)
    """One per hidden or veryHidden sheet that holds anything: such sheets are not read."""


def _shown(source: str, digest: str, sheets: list[Sheet]) -> LoadedWorkbook:
    """The visible sheets; each hidden one with content becomes a problem naming it and its state."""
    hidden = [
        _problem(
            f"{source}#{sheet.name}",
            None,
            f"工作表“{sheet.name}”处于隐藏状态（{sheet.state}），未读取；如需校验请取消隐藏，否则请删除该表 / "
            f"sheet {sheet.name!r} is {sheet.state} and was not read: unhide it to have it checked, or delete it",
        )
        for sheet in sheets
        if sheet.state != "visible" and sheet.cells
    ]
    return LoadedWorkbook(source, digest, [s for s in sheets if s.state == "visible"], [], hidden)


def load_sheets(path: Path) -> LoadedWorkbook:  # noqa: C901
    """Every visible sheet of an .xlsx or .xls as plain cells, or Problems saying why it cannot be read.

    The format is judged by content, not by suffix: offices rename files freely.
    """
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return LoadedWorkbook(
                source, "", [], [_problem(source, None, f"文件过大 ({size} 字节) / file too large ({size} bytes)")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        return LoadedWorkbook(
            source, "", [], [_problem(source, None, f"无法读取文件 / cannot read file: {exc.strerror}")]
        )
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()

    def fail(message: str) -> LoadedWorkbook:
        return LoadedWorkbook(source, digest, [], [_problem(source, None, message)])

    if not raw:
        return fail("文件为空 / the file is empty")
    if raw.startswith(_OLE_MAGIC):
        if _is_encrypted_ole(raw):
            return fail(
                "工作簿已加密（设有打开密码），请去除密码后重新提交 / the workbook is password-protected (encrypted); remove the password and resubmit"
            )
        if importlib.util.find_spec("xlrd") is None:
            return fail(str(MissingDependency.for_core("xlrd", "读取旧版 .xls", "reading legacy .xls")))
        try:
            return _shown(source, digest, _xls_sheets(raw))
        except MemoryError:
            raise  # the worker's memory cap, not a damaged file (see read/isolation.py)
        except Exception as exc:  # xlrd signals bad input with many exception types, all meaning "unreadable"
            if "encrypt" in str(exc).lower():
                return fail(
                    "工作簿已加密（设有打开密码），请去除密码后重新提交 / the workbook is password-protected (encrypted); remove the password and resubmit"
                )
            return fail(
                f"无法读取 .xls 工作簿（文件损坏或不是 Excel 文件）/ cannot read the .xls workbook (corrupt or not Excel): {exc}"
            )
    if not raw.startswith(_ZIP_MAGIC):
        head = raw[:64].lstrip().lower()
        what = "HTML 网页" if head.startswith((b"<!doctype html", b"<html", b"<table")) else "文本或其他格式"
        return fail(
            f"不是 Excel 工作簿（内容是{what}）/ not an Excel workbook: the content is not .xlsx or .xls, whatever the file name"
        )
    reason = _zip_problem(raw) or _scan_problem(raw)
    if reason:
        return fail(reason)
    if importlib.util.find_spec("openpyxl") is None:
        return fail(str(MissingDependency.for_core("openpyxl", "读取 .xlsx", "reading .xlsx")))
    try:
        return _shown(source, digest, _xlsx_sheets(raw))
    except MemoryError:
        raise  # the worker's memory cap, not a damaged file (see read/isolation.py)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, XML and zip errors alike for damaged parts
        return fail(f"工作簿已损坏，无法读取 / the workbook is damaged and cannot be read: {type(exc).__name__}: {exc}")


def row_cap_problem(source: str, sheet: Sheet) -> Problem | None:
    """A problem when a sheet has more rows than a reader takes (MAX_ROWS), naming the sheet; else None."""
    if sheet.total_rows <= MAX_ROWS:
        return None
    return _problem(
        source,
        sheet.ref(MAX_ROWS - 1, 0),
        f"工作表“{sheet.name}”有 {sheet.total_rows} 行，只读取了前 {MAX_ROWS} 行 / "
        f"sheet {sheet.name!r} has {sheet.total_rows} rows; only the first {MAX_ROWS} were read",
    )


def locate(problems: list[Problem], locations: dict[str, str]) -> list[Problem]:
    """Model errors come with JSON pointers; say the cell too, which is what the submitter can find."""
    out = []
    for p in problems:
        cell = locations.get(p.location or "") if p.location else None
        out.append(p.model_copy(update={"location": f"{cell} ({p.location})"}) if cell else p)
    return out
