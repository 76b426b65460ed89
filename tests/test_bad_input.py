"""Bad submissions and bad rules at the command line: exit 2, a located message, never a traceback.

Everything a user can hand to ``perfrules check`` is here: broken JSON/YAML, wrong types,
missing and unknown fields, duplicate keys, alias bombs, GBK files, empty files, odd
suffixes, a folder with one good and one broken file, a rule with a typo and rules with
hostile SQL. In every case the rest of the work still gets done.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from perfrules.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "submissions" / "seed" / "shijiazhuang-zhengfawei-2020.json"
NATIONAL = ROOT / "rules" / "national"
REFERENCE = ROOT / "rules" / "reference"
BAD = Path(__file__).resolve().parent / "data" / "bad"
# Rules whose findings on the seed (and on PROJECT_TABLE below) prove that the pack still ran.
KEPT_RULES = ("FUND-COMMINGLED", "NARRATIVE-QUAL-ADMISSION", "SCORE-IND-BOUNDS", "SCORE-TOTAL-RANGE")
SEED_FINDINGS = (
    "FUND-COMMINGLED @ /funds/0/expenditures/0/paid_with",
    "NARRATIVE-QUAL-ADMISSION @ /header/narrative",
)

PROJECT_TABLE = """\
document_kind: project_table
header:
  department: 示例局
  fiscal_year: 2022
projects:
  - name: 示例项目
    indicators:
      - {level1: 产出指标, name: 培训人数, kind: quantitative, comparator: gte, target: 100, unit: 人, actual: 120, weight: 20, score: 20}
      - {level1: 效益指标, name: 群众满意, kind: qualitative, actual: 达成年度指标, weight: 10, score: 12}
"""
PROJECT_FINDING = "SCORE-IND-BOUNDS @ /projects/0/indicators/1/score"

runner = CliRunner()


def run(*args: object) -> Result:
    """Invoke the CLI; fail the test on any traceback or escaped exception."""
    result = runner.invoke(app, [str(a) for a in args])
    text = output(result)
    assert "Traceback" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def output(result: Result) -> str:
    try:
        err = result.stderr
    except ValueError:  # stderr mixed into output
        err = ""
    return result.output + err


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real pack: the reference tables and a few national rules."""
    root = tmp_path_factory.mktemp("pack") / "rules"
    shutil.copytree(REFERENCE, root / "reference")
    for rule_id in KEPT_RULES:
        shutil.copy(NATIONAL / f"{rule_id}.yaml", root / f"{rule_id}.yaml")
    return root


def check(rules: Path, *paths: object, fmt: str = "text") -> Result:
    return run("check", *paths, "--rules", rules, "--format", fmt)


def report_of(result: Result) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def only_problem(result: Result) -> dict[str, Any]:
    report = report_of(result)
    assert result.exit_code == 2
    assert report["exit_code"] == 2
    assert report["verdict"] == "error"
    assert report["summary"]["unreadable"] == 1
    assert len(report["problems"]) >= 1
    problem: dict[str, Any] = report["problems"][0]
    return problem


# --- broken documents -------------------------------------------------------------------------


def test_malformed_json_names_line_and_column(rules_dir: Path) -> None:
    bad = BAD / "trailing-comma.json"
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    assert f"{bad}:3:" in output(result)
    assert "malformed JSON" in output(result)
    problem = only_problem(check(rules_dir, bad, fmt="json"))
    assert problem["kind"] == "input"
    line, column = problem["location"].split(":")
    assert (int(line), int(column)) >= (3, 1)


def test_malformed_yaml_names_the_line(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "broken.yaml",
        "document_kind: narrative_report\nheader:\n  department: [示例局\n  fiscal_year: 2022\n",
    )
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    text = output(result)
    assert f"{bad}:" in text
    assert "YAML" in text
    problem = only_problem(check(rules_dir, bad, fmt="json"))
    assert int(problem["location"].split(":")[0]) in (3, 4, 5)


def test_tab_indented_yaml_is_explained(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "tabs.yaml", "document_kind: narrative_report\nheader:\n\tdepartment: 示例局\n")
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    assert f"{bad}:3:" in output(result)
    assert "tabs" in output(result)


def test_wrong_type_points_at_the_field(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "year.json",
        json.dumps({"document_kind": "narrative_report", "header": {"department": "示例局", "fiscal_year": "abc"}}),
    )
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    assert f"{bad}:/header/fiscal_year" in output(result)
    problem = only_problem(check(rules_dir, bad, fmt="json"))
    assert problem["location"] == "/header/fiscal_year"
    assert problem["source"] == str(bad)


