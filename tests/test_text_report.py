"""The text report a unit can act on (issue 14 §3): severity order, (阻断), fingerprints, grouped cells, one legend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from perfrules import validate
from perfrules.findings.fingerprints import short
from perfrules.model.report import Report
from perfrules.pack.loader import Pack
from perfrules.report.text import render_text
from tests.conftest import FIXTURES, SEED

BROKEN = FIXTURES / "broken" / "project-table-errors.yaml"
FINDING_LINE = re.compile(r"^  ([✗!·]) (错误|警告|提示|error|warning|info) (\S+) @ (.+)$")


def _finding_lines(text: str) -> list[re.Match[str]]:
    return [m for line in text.splitlines() if (m := FINDING_LINE.match(line))]


@pytest.fixture(scope="module")
def batch(pack: Pack) -> Report:
    return validate([BROKEN, SEED], rules=pack)


@pytest.fixture(scope="module")
def grouped(pack: Pack, tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The broken project with three indicators scored above their weight: one rule on three rows."""
    text = BROKEN.read_text(encoding="utf-8")
    text = text.replace("actual: 达成年度指标, weight: 20, score: 20", "actual: 达成年度指标, weight: 20, score: 25")
    text = text.replace("actual: 达成年度指标, weight: 30, score: 30", "actual: 达成年度指标, weight: 30, score: 35")
    path = tmp_path_factory.mktemp("grouped") / "three.yaml"
    path.write_text(text, encoding="utf-8")
    return validate(path, rules=pack)


def test_errors_come_before_warnings_before_info_in_each_submission(batch: Report) -> None:
    text = render_text(batch)
    for chunk in text.split("\n== ")[1:]:
        ranks = [["✗", "!", "·"].index(m.group(1)) for m in _finding_lines(chunk)]
        assert ranks == sorted(ranks) and ranks
    assert len(_finding_lines(text)) == batch.summary["findings"]  # one line per finding or block; none here


def test_blocking_findings_are_marked_and_others_are_not(batch: Report) -> None:
    lines = _finding_lines(render_text(batch))
    for m in lines:
        assert m.group(4).endswith("（阻断）") == (m.group(1) == "✗"), m.group(0)
    english = _finding_lines(render_text(batch, "en"))
    assert all(m.group(4).endswith(" (blocking)") == (m.group(1) == "✗") for m in english)


def test_each_finding_prints_its_short_fingerprint(batch: Report) -> None:
    text = render_text(batch)
    for result in batch.submissions:
        for f in result.findings:
            assert f"[{short(f.fingerprint)}]" in text
            assert f.fingerprint not in text  # the short form only; the JSON report has the full one


def test_a_rule_on_many_rows_is_one_block_listing_its_cells(grouped: Report) -> None:
    bounds = [f for f in grouped.submissions[0].findings if f.rule_id == "SCORE-IND-BOUNDS"]
    assert len(bounds) == 3
    text = render_text(grouped)
    [head] = [m for m in _finding_lines(text) if m.group(3) == "SCORE-IND-BOUNDS"]
    assert head.group(4) == "、".join(f.location.pointer for f in bounds) + "（阻断）"
    lines = text.splitlines()
    at = lines.index(head.group(0))
    for offset, f in enumerate(bounds, 1):
        expected = f"      {f.location.pointer} [{short(f.fingerprint)}] [项目: 高标准农田建设] {f.message.zh}"
        assert lines[at + offset] == expected


def test_a_block_of_many_cells_names_the_first_six_and_the_count(grouped: Report) -> None:
    result = grouped.submissions[0]
    one = next(f for f in result.findings if f.rule_id == "SCORE-IND-BOUNDS")
    many = [
        one.model_copy(update={"location": one.location.model_copy(update={"cell": f"项目1!H{row}"})})
        for row in range(10, 19)
    ]
    report = grouped.model_copy(update={"submissions": [result.model_copy(update={"findings": many})]})
    [head] = _finding_lines(render_text(report))
    assert head.group(4) == "项目1!H10、项目1!H11、项目1!H12、项目1!H13、项目1!H14、项目1!H15 等 9 处（阻断）"
    [english] = _finding_lines(render_text(report, "en"))
    assert english.group(4).endswith("项目1!H15 and 3 more (blocking)")


def test_each_rule_basis_is_printed_once_in_the_legend(batch: Report) -> None:
    text = render_text(batch)
    lines = text.splitlines()
    assert lines.count("依据") == 1
    assert not any(line.strip().startswith("依据:") for line in lines)  # never under a finding
    legend = lines[lines.index("依据") + 1 :]
    legend = legend[: legend.index("")]
    fired = sorted({f.rule_id for r in batch.submissions for f in r.findings})
    assert [line.split(":", 1)[0].strip() for line in legend] == fired
    exec_score = next(line for line in legend if line.startswith("  BUDGET-EXEC-SCORE: "))
    assert "未经核实" not in exec_score and "依据" not in exec_score  # the JSON keeps `verification`
    assert "basis" in render_text(batch, "en").splitlines()
    assert max(len(line) for line in lines if FINDING_LINE.match(line)) < 120


def test_a_quoted_passage_with_line_breaks_stays_on_one_line(batch: Report) -> None:
    seed = next(r for r in batch.submissions if r.source == str(SEED))
    narrative = next(f for f in seed.findings if f.rule_id == "TIME-NARRATIVE-AFTER-FY")
    assert "\n" in narrative.message.zh
    assert " ".join(narrative.message.zh.split()) in " ".join(render_text(batch).split())
    assert not any(line.startswith("年初") for line in render_text(batch).splitlines())


def test_the_english_report_has_no_chinese_markers(batch: Report, tmp_path: Path) -> None:
    english = render_text(batch, "en")
    for word in ("阻断", "依据", "错误", "警告", "等 ", " 处"):
        assert word not in "\n".join(m.group(0) for m in _finding_lines(english)), word
    assert "\n依据\n" not in english
