"""The pipeline end to end: read → model → tables → engine → findings → report."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Protocol

from pydantic import ValidationError

from perfrules._version import __version__
from perfrules.compile.kinds import CompiledRule
from perfrules.engine.duckdb_engine import EngineResult, EngineSettings, shared_engine
from perfrules.findings.build import build_finding
from perfrules.model.report import (
    Finding,
    FixedFinding,
    LedgerEntry,
    PackStamp,
    Problem,
    Report,
    RuleStatus,
    SubmissionResult,
    Verdict,
    Waiver,
)
from perfrules.model.rule import Severity
from perfrules.model.submission import Submission
from perfrules.pack.cache import cached_pack as _cached_pack
from perfrules.pack.loader import LoadedRule, Pack
from perfrules.pack.waivers import load_waivers
from perfrules.read.documents import SUFFIXES, ReadResult, read_object, read_path
from perfrules.tables.normalize import Batch, SourcedSubmission, normalize, without_rows
from perfrules.tables.spec import ReferenceTable

Input = str | Path | Submission | dict[str, Any]


SHIPPED_PACK = "<shipped>"


def resolve_rules_dir(root: str | Path) -> Path:
    """A stamped pack root back to a folder (the shipped pack is stamped by name, not path)."""
    return default_rules_dir() if str(root) == SHIPPED_PACK else Path(root)


def default_rules_dir() -> Path:
    """``$PERFRULES_RULES``, else the pack shipped in the wheel, else the checkout's ``rules/``."""
    env = os.environ.get("PERFRULES_RULES")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    shipped = here / "_rules"
    return shipped if shipped.is_dir() else here.parent / "rules"


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
NARRATIVE_SUFFIXES = (".txt", ".docx", ".doc", ".pdf", ".html", ".htm")
"""Read when named directly; a folder's .txt files are not taken (notes and readmes sit beside submissions)."""
BUNDLE_MARKER = "基本信息.csv"


def _is_bundle(folder: Path) -> bool:
    return (folder / BUNDLE_MARKER).is_file()


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders contribute their documents, workbooks and CSV bundles, sorted.

    A folder holding 基本信息.csv is one CSV bundle (one submission), not a folder of files.
    """
    out: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir() and not _is_bundle(path):
            bundles = sorted(p.parent for p in path.rglob(BUNDLE_MARKER))
            out.extend(bundles)
            out.extend(
                sorted(
                    p for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in (*SUFFIXES, *WORKBOOK_SUFFIXES)
                    and not any(b in p.parents for b in bundles) and not p.name.startswith("~$")
                )
            )  # fmt: skip
        else:
            out.append(path)
    return out


def read_any(path: Path) -> list[ReadResult]:
    """One file or bundle → its submissions (a workbook may hold several project sheets)."""
    if path.is_dir():
        from perfrules.read.tidy import read_csv_bundle

        return read_csv_bundle(path)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        from perfrules.read.xlsx_forms import read_workbook

        return read_workbook(path)
    if path.suffix.lower() in NARRATIVE_SUFFIXES:
        from perfrules.read.narrative import read_narrative

        return [read_narrative(path)]
    return [read_path(path)]


Progress = Callable[[int, int], None]
"""Called with (done, total) as inputs are read."""


def read_inputs(inputs: Sequence[Input], *, jobs: int = 1, progress: Progress | None = None) -> list[ReadResult]:
    """Read every input in order; with ``jobs`` > 1 files are parsed in parallel processes.

    Parsing and model validation are CPU-bound Python, so threads would not help; the
    engine then runs once over the whole batch.
    """
    with _collector_paused():
        return list(iter_inputs(inputs, jobs=jobs, progress=progress))


def iter_inputs(inputs: Sequence[Input], *, jobs: int = 1, progress: Progress | None = None) -> Iterator[ReadResult]:
    """``read_inputs`` one result at a time, so a batch can be normalized as it is read."""
    tasks: list[Path | ReadResult] = []
    for index, item in enumerate(inputs):
        if isinstance(item, Submission | dict):
            tasks.append(read_object(item, f"<input {index}>"))
        else:
            tasks.extend(expand_inputs([item]))
    paths = [t for t in tasks if isinstance(t, Path)]
    read = _read_paths(paths, len(tasks), jobs, progress)
    for task in tasks:
        yield from (next(read) if isinstance(task, Path) else [task])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading builds many long-lived model objects and no cycles; the cyclic collector
    would rescan them over and over (measured: 2.7x slower reading at 100k indicator rows)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_paths(paths: list[Path], total: int, jobs: int, progress: Progress | None) -> Iterator[list[ReadResult]]:
    """Each path's results, in order."""
    if jobs > 1 and len(paths) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for done, result in enumerate(pool.map(read_any, paths, chunksize=8), 1):
                if progress:
                    progress(done, total)
                yield result
    else:
        for done, path in enumerate(paths, 1):
            result = read_any(path)
            if progress:
                progress(done, total)
            yield result


