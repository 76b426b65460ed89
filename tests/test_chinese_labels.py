"""No English inside the Chinese reports (issue 14 §3): evidence labels and pydantic's messages."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

from perfrules import validate
from perfrules.model.messages import chinese
from perfrules.pack.loader import Pack
from perfrules.report.evidence_labels import LABELS, evidence_items
from perfrules.report.html import render_html
from tests.conftest import FIXTURES

BROKEN = FIXTURES / "broken" / "project-table-errors.yaml"


def test_every_evidence_key_of_the_shipped_pack_has_a_chinese_label(pack: Pack) -> None:
    keys = {k for loaded in pack.rules for k in loaded.compiled.evidence}
    unlabelled = sorted(k for k in keys if k not in LABELS and not k.endswith(("_en", "_zh")))
    assert unlabelled == []


def test_a_pair_of_keys_shows_each_language_its_own_value() -> None:
    evidence = {"close": "（含）", "close_en": "inclusive", "score_state": "missing", "score_state_zh": "空白"}
    assert evidence_items(evidence, "zh") == [("端点", "（含）"), ("得分状态", "空白")]
    assert evidence_items(evidence, "en") == [("bound", "inclusive"), ("score state", "missing")]
    assert evidence_items({"own_key": "1"}, "zh") == [("own_key", "1")]  # a provincial pack's own key


def test_the_chinese_html_report_labels_evidence_in_chinese(pack: Pack) -> None:
    report = validate(BROKEN, rules=pack)
    page = render_html(report)["submissions/00001.html"]
    assert "目标值 = " in page or "执行率 = " in page
    for english in ("target = ", "comparator = ", "expected = ", "rate = "):
        assert english not in page, english
    assert "rate = " in render_html(report, "en")["submissions/00001.html"]


def test_pydantic_messages_lead_in_chinese() -> None:
    class Model(BaseModel):
        year: int
        name: str

    try:
        Model.model_validate({"year": "二〇二二"})
    except ValidationError as exc:
        messages = [chinese(e) for e in exc.errors()]
    assert messages == [
        "应为整数，无法识别 / Input should be a valid integer, unable to parse string as an integer",
        "缺少必填字段 / Field required",
    ]


def test_a_submission_with_a_wrong_type_is_explained_in_chinese(pack: Pack, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN.read_text(encoding="utf-8").replace("fiscal_year: 2022", "fiscal_year: [2022]"), "utf-8")
    [problem] = validate(bad, rules=pack).problems
    assert problem.location == "/header/fiscal_year (line 5)"
    assert problem.message.startswith("应为整数"), problem.message
