"""The JSON report: written as it is built for batches too big to hold, and read back for diffs and replay.

The JSON is ``Report.model_dump_json(indent=2)`` and a newline; its schema is
``docs/schemas/report.schema.json`` (``perfrules schema``).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from perfrules.model.messages import chinese
from perfrules.model.report import Problem, Report, SubmissionResult


def render_json(report: Report) -> str:
    """The whole report as indented JSON, with a final newline."""
    return report.model_dump_json(indent=2) + "\n"


def write_streamed(sink: IO[str], results: Iterable[SubmissionResult], head: Callable[[], Report]) -> Report:
    """Write a report to ``sink`` byte for byte as ``render_json`` would, without holding every finding.

    Each submission's result is spooled to a temporary file as soon as it is built and then
    dropped, so a national batch (millions of rows, over a million findings) stays within
    memory. ``head`` is called once ``results`` is exhausted and gives the report without its
    submissions (verdict, summary, problems), which is returned.
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        count = 0
        for result in results:
            spool.write(",\n" if count else "")
            spool.write("    " + result.model_dump_json(indent=2).replace("\n", "\n    "))
            count += 1
        report = head()
        before, marker, after = report.model_dump_json(indent=2).partition('"submissions": []')
        sink.write(before)
        if count:
            sink.write('"submissions": [\n')
            spool.seek(0)
            while chunk := spool.read(1 << 20):
                sink.write(chunk)
            sink.write("\n  ]")
        else:
            sink.write(marker)
        sink.write(after + "\n")
    return report


def load_report(path: Path) -> tuple[Report | None, str | None, list[Problem]]:
    """An earlier JSON report, for resubmission diffs and replay: (report, its sha256, problems)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return (
            None,
            None,
            [
                Problem(
                    kind="input",
                    code="input.report",
                    source=str(path),
                    message=f"无法读取报告 / cannot read report: {exc.strerror}",
                )
            ],
        )
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        return Report.model_validate_json(raw), digest, []
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/" + "/".join(str(p) for p in first["loc"])
        message = f"不是 perfrules 报告 / not a perfrules report: {chinese(first)}"
        return (
            None,
            digest,
            [Problem(kind="input", code="input.report", source=str(path), location=where, message=message)],
        )
