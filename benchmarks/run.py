"""What the rule pack costs on top of reading: rows per second for each phase, in one run.

Phases, all on the same synthetic batch (see generate.py):

(a) baseline  -- ``read_object`` for every dict: JSON hashing and pydantic validation only;
(b) full      -- the same reading again, then ``run_pack`` with the pack loaded once
                 (normalize, DuckDB, findings, report), i.e. what ``validate`` does minus file IO;
(c) engine    -- the parts of (b) alone: ``normalize`` and ``DuckDBEngine.run``.

All three run ``--repeat`` times (default 3), interleaved; the best time is reported. Rows per
second count indicator rows, the workload's unit. Findings are matched against the generator's
manifest of injected violations, so a finding on a clean row stands out: it is a rule's false
positive or a generator bug.

Then the engine phase against its peers (peers.py): perfrules' DuckDBEngine with six indicator
rules and with the whole pack, hand-written DuckDB SQL and polars (the floor), pandera on polars
and on pandas, and Great Expectations, one process per engine and size, on the fast path's
tables (generate.fast_tables); every engine must flag exactly the rows perfrules flags, on those
tables and on normalized generated documents. Last, single-submission latency: a cold
``perfrules check`` process and a warm ``validate()`` call.

Exit status: 1 if the run produced no findings (the injected violations must be found) or a
generated document failed to read; 2 on any exception or an engine that crashed; 3 if an engine
disagreed with perfrules.

    python benchmarks/run.py --quick        # 10 000 rows; peers at 10k and 100k; under 2 minutes
    python benchmarks/run.py                # 100 000 rows; peers at 100k
    python benchmarks/run.py --full         # 100 000 rows; peers at 10k, 100k, 1M and 10M
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import end_to_end
import peers
import pydantic
from generate import FundUse, Injected, SyntheticBatch, generate_batch

from perfrules import (
    DuckDBEngine,
    EngineResult,
    EngineSettings,
    Pack,
    ReadResult,
    Report,
    Severity,
    __version__,
    load_pack,
    run_pack,
)

# The stage timings reach below the public API on purpose: normalizing alone, one rule alone.
from perfrules.pack.loader import LoadedRule
from perfrules.read.documents import read_object
from perfrules.tables.normalize import normalize

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
QUICK_ROWS = 10_000
QUICK_SIZES = (10_000, 100_000)
FULL_SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
E2E_QUICK = (10_000,)
E2E_FULL = (100_000, 1_000_000, 10_000_000)
DISAGREE = 3
SEED_SUBMISSION = REPO / "fixtures" / "submissions" / "seed" / "shijiazhuang-zhengfawei-2020.json"
BASELINE, FULL = "(a) baseline: read + model", "(b) full: read + run_pack"
NORMALIZE, DUCKDB = "(c) engine: normalize", "(c) engine: DuckDB run"


@dataclass
class Phase:
    """One timed step; ``rss_mib`` is the process's peak RSS so far when the step is done.

    Over several repetitions ``seconds`` is the best and ``worst`` the slowest: reading is
    dominated by the cyclic GC and varies from run to run.
    """

    name: str
    seconds: float
    rss_mib: float
    worst: float = 0.0


def best_of(runs: Sequence[Sequence[Phase]]) -> list[Phase]:
    """Each phase's best time over the repetitions, keeping the slowest for the spread.

    Peak RSS only grows, so it is taken from the first repetition, where it belongs to the phase.
    """
    return [
        Phase(reps[0].name, min(p.seconds for p in reps), reps[0].rss_mib, max(p.seconds for p in reps))
        for reps in zip(*runs, strict=True)
    ]


def peak_rss_mib() -> float:
    """Peak resident set size so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def timed(name: str, phases: list[Phase], fn: Callable[[], T]) -> T:
    """Run ``fn`` after a full collection, so one phase's garbage is not billed to the next."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    phases.append(Phase(name, time.perf_counter() - start, peak_rss_mib()))
    return result


def read_all(docs: Sequence[dict[str, Any]]) -> list[ReadResult]:
    """The baseline: each dict hashed and validated into the model, as ``read_inputs`` does."""
    return [read_object(doc, f"bench/{index:05d}") for index, doc in enumerate(docs)]


def fund_uses_of(pack: Pack) -> list[FundUse]:
    """The pack's own ``fund_uses`` reference, so earmarked funds match the rules that check them."""
    table = pack.references.get("fund_uses")
    if table is None or "purpose_category" not in table.columns or "use_category" not in table.columns:
        return []
    col = {name: i for i, name in enumerate(table.columns)}

    def year(row: tuple[str | None, ...], name: str) -> int | None:
        value = row[col[name]] if name in col else None
        return int(value) if value else None

    return [
        FundUse(purpose, use, year(row, "valid_from"), year(row, "valid_to"))
        for row in table.rows
        if (purpose := row[col["purpose_category"]]) and (use := row[col["use_category"]])
    ]


