"""Hand the submitter their own workbook back with the review written into it.

Every finding located at a ``sheet!cell`` becomes a cell comment (审核意见, rule id,
severity) and a fill colour on that cell, and a sheet "审核意见" lists all findings,
including those that only have a JSON pointer. The original file is only ever read: the
annotated copy is saved to a different path, so the submitted bytes (and their sha256 in
the report) stay evidence of what was submitted.

openpyxl is imported inside the function so that ``import perfrules`` and the other
report formats work without it installed. openpyxl keeps values, formulas, styles, merged
ranges and comments, but drops images and charts on save: the annotated copy is for
reading the review, never a replacement for the submitted file.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from io import BytesIO
from pathlib import Path
from typing import Any

from perfrules.errors import MissingDependency
from perfrules.model.report import Finding, Report, SubmissionResult

FINDINGS_SHEET = "审核意见"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
AUTHOR = "perfrules"
_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
_DISPOSITION_ZH = {"open": "", "justified": "已说明", "waived": "已豁免"}
_RANK = {"error": 3, "warning": 2, "info": 1}
# Excel's own "bad / neutral / note" palette, so the colours read as familiar to the submitter.
_FILL = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
_MAX_COLUMN, _MAX_ROW = 16384, 1048576  # XFD, the last row of an .xlsx sheet
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]*)$")
_HEADERS = (
    "序号",
    "来源",
    "严重程度",
    "阻断",
    "规则",
    "单元格",
    "JSON 位置",
    "项目",
    "三级指标",
    "资金",
    "问题",
    "审核意见",
    "依据",
    "指纹",
    "处理",
    "处理说明",
)
_WIDTHS = (6, 24, 9, 6, 24, 14, 30, 20, 18, 20, 24, 60, 40, 26, 8, 40)


_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""The characters XML 1.0 (and so openpyxl) refuses in a cell."""


def _cell_text(text: str) -> str:
    """Text safe in a cell or comment: control and bidi characters as visible escapes."""
    from perfrules.report.visible import visible

    return visible(text)


def _split_source(source: str) -> tuple[str, str | None]:
    path, sep, sheet = source.partition("#")
    sheet = sheet.split("（第")[0]  # a form stacked lower down the sheet: "区县（第40行起）"
    return path, (sheet or None) if sep else None


def _matches(result: SubmissionResult, original: Path, digest: str) -> bool:
    return result.sha256 == digest or Path(_split_source(result.source)[0]).resolve() == original.resolve()


def submissions_for(report: Report, original: Path, raw: bytes) -> list[SubmissionResult]:
    """The submissions read from this workbook: by content hash or path, else by file name.

    The file-name fallback lets a report made on another machine (CI, a colleague's checkout)
    annotate a local copy; it is only used when nothing matches exactly, so two batches'
    ``表.xlsx`` in different folders are not mixed when the exact file is known.
    """
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    exact = [r for r in report.submissions if _matches(r, original, digest)]
    if exact:
        return exact
    return [r for r in report.submissions if Path(_split_source(r.source)[0]).name == original.name]


Target = tuple[str, int, int]  # sheet, 1-based row, 1-based column
Placed = tuple[SubmissionResult, Finding, Target | None]  # a finding, and the cell it annotates if any


def _parse_cell(ref: str, default_sheet: str | None) -> Target | None:
    """``Sheet1!C12``, ``'My sheet'!$C$12`` or a range's first cell → (sheet, 12, 3); None if unusable."""
    sheet, bang, coord = ref.rpartition("!")
    if not bang:
        sheet = default_sheet or ""
    if len(sheet) >= 2 and sheet[0] == sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    match = _CELL.match(coord.split(":")[0].strip())
    if not sheet or not match:
        return None
    row, column = int(match.group(2)), 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    # openpyxl accepts e.g. XFZ1 and would save a cell Excel refuses to open; Excel's limits decide.
    if column > _MAX_COLUMN or row > _MAX_ROW:
        return None
    return sheet, row, column