def test_wrong_type_in_yaml_also_gives_the_line(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "year.yaml", "document_kind: narrative_report\nheader:\n  department: 示例局\n  fiscal_year: abc\n"
    )
    problem = only_problem(check(rules_dir, bad, fmt="json"))
    assert problem["location"] == "/header/fiscal_year (line 4)"


def test_missing_required_field(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "nodept.json", json.dumps({"document_kind": "narrative_report", "header": {"fiscal_year": 2022}})
    )
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    assert f"{bad}:/header/department" in output(result)
    assert "missing required field department" in output(result)


@pytest.mark.parametrize(
    ("doc", "pointer", "name"),
    [
        ({"document_kind": "narrative_report", "header": {"department": "甲", "fiscal_year": 2022, "deparment": "乙"}},
         "/header/deparment", "deparment"),
        ({"document_kind": "narrative_report", "header": {"department": "甲", "fiscal_year": 2022}, "project": []},
         "/project", "project"),
        ({"document_kind": "project_table", "header": {"department": "甲", "fiscal_year": 2022},
          "projects": [{"name": "乙", "indicators": [{"level1": "产出指标", "name": "丙", "kind": "定量", "scroe": 5}]}]},
         "/projects/0/indicators/0/scroe", "scroe"),
    ],
)  # fmt: skip
def test_unknown_field_is_an_error_not_silently_dropped(
    rules_dir: Path, tmp_path: Path, doc: dict[str, Any], pointer: str, name: str
) -> None:
    bad = write(tmp_path / "extra.json", json.dumps(doc, ensure_ascii=False))
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    assert f"{bad}:{pointer}" in output(result)
    assert f"unknown field {name}" in output(result)


def test_duplicate_key_in_json(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "dup.json",
        '{"document_kind": "narrative_report",\n "header": {"department": "甲", "fiscal_year": 2022, "department": "乙"}}',
    )
    result = check(rules_dir, bad, fmt="json")
    problem = only_problem(result)
    assert "duplicate key" in problem["message"]
    assert "'department'" in problem["message"]
    assert report_of(result)["submissions"] == []  # neither value is silently kept


def test_duplicate_key_in_json_is_located(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "dup.json",
        '{"document_kind": "narrative_report",\n "header": {"department": "甲", "fiscal_year": 2022, "department": "乙"}}',
    )
    problem = only_problem(check(rules_dir, bad, fmt="json"))
    assert problem["location"]