def _touches(pointer: str, injected: Sequence[str]) -> bool:
    """A finding belongs to an injected violation if either row contains the other.

    The finding's row is its pointer minus the column, so a project total pushed over 100
    by an injected indicator score still counts; findings on the whole document do not.
    """
    row = pointer.rsplit("/", 1)[0]
    for target in injected:
        if pointer == target or pointer.startswith(target + "/"):
            return True
        if row and row != "/header" and target.startswith(row + "/"):
            return True
    return False


def findings_by_rule(report: Report, injected: Sequence[Injected]) -> dict[str, tuple[int, int]]:
    """rule id → (findings, of which on rows with no injected violation)."""
    by_doc: dict[int, list[str]] = {}
    for item in injected:
        by_doc.setdefault(item.doc, []).append(item.pointer)
    total: Counter[str] = Counter()
    clean: Counter[str] = Counter()
    for sub in report.submissions:
        doc = int(sub.source.rsplit("/", 1)[1])
        for finding in sub.findings:
            total[finding.rule_id] += 1
            if not _touches(finding.location.pointer, by_doc.get(doc, ())):
                clean[finding.rule_id] += 1
    return {rule: (count, clean[rule]) for rule, count in sorted(total.items())}


def injected_found(report: Report, injected: Sequence[Injected]) -> Counter[str]:
    """Injected violations (by kind) that at least one finding touched."""
    pointers: dict[int, list[str]] = {}
    for sub in report.submissions:
        pointers[int(sub.source.rsplit("/", 1)[1])] = [f.location.pointer for f in sub.findings]
    return Counter(i.kind for i in injected if any(_touches(p, [i.pointer]) for p in pointers.get(i.doc, ())))


def describe_workload(batch: SyntheticBatch, pack: Pack, seed: int, settings: EngineSettings) -> None:
    counts = batch.row_counts()
    active = [r.rule.id for r in pack.rules if r.enabled and r.rule.status == "active"]
    print("workload")
    print(f"  {counts['indicators']:,} indicator rows (seed {seed}) in {counts['submissions']:,} project_table "
          f"submissions: {counts['projects']:,} projects, {counts['budget_lines']:,} budget lines, "
          f"{counts['funds']:,} funds, {counts['expenditures']:,} expenditures "
          f"({sum(counts.values()):,} rows in all)")  # fmt: skip
    print(f"  {len(batch.injected):,} injected violations ({len(batch.injected) / sum(counts.values()):.2%} of rows)")
    print(f"  pack {pack.root}: {len(active)} active rules, {len(pack.problems)} pack problems, "
          f"{len(pack.references)} reference tables")  # fmt: skip
    print(f"  engine: DuckDB {duckdb.__version__}, {settings.threads} threads, memory_limit {settings.memory_limit}")
    print(f"  perfrules {__version__}, pydantic {pydantic.VERSION}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()} {platform.system()}")  # fmt: skip
    for problem in pack.problems[:10]:
        print(f"  pack problem: {problem}")