def _coordinate(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"


class _Anchors:
    """Merged ranges as plain integer bounds, per sheet, read once.

    openpyxl's ``coord in range`` re-parses strings on every test; with thousands of findings
    on a sheet with many merges that dominated the run time (12 s for 5,000 findings).
    """

    def __init__(self, wb: Any) -> None:
        self._wb = wb
        self._bounds: dict[str, list[tuple[int, int, int, int]]] = {}

    def anchor(self, sheet: str, row: int, column: int) -> tuple[int, int]:
        """The cell that carries a merged range's value and format (its top-left), else the cell itself."""
        bounds = self._bounds.get(sheet)
        if bounds is None:
            ranges = self._wb[sheet].merged_cells.ranges
            bounds = self._bounds[sheet] = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ranges]
        for top, left, bottom, right in bounds:
            if top <= row <= bottom and left <= column <= right:
                return top, left
        return row, column


def _marks(f: Finding) -> str:
    marks = [_SEVERITY_ZH.get(f.severity.value, f.severity.value)]
    if f.disposition != "open":
        marks.append(_DISPOSITION_ZH.get(f.disposition, f.disposition))
    return "·".join(marks)


def _note(f: Finding) -> str:
    if f.waiver:
        return f"豁免：{f.waiver.approver}，{f.waiver.reason}，有效期至 {f.waiver.expires.isoformat()}"
    return f"说明：{f.justification}" if f.justification else ""


def comment_text(findings: list[Finding]) -> str:
    """One comment for a place's findings: severity, rule id and message each, with a waiver or justification."""
    parts = []
    for f in findings:
        note = _note(f)
        parts.append(f"【{_marks(f)}】{f.rule_id}\n{f.message.zh}" + (f"\n{note}" if note else ""))
    return "\n\n".join(parts)


def _basis(f: Finding) -> str:
    return "；".join(b.document + (f" {b.clause}" if b.clause else "") for b in f.basis)


def _unique_title(wb: Any, title: str) -> str:
    # A workbook may already have a sheet of this name (the submitter's own, or an earlier
    # annotation); never overwrite it.
    names = set(wb.sheetnames)
    candidate, n = title, 2
    while candidate in names:
        candidate, n = f"{title} ({n})", n + 1
    return candidate


def annotate_workbook(report: Report, original: Path, out: Path) -> int:
    """Copy ``original`` to ``out`` with every located finding commented and coloured.

    Returns the number of cells annotated (a cell with several findings counts once).
    Raises ``ValueError`` if ``out`` is the original, the file is a legacy .xls, or the report
    has no submission read from this workbook; ``MissingDependency`` if
    openpyxl is missing.
    """
    try:
        from openpyxl import load_workbook  # type: ignore[import-untyped]
    except ImportError as exc:
        raise MissingDependency.for_core("openpyxl", "批注工作簿", "annotating a workbook") from exc

    if out.resolve() == original.resolve():
        raise ValueError("annotate_workbook never writes over the submitted workbook; choose another output path")
    raw = original.read_bytes()
    if raw.startswith(_OLE_MAGIC):
        raise ValueError(
            f"{original.name} 是旧版 .xls（或加密）工作簿，无法批注；请另存为 .xlsx / "
            "a legacy .xls (or encrypted) workbook cannot be annotated; save it as .xlsx"
        )
    results = submissions_for(report, original, raw)
    if not results:
        raise ValueError(f"no submission in the report was read from {original.name}")
    # Loaded from the bytes already hashed, not the path: the copy is of exactly the file matched
    # above, and openpyxl's refusal of unfamiliar suffixes does not reject a renamed .xlsx.
    # Never keep VBA: the copy is saved as .xlsx (Excel refuses a macro package under that name),
    # and the submitter's macros must not travel into the reviewer's copy.
    wb = load_workbook(BytesIO(raw), keep_vba=False)

    rows, by_cell = _place_findings(wb, results)
    _comment_cells(wb, by_cell)
    _add_findings_sheet(wb, rows)

    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(by_cell)


