"""The command line a bureau reviewer and a CI job use."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import perfrules
from perfrules.cli import app
from tests.conftest import FIXTURES, RULES, SEED

runner = CliRunner()
BROKEN = FIXTURES / "broken" / "project-table-errors.yaml"
CLEAN = FIXTURES / "clean" / "project-table-training.yaml"


def test_fail_on_threshold_controls_the_exit_code() -> None:
    assert runner.invoke(app, ["check", str(CLEAN)]).exit_code == 0
    seed_warning_only = runner.invoke(app, ["check", str(SEED), "--fail-on", "warning", "--format", "json"])
    report = json.loads(seed_warning_only.output)
    assert report["fail_on"] == "warning"
    assert all(f["blocking"] for s in report["submissions"] for f in s["findings"])


def test_usage_errors_exit_2() -> None:
    assert runner.invoke(app, ["check", "no/such/file.json"]).exit_code == 2
    assert runner.invoke(app, ["check", str(SEED), "--fail-on", "fatal"]).exit_code == 2
    assert runner.invoke(app, ["check", str(SEED), "--format", "xml"]).exit_code == 2


def test_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "no submission files" in result.output


def test_json_output_to_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["check", str(BROKEN), "--format", "json", "--output", str(out)])
    assert result.exit_code == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["verdict"] == "blocked"
    assert report["pack"]["name"] == "national"
    assert report["inputs"][0]["sha256"].startswith("sha256:")
    # Streamed as it is built, yet the same bytes as the whole report, and no spool file left.
    assert out.read_text(encoding="utf-8") == perfrules.validate([BROKEN]).model_dump_json(indent=2) + "\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_text_report_names_the_project_and_the_rule() -> None:
    result = runner.invoke(app, ["check", str(BROKEN)])
    assert "[项目: 高标准农田建设] 指标“建设面积”得分 32" in result.output  # the message alone names no project
    assert "SCORE-IND-BOUNDS @ /projects/0/indicators/0/score" in result.output
    # BUDGET-EXEC-SCORE rests only on an [R] basis: the JSON says so, the submitter sees the clause alone.
    assert "BUDGET-EXEC-SCORE: 财预〔2020〕10号" in result.output and "未经核实" not in result.output


def test_rules_list_shows_every_rule() -> None:
    result = runner.invoke(app, ["rules", "list", "--rules", str(RULES)])
    assert result.exit_code == 0
    assert "FUND-COMMINGLED" in result.output
    assert len(result.output.strip().splitlines()) == len(perfrules.load_pack(RULES).rules)


def test_lint_clean_pack_and_a_single_file(tmp_path: Path) -> None:
    assert runner.invoke(app, ["lint", str(RULES)]).exit_code == 0
    bad = tmp_path / "BAD.yaml"
    bad.write_text("id: X-1\nversion: '1.0'\nseverty: error\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:3:1" in result.output
    assert "did you mean severity" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert perfrules.__version__ in result.output


def test_catalogue_command_writes_then_reports_current(tmp_path: Path) -> None:
    assert runner.invoke(app, ["catalogue", "--rules", str(RULES), "--docs", str(tmp_path), "--check"]).exit_code == 1
    written = runner.invoke(app, ["catalogue", "--rules", str(RULES), "--docs", str(tmp_path)])
    assert written.exit_code == 0
    assert (tmp_path / "rules" / "FUND-COMMINGLED.md").is_file()
    assert (tmp_path / "tables.md").is_file()
    assert runner.invoke(app, ["catalogue", "--rules", str(RULES), "--docs", str(tmp_path), "--check"]).exit_code == 0


def test_template_round_trips_through_check(tmp_path: Path) -> None:
    out = tmp_path / "模板.xlsx"
    assert runner.invoke(app, ["template", str(out)]).exit_code == 0
    assert out.is_file()
    blank = runner.invoke(app, ["check", str(out), "--format", "json"])
    assert blank.exit_code == 2  # a blank template has no department or year: an input error, located
    assert "基本信息" in blank.output
    assert runner.invoke(app, ["template", str(tmp_path / "x.csv")]).exit_code == 2


def test_template_never_overwrites_an_existing_file_without_force(tmp_path: Path) -> None:
    out = tmp_path / "已填报.xlsx"
    out.write_bytes(b"a filled-in workbook the user must not lose")
    refused = runner.invoke(app, ["template", str(out)])
    assert refused.exit_code == 2
    assert "--force" in refused.output
    assert out.read_bytes() == b"a filled-in workbook the user must not lose"
    assert runner.invoke(app, ["template", str(out), "--force"]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"  # a real .xlsx now


def test_workbooks_and_csv_bundles_are_found_in_folders() -> None:
    from perfrules.read.inputs import expand_inputs

    found = [p.name for p in expand_inputs([FIXTURES.parent])]
    assert "layout-a-training.xlsx" in found
    assert "shijiazhuang-zhengfawei-2020.json" in found


def test_junit_html_and_annotated_copies_from_one_check(tmp_path: Path) -> None:
    import shutil
    import xml.etree.ElementTree as ET

    import openpyxl

    book = tmp_path / "form.xlsx"
    shutil.copy(FIXTURES.parent / "workbooks" / "layout-a-training.xlsx", book)
    sheet = openpyxl.load_workbook(book)["项目1"]
    sheet["H13"] = 99999  # an indicator score far above its weight
    sheet.parent.save(book)
    before = book.read_bytes()
    result = runner.invoke(
        app,
        [
            "check",
            str(book),
            "--format",
            "junit",
            "--html",
            str(tmp_path / "html"),
            "--annotate",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 1
    suites = ET.fromstring(result.stdout)
    assert any(case.find("failure") is not None for case in suites.iter("testcase"))
    assert (tmp_path / "html" / "index.html").is_file()
    annotated = openpyxl.load_workbook(tmp_path / "out" / "form.审核意见.xlsx")
    assert annotated["项目1"]["H13"].comment is not None
    assert "SCORE-IND-BOUNDS" in annotated["项目1"]["H13"].comment.text
    assert book.read_bytes() == before


def test_a_batch_ends_with_tables_per_department_and_per_rule() -> None:
    result = runner.invoke(app, ["check", str(FIXTURES)])
    assert "按部门 / by department:" in result.output
    department_rows = [
        line for line in result.output.splitlines() if line.strip().startswith("中共石家庄市委政法委员会")
    ]
    assert department_rows[-1].split()[1:3] == ["1", "1"]  # one file, blocked
    assert "FUND-COMMINGLED" in result.output.split("按规则 / by rule:")[1]


def test_export_gx_writes_a_suite(tmp_path: Path) -> None:
    out = tmp_path / "suite.json"
    result = runner.invoke(app, ["export", "gx", "--out", str(out), "--rules", str(RULES)])
    assert result.exit_code == 0, result.output
    suite = json.loads(out.read_text(encoding="utf-8"))
    assert len(suite["expectations"]) == len(perfrules.load_pack(RULES).rules)
    assert runner.invoke(app, ["export", "gx", "--out", str(out), "--db", str(tmp_path / "x.db")]).exit_code == 2


def test_perfrules_test_runs_examples_and_properties_on_a_rule_file() -> None:
    result = runner.invoke(
        app, ["test", str(RULES / "national" / "FUND-COMMINGLED.yaml"), "--examples", "5", "--coverage"]
    )
    assert result.exit_code == 0, result.output
    assert "2/2" in result.output
