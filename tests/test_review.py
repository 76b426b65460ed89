"""A bureau's review loop: justifications, waivers, resubmission diffs and replay."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from perfrules import RunSettings, validate
from perfrules.cli import app
from perfrules.pack.loader import Pack
from tests.conftest import FIXTURES, SEED

BROKEN = FIXTURES / "broken" / "project-table-errors.yaml"
runner = CliRunner()


def _by_rule(report_findings: list) -> dict:  # type: ignore[type-arg]
    return {f.rule_id: f for f in report_findings}


def test_a_justified_warning_stops_blocking_but_an_error_cannot_be_justified(pack: Pack, tmp_path: Path) -> None:
    first = _by_rule(validate(SEED, rules=pack).submissions[0].findings)
    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["justifications"] = [
        {"fingerprint": first["PLAUS-SCORE-CLUSTER"].fingerprint, "text": "各项目均经第三方复核。"},
        {"fingerprint": first["FUND-COMMINGLED"].fingerprint, "text": "已补记台账。"},
    ]
    answered = tmp_path / "answered.json"
    answered.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = validate(answered, rules=pack, fail_on="warning").submissions[0]
    after = _by_rule(result.findings)
    assert after["PLAUS-SCORE-CLUSTER"].disposition == "justified"
    assert not after["PLAUS-SCORE-CLUSTER"].blocking
    assert after["FUND-COMMINGLED"].disposition == "open"  # errors need a bureau's waiver
    assert after["FUND-COMMINGLED"].blocking
    assert result.counts["justified"] == 1


def test_waivers_accept_findings_until_they_expire(pack: Pack, tmp_path: Path) -> None:
    findings = validate(SEED, rules=pack).submissions[0].findings
    errors = [f for f in findings if f.severity.value == "error"]
    waivers = tmp_path / "waivers.yaml"
    entries = "".join(
        f"  - fingerprint: {f.fingerprint}\n    rule_id: {f.rule_id}\n    approver: 市财政局绩效科\n"
        f"    reason: 已现场核查\n    expires: 2022-06-30\n"
        for f in errors
    )
    waivers.write_text("waivers:\n" + entries, encoding="utf-8")
    in_time = validate(SEED, rules=pack, settings=RunSettings(waivers=waivers, as_of=dt.date(2022, 1, 1)))
    assert in_time.exit_code == 0
    assert in_time.summary["waived"] == len(errors)
    assert in_time.waivers is not None
    late = validate(SEED, rules=pack, settings=RunSettings(waivers=waivers, as_of=dt.date(2022, 7, 1)))
    assert late.exit_code == 1
    assert {w.fingerprint for w in late.expired_waivers} == {f.fingerprint for f in errors}
    text = runner.invoke(app, ["check", str(SEED), "--waivers", str(waivers), "--as-of", "2022-07-01"]).output
    assert "豁免已过期" in text


def test_a_broken_waivers_file_is_an_input_error_with_its_location(pack: Pack, tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - fingerprint: abc\n    approver: 张三\n", encoding="utf-8")
    report = validate(SEED, rules=pack, settings=RunSettings(waivers=waivers))
    assert report.exit_code == 2
    assert any(p.source == str(waivers) and "/waivers/0" in (p.location or "") for p in report.problems)


def test_resubmission_marks_new_still_open_and_fixed(pack: Pack, tmp_path: Path) -> None:
    before = tmp_path / "before.json"
    before.write_text(validate(BROKEN, rules=pack).model_dump_json(), encoding="utf-8")
    fixed = tmp_path / "resubmitted.yaml"
    text = BROKEN.read_text(encoding="utf-8").replace("weight: 30, score: 32", "weight: 30, score: 30")
    text = text.replace("self_score: 101", "self_score: 99")
    fixed.write_text(text, encoding="utf-8")
    report = validate(fixed, rules=pack, settings=RunSettings(previous=before))
    (result,) = report.submissions
    assert {f.rule_id for f in result.fixed} == {"SCORE-IND-BOUNDS", "SCORE-TOTAL-RANGE"}
    assert all(f.change == "still_open" for f in result.findings if f.rule_id != "GRADE-TOTAL-BAND")
    assert report.summary["fixed"] == 2


def test_replay_reproduces_the_verdict_and_notices_changed_inputs(pack: Pack, tmp_path: Path) -> None:
    source = tmp_path / "seed.json"
    shutil.copy(SEED, source)
    report_path = tmp_path / "report.json"
    assert runner.invoke(app, ["check", str(source), "--format", "json", "-o", str(report_path)]).exit_code == 1
    same = runner.invoke(app, ["replay", str(report_path)])
    assert same.exit_code == 0, same.output
    assert "same verdict" in same.output
    source.write_text(source.read_text(encoding="utf-8").replace('"99.85"', '"80"'), encoding="utf-8")
    changed = runner.invoke(app, ["replay", str(report_path)])
    assert changed.exit_code == 2
    assert "input changed" in changed.output
    assert runner.invoke(app, ["replay", str(tmp_path / "missing.json")]).exit_code == 2


def test_bad_as_of_is_a_usage_error() -> None:
    assert runner.invoke(app, ["check", str(SEED), "--as-of", "yesterday"]).exit_code == 2


def test_replay_works_for_a_report_whose_inputs_are_workbook_sheets(pack: Pack, tmp_path: Path) -> None:
    """A workbook with several projects is stamped as ``book.xlsx#项目1``, ``book.xlsx#项目2``, ... (issue 14 §2)."""
    source = tmp_path / "seed.json"
    shutil.copy(SEED, source)
    report_path = tmp_path / "report.json"
    assert runner.invoke(app, ["check", str(source), "--format", "json", "-o", str(report_path)]).exit_code == 1
    data = json.loads(report_path.read_text(encoding="utf-8"))
    (item,) = data["inputs"]
    data["inputs"] = [dict(item, source=f"{item['source']}#项目1"), dict(item, source=f"{item['source']}#项目2")]
    report_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    again = runner.invoke(app, ["replay", str(report_path)])
    assert again.exit_code == 0, again.output
    assert "same verdict" in again.output


def test_a_fixed_workbook_finding_points_at_its_cell_in_the_earlier_file(pack: Pack, tmp_path: Path) -> None:
    openpyxl = __import__("pytest").importorskip("openpyxl")
    sample = FIXTURES.parent / "workbooks" / "layout-a-training.xlsx"
    book = tmp_path / "book.xlsx"
    shutil.copy(sample, book)
    wb = openpyxl.load_workbook(book)
    wb["项目1"]["H13"] = 999  # an indicator scored far above its weight
    wb.save(book)
    before = validate(book, rules=pack)
    [broken] = [f for f in before.submissions[0].findings if f.rule_id == "SCORE-IND-BOUNDS"]
    assert broken.location.cell == "项目1!H13"
    earlier = tmp_path / "r1.json"
    earlier.write_text(before.model_dump_json(), encoding="utf-8")
    shutil.copy(sample, book)  # resubmitted, corrected
    after = validate(book, rules=pack, settings=RunSettings(previous=earlier))
    [fixed] = [x for x in after.submissions[0].fixed if x.rule_id == "SCORE-IND-BOUNDS"]
    assert (fixed.cell, fixed.pointer) == ("项目1!H13", broken.location.pointer)
    text = runner.invoke(app, ["check", str(book), "--previous", str(earlier)]).output
    assert f"  ✓ 已改正 SCORE-IND-BOUNDS @ 项目1!H13 [{broken.fingerprint[:12]}]" in text
