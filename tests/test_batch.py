"""Batch equals singles; the report is deterministic."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from perfrules import RunSettings, validate
from perfrules.model.report import Finding
from perfrules.pack.loader import Pack
from tests.conftest import FIXTURES, SEED

CLEAN = FIXTURES / "clean" / "project-table-training.yaml"
BROKEN = FIXTURES / "broken" / "project-table-errors.yaml"


def _key(source: str, f: Finding) -> tuple[str, str, str, str, str]:
    return (source, f.rule_id, f.location.pointer, f.fingerprint, f.message.zh)


def test_batch_equals_union_of_singles_with_colliding_ids_and_a_duplicate(pack: Pack, tmp_path: Path) -> None:
    twin = tmp_path / "same-as-broken.yaml"
    shutil.copy(BROKEN, twin)
    inputs = [SEED, CLEAN, BROKEN, twin]
    batch = validate(inputs, rules=pack)
    together = sorted(_key(s.source, f) for s in batch.submissions for f in s.findings)
    alone = sorted(_key(s.source, f) for i in inputs for s in validate(i, rules=pack).submissions for f in s.findings)
    assert together == alone
    assert len({s.source for s in batch.submissions}) == 4
    # the twin is flagged exactly like the original, with the same fingerprints
    by_source = {s.source: s for s in batch.submissions}
    assert [f.fingerprint for f in by_source[str(twin)].findings] == [
        f.fingerprint for f in by_source[str(BROKEN)].findings
    ]


def test_same_inputs_give_a_byte_identical_report(pack: Pack) -> None:
    first = validate([SEED, BROKEN, CLEAN], rules=pack).model_dump_json(indent=2)
    second = validate([SEED, BROKEN, CLEAN], rules=pack).model_dump_json(indent=2)
    assert first == second


def test_fingerprints_survive_reordering_projects(pack: Pack, tmp_path: Path) -> None:
    import json

    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["projects"].reverse()
    moved = tmp_path / "reordered.json"
    moved.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = {f.rule_id: f.fingerprint for s in validate(SEED, rules=pack).submissions for f in s.findings}
    after = {f.rule_id: f for s in validate(moved, rules=pack).submissions for f in s.findings}
    assert {k: f.fingerprint for k, f in after.items()} == before
    assert (
        after["TIME-AFTER-FY-COMPLETE"].location.pointer == "/projects/5/self_score"
    )  # the middle of 11 projects keeps index 5


def test_clean_fixture_exits_0_with_no_findings(pack: Pack) -> None:
    report = validate(CLEAN, rules=pack)
    assert report.exit_code == 0
    assert report.summary["findings"] == 0
    assert {e.status for e in report.submissions[0].ledger} <= {"evaluated", "not_applicable"}


def test_parallel_reading_gives_the_same_report(pack: Pack, tmp_path: Path) -> None:
    for i in range(6):
        shutil.copy(BROKEN, tmp_path / f"dept-{i}.yaml")
    (tmp_path / "corrupt.json").write_text("{ not json", encoding="utf-8")
    seen: list[tuple[int, int]] = []
    serial = validate([tmp_path], rules=pack)
    parallel = validate(
        [tmp_path], rules=pack, settings=RunSettings(jobs=2, progress=lambda done, total: seen.append((done, total)))
    )
    assert parallel.model_dump_json() == serial.model_dump_json()
    assert seen[-1] == (7, 7)
    assert parallel.exit_code == 2  # the corrupt file is reported, and the other six are still checked
    assert parallel.summary["checked"] == 6


def _clustered_forms(folder: Path, department: str, stem: str) -> None:
    """Three one-project forms of one department and year, scored 99.5, 100 and 99.9 (PLAUS-DEPT-CLUSTER)."""
    for i, score in enumerate(("99.5", "100", "99.9")):
        (folder / f"{stem}-{i}.yaml").write_text(
            f"document_kind: project_table\nheader: {{department: '{department}', fiscal_year: 2022}}\n"
            f"projects: [{{name: 项目{i}, self_score: '{score}'}}]\n",
            encoding="utf-8",
        )


def test_a_batch_scoped_rule_sees_a_department_across_its_files(pack: Pack, tmp_path: Path) -> None:
    _clustered_forms(tmp_path, "甲局", "project")
    (tmp_path / "other.yaml").write_text(
        "document_kind: project_table\nheader: {department: 乙局, fiscal_year: 2022}\nprojects: [{name: 项目, self_score: 100}]\n",
        encoding="utf-8",
    )
    together = validate([tmp_path], rules=pack)
    flagged = {s.source for s in together.submissions for f in s.findings if f.rule_id == "PLAUS-DEPT-CLUSTER"}
    assert flagged == {str(tmp_path / f"project-{i}.yaml") for i in range(3)}
    alone = validate(tmp_path / "project-0.yaml", rules=pack)
    assert not any(f.rule_id == "PLAUS-DEPT-CLUSTER" for s in alone.submissions for f in s.findings)


def test_forms_with_a_blank_department_are_not_pooled_as_one_department(pack: Pack, tmp_path: Path) -> None:
    """Three unrelated forms that each leave 主管部门 blank share the name "", not a department."""
    _clustered_forms(tmp_path, "", "unnamed")
    report = validate([tmp_path], rules=pack)
    rules = [{f.rule_id for f in s.findings} for s in report.submissions]
    assert len(rules) == 3 and all("DATA-DEPARTMENT-BLANK" in r and "PLAUS-DEPT-CLUSTER" not in r for r in rules)


def test_run_pack_streams_its_inputs_and_keeps_no_submission_rows(pack: Pack, tmp_path: Path) -> None:
    """A generator of inputs is read once, in order, and each submission's projects are let go
    once its rows are in the tables: by the time the engine runs, none is alive (what keeps a
    national batch in memory)."""
    import gc
    import weakref
    from collections.abc import Iterator, Sequence

    from perfrules.compile.kinds import CompiledRule
    from perfrules.engine.duckdb_engine import DuckDBEngine, EngineResult
    from perfrules.model.rule import Severity
    from perfrules.model.submission import Project
    from perfrules.read.documents import ReadResult
    from perfrules.read.inputs import iter_inputs, read_inputs
    from perfrules.run import run_pack
    from perfrules.tables.normalize import Batch
    from perfrules.tables.spec import ReferenceTable

    inputs = [SEED, BROKEN, CLEAN, tmp_path / "missing.yaml"]
    expected = run_pack(pack, read_inputs(inputs), Severity.ERROR).model_dump_json()
    alive: list[weakref.ref[Project]] = []
    pulled: list[str] = []
    at_run: list[int] = []

    def watched() -> Iterator[ReadResult]:
        for result in iter_inputs(inputs):
            pulled.append(result.source)
            if result.submission is not None:
                alive.extend(weakref.ref(p) for p in result.submission.submission.projects)
            yield result

    class Watching(DuckDBEngine):
        def run(
            self, batch: Batch, rules: Sequence[CompiledRule], references: Sequence[ReferenceTable] = ()
        ) -> EngineResult:
            gc.collect()
            at_run.append(sum(ref() is not None for ref in alive))
            return super().run(batch, rules, references)

    streamed = run_pack(pack, watched(), Severity.ERROR, Watching())
    assert streamed.model_dump_json() == expected
    assert pulled == [str(p) for p in inputs]
    assert len(alive) > 10 and at_run == [0]


def test_streamed_json_report_is_byte_for_byte_the_report(pack: Pack, tmp_path: Path) -> None:
    """``perfrules check --format json`` writes each submission as it is built; the bytes must be
    exactly the whole report's, with or without submissions, problems, waivers and a previous report."""
    import io
    import json
    import sys

    from perfrules.findings.review import Review
    from perfrules.model.rule import Severity
    from perfrules.read.inputs import read_inputs
    from perfrules.run import run_pack, write_json_report
    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    generated = tmp_path / "generated"
    generated.mkdir()
    for i, doc in enumerate(generate(1_200, seed=4)):
        (generated / f"{i:03d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    broken = tmp_path / "not-json.json"
    broken.write_text("{", encoding="utf-8")
    earlier = run_pack(pack, read_inputs([SEED, BROKEN]), Severity.ERROR)
    cases: list[tuple[list[Path], Review]] = [
        ([SEED, BROKEN, CLEAN, generated, broken], Review(fail_on=Severity.WARNING)),
        ([broken], Review()),  # nothing readable: "submissions": []
        ([SEED, BROKEN, CLEAN], Review(previous=earlier, previous_stamp={"source": "earlier.json", "sha256": "x"})),
    ]
    for inputs, review in cases:
        whole = run_pack(pack, read_inputs(inputs), review).model_dump_json(indent=2) + "\n"
        sink = io.StringIO()
        head = write_json_report(sink, pack, read_inputs(inputs), review)
        assert sink.getvalue() == whole
        assert head.submissions == [] and head.verdict == json.loads(whole)["verdict"]


def test_a_submission_that_cannot_be_tabulated_costs_only_itself(pack: Pack, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash while one submission's rows are built (here: in the middle of its indicators, after
    some rows of it are already in) takes that submission back out whole; the others are checked
    exactly as alone, and the run says which file was not checked (exit 2)."""
    from perfrules.tables import normalize as tabulating

    real = tabulating.resolve
    seen: list[str] = []

    def exploding(ind: Any, may_infer: bool) -> Any:
        seen.append(ind.name)
        if len(seen) == 3:
            raise ValueError("boom")
        return real(ind, may_infer)

    alone = validate([SEED, CLEAN], rules=pack)
    monkeypatch.setattr(tabulating, "resolve", exploding)
    report = validate([BROKEN, SEED, CLEAN], rules=pack)
    assert [s.source for s in report.submissions] == [str(SEED), str(CLEAN)]
    assert [(s.source, [f.fingerprint for f in s.findings]) for s in report.submissions] == [
        (s.source, [f.fingerprint for f in s.findings]) for s in alone.submissions
    ]
    (problem,) = [p for p in report.problems if p.source == str(BROKEN)]
    assert problem.kind == "input"
    assert "无法整理成表" in problem.message and "ValueError: boom" in problem.message
    assert report.verdict == "error"
