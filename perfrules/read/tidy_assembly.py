"""The tidy tables assembled into submissions: one per row of 基本信息, child rows onto their parents.

Child rows name their parent: a project by 项目编号 or 项目名称, a fund by 资金编号 or 资金名称,
and the submission by 文书编号 (which may be left blank when there is only one submission).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from perfrules.model.report import Problem
from perfrules.model.sourced import SourcedSubmission
from perfrules.read.block_cells import with_block_cells
from perfrules.read.cells import measure, rate_cell
from perfrules.read.declaration_target import declared_measure
from perfrules.read.documents import ReadResult, to_submission
from perfrules.read.tidy_declaration import declarations, is_declaration
from perfrules.read.tidy_rows import Grid, _collect, _date, _num, _Rows, _text, _Value, _year
from perfrules.read.tidy_tables import _BY_NAME, _RATE_FIELDS
from perfrules.read.workbook import _problem, locate

_DATE_FIELDS = frozenset({"report_date", "start_date", "end_date", "delivery_date"})
_KINDS = {"定量": "quantitative", "定量指标": "quantitative", "定性": "qualitative", "定性指标": "qualitative"}


@dataclass
class _Doc:
    key: str
    data: dict[str, Any]
    locations: dict[str, str] = field(default_factory=dict)
    projects: dict[tuple[str, str], int] = field(default_factory=dict)
    funds: dict[tuple[str, str], int] = field(default_factory=dict)


class _Assembler:
    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        self.docs: dict[str, _Doc] = {}

    def problem(self, where: str | None, message: str) -> None:
        self.problems.append(_problem(self.source, where, message))

    def doc_of(self, row: dict[str, _Value], table: str) -> _Doc | None:
        key = _text(row.get("doc")) or ""
        if key in self.docs:
            return self.docs[key]
        if not key and len(self.docs) == 1:
            return next(iter(self.docs.values()))
        where = row["doc"].where if "doc" in row else next(iter(row.values())).where
        self.problem(
            where,
            f"“{table}”表的这一行对应不到“基本信息”中的文书编号“{key}” / this {table} row names no 文书编号 listed in 基本信息"
            if key
            else f"有多份文书时“{table}”表须填写文书编号 / {table} rows need a 文书编号 when there are several submissions",
        )
        return None

    def put(
        self, doc: _Doc, target: dict[str, Any], pointer: str, name: str, value: object, cell: _Value | None
    ) -> None:
        if value is None and cell is None:
            return
        target[name] = value
        if cell is not None:
            doc.locations[f"{pointer}/{name}"] = cell.where

    def header(self, rows: _Rows) -> None:
        for row in rows.rows:
            key = _text(row.get("doc")) or ""
            if key in self.docs:
                self.problem(
                    row["doc"].where if "doc" in row else None, f"文书编号“{key}”重复 / duplicate 文书编号 {key!r}"
                )
                continue
            doc = _Doc(key, {"header": {}, "projects": [], "funds": []})
            self.docs[key] = doc
            header = doc.data["header"]
            for name, cell in row.items():
                if name == "doc":
                    continue
                if name == "document_kind":
                    doc.data["document_kind"] = _text(cell)
                    doc.locations["/document_kind"] = cell.where
                    continue
                value = _year(cell) if name == "fiscal_year" else _date(cell) if name in _DATE_FIELDS else None
                if name == "self_score":
                    value = _num(cell, ("分",))
                elif value is None:
                    value = _text(cell)
                self.put(doc, header, "/header", name, value, cell)

    def projects(self, rows: _Rows) -> None:
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            if doc is None:
                continue
            index = len(doc.data["projects"])
            project: dict[str, Any] = {"budget_lines": [], "indicators": []}
            pointer = f"/projects/{index}"
            for name, cell in row.items():
                if name == "doc":
                    continue
                value = (
                    _num(cell, ("分",))
                    if name == "self_score"
                    else _date(cell)
                    if name in _DATE_FIELDS
                    else _text(cell)
                )
                self.put(doc, project, pointer, name, value, cell)
            doc.data["projects"].append(project)
            for key in (("id", project.get("id")), ("name", project.get("name"))):
                if key[1]:
                    doc.projects.setdefault((key[0], str(key[1])), index)

    def project_of(self, doc: _Doc, row: dict[str, _Value], table: str) -> int | None:
        pid, pname = _text(row.get("project_id")), _text(row.get("project_name"))
        index = doc.projects.get(("id", pid)) if pid else doc.projects.get(("name", pname)) if pname else None
        if index is None and not pid and not pname and len(doc.data["projects"]) == 1:
            return 0
        if index is None:
            cell = row.get("project_id") or row.get("project_name") or next(iter(row.values()))
            self.problem(
                cell.where,
                f"“{table}”表的这一行对应不到“项目”表中的项目“{pid or pname or ''}” / this {table} row names no project listed in 项目",
            )
        return index

    def budget_lines(self, rows: _Rows) -> None:
        rate_percent = "%" in rows.header_text.get("rate", "")
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            index = self.project_of(doc, row, rows.table.name) if doc else None
            if doc is None or index is None:
                continue
            lines = doc.data["projects"][index]["budget_lines"]
            pointer = f"/projects/{index}/budget_lines/{len(lines)}"
            line: dict[str, Any] = {}
            unit = _text(row.get("unit")) or "元"
            for name, cell in row.items():
                if name in ("doc", "project_id", "project_name"):
                    continue
                if name == "rate":
                    value: object = rate_cell(cell.value, cell.fmt, rate_percent)
                elif name in ("weight", "score"):
                    value = _num(cell, ("分",))
                elif name in ("initial_budget", "annual_budget", "executed"):
                    value = _num(cell, (unit,))
                else:
                    value = _text(cell)
                self.put(doc, line, pointer, name, value, cell)
            lines.append(line)

    def finance(self, rows: _Rows) -> None:
        """部门整体预算: at most one row per document, into header.finance."""
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            if doc is None:
                continue
            if "finance" in doc.data["header"]:
                self.problem(
                    next(iter(row.values())).where,
                    "同一文书的“部门整体预算”只能有一行 / one 部门整体预算 row per document",
                )
                continue
            finance: dict[str, Any] = {}
            unit = _text(row.get("unit")) or "元"
            for name, cell in row.items():
                if name == "doc":
                    continue
                percent = "%" in rows.header_text.get(name, "")
                value = (
                    rate_cell(cell.value, cell.fmt, percent)
                    if name in _RATE_FIELDS
                    else _text(cell)
                    if name == "unit"
                    else _num(cell, (unit,))
                )
                self.put(doc, finance, "/header/finance", name, value, cell)
            doc.data["header"]["finance"] = finance

    def indicators(self, rows: _Rows) -> None:
        for row, blanks in zip(rows.rows, rows.blanks, strict=True):
            doc = self.doc_of(row, rows.table.name)
            index = self.project_of(doc, row, rows.table.name) if doc else None
            if doc is None or index is None:
                continue
            indicators = doc.data["projects"][index]["indicators"]
            pointer = f"/projects/{index}/indicators/{len(indicators)}"
            ind: dict[str, Any] = {}
            for name in ("level1", "level2", "name", "deviation_explanation", "explanation"):
                self.put(doc, ind, pointer, name, _text(row.get(name)), row.get(name))
            if is_declaration(doc.data.get("document_kind")):  # the target as stated, for the 事前 rules
                self.put(doc, ind, pointer, "target_text", _text(row.get("target")), row.get("target"))
            for name in ("weight", "score"):
                self.put(doc, ind, pointer, name, _num(row.get(name), ("分",)), row.get(name))
            self.measures(doc, ind, pointer, row)
            for name, where in blanks.items():
                doc.locations.setdefault(f"{pointer}/{name}", where)
            indicators.append(ind)

    def measures(self, doc: _Doc, ind: dict[str, Any], pointer: str, row: dict[str, _Value]) -> None:
        parse = declared_measure if is_declaration(doc.data.get("document_kind")) else measure
        target = parse(row["target"].value, row["target"].fmt) if "target" in row else measure(None)
        actual = measure(row["actual"].value, row["actual"].fmt) if "actual" in row else measure(None)
        stated = unicodedata.normalize("NFKC", _text(row.get("kind")) or "")
        kind = _KINDS.get(stated, stated)
        if not kind:
            # The template lets 指标类型 stay blank: a target with a number is what makes an indicator 定量.
            evidence = target if not target.blank else actual
            kind = "qualitative" if not evidence.blank and not evidence.quantitative else "quantitative"
        self.put(doc, ind, pointer, "kind", kind, row.get("kind"))
        if kind == "qualitative":
            self.put(doc, ind, pointer, "actual_grade", actual.text or None, row.get("actual"))
            return
        comparator = _text(row.get("comparator")) or target.comparator
        self.put(doc, ind, pointer, "comparator", comparator, row.get("comparator") or row.get("target"))
        self.put(doc, ind, pointer, "target", target.value, row.get("target"))
        unit = _text(row.get("unit")) or target.unit or actual.unit
        self.put(doc, ind, pointer, "unit", unit, row.get("unit") or row.get("target"))
        # "≥95%" as an actual value states no measurement; it stays as written and reads as malformed.
        self.put(doc, ind, pointer, "actual", actual.text if actual.comparator else actual.value, row.get("actual"))

    def funds(self, rows: _Rows) -> None:
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            if doc is None:
                continue
            index = len(doc.data["funds"])
            fund: dict[str, Any] = {"expenditures": []}
            unit = _text(row.get("unit")) or "元"
            for name, cell in row.items():
                if name == "doc":
                    continue
                value = _num(cell, (unit,)) if name == "amount" else _text(cell)
                self.put(doc, fund, f"/funds/{index}", name, value, cell)
            doc.data["funds"].append(fund)
            for key in (("id", fund.get("id")), ("name", fund.get("name"))):
                if key[1]:
                    doc.funds.setdefault((key[0], str(key[1])), index)

    def expenditures(self, rows: _Rows) -> None:
        for row in rows.rows:
            doc = self.doc_of(row, rows.table.name)
            if doc is None:
                continue
            fid, fname = _text(row.get("fund_id")), _text(row.get("fund_name"))
            index = doc.funds.get(("id", fid)) if fid else doc.funds.get(("name", fname)) if fname else None
            if index is None and not fid and not fname and len(doc.data["funds"]) == 1:
                index = 0
            if index is None:
                cell = row.get("fund_id") or row.get("fund_name") or next(iter(row.values()))
                self.problem(
                    cell.where,
                    f"“支出”表的这一行对应不到“资金”表中的资金“{fid or fname or ''}” / this 支出 row names no fund listed in 资金",
                )
                continue
            spent = doc.data["funds"][index]["expenditures"]
            pointer = f"/funds/{index}/expenditures/{len(spent)}"
            item: dict[str, Any] = {}
            unit = _text(row.get("unit")) or "元"
            for name, cell in row.items():
                if name in ("doc", "fund_id", "fund_name"):
                    continue
                if name == "amount":
                    value: object = _num(cell, (unit,))
                elif name == "paid_with":
                    value = [p.strip() for p in re.split(r"[、,，;；]", _text(cell) or "") if p.strip()]
                else:
                    value = _text(cell)
                self.put(doc, item, pointer, name, value, cell)
            spent.append(item)


_STEPS = (
    ("基本信息", _Assembler.header),
    ("项目", _Assembler.projects),
    ("部门整体预算", _Assembler.finance),
    ("预算执行", _Assembler.budget_lines),
    ("申报信息", lambda assembler, rows: declarations(assembler, rows, _text, _num)),
    ("绩效指标", _Assembler.indicators),
    ("资金", _Assembler.funds),
    ("支出", _Assembler.expenditures),
)


def _assemble(grids: dict[str, Grid], source: str, sha256: str, problems: list[Problem]) -> list[ReadResult]:
    if "基本信息" not in grids:
        problems.append(_problem(source, None, "缺少“基本信息”表 / the 基本信息 table (sheet or CSV file) is missing"))
    assembler = _Assembler(source, problems)
    for name, step in _STEPS:
        if name in grids:
            step(assembler, _collect(_BY_NAME[name], grids[name], source, problems))
    if not assembler.docs:
        if "基本信息" in grids:
            problems.append(_problem(source, None, "“基本信息”表没有数据行 / the 基本信息 table has no rows"))
        return [ReadResult(source, sha256, None, tuple(problems))]
    results: list[ReadResult] = []
    several = len(assembler.docs) > 1
    for position, doc in enumerate(assembler.docs.values(), start=1):
        doc_source = f"{source}#{doc.key or position}" if several else source
        data = {k: v for k, v in doc.data.items() if v != []}
        submission, invalid = to_submission(data, doc_source)
        # With one submission every problem is its own; with several, table-level ones go on a result of their own.
        found = tuple(([] if several else problems) + locate(invalid, doc.locations))
        cells = with_block_cells(doc.locations, submission) if submission else {}
        sourced = SourcedSubmission(doc_source, submission, dict(sorted(cells.items()))) if submission else None
        results.append(ReadResult(doc_source, sha256, sourced, found))
    if several and problems:
        results.append(ReadResult(source, sha256, None, tuple(problems)))
    return results
