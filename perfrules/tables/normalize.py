"""Submissions become rows: one pass, column-major, money converted to 元 exactly."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from perfrules.model.sourced import SourcedSubmission
from perfrules.model.submission import (
    TOTAL_LINE_ITEMS,
    BudgetLine,
    DepartmentFinance,
    DocumentKind,
    Fund,
    Indicator,
    PartialDate,
    Project,
    ProjectDeclaration,
    Submission,
)
from perfrules.model.values import YUAN_PER_UNIT, Num, ValueState, missing
from perfrules.tables.budget import project_budget
from perfrules.tables.claim_rows import claim_row
from perfrules.tables.inferred import Resolved, is_not_applicable, resolve, uncompared_names
from perfrules.tables.memory import return_freed_memory
from perfrules.tables.scheme import scoring_scheme
from perfrules.tables.score_parts import NO_PARTS, score_parts
from perfrules.tables.shape import IndicatorShape, indicator_shape
from perfrules.tables.shortfall import missed_targets
from perfrules.tables.spec import (
    BUDGET_LINES,
    CLAIMS,
    DATA_TABLES,
    EXPENDITURES,
    FUNDS,
    INDICATORS,
    LOCATIONS,
    PROJECTS,
    SUBMISSIONS,
    TableData,
)
from perfrules.tables.template_rows import blank_block, template_rows

FINANCE_MONEY = (
    "initial_budget",
    "adjusted_budget",
    "executed",
    "carryover",
    "three_public_budget",
    "three_public_actual",
)
_RATE_UNIT, _SCORE_UNIT = Decimal("0.01"), Decimal(1)  # the coarsest last digit a rate or a score is stated to
FINANCE_RATES = ("execution_rate", "adjustment_rate", "carryover_rate", "three_public_control_rate")


def _reader_columns(prj_t: dict[str, list[object]], p: Project) -> None:
    """What the form reader could not map or read on this project's form (READ-UNMAPPED-COLUMN, READ-ROW-UNREAD)."""
    prj_t["unmapped_columns"].append("、".join(p.unmapped_columns) or None)
    prj_t["unread_rows"].append("、".join(p.unread_rows) or None)
    prj_t["budget_block_unread"].append(p.budget_block_unread)


@dataclass
class Batch:
    """The tables of a batch, and which submission each ``sub`` key stands for."""

    tables: dict[str, TableData]
    sources: list[SourcedSubmission]

    def rows(self, table: str) -> int:
        return len(self.tables[table])


def _num(row: dict[str, list[object]], name: str, num: Num, factor: int = 1) -> None:
    value = num.scaled(YUAN_PER_UNIT["万元"]) if factor != 1 and num.value is not None else num
    row[name].append(value.value)
    row[f"{name}_state"].append(value.state.value)


def stated_unit(num: Num, coarsest: Decimal) -> Decimal | None:
    """The unit of the last digit a number was stated to ("9.7" → 0.1), never coarser than ``coarsest``.

    The exponent is the literal's as filed (a JSON or YAML token, or the cell as its number
    format shows it); rates are stated in percent, so a rate's unit is at most 0.01.
    """
    if num.value is None:
        return None
    exponent = num.value.as_tuple().exponent
    if not isinstance(exponent, int):
        return None
    return min(Decimal(1).scaleb(min(exponent, 0)), coarsest)


def _score_columns(
    row: dict[str, list[object]], project: Project, skipped: set[int] | None, *, scorecard: bool = False
) -> None:
    """The project's total as stated, its last-digit unit, and the parts it should add up to.

    ``skipped`` is None for a declaration, which states no total (its rows are its own rules').
    """
    _num(row, "self_score", project.self_score)
    row["self_score_unit"].append(stated_unit(project.self_score, _SCORE_UNIT))
    _num(row, "report_score", project.report_score)
    row["report_score_unit"].append(stated_unit(project.report_score, _SCORE_UNIT))
    parts = NO_PARTS if skipped is None else score_parts(project, skipped, scorecard=scorecard)
    row["exec_score"].append(parts.exec_score)
    row["indicator_score_sum"].append(parts.indicator_sum)
    row["score_parts_slack"].append(parts.slack)


