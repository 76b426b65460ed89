"""Hostile inputs: whatever goes wrong inside a command, the CLI exits 2 with a message, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def test_a_5000_digit_integer_in_a_submission_exits_2_without_a_traceback(tmp_path: Path) -> None:
    seed = Path(__file__).parent.parent / "fixtures/submissions/seed/shijiazhuang-zhengfawei-2020.json"
    text = json.dumps(json.loads(seed.read_text(encoding="utf-8")), ensure_ascii=False)
    hostile = tmp_path / "big.json"
    hostile.write_text(text[:-1] + ', "zz": ' + "9" * 5000 + "}", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "perfrules", "check", str(hostile)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(seed.parents[3])},
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "4300" in done.stderr or "digits" in done.stderr


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
