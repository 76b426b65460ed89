"""Hostile inputs: whatever goes wrong inside a command, the CLI exits 2 with a message, never a traceback."""

from __future__ import annotations

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
