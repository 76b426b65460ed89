"""A narrative report's title → the unit it is for, the fiscal year it evaluates, and the kind of spending.

Titles are read as bureaus publish them:
- the year after the unit ("岳阳市2018年度部门整体支出绩效评价自评报告"), before it
  ("2021年茂名市发展和改革局部门整体支出绩效自评报告"), or bracketed on the line below ("（2022年度）");
- the letter style ("××局关于2022年度部门整体支出绩效自评情况的报告");
- a title with no year at all ("横县机构编制委员会办公室" / "部门整体支出绩效评价报告"), whose fiscal year is
  the one the opening paragraph evaluates ("我办对2017年度部门整体支出绩效进行了全面综合评价", or the
  notice it answers, "关于开展2017年度预算绩效自评工作的通知"). The report's date is never the year: a
  2017 evaluation is written in 2018. Where the opening names no year either, the year stays unknown and
  DATA-YEAR-MISSING says so.

The cover page's own unit field ("部门(单位)名称: ××中心", "项目单位: ××办") names the unit better than a title
that gives only the region.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_KIND = r"(?P<kind>部门整体支出|部门预算整体支出|部门整体|单位整体支出|整体和项目支出|整体支出|项目支出|部门预算|预算)?"
_REPORT = r"绩效(?:单位)?(?:自评|自我评价|评价自评|评价)(?:总结|情况|工作)?报告"
_NAME = r"(?P<department>[^\s{}\[\]\"'：:，,。；;]{2,40}?)"
_YEAR = r"(?P<year>(?:19|20)\d{2})\s*年度?"
_TITLES = (
    # 岳阳市2018年度部门整体支出绩效评价自评报告; 许昌市…中心 2022 年整体和项目支出绩效自评总结报告
    re.compile(rf"^{_NAME}\s*{_YEAR}\s*{_KIND}\s*{_REPORT}"),
    # 2021年茂名市发展和改革局部门整体支出绩效自评报告
    re.compile(rf"^{_YEAR}\s*{_NAME}\s*{_KIND}\s*{_REPORT}"),
    # 示例局关于2022年度部门整体支出绩效自评情况的报告: the style of an official letter
    re.compile(rf"^{_NAME}\s*关于\s*{_YEAR}\s*{_KIND}\s*绩效(?:自评|自我评价|评价)(?:工作)?(?:情况|结果)?的报告"),
    # 田心乡部门整体支出绩效自评报告（2022年度）: the year set below the title, in brackets
    re.compile(rf"^{_NAME}\s*{_KIND}\s*{_REPORT}\s*[（(]\s*{_YEAR}\s*[)）]"),
)
_YEARLESS = re.compile(rf"^{_NAME}\s*(?P<kind>部门整体支出|单位整体支出|整体支出|项目支出)\s*{_REPORT}$")
"""A title that names the unit and the spending but no year: the whole paragraph, the kind required, so
that no sentence and no bare form name ("部门整体支出绩效评价报告") is taken for one."""
_GENERIC_NAMES = {"部门", "单位", "本部门", "本单位", "财政", "项目", "我单位", "我部门", "年度", "预算"}
_OPENING_YEAR = re.compile(
    r"(?:对|开展|关于|就|将)\s*(?:本单位|本部门|我单位|我部门|全局|全系统)?\s*(?P<year>(?:19|20)\d{2})\s*年度?"
    r"[^。；;]{0,16}?(?:预算|部门|单位|整体|项目|绩效|支出)"
)
"""The year an opening paragraph evaluates: "对2017年度部门整体支出…", "关于开展2017年度预算绩效自评工作"."""
_UNIT_FIELD = re.compile(
    r"^(?:(?:部门\s*[（(]\s*单位\s*[)）]|部门|单位|预算单位|项目单位)\s*名\s*称|项目单位|预算单位)"
    r"\s*[:：]\s*(?P<name>[^\s:：，,。]{2,40})"
)
MAX_TITLE = 80
HEAD_PARAGRAPHS = 12
"""How far down the title may sit: below a cover page's fields (项目名称, 项目单位, 主管部门, 评价类型, date)."""


@dataclass(frozen=True)
class Title:
    """What a report's title says, with the paragraph it ends in (the opening starts after it)."""

    department: str
    year: int | None
    kind: str | None
    paragraph: int


def _candidates(paras: list[str]) -> list[tuple[str, int]]:
    """Short paragraphs among the first dozen, and each pair of them joined: a title set over two lines
    ("岳阳市2018年度部门整体支出" / "绩效评价自评报告") is read as one. Each with the index it ends at."""
    head = [(p, i) for i, p in enumerate(paras[:HEAD_PARAGRAPHS]) if len(p) <= MAX_TITLE]
    pairs = [(a + b, j) for (a, i), (b, j) in itertools.pairwise(head) if j == i + 1 and len(a + b) <= MAX_TITLE]
    return [*head, *pairs]


def _opening_year(paras: list[str], after: int) -> int | None:
    """The fiscal year the opening paragraphs (up to three after the title) say they evaluate."""
    for para in paras[after + 1 : after + 4]:
        match = _OPENING_YEAR.search(para)
        if match:
            return int(match.group("year"))
    return None


def read_title(paras: list[str], text: str) -> Title | None:
    """The report's title, or None when no paragraph among the first few is one."""
    candidates = _candidates(paras)
    for para, end in candidates:
        dated = next((m for m in (t.match(para) for t in _TITLES) if m), None)
        if dated is not None:
            department = _department(dated.group("department"), text)
            return Title(department, int(dated.group("year")), dated.group("kind"), end)
    for para, end in candidates:
        match = _YEARLESS.match(para)
        named = match.group("department").strip() if match else ""
        # a contents line ("九、整体支出绩效自评报告") or a bare form name names no unit
        if match and named not in _GENERIC_NAMES and "、" not in named:
            department = _department(named, text)
            return Title(department, _opening_year(paras, end), match.group("kind"), end)
    return None


def _department(named: str, text: str) -> str:
    """The unit the report is for: the cover's unit field when it has one, else the title's words.
    The field is read line by line: the cover's fields run on without punctuation between them."""
    lines = (line.strip() for line in text.splitlines()[:40])
    field = next((m for m in (_UNIT_FIELD.match(line) for line in lines) if m), None)
    if field:
        return field.group("name")
    # "2022年度部门整体支出绩效自评报告" names no unit: its "部门" is the kind's, not a department
    return "" if named.strip() in _GENERIC_NAMES else named.strip()
