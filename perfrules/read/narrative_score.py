"""The overall self-evaluation result a narrative report states: its total score ("自评得分为 95.6 分") and
its grade ("评价等级为“优”"), each with the paragraph it is stated in.

Both are read only from wording that names the whole evaluation. A score stated for one indicator, the
budget execution or a project ("满意度指标得分 9 分", "项目自评 100 分") is not the total, and the
words "自评中" or "评价中" are not a grade: a guess here would make GRADE-TOTAL-BAND and CROSS-SCORE
fire on a sentence the report never meant as its result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOTAL = re.compile(
    r"(?:自评(?:综合|评价|绩效)?(?:得分|评分|总分|分数|结果)?"
    r"|(?:综合|总|评价|最终)(?:综合|评价|绩效)?(?:得分|评分|总分|分数|结果))(?:为|是|达到|[：:])?\s*"
    r"(?P<score>\d{1,3}(?:\.\d{1,2})?)\s*分"
)
_PART_WORDS = r"指标|满意度|预算执行|执行率|产出|效益|效果|单项|分项|各项|每项|一级|二级|三级"
_NOT_TOTAL = re.compile(f"(?:项目|{_PART_WORDS})")
_NOT_TOTAL_OF_PROJECT = re.compile(f"(?:{_PART_WORDS})")
"""Words that, just before "得分", make it the score of a part, not of the whole evaluation. In a
department's report a project's score is a part; in a project's own report it is the whole."""
_PART_WINDOW = 8
_GRADE_BARE = re.compile(r"自评(?:为)?[“\"「]?(?P<grade>优秀|良好|合格)")
_GRADE_NAMED = re.compile(
    r"(?:(?:自评|评价|绩效|评定)(?:等级|结果|结论|级别)|(?<=[，,；;])等级)(?:为|是|评定为|确定为|[：:])?\s*[“\"「『]?"
    r"(?P<grade>不合格|优秀|良好|合格|优|良|中|差)(?=[”\"」』]|等|级|[，,。；;、）)\s]|$)"
)


@dataclass(frozen=True)
class Stated:
    """A value as the report states it, and the 0-based paragraph it is stated in."""

    text: str
    paragraph: int


def total_score(paras: list[str], project_report: bool = False) -> Stated | None:
    """The first total score the report states for the whole evaluation, 0–100."""
    part = _NOT_TOTAL_OF_PROJECT if project_report else _NOT_TOTAL
    for index, para in enumerate(paras):
        for match in _TOTAL.finditer(para):
            before = para[max(0, match.start() - _PART_WINDOW) : match.start()]
            if part.search(before) or float(match.group("score")) > 100:
                continue
            return Stated(match.group("score"), index)
    return None


def grade(paras: list[str]) -> Stated | None:
    """The first grade the report states for itself ("自评优秀", "评价等级为“良”")."""
    for index, para in enumerate(paras):
        found = [m for m in (_GRADE_NAMED.search(para), _GRADE_BARE.search(para)) if m]
        if found:
            return Stated(min(found, key=lambda m: m.start()).group("grade"), index)
    return None
