"""Reports stay byte for byte what the goldens say, on every fixture, in every format, on both engines.

A change that alters a report regenerates them (``python tests/report_goldens.py --write``) in
the same commit, and its message says why.
"""

from __future__ import annotations

import pytest

from tests.report_goldens import CASES, Case, differences, render_format, rendered_corpus, stored_corpus


def test_the_golden_corpus_covers_every_format_and_case() -> None:
    stored = stored_corpus()
    for case in CASES:
        for fmt in ("text-zh", "text-en", "json", "junit"):
            assert f"{case.name}.{fmt}" in stored
        assert any(name.startswith(f"{case.name}.html/") for name in stored)
    assert b'"verdict": "blocked"' in stored["seed-json.json"]  # the corpus holds real findings


def test_duckdb_reports_are_byte_identical_to_the_goldens() -> None:
    diff = differences(rendered_corpus(), stored_corpus())
    assert not diff, "reports changed; run `python tests/report_goldens.py --write` and say why:\n" + "\n".join(diff)


def test_the_comparison_names_what_changed() -> None:
    stored = stored_corpus()
    name = "seed-json.json"
    assert differences({**stored, name: stored[name] + b" "}, stored) == [f"changed: {name}"]
    assert differences({}, {name: b""}) == [f"gone: {name}"]
    assert differences({name: b""}, {}) == [f"new: {name}"]


@pytest.mark.slow
@pytest.mark.usefixtures("spark_session")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_spark_reports_are_byte_identical_to_the_goldens(case: Case) -> None:
    # The JSON report is the whole report and every other format is a pure rendering of it, so
    # the JSON is what must not differ between engines. The CLI reuses the running SparkSession.
    assert render_format(case, "json", ("--engine", "spark")) == stored_corpus()[f"{case.name}.json"]
