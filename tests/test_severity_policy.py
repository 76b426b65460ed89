"""Issue 12 §8: what blocks rests on a verified, binding basis, and the submitter sees only the document and clause.

- An `error` rule of the national or declaration pack has a basis tagged [V] in a document that binds the filer.
  Rules resting only on [C] or [R] are at most warnings; a regional overlay may raise them.
- Public source code, document-sharing sites and other regions' guidance are `provenance`, never `basis`.
- `provenance` is in the JSON and nowhere else; the "未经核实" markers never reach a printed report.
"""

from __future__ import annotations

import json
import re

import pytest

from perfrules.findings.build import strip_unverified_marker
from perfrules.model.report import Report
from perfrules.model.rule import Severity
from perfrules.pack.loader import Pack, load_pack
from perfrules.read.documents import read_object
from perfrules.report.html import render_html
from perfrules.report.text import render_text
from perfrules.run import run_pack
from tests.conftest import RULES

# What does not bind a filer under the national pack: code, sharing sites, and any one region's own papers.
NON_BINDING = re.compile(
    r"源代码|source code|doczj|文档）|四川|巴彦淖尔|临河|岳阳|重庆|广西|池州|宣城|湖北|地方|省级|真实项目支出"
)


def _rules() -> list[tuple[str, object]]:
    pack = load_pack(RULES)
    return [(loaded.rule.id, loaded) for loaded in pack.rules]


@pytest.mark.parametrize(("rule_id", "loaded"), _rules(), ids=[r for r, _ in _rules()])
def test_a_blocking_rule_rests_on_a_verified_binding_basis(rule_id: str, loaded: object) -> None:
    rule = loaded.rule  # type: ignore[attr-defined]
    if rule.severity is not Severity.ERROR:
        return
    binding_verified = [b for b in rule.basis if b.verification == "V" and not NON_BINDING.search(b.document)]
    assert binding_verified, f"{rule_id} is an error but has no [V] basis in a binding document; make it a warning"


@pytest.mark.parametrize(("rule_id", "loaded"), _rules(), ids=[r for r, _ in _rules()])
def test_non_binding_sources_are_provenance(rule_id: str, loaded: object) -> None:
    rule = loaded.rule  # type: ignore[attr-defined]
    if "松岗" in " ".join(b.document for b in rule.basis):
        # The declaration pack checks 松岗街道's own declarations: the district's published criteria bind it.
        return
    offenders = [b.document for b in rule.basis if NON_BINDING.search(b.document)]
    assert offenders == [], f"{rule_id}: move {offenders} from basis: to provenance:"


def test_markers_are_stripped_from_the_clause_as_shown() -> None:
    assert strip_unverified_marker("总分一般设置为100分（措辞与条文编号未经核实）") == "总分一般设置为100分"
    assert (
        strip_unverified_marker("预算完成率 = 预算完成数 / 预算数 × 100%（凭记忆，未经核实）")
        == "预算完成率 = 预算完成数 / 预算数 × 100%"
    )
    assert strip_unverified_marker("第五条（一）科学公正。") == "第五条（一）科学公正。"  # other parentheses stay
    assert strip_unverified_marker("（未经核实）") is None
    assert strip_unverified_marker(None) is None


@pytest.fixture(scope="module")
def fired() -> Report:
    """Every must-fail example of the pack, run as one report: each rule's basis and provenance are in it."""
    pack: Pack = load_pack(RULES)
    submissions = [
        read_object(example.submission, f"{loaded.rule.id}#{i}")
        for loaded in pack.rules
        for i, example in enumerate(loaded.rule.examples)
        if example.expect == "fail" and loaded.rule.applies_to and loaded.rule.scope == "submission"
    ]
    return run_pack(pack, submissions, Severity.INFO)


def test_provenance_is_in_the_json_and_never_printed(fired: Report) -> None:
    findings = [f for s in fired.submissions for f in s.findings]
    with_provenance = [f for f in findings if f.provenance]
    assert with_provenance, "some fired rule should carry provenance"
    as_json = json.loads(fired.model_dump_json())
    assert any(f["provenance"] for s in as_json["submissions"] for f in s["findings"])
    text, html = render_text(fired), "\n".join(render_html(fired).values())
    for finding in with_provenance:
        for ref in finding.provenance:
            shown_in_basis = any(b.document == ref.document for b in finding.basis)
            if not shown_in_basis:
                assert ref.document not in text, f"{finding.rule_id}: provenance {ref.document} printed in text"
                assert ref.document not in html, f"{finding.rule_id}: provenance {ref.document} printed in HTML"
    for output in (text, html):
        assert "未经核实" not in output


def test_the_annotated_workbook_shows_no_provenance(fired: Report) -> None:
    from perfrules.report.annotate_xlsx import _basis  # the text of the workbook's 依据 column

    for finding in (f for s in fired.submissions for f in s.findings if f.provenance):
        cell = _basis(finding)
        assert "未经核实" not in cell
        basis_documents = {b.document for b in finding.basis}
        for ref in finding.provenance:
            if ref.document not in basis_documents and not any(ref.document in d for d in basis_documents):
                assert ref.document not in cell, f"{finding.rule_id}: provenance {ref.document} in the workbook"
