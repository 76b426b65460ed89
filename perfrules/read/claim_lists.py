"""A stated count and the list that follows it: "完成10个项目：A、B、…" or "做了三个方面的工作：一是…二是…".

The count is the claim; the list gives ``parts_count`` (how many items follow), so that a rule can
compare the two (NARRATIVE-PARTS-SUM). Precision first, because a wrong count is a false alarm:
- the list must follow in the same paragraph, right after "：", "分别是", "包括" or "具体为";
- ordinal markers (一是/二是, （一）（二）, （1）（2）, ①②) are counted as one run from the first;
- otherwise the first sentence is split at "、", and only when it has no "等" (an open list) or
  "或". Each "和/及/与/以及" may join two items ("A、B和C": three) or sit inside one ("党风廉政和反腐败"),
  so such a list has a range of readings, and a stated count within it is taken as matching.
A count above 30 is not matched with a list: nobody enumerates that many in a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from perfrules.read.cn_numerals import CN_NUMBER, cn_to_int

_MAX_LISTED = 30
_COUNTED = re.compile(
    r"(?<![\d.第〇零一二两三四五六七八九十百千])(?P<num>\d+|"
    + CN_NUMBER
    + r")\s*(?P<unit>个|项|件|批|类|条|大|点|所|家)"
    r"(?P<noun>[^，,。；;：:、\d]{0,14}?)"
    r"(?P<lead>[：:]|[，,]?(?:分别(?:是|为)|包括|具体(?:是|为|包括)|主要(?:是|有|包括))[：:]?)"
)
_ORDINALS = (
    re.compile(r"(?:^|[：:；;。，,\s])(?P<n>[一二三四五六七八九十]+)是"),
    re.compile(r"[（(](?P<n>[一二三四五六七八九十]+)[)）]"),
    re.compile(r"[（(](?P<n>\d{1,2})[)）]"),
    re.compile(r"(?:^|[：:；;。\s])(?P<n>\d{1,2})[、.．](?!\d)"),
    re.compile(r"(?P<n>[①②③④⑤⑥⑦⑧⑨⑩])"),
)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
_SENTENCE_END = re.compile(r"[。；;！？]")
_OPEN = re.compile(r"等|或")
_JOINED = re.compile(r"以及|和|及|与")


def _ordinal(text: str) -> int | None:
    if text in _CIRCLED:
        return _CIRCLED.index(text) + 1
    return int(text) if text.isdigit() else cn_to_int(text)


def _ordinal_run(rest: str) -> int:
    """How many items one run of ordinal markers numbers (1, 2, 3, … in order), or 0."""
    best = 0
    for pattern in _ORDINALS:
        expected = 1
        for m in pattern.finditer(rest):
            number = _ordinal(m.group("n"))
            if number == expected:
                expected += 1
            elif number == 1 and expected > 1:
                break  # a second list starts
        best = max(best, expected - 1)
    return best if best >= 2 else 0


def _enumerated(rest: str, stated: int) -> int:
    """Items of a "、" list in the first sentence of ``rest``, or 0 when it is not a closed list.

    A "和/及/与" in the list may or may not join two items: ``stated`` is the count when it is one of
    the readings, else the reading nearest to it."""
    sentence = _SENTENCE_END.split(rest, maxsplit=1)[0]
    if "、" not in sentence or _OPEN.search(sentence) or "，" in sentence or "," in sentence:
        return 0
    items = [item for item in sentence.split("、") if item.strip()]
    if len(items) < 2 or not all(len(item) <= 20 for item in items):
        return 0
    fewest = len(items)
    most = fewest + sum(len(_JOINED.findall(item)) for item in items)
    return min(max(stated, fewest), most)


def listed_counts(para: str) -> Iterator[dict[str, Any]]:
    """Each count in ``para`` that a list follows, with how many items the list has."""
    for m in _COUNTED.finditer(para):
        stated = int(m.group("num")) if m.group("num").isdigit() else cn_to_int(m.group("num"))
        if stated is None or not 2 <= stated <= _MAX_LISTED:
            continue
        rest = para[m.end() :]
        listed = _ordinal_run(rest) or _enumerated(rest, stated)
        if not listed:
            continue
        yield {
            "kind": "count", "role": "列举数量", "value": str(stated), "unit": m.group("unit"),
            "start": m.start(), "end": m.start("lead"), "parts_sum": str(listed), "parts_count": listed,
        }  # fmt: skip