def test_duplicate_key_in_yaml_names_the_line(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(
        tmp_path / "dup.yaml",
        "document_kind: narrative_report\nheader:\n  department: 甲\n  fiscal_year: 2022\n  department: 乙\n",
    )
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    assert f"{bad}:5:3" in output(result)
    assert "duplicate key" in output(result)


def test_yaml_alias_bomb_is_refused_quickly(rules_dir: Path) -> None:
    bomb = BAD / "billion-laughs.yaml"
    start = time.perf_counter()
    result = check(rules_dir, bomb)
    assert time.perf_counter() - start < 10
    assert result.exit_code == 2
    text = output(result)
    assert f"{bomb}:" in text
    assert "alias bomb" in text


def test_deeply_nested_json_is_refused(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "deep.json", '{"document_kind": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    assert f"{bad}" in output(result)
    assert "nested too deeply" in output(result)


def test_deeply_nested_yaml_is_one_located_problem_and_the_rest_still_runs(rules_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.json")
    depth = 990
    deep = write(folder / "deep.yaml", "document_kind: " + "[" * depth + "]" * depth + "\n")
    result = check(rules_dir, folder, fmt="json")
    assert result.exit_code == 2
    report = report_of(result)
    assert [p["source"] for p in report["problems"]] == [str(deep)]
    assert [s["source"] for s in report["submissions"]] == [str(folder / "seed.json")]


# --- encodings, empty files, suffixes ---------------------------------------------------------


def test_gbk_encoded_json_is_read(rules_dir: Path) -> None:
    gbk = BAD / "gbk-narrative-report.json"
    raw = gbk.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is GBK
    result = check(rules_dir, gbk, fmt="json")
    report = report_of(result)
    assert report["problems"] == []
    assert result.exit_code == 1  # blocked by its findings, not an input error
    (sub,) = report["submissions"]
    assert sub["department"] == "石家庄市示例局"
    findings = {f["rule_id"]: f for f in sub["findings"]}
    assert findings["SCORE-TOTAL-RANGE"]["evidence"]["score"] == "105"  # full-width １０５ read as 105
    assert findings["NARRATIVE-QUAL-ADMISSION"]["evidence"]["matched_text"] == "定性评价多定量评价少"


def test_gbk_encoded_yaml_is_read(rules_dir: Path, tmp_path: Path) -> None:
    doc = "document_kind: narrative_report\nheader:\n  department: 石家庄市示例局\n  fiscal_year: 2020\n  self_score: 105\n"
    gbk = write(tmp_path / "gbk.yaml", doc.encode("gbk"))
    result = check(rules_dir, gbk, fmt="json")
    report = report_of(result)
    assert report["problems"] == []
    assert report["submissions"][0]["department"] == "石家庄市示例局"
    assert result.exit_code == 1


def test_undecodable_bytes_are_an_encoding_problem(rules_dir: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "binary.json", b'{"document_kind": "\xff\xfe\xff"}')
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    assert f"{bad}" in output(result)
    assert "encoding" in output(result)


@pytest.mark.parametrize(("name", "content"), [("empty.json", ""), ("empty.yaml", ""), ("blank.json", " \n\n"),
                                               ("comment.yaml", "# 草稿\n"), ("list.json", "[]"), ("scalar.yaml", "42\n")])  # fmt: skip
def test_empty_or_non_object_file_is_one_problem(rules_dir: Path, tmp_path: Path, name: str, content: str) -> None:
    bad = write(tmp_path / name, content)
    result = check(rules_dir, bad, fmt="json")
    problem = only_problem(result)
    assert problem["source"] == str(bad)
    assert problem["message"]
    assert report_of(result)["submissions"] == []


@pytest.mark.parametrize("name", ["submission.xml", "submission.json.bak", "submission"])
def test_unsupported_suffix_is_refused(rules_dir: Path, tmp_path: Path, name: str) -> None:
    bad = write(tmp_path / name, SEED.read_text(encoding="utf-8"))
    result = check(rules_dir, bad)
    assert result.exit_code == 2
    assert str(bad) in output(result)
    assert "unsupported file type" in output(result)


def test_upper_case_suffix_is_accepted(rules_dir: Path, tmp_path: Path) -> None:
    good = write(tmp_path / "SEED.JSON", SEED.read_text(encoding="utf-8"))
    result = check(rules_dir, good)
    assert result.exit_code == 1
    for finding in SEED_FINDINGS:
        assert finding in output(result)


# --- a batch with one broken file -------------------------------------------------------------


def test_folder_with_one_good_and_one_broken_file(rules_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    good = folder / "a-good.json"
    shutil.copy(SEED, good)
    broken = shutil.copy(BAD / "trailing-comma.json", folder / "b-broken.json")
    write(folder / "notes.txt", "ignored")

    result = check(rules_dir, folder, fmt="json")
    assert result.exit_code == 2
    report = report_of(result)
    assert report["verdict"] == "error"
    assert report["summary"]["submissions"] == 2
    assert report["summary"]["checked"] == 1
    assert report["summary"]["unreadable"] == 1
    assert [p["source"] for p in report["problems"]] == [str(broken)]
    assert report["problems"][0]["location"].startswith("3:")
    (sub,) = report["submissions"]
    assert sub["source"] == str(good)
    assert sub["verdict"] == "blocked"
    found = {(f["rule_id"], f["location"]["pointer"]) for f in sub["findings"]}
    assert ("FUND-COMMINGLED", "/funds/0/expenditures/0/paid_with") in found
    assert ("NARRATIVE-QUAL-ADMISSION", "/header/narrative") in found

    text = output(check(rules_dir, folder))
    assert f"{broken}:3:" in text
    for finding in SEED_FINDINGS:
        assert finding in text


# --- broken and hostile rules -----------------------------------------------------------------


def pack_with(tmp_path: Path, rule_id: str, rule_text: str) -> tuple[Path, Path]:
    """A copy of the small pack plus one extra rule file; returns (folder, rule file)."""
    root = tmp_path / "rules"
    shutil.copytree(REFERENCE, root / "reference")
    for kept in KEPT_RULES:
        shutil.copy(NATIONAL / f"{kept}.yaml", root / f"{kept}.yaml")
    return root, write(root / f"{rule_id}.yaml", rule_text)


def submissions(tmp_path: Path) -> list[Path]:
    return [SEED, write(tmp_path / "project-table.yaml", PROJECT_TABLE)]


def line_of(text: str, prefix: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(prefix))


def assert_other_rules_ran(text: str) -> None:
    for finding in (*SEED_FINDINGS, PROJECT_FINDING):
        assert finding in text, f"{finding} missing: the rest of the pack did not run"


def test_rule_with_a_misspelt_key_is_reported_and_the_others_run(tmp_path: Path) -> None:
    text = (NATIONAL / "SCORE-PROJECT-RANGE.yaml").read_text(encoding="utf-8").replace("\nseverity:", "\nseverty:")
    rules, rule_file = pack_with(tmp_path, "SCORE-PROJECT-RANGE", text)
    result = check(rules, *submissions(tmp_path))
    assert result.exit_code == 1  # the dropped rule is reported; the blocked submissions still block
    out = output(result)
    assert f"{rule_file}:{line_of(text, 'severty:')}:1" in out
    assert "[SCORE-PROJECT-RANGE]" in out
    assert "did you mean severity" in out
    assert_other_rules_ran(out)

    report = report_of(check(rules, *submissions(tmp_path), fmt="json"))
    for sub in report["submissions"]:
        ledger = {e["rule_id"]: e["status"] for e in sub["ledger"]}
        assert ledger["SCORE-PROJECT-RANGE"] == "errored"
        assert ledger["FUND-COMMINGLED"] in ("evaluated", "not_applicable")


HOSTILE_RULE = """\
id: HOSTILE-SQL
version: "1.0"
severity: error
title: {{zh: 恶意规则, en: hostile rule}}
message: {{zh: 恶意规则, en: hostile rule}}
basis:
  - {{document: 测试, verification: R}}
table: indicators
applies_to: [project_table, department_table, narrative_report]
points_at: score
{evidence}check:
  kind: sql
{where}  fails_when: |-
    {fails_when}
"""

HOSTILE_FAILS_WHEN = [
    "read_csv('/etc/passwd') IS NOT NULL",
    "\"READ_CSV\"('/etc/passwd') IS NOT NULL",
    "query('select 1') IS NOT NULL",
    "score > 1; COPY indicators TO '{tmp}/x.csv'",
    "score > 1; ATTACH '{tmp}/x.db'",
    "score > 1; INSTALL httpfs",
    "score > 1 /* hide */; PRAGMA version",
    "score IN (SELECT 1)",
    "score / weight > 1",
    "score IN (FROM read_csv('/etc/passwd'))",
    "score > 1 AND getenv('HOME') IS NOT NULL",
]


@pytest.mark.parametrize("fails_when", HOSTILE_FAILS_WHEN)
def test_hostile_sql_rule_is_refused_and_the_others_run(tmp_path: Path, fails_when: str) -> None:
    fails_when = fails_when.format(tmp=tmp_path)
    text = HOSTILE_RULE.format(evidence="", where="", fails_when=fails_when)
    rules, rule_file = pack_with(tmp_path, "HOSTILE-SQL", text)
    result = check(rules, *submissions(tmp_path))
    out = output(result)
    assert result.exit_code == 1, out  # the dropped rule is reported; the blocked submissions still block
    assert "[HOSTILE-SQL]" in out
    assert f"{rule_file}:{line_of(text, 'fails_when:')}:" in out
    assert "root:" not in out  # nothing from /etc/passwd
    assert_other_rules_ran(out)
    assert not (tmp_path / "x.csv").exists()
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("evidence", "where", "key"),
    [
        ("evidence:\n  leak: \"read_csv('/etc/passwd')\"\n", "", "leak:"),
        ("", "  where: \"query('select 1') IS NOT NULL\"\n", "where:"),
    ],
)
def test_hostile_sql_in_evidence_or_where_is_refused(tmp_path: Path, evidence: str, where: str, key: str) -> None:
    text = HOSTILE_RULE.format(evidence=evidence, where=where, fails_when="score > weight")
    rules, rule_file = pack_with(tmp_path, "HOSTILE-SQL", text)
    result = check(rules, *submissions(tmp_path))
    out = output(result)
    assert result.exit_code == 1, out  # the dropped rule is reported; the blocked submissions still block
    assert f"{rule_file}:{line_of(text, key)}:" in out
    assert "[HOSTILE-SQL]" in out
    assert_other_rules_ran(out)


@pytest.mark.parametrize(
    "fails_when",
    [
        "score > 1 -- */ ; COPY (SELECT 1) TO '{target}'; --",
        "score > 1 -- /* */ ; COPY (SELECT 1) TO '{target}'; /* */",
    ],
)
def test_comments_cannot_smuggle_a_statement(tmp_path: Path, fails_when: str) -> None:
    target = tmp_path / "smuggled.csv"
    text = HOSTILE_RULE.format(evidence="", where="", fails_when=fails_when.format(target=target))
    rules, _ = pack_with(tmp_path, "HOSTILE-SQL", text)
    result = check(rules, *submissions(tmp_path))
    assert not target.exists()
    # Accepted as the harmless `score > 1`, or refused; either way the pack ran.
    assert result.exit_code in (1, 2)
    assert_other_rules_ran(output(result))