def _explanation(row: dict[str, list[object]], line: BudgetLine) -> None:
    """The line's explanation, and whether the form has a cell for one at all.

    A workbook reader sets the key when it mapped an explanation column, blank or not; a JSON or
    YAML submission when it names the key. A rule asking for a reason asks only where there is room for one.
    """
    row["explanation"].append(line.explanation)
    row["explanation_field"].append("explanation" in line.model_fields_set)


def _finance_columns(row: dict[str, list[object]], finance: DepartmentFinance) -> None:
    """A department-wide form's budget figures (money in 元) and the explanation beside them."""
    money = 10000 if finance.unit == "万元" else 1
    for name in FINANCE_MONEY:
        _num(row, f"fin_{name}", getattr(finance, name), money)
    for name in FINANCE_RATES:
        _num(row, f"fin_{name}", getattr(finance, name))
    row["fin_explanation"].append(finance.explanation)
    row["fin_money_unit"].append(finance.unit)


def _timing_columns(row: dict[str, list[object]], p: Project, table: bool) -> None:
    """When the project ran and how far it got, as stated."""
    row["start_date"].append(_date(p.start_date))
    row["end_date"].append(_date(p.end_date))
    row["delivery_date"].append(_date(p.delivery_date))
    row["end_date_text"].append(p.end_date.text if p.end_date else None)
    row["delivery_date_text"].append(p.delivery_date.text if p.delivery_date else None)
    row["completion"].append(p.completion)
    # The reader sets a field it found, even empty: a blank cell differs from a form without one.
    row["completion_field"].append(table and "completion" in p.model_fields_set)


def _date(d: PartialDate | None) -> object:
    return d.earliest if d else None


_NO_DECLARATION = ProjectDeclaration()
"""What a self-evaluation's project declares: nothing (one shared instance, read only)."""
_FILLED = (SUBMISSIONS, PROJECTS, BUDGET_LINES, INDICATORS, FUNDS, EXPENDITURES, LOCATIONS, CLAIMS)


def without_rows(sourced: SourcedSubmission) -> SourcedSubmission:
    """What a report needs of a submission once its rows are in the tables: its kind, the
    department and year, and its justifications. The rest (projects, funds, the narrative,
    the finance figures, cell locations) is in the tables; a national batch keeps 120 000 of
    these, so each is a few hundred bytes instead of the 8 KB of the full header."""
    # model_copy, not model_construct: construct builds closures and classes on every call,
    # reference cycles that pile up while reading keeps the cyclic collector paused.
    sub = sourced.submission
    header = sub.header.model_copy(update=_HEADER_DROPPED)
    dropped = {"header": header, "projects": [], "funds": [], "claims": []}
    return SourcedSubmission(sourced.source, sub.model_copy(update=dropped))


_HEADER_DROPPED: dict[str, object] = {
    "narrative": None,
    "problems": None,
    "overall_goals": None,
    "finance": None,
    "withheld": [],
    "self_score": missing(),
}


def _template_cells(sourced: SourcedSubmission, ppath: str, indicators: list[Indicator], rows: list[int]) -> list[str]:
    out = []
    for i in rows:
        cell = sourced.locations.get(f"{ppath}/indicators/{i}/name")
        where = cell.rsplit("!", 1)[-1] if cell else f"第{i + 1}个指标"
        out.append(f"{where}“{indicators[i].name}”")
    return out


TabulateError = Callable[[SourcedSubmission, Exception], None]
"""Told of a submission that could not be put into the tables, and why; the batch goes on."""