def _timed_phases(
    pack: Pack, docs: Sequence[dict[str, Any]], active: Sequence[LoadedRule], settings: EngineSettings
) -> tuple[list[Phase], Report, EngineResult, list[ReadResult]]:
    """Phases (a), (b) and (c) on the same documents, each starting from a collected heap."""
    phases: list[Phase] = []
    baseline = timed(BASELINE, phases, partial(read_all, docs))
    unreadable = [r for r in baseline if r.submission is None]
    del baseline

    gc.collect()
    start = time.perf_counter()
    reads = read_all(docs)
    middle = time.perf_counter()
    report = run_pack(pack, reads, Severity.ERROR, DuckDBEngine(settings))
    end = time.perf_counter()
    phases.append(Phase(FULL, end - start, peak_rss_mib()))
    phases.append(Phase("    of which run_pack", end - middle, peak_rss_mib()))

    ok = [r.submission for r in reads if r.submission is not None]
    del reads
    tables = timed(NORMALIZE, phases, partial(normalize, ok))
    engine = DuckDBEngine(settings)
    compiled = [r.compiled for r in active]
    engine_result = timed(DUCKDB, phases, partial(engine.run, tables, compiled, list(pack.references.values())))

    return phases, report, engine_result, unreadable


def print_timings(phases: Sequence[Phase], n_ind: int, n_all: int, gen_seconds: float) -> float:
    """The phase table; returns the ratio of full to baseline."""
    seconds = {p.name: p.seconds for p in phases}
    ratio = seconds[FULL] / seconds[BASELINE]
    print(f"\ntimings (generation {gen_seconds:.2f} s, not timed)")
    print(f"  {'phase':<30} {'best s':>8} {'worst s':>8} {'ind. rows/s':>12} {'all rows/s':>12} {'peak RSS MiB':>13}")
    for p in phases:
        rates = f"{n_ind / p.seconds:>12,.0f} {n_all / p.seconds:>12,.0f}"
        print(f"  {p.name:<30} {p.seconds:>8.3f} {p.worst:>8.3f} {rates} {p.rss_mib:>13,.0f}")
    print(f"  ratio full / baseline: {ratio:.2f}x")
    print(f"  engine alone (normalize + DuckDB): {seconds[NORMALIZE] + seconds[DUCKDB]:.3f} s")
    return ratio


def print_findings(
    report: Report, engine_result: EngineResult, active: Sequence[LoadedRule], batch: SyntheticBatch
) -> dict[str, tuple[int, int]]:
    """Findings per rule (and how many hit clean rows), then which injected kinds were caught."""
    per_rule = findings_by_rule(report, batch.injected)
    engine_rows = sum(len(v) for v in engine_result.rows.values())
    print(f"\nfindings: {report.summary['findings']:,} (engine alone returned {engine_rows:,} rows); "
          f"verdict {report.verdict}")  # fmt: skip
    print(f"  {'rule':<28} {'findings':>9} {'on clean rows':>14}")
    for loaded in active:
        count, clean = per_rule.get(loaded.rule.id, (0, 0))
        status = " (errored)" if loaded.rule.id in engine_result.errors else ""
        print(f"  {loaded.rule.id:<28} {count:>9,} {clean:>14,}{status}")
    found = injected_found(report, batch.injected)
    print(f"\ninjected violations touched by a finding: {sum(found.values()):,} of {len(batch.injected):,}")
    for kind, count in sorted(batch.injected_by_kind().items()):
        print(f"  {kind:<44} {found[kind]:>5} / {count}")
    for problem in [p for p in report.problems if p.kind == "rule"][:10]:
        print(f"  rule problem: {problem.rule_id}: {problem.message}")
    return per_rule


