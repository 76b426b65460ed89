"""The generated submissions: schema-valid, keys consistent, every cell state reachable."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import Phase, given, seed, settings
from hypothesis import strategies as st

from perfrules.model.submission import DocumentKind, Submission
from perfrules.model.values import ValueState, parse_num
from perfrules.pack.loader import load_pack
from perfrules.testing.strategies import Vocabulary, is_schema_valid, submissions
from tests.conftest import RULES

VOCABULARY = Vocabulary.from_pack(load_pack(RULES))
SUBMISSIONS = submissions(VOCABULARY)


def _decimals(value: Any) -> list[Decimal]:
    if isinstance(value, Decimal):
        return [value]
    if isinstance(value, dict):
        return [d for v in value.values() for d in _decimals(v)]
    if isinstance(value, list):
        return [d for v in value for d in _decimals(v)]
    return []


@given(SUBMISSIONS)
def test_generated_submissions_are_schema_valid_with_consistent_keys(doc: dict[str, Any]) -> None:
    submission = Submission.model_validate(doc)
    names = [p.name for p in submission.projects]
    assert len(set(names)) == len(names)
    ids = {p.id for p in submission.projects if p.id}
    assert len(ids) in (0, len(submission.projects))
    fund_names = [f.name for f in submission.funds]
    assert len(set(fund_names)) == len(fund_names)
    for fund in submission.funds:
        assert fund.project_id is None or fund.project_id in ids
        for expenditure in fund.expenditures:
            assert all(n != fund.name and (n in fund_names or n == "其他资金") for n in expenditure.paid_with)
    for project in submission.projects:
        indicators = [i.name for i in project.indicators]
        assert len(set(indicators)) == len(indicators)
    assert all(d.as_tuple().exponent >= -2 for d in _decimals(doc)), "at most two decimal places"


@given(st.lists(SUBMISSIONS, min_size=2, max_size=2))
def test_project_ids_follow_one_scheme_and_collide_across_submissions(docs: list[dict[str, Any]]) -> None:
    ids = [{p.get("id") for p in d.get("projects", []) if p.get("id")} for d in docs]
    assert all(i <= {"XM01", "XM02", "XM03"} for i in ids)


def _states(doc: dict[str, Any]) -> set[ValueState]:
    cells = [doc.get("header", {}).get("self_score")]
    cells += [p.get("self_score") for p in doc.get("projects", [])]
    cells += [i.get("score") for p in doc.get("projects", []) for i in p.get("indicators", [])]
    return {parse_num(c).state for c in cells if c is not None}


def _sample(count: int, round_seed: int = 0) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []

    # A fixed seed: what a test asks of these draws must not depend on luck.
    @seed(round_seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate])
    @given(SUBMISSIONS)
    def collect(doc: dict[str, Any]) -> None:
        docs.append(doc)

    collect()
    return docs


def test_every_cell_state_and_document_kind_is_reachable() -> None:
    # Reachable, not likely in a given 300: up to six fixed seeds of 300 draws each, so that
    # neither a lucky draw nor the order of earlier tests decides CI.
    wanted = set(ValueState)
    kinds = {k.value for k in DocumentKind}
    docs: list[dict[str, Any]] = []
    for round_seed in range(6):
        docs += _sample(300, round_seed)
        states = set().union(*(_states(d) for d in docs))
        if wanted <= states and {d["document_kind"] for d in docs} == kinds:
            break
    assert wanted <= set().union(*(_states(d) for d in docs))
    assert {d["document_kind"] for d in docs} == kinds
    assert all(is_schema_valid(d) for d in docs)


def test_the_pack_vocabulary_reaches_reference_values_and_example_words() -> None:
    assert "精神障碍管理治疗" in VOCABULARY.texts["purpose_category"]
    # Reachable, not likely in a given 300: up to ten fixed seeds of 300 draws each. One seed
    # alone drew the word locally yet not in a full CI run (the draws there differ with what ran
    # before), and a test must not hang on which draw it gets.
    purposes: set[str | None] = set()
    docs: list[dict[str, Any]] = []
    for round_seed in range(10):
        docs += _sample(300, round_seed)
        purposes = {f.get("purpose_category") for d in docs for f in d.get("funds", [])}
        if "精神障碍管理治疗" in purposes:
            break
    funds = sum(len(d.get("funds", [])) for d in docs)
    assert "精神障碍管理治疗" in purposes, f"{len(docs)} draws, {funds} funds"
    assert all(v == round(v, 2) for values in VOCABULARY.numbers.values() for v in values)
