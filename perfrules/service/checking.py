"""One upload through the validator, exactly as ``perfrules check --format json`` would check it.

The stored bytes are linked into a private folder under the uploaded file's name and given to
``perfrules.validate``; the report then names the file as the submitter did (not the folder).
Waivers from the database go in as a waivers file, as a bureau passes ``--waivers``;
justifications recorded here mark findings as the document's own justifications would.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from perfrules.model.report import Finding, Report, SubmissionResult, Verdict, Waiver
from perfrules.model.rule import Severity
from perfrules.pack.location import default_rules_dir
from perfrules.run import RunSettings, validate

WAIVERS_SOURCE = "perfrules-service:waivers"
_ENGINE_LOCK = threading.Lock()
"""The shared DuckDB engine runs one batch at a time."""


def _json_fragment(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def report_text(report: Report) -> str:
    """The JSON writer's bytes: what ``perfrules check --format json`` prints."""
    return report.model_dump_json(indent=2) + "\n"


def check_file(
    blob: Path,
    name: str,
    *,
    rules: Path | None = None,
    overlays: Sequence[str] = (),
    previous: Report | None = None,
    waivers: Sequence[Waiver] = (),
    justified: Mapping[str, str] | None = None,
) -> Report:
    with tempfile.TemporaryDirectory(prefix="perfrules-check-") as folder:
        path = Path(folder) / name
        try:
            os.link(blob, path)
        except OSError:
            shutil.copyfile(blob, path)
        waivers_file = None
        if waivers:
            waivers_file = Path(folder) / ".waivers.yaml"
            body = {"waivers": [w.model_dump(mode="json", exclude_none=True) for w in waivers]}
            waivers_file.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
        with _ENGINE_LOCK:
            report = validate(
                [path], rules=rules or default_rules_dir(), overlays=list(overlays),
                settings=RunSettings(previous=previous, waivers=waivers_file),
            )  # fmt: skip
        text = report.model_dump_json(indent=2).replace(_json_fragment(str(path)), _json_fragment(name))
        if waivers_file is not None:
            text = text.replace(_json_fragment(str(waivers_file)), WAIVERS_SOURCE)
    report = Report.model_validate_json(text)
    return justify(report, justified) if justified else report


def _justified(finding: Finding, justified: Mapping[str, str]) -> Finding:
    text = justified.get(finding.fingerprint)
    if text is None or finding.severity is Severity.ERROR or finding.disposition != "open":
        return finding
    return finding.model_copy(update={"disposition": "justified", "justification": text, "blocking": False})


def _result(result: SubmissionResult, justified: Mapping[str, str]) -> SubmissionResult:
    findings = [_justified(f, justified) for f in result.findings]
    verdict: Verdict = (
        "blocked" if any(f.blocking for f in findings)
        else "error" if any(e.status == "errored" for e in result.ledger)
        else "pass"
    )  # fmt: skip
    counts = dict(result.counts) | {"justified": sum(1 for f in findings if f.disposition == "justified")}
    return result.model_copy(update={"findings": findings, "verdict": verdict, "counts": counts})


def justify(report: Report, justified: Mapping[str, str]) -> Report:
    """Justifications recorded in the service, with the validator's rule: they unblock warnings and
    info, never errors. The verdict follows as ``validate`` derives it."""
    results = [_result(r, justified) for r in report.submissions]
    blocked = sum(1 for r in results if r.verdict == "blocked")
    input_error = any(p.kind != "rule" for p in report.problems)
    any_error = bool(report.problems) or any(r.verdict == "error" for r in results)
    overall: Verdict = (
        "error" if input_error else "blocked" if blocked else "error" if any_error else "pass"
    )  # fmt: skip
    summary = dict(report.summary) | {
        "blocked": blocked,
        "justified": sum(r.counts.get("justified", 0) for r in results),
    }
    return report.model_copy(
        update={
            "submissions": results,
            "verdict": overall,
            "exit_code": {"pass": 0, "blocked": 1, "error": 2}[overall],
            "summary": summary,
        }
    )


ANNOTATED_SUFFIXES = (".xlsx", ".xlsm", ".docx")
"""Uploads with an annotated copy: workbooks (cell comments) and Word documents (Word comments)."""


def annotate(report: Report, blob: Path, name: str, out: Path) -> Path | None:
    """The annotated copy of a workbook or Word upload, built on first request; None for other files."""
    suffix = Path(name).suffix.lower()
    if suffix not in ANNOTATED_SUFFIXES:
        return None
    if suffix == ".docx":
        from perfrules.report.annotate_docx import annotate_docx as write
    else:
        from perfrules.report.annotate_xlsx import annotate_workbook as write

    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        try:
            write(report, blob, partial)
        except ValueError:
            partial.unlink(missing_ok=True)
            return None
        partial.replace(out)
    return out