def _applies(loaded: LoadedRule, submission: Submission) -> bool:
    return loaded.rule.status == "active" and loaded.rule.applies(
        submission.document_kind, submission.header.fiscal_year
    )


def _ledger_status(loaded: LoadedRule, submission: Submission, index: int, result: EngineResult) -> RuleStatus:
    if not loaded.enabled or loaded.rule.status != "active":
        return "disabled"
    if not _applies(loaded, submission):
        return "not_applicable"
    return "errored" if result.failed(loaded.rule.id, index) else "evaluated"


@dataclass(frozen=True)
class Review:
    """What a bureau brings besides the pack: its threshold, waivers and the previous report."""

    fail_on: Severity = Severity.ERROR
    as_of: dt.date | None = None
    """Only waivers depend on the date; without them the report carries none and stays byte-identical."""
    waivers: Mapping[str, Waiver] = field(default_factory=dict)
    waivers_stamp: dict[str, str] | None = None
    previous: Report | None = None
    previous_stamp: dict[str, str] | None = None
    strict: bool = False


def _dispose(finding: Finding, review: Review, justified: Mapping[str, str], expired: dict[str, Waiver]) -> Finding:
    """Waived (unexpired) or justified (warnings and info only) findings stop blocking."""
    waiver = review.waivers.get(finding.fingerprint)
    if waiver is not None and waiver.expires >= (review.as_of or dt.date.today()):
        return finding.model_copy(update={"disposition": "waived", "waiver": waiver, "blocking": False})
    if waiver is not None:
        expired[waiver.fingerprint] = waiver
    text = justified.get(finding.fingerprint)
    if text is not None and finding.severity is not Severity.ERROR:
        return finding.model_copy(update={"disposition": "justified", "justification": text, "blocking": False})
    return finding


def _previous_for(previous: Report | None, source: str, sub: Submission) -> dict[str, Finding]:
    """The earlier findings of this document: same file name, else the one earlier document
    of the same department, year and kind (a resubmission usually gets a new file name)."""
    if previous is None:
        return {}
    by_source = [r for r in previous.submissions if r.source == source]
    same_kind = [
        r for r in previous.submissions
        if (r.department, r.fiscal_year, r.document_kind) == (sub.header.department, sub.header.fiscal_year, sub.document_kind.value)
    ]  # fmt: skip
    match = by_source or (same_kind if len(same_kind) == 1 else [])
    return {f.fingerprint: f for r in match for f in r.findings}


