"""The pipeline end to end: read → model → tables → engine → findings → report.

``validate`` is the front door (the CLI and the service use it); ``run_pack`` runs a loaded
pack over inputs that are already read.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import IO, Any

from perfrules._version import __version__
from perfrules.engine.base import Engine, EngineResult
from perfrules.engine.duckdb_engine import EngineSettings, shared_engine
from perfrules.findings.build import build_finding
from perfrules.findings.ledger import (
    EXIT_CODES,
    Tally,
    counts,
    ledger,
    nothing_ran,
    run_verdict,
    submission_verdict,
    with_problems,
)
from perfrules.findings.narrative_place import NarrativePlaces, narrative_places, place_in_narrative
from perfrules.findings.review import Review, mismatch_problems, reviewed
from perfrules.findings.unmatched import UnmatchedTracker
from perfrules.model.report import Bilingual, Finding, OverlayFile, PackStamp, Problem, Report, SubmissionResult, Waiver
from perfrules.model.rule import Severity
from perfrules.model.sourced import SourcedSubmission
from perfrules.model.submission import DocumentKind, Submission
from perfrules.pack.cache import cached_pack
from perfrules.pack.loader import Pack
from perfrules.pack.location import SHIPPED_PACK, default_rules_dir
from perfrules.pack.waivers import WaiverPlace, read_waivers
from perfrules.read.documents import ReadResult
from perfrules.read.inputs import Input, Progress, collector_paused, iter_inputs
from perfrules.report.json import load_report, write_streamed
from perfrules.tables.normalize import Batch, normalize, without_rows
from perfrules.tables.scheme import describe_schemes

DEPARTMENT_WIDE = (DocumentKind.DEPARTMENT_TABLE, DocumentKind.DEPARTMENT_SCORECARD)


@dataclass(frozen=True)
class RunSettings:
    """How a run reviews and reads, beyond the pack: everything ``validate`` takes but the essentials.

    ``strict`` also checks the normalized tables against their pandera contracts; ``waivers`` is a
    bureau's waivers file; ``previous`` an earlier report of the same submissions, to mark each
    finding new, still open or fixed; ``as_of`` the date waivers are judged against (today).
    With ``stream_json``, the report is written there as indented JSON while it is built (byte
    for byte ``report.model_dump_json(indent=2)``), and the returned report has its verdict,
    summary and problems but no submissions: for batches too big to hold every finding.
    """

    strict: bool = False
    waivers: str | Path | None = None
    previous: str | Path | Report | None = None
    as_of: dt.date | None = None
    jobs: int = 1
    progress: Progress | None = None
    engine_settings: EngineSettings | None = None
    stream_json: IO[str] | None = None
    allow_empty: bool = True
    """False (the CLI's default): a run in which no rule was evaluated is an error (exit 2), not a pass."""


_LEGACY = frozenset(f.name for f in fields(RunSettings))


def validate(
    inputs: Input | Sequence[Input],
    *,
    rules: str | Path | Pack | None = None,
    overlays: Sequence[str | Path] = (),
    fail_on: Severity | str = Severity.ERROR,
    settings: RunSettings | None = None,
    engine: Engine | None = None,
    **legacy: Any,
) -> Report:
    """Validate submissions (paths, dicts or models) with a rule pack and return the report.

    The settings of ``RunSettings`` were keyword arguments before 0.2; passed that way they
    still work, with a DeprecationWarning, for one release.

    >>> report = validate("fixtures/submissions/clean/project-table.json")  # doctest: +SKIP
    >>> report.verdict  # doctest: +SKIP
    'pass'
    """
    settings = _with_legacy(settings or RunSettings(), legacy)
    items: Sequence[Input] = [inputs] if isinstance(inputs, str | Path | Submission | dict) else inputs
    pack = rules if isinstance(rules, Pack) else cached_pack(Path(rules or default_rules_dir()), overlays)
    if Path(pack.root).resolve() == default_rules_dir().resolve():
        pack.root = SHIPPED_PACK  # the same stamp on every machine
    review, problems = _review(Severity(fail_on), settings)
    runner = engine or shared_engine(settings.engine_settings)
    with collector_paused():
        read = iter_inputs(items, jobs=settings.jobs, progress=settings.progress)
        if settings.stream_json is not None:
            return write_json_report(settings.stream_json, pack, read, review, runner, problems=problems)
        report = run_pack(pack, read, review, runner)
    return with_problems(report, problems) if problems else report


def _with_legacy(settings: RunSettings, legacy: Mapping[str, Any]) -> RunSettings:
    unknown = sorted(set(legacy) - _LEGACY)
    if unknown:
        raise TypeError(f"validate() got unexpected keyword arguments: {', '.join(unknown)}")
    if not legacy:
        return settings
    warnings.warn(
        f"validate({', '.join(f'{k}=' for k in sorted(legacy))}) is deprecated; pass settings=RunSettings(...)",
        DeprecationWarning,
        stacklevel=3,
    )
    return replace(settings, **legacy)


def _review(fail_on: Severity, settings: RunSettings) -> tuple[Review, list[Problem]]:
    """The bureau's review from its files: waivers and the earlier report, with their problems."""
    problems: list[Problem] = []
    accepted: Mapping[str, Waiver] = {}
    waivers_stamp = previous_stamp = None
    places: Mapping[str, WaiverPlace] = {}
    if settings.waivers is not None:
        bureau = read_waivers(Path(settings.waivers))
        accepted, places, problems = bureau.by_fingerprint, bureau.places, bureau.problems
        waivers_stamp = {"source": str(settings.waivers), "sha256": bureau.digest or ""}
    previous = settings.previous
    earlier = previous if isinstance(previous, Report) else None
    if previous is not None and not isinstance(previous, Report):
        earlier, digest, more = load_report(Path(previous))
        previous_stamp = {"source": str(previous), "sha256": digest or ""}
        problems += more
    review = Review(
        fail_on=fail_on, as_of=settings.as_of or (dt.date.today() if settings.waivers is not None else None),
        waivers=accepted, waivers_stamp=waivers_stamp, waiver_places=places,
        previous=earlier, previous_stamp=previous_stamp, strict=settings.strict, allow_empty=settings.allow_empty,
    )  # fmt: skip
    return review, problems


def run_pack(
    pack: Pack, read: Iterable[ReadResult], review: Review | Severity = Severity.ERROR, engine: Engine | None = None
) -> Report:
    """Validate read inputs with a loaded pack; the report is deterministic.

    ``read`` is consumed once, as it comes: each submission's rows go into the batch's tables
    and only its header stays, so a generator of inputs (``iter_inputs``) never holds more
    than one submission's model objects at a time.
    """
    run = _Run(pack, read, review, engine)
    submissions = list(run.submissions())
    return run.report(submissions)


def write_json_report(
    sink: IO[str],
    pack: Pack,
    read: Iterable[ReadResult],
    review: Review | Severity = Severity.ERROR,
    engine: Engine | None = None,
    *,
    problems: Sequence[Problem] = (),
) -> Report:
    """``run_pack``'s report written to ``sink`` as indented JSON, byte for byte what
    ``report.model_dump_json(indent=2)`` gives, without holding every submission's findings.
    Returns the report without its submissions (verdict, summary, problems)."""
    run = _Run(pack, read, review, engine)

    def head() -> Report:
        report = run.report([])
        return with_problems(report, list(problems)) if problems else report

    return write_streamed(sink, run.submissions(), head)


def _rule_problems(pack: Pack, active: Sequence[Any], result: EngineResult, ok: Sequence[Any]) -> list[Problem]:
    """Rules that could not load, and rules that could not run (with the submissions they failed on)."""
    problems = [
        Problem(
            kind="rule", code=p.code, source=p.file, location=f"{p.line}:{p.column or 1}" if p.line else None,
            rule_id=p.rule_id, message=p.message,
        )
        for p in pack.problems
    ]  # fmt: skip
    for loaded in active:
        if loaded.rule.id not in result.errors:
            continue
        message = result.errors[loaded.rule.id]
        only = result.errored_subs.get(loaded.rule.id)
        if only is not None:
            message += " — 仅在这些提交上 / only on: " + ", ".join(ok[i][0].source for i in sorted(only))
        problems.append(
            Problem(
                kind="rule",
                code="rule.error",
                source=loaded.file,
                location=f"{loaded.line}:1",
                rule_id=loaded.rule.id,
                message=message,
            )
        )
    return problems


def _stamp(pack: Pack) -> PackStamp:
    return PackStamp(
        name=pack.name,
        content_hash=pack.content_hash,
        overlays=pack.overlays,
        rules=len(pack.rules),
        root=pack.root,
        overlay_changes=pack.overlay_changes,
        overlay_files=[OverlayFile.model_validate(f) for f in pack.overlay_files],
    )


class _Run:
    """One run of a pack over a batch: the tables, the engine's rows, then one result per submission."""

    def __init__(
        self, pack: Pack, read: Iterable[ReadResult], review: Review | Severity, engine: Engine | None
    ) -> None:
        self.pack = pack
        self.review = review if isinstance(review, Review) else Review(fail_on=review)
        self.read: list[ReadResult] = []
        self._untabulated: Problem | None = None
        self.schemes: dict[str, Bilingual | None] = {}  # by source, read before the rows are dropped
        # a narrative report's text and paragraph places, kept past the dropped rows so that a finding on
        # the whole text lands on the paragraph it quotes (narrative reports only: tables keep nothing)
        self.paragraphs: dict[str, NarrativePlaces] = {}
        batch = normalize(self._accepted(read), keep_rows=False, on_error=self._not_tabulated)
        self.ok = [(r, r.submission) for r in self.read if r.submission is not None]
        contract_problems = self._contract_problems(batch)
        self.active = [r for r in pack.rules if r.enabled and r.rule.status == "active"]
        # A rule that applies to no submission here (kind, year) cannot fire: it need not run.
        shapes = {(s.submission.document_kind, s.submission.header.fiscal_year) for _, s in self.ok}
        needed = [r for r in self.active if any(r.rule.applies(kind, year) for kind, year in shapes)]
        self.result = EngineResult()
        if self.ok:
            runner = engine or shared_engine()
            self.result = runner.run(batch, [r.compiled for r in needed], list(pack.references.values()))
        del batch  # the findings come from the engine's rows; the tables can go before the report is built
        self.problems: list[Problem] = [p for r in self.read for p in r.problems] + contract_problems
        self.problems += _rule_problems(pack, self.active, self.result, self.ok)
        self.broken_rule_ids = sorted({p.rule_id for p in pack.problems if p.rule_id})
        self.expired: dict[str, Waiver] = {}
        self.mismatched: dict[str, str] = {}
        self.evaluated = 0
        stamp = self.review.waivers_stamp or {}
        self.unmatched = UnmatchedTracker(
            self.review.waivers, self.review.waiver_places, stamp.get("source"), self.review.as_of
        )
        self.tally = Tally()

    def _accepted(self, read: Iterable[ReadResult]) -> Iterator[SourcedSubmission]:
        """The readable submissions, for the tables; every result is kept, without its rows."""
        for r in read:
            if r.submission is None:
                self.read.append(r)
                continue
            self.schemes[r.source] = _schemes(r.submission.submission)
            places = narrative_places(r.submission)
            if places is not None:
                self.paragraphs[r.source] = places
            yield r.submission
            failed, self._untabulated = self._untabulated, None
            if failed is not None:  # its rows are out of the tables: it is reported as unreadable
                self.read.append(replace(r, submission=None, problems=(*r.problems, failed)))
            else:
                self.read.append(replace(r, submission=without_rows(r.submission)))

    def _not_tabulated(self, sourced: SourcedSubmission, exc: Exception) -> None:
        self._untabulated = Problem(
            kind="input",
            code="input.untabulated",
            source=sourced.source,
            message=(
                f"内部错误：此提交无法整理成表，未检查（其他提交照常检查），请报告此问题 / internal error: this submission "
                f"could not be put into the tables and was not checked (the others were); please report it: "
                f"{type(exc).__name__}: {exc}"
            ),
        )

    def _contract_problems(self, batch: Batch) -> list[Problem]:
        if not self.review.strict:
            return []
        from perfrules.tables.contracts import check_contracts

        return [
            Problem(
                kind="input",
                code="input.contract",
                source="<tables>",
                message=f"表约定不满足 / table contract violated: {line}",
            )
            for line in check_contracts(batch.tables)
        ]

    def _findings_by_submission(self) -> Iterator[tuple[int, list[Finding]]]:
        """Each submission's findings in batch order, decoding the engine's rows one
        submission at a time."""
        fail_on = self.review.fail_on
        groups = {loaded.rule.id: self.result.rows.by_submission(loaded.rule.id) for loaded in self.active}
        pending = {rule_id: next(it, None) for rule_id, it in groups.items()}
        for index, (r, sourced) in enumerate(self.ok):
            header = sourced.submission.header
            department_wide = sourced.submission.document_kind in DEPARTMENT_WIDE
            findings: list[Finding] = []
            for loaded in self.active:
                rule_id = loaded.rule.id
                group = pending.get(rule_id)
                if group is not None and group[0] == index:
                    findings += [
                        build_finding(
                            loaded, row, header.department, header.fiscal_year, fail_on, department_wide=department_wide
                        )
                        for row in group[1]
                    ]
                    pending[rule_id] = next(groups[rule_id], None)
            places = self.paragraphs.get(r.source)
            yield index, findings if places is None else place_in_narrative(findings, places)

    def submissions(self) -> Iterator[SubmissionResult]:
        for index, per_sub in self._findings_by_submission():
            r, sourced = self.ok[index]
            sub = sourced.submission
            findings, fixed = reviewed(per_sub, self.review, sub, r.source, self.expired, self.mismatched)
            self.unmatched.see(r.source, sub.justifications, findings)
            entries = ledger(self.pack.rules, self.broken_rule_ids, sub, index, self.result, findings)
            self.evaluated += sum(1 for e in entries if e.status in ("evaluated", "errored"))
            per_severity = counts(findings)
            verdict = submission_verdict(findings, entries)
            self.tally.add(verdict, per_severity, findings, fixed)
            yield SubmissionResult(
                source=r.source, sha256=r.sha256, department=sub.header.department, fiscal_year=sub.header.fiscal_year,
                document_kind=sub.document_kind.value, verdict=verdict, counts=per_severity, findings=findings,
                ledger=entries, fixed=fixed, scoring_scheme=self.schemes.get(r.source),
            )  # fmt: skip

    def report(self, submissions: list[SubmissionResult]) -> Report:
        """The report once ``submissions()`` has run to its end (its results given, or spooled)."""
        review, pack = self.review, self.pack
        self.problems.extend(p for p in mismatch_problems(review, self.mismatched) if p not in self.problems)
        empty = nothing_ran(pack.root)
        if self.ok and not self.evaluated and not review.allow_empty and empty not in self.problems:
            self.problems.append(empty)
        overall = run_verdict(self.problems, self.tally.verdicts)
        return Report(
            perfrules_version=__version__,
            pack=_stamp(pack),
            fail_on=review.fail_on,
            as_of=review.as_of,
            waivers=review.waivers_stamp,
            previous=review.previous_stamp,
            verdict=overall,
            exit_code=EXIT_CODES[overall],
            inputs=[{"source": r.source, "sha256": r.sha256} for r in self.read],
            submissions=submissions,
            problems=self.problems,
            expired_waivers=sorted(self.expired.values(), key=lambda w: w.fingerprint),
            notices=[n for r in self.read for n in r.notices],
            unmatched=self.unmatched.report(),
            summary=self.tally.summary(len(self.read), len(self.ok)),
        )


def _schemes(submission: Submission) -> Bilingual | None:
    """The 计分方案 the submission's project tables follow, named for the report (issue 12 §5)."""
    zh = describe_schemes(submission, "zh")
    return None if zh is None else Bilingual(zh=zh, en=describe_schemes(submission, "en") or zh)