def _place_findings(wb: Any, results: list[SubmissionResult]) -> tuple[list[Placed], dict[Target, list[Finding]]]:
    """Every finding with its target cell (a merged range's anchor), and the findings grouped by that cell.

    A finding whose cell is unparsable or on a sheet the workbook lacks gets no target: it is
    listed on the findings sheet only.
    """
    anchors = _Anchors(wb)
    sheets = set(wb.sheetnames)
    rows: list[Placed] = []
    by_cell: dict[Target, list[Finding]] = defaultdict(list)
    for result in results:
        default_sheet = _split_source(result.source)[1]
        for finding in result.findings:
            target = _parse_cell(finding.location.cell, default_sheet) if finding.location.cell else None
            if target and target[0] in sheets:
                target = (target[0], *anchors.anchor(*target))
                by_cell[target].append(finding)
            else:
                target = None
            rows.append((result, finding, target))
    return rows, by_cell


def _comment_cells(wb: Any, by_cell: dict[Target, list[Finding]]) -> None:
    """Each annotated cell's comment (its findings, after any comment already there) and the worst severity's fill."""
    from openpyxl.comments import Comment  # type: ignore[import-untyped]
    from openpyxl.styles import PatternFill  # type: ignore[import-untyped]

    for (sheet, row_number, column), findings in sorted(by_cell.items()):
        cell = wb[sheet].cell(row=row_number, column=column)
        text = _cell_text(comment_text(findings))
        if cell.comment is not None:
            # Keep what the submitter wrote; the review follows it.
            text = f"{cell.comment.text}\n\n— {AUTHOR} —\n{text}"
        comment = Comment(text, AUTHOR)
        # openpyxl's default box is ~2 short lines; size it so the Chinese message is readable unscrolled.
        comment.width = 320
        comment.height = min(600, 40 + 16 * (len(text) // 22 + text.count("\n")))
        cell.comment = comment
        worst = max(findings, key=lambda f: _RANK.get(f.severity.value, 0)).severity.value
        colour = _FILL.get(worst, _FILL["info"])
        cell.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def _add_findings_sheet(wb: Any, rows: list[Placed]) -> None:
    """The 审核意见 sheet: one row per finding, located or not, with a link to its annotated cell."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
    from openpyxl.worksheet.hyperlink import Hyperlink  # type: ignore[import-untyped]

    ws = wb.create_sheet(_unique_title(wb, FINDINGS_SHEET))
    ws.append(list(_HEADERS))
    bold = Font(bold=True)
    for header in ws[1]:
        header.font = bold
    for index, (result, f, target) in enumerate(rows, 1):
        values = _finding_values(index, result, f)
        ws.append(values)
        # Row and cells are addressed directly: ws.max_row and ws[row] rescan every cell, which
        # made this loop quadratic (seconds per thousand findings).
        row = index + 1
        for column, value in enumerate(values, 1):
            # openpyxl stores any text starting with "=" as a formula; a project name like
            # "=HYPERLINK(…)" comes from the submitter and must stay text in the reviewer's sheet.
            if isinstance(value, str) and value.startswith("="):
                ws.cell(row=row, column=column).data_type = "s"
        if target:
            # Internal link: clicking the cell reference jumps to the annotated cell.
            link = ws.cell(row=row, column=6)
            quoted = target[0].replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{_coordinate(target[1], target[2])}")
            link.font = Font(color="0563C1", underline="single")
        colour = _FILL.get(f.severity.value, _FILL["info"])
        ws.cell(row=row, column=3).fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
        ws.cell(row=row, column=12).alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in enumerate(_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(_HEADERS))}{len(rows) + 1}"


def _finding_values(index: int, result: SubmissionResult, f: Finding) -> list[Any]:
    """Finding number ``index`` as the findings sheet's row, one value per ``_HEADERS`` column."""
    loc = f.location
    values = [
        index, result.source, _SEVERITY_ZH.get(f.severity.value, f.severity.value), "是" if f.blocking else "",
        f.rule_id, loc.cell or "", loc.pointer, loc.project or "", loc.indicator or "", loc.fund or "",
        f.title.zh, f.message.zh, _basis(f), f.fingerprint, _DISPOSITION_ZH.get(f.disposition, f.disposition),
        _note(f),
    ]  # fmt: skip
    # A control character in a file name or filed text is invalid in the sheet XML.
    return [_cell_text(v) if isinstance(v, str) and _ILLEGAL.search(v) else v for v in values]
