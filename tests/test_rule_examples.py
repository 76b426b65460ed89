"""Every rule fires at the exact place on its must-fail examples and is silent on its must-pass ones."""

from __future__ import annotations

from collections import Counter

import pytest

from perfrules.model.rule import Severity
from perfrules.pack.loader import Pack, load_pack
from perfrules.read.documents import read_object
from perfrules.run import run_pack
from tests.conftest import RULES

PACK = load_pack(RULES)
CASES = [(r.rule.id, i) for r in PACK.rules for i in range(len(r.rule.examples))]


def test_every_rule_has_a_pass_and_a_fail_example() -> None:
    for loaded in PACK.rules:
        kinds = {e.expect for e in loaded.rule.examples}
        assert kinds == {"pass", "fail"}, f"{loaded.rule.id} needs must-pass and must-fail examples"


@pytest.mark.parametrize(("rule_id", "index"), CASES, ids=[f"{r}#{i}" for r, i in CASES])
def test_example(pack: Pack, rule_id: str, index: int) -> None:
    loaded = pack.rule(rule_id)
    assert loaded is not None
    example = loaded.rule.examples[index]
    read = read_object(example.submission, f"{rule_id}#{index}")
    assert not read.problems, read.problems
    report = run_pack(pack, [read], Severity.INFO)
    assert not report.problems
    got = Counter(f.location.pointer for s in report.submissions for f in s.findings if f.rule_id == rule_id)
    want = Counter({f.at: f.count for f in example.findings})
    assert got == want, f"{example.name}: expected {dict(want)}, got {dict(got)}"
    if example.expect == "pass":
        assert not got
