"""Hypothesis strategies for whole submissions, derived once from the pydantic models.

The strategy walks the ``Submission`` model: every field gets a strategy from its type
(numeric cells, partial dates, comparators, literals, enums, nested models, lists), so a
field another engineer adds to the model is generated without touching this file. What the
types cannot say is added by construction rather than by filtering (pandera's slow
``.filter`` chains are the cautionary tale):

* keys are consistent: project and fund names are unique in a submission, project ids
  follow one scheme (so they collide across submissions, as they do in real batches), a
  fund's ``project_id`` names one of the submission's projects, ``paid_with`` names other funds;
* numeric cells hold exact decimals with at most two places, and sometimes "—", "涉密，略",
  a blank or text that is not a number, because real forms do;
* text is drawn from the domain's words plus every string the pack's examples and reference
  tables use, so generated data reaches the regions the rules look at.

The generated value is the document as a submitter writes it (a plain dict), so a failing
case can be printed as YAML and pasted into a rule's examples.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import annotated_types
from pydantic import BaseModel

from perfrules.errors import MissingDependency

try:
    from hypothesis import strategies as st
except ImportError as exc:
    raise MissingDependency.for_extra("author", "hypothesis", "perfrules test 的性质测试", "perfrules test") from exc

from perfrules.model.submission import PartialDate, Submission
from perfrules.model.values import Num, ValueState, parse_num
from perfrules.pack.loader import Pack

Document = dict[str, Any]

# Words a reviewer meets on real forms; the pack's own examples add to these.
TEXTS: dict[str, tuple[str, ...]] = {
    "department": ("示例局", "市委政法委", "市卫健委", "区教育局"),
    "region_name": ("石家庄市", "临河区"),
    "name": ("培训人数", "群众满意度", "按时完成率", "平台建设", "网格员培训", "精神障碍管理治疗经费", "综治经费"),
    "level1": ("产出指标", "效益指标", "满意度指标", "成本指标"),
    "level2": ("数量指标", "质量指标", "时效指标", "社会效益指标", "经济成本指标"),
    "item": ("年度资金总额", "当年财政拨款", "上年结转", "其他资金"),
    "unit": ("人", "%", "次", "个", "万元"),
    "completion": ("全部完成", "按计划推进", "部分完成"),
    "self_grade": ("优", "良", "中", "差", "优秀"),
    "actual_grade": ("达成年度指标", "部分达成年度指标", "未达成年度指标"),
    "project_type": ("工程基建", "日常运转", "专项业务"),
    "source": ("中央转移支付", "本级财政", "上级补助"),
    "narrative": ("项目绩效目标全部完成。", "部分项目指标设置还存在定性评价多定量评价少等问题。"),
    "explanation": ("无", "项目延期，资金结转下年使用。"),
    "deviation_explanation": ("无", "受疫情影响延期。"),
    "marker": ("（详细信息涉密，略）",),
}
NUMBER_RANGES: dict[str, tuple[int, int]] = {
    "score": (0, 100), "weight": (0, 100), "self_score": (0, 105), "target": (0, 1000), "actual": (0, 1200),
}  # fmt: skip
MONEY_RANGE = (0, 10_000_000)
RATE_RANGE = (0, 2)
DEFAULT_RANGE = (0, 1000)
NON_NUMBERS = ("—", "涉密，略", "", None, "满分")
"""Not applicable, withheld, blank, null and malformed: the four non-number states of a cell."""
LIST_SIZES: dict[str, int] = {
    "projects": 3, "indicators": 4, "budget_lines": 3, "funds": 2, "expenditures": 3, "withheld": 2,
    "paid_with": 2, "justifications": 1,
}  # fmt: skip
READER_FIELDS = frozenset({"unmapped_columns", "unread_rows"})
"""Set by a workbook reader about the form itself, not filed: not generated."""
UNIQUE_BY: dict[str, str] = {"projects": "name", "indicators": "name", "budget_lines": "item", "funds": "name"}
INT_RANGES: dict[str, tuple[int, int]] = {"fiscal_year": (2018, 2025)}
YEARS = (2018, 2026)
# No whitespace (stripped by the model), no e/E or dots (they would read back as numbers).
FALLBACK_ALPHABET = "甲乙丙丁项目指标资金培训建设完成ABCXYZ0123456789-_"


def _is_money(key: str) -> bool:
    return any(word in key for word in ("budget", "executed", "amount", "carryover", "three_public"))


def _number_range(key: str) -> tuple[int, int]:
    if key in NUMBER_RANGES:
        return NUMBER_RANGES[key]
    if "rate" in key:
        return RATE_RANGE
    return MONEY_RANGE if _is_money(key) else DEFAULT_RANGE


@dataclass(frozen=True)
class Vocabulary:
    """Words and numbers per field name, on top of the built-in ones."""

    texts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    numbers: Mapping[str, tuple[Decimal, ...]] = field(default_factory=dict)

    @classmethod
    def from_pack(cls, pack: Pack) -> Vocabulary:  # noqa: C901
        """Every string and number the pack's examples and reference tables use, by field name."""
        texts: dict[str, set[str]] = {}
        numbers: dict[str, set[Decimal]] = {}

        def keep(key: str, num: Num) -> None:
            # Only what the generator itself could produce: at most two decimal places.
            if num.state is ValueState.VALUE and num.value is not None and num.value == round(num.value, 2):
                numbers.setdefault(key, set()).add(num.value)

        def walk(value: Any, key: str | None) -> None:
            if isinstance(value, Mapping):
                for k, v in value.items():
                    walk(v, str(k))
            elif isinstance(value, list):
                for v in value:
                    walk(v, key)
            elif key is not None and isinstance(value, str) and value.strip():
                texts.setdefault(key, set()).add(value.strip())
                keep(key, parse_num(value))
            elif key is not None and isinstance(value, int | Decimal) and not isinstance(value, bool):
                keep(key, parse_num(value))

        for loaded in pack.rules:
            for example in loaded.rule.examples:
                walk(example.submission, None)
        for table in pack.references.values():
            for row in table.rows:
                for column, cell in zip(table.columns, row, strict=False):
                    if cell:
                        texts.setdefault(column, set()).add(cell)
        return cls(
            texts={k: tuple(sorted(v)) for k, v in texts.items()},
            numbers={k: tuple(sorted(v)) for k, v in numbers.items()},
        )


