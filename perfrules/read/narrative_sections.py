"""The 存在的问题 section of a narrative report: what it says under that heading, up to the next heading.

Reports set it as a numbered heading ("五、存在的问题及原因分析", "（一）存在问题") followed by its
paragraphs, or as one line ("存在问题：暂无。"). Only what sits under such a heading is the section: a
sentence elsewhere that mentions 问题 is not, so TEXT-PROBLEMS-NONE reads what the report answered there.
"""

from __future__ import annotations

import re

from perfrules.read.narrative_score import Stated

_NUMBERING = r"(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])?\s*"
_PROBLEMS_HEADING = re.compile(
    "^"
    + _NUMBERING
    + r"(?:主要)?存在(?:的)?(?:主要)?(?:问题|不足)(?:及|和|与)?(?:原因|不足)?(?:分析)?\s*(?P<colon>[：:])?\s*(?P<rest>.*)$"
)
_NEXT_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）])|^(?:改进措施|下一步|整改|意见建议|有关建议|其他需要说明)"
)
"""A heading numbered in Chinese, or the start of what follows the problems (改进措施, 下一步工作打算); items
numbered 1、2、 belong to the section."""
_NONE_LEAD = re.compile(r"^(?:暂无|无|没有|未发现|暂未发现)")
"""A heading run on into its answer without a colon ("存在问题暂无"); other words after it are the heading's."""
_SENTENCE_END = ("。", "；", "！", "？", ".", ";")
MAX_HEADING = 30
MAX_ONE_LINE = 60
MAX_SECTION_PARAGRAPHS = 8


def problems_section(paras: list[str]) -> Stated | None:
    """The report's answer under its 存在的问题 heading, and the paragraph it starts in; None without one."""
    for index, para in enumerate(paras):
        heading = _PROBLEMS_HEADING.match(para.strip())
        if heading is None or len(para) > MAX_HEADING + MAX_ONE_LINE:
            continue
        rest = heading.group("rest").strip()
        if rest and (heading.group("colon") or _NONE_LEAD.match(rest)):
            return Stated(rest, index) if len(rest) <= MAX_ONE_LINE else None
        body: list[str] = []
        for following in paras[index + 1 : index + 1 + MAX_SECTION_PARAGRAPHS]:
            line = following.strip()
            short = len(line) <= MAX_HEADING
            # A short line that is a heading, or no sentence (the signature, the date), ends the section;
            # the first line is the answer itself, however short ("暂无").
            if short and (_NEXT_HEADING.match(line) or (body and not line.endswith(_SENTENCE_END))):
                break
            body.append(line)
        return Stated("\n".join(body), index + 1) if body else None
    return None
