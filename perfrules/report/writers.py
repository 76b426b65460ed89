"""Report formats by name: the CLI's ``--format`` choices come from ``WRITERS``.

A writer turns a finished ``Report`` into text in one language (``"zh"`` or ``"en"``; a format
with one language ignores it). A new format is one module and one ``register_writer`` call::

    from perfrules.report.writers import Writer, register_writer

    register_writer(Writer("csv", render_csv, "每条问题一行 CSV / one CSV line per finding"))

The HTML report is a folder of pages, not one text, and is written with ``--html DIR``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from perfrules.model.report import Report

Render = Callable[[Report, str], str]


@dataclass(frozen=True)
class Writer:
    """One report format: its name on the command line, its renderer and a one-line description."""

    name: str
    render: Render
    description: str = ""
    streams: bool = False
    """The run can write this format while it is built (JSON), so a batch's findings need not fit in memory."""


WRITERS: dict[str, Writer] = {}


def register_writer(writer: Writer) -> None:
    """Make ``writer`` available as ``--format NAME`` (replacing a writer of the same name)."""
    WRITERS[writer.name] = writer


def _text(report: Report, lang: str) -> str:
    from perfrules.report.text import render_text

    return render_text(report, "en" if lang == "en" else "zh")


def _json(report: Report, _lang: str) -> str:
    from perfrules.report.json import render_json

    return render_json(report)


def _junit(report: Report, _lang: str) -> str:
    from perfrules.report.junit import render_junit

    return render_junit(report)


register_writer(Writer("text", _text, "终端文本 / text for a terminal"))
register_writer(Writer("json", _json, "JSON（docs/report-format.md）/ JSON", streams=True))
register_writer(Writer("junit", _junit, "JUnit XML，供 CI 使用 / JUnit XML for CI"))
