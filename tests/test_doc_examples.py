"""The docs' example outputs are the real output (issue 14 §3): a doc block that drifts fails here.

A block is a ```text fence right after ``<!-- example: <perfrules arguments> -->``; its content is
what ``perfrules <arguments>`` prints, run from the checkout, with the version and the pack's hash
written as they are today. ``PERFRULES_UPDATE_DOCS=1 pytest tests/test_doc_examples.py`` rewrites them.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfrules.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "docs" / "user-guide.md"]
BLOCK = re.compile(r"(<!-- example: (?P<args>[^>]*?) -->\n```text\n)(?P<body>.*?)(```)", re.S)
_STAMP = re.compile(r"^perfrules \S+ · (.*?)\(sha256:[0-9a-f]+…\)", re.M)


def _normalized(text: str) -> str:
    return _STAMP.sub(r"perfrules <version> · \1(sha256:…)", text)


def _output(args: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, shlex.split(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.stdout


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_example_outputs_in_the_docs_are_the_real_output(doc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = doc.read_text(encoding="utf-8")
    blocks = list(BLOCK.finditer(text))
    assert blocks, f"no generated example in {doc.name}"
    if os.environ.get("PERFRULES_UPDATE_DOCS") == "1":
        updated = BLOCK.sub(lambda m: m.group(1) + _output(m.group("args"), monkeypatch) + m.group(4), text)
        doc.write_text(updated, encoding="utf-8", newline="\n")
        return
    for match in blocks:
        real = _output(match.group("args"), monkeypatch)
        assert _normalized(match.group("body")) == _normalized(real), (
            f"{doc.name}: the example of `perfrules {match.group('args')}` is stale; "
            "run PERFRULES_UPDATE_DOCS=1 pytest tests/test_doc_examples.py"
        )
