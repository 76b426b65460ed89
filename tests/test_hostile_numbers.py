"""Hostile numbers: 5,000-digit integers and 1e999999999 in every file perfrules reads.

Each is a problem at the file and line, the rest of the batch is still reported, and nothing
reaches Python's int-string limit, Decimal overflow or DuckDB's DECIMAL(18,4).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perfrules import validate
from perfrules.model.values import ValueState, parse_num
from perfrules.numbers import NumberTooLarge, bounded_decimal, bounded_int
from perfrules.pack.lint import lint_paths
from perfrules.pack.loader import load_pack
from perfrules.read.documents import read_path
from tests.conftest import ROOT, RULES, SEED

HUGE = "9" * 5000
EXTREME = ["9" * 5000, "-" + "9" * 65, "1e999999999", "1.5e-999999999999", "1e65", "0e999999"]


@pytest.mark.parametrize("literal", EXTREME)
def test_a_literal_past_the_bounds_is_refused_before_it_is_used(literal: str) -> None:
    with pytest.raises(NumberTooLarge) as refused:
        (bounded_decimal if any(c in literal for c in ".e") else bounded_int)(literal)
    assert len(refused.value.message) < 300


@pytest.mark.parametrize("literal", ["0", "-12", "1" * 64, "1e64", "2.5e-10", "99999999999999.9999"])
def test_ordinary_literals_are_read_exactly(literal: str) -> None:
    value = bounded_decimal(literal) if any(c in literal for c in ".e") else bounded_int(literal)
    assert Decimal(value) == Decimal(literal)


def _seed_with(tmp_path: Path, name: str, tail: str) -> Path:
    text = json.dumps(json.loads(SEED.read_text(encoding="utf-8")), ensure_ascii=False)
    path = tmp_path / name
    path.write_text(text[:-1] + f', "zz": {tail}' + "}", encoding="utf-8")
    return path


@pytest.mark.parametrize("literal", [HUGE, "1e999999999", "-1" + "0" * 70 + ".5"])
def test_a_huge_number_in_a_json_submission_costs_only_that_submission(tmp_path: Path, literal: str) -> None:
    hostile = _seed_with(tmp_path, "big.json", literal)
    report = validate([hostile, SEED])
    assert [p.source for p in report.problems] == [str(hostile)]
    problem = report.problems[0]
    assert problem.location and problem.location.startswith("1:")
    assert "number too large" in problem.message
    assert report.summary["checked"] == 1
    assert report.exit_code == 2


def test_a_huge_integer_in_a_yaml_submission_is_a_problem_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("document_kind: project_table\nheader:\n  fiscal_year: " + HUGE + "\n", encoding="utf-8")
    result = read_path(path)
    assert result.submission is None
    assert [p.location for p in result.problems] == ["3:16"]


def test_the_cli_reports_the_rest_of_the_batch_and_exits_2(tmp_path: Path) -> None:
    hostile = _seed_with(tmp_path, "big.json", HUGE)
    done = subprocess.run(
        [sys.executable, "-m", "perfrules", "check", "--format", "json", str(hostile), str(SEED)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert [s["source"] for s in report["submissions"]] == [str(SEED)]
    assert report["problems"][0]["source"] == str(hostile)


@pytest.mark.parametrize(
    ("value", "state", "reason"),
    [
        ({"state": "value", "value": "1e20"}, ValueState.MALFORMED, "not a number"),
        ({"state": "value", "value": Decimal("1e20")}, ValueState.MALFORMED, "out of range"),
        ({"state": "value", "value": Decimal("1E+999999999999")}, ValueState.MALFORMED, "out of range"),
        ({"state": "value", "value": "12.345678"}, ValueState.MALFORMED, "decimal places"),
        ({"state": "value"}, ValueState.MALFORMED, "without a number"),
        ({"state": "value", "value": True}, ValueState.MALFORMED, "without a number"),
        ({"state": "value", "value": "12.5", "extra": 1}, ValueState.MALFORMED, "unknown fields"),
        ({"state": "value", "value": "１２.５"}, ValueState.VALUE, None),
        (Decimal("1.5E-99999999999999999"), ValueState.MALFORMED, "decimal places"),
        (Decimal("0E-999999999"), ValueState.VALUE, None),
    ],
)
def test_the_number_object_passes_the_same_checks_as_text(value: Any, state: ValueState, reason: str | None) -> None:
    num = parse_num(value)
    assert num.state is state
    assert (reason is None and num.reason is None) or (reason and num.reason and reason in num.reason)
    if state is ValueState.VALUE:
        assert num.value is not None and abs(num.value) < Decimal("1e14")


def test_a_number_object_of_1e20_is_a_finding_not_an_insert_overflow(tmp_path: Path) -> None:
    from perfrules.yaml12 import load_yaml

    clean = ROOT / "fixtures/submissions/clean/project-table-training.yaml"
    data = load_yaml(clean.read_text(encoding="utf-8")).data
    data["projects"][0]["indicators"][0]["score"] = {"state": "value", "value": "1e20"}
    path = tmp_path / "object.json"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    report = validate([path, clean])
    assert not report.problems
    assert report.summary["checked"] == 2
    hostile, untouched = report.submissions
    assert [f.rule_id for f in hostile.findings if f.rule_id.startswith("DATA-")] == ["DATA-MALFORMED-SCORE"]
    assert untouched.verdict == "pass"


def _copied_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    return pack


def test_a_huge_number_in_a_rule_drops_that_rule_at_its_line(tmp_path: Path) -> None:
    pack = _copied_pack(tmp_path)
    rule = pack / "national" / "TEXT-DEVIATION-LENGTH.yaml"
    text = rule.read_text(encoding="utf-8")
    assert "default: 500" in text
    rule.write_text(text.replace("default: 500", "default: " + HUGE), encoding="utf-8")
    line = next(i for i, row in enumerate(rule.read_text(encoding="utf-8").splitlines(), 1) if HUGE in row)
    problems = lint_paths([pack])
    assert [(p.file, p.line) for p in problems] == [(str(rule), line)]
    report = validate([SEED], rules=pack)
    assert [p.source for p in report.problems] == [str(rule)]
    assert report.summary["checked"] == 1


def test_a_huge_number_in_pack_yaml_is_a_problem_not_a_silent_rename(tmp_path: Path) -> None:
    pack = _copied_pack(tmp_path)
    (pack / "pack.yaml").write_text("name: national\nversion: " + HUGE + "\n", encoding="utf-8")
    problems = load_pack(pack).problems
    assert [(Path(p.file).name, p.line) for p in problems] == [("pack.yaml", 2)]


def test_a_huge_number_in_an_overlay_is_a_problem_at_the_overlay(tmp_path: Path) -> None:
    overlay = tmp_path / "ov.yaml"
    overlay.write_text(
        "name: x\nchanges:\n  - rule: TEXT-DEVIATION-LENGTH\n    reason: r\n    parameters:\n      max_chars: "
        + HUGE
        + "\n",
        encoding="utf-8",
    )
    pack = load_pack(RULES, overlays=[overlay])
    assert [(p.file, p.line) for p in pack.problems] == [(str(overlay), 6)]


def test_a_huge_number_in_a_waiver_file_is_a_problem_and_the_batch_still_runs(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"waivers:\n  - fingerprint: x\n    approver: 张三\n    reason: {HUGE}\n", encoding="utf-8")
    report = validate([SEED], waivers=waivers)
    assert [(p.source, p.location) for p in report.problems] == [(str(waivers), "4:13")]
    assert report.summary["checked"] == 1
    assert report.exit_code == 2