def run(rows: int, seed: int, rules: Path, *, repeat: int = 3, gc_off: bool = False) -> tuple[int, dict[str, Any]]:
    """Phases (a)-(c) at ``rows``; the exit status and the figures."""
    if repeat < 1:
        raise ValueError("--repeat must be at least 1")
    print(f"benchmark: {rows:,} indicator rows, seed {seed}, rule pack {rules}; phases (a) read+model, "
          f"(b) read+run_pack, (c) normalize and DuckDB alone; best of {repeat}; "
          f"cyclic GC {'off' if gc_off else 'on'}\n")  # fmt: skip
    settings = EngineSettings()
    pack = load_pack(rules)
    gen_start = time.perf_counter()
    batch = generate_batch(rows, seed, fund_uses=fund_uses_of(pack))
    gen_seconds = time.perf_counter() - gen_start
    describe_workload(batch, pack, seed, settings)
    counts = batch.row_counts()
    active = [r for r in pack.rules if r.enabled and r.rule.status == "active"]

    # Warm-up on one document: pydantic and DuckDB first-use costs stay out of the timings.
    run_pack(pack, read_all(batch.docs[:1]), Severity.ERROR, DuckDBEngine(settings))
    runs: list[list[Phase]] = []
    if gc_off:
        gc.disable()
    try:
        for _ in range(repeat):
            # (a), (b), (c) interleaved per repetition, so drift on a shared machine hits all alike.
            one, report, engine_result, unreadable = _timed_phases(pack, batch.docs, active, settings)
            runs.append(one)
    finally:
        gc.enable()
    phases = best_of(runs)

    ratio = print_timings(phases, counts["indicators"], sum(counts.values()), gen_seconds)
    per_rule = print_findings(report, engine_result, active, batch)
    figures = {
        "rows": counts, "seed": seed, "repeat": repeat, "gc_off": gc_off, "injected": len(batch.injected),
        "phases": [asdict(p) for p in phases], "ratio_full_to_baseline": ratio,
        "findings_by_rule": {k: {"findings": v[0], "on_clean_rows": v[1]} for k, v in per_rule.items()},
    }  # fmt: skip

    if unreadable:
        print(f"\nFAIL: {len(unreadable)} generated documents did not read, e.g. {unreadable[0].problems[:2]}")
        return 1, figures
    if report.summary["findings"] == 0:
        print("\nFAIL: no findings; the injected violations were not found")
        return 1, figures
    return 0, figures


def documents_agree(rows: int, seed: int) -> tuple[bool, dict[str, Any]]:
    """Every engine on normalized generated documents (real reading, real states): same keys?"""
    batch = generate_batch(rows, seed)
    ok = [r.submission for r in read_all(batch.docs) if r.submission is not None]
    source = peers.batch_source(normalize(ok))
    names = [name for name in peers.ENGINES if name != "perfrules-load"]
    results, flags = peers.run_in_process(source, names)
    reference = flags[peers.REFERENCE]
    counts = results[0].counts
    print(f"\nagreement on {rows:,} generated documents' indicator rows (normalized, not timed): "
          f"perfrules flags {sum(counts.values()):,} ({', '.join(f'{k} {v}' for k, v in counts.items())})")  # fmt: skip
    agree = True
    for name in names[1:]:
        diff = peers.compare(reference, flags[name])
        agree &= not diff
        print(f"  {name:<15} {'agrees' if not diff else 'DISAGREES on ' + ', '.join(diff)}")
        for rule, (missing, extra) in diff.items():
            print(f"    {rule}: misses {missing[:5]} ({len(missing)}), adds {extra[:5]} ({len(extra)})")
    return agree, {"rows": rows, "flagged": counts, "agree": agree}


