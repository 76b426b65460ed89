"""The Songgang corpus end to end: 291 target declarations in one `perfrules check`, against reading alone.

Workload: ``../shared/real/songgang-2023/项目信息.xlsx`` (291 projects, 3,024 indicator rows, read at
run time, never copied into the repository). The measured process is a fresh ``perfrules check FILE
--format json`` with the shipped pack (the declaration pack's 25 rules apply); the baseline is a fresh
process that only reads the workbook into submissions (``perfrules.read_inputs``, no rules).
Peak memory is the process tree's resident memory sampled every 50 ms. The pack cache is warmed by
one run that is not counted.

    python benchmarks/declarations.py [--repeat 3] [--json benchmarks/out/declarations.json]

The exit code of ``perfrules check`` on this corpus is 2: the export's two sheets disagree on two
projects, which is reported as an input problem (see docs/declaration-review.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from end_to_end import _READ_ONLY, REPO, _tree_rss_kib

CORPUS = REPO.parent / "shared" / "real" / "songgang-2023" / "项目信息.xlsx"


def timed(command: list[str]) -> tuple[float, float, int, bytes]:
    """Wall seconds, peak MiB of the process tree, exit code and stdout."""
    peak = [0]
    with tempfile.TemporaryFile() as sink:
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
        sink.seek(0)
        out = sink.read()
    if process.returncode not in (0, 1, 2) or not out:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {err.decode()[-800:]}")
    return seconds, peak[0] / 1024, process.returncode, out


def measure(corpus: Path, repeat: int) -> dict[str, object]:
    check = [sys.executable, "-m", "perfrules", "check", str(corpus), "--format", "json"]
    read = [sys.executable, "-c", _READ_ONLY, str(corpus)]
    timed(check)  # warm the compiled-pack cache
    runs = [timed(check) for _ in range(repeat)]
    reads = [timed(read) for _ in range(repeat)]
    report = json.loads(runs[-1][3])
    return {
        "corpus": corpus.name,
        "projects": report["summary"]["submissions"],
        "unreadable": report["summary"]["unreadable"],
        "findings": report["summary"]["findings"],
        "exit_code": runs[-1][2],
        "check_seconds": statistics.median(r[0] for r in runs),
        "check_peak_mib": max(r[1] for r in runs),
        "read_seconds": statistics.median(r[0] for r in reads),
        "read_peak_mib": max(r[1] for r in reads),
        "read_submissions": int(reads[-1][3]),
        "repeat": repeat,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"语料不在 / corpus absent: {args.corpus} (skipped)")
        return 0
    result = measure(args.corpus, args.repeat)
    share = result["read_seconds"] / result["check_seconds"]  # type: ignore[operator]
    print(
        f"{result['projects']} projects, {result['findings']} findings, exit {result['exit_code']}: "
        f"check {result['check_seconds']:.2f} s ({result['check_peak_mib']:.0f} MiB), "
        f"reading alone {result['read_seconds']:.2f} s ({result['read_peak_mib']:.0f} MiB) = {share:.0%} of the run"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