def normalize(
    submissions: Iterable[SourcedSubmission], *, keep_rows: bool = True, on_error: TabulateError | None = None
) -> Batch:
    """The batch's tables, one pass over the submissions (consumed lazily, once).

    With ``keep_rows`` false, ``Batch.sources`` keeps each submission ``without_rows``, so a
    streamed batch never holds more than one submission's model objects at a time.

    With ``on_error``, a submission whose rows cannot be built is taken back out of every
    table, whole, and ``on_error`` is told; the others still go in (one bad file never costs
    the batch). Without it, the error propagates.
    """
    tables = {spec.name: TableData(spec) for spec in (*DATA_TABLES, LOCATIONS)}
    sources: list[SourcedSubmission] = []
    tabulator = _Tabulator(tables)
    for sourced in submissions:
        marks = tabulator.marks()
        try:
            tabulator.add(len(sources), sourced)
        except Exception as exc:  # a bug or an unforeseen shape in one submission's data
            if on_error is None:
                raise
            tabulator.roll_back(marks)
            on_error(sourced, exc)
            continue
        sources.append(sourced if keep_rows else without_rows(sourced))
        if any(table.seal_if_full() for table in tables.values()):
            return_freed_memory()
        tabulator.reread()

    # A big batch's tails go to Arrow too: the engine would encode them anyway, and the lists
    # would stay alive beside the copy while the rules run.
    if any(table.chunks for table in tables.values()):
        for table in tables.values():
            if table.chunks:
                table.seal()
        return_freed_memory()
    return Batch(tables=tables, sources=sources)


Columns = dict[str, list[object]]


