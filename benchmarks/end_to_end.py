"""End to end: files in, report out, as a bureau runs it (`perfrules check FOLDER --format json`).

Workload: ``generate.py --stream`` documents (one JSON file per department and year, 3-8 projects
of 13-17 indicators, about 1% of rows wrong in each of 19 ways), written once per size under
``benchmarks/out/e2e-<rows>`` and reused. The measured process is a fresh ``perfrules check``;
peak memory is the largest sum of resident memory over the process and its children, sampled
every 50 ms from /proc (``--jobs`` workers count too). The baseline in the same run is reading
alone: the same files parsed and validated into the model by ``perfrules.read.inputs.iter_inputs``
with no rules, which is the floor end to end can reach.

    python benchmarks/end_to_end.py --rows 100000,1000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"


@dataclass
class EndToEnd:
    rows: int
    files: int
    seconds: float
    peak_mib: float
    report_mib: float
    exit_code: int
    read_only_seconds: float | None = None
    read_only_peak_mib: float | None = None

    def line(self) -> str:
        base = ""
        if self.read_only_seconds:
            base = f"; reading alone {self.read_only_seconds:.1f} s, {self.read_only_peak_mib:,.0f} MiB peak ({self.seconds / self.read_only_seconds:.2f}x)"
        return (
            f"  {self.rows:>11,} rows {self.files:>7,} files  {self.seconds:8.1f} s  {self.rows / self.seconds / 1000:7.1f}k rows/s  "
            f"peak {self.peak_mib:8,.0f} MiB  report {self.report_mib:7,.1f} MiB  exit {self.exit_code}{base}"
        )


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    pending += [int(c) for c in children.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run_sampled(command: list[str], stdout: Path) -> tuple[float, float, int]:
    """Wall seconds, peak MiB of the process tree, exit code."""
    peak = [0]
    with stdout.open("wb") as sink:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE, cwd=REPO)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss_kib(process.pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = process.communicate()
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {err.decode()[-800:]}")
    return seconds, peak[0] / 1024, process.returncode


def documents(rows: int, seed: int) -> tuple[Path, int]:
    folder = OUT / f"e2e-{rows}-{seed}"
    marker = folder / "DONE"
    if not marker.exists():
        command = [sys.executable, str(REPO / "benchmarks" / "generate.py"), "--stream", "--rows", str(rows),
                   "--seed", str(seed), "--out", str(folder)]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        marker.write_text("", encoding="utf-8")
    return folder, sum(1 for _ in folder.rglob("*.json"))


_READ_ONLY = (
    "import sys, gc; from perfrules.read.inputs import iter_inputs; gc.disable(); "
    "n = sum(1 for r in iter_inputs([sys.argv[1]]) if r.submission is not None); print(n)"
)


def measure(rows: int, seed: int = 7, *, baseline: bool = True, jobs: int = 1) -> EndToEnd:
    folder, files = documents(rows, seed)
    exe = Path(sys.executable).with_name("perfrules")
    command = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "perfrules.cli"])]
    report = OUT / f"e2e-{rows}-{seed}.report.json"
    seconds, peak, code = run_sampled([*command, "check", str(folder), "--format", "json", "--jobs", str(jobs)], report)
    result = EndToEnd(rows, files, seconds, peak, report.stat().st_size / 2**20, code)
    report.unlink()
    if baseline:
        scratch = OUT / f"e2e-{rows}-{seed}.read.txt"
        result.read_only_seconds, result.read_only_peak_mib, _ = run_sampled(
            [sys.executable, "-c", _READ_ONLY, str(folder)], scratch
        )
        scratch.unlink()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", default="100000", help="indicator rows, comma-separated (e.g. 1e5,1e6,1e7)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true", help="skip timing reading alone")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    results = []
    print("end to end: `perfrules check FOLDER --format json` in a fresh process (peak = process tree RSS)")
    for rows in sorted(int(float(part)) for part in args.rows.split(",") if part):
        result = measure(rows, args.seed, baseline=not args.no_baseline, jobs=args.jobs)
        print(result.line(), flush=True)
        results.append(result)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
