"""Hostile inputs: whatever goes wrong inside a command, the CLI exits 2 with a message, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from perfrules import cli


def _boom(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("kaboom \x1b[2J\u202e spoof")


def test_main_turns_an_uncaught_exception_into_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "app", _boom)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "internal error" in err and "RuntimeError: kaboom" in err
    assert "Traceback" not in err
    assert "\x1b" not in err and "\u202e" not in err
    assert "\\u001b" in err and "\\u202e" in err


def test_main_keeps_the_exit_code_of_a_normal_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    def _exit_one(*_args: object, **_kwargs: object) -> None:
        raise SystemExit(1)

    monkeypatch.setattr(cli, "app", _exit_one)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1


def _spoofing_submission(tmp_path: Path) -> Path:
    seed = Path(__file__).resolve().parents[1] / "fixtures/submissions/seed/shijiazhuang-zhengfawei-2020.json"
    data = json.loads(seed.read_text(encoding="utf-8"))
    data["header"]["department"] = "\x1b[2J\x1b[H ALL CHECKS PASSED \u202eDESSAP\u202c \x9b31m"
    path = tmp_path / "spoof.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_no_submitter_string_reaches_the_terminal_or_a_page_as_a_control(tmp_path: Path) -> None:
    from perfrules import validate
    from perfrules.report.html import write_html
    from perfrules.report.junit import render_junit
    from perfrules.report.text import render_text

    report = validate([_spoofing_submission(tmp_path)])
    text = render_text(report)
    assert "ALL CHECKS PASSED" in text  # shown, so the reviewer sees the attempt
    for control in ("\x1b", "\u202e", "\u202c", "\x9b"):
        assert control not in text
    assert "\\u001b[2J" in text and "\\u202e" in text
    write_html(report, tmp_path / "html")
    for page in (tmp_path / "html").rglob("*.html"):
        body = page.read_text(encoding="utf-8")
        assert "\x1b" not in body and "\u202e" not in body
    import xml.etree.ElementTree as ET

    spoofed = report.model_copy(update={"pack": report.pack.model_copy(update={"name": "pack\x1b\x07name"})})
    ET.fromstring(render_junit(spoofed))  # valid XML


@pytest.mark.parametrize("blank", ["  ", "\u3000", "\t"])
def test_a_waiver_with_a_blank_approver_or_reason_is_refused(tmp_path: Path, blank: str) -> None:
    from perfrules.pack.waivers import load_waivers

    for field in ("approver", "reason"):
        entry = {"fingerprint": "ab" * 12, "approver": "市财政局 张三", "reason": "已核查", "expires": "2099-01-01"}
        entry[field] = blank
        path = tmp_path / f"{field}.yaml"
        path.write_text(json.dumps({"waivers": [entry]}, ensure_ascii=False), encoding="utf-8")
        waivers, _, problems = load_waivers(path)
        assert waivers == {}
        assert any(field in (p.location or "") and "空白" in p.message for p in problems), problems


def test_two_waivers_for_one_fingerprint_are_an_error(tmp_path: Path) -> None:
    from perfrules.pack.waivers import load_waivers

    entry = {"fingerprint": "ab" * 12, "approver": "张三", "reason": "已核查", "expires": "2099-01-01"}
    path = tmp_path / "w.yaml"
    path.write_text(
        json.dumps({"waivers": [entry, {**entry, "reason": "又一条"}]}, ensure_ascii=False), encoding="utf-8"
    )
    waivers, _, problems = load_waivers(path)
    assert list(waivers) == ["ab" * 12]
    assert len(problems) == 1 and "/waivers/1/fingerprint" in (problems[0].location or "")


def test_duckdb_spills_into_a_private_capped_folder_never_the_working_directory() -> None:
    from perfrules.engine.duckdb_engine import DuckDBEngine

    con = DuckDBEngine()._session(False).con
    spill = con.execute("SELECT current_setting('temp_directory')").fetchone()
    assert spill is not None and "perfrules-spill-" in str(spill[0])
    assert not str(spill[0]).startswith(os.getcwd())
    cap = con.execute("SELECT current_setting('max_temp_directory_size')").fetchone()
    assert cap is not None
    assert "GiB" in str(cap[0]) or "GB" in str(cap[0])


def test_a_report_is_whole_at_its_path_or_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from perfrules.report import atomic

    target = tmp_path / "report.txt"
    atomic.partial_path(target).write_text("stale half report", encoding="utf-8")
    atomic.write_atomic(target, "whole report\n")
    assert target.read_text(encoding="utf-8") == "whole report\n"
    assert not atomic.partial_path(target).exists()

    def crash(_fd: int) -> None:
        raise KeyboardInterrupt  # as a kill would, mid-write

    monkeypatch.setattr(atomic.os, "fsync", crash)
    other = tmp_path / "other.txt"
    with pytest.raises(KeyboardInterrupt):
        atomic.write_atomic(other, "never seen")
    assert not other.exists() and not atomic.partial_path(other).exists()


@pytest.mark.parametrize("fmt", ["text", "junit", "json"])
def test_check_writes_every_format_through_a_partial_file(tmp_path: Path, fmt: str) -> None:
    from typer.testing import CliRunner

    seed = Path(__file__).resolve().parents[1] / "fixtures/submissions/seed/shijiazhuang-zhengfawei-2020.json"
    out = tmp_path / f"report.{fmt}"
    (tmp_path / f"report.{fmt}.partial").write_text("stale", encoding="utf-8")
    result = CliRunner().invoke(
        cli.app, ["check", str(seed), "--format", fmt, "-o", str(out), "--html", str(tmp_path / "html")]
    )
    assert result.exit_code == 1, result.output
    assert out.stat().st_size > 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html", f"report.{fmt}"]
    assert not list((tmp_path / "html").rglob("*.partial"))


@pytest.mark.parametrize("named", ["WRONG-RULE", None])
def test_a_waiver_naming_another_rule_is_reported_and_not_applied(tmp_path: Path, named: str | None) -> None:
    from perfrules import validate

    seed = Path(__file__).resolve().parents[1] / "fixtures/submissions/seed/shijiazhuang-zhengfawei-2020.json"
    target = next(f for f in validate([seed]).submissions[0].findings if f.blocking)
    waivers = tmp_path / "waivers.yaml"
    rule_line = f"    rule_id: {named or target.rule_id}\n"
    waivers.write_text(
        f"waivers:\n  - fingerprint: {target.fingerprint}\n{rule_line}    approver: 张三\n    reason: 已核查\n"
        "    expires: 2099-12-31\n",
        encoding="utf-8",
    )
    report = validate([seed], waivers=waivers)
    finding = next(f for f in report.submissions[0].findings if f.fingerprint == target.fingerprint)
    if named:
        assert finding.disposition == "open" and finding.blocking
        assert [(p.source, p.location, p.rule_id) for p in report.problems] == [
            (str(waivers), target.fingerprint, named)
        ]
        assert target.rule_id in report.problems[0].message
        assert report.exit_code == 2
    else:
        assert finding.disposition == "waived" and not report.problems
