"""A waiver or justification that matches no finding is reported, not silently ignored (issue 14 §2)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfrules import RunSettings, validate
from perfrules.cli import app
from perfrules.findings.fingerprints import lookup, nearest, short
from perfrules.model.report import Finding
from perfrules.pack.loader import Pack
from tests.conftest import FIXTURES, SEED

BROKEN = FIXTURES / "broken" / "project-table-errors.yaml"
runner = CliRunner()


def _typo(fingerprint: str) -> str:
    """The last digit mistyped."""
    return fingerprint[:-1] + ("0" if fingerprint[-1] != "0" else "1")


def _waivers(path: Path, entries: list[tuple[str, str]]) -> Path:
    body = "".join(
        f"  - fingerprint: {fp}\n    approver: 市财政局绩效科 张三\n    reason: 已现场核查\n    expires: {expires}\n"
        for fp, expires in entries
    )
    path.write_text("waivers:\n" + body, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def seed_errors(pack: Pack) -> list[Finding]:
    return [f for f in validate(SEED, rules=pack).submissions[0].findings if f.severity.value == "error"]


def test_a_mistyped_waiver_is_listed_with_its_line_and_the_finding_it_meant(
    pack: Pack, seed_errors: list[Finding], tmp_path: Path
) -> None:
    meant = seed_errors[0]
    waivers = _waivers(tmp_path / "waivers.yaml", [(_typo(meant.fingerprint), "2030-06-30")])
    report = validate(SEED, rules=pack, settings=RunSettings(waivers=waivers, as_of=dt.date(2022, 1, 1)))
    [entry] = report.unmatched
    assert (entry.kind, entry.fingerprint, entry.source, entry.line) == (
        "waiver", _typo(meant.fingerprint), str(waivers), 2,
    )  # fmt: skip
    assert (entry.nearest, entry.nearest_rule_id, entry.expired) == (meant.fingerprint, meant.rule_id, False)
    assert report.exit_code == 1  # the finding still blocks, and the report says why
    text = runner.invoke(app, ["check", str(SEED), "--waivers", str(waivers), "--as-of", "2022-01-01"]).output
    assert f'{waivers}:2 指纹 "{_typo(meant.fingerprint)}" 未匹配任何发现' in text
    assert f"最接近的发现：{meant.fingerprint}（{meant.rule_id}）" in text


def test_a_waiver_in_the_short_form_the_text_report_prints_applies(
    pack: Pack, seed_errors: list[Finding], tmp_path: Path
) -> None:
    waivers = _waivers(tmp_path / "w.yaml", [(short(f.fingerprint), "2030-06-30") for f in seed_errors])
    report = validate(SEED, rules=pack, settings=RunSettings(waivers=waivers, as_of=dt.date(2022, 1, 1)))
    assert report.exit_code == 0
    assert report.summary["waived"] == len(seed_errors)
    assert report.unmatched == []


def test_an_expired_waiver_that_matches_nothing_says_both(pack: Pack, tmp_path: Path) -> None:
    waivers = _waivers(tmp_path / "w.yaml", [("0123456789abcdef01234567", "2021-01-01")])
    report = validate(SEED, rules=pack, settings=RunSettings(waivers=waivers, as_of=dt.date(2022, 1, 1)))
    [entry] = report.unmatched
    assert entry.expired and entry.line == 2 and entry.pointer == "/waivers/0/fingerprint"
    assert entry.nearest in {f.fingerprint for f in report.submissions[0].findings}
    english = runner.invoke(
        app, ["check", str(SEED), "--waivers", str(waivers), "--as-of", "2022-01-01", "--lang", "en"]
    ).output
    assert 'fingerprint "0123456789abcdef01234567" matched no finding (and it has expired); did you mean' in english


def test_a_mistyped_justification_is_listed_with_its_line_in_the_submission(pack: Pack, tmp_path: Path) -> None:
    first = {f.rule_id: f for f in validate(BROKEN, rules=pack).submissions[0].findings}
    warning = next(f for f in first.values() if f.severity.value == "warning")
    text = BROKEN.read_text(encoding="utf-8").rstrip("\n")
    text += f'\njustifications:\n  - fingerprint: "{_typo(warning.fingerprint)}"\n    text: 已说明原因。\n'
    answered = tmp_path / "answered.yaml"
    answered.write_text(text, encoding="utf-8")
    report = validate(answered, rules=pack)
    [entry] = report.unmatched
    assert entry.kind == "justification" and entry.source == str(answered)
    assert entry.fingerprint == _typo(warning.fingerprint)
    assert entry.line == text.count("\n") - 1  # the line before the last one, "text: …"
    assert entry.pointer == "/justifications/0/fingerprint"
    assert entry.nearest == warning.fingerprint
    assert report.submissions[0].counts["justified"] == 0


def test_a_json_justification_that_matches_gets_no_entry(pack: Pack, tmp_path: Path) -> None:
    finding = next(f for f in validate(SEED, rules=pack).submissions[0].findings if f.severity.value == "warning")
    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["justifications"] = [{"fingerprint": short(finding.fingerprint), "text": "已复核。"}]
    answered = tmp_path / "answered.json"
    answered.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    report = validate(answered, rules=pack)
    assert report.unmatched == []
    assert report.submissions[0].counts["justified"] == 1


def test_nearest_finds_the_fingerprint_a_slip_of_the_hand_meant() -> None:
    pool = {"3f1c9a0e5b7d2c4e6a8b0d1f", "3f1c9a0e5b7d2c4e6a8b0d2f", "aaaaaaaaaaaaaaaaaaaaaaaa"}
    assert nearest("3F1C9A0E5B7D2C4E6A8B0D1F", pool) == "3f1c9a0e5b7d2c4e6a8b0d1f"  # case
    assert nearest("3f1c9a0e5b7d2c4e6a8b0d1", pool) == "3f1c9a0e5b7d2c4e6a8b0d1f"  # a digit dropped
    assert nearest("3f1c9a0e5b7d2c4e6a8b0d1ff", pool) == "3f1c9a0e5b7d2c4e6a8b0d1f"  # one too many
    assert nearest("3f1c9a0e5b7d2c4e6a8bd01f", pool) == "3f1c9a0e5b7d2c4e6a8b0d1f"  # two swapped
    assert nearest("aaaaaaaaaaab", pool) == "aaaaaaaaaaaaaaaaaaaaaaaa"  # the short form, mistyped
    assert nearest("anything", set()) is None
    assert lookup({"aaaaaaaaaaaa": 1}, "aaaaaaaaaaaaaaaaaaaaaaaa") == 1
    assert lookup({"aaaaaaaaaaa": 1}, "aaaaaaaaaaaaaaaaaaaaaaaa") is None  # eleven digits are not the short form


def test_the_html_index_and_the_streamed_json_carry_the_unmatched_entries(
    pack: Pack, seed_errors: list[Finding], tmp_path: Path
) -> None:
    import io

    from perfrules.report.html import render_html

    waivers = _waivers(tmp_path / "w.yaml", [(_typo(seed_errors[0].fingerprint), "2030-06-30")])
    report = validate(SEED, rules=pack, settings=RunSettings(waivers=waivers, as_of=dt.date(2022, 1, 1)))
    index = render_html(report)["index.html"]
    assert '<table id="unmatched">' in index and f'"{_typo(seed_errors[0].fingerprint)}"' in index
    sink = io.StringIO()
    validate(SEED, rules=pack, settings=RunSettings(waivers=waivers, as_of=dt.date(2022, 1, 1), stream_json=sink))
    assert sink.getvalue() == report.model_dump_json(indent=2) + "\n"