class Engine(Protocol):
    """What runs compiled rules over a batch: DuckDB in process, or Spark for data beyond one machine."""

    def run(
        self, batch: Batch, rules: Sequence[CompiledRule], references: Sequence[ReferenceTable] = ()
    ) -> EngineResult: ...


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

    Each submission's result is written to a spool file as soon as it is built and then
    dropped, so a national batch (millions of rows, over a million findings) stays within
    memory. Returns the report without its submissions (verdict, summary, problems).
    """
    import tempfile

    run = _Run(pack, read, review, engine)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        count = 0
        for result in run.submissions():
            spool.write(",\n" if count else "")
            spool.write("    " + result.model_dump_json(indent=2).replace("\n", "\n    "))
            count += 1
        head = run.report([])
        if problems:
            head = _with_problems(head, list(problems))
        text = head.model_dump_json(indent=2)
        before, marker, after = text.partition('"submissions": []')
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
    return head


class _Run:
    """One run of a pack over a batch: the tables, the engine's rows, then one result per submission."""

    def __init__(
        self, pack: Pack, read: Iterable[ReadResult], review: Review | Severity, engine: Engine | None
    ) -> None:
        self.pack = pack
        self.review = review if isinstance(review, Review) else Review(fail_on=review)
        seen: list[ReadResult] = []

        def accepted() -> Iterator[SourcedSubmission]:
            for r in read:
                if r.submission is None:
                    seen.append(r)
                    continue
                yield r.submission
                seen.append(replace(r, submission=without_rows(r.submission)))

        batch = normalize(accepted(), keep_rows=False)
        self.read = seen
        self.ok = [(r, r.submission) for r in seen if r.submission is not None]
        contract_problems: list[Problem] = []
        if self.review.strict:
            from perfrules.tables.contracts import check_contracts

            contract_problems = [
                Problem(kind="input", source="<tables>", message=f"表约定不满足 / table contract violated: {line}")
                for line in check_contracts(batch.tables)
            ]
        self.active = [r for r in pack.rules if r.enabled and r.rule.status == "active"]
        # A rule that applies to no submission here (kind, year) cannot fire: it need not run.
        shapes = {(s.submission.document_kind, s.submission.header.fiscal_year) for _, s in self.ok}
        needed = [r for r in self.active if any(r.rule.applies(kind, year) for kind, year in shapes)]
        self.result = EngineResult()
        if self.ok:
            runner = engine or shared_engine()
            self.result = runner.run(batch, [r.compiled for r in needed], list(pack.references.values()))
        del batch  # the findings come from the engine's rows; the tables can go before the report is built
        problems: list[Problem] = [p for r in seen for p in r.problems] + contract_problems
        problems += [
            Problem(
                kind="rule",
                source=p.file,
                location=f"{p.line}:{p.column or 1}" if p.line else None,
                rule_id=p.rule_id,
                message=p.message,
            )
            for p in pack.problems
        ]
        for loaded in self.active:
            if loaded.rule.id in self.result.errors:
                message = self.result.errors[loaded.rule.id]
                only = self.result.errored_subs.get(loaded.rule.id)
                if only is not None:
                    message += " — 仅在这些提交上 / only on: " + ", ".join(self.ok[i][0].source for i in sorted(only))
                problems.append(
                    Problem(
                        kind="rule",
                        source=loaded.file,
                        location=f"{loaded.line}:1",
                        rule_id=loaded.rule.id,
                        message=message,
                    )
                )
        self.problems = problems
        self.broken_rule_ids = sorted({p.rule_id for p in pack.problems if p.rule_id})
        self.expired: dict[str, Waiver] = {}
        self.verdicts: Counter[str] = Counter()
        self.totals: Counter[str] = Counter()

    def _findings_by_submission(self) -> Iterator[tuple[int, list[Finding]]]:
        """Each submission's findings in batch order, decoding the engine's rows one
        submission at a time."""
        fail_on = self.review.fail_on
        groups = {loaded.rule.id: self.result.rows.by_submission(loaded.rule.id) for loaded in self.active}
        pending = {rule_id: next(it, None) for rule_id, it in groups.items()}
        for index, (_, sourced) in enumerate(self.ok):
            header = sourced.submission.header
            findings: list[Finding] = []
            for loaded in self.active:
                rule_id = loaded.rule.id
                group = pending.get(rule_id)
                if group is not None and group[0] == index:
                    findings += [
                        build_finding(loaded, row, header.department, header.fiscal_year, fail_on) for row in group[1]
                    ]
                    pending[rule_id] = next(groups[rule_id], None)
            yield index, findings

    def submissions(self) -> Iterator[SubmissionResult]:
        review, pack, result = self.review, self.pack, self.result
        for index, per_sub in self._findings_by_submission():
            r, sourced = self.ok[index]
            sub = sourced.submission
            justified = {j.fingerprint: j.text for j in sub.justifications}
            before = _previous_for(review.previous, r.source, sub)
            findings = [_dispose(f, review, justified, self.expired) for f in per_sub]
            if review.previous is not None:
                findings = [
                    f.model_copy(update={"change": "still_open" if f.fingerprint in before else "new"})
                    for f in findings
                ]
            findings.sort(key=lambda f: (f.location.pointer, f.rule_id, f.fingerprint))
            now = {f.fingerprint for f in findings}
            fixed = sorted(
                (
                    FixedFinding(rule_id=f.rule_id, fingerprint=fp, pointer=f.location.pointer)
                    for fp, f in before.items()
                    if fp not in now
                ),
                key=lambda f: (f.pointer, f.rule_id, f.fingerprint),
            )
            per_rule = Counter(f.rule_id for f in findings)
            ledger = [
                LedgerEntry(
                    rule_id=loaded.rule.id,
                    status=_ledger_status(loaded, sub, index, result),
                    findings=per_rule[loaded.rule.id],
                )
                for loaded in pack.rules
            ] + [LedgerEntry(rule_id=rule_id, status="errored") for rule_id in self.broken_rule_ids]
            ledger.sort(key=lambda e: e.rule_id)
            counts = {s.value: sum(1 for f in findings if f.severity is s) for s in Severity}
            counts |= {d: sum(1 for f in findings if f.disposition == d) for d in ("justified", "waived")}
            # A blocking finding stands even when another rule could not run: the submission is
            # blocked whatever that rule would have said. Only a would-be pass becomes an error.
            verdict: Verdict = (
                "blocked" if any(f.blocking for f in findings)
                else "error" if any(e.status == "errored" for e in ledger)
                else "pass"
            )  # fmt: skip
            self.verdicts[verdict] += 1
            self.totals.update(counts)
            self.totals["findings"] += len(findings)
            self.totals["new"] += sum(1 for f in findings if f.change == "new")
            self.totals["fixed"] += len(fixed)
            yield SubmissionResult(
                source=r.source, sha256=r.sha256, department=sub.header.department, fiscal_year=sub.header.fiscal_year,
                document_kind=sub.document_kind.value, verdict=verdict, counts=counts, findings=findings, ledger=ledger,
                fixed=fixed,
            )  # fmt: skip

    def report(self, submissions: list[SubmissionResult]) -> Report:
        """The report once ``submissions()`` has run to its end (its results given, or spooled)."""
        review, pack = self.review, self.pack
        # An input that could not be read is an error whatever else the batch says; a rule that
        # could not load or run yields to a blocked submission (exit 1), as its verdict does.
        input_error = any(p.kind != "rule" for p in self.problems)
        any_error = bool(self.problems) or self.verdicts["error"] > 0
        overall: Verdict = (
            "error" if input_error
            else "blocked" if self.verdicts["blocked"]
            else "error" if any_error
            else "pass"
        )  # fmt: skip
        totals = self.totals
        return Report(
            perfrules_version=__version__,
            pack=PackStamp(
                name=pack.name,
                content_hash=pack.content_hash,
                overlays=pack.overlays,
                rules=len(pack.rules),
                root=pack.root,
                overlay_changes=pack.overlay_changes,
            ),
            fail_on=review.fail_on,
            as_of=review.as_of,
            waivers=review.waivers_stamp,
            previous=review.previous_stamp,
            verdict=overall,
            exit_code={"pass": 0, "blocked": 1, "error": 2}[overall],
            inputs=[{"source": r.source, "sha256": r.sha256} for r in self.read],
            submissions=submissions,
            problems=self.problems,
            expired_waivers=sorted(self.expired.values(), key=lambda w: w.fingerprint),
            summary={
                "submissions": len(self.read),
                "checked": len(self.ok),
                "unreadable": len(self.read) - len(self.ok),
                "blocked": self.verdicts["blocked"],
                "findings": totals["findings"],
                **{s.value: totals[s.value] for s in Severity},
                "justified": totals["justified"],
                "waived": totals["waived"],
                "new": totals["new"],
                "fixed": totals["fixed"],
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
    waivers: str | Path | None = None,
    previous: str | Path | Report | None = None,
    as_of: dt.date | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    engine: Engine | None = None,
    stream_json: IO[str] | None = None,
) -> Report:
    """Validate submissions (paths, dicts or models) with a rule pack and return the report.

    ``strict`` also checks the normalized tables against their pandera contracts; ``waivers`` is a
    bureau's waivers file; ``previous`` an earlier report of the same submissions, to mark each
    finding new, still open or fixed; ``as_of`` the date waivers are judged against (today).

    With ``stream_json``, the report is written there as indented JSON while it is built (byte
    for byte ``report.model_dump_json(indent=2)``), and the returned report has its verdict,
    summary and problems but no submissions: for batches too big to hold every finding.

    >>> report = validate("fixtures/submissions/clean/project-table.json")  # doctest: +SKIP
    >>> report.verdict  # doctest: +SKIP
    'pass'
    """
    items: Sequence[Input] = [inputs] if isinstance(inputs, str | Path | Submission | dict) else inputs
    pack = rules if isinstance(rules, Pack) else _cached_pack(Path(rules or default_rules_dir()), overlays)
    if Path(pack.root).resolve() == default_rules_dir().resolve():
        pack.root = SHIPPED_PACK  # the same stamp on every machine
    problems: list[Problem] = []
    accepted: Mapping[str, Waiver] = {}
    waivers_stamp = previous_stamp = None
    if waivers is not None:
        accepted, digest, problems = load_waivers(Path(waivers))
        waivers_stamp = {"source": str(waivers), "sha256": digest or ""}
    earlier = previous if isinstance(previous, Report) else None
    if previous is not None and not isinstance(previous, Report):
        earlier, digest, more = load_report(Path(previous))
        previous_stamp = {"source": str(previous), "sha256": digest or ""}
        problems += more
    review = Review(
        fail_on=Severity(fail_on), as_of=as_of or (dt.date.today() if waivers is not None else None),
        waivers=accepted, waivers_stamp=waivers_stamp,
        previous=earlier, previous_stamp=previous_stamp, strict=strict,
    )  # fmt: skip
    runner = engine or shared_engine(engine_settings)
    with _collector_paused():
        read = iter_inputs(items, jobs=jobs, progress=progress)
        if stream_json is not None:
            return write_json_report(stream_json, pack, read, review, runner, problems=problems)
        report = run_pack(pack, read, review, runner)
    if problems:
        report = _with_problems(report, problems)
    return report


def _with_problems(report: Report, problems: list[Problem]) -> Report:
    """Problems with the bureau's own files make the run an input error, like a bad submission."""
    return report.model_copy(update={"problems": [*problems, *report.problems], "verdict": "error", "exit_code": 2})


def load_report(path: Path) -> tuple[Report | None, str | None, list[Problem]]:
    """An earlier JSON report, for resubmission diffs and replay."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return (
            None,
            None,
            [Problem(kind="input", source=str(path), message=f"无法读取报告 / cannot read report: {exc.strerror}")],
        )
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        return Report.model_validate_json(raw), digest, []
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/" + "/".join(str(p) for p in first["loc"])
        return (
            None,
            digest,
            [
                Problem(
                    kind="input",
                    source=str(path),
                    location=where,
                    message=f"不是 perfrules 报告 / not a perfrules report: {first['msg']}",
                )
            ],
        )