def _decimals(lo: int, hi: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=lo, max_value=hi, places=2, allow_nan=False, allow_infinity=False)


def partial_dates() -> st.SearchStrategy[str]:
    """ "2021", "2021-06" or "2021-06-28": as precise as forms state them; days ≤ 28 exist in every month."""
    year = st.integers(*YEARS)
    month = st.integers(1, 12)
    day = st.integers(1, 28)
    return st.one_of(
        year.map(str),
        st.builds(lambda y, m: f"{y}-{m:02d}", year, month),
        st.builds(lambda y, m, d: date(y, m, d).isoformat(), year, month, day),
    )


class _Builder:
    """Turns model fields into strategies; one instance per vocabulary."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def texts(self, key: str, min_size: int = 0) -> st.SearchStrategy[str]:
        pool = sorted({*TEXTS.get(key, ()), *self.vocabulary.texts.get(key, ())})
        fallback = st.text(alphabet=FALLBACK_ALPHABET, min_size=max(1, min_size), max_size=8)
        pool = [p for p in pool if len(p) >= min_size]
        return st.one_of(st.sampled_from(pool), st.sampled_from(pool), fallback) if pool else fallback

    def numbers(self, key: str) -> st.SearchStrategy[Any]:
        lo, hi = _number_range(key)
        seen = self.vocabulary.numbers.get(key, ())
        branches: list[st.SearchStrategy[Any]] = [st.integers(lo, hi), _decimals(lo, hi), _decimals(lo, hi)]
        if seen:
            branches += [st.sampled_from(seen)] * 2
        branches += [_decimals(-100, 0), st.sampled_from(NON_NUMBERS)]
        return st.one_of(branches)

    def model(self, cls: type[BaseModel]) -> st.SearchStrategy[Document]:
        required: dict[str, st.SearchStrategy[Any]] = {}
        optional: dict[str, st.SearchStrategy[Any]] = {}
        for name, info in cls.model_fields.items():
            key = info.alias or name
            if key in READER_FIELDS:
                continue
            strategy = self.annotation(key, info.annotation, info.metadata)
            if strategy is None:
                if info.is_required():
                    raise TypeError(f"no strategy for required field {cls.__name__}.{key}: {info.annotation!r}")
                continue  # an optional field of a type we cannot generate is simply left out
            (required if info.is_required() else optional)[key] = strategy
        order = [info.alias or name for name, info in cls.model_fields.items()]
        # Keys in the model's order, so a printed counterexample reads like a form.
        return st.fixed_dictionaries(required, optional=optional).map(lambda d: {k: d[k] for k in order if k in d})

    def annotation(self, key: str, ann: Any, metadata: Sequence[Any] = ()) -> st.SearchStrategy[Any] | None:  # noqa: C901
        origin = typing.get_origin(ann)
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if ann is Num or ann is Decimal:
            return self.numbers(key)
        if ann is PartialDate:
            return partial_dates()
        if origin in (typing.Union, types.UnionType):
            # Optional fields are omitted rather than null, so counterexamples stay short.
            for arg in args:
                inner = self.annotation(key, arg, metadata)
                if inner is not None:
                    return inner
            return None
        if origin is typing.Literal:
            return st.sampled_from(args)
        if origin is list and args:
            item = self.annotation(key, args[0])
            if item is None:
                return None
            unique = UNIQUE_BY.get(key)
            size = LIST_SIZES.get(key, 2)
            if unique is not None:
                return st.lists(item, max_size=size, unique_by=_field_of(unique))
            return st.lists(item, max_size=size)
        if isinstance(ann, type):
            if issubclass(ann, Enum):
                return st.sampled_from([m.value for m in ann])
            if issubclass(ann, BaseModel):
                return self.model(ann)
            if issubclass(ann, bool):
                return st.booleans()
            if issubclass(ann, int):
                lo, hi = _int_bounds(key, metadata)
                return st.integers(lo, hi)
            if issubclass(ann, str):
                return self.texts(key, _min_length(metadata))
        return None


def _field_of(key: str) -> Callable[[Any], Any]:
    def get(item: Any) -> Any:
        return item.get(key) if isinstance(item, dict) else item

    return get


def _int_bounds(key: str, metadata: Iterable[Any]) -> tuple[int, int]:
    lo, hi = INT_RANGES.get(key, (0, 100))
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            lo = max(lo, int(typing.cast(int, item.ge)))
        if isinstance(item, annotated_types.Le):
            hi = min(hi, int(typing.cast(int, item.le)))
    return lo, max(lo, hi)


def _min_length(metadata: Iterable[Any]) -> int:
    return max((int(m.min_length) for m in metadata if isinstance(m, annotated_types.MinLen)), default=0)


def _consistent(doc: Document, draw: st.DrawFn) -> Document:
    """Give the keys that point at each other one consistent scheme."""
    projects = doc.get("projects", [])
    funds = doc.get("funds", [])
    with_ids = draw(st.booleans())
    ids = [f"XM{i + 1:02d}" for i in range(len(projects))]
    for project, pid in zip(projects, ids, strict=True):
        if with_ids:
            project["id"] = pid
        else:
            project.pop("id", None)
    fund_names = [f["name"] for f in funds]
    for fi, fund in enumerate(funds):
        fund.pop("id", None)
        fund.pop("project_id", None)
        if with_ids:
            fund["id"] = f"ZJ{fi + 1:02d}"
            target = draw(st.sampled_from([None, *ids]))
            if target is not None:
                fund["project_id"] = target
        others = [n for n in fund_names if n != fund["name"]] or ["其他资金"]
        for ei, expenditure in enumerate(fund.get("expenditures", [])):
            expenditure.pop("id", None)
            if with_ids:
                expenditure["id"] = f"ZC{fi + 1:02d}{ei + 1:02d}"
            if expenditure.get("paid_with"):
                expenditure["paid_with"] = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
    return doc


def submissions(vocabulary: Vocabulary | None = None) -> st.SearchStrategy[Document]:
    """Whole, schema-valid submissions (plain dicts) with consistent keys."""
    base = _Builder(vocabulary or Vocabulary()).model(Submission)

    @st.composite
    def build(draw: st.DrawFn) -> Document:
        return _consistent(draw(base), draw)

    return build()


def is_schema_valid(doc: Mapping[str, Any]) -> bool:
    try:
        Submission.model_validate(dict(doc))
    except ValueError:
        return False
    return True
