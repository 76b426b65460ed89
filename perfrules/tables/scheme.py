"""The scoring scheme a self-evaluation form follows, detected from the form itself (issue 12 §5).

National profile and weight rules (预算执行 10 分, 产出 50 / 效益 30 / 满意度 10, 指标 90 分) belong to the
10号 form. A form that plainly follows another scheme is not held to them without an overlay:

- ``hubei``: 预算执行 20 分 and the indicators 80 分 (湖北 "评分说明", domain/06 §3.3);
- ``scorecard``: a 决策 / 过程 / 产出 / 效益 scorecard, as evaluation reports and some department-wide
  forms use, whose weights follow the scorecard, not the self-evaluation form;
- ``sichuan``: the 四川 form (510000_0013zp, its 财政专户管理资金 / 单位资金 lines): 10 分 and 90 分 with no
  level-1 split (domain/03 §B);
- ``mof10``: 预算执行 10 分, or the indicators 90 分 (财预〔2020〕10号 附件1).

``None`` when the form says too little to tell; the national rules then apply as written.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from perfrules.model.submission import TOTAL_LINE_ITEMS, DocumentKind, Project, Submission
from perfrules.model.values import ValueState
from perfrules.tables.template_rows import is_template_row

Scheme = Literal["mof10", "hubei", "sichuan", "scorecard"]

SCHEME_NAMES: dict[str, tuple[str, str]] = {
    "mof10": (
        "财预〔2020〕10号表式：预算执行 10 分、绩效指标 90 分",
        "the 10号 form: budget execution 10, indicators 90",
    ),
    "hubei": ("湖北表式：预算执行 20 分、绩效指标 80 分", "the Hubei form: budget execution 20, indicators 80"),
    "sichuan": (
        "四川表式（510000_0013zp）：预算执行 10 分、绩效指标 90 分，不分一级指标分值",
        "the Sichuan form (510000_0013zp): budget execution 10, indicators 90, no level-1 split",
    ),
    "scorecard": ("决策—过程—产出—效益评分表", "a decision–process–output–benefit scorecard"),
}
"""How the report names each scheme (计分方案), in zh and en."""

_SCORECARD_LEVEL1 = re.compile(r"决策|过程")
_SICHUAN_LINES = re.compile(r"财政专户管理资金|^单位资金$")
"""The Sichuan form's own budget sub-lines (domain/03 §B): 其中:财政资金 | 财政专户管理资金 | 单位资金 | 其他资金."""


def scoring_scheme(project: Project) -> Scheme | None:
    """The scheme of one project's form, judged on its filled rows (template leftovers and unnamed rows aside)."""
    live = [ind for ind in project.indicators if (ind.name or "").strip() and not is_template_row(ind)]
    if any(_SCORECARD_LEVEL1.search(ind.level1 or "") for ind in live):
        return "scorecard"
    if any(_SICHUAN_LINES.search(b.item.strip()) for b in project.budget_lines):
        return "sichuan"
    total = next((b for b in project.budget_lines if b.item.strip().rstrip(":： ") in TOTAL_LINE_ITEMS), None)
    execution = total.weight.value if total is not None and total.weight.state is ValueState.VALUE else None
    weights = [ind.weight.value for ind in live if ind.weight.value is not None]
    indicators = sum(weights, Decimal(0)) if live and len(weights) == len(live) else None
    if execution == 20 or (execution is None and indicators == 80):
        return "hubei"
    if execution == 10 or indicators == 90:
        return "mof10"
    return None


def describe_schemes(submission: Submission, lang: str = "zh") -> str | None:
    """The report's 计分方案 line: each scheme the submission's project tables follow, once; None when none is known."""
    if submission.document_kind is DocumentKind.TARGET_DECLARATION:
        return None
    found = dict.fromkeys(s for s in (scoring_scheme(p) for p in submission.projects) if s is not None)
    if not found:
        return None
    return ("；" if lang == "zh" else "; ").join(SCHEME_NAMES[s][0 if lang == "zh" else 1] for s in found)
