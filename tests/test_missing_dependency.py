"""A missing optional dependency is one clear message naming the extra, and exit 2 (issue 14 §1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfrules.errors import MissingDependency, install_command

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "submissions" / "seed" / "shijiazhuang-zhengfawei-2020.json"

# Runs the real entry point with some packages made unimportable (None in sys.modules).
_RUN = (
    "import sys\n"
    "for name in sys.argv[1].split(','):\n"
    "    sys.modules[name] = None\n"
    "sys.argv = ['perfrules', *sys.argv[2:]]\n"
    "from perfrules.cli import main\n"
    "main()\n"
)


def _run_without(blocked: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", _RUN, blocked, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


@pytest.mark.parametrize(
    ("blocked", "args", "install"),
    [
        ("hypothesis", ["test", str(ROOT / "rules")], "pip install 'perfrules[author]'"),
        ("pandera,pandera.pandas", ["check", "--strict", str(SEED)], "pip install 'perfrules[contracts]'"),
        ("pyspark,pyspark.errors,pyspark.sql", ["check", "--engine", "spark", str(SEED)], "'perfrules[spark]'"),
        ("openpyxl", ["template", "t.xlsx"], "pip install perfrules"),
    ],
    ids=["test-hypothesis", "strict-pandera", "spark-pyspark", "template-openpyxl"],
)
def test_a_missing_package_is_a_message_naming_the_extra_and_exit_2(
    blocked: str, args: list[str], install: str, tmp_path: Path
) -> None:
    done = _run_without(blocked, *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert install in done.stderr
    assert blocked.split(",")[0] in done.stderr  # the package is named
    assert "Traceback" not in done.stderr and "内部错误" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr  # one line, nothing else
    assert not (tmp_path / "t.xlsx").exists()


def test_the_message_names_feature_package_and_command_in_both_languages() -> None:
    exc = MissingDependency.for_extra("contracts", "pandera", "表约定检查", "table contracts")
    assert str(exc) == (
        "表约定检查需要 pandera：pip install 'perfrules[contracts]' / "
        "table contracts needs pandera: pip install 'perfrules[contracts]'"
    )
    assert (exc.extra, exc.package, exc.exit_code) == ("contracts", "pandera", 2)
    core = MissingDependency.for_core("openpyxl", "读取 .xlsx", "reading .xlsx")
    assert (core.extra, str(core)) == (
        None,
        "读取 .xlsx需要 openpyxl：pip install perfrules / reading .xlsx needs openpyxl: pip install perfrules",
    )
    assert install_command(None) == "pip install perfrules"


def test_the_gx_connection_without_duckdb_engine_names_the_gx_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfrules.export.gx import gx_engine_kwargs

    monkeypatch.setitem(sys.modules, "duckdb_engine", None)
    creator = gx_engine_kwargs(tmp_path / "t.duckdb")["creator"]
    with pytest.raises(MissingDependency, match=r"pip install 'perfrules\[gx\]'"):
        creator()