def latency(cold_runs: int, warm_runs: int) -> tuple[float, float, dict[str, Any]]:
    """Median seconds of a cold ``perfrules check`` process and of a warm ``validate()`` call,
    measured from a fresh process (``peers.py latency``)."""
    done = subprocess.run(
        [sys.executable, str(Path(peers.__file__)), "latency", str(SEED_SUBMISSION),
         "--cold", str(cold_runs), "--warm", str(warm_runs)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )  # fmt: skip
    times: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    medians = {key: statistics.median(values) for key, values in times.items()}
    print(f"\nsingle-submission latency ({SEED_SUBMISSION.relative_to(REPO)})")
    for key, label in (
        ("cold_s", f"cold `perfrules check` process, median of {cold_runs}"),
        ("warm_s", f"warm validate(path), median of {warm_runs}"),
        ("warm_preloaded_s", f"warm validate(path, rules=<loaded pack>), median of {warm_runs}"),
    ):
        values = times[key]
        print(
            f"  {label:<58} {medians[key] * 1000:8.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"
        )
    return medians["cold_s"], medians["warm_s"], {"runs": times, "medians": medians}


def compare_peers(args: argparse.Namespace, sizes: Sequence[int], figures: dict[str, Any]) -> int:
    """The engine phase against its peers at each size, latency, and the issue's targets;
    ``figures`` is filled as it goes, so a late failure keeps what was measured."""
    info = peers.machine()
    print(f"\nengine phase vs peers: sizes {', '.join(f'{n:,}' for n in sizes)}, seed {args.seed}; "
          f"{info['cpus']} CPUs ({info['cpu_model']}), {info['memory_gib']} GiB, load {info['load_average']}")  # fmt: skip
    print("  " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    code = info["code"]
    print(f"  code: commit {code['commit']}, uncommitted changes in perfrules/ or rules/: "
          f"{code['uncommitted_changes']}, tree {code['tree_sha256']}")  # fmt: skip
    status = 0
    figures.update(machine=info, sizes=list(sizes))
    agree, figures["documents"] = documents_agree(QUICK_ROWS, args.seed)
    if not agree:
        status = DISAGREE

    per = "engine (all sizes in turn)" if args.process_per_engine else "engine and size"
    print(f"\nruns (one process per {per}; best of up to {args.peer_repeat} within {args.peer_budget:.0f} s)")
    engines = args.engines or list(peers.ENGINES)
    results = peers.run_sizes(
        sizes, engines, args.seed, REPO / "benchmarks" / "out" / "peers",
        repeat=args.peer_repeat, budget_s=args.peer_budget, limit_s=args.limit,
        process_per_size=not args.process_per_engine,
    )  # fmt: skip
    for size in results:
        print()
        for line in peers.format_size(size):
            print(line)
        if size.disagreements:
            status = DISAGREE
        if size.failures and not status:
            status = 2
    figures["runs"] = [
        {"rows": size.rows, "results": {name: asdict(m) for name, m in size.results.items()},
         "disagreements": size.disagreements, "failures": size.failures}
        for size in results
    ]  # fmt: skip

    cold_s, warm_s, figures["latency"] = latency(args.cold_runs, args.warm_runs)
    print("\ntargets")
    met = peers.targets(results, warm_s, cold_s)
    for target in met:
        verdict = "met" if target.met else "NOT met"
        print(f"  {target.name:<48} {target.goal:>8}  {target.value:>22}  {verdict}")
    figures["targets"] = [asdict(t) for t in met]
    after = peers.code_state()
    moved = peers.changed_files(info["code"], after)
    if moved:
        print(f"\nWARNING: {len(moved)} file(s) of perfrules/ or rules/ changed during the run (commit "
              f"{info['code']['commit']} -> {after['commit']}): {', '.join(moved)}. Figures taken before and "
              "after may not be comparable if those files are on the measured path.")  # fmt: skip
    figures["code_after"] = {**after, "changed_files": moved}
    if args.profile:
        print()
        print(peers.profile(args.profile_rows, args.seed))
    if status == DISAGREE:
        print("\nFAIL: an engine flagged different rows from perfrules (see DISAGREE above)")
    elif status:
        print("\nFAIL: an engine crashed (see FAILED above)")
    return status


def end_to_end_runs(sizes: Sequence[int], seed: int) -> list[dict[str, Any]]:
    """Files in, report out, in a fresh ``perfrules check`` process; and the peak-memory target."""
    print("\nend to end: `perfrules check FOLDER --format json`, fresh process, peak = process tree RSS; "
          "baseline = reading the same files into the model, no rules")  # fmt: skip
    out = []
    for rows in sizes:
        result = end_to_end.measure(rows, seed)
        print(result.line(), flush=True)
        out.append(asdict(result))
    largest = out[-1]
    verdict = "met" if largest["peak_mib"] < 4096 else "NOT met"
    print(
        f"  target: end-to-end peak < 4 GiB at {largest['rows']:,} rows: {largest['peak_mib'] / 1024:.2f} GiB  {verdict}"
    )
    return out


def _sizes(text: str) -> list[int]:
    return [int(float(part)) for part in text.split(",") if part]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time reading vs. full validation, and the engine vs. its peers.")
    parser.add_argument("--rows", type=int, default=None, help="indicator rows for phases (a)-(c) (default 100000)")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_ROWS} rows; peers at {', '.join(map(str, QUICK_SIZES))}: the CI smoke run")  # fmt: skip
    parser.add_argument("--full", action="store_true", help=f"peers at {', '.join(map(str, FULL_SIZES))} rows")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rules", type=Path, default=REPO / "rules", help="rule pack folder (default rules/)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here as JSON")
    parser.add_argument(
        "--repeat", type=int, default=3, help="repetitions of phases (a)-(c); best time is shown (default 3)"
    )
    parser.add_argument("--no-gc", action="store_true",
                        help="switch Python's cyclic GC off while timing, to see how much of a phase it is")  # fmt: skip
    parser.add_argument("--no-peers", action="store_true", help="phases (a)-(c) only")
    parser.add_argument("--peers-only", action="store_true", help="skip phases (a)-(c)")
    parser.add_argument("--sizes", type=_sizes, default=None, help="peer sizes, e.g. 10000,1e6 (overrides the above)")
    parser.add_argument("--engines", type=lambda s: s.split(","), default=None,
                        help=f"peer engines, comma-separated (default all: {','.join(peers.ENGINES)})")  # fmt: skip
    parser.add_argument("--peer-repeat", type=int, default=3, help="timed runs per engine and size (best is shown)")
    parser.add_argument("--peer-budget", type=float, default=120.0, help="stop repeating an engine after this long")
    parser.add_argument("--limit", type=float, default=peers.SIZE_LIMIT_S,
                        help="skip an engine whose run would take longer than this, extrapolated (s)")  # fmt: skip
    parser.add_argument("--cold-runs", type=int, default=5, help="cold `perfrules check` processes (median)")
    parser.add_argument("--warm-runs", type=int, default=20, help="warm validate() calls (median)")
    parser.add_argument("--e2e", type=_sizes, default=None,
                        help=f"end-to-end sizes (default {','.join(map(str, E2E_QUICK))} with --quick, "
                             f"{','.join(map(str, E2E_FULL))} with --full; '' for none)")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="also cProfile perfrules' engine phase")
    parser.add_argument("--profile-rows", type=int, default=1_000_000)
    parser.add_argument("--process-per-engine", action="store_true", default=None,
                        help="one process per engine for all sizes (default with --quick: faster to start)")  # fmt: skip
    parser.add_argument("--process-per-size", dest="process_per_engine", action="store_false",
                        help="one process per engine and size (default otherwise: each peak is its own)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.process_per_engine is None:
        args.process_per_engine = args.quick and not args.full
    rows = args.rows or (QUICK_ROWS if args.quick else 100_000)
    sizes = args.sizes or (FULL_SIZES if args.full else QUICK_SIZES if args.quick else (rows,))
    figures: dict[str, Any] = {}
    status = 0
    try:
        if not args.peers_only:
            status, figures["phases"] = run(rows, args.seed, args.rules, repeat=args.repeat, gc_off=args.no_gc)
        if not args.no_peers:
            figures["peers"] = {}
            peer_status = compare_peers(args, sizes, figures["peers"])
            status = max(status, peer_status)
        e2e_sizes = args.e2e if args.e2e is not None else (E2E_FULL if args.full else E2E_QUICK)
        if e2e_sizes:
            figures["end_to_end"] = end_to_end_runs(e2e_sizes, args.seed)
    except Exception:
        traceback.print_exc()
        print("\nFAIL: the benchmark raised an exception")
        return 2
    finally:
        if args.json is not None and figures:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(
                json.dumps(figures, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
            )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
