"""What the rule pack costs on top of reading: rows per second for each phase, in one run.

Phases, all on the same synthetic batch (see generate.py):

(a) baseline  -- ``read_object`` for every dict: JSON hashing and pydantic validation only;
(b) full      -- the same reading again, then ``run_pack`` with the pack loaded once
                 (normalize, DuckDB, findings, report), i.e. what ``validate`` does minus file IO;
(c) engine    -- the parts of (b) alone: ``normalize`` and ``DuckDBEngine.run``.

Rows per second count indicator rows, the workload's unit. Findings are matched against the
generator's manifest of injected violations, so a finding on a clean row stands out: it is a
rule's false positive or a generator bug. Exits 1 if the run produced no findings (the injected
violations must be found) or no document could be read, 2 on any exception.

    python benchmarks/run.py --quick        # 10 000 indicator rows, well under a minute
    python benchmarks/run.py                # 100 000 indicator rows
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pydantic

from generate import FundUse, Injected, SyntheticBatch, generate_batch
from perfrules._version import __version__
from perfrules.engine.duckdb_engine import DuckDBEngine, EngineSettings
from perfrules.model.report import Report
from perfrules.model.rule import Severity
from perfrules.pack.loader import Pack, load_pack
from perfrules.read.documents import ReadResult, read_object
from perfrules.tables.normalize import normalize
from perfrules.validate import run_pack

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
QUICK_ROWS = 10_000


@dataclass
class Phase:
    """One timed step; ``rss_mib`` is the process's peak RSS once the step is done."""

    name: str
    seconds: float
    rss_mib: float


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


def run(rows: int, seed: int, rules: Path, json_out: Path | None) -> int:
    print(f"benchmark: {rows:,} indicator rows, seed {seed}, rule pack {rules}; phases (a) read+model, "
          "(b) read+run_pack, (c) normalize and DuckDB alone\n")  # fmt: skip
    settings = EngineSettings()
    pack = load_pack(rules)
    gen_start = time.perf_counter()
    batch = generate_batch(rows, seed, fund_uses=fund_uses_of(pack))
    gen_seconds = time.perf_counter() - gen_start
    describe_workload(batch, pack, seed, settings)
    docs = batch.docs
    n_ind = batch.row_counts()["indicators"]
    n_all = sum(batch.row_counts().values())
    active = [r for r in pack.rules if r.enabled and r.rule.status == "active"]

    # Warm-up on one document: pydantic and DuckDB first-use costs stay out of the timings.
    run_pack(pack, read_all(docs[:1]), Severity.ERROR, DuckDBEngine(settings))

    phases: list[Phase] = []
    baseline = timed("(a) baseline: read + model", phases, lambda: read_all(docs))
    unreadable = [r for r in baseline if r.submission is None]
    del baseline

    gc.collect()
    start = time.perf_counter()
    reads = read_all(docs)
    middle = time.perf_counter()
    report = run_pack(pack, reads, Severity.ERROR, DuckDBEngine(settings))
    end = time.perf_counter()
    phases.append(Phase("(b) full: read + run_pack", end - start, peak_rss_mib()))
    phases.append(Phase("    of which run_pack", end - middle, peak_rss_mib()))

    ok = [r.submission for r in reads if r.submission is not None]
    tables = timed("(c) engine: normalize", phases, lambda: normalize(ok))
    engine_result = timed(
        "(c) engine: DuckDB run",
        phases,
        lambda: DuckDBEngine(settings).run(tables, [r.compiled for r in active], list(pack.references.values())),
    )
    del reads, ok, tables

    seconds = {p.name: p.seconds for p in phases}
    base = seconds["(a) baseline: read + model"]
    total = seconds["(b) full: read + run_pack"]
    print(f"\ntimings (generation {gen_seconds:.2f} s, not timed below)")
    print(f"  {'phase':<30} {'seconds':>8} {'ind. rows/s':>12} {'all rows/s':>12} {'peak RSS MiB':>13}")
    for p in phases:
        print(
            f"  {p.name:<30} {p.seconds:>8.3f} {n_ind / p.seconds:>12,.0f} {n_all / p.seconds:>12,.0f} {p.rss_mib:>13,.0f}"
        )
    print(f"  ratio full / baseline: {total / base:.2f}x")
    print(
        f"  engine alone (normalize + DuckDB): {seconds['(c) engine: normalize'] + seconds['(c) engine: DuckDB run']:.3f} s"
    )

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
    planted = batch.injected_by_kind()
    print(f"\ninjected violations touched by a finding: {sum(found.values()):,} of {len(batch.injected):,}")
    for kind, count in sorted(planted.items()):
        print(f"  {kind:<44} {found[kind]:>5} / {count}")
    rule_problems = [p for p in report.problems if p.kind == "rule"]
    for problem in rule_problems[:10]:
        print(f"  rule problem: {problem.rule_id}: {problem.message}")

    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(
            json.dumps(
                {
                    "rows": batch.row_counts(), "seed": seed, "injected": len(batch.injected),
                    "phases": [asdict(p) for p in phases], "ratio_full_to_baseline": total / base,
                    "findings_by_rule": {k: {"findings": v[0], "on_clean_rows": v[1]} for k, v in per_rule.items()},
                },
                ensure_ascii=False, indent=2,
            ) + "\n",
            encoding="utf-8",
        )  # fmt: skip

    if unreadable:
        print(f"\nFAIL: {len(unreadable)} generated documents did not read, e.g. {unreadable[0].problems[:2]}")
        return 1
    if report.summary["findings"] == 0:
        print("\nFAIL: no findings; the injected violations were not found")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time reading vs. full validation on synthetic submissions.")
    parser.add_argument("--rows", type=int, default=100_000, help="indicator rows to generate (default 100000)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS} indicator rows, for a smoke run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rules", type=Path, default=REPO / "rules", help="rule pack folder (default rules/)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    try:
        return run(QUICK_ROWS if args.quick else args.rows, args.seed, args.rules, args.json)
    except Exception:
        traceback.print_exc()
        print("\nFAIL: the benchmark raised an exception")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
