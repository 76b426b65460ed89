"""Text report wording a reader notices (issue 14 §3): singular counts, 出错 for an errored submission."""

from __future__ import annotations

import perfrules
from perfrules.report.text import render_text
from tests.conftest import SEED


def test_one_submission_is_not_called_submissions() -> None:
    report = perfrules.validate([SEED])
    assert report.summary["submissions"] == 1
    english = render_text(report, lang="en")
    assert "1 submission," in english
    assert "1 submissions" not in english


def test_an_errored_submission_reads_chuxu_not_cuowu() -> None:
    report = perfrules.validate([SEED])
    (result,) = report.submissions
    errored = report.model_copy(update={"submissions": [result.model_copy(update={"verdict": "error"})]})
    lines = render_text(errored).splitlines()
    (at,) = [i for i, ln in enumerate(lines) if ln.startswith("== ")]
    line = lines[at + 1]  # "   <department> · <year> · <kind> · <verdict> (<counts>)"
    verdict = line.split(" · ")[-1].split(" (")[0]
    assert verdict == "出错", line
