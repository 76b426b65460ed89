"""Issue 12 §5: the scoring scheme is detected from the form, named in the report, and the profile and weight
rules apply only under the scheme they belong to."""

from __future__ import annotations

from typing import Any

import pytest

from perfrules.model.rule import Severity
from perfrules.pack.loader import load_pack
from perfrules.read.documents import read_object
from perfrules.report.text import render_text
from perfrules.run import run_pack
from perfrules.tables.scheme import scoring_scheme
from tests.conftest import RULES


def _ind(level1: str, name: str, weight: Any, grade: str = "达成年度指标", score: Any = None) -> dict[str, Any]:
    return {"level1": level1, "name": name, "kind": "qualitative", "actual": grade, "weight": weight,
            "score": weight if score is None else score}  # fmt: skip


def _project(execution: Any, indicators: list[dict[str, Any]], item: str = "年度资金总额") -> dict[str, Any]:
    line = {"item": item, "annual_budget": 100000, "executed": 100000, "rate": 1, "weight": execution,
            "score": execution}  # fmt: skip
    return {
        "document_kind": "project_table",
        "header": {"department": "示例局", "fiscal_year": 2022},
        "projects": [{"name": "示例项目", "budget_lines": [line], "indicators": indicators}],
    }


HUBEI = _project(20, [_ind("产出指标", "培训人次", 40), _ind("效益指标", "就业", 30), _ind("满意度指标", "满意度", 10)],
                 "年度财政资金总额")  # fmt: skip
MOF10 = _project(10, [_ind("产出指标", "培训人次", 50), _ind("效益指标", "就业", 30), _ind("满意度指标", "满意度", 10)])
SCORECARD = _project(None, [_ind("决策", "立项依据", 20), _ind("过程", "资金管理", 20), _ind("产出", "培训", 40),
                            _ind("效益", "就业", 20)])  # fmt: skip
UNKNOWN = _project(None, [_ind("产出指标", "培训人次", 60), _ind("效益指标", "就业", 25)])


@pytest.mark.parametrize(
    ("doc", "scheme"), [(HUBEI, "hubei"), (MOF10, "mof10"), (SCORECARD, "scorecard"), (UNKNOWN, None)]
)
def test_the_scheme_is_read_off_the_form(doc: dict[str, Any], scheme: str | None) -> None:
    (project,) = read_object(doc, "x").submission.submission.projects  # type: ignore[union-attr]
    assert scoring_scheme(project) == scheme


def _findings(doc: dict[str, Any], overlays: tuple[str, ...] = ()) -> set[str]:
    report = run_pack(load_pack(RULES, overlays), [read_object(doc, "x")], Severity.INFO)
    return {f.rule_id for s in report.submissions for f in s.findings}


PROFILE_RULES = {"WEIGHT-EXEC-PROFILE", "WEIGHT-L1-PROFILE", "WEIGHT-IND-TOTAL"}


def test_a_plainly_hubei_form_needs_no_overlay() -> None:
    assert _findings(HUBEI) & PROFILE_RULES == set()
    assert _findings(HUBEI, ("hubei",)) & PROFILE_RULES == set()


def test_a_scorecard_is_not_held_to_the_self_evaluation_profile() -> None:
    assert _findings(SCORECARD) & PROFILE_RULES == set()


def test_the_hubei_overlay_still_holds_a_10_point_form_to_hubei_policy() -> None:
    assert "WEIGHT-EXEC-PROFILE" in _findings(MOF10, ("hubei",))
    assert _findings(MOF10) & PROFILE_RULES == set()


def test_hubei_bands_apply_to_a_hubei_form_without_the_overlay() -> None:
    partial = "部分达成预期指标并具有一定效果"
    hubei = _project(20, [_ind("产出指标", "培训", 40), _ind("效益指标", "就业", 30, partial, "16.5"),
                          _ind("满意度指标", "满意度", 10)], "年度财政资金总额")  # fmt: skip
    mof = _project(10, [_ind("产出指标", "培训", 50), _ind("效益指标", "就业", 30, partial, "16.5"),
                        _ind("满意度指标", "满意度", 10)])  # fmt: skip
    assert "SCORE-QUAL-BAND" not in _findings(hubei)  # 16.5 / 30 = 55%: Hubei's middle band is 50–80%
    assert "SCORE-QUAL-BAND" in _findings(mof)  # the 10号 middle band is 60–80%


def test_the_report_names_the_scheme() -> None:
    report = run_pack(load_pack(RULES), [read_object(HUBEI, "hubei.yaml")], Severity.ERROR)
    (result,) = report.submissions
    assert result.scoring_scheme is not None and "湖北" in result.scoring_scheme.zh
    assert "计分方案：湖北表式：预算执行 20 分、绩效指标 80 分" in render_text(report)
    assert "scoring scheme: the Hubei form" in render_text(report, "en")
    unknown = run_pack(load_pack(RULES), [read_object(UNKNOWN, "u.yaml")], Severity.ERROR)
    assert unknown.submissions[0].scoring_scheme is None and "计分方案" not in render_text(unknown)


def test_the_sichuan_form_is_not_held_to_a_level1_split() -> None:
    doc = _project(10, [_ind("产出指标", "发放覆盖率", 60), _ind("效益指标", "足额保障率", 30)], "总额")
    doc["projects"][0]["budget_lines"].append({"item": "财政专户管理资金", "annual_budget": 0, "executed": 0})
    (project,) = read_object(doc, "x").submission.submission.projects  # type: ignore[union-attr]
    assert scoring_scheme(project) == "sichuan"
    assert "WEIGHT-L1-PROFILE" not in _findings(doc)
    assert "WEIGHT-L1-PROFILE" in _findings(_project(10, [_ind("产出指标", "发放覆盖率", 60),
                                                         _ind("效益指标", "足额保障率", 30)]))  # fmt: skip
