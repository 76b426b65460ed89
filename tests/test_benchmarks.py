"""The benchmark runs in CI at small sizes, and every engine must flag the same rows."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_quick_benchmark_runs_and_all_engines_agree() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "perfrules" in done.stdout


@pytest.mark.slow
def test_every_hostile_input_stays_within_its_budget() -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/hostile_inputs.py"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "merge-sheet-wide" in done.stdout and "OVER" not in done.stdout
