"""The comparator of a target, inferred where the form has no 计算符号 column (issue 12 §3).

From the target text first ("不少于3000人次" → ≥, "3个工作日内" → ≤), then by convention from a
plain number and the indicator's name and unit (a rate → ≥, a 差错率 → ≤, a 成本 amount → ≤).
Each inference says what it rests on, so a finding that depends on it can say "按“不少于”推定".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NUM = r"(?:\d+(?:\.\d+)?|半)"
# Longest first: "不超过" before "超过", "不低于" before "低于".
_WORDS: tuple[tuple[str, str], ...] = (
    ("大于或等于", "gte"), ("大于等于", "gte"), ("不少于", "gte"), ("不低于", "gte"), ("不小于", "gte"),
    ("小于或等于", "lte"), ("小于等于", "lte"), ("不超过", "lte"), ("不高于", "lte"), ("不多于", "lte"),
    ("不大于", "lte"), ("不超", "lte"),
    ("≥", "gte"), ("≧", "gte"), (">=", "gte"), ("≤", "lte"), ("≦", "lte"), ("<=", "lte"),
    ("超过", "gt"), ("大于", "gt"), ("高于", "gt"), ("多于", "gt"), (">", "gt"),
    ("低于", "lt"), ("不足", "lt"), ("小于", "lt"), ("少于", "lt"), ("<", "lt"),
    ("等于", "eq"), ("=", "eq"),
    ("以上", "gte"), ("达到", "gte"), ("以内", "lte"), ("之内", "lte"), ("以下", "lte"),
)  # fmt: skip
SYMBOLS = frozenset({"≥", "≧", ">=", "≤", "≦", "<=", ">", "<", "="})
_VAGUE = ("约", "左右", "大约", "近")
_RANGE = re.compile(rf"{_NUM}\s*%?\s*[-–—~～至到]\s*{_NUM}\s*%?")
# "内" right after a number and a short unit: "3个工作日内", "9个小时内", "半小时内"; never "辖区内".
_WITHIN = re.compile(rf"{_NUM}\s*[个]?[^\d\s]{{0,3}}?(?:工作日|小时|天|日|周|月|年|分钟|秒)内")
_NUMBER = re.compile(_NUM)
# A bare duration is a time limit: "3个工作日", "24小时".
_DURATION = re.compile(rf"{_NUM}个?(?:工作日|小时)")

NEGATIVE_RATES = (
    "差错率", "投诉率", "事故率", "发生率", "超支率", "违规率", "失误率", "故障率", "返工率",
    # the budget's own rates, as department-wide forms (重庆 部门整体绩效自评表) list them: lower is better
    "预算调整率", "结余率", "结转率", "经费控制率", "人员控制率", "经费变动率",
    "不合格率", "闲置率", "空置率", "逾期率", "损失率",
)  # fmt: skip
"""Rates whose good result is low. 控制率 alone is not one (a 血压控制率 should be high): only the
budget's 经费/人员控制率, kept within 100%."""
NEGATIVE_COUNTS = ("事故", "投诉", "违规", "差错", "违纪", "违法", "案件发生")
_TIME_UNITS = ("工作日", "小时", "天", "日", "周", "月", "分钟", "秒")
_MONEY_UNITS = ("元", "万元", "千元", "亿元")
_COUNT_UNITS = frozenset(
    [
        "个",
        "人",
        "人次",
        "次",
        "场",
        "份",
        "件",
        "项",
        "户",
        "家",
        "所",
        "处",
        "宗",
        "期",
        "批",
        "台",
        "套",
        "名",
        "篇",
        "条",
        "部",
        "座",
        "辆",
        "亩",
        "公里",
        "千米",
        "米",
        "平方米",
        "㎡",
        "间",
        "册",
        "本",
        "张",
        "株",
        "棵",
        "头",
        "只",
        "起",
        "例",
        "期次",
        "课时",
        "学时",
        "班",
        "批次",
        "个次",
        "村",
        "镇",
        "单位",
    ]
)


