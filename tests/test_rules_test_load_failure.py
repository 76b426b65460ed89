"""`perfrules test` must not look all-passed while a rule file failed to load (issue 14 §2)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from perfrules.cli import app
from tests.conftest import RULES


def test_a_rule_that_failed_to_load_fails_the_run_with_the_count_not_run(tmp_path: Path) -> None:
    shutil.copy(RULES / "pack.yaml", tmp_path / "pack.yaml")
    (tmp_path / "national").mkdir()
    shutil.copy(RULES / "national" / "BUDGET-EXEC-SCORE.yaml", tmp_path / "national")
    (tmp_path / "national" / "BROKEN.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["test", str(tmp_path), "--examples", "1"])
    assert result.exit_code == 2, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("✗"), last
    assert "1 rule files failed to load and were not run" in last
