"""The report JSON, the submission and rule formats are published as JSON Schemas kept current."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from perfrules import validate
from perfrules.cli import app
from perfrules.model.schemas import SCHEMAS, stale_schemas, write_schemas
from perfrules.pack.loader import Pack
from perfrules.read.inputs import read_inputs
from perfrules.tables.contracts import check_contracts
from perfrules.tables.normalize import normalize
from tests.conftest import FIXTURES, ROOT, SEED

DOCS = ROOT / "docs"


def test_committed_schemas_are_current() -> None:
    assert stale_schemas(DOCS) == [], "run `perfrules schema --out docs`"


def test_schema_command_writes_and_checks(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["schema", "--out", str(tmp_path), "--check"]).exit_code == 1
    assert runner.invoke(app, ["schema", "--out", str(tmp_path)]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SCHEMAS)
    assert runner.invoke(app, ["schema", "--out", str(tmp_path), "--check"]).exit_code == 0


@pytest.mark.parametrize("paths", [[SEED], [FIXTURES / "clean"], [FIXTURES]])
def test_reports_validate_against_the_committed_schema(pack: Pack, paths: list[Path]) -> None:
    schema = json.loads((DOCS / "report.schema.json").read_text(encoding="utf-8"))
    report = json.loads(validate(paths, rules=pack).model_dump_json())
    jsonschema.validate(report, schema)


def test_fixtures_validate_against_the_submission_schema() -> None:
    from perfrules.yaml12 import load_yaml

    schema = json.loads((DOCS / "submission.schema.json").read_text(encoding="utf-8"))
    for path in sorted(FIXTURES.rglob("*.*")):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else load_yaml(text).data
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)


def test_rule_files_validate_against_the_rule_schema() -> None:
    from perfrules.yaml12 import load_yaml

    schema = json.loads((DOCS / "rule.schema.json").read_text(encoding="utf-8"))
    for path in sorted((ROOT / "rules" / "national").glob("*.yaml")):
        data = load_yaml(path.read_text(encoding="utf-8")).data
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)


def test_pandera_contracts_hold_on_all_fixtures_and_catch_a_broken_table() -> None:
    read = read_inputs([FIXTURES])
    batch = normalize(r.submission for r in read if r.submission is not None)
    assert check_contracts(batch.tables) == []
    batch.tables["indicators"].columns["score"][0] = None  # a score vanishing while its state says 'value'
    problems = check_contracts(batch.tables)
    assert any("score has a value exactly when score_state is 'value'" in p for p in problems)


def test_strict_mode_runs_contracts_and_passes_on_the_seed() -> None:
    result = CliRunner().invoke(app, ["check", "--strict", str(SEED), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"] == []


def test_default_json_path_never_imports_heavy_libraries() -> None:
    code = (
        "import sys, perfrules; perfrules.validate(sys.argv[1]);"
        "heavy = [m for m in ('pandera', 'pandas', 'great_expectations', 'openpyxl', 'pyspark') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(SEED)], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_write_schemas_returns_every_file(tmp_path: Path) -> None:
    assert len(write_schemas(tmp_path / "new")) == len(SCHEMAS)
