"""Worst-case cost per hostile input: every file under 1 MB within 10 s and 1 GiB, whatever it holds.

Each input is built here (from the layout-A fixture and the seed submission, edited at the XML
or text level) and checked by a fresh ``perfrules check FILE --format json`` process. Wall time
and the peak resident memory of the whole process tree (reader workers included, sampled every
20 ms from /proc as in end_to_end.py) are recorded, with the exit code and whether the report
names the file. The inputs cover the shapes that once cost minutes or gigabytes: a merge over
the whole sheet, 500 tall merges, merges just under the reader's cap (the worst legal case), a
far cell in a form and in a tidy sheet, a 5,000-digit integer, a number object of 1e20, YAML
nested 3,000 deep and an alias bomb.

Exit status: 0 if every input is within budget, exits 0, 1 or 2 (never a traceback), and gets
a report; 1 otherwise.

    python benchmarks/hostile_inputs.py                 # all inputs, table on stdout
    python benchmarks/hostile_inputs.py --json benchmarks/out/hostile.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from end_to_end import _tree_rss_kib as tree_rss_kib  # noqa: E402

from tests.hostile_workbooks import with_far_cell, with_merges  # noqa: E402

SEED = REPO / "fixtures" / "submissions" / "seed" / "shijiazhuang-zhengfawei-2020.json"
MAX_SECONDS = 10.0
MAX_MIB = 1024.0
MAX_INPUT_BYTES = 1024 * 1024


@dataclass
class Cost:
    name: str
    bytes: int
    seconds: float
    peak_mib: float
    exit_code: int
    reported: bool
    traceback: bool

    @property
    def ok(self) -> bool:
        return (
            self.bytes < MAX_INPUT_BYTES
            and self.seconds <= MAX_SECONDS
            and self.peak_mib <= MAX_MIB
            and self.exit_code in (0, 1, 2)
            and self.reported
            and not self.traceback
        )

    def line(self) -> str:
        verdict = "ok" if self.ok else "OVER"
        return (
            f"  {self.name:<22} {self.bytes:>9,} B  {self.seconds:6.2f} s  {self.peak_mib:7.0f} MiB  "
            f"exit {self.exit_code}  {verdict}"
        )


def _seed_text() -> str:
    return json.dumps(json.loads(SEED.read_text(encoding="utf-8")), ensure_ascii=False)


def _tidy_far(path: Path) -> Path:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    from perfrules.read.tidy_template import write_template

    write_template(path)
    book = load_workbook(path)
    book["基本信息"].append(["项目支出绩效自评表", "示例局", "2022"])
    book["绩效指标"]["BL100000"] = "far"
    book.save(path)
    return path


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def inputs(folder: Path) -> dict[str, Callable[[], Path]]:
    """Name → a builder writing that hostile input into ``folder``."""
    near_cap = [f"A{100 + i * 33}:BL{100 + i * 33 + 31}" for i in range(48)]  # 98,304 cells: just legal
    seed = _seed_text()
    return {
        "merge-sheet-wide": lambda: with_merges(folder / "sheet-wide.xlsx", ["A20:XFD1048576"]),
        "merge-500-tall": lambda: with_merges(folder / "tall.xlsx", [f"A{30 + i}:J99000" for i in range(500)]),
        "merge-near-cap": lambda: with_merges(folder / "near-cap.xlsx", near_cap),
        "far-cell-form": lambda: with_far_cell(folder / "far-form.xlsx"),
        "far-cell-last": lambda: with_far_cell(folder / "far-last.xlsx", "XFD1048576"),
        "far-cell-tidy": lambda: _tidy_far(folder / "far-tidy.xlsx"),
        "int-5000-digits": lambda: _text(folder / "digits.json", seed[:-1] + ', "zz": ' + "9" * 5000 + "}"),
        "number-object-1e20": lambda: _text(
            folder / "object.json",
            seed.replace('"self_score": "100"', '"self_score": {"state": "value", "value": "1e20"}', 1),
        ),
        "yaml-3000-deep": lambda: _text(folder / "deep.yaml", "a: " + "[" * 3000 + "]" * 3000 + "\n"),
        "yaml-alias-bomb": lambda: _text(
            folder / "bomb.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)),
        ),
    }


def measure(name: str, path: Path) -> Cost:
    command = [sys.executable, "-m", "perfrules", "check", "--format", "json", str(path)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    peak = [0]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO, env=env)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kib(process.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    try:
        report = json.loads(out)
        reported = str(path) in json.dumps(report, ensure_ascii=False)
    except ValueError:
        reported = False
    return Cost(name, path.stat().st_size, seconds, peak[0] / 1024, process.returncode, reported, b"Traceback" in err)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated input names")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="perfrules-hostile-") as tmp:
        builders = inputs(Path(tmp))
        names = args.only.split(",") if args.only else list(builders)
        print(f"hostile inputs: each within {MAX_SECONDS:g} s and {MAX_MIB:g} MiB (process tree), file < 1 MiB")
        costs = []
        for name in names:
            cost = measure(name, builders[name]())
            costs.append(cost)
            print(cost.line(), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(c) for c in costs], indent=2), encoding="utf-8")
    worst = max(costs, key=lambda c: c.seconds)
    print(f"worst: {worst.name} {worst.seconds:.2f} s; peak {max(c.peak_mib for c in costs):.0f} MiB")
    return 0 if all(c.ok for c in costs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
