"""What a narrative report states, as claims: quoted spans with their role, value, paragraph and offsets.

Extraction is by wording, with regular expressions only (no model, no segmenter), and leans to
precision: a figure is taken only with the words that give it a role.
- amounts: 年初预算 (年初批复预算), 全年预算 (调整后预算), 执行数, 实际到位资金, and the year's 收入 / 支出 totals
  ("本年收入 1,200 万元", "2022 年支出 900 万元", "支出合计 900 万元"; "项目支出 300 万元" and "财政拨款收入合计"
  are parts, not totals, and are not taken), 结转/结余;
- rates: 预算执行率, 执行率, 到位率, 化解率, 完成率 ("到位率仅为 45%" → 0.45); a paragraph that states
  实际到位资金 and the budget but no 到位率 gets one computed (到位资金 ÷ 全年预算, else 年初预算), quoting the
  到位资金 span, with the unit "%（到位资金÷预算）";
- staff: 编制数, 实有人数, 在职, 退休, with the parts a "其中" list gives ("编制 50 人，其中行政编制 40 人、
  事业编制 8 人" → parts_sum 48 of 2 parts);
- counts: a number with a counting unit ("13 次", "135 套", "11086起"), role 数量; a count that a list
  follows ("完成10个项目：…", "三个方面：一是…二是…") has role 列举数量 and the list's length as its parts
  (read/claim_lists.py);
- statements: "暂无问题" and its kin, any mention of 结转/结余 (money carried over), and of staff outside the
  quota (编外, 聘用, 劳务派遣, 借调).
Each claim keeps its paragraph (1-based), the character offsets of the span in it, the paragraph's
location in the source, the section heading it sits under, and the paragraph as context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from perfrules.read.claim_lists import listed_counts

_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_LINK = r"\s*(?:为|是|共计?|合计|总计|达到?|仅为?|只有|约|:|：)?\s*"
_AMOUNT = re.compile(
    r"(?P<role>年初(?:批复)?预算(?:数|资金)?|全年预算(?:数)?|调整(?:预算)?(?:后)?(?:项目)?预算(?:数)?|预算执行数|全年执行数|执行数"
    r"|实际到位资金|到位资金"
    r"|(?:本年|全年|年度|当年|(?:19|20)\d{2}\s*年度?)(?:收入|支出)(?:合计|总计|总额|决算数|决算|数)?"
    r"|(?<![款本目营他业助费])(?:收入|支出)(?:合计|总计|总额|决算数)"
    r"|(?:上年)?结转(?:结余)?(?:资金)?|结余(?:资金)?)" + _LINK + _NUM + r"\s*(?P<unit>亿元|万元|元)"
)
_RATE = re.compile(
    r"(?P<role>预算执行率|资金执行率|执行率|资金到位率|到位率|化解率|完成率)" + _LINK + _NUM + r"\s*(?:%|％)"
)
_STAFF = re.compile(
    r"(?P<role>核定编制(?:数)?|编制(?:数|人数)?|实有人数|实有人员|在职(?:人员|人数)?|离退休(?:人员|人数)?|退休(?:人员|人数)?)"
    r"\s*(?:为|共|总数|:|：)?\s*(?P<num>\d+)\s*(?:人|名)"
)
_COUNT = re.compile(r"(?<![\d.])(?P<num>\d+)\s*(?P<unit>人次|个|次|件|起|项|套|家|所|场|期|篇|批|台|户)")
"""A counted thing ("13 次", "135 套"); a count of people is a staff figure only with a staff role."""
_PARTS_LEAD = re.compile(r"^\s*[，,]?\s*其中\s*[：:，,]?")
_PART = re.compile(r"(\d+)\s*(?:人|名)")
_NO_PROBLEM = re.compile(r"暂无问题|暂未发现问题|未发现问题|无明显问题|不存在问题|没有问题")
_CARRYOVER = re.compile(r"结转|结余")
_OFF_QUOTA = re.compile(r"编外|聘用|临聘|劳务派遣|借调|公益性岗位")
_HEADING = re.compile(r"^[一二三四五六七八九十]+、\s*\S")
# A paragraph that says its targets were met ("圆满完成", "全部完成") and states no number at all: no digit and
# no counted Chinese numeral ("三个", "十余项"). Any number, a score included, is enough to stay out.
_COMPLETED = re.compile(r"(全部|圆满|顺利|全面|如期|按期|均已|基本)完成|已全部完成|目标(已)?(达成|实现)")
_ANY_NUMBER = re.compile(
    r"[0-9０-９]|[一二两三四五六七八九十百千万]+\s*(余)?\s*[个项次人场件户家所名座条批期次篇类万亿元%％]"
)
_SENTENCE = re.compile(r"[^。；;！？]*")

_AMOUNT_ROLES = (
    ("年初预算", "年初预算"), ("全年预算", "全年预算"), ("调整后预算", "全年预算"), ("预算执行数", "执行数"),
    ("全年执行数", "执行数"), ("执行数", "执行数"), ("到位资金", "到位资金"), ("调整", "全年预算"), ("收入", "收入"),
    ("支出", "支出"), ("结转", "结转"), ("结余", "结转"),
)  # fmt: skip
_UNIT_FACTOR = {"亿元": (Decimal(10000), "万元"), "万元": (Decimal(1), "万元"), "元": (Decimal(1), "元")}


def _amount_role(word: str) -> str:
    return next(role for key, role in _AMOUNT_ROLES if key in word)


def _rate_role(word: str) -> str:
    return {"资金执行率": "执行率", "预算执行率": "执行率", "资金到位率": "到位率"}.get(word, word)


def _staff_role(word: str) -> str:
    for key, role in (
        ("编制", "编制数"),
        ("实有", "实有人数"),
        ("在职", "在职"),
        ("离退休", "离退休"),
        ("退休", "退休"),
    ):
        if key in word:
            return role
    return word


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _parts(para: str, end: int) -> tuple[Decimal | None, int]:
    """The "其中" list right after a staff total: the sum of its figures and how many there are."""
    lead = _PARTS_LEAD.match(para[end:])
    if lead is None:
        return None, 0
    rest = para[end + lead.end() :]
    sentence = _SENTENCE.match(rest)
    figures = [Decimal(m.group(1)) for m in _PART.finditer(sentence.group(0) if sentence else "")]
    return (sum(figures, Decimal(0)), len(figures)) if figures else (None, 0)


def _yuan(claim: dict[str, Any]) -> Decimal:
    return Decimal(claim["value"]) * (10000 if claim["unit"] == "万元" else 1)


def _arrival(amounts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """资金到位率 = 实际到位资金 ÷ 预算资金, when a paragraph states both but not the rate itself."""
    arrived = next((a for a in amounts if a["role"] == "到位资金"), None)
    budget = next((a for a in amounts if a["role"] == "全年预算"), None) or next(
        (a for a in amounts if a["role"] == "年初预算"), None
    )
    if arrived is None or budget is None or _yuan(budget) <= 0:
        return None
    rate = (_yuan(arrived) / _yuan(budget)).quantize(Decimal("0.0001"))
    return {"kind": "rate", "role": "到位率", "value": str(rate), "unit": "%（到位资金÷预算）",
            "start": arrived["start"], "end": arrived["end"]}  # fmt: skip


def _paragraph_claims(para: str) -> Iterator[dict[str, Any]]:
    amounts = []
    for m in _AMOUNT.finditer(para):
        factor, unit = _UNIT_FACTOR[m.group("unit")]
        value = _number(m.group("num")) * factor
        amounts.append({"kind": "amount", "role": _amount_role(m.group("role")), "value": str(value), "unit": unit,
                        "start": m.start(), "end": m.end()})  # fmt: skip
    yield from amounts
    rates = [
        {"kind": "rate", "role": _rate_role(m.group("role")), "value": str(_number(m.group("num")) / 100),
         "unit": "%", "start": m.start(), "end": m.end()}
        for m in _RATE.finditer(para)
    ]  # fmt: skip
    yield from rates
    derived = None if any(r["role"] == "到位率" for r in rates) else _arrival(amounts)
    if derived:
        yield derived
    for m in _STAFF.finditer(para):
        claim: dict[str, Any] = {"kind": "staff", "role": _staff_role(m.group("role")), "value": m.group("num"),
                                 "unit": "人", "start": m.start(), "end": m.end()}  # fmt: skip
        total, count = _parts(para, m.end())
        if total is not None and count >= 2:
            claim |= {"parts_sum": str(total), "parts_count": count}
        yield claim
    listed = list(listed_counts(para))
    yield from listed
    starts = {c["start"] for c in listed}
    for m in _COUNT.finditer(para):
        if m.start() in starts:
            continue
        yield {"kind": "count", "role": "数量", "value": m.group("num"), "unit": m.group("unit"),
               "start": m.start(), "end": m.end()}  # fmt: skip
    for pattern, role in ((_NO_PROBLEM, "暂无问题"), (_CARRYOVER, "结转"), (_OFF_QUOTA, "编外人员")):
        found = pattern.search(para)
        if found:
            yield {"kind": "statement", "role": role, "start": found.start(), "end": found.end()}
    completed = _COMPLETED.search(para)
    if completed and not _ANY_NUMBER.search(para):
        yield {"kind": "statement", "role": "完成无数字", "start": completed.start(), "end": completed.end()}


def extract_claims(paras: list[str], locations: list[str] | None = None) -> list[dict[str, Any]]:
    """Every claim of the report's paragraphs, in order; ``locations`` name each paragraph in its source."""
    out: list[dict[str, Any]] = []
    heading: str | None = None
    for index, para in enumerate(paras):
        if _HEADING.match(para) and len(para) < 40:
            heading = para
            continue
        for claim in _paragraph_claims(para):
            claim |= {"quote": para[claim["start"] : claim["end"]], "paragraph": index + 1, "context": para}
            if heading:
                claim["section"] = heading
            claim["location"] = locations[index] if locations else f"段落 {index + 1} / paragraph {index + 1}"
            out.append(claim)
    return out
