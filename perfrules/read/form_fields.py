"""The single labelled fields of an official 自评表: department, fiscal year, project name and the texts.

Each value is the cell right of (or, for the goal and completion texts, below) its label. A missing
department or project name is a Problem at the cell where it was expected; a missing year is not (it is
the submission's finding, DATA-YEAR-MISSING).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from perfrules.read.cells import folded, number_cell, text_of
from perfrules.read.form_reader import COMPLETION_LABELS, DEPARTMENT_LABELS, GOAL_LABELS, NARRATIVE_LABELS, FormReader

# Sichuan project codes are 18-22 characters, digits with a letter or two ("51142523T000000123456").
_PROJECT_CODE = re.compile(r"^(\d{6}[0-9A-Z]{10,18})\s*[-－—–_:：]\s*(.+)$")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_UNIT_CODE = re.compile(r"^\d{2,12}\s*[-－—–_:：]\s*(?=\D)")
"""A budget unit's code before its name, as Anhui's system prints it ("219-池州市贵池区棠溪镇人民政府"): the
name is the department; the code would keep it from matching the account's or the report's name."""


_INLINE_VALUE = re.compile(r"^[^:：]{2,16}[:：]\s*(\S.*)$", re.S)
"""A label and its value in one cell, as some forms print the head ("主管部门：示例市人社局")."""

UNIT_LABELS = ("实施单位", "项目实施单位", "填报单位", "项目单位", "预算单位", "申报单位")
"""Who filed the form, when it has no 主管部门 row at all: the unit is the department the form is filed under."""


_NEXT_LABEL = re.compile(r"\s+(?=[^\s:：]{2,10}[:：])")
"""Where the next label of the same line starts ("填报单位（盖章）：××局    填报日期：2023年3月")."""


def inline_value(form: FormReader, r: int, c: int) -> str | None:
    """The value written after the label's colon in the label's own cell, if any; never the next label."""
    match = _INLINE_VALUE.match(text_of(form.sheet.own(r, c)).strip())
    if not match:
        return None
    value = _NEXT_LABEL.split(match.group(1).strip(), maxsplit=1)[0].strip()
    # "填报单位（盖章）：      填报日期：…": the label is blank and what follows is the next label
    return None if not value or re.match(r"[^\s:：]{2,10}[:：]", value) else value


def read_department_and_year(form: FormReader, header: dict[str, Any], top: int) -> None:
    """The department beside its label, and the fiscal year from the title rows above ``top`` (else 年度's cell)."""
    sheet = form.sheet
    label = form.first_label(DEPARTMENT_LABELS, prefix=True)
    context = form.context
    if label is None and context is not None and context.department:
        header["department"] = context.department  # a table in a report: the report names the department
    elif label is None:
        _read_unit(form, header)
    elif (inline := inline_value(form, *label)) is not None:
        header["department"] = _UNIT_CODE.sub("", inline, count=1)
        form.at("/header/department", *label)
    else:
        cell = form.right_of(*label)
        if cell is None:
            # A blank department is the submission's finding (DATA-DEPARTMENT-BLANK) at the cell it belongs
            # in, not a reading failure: the rest of the form is still checked (issue 12 §6). Cross-file
            # groupings by department leave such a form out.
            header["department"] = ""
            form.at("/header/department", label[0], sheet.merge_end(*label) + 1)
        else:
            header["department"] = _UNIT_CODE.sub("", text_of(sheet.own(*cell)), count=1)
            form.at("/header/department", *cell)

    _read_year(form, header, top)


def _read_unit(form: FormReader, header: dict[str, Any]) -> None:
    """A form with no 主管部门 row: the 实施单位 (or 填报单位) is the department; with none, it is not stated
    (DATA-DEPARTMENT-BLANK at the title), never a reading failure."""
    label = form.first_label(UNIT_LABELS, prefix=True)
    cell = None if label is None else form.right_of(*label)
    value = None if label is None else inline_value(form, *label)
    if label is not None and value is not None:
        header["department"] = _UNIT_CODE.sub("", value, count=1)
        form.at("/header/department", *label)
    elif cell is not None:
        header["department"] = _UNIT_CODE.sub("", text_of(form.sheet.own(*cell)), count=1)
        form.at("/header/department", *cell)
    else:
        header["department"] = ""
        form.at("/header/department", 0, 0)


def _read_year(form: FormReader, header: dict[str, Any], top: int) -> None:
    """The fiscal year from the title rows above ``top``, else 年度's cell, else the report's context."""
    sheet = form.sheet
    context = form.context
    year: tuple[int, int, int] | None = None
    # Only the title rows: a project name such as "2021年农村道路建设" must not set the year.
    for r in range(0, top):
        for c in sheet.row(r):
            match = _YEAR.search(folded(sheet.own(r, c)))
            if match and year is None:
                year = (int(match.group(1)), r, c)
    year_label = form.first_label(("年度", "评价年度", "自评年度"))
    if year is None and year_label is not None:
        cell = form.right_of(*year_label)
        value = folded(sheet.own(*cell)) if cell else ""
        if cell and re.fullmatch(r"(?:19|20)\d{2}(?:年度?)?", value):
            year = (int(value[:4]), *cell)
    if year is None and context is not None and context.fiscal_year is not None:
        header["fiscal_year"] = context.fiscal_year  # the report's year, said in its title or opening
    elif year is None:
        # A blank or redacted year is the submission's finding (DATA-YEAR-MISSING) at the title, not
        # a reading failure: every rule that does not need the year still checks the form (issue 12 §6).
        cells = [(r, c) for r in range(top) for c in sheet.row(r)]
        # The cell that says 年度 with the number gone ("（    年度）"), else the title's first cell.
        said = [rc for rc in cells if "年度" in folded(sheet.own(*rc))]
        form.at("/header/fiscal_year", *(said or cells or [(0, 0)])[0])
    else:
        header["fiscal_year"] = year[0]
        form.at("/header/fiscal_year", year[1], year[2])


def read_texts(form: FormReader, header: dict[str, Any], project: dict[str, Any]) -> None:
    """The goals and completion texts, the narrative (评价结论, 存在问题, 改进措施) and the 自评等级."""
    sheet = form.sheet
    for labels, target, pointer in (
        (GOAL_LABELS, header, "/header/overall_goals"),
        (COMPLETION_LABELS, project, "/projects/0/completion"),
    ):
        label = form.first_label(labels)
        if label is None:
            continue
        cell = form.below(*label) or form.right_of(*label)
        # A blank cell under the label reads "" (the form has it); an absent key means the form has none.
        target[pointer.rsplit("/", 1)[1]] = "" if cell is None else text_of(sheet.own(*cell))
        form.at(pointer, *(cell or (label[0] + 1, label[1])))
    parts = []
    for name in NARRATIVE_LABELS:
        label = form.first_label((name,))
        cell = form.right_of(*label) if label else None
        if cell is None and label is not None and name == "存在问题":
            _blank_problems(form, header, label)
        if cell is not None:
            parts.append(f"{name}：{text_of(sheet.own(*cell))}")
            form.locations.setdefault("/header/narrative", sheet.ref(*cell))
            if name == "存在问题":
                header["problems"] = text_of(sheet.own(*cell))
                form.at("/header/problems", *cell)
    if parts:
        header["narrative"] = "\n".join(parts)
    grade = form.first_label(("自评等级",))
    cell = form.right_of(*grade) if grade else None
    if cell is not None:
        project["self_grade"] = header["self_grade"] = text_of(sheet.own(*cell))
        form.at("/projects/0/self_grade", *cell)
        form.at("/header/self_grade", *cell)


def _blank_problems(form: FormReader, header: dict[str, Any], label: tuple[int, int]) -> None:
    """A 存在问题 label with nothing filled beside it: the form asks, and the answer is blank ("")."""
    column = form.sheet.merge_end(*label) + 1
    # Something under the label may be its answer (a column layout): then the form does not say blank.
    if column < form.sheet.ncols and form.below(*label) is None:
        header["problems"] = ""
        form.at("/header/problems", label[0], column)


_CAPTION_NAMED = re.compile(r"项目名称[:：]\s*([^\s，。；]{2,40})")
_CAPTION_TITLE = re.compile(r"([^\s:：，。；()（）]{2,40}?)(?:项目)?(?:支出)?绩效(?:自评|评价)(?:情况)?表")
_CAPTION_GENERIC = re.compile(
    r"(?:省|市|县|区|乡镇|本)级|部门|单位|预算|专项|资金|重点|中央|地方|对|转移支付|区域|财政|一般|公共|政府性基金|项目|整体|支出|[-—\d]"
)
"""The words of a form's own name ("部门预算项目支出", "省级专项资金", "中央对地方转移支付区域"): a caption made
only of them names the form, not a project."""
_CAPTION_NOISE = re.compile(r"附件\s*\d*|表\s*\d+|(?:19|20)\d{2}\s*年度?|[:：、.]")


def caption_project(caption: str, department: str | None) -> str | None:
    """The project a table's caption names: "附件：××项目支出绩效自评表", "项目名称：××"; None for a bare
    "项目支出绩效自评表" or a 部门整体 caption."""
    folded_caption = unicodedata.normalize("NFKC", caption)
    named = _CAPTION_NAMED.search(folded_caption)
    if named:
        return named.group(1)
    titled = _CAPTION_TITLE.search(_CAPTION_NOISE.sub(" ", folded_caption))
    if titled is None:
        return None
    name = titled.group(1)
    if department and name.startswith(department) and len(name) > len(department) + 1:
        name = name[len(department) :]  # "××局××项目支出绩效自评表": the department is not the project's name
    return None if len(_CAPTION_GENERIC.sub("", name)) < 2 or "部门整体" in name else name


def _headless_name(form: FormReader, project: dict[str, Any]) -> bool:
    """A table with no 项目名称 row: its caption names the project, or the report around it names only one."""
    context = form.context
    department = context.department if context else None
    lines = reversed(form.sheet.caption.splitlines())  # the nearest line first
    name = next((n for line in lines if (n := caption_project(line, department))), None)
    name = name or (context.project if context else None)
    if not name:
        return False
    project["name"] = name
    form.at("/projects/0/name", 0, 0)
    return True


def read_project_name(form: FormReader, project: dict[str, Any], label: tuple[int, int] | None) -> None:
    """The project name beside its label, split from a leading Sichuan project code when it has one."""
    sheet = form.sheet
    if label is None:
        if not _headless_name(form, project):
            # A form with no name anywhere is DATA-PROJECT-NAME-BLANK's finding at its first cell, not a
            # reading failure: its budget block and indicators are still checked.
            project["name"] = ""
            form.at("/projects/0/name", 0, 0)
        return
    inline = inline_value(form, *label)
    if inline is not None:
        project["name"] = inline
        form.at("/projects/0/name", *label)
        return
    cell = form.right_of(*label)
    if cell is None:
        # A blank name is the submission's finding (DATA-PROJECT-NAME-BLANK) at the cell it belongs in,
        # not a reading failure: the rest of the form is still checked (issue 12 §1/§6).
        project["name"] = ""
        form.at("/projects/0/name", label[0], sheet.merge_end(*label) + 1)
        return
    text = text_of(sheet.own(*cell))
    coded = _PROJECT_CODE.match(text)
    if coded:
        project["id"], text = coded.group(1), coded.group(2).strip()
        form.at("/projects/0/id", *cell)
    project["name"] = text
    form.at("/projects/0/name", *cell)


STATED_TOTAL_LABELS = ("自评总分",)


def read_stated_total(form: FormReader, header: dict[str, Any], project: dict[str, Any]) -> None:
    """A total stated in the form's head ("自评总分（分）| 96.5", as Chongqing's 部门整体表 has it) when no
    总分 line under the indicators gave one."""
    if "self_score" in project:
        return
    label = form.first_label(STATED_TOTAL_LABELS)
    cell = form.right_of(*label) if label else None
    if cell is None:
        return
    value = number_cell(form.sheet.own(*cell), form.sheet.fmt(*cell), ("分",))
    project["self_score"] = header["self_score"] = value
    form.at("/projects/0/self_score", *cell)
    form.at("/header/self_score", *cell)
