"""The blank tidy template: one sheet per table with its Chinese headers, and 填写说明 listing every column."""

from __future__ import annotations

from pathlib import Path

from perfrules.errors import MissingDependency
from perfrules.read.cells import column_letter
from perfrules.read.tidy_tables import INSTRUCTIONS_SHEET, TABLES


def write_template(path: Path) -> None:
    """Write the blank tidy template: one sheet per table with Chinese headers, plus 填写说明."""
    try:
        from openpyxl import Workbook  # type: ignore[import-untyped]
    except ImportError as exc:
        raise MissingDependency.for_core("openpyxl", "生成模板", "writing the template") from exc
    from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    choices = {
        "document_kind": "项目支出绩效自评表,部门整体支出绩效自评表,自评报告,项目支出绩效目标申报表",
        "unit": "元,万元",
        "kind": "定量,定性",
        "comparator": "≥,>,=,≤,<",
    }
    book = Workbook()
    book.remove(book.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for table in TABLES:
        ws = book.create_sheet(table.name)
        for index, col in enumerate(table.columns, start=1):
            cell = ws.cell(row=1, column=index, value=col.header)
            cell.font, cell.fill = bold, fill
            letter = column_letter(index - 1)
            ws.column_dimensions[letter].width = max(10, 2 * len(col.header) + 4)
            if col.field in choices and not (table.name == "绩效指标" and col.field == "unit"):
                check = DataValidation(type="list", formula1=f'"{choices[col.field]}"', allow_blank=True)
                check.add(f"{letter}2:{letter}1000")
                ws.add_data_validation(check)
        ws.freeze_panes = "A2"
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    for index, header in enumerate(("表", "列", "必填", "说明", "示例"), start=1):
        notes.cell(row=1, column=index, value=header).font = bold
    row = 2
    for table in TABLES:
        for col in table.columns:
            required = "是" if col.field in table.required else ""
            for index, value in enumerate((table.name, col.header, required, col.note, col.example), start=1):
                notes.cell(row=row, column=index, value=value)
            row += 1
    for letter, width in zip("ABCDE", (10, 24, 6, 60, 28), strict=True):
        notes.column_dimensions[letter].width = width
    book.save(path)