class _Tabulator:
    """Appends one submission at a time to the batch's column lists; ``rid`` numbers every row."""

    def __init__(self, tables: dict[str, TableData]) -> None:
        self.tables = tables
        self.rid = 0
        self.located: set[tuple[str, int, str]] = set()
        """The (table, rid, column) keys of the submission being added that have a cell already."""
        self.reread()

    def reread(self) -> None:
        # Sealing a table into Arrow replaces its lists, so these are re-read after each submission.
        self.sub_t, self.prj_t, self.bl_t, self.ind_t, self.fund_t, self.exp_t, self.loc_t, self.clm_t = (
            self.tables[t.name].columns for t in _FILLED
        )

    def marks(self) -> tuple[int, dict[str, int]]:
        """Where each table's lists end before a submission: every column has that many entries."""
        return self.rid, {name: len(table.columns["rid"]) for name, table in self.tables.items()}

    def roll_back(self, marks: tuple[int, dict[str, int]]) -> None:
        """Cut every list back to its mark: a half-added row or submission leaves no trace."""
        self.rid, lengths = marks
        for name, table in self.tables.items():
            for values in table.columns.values():
                del values[lengths[name] :]

    def common(self, t: Columns, sub: int, path: str, s: Submission) -> int:
        self.rid += 1
        t["sub"].append(sub)
        t["rid"].append(self.rid)
        t["path"].append(path)
        t["fiscal_year"].append(s.header.fiscal_year)
        t["doc_kind"].append(s.document_kind.value)
        t["department"].append(s.header.department)
        return self.rid

    def add(self, sub: int, sourced: SourcedSubmission) -> None:
        s = sourced.submission
        self.located.clear()
        row_of: dict[str, tuple[str, int]] = {"": ("submissions", self.common(self.sub_t, sub, "", s))}
        # Template leftovers and never-filled blocks are a self-evaluation's (issue 12); a declaration's
        # blank rows are judged by its own rules (blank, not_applicable and INDICATORS-BLANK).
        evaluated = s.document_kind is not DocumentKind.TARGET_DECLARATION
        templates = {pi: set(template_rows(p.indicators)) if evaluated else set() for pi, p in enumerate(s.projects)}
        blanks = {
            pi: set(blank_block(p.indicators, templates[pi])) if evaluated else set() for pi, p in enumerate(s.projects)
        }
        self.header(sourced, templates, blanks)
        for pi, p in enumerate(s.projects):
            self.project(sub, sourced, pi, p, templates[pi], blanks[pi], row_of)
        for fi, f in enumerate(s.funds):
            self.fund(sub, s, fi, f, row_of)
        for c_index, c in enumerate(s.claims):
            cpath = f"/claims/{c_index}"
            row_of[cpath] = ("claims", self.common(self.clm_t, sub, cpath, s))
            claim_row(self.clm_t, c)
        self.locations(sourced, row_of)

    def header(self, sourced: SourcedSubmission, templates: dict[int, set[int]], blanks: dict[int, set[int]]) -> None:
        s, sub_t = sourced.submission, self.sub_t
        h = s.header
        sub_t["source"].append(sourced.source)
        sub_t["region_code"].append(h.region_code)
        sub_t["region_name"].append(h.region_name)
        sub_t["report_date"].append(_date(h.report_date))
        _num(sub_t, "self_score", h.self_score)
        sub_t["self_grade"].append(h.self_grade)
        sub_t["overall_goals"].append(h.overall_goals)
        sub_t["goal_field"].append(
            s.document_kind is DocumentKind.PROJECT_TABLE and "overall_goals" in h.model_fields_set
        )
        sub_t["narrative"].append(h.narrative)
        sub_t["problems"].append(h.problems)
        sub_t["withheld_count"].append(len(h.withheld))
        sub_t["project_count"].append(len(s.projects))
        skipped = {pi: templates[pi] | blanks[pi] for pi in templates}
        sub_t["indicator_count"].append(sum(len(p.indicators) - len(skipped[pi]) for pi, p in enumerate(s.projects)))
        sub_t["budget_line_count"].append(sum(len(p.budget_lines) for p in s.projects))
        sub_t["fund_count"].append(len(s.funds))
        sub_t["attached_table_count"].append(len(h.attached_tables))
        _finance_columns(sub_t, h.finance or DepartmentFinance())

    def project(
        self,
        sub: int,
        sourced: SourcedSubmission,
        pi: int,
        p: Project,
        templates: set[int],
        blanks: set[int],
        row_of: dict[str, tuple[str, int]],
    ) -> None:
        s, prj_t = sourced.submission, self.prj_t
        ppath = f"/projects/{pi}"
        prid = self.common(prj_t, sub, ppath, s)
        row_of[ppath] = ("projects", prid)
        prj_t["project_id"].append(p.id)
        prj_t["project_name"].append(p.name)
        prj_t["project_type"].append(p.project_type)
        _timing_columns(prj_t, p, s.document_kind is DocumentKind.PROJECT_TABLE)
        skipped = templates | blanks
        declared = s.document_kind is DocumentKind.TARGET_DECLARATION
        scorecard = s.document_kind is DocumentKind.DEPARTMENT_SCORECARD
        _score_columns(prj_t, p, None if declared else skipped, scorecard=scorecard)
        prj_t["self_grade"].append(p.self_grade)
        prj_t["indicator_count"].append(len(p.indicators) - len(skipped))
        prj_t["blank_indicator_count"].append(len(blanks))
        prj_t["budget_line_count"].append(len(p.budget_lines))
        shape = indicator_shape(p, declared)
        prj_t["filled_indicator_count"].append(shape.filled)
        prj_t["live_indicator_count"].append(len(shape.live_names))
        prj_t["indicator_names"].append("；".join(shape.live_names) or None)
        self.declaration(p)
        _reader_columns(prj_t, p)
        listed = _template_cells(sourced, ppath, p.indicators, sorted(templates))
        prj_t["template_rows"].append("、".join(listed) or None)
        prj_t["template_row_count"].append(len(listed))
        resolved = {ii: resolve(ind, not sourced.locations) for ii, ind in enumerate(p.indicators)}
        uncompared = uncompared_names(p, resolved, templates)
        prj_t["uncompared_indicators"].append("、".join(uncompared) or None)
        prj_t["uncompared_count"].append(len(uncompared))
        missed = missed_targets(p, resolved, skipped)
        prj_t["missed_targets"].append("；".join(missed) or None)
        prj_t["missed_target_count"].append(len(missed))
        for column, rows in (("indicators", blanks), ("template_rows", templates)):
            if rows:
                first = f"{ppath}/indicators/{min(rows)}/name"
                self.locate("projects", prid, column, sourced.locations.get(first, first))
        scheme = None if declared else scoring_scheme(p)
        prj_t["scoring_scheme"].append(scheme)
        money = project_budget(p, declared)
        for ii, ind in enumerate(p.indicators):
            if ii in skipped:
                continue  # a template leftover is no indicator: listed on its project instead
            ipath = f"{ppath}/indicators/{ii}"
            row_of[ipath] = ("indicators", self.common(self.ind_t, sub, ipath, s))
            self.indicator(prid, p.name, ind, resolved[ii], shape, ii, declared, (money, scheme))
        for bi, line in enumerate(p.budget_lines):
            bpath = f"{ppath}/budget_lines/{bi}"
            row_of[bpath] = ("budget_lines", self.common(self.bl_t, sub, bpath, s))
            self.budget_line(prid, p.name, line, scheme)

    def declaration(self, p: Project) -> None:
        prj_t = self.prj_t
        decl = p.declaration or _NO_DECLARATION
        prj_t["applicant_unit"].append(decl.applicant_unit)
        money = 10000 if decl.unit == "万元" else 1
        _num(prj_t, "total_amount", decl.total_amount, money)
        _num(prj_t, "annual_amount", decl.annual_amount, money)
        prj_t["policy_basis"].append(decl.policy_basis)
        prj_t["calculation_basis"].append(decl.calculation_basis)
        prj_t["annual_goal"].append(decl.annual_goal)

    def locate(self, table: str, rid: int, column: str, location: str) -> None:
        # One cell per (row, column): a second would make the engine's join report a finding twice (the
        # block anchor a reader gives /projects/0/indicators and the first blank row the tables chose).
        if (table, rid, column) in self.located:
            return
        self.located.add((table, rid, column))
        self.loc_t["tbl"].append(table)
        self.loc_t["rid"].append(rid)
        self.loc_t["col"].append(column)
        self.loc_t["location"].append(location)

    def budget_line(self, prid: int, project_name: str, line: BudgetLine, scheme: str | None) -> None:
        bl_t = self.bl_t
        bl_t["scoring_scheme"].append(scheme)
        bl_t["project_rid"].append(prid)
        bl_t["project_name"].append(project_name)
        bl_t["item"].append(line.item)
        bl_t["is_total"].append(line.item.strip().rstrip(":： ") in TOTAL_LINE_ITEMS)
        factor = 10000 if line.unit == "万元" else 1
        _num(bl_t, "initial_budget", line.initial_budget, factor)
        _num(bl_t, "annual_budget", line.annual_budget, factor)
        _num(bl_t, "executed", line.executed, factor)
        _num(bl_t, "weight", line.weight)
        _num(bl_t, "rate", line.rate)
        _num(bl_t, "score", line.score)
        _explanation(bl_t, line)
        bl_t["money_unit"].append(line.unit)
        bl_t["rate_unit"].append(stated_unit(line.rate, _RATE_UNIT))
        bl_t["score_unit"].append(stated_unit(line.score, _SCORE_UNIT))

    def indicator(
        self,
        prid: int,
        project_name: str,
        ind: Indicator,
        r: Resolved,
        shape: IndicatorShape,
        ii: int,
        declared: bool,
        project: tuple[Decimal | None, str | None],
    ) -> None:
        """One indicator row; ``project`` is its project's budget in 元 and its scoring scheme."""
        ind_t = self.ind_t
        ind_t["project_budget"].append(project[0])
        ind_t["scoring_scheme"].append(project[1])
        ind_t["project_rid"].append(prid)
        ind_t["project_name"].append(project_name)
        ind_t["level1"].append(ind.level1)
        ind_t["level2"].append(ind.level2)
        ind_t["name"].append(ind.name)
        ind_t["kind"].append(ind.kind)
        ind_t["comparator"].append(r.comparator)
        ind_t["comparator_basis"].append(r.basis)
        _num(ind_t, "target", r.target)
        ind_t["unit"].append(r.unit)
        _num(ind_t, "actual", ind.actual)
        # The words as filed when they are no number ("已完成"): DATA-NONNUMERIC-ACTUAL quotes them.
        ind_t["actual_text"].append(ind.actual.raw if ind.actual.state is ValueState.MALFORMED else None)
        ind_t["actual_grade"].append(ind.actual_grade)
        _num(ind_t, "weight", ind.weight)
        _num(ind_t, "score", ind.score)
        _num(ind_t, "score_coefficient", ind.score_coefficient)
        ind_t["deviation_explanation"].append(ind.deviation_explanation)
        ind_t["target_text"].append(ind.target_text)
        ind_t["explanation"].append(ind.explanation)
        ind_t["blank"].append(shape.blank[ii])
        # Declarations: 不适用 in the name or target; self-evaluations: target and actual (issue 12 §2).
        ind_t["not_applicable"].append(shape.not_applicable[ii] if declared else is_not_applicable(ind))
        ind_t["project_filled_count"].append(shape.filled)
        ind_t["level2_filled_count"].append(shape.level2_filled[ii])
        ind_t["near_duplicate_of"].append(shape.duplicate_of[ii])
        ind_t["score_unit"].append(stated_unit(ind.score, _SCORE_UNIT))
        ind_t["score_coefficient_unit"].append(stated_unit(ind.score_coefficient, _RATE_UNIT))

    def fund(self, sub: int, s: Submission, fi: int, f: Fund, row_of: dict[str, tuple[str, int]]) -> None:
        fund_t, exp_t = self.fund_t, self.exp_t
        fpath = f"/funds/{fi}"
        frid = self.common(fund_t, sub, fpath, s)
        row_of[fpath] = ("funds", frid)
        factor = 10000 if f.unit == "万元" else 1
        fund_t["fund_id"].append(f.id)
        fund_t["fund_name"].append(f.name)
        fund_t["source"].append(f.source)
        _num(fund_t, "amount", f.amount, factor)
        fund_t["purpose_category"].append(f.purpose_category)
        fund_t["function_code"].append(f.function_code)
        fund_t["project_id"].append(f.project_id)
        fund_t["expenditure_count"].append(len(f.expenditures))
        for ei, e in enumerate(f.expenditures):
            epath = f"{fpath}/expenditures/{ei}"
            row_of[epath] = ("expenditures", self.common(exp_t, sub, epath, s))
            exp_t["fund_rid"].append(frid)
            exp_t["fund_name"].append(f.name)
            exp_t["fund_source"].append(f.source)
            exp_t["fund_purpose_category"].append(f.purpose_category)
            exp_t["expenditure_id"].append(e.id)
            _num(exp_t, "amount", e.amount, 10000 if e.unit == "万元" else 1)
            exp_t["use_text"].append(e.use_text)
            exp_t["use_category"].append(e.use_category)
            exp_t["paid_with"].append("、".join(e.paid_with) if e.paid_with else None)
            exp_t["paid_with_count"].append(len(e.paid_with))

    def locations(self, sourced: SourcedSubmission, row_of: dict[str, tuple[str, int]]) -> None:
        # Workbook readers know the cell of each value; JSON rows are located by path alone.
        for pointer, cell in sorted(sourced.locations.items()):
            row_path, _, field_name = pointer.rpartition("/")
            # The header's figures, /header/finance/* included, are columns of the submission's own row.
            if row_path in row_of or (row_path.startswith("/header") and field_name):
                tbl, row_rid = row_of.get(row_path, row_of[""])
                self.locate(tbl, row_rid, field_name, cell)