@dataclass(frozen=True)
class Inferred:
    """A comparator read from a target's wording or a convention, and what it rests on."""

    comparator: str | None
    basis: str
    """What it rests on, quoted in findings: a word of the target ("不少于") or a convention."""


def _fold(text: str) -> str:
    # NFKC would turn ㎡ into "m2", a unit with a digit in it.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text.replace("㎡", "平方米")))


def from_text(text: str) -> Inferred | None:
    """The comparator a target's words state, or None when they state none (a plain number)."""
    t = _fold(text)
    if not t or not _NUMBER.search(t):
        return None
    if any(word in t for word in _VAGUE):
        return Inferred(None, "约数")
    if _RANGE.search(t):
        return Inferred(None, "区间")
    for word, comparator in _WORDS:
        if word in t:
            return Inferred(comparator, word)
    if _WITHIN.search(t):
        return Inferred("lte", "内")
    if _DURATION.fullmatch(t):
        return Inferred("lte", "时限")
    return None


def by_convention(name: str, unit: str | None, level2: str | None = None) -> Inferred | None:
    """The comparator a plain number carries by convention, from the indicator's name and unit."""
    n, u, l2 = _fold(name), _fold(unit or ""), _fold(level2 or "")
    if "率" in n or u == "%":
        if any(word in n for word in NEGATIVE_RATES):
            return Inferred("lte", "反向比率")
        return Inferred("gte", "比率")
    if ("成本" in n or "成本" in l2) and u in _MONEY_UNITS:
        return Inferred("lte", "成本")
    if ("时效" in l2 or "时限" in n or "时间" in n) and u in _TIME_UNITS:
        return Inferred("lte", "时效")
    if u in _COUNT_UNITS:
        if any(word in n for word in NEGATIVE_COUNTS):
            return Inferred("lte", "反向数量")
        return Inferred("gte", "数量")
    return None


def infer(name: str, target_text: str, unit: str | None, level2: str | None = None) -> Inferred | None:
    """From the target's words, else by convention; None when nothing can be inferred."""
    stated = from_text(target_text)
    if stated is not None:
        return stated
    return by_convention(name, unit, level2)


def is_negative(name: str) -> bool:
    """事故, 投诉, 违规, 差错: an indicator whose good result is none at all."""
    n = _fold(name)
    return any(word in n for word in NEGATIVE_COUNTS) or any(word in n for word in NEGATIVE_RATES)


_LOOSE = re.compile(rf"(?P<num>{_NUM})(?P<unit>[^\d\s]{{0,6}})")
_UNIT_STOPS = re.compile(r"(及以上|以上|及以下|以下|以内|之内|内|一年|每年|/年|满意|左右|完成|达标)+$")
_UNIT_FIX = {"万": "万元", "个工作日": "工作日", "个小时": "小时", "百分比": "%", "百分点": "%"}


@dataclass(frozen=True)
class LooseTarget:
    """A number and unit found in a target written in words ("达到95%以上", "3个工作日内")."""

    number: str
    unit: str | None


def loose_target(text: str) -> LooseTarget | None:
    """A number and unit inside words: "达到95%以上" → 95 %, "总成本不超9万" → 9 万元, "半小时内" → 0.5 小时.

    Only a text with exactly one number qualifies, and never a deadline ("12月底前完成") or a vague one.
    """
    t = _fold(text)
    found = list(_LOOSE.finditer(t))
    if len(found) != 1 or any(word in t for word in _VAGUE) or re.search(r"[前后底末初]", t):
        return None
    match = found[0]
    number = "0.5" if match.group("num") == "半" else match.group("num")
    unit = _UNIT_STOPS.sub("", match.group("unit"))
    unit = _UNIT_FIX.get(unit, unit)
    if unit.startswith(tuple(w for w, _ in _WORDS)):
        unit = ""
    return LooseTarget(number, unit or None)


def clean_unit(unit: str | None) -> str | None:
    """ "个工作日内" → "工作日", "个小时" → "小时": the comparator word and the counter 个 are no part of a unit."""
    if not unit:
        return unit
    stripped = _UNIT_STOPS.sub("", unit)
    return _UNIT_FIX.get(stripped, stripped) or None
