"""The pipeline end to end: read → model → tables → engine → findings → report."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from perfrules._version import __version__
from perfrules.engine.duckdb_engine import DuckDBEngine, EngineResult, EngineSettings
from perfrules.findings.build import build_finding
from perfrules.model.report import (
    Finding,
    LedgerEntry,
    PackStamp,
    Problem,
    Report,
    RuleStatus,
    SubmissionResult,
    Verdict,
)
from perfrules.model.rule import Severity
from perfrules.model.submission import Submission
from perfrules.pack.loader import LoadedRule, Pack, load_pack
from perfrules.read.documents import SUFFIXES, ReadResult, read_object, read_path
from perfrules.tables.normalize import normalize

Input = str | Path | Submission | dict[str, Any]


def default_rules_dir() -> Path:
    """``$PERFRULES_RULES``, else the pack shipped in the wheel, else the checkout's ``rules/``."""
    env = os.environ.get("PERFRULES_RULES")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    shipped = here / "_rules"
    return shipped if shipped.is_dir() else here.parent / "rules"


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders contribute their submission documents, sorted."""
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES))
        else:
            out.append(path)
    return out


def read_inputs(inputs: Sequence[Input]) -> list[ReadResult]:
    results = []
    for index, item in enumerate(inputs):
        if isinstance(item, Submission | dict):
            results.append(read_object(item, f"<input {index}>"))
        else:
            results.extend(read_path(p) for p in expand_inputs([item]))
    return results


def _applies(loaded: LoadedRule, submission: Submission) -> bool:
    rule = loaded.rule
    return (
        rule.status == "active"
        and submission.document_kind in rule.applies_to
        and rule.effective.covers(submission.header.fiscal_year)
    )


def _ledger_status(loaded: LoadedRule, submission: Submission, errors: dict[str, str]) -> RuleStatus:
    if not loaded.enabled or loaded.rule.status != "active":
        return "disabled"
    if not _applies(loaded, submission):
        return "not_applicable"
    return "errored" if loaded.rule.id in errors else "evaluated"


def run_pack(
    pack: Pack, read: Sequence[ReadResult], fail_on: Severity, engine: DuckDBEngine | None = None, *, strict: bool = False
) -> Report:
    """Validate already-read inputs with a loaded pack; the report is deterministic."""
    ok = [(r, r.submission) for r in read if r.submission is not None]
    batch = normalize(sourced for _, sourced in ok)
    contract_problems: list[Problem] = []
    if strict:
        from perfrules.tables.contracts import check_contracts

        contract_problems = [
            Problem(kind="input", source="<tables>", message=f"表约定不满足 / table contract violated: {line}")
            for line in check_contracts(batch.tables)
        ]
    active = [r for r in pack.rules if r.enabled and r.rule.status == "active"]
    result = EngineResult()
    if ok:
        result = (engine or DuckDBEngine()).run(batch, [r.compiled for r in active], list(pack.references.values()))
    problems: list[Problem] = [p for r in read for p in r.problems] + contract_problems
    problems += [
        Problem(kind="rule", source=p.file, location=f"{p.line}:{p.column or 1}" if p.line else None, rule_id=p.rule_id, message=p.message)
        for p in pack.problems
    ]
    for loaded in active:
        if loaded.rule.id in result.errors:
            problems.append(Problem(kind="rule", source=loaded.file, location=f"{loaded.line}:1", rule_id=loaded.rule.id, message=result.errors[loaded.rule.id]))
    broken_rule_ids = sorted({p.rule_id for p in pack.problems if p.rule_id})

    per_sub: dict[int, list[Finding]] = {i: [] for i in range(len(ok))}
    for loaded in active:
        for row in result.rows.get(loaded.rule.id, ()):
            header = ok[row["sub"]][1].submission.header
            per_sub[row["sub"]].append(build_finding(loaded, row, header.department, header.fiscal_year, fail_on))

    submissions = []
    for index, (r, sourced) in enumerate(ok):
        sub = sourced.submission
        findings = sorted(per_sub[index], key=lambda f: (f.location.pointer, f.rule_id, f.fingerprint))
        ledger = [
            LedgerEntry(
                rule_id=loaded.rule.id,
                status=_ledger_status(loaded, sub, result.errors),
                findings=sum(1 for f in findings if f.rule_id == loaded.rule.id),
            )
            for loaded in pack.rules
        ] + [LedgerEntry(rule_id=rule_id, status="errored") for rule_id in broken_rule_ids]
        ledger.sort(key=lambda e: e.rule_id)
        counts = {s.value: sum(1 for f in findings if f.severity is s) for s in Severity}
        verdict: Verdict = (
            "error" if any(e.status == "errored" for e in ledger)
            else "blocked" if any(f.blocking for f in findings)
            else "pass"
        )  # fmt: skip
        submissions.append(
            SubmissionResult(
                source=r.source, sha256=r.sha256, department=sub.header.department, fiscal_year=sub.header.fiscal_year,
                document_kind=sub.document_kind.value, verdict=verdict, counts=counts, findings=findings, ledger=ledger,
            )
        )  # fmt: skip
    any_error = bool(problems) or any(s.verdict == "error" for s in submissions)
    any_blocked = any(s.verdict == "blocked" for s in submissions)
    overall: Verdict = "error" if any_error else "blocked" if any_blocked else "pass"
    all_findings = [f for s in submissions for f in s.findings]
    return Report(
        perfrules_version=__version__,
        pack=PackStamp(name=pack.name, content_hash=pack.content_hash, overlays=pack.overlays, rules=len(pack.rules)),
        fail_on=fail_on,
        verdict=overall,
        exit_code={"pass": 0, "blocked": 1, "error": 2}[overall],
        inputs=[{"source": r.source, "sha256": r.sha256} for r in read],
        submissions=submissions,
        problems=problems,
        summary={
            "submissions": len(read),
            "checked": len(ok),
            "unreadable": len(read) - len(ok),
            "blocked": sum(1 for s in submissions if s.verdict == "blocked"),
            "findings": len(all_findings),
            **{s.value: sum(1 for f in all_findings if f.severity is s) for s in Severity},
        },
    )


def validate(
    inputs: Input | Sequence[Input],
    *,
    rules: str | Path | Pack | None = None,
    overlays: Sequence[str | Path] = (),
    fail_on: Severity | str = Severity.ERROR,
    engine_settings: EngineSettings | None = None,
    strict: bool = False,
) -> Report:
    """Validate submissions (paths, dicts or models) with a rule pack and return the report.

    ``strict`` also checks the normalized tables against their pandera contracts.

    >>> report = validate("fixtures/submissions/clean/project-table.json")  # doctest: +SKIP
    >>> report.verdict  # doctest: +SKIP
    'pass'
    """
    items: Sequence[Input] = [inputs] if isinstance(inputs, str | Path | Submission | dict) else inputs
    pack = rules if isinstance(rules, Pack) else load_pack(rules or default_rules_dir(), overlays)
    return run_pack(pack, read_inputs(items), Severity(fail_on), DuckDBEngine(engine_settings), strict=strict)
