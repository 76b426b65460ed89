"""Big batches as Arrow: exact round trips, and the same report whichever way the tables travel."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from perfrules import validate
from perfrules.engine import duckdb_engine
from perfrules.engine.duckdb_engine import DuckDBEngine
from perfrules.read.documents import read_object
from perfrules.tables import spec as table_spec
from perfrules.tables.columnar import TableShapeError, conform, encode, to_lists
from perfrules.tables.normalize import normalize
from perfrules.tables.spec import INDICATORS, PROJECTS, TableData
from tests.conftest import ROOT, SEED

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate

CORPUS = [
    SEED,
    ROOT / "fixtures/submissions/clean/project-table-training.yaml",
    ROOT / "fixtures/submissions/broken/project-table-errors.yaml",
    ROOT / "fixtures/workbooks/layout-a-training.xlsx",  # cells located: the locations join runs
]


def _column_values(spec: table_spec.TableSpec, n: int) -> dict[str, list[Any]]:
    """Every type, with NULLs, repeats, negatives, the largest DECIMAL(18,4) and awkward text."""
    samples: dict[str, list[Any]] = {
        "VARCHAR": ["甲", None, "", "a\x00b", "　全角　", "甲", "😀"],
        "DECIMAL(18,4)": [
            Decimal("0.0001"),
            None,
            Decimal("-2.5"),
            Decimal("99999999999999.9999"),
            Decimal("100"),
            Decimal("0"),
        ],
        "DATE": [dt.date(2020, 12, 31), None, dt.date(1969, 7, 20), dt.date(2021, 1, 1)],
        "BOOLEAN": [True, None, False],
        "INTEGER": [2020, -1, 0, 2**31 - 1],
        "BIGINT": [1, 2**62, -(2**62)],
    }
    out: dict[str, list[Any]] = {}
    for index, column in enumerate(spec.all_columns):
        pool = samples[column.type]
        if not column.nullable:
            pool = [v for v in pool if v is not None]
        out[column.name] = [pool[(i + index) % len(pool)] for i in range(n)]
    return out


@pytest.mark.parametrize("spec", [INDICATORS, PROJECTS], ids=lambda s: s.name)
def test_column_lists_survive_arrow_exactly(spec: table_spec.TableSpec) -> None:
    columns = _column_values(spec, 50)
    table = encode(spec, columns)
    assert table.schema.field("rid").type == pa.int64()
    # States and document kinds take 8-bit codes; open text 32-bit.
    assert table.schema.field("doc_kind").type == pa.dictionary(pa.int8(), pa.string())
    assert table.schema.field("self_score_state" if spec is PROJECTS else "score_state").type.index_type == pa.int8()
    assert table.schema.field("path").type.index_type == pa.int32()
    back = to_lists(table)
    for name, values in columns.items():
        assert back[name] == values, name
        assert [type(v) for v in back[name]] == [type(v) for v in values], name


def test_conform_refuses_floats_for_money_and_names_missing_columns() -> None:
    columns = _column_values(PROJECTS, 3)
    good = encode(PROJECTS, columns)
    floats = good.set_column(good.schema.get_field_index("self_score"), "self_score", pa.array([1.5, 2.0, None]))
    with pytest.raises(TableShapeError, match=r"self_score.*floats are not exact"):
        conform(PROJECTS, floats)
    with pytest.raises(TableShapeError, match=r"lacks column.*self_grade"):
        conform(PROJECTS, good.drop_columns(["self_grade"]))
    # Five decimal places cannot become four without losing one: refused, not rounded.
    fine = pa.array([Decimal("1.50000"), None, Decimal("-2.00000")], pa.decimal128(20, 5))
    lossy = pa.array([Decimal("1.00001"), None, Decimal("0")], pa.decimal128(20, 5))
    column = good.schema.get_field_index("self_score")
    assert to_lists(conform(PROJECTS, good.set_column(column, "self_score", fine)))["self_score"] == [
        Decimal("1.5"),
        None,
        Decimal("-2"),
    ]
    with pytest.raises(TableShapeError, match=r"self_score.*cannot become DECIMAL"):
        conform(PROJECTS, good.set_column(column, "self_score", lossy))
    # Plain strings and narrower integers are fine: nothing can change on the way.
    plain = good.set_column(good.schema.get_field_index("project_name"), "project_name", pa.array(["x", "y", "x"]))
    plain = plain.set_column(plain.schema.get_field_index("sub"), "sub", pa.array([0, 0, 1], pa.int8()))
    assert to_lists(conform(PROJECTS, plain))["project_name"] == ["x", "y", "x"]


def test_normalize_seals_big_tables_into_arrow_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_spec, "CHUNK_ROWS", 100)
    docs = generate(1_000, seed=3)
    read = [read_object(doc, f"<{i}>") for i, doc in enumerate(docs)]
    batch = normalize([r.submission for r in read if r.submission is not None])
    indicators = batch.tables["indicators"]
    assert len(indicators) == 1_000
    # Sealed once 100 rows are listed, at a submission's end: 1 000 rows make several chunks;
    # the tail is sealed too, so a chunked table keeps no Python lists beside its Arrow.
    assert len(indicators.chunks) >= 4 and all(chunk.num_rows >= 100 for chunk in indicators.chunks[:-1])
    chunked = [t for t in batch.tables.values() if t.chunks]
    assert len(chunked) >= 2 and all(t._listed() == 0 for t in chunked)
    assert indicators.arrow().num_rows == 1_000
    rids = indicators.column_lists()["rid"]
    assert len(set(rids)) == 1_000 and rids == sorted(rids)


def _report_json(inputs: list[Any], **kwargs: Any) -> str:
    report = validate(inputs, engine=DuckDBEngine(), **kwargs)
    assert report.problems == [] or all(p.kind != "rule" for p in report.problems)
    return report.model_dump_json()


def test_a_batch_reports_the_same_whether_tables_are_lists_arrow_or_sealed_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inputs: list[Any] = [*CORPUS, *generate(1_500, seed=11)]
    as_tables = _report_json(inputs)
    findings = validate(inputs, engine=DuckDBEngine()).summary["findings"]
    assert findings > 50  # the generated faults, the broken fixture and the seed all fire

    engine = DuckDBEngine()  # one engine throughout: tables, views and prepared plans must not leak between runs
    for optimize_from in (0, 10**9):  # DuckDB's optimizer on, then off
        monkeypatch.setattr(duckdb_engine, "OPTIMIZE_FROM_ROWS", optimize_from)
        monkeypatch.setattr(duckdb_engine, "SMALL_TABLE_ROWS", 10**9)  # every table INSERTed
        assert validate(inputs, engine=engine).model_dump_json() == as_tables
        monkeypatch.setattr(duckdb_engine, "SMALL_TABLE_ROWS", 1)  # every non-empty table scanned as Arrow
        assert validate(inputs, engine=engine).model_dump_json() == as_tables
        monkeypatch.setattr(table_spec, "CHUNK_ROWS", 37)  # and sealed into many small chunks
        assert validate(inputs, engine=engine).model_dump_json() == as_tables
        monkeypatch.setattr(table_spec, "CHUNK_ROWS", 65_536)
        monkeypatch.setattr(duckdb_engine, "SMALL_TABLE_ROWS", 64)  # back to tables after views
        assert validate(inputs, engine=engine).model_dump_json() == as_tables


def test_arrow_tables_from_elsewhere_run_like_normalized_ones() -> None:
    read = [read_object(doc, f"<{i}>") for i, doc in enumerate(generate(600, seed=5))]
    batch = normalize([r.submission for r in read if r.submission is not None])
    from perfrules.pack.loader import load_pack
    from tests.conftest import RULES

    pack = load_pack(RULES)
    rules = [r.compiled for r in pack.rules if r.enabled and r.rule.status == "active"]
    refs = list(pack.references.values())
    engine = DuckDBEngine()
    expected = engine.run(batch, rules, refs)
    for name, data in batch.tables.items():
        # Plain (not dictionary) strings and int64 everywhere, as another system would write them.
        arrow = data.arrow()
        plain = pa.table(
            {
                field.name: arrow.column(field.name).cast(pa.string())
                if pa.types.is_dictionary(field.type)
                else arrow.column(field.name).cast(pa.int64())
                if pa.types.is_integer(field.type)
                else arrow.column(field.name)
                for field in arrow.schema
            }
        )
        batch.tables[name] = TableData.from_arrow(data.spec, plain)
    got = engine.run(batch, rules, refs)
    assert sum(got.rows.count(r.rule_id) for r in rules) > 20
    for rule in rules:
        assert got.rows.count(rule.rule_id) == expected.rows.count(rule.rule_id), rule.rule_id
        key = lambda row: (row["rid"], row["path"])  # noqa: E731
        assert sorted(got.rows[rule.rule_id], key=key) == sorted(expected.rows[rule.rule_id], key=key)


def test_flagged_rows_are_counted_and_keyed_without_building_them() -> None:
    read = [read_object(doc, f"<{i}>") for i, doc in enumerate(generate(800, seed=2))]
    batch = normalize([r.submission for r in read if r.submission is not None])
    from perfrules.pack.loader import load_pack
    from tests.conftest import RULES

    pack = load_pack(RULES)
    rules = [r.compiled for r in pack.rules if r.rule.id in ("SCORE-IND-BOUNDS", "SCORE-QUANT-FORMULA")]
    result = DuckDBEngine().run(batch, rules, list(pack.references.values()))
    rids = result.rows.column("SCORE-QUANT-FORMULA", "rid")
    assert result.rows.count("SCORE-QUANT-FORMULA") == len(rids) > 0
    rows = result.rows["SCORE-QUANT-FORMULA"]  # decoded on first read, evidence exact
    assert [row["rid"] for row in rows] == rids
    assert all(isinstance(row["ev_score"], Decimal | None) for row in rows)


def test_the_sandbox_does_not_resolve_table_names_to_python_variables() -> None:
    from perfrules.compile.kinds import CompiledRule

    secrets = pa.table({"sub": [0], "rid": [1], "path": ["leaked"]})  # noqa: F841 - the bait
    keys = "NULL AS ident_0, NULL AS ident_1, NULL AS ident_2, NULL AS location"
    rule = CompiledRule("BAIT", f"SELECT sub, rid, path, {keys} FROM secrets", "projects", "self_score", ())
    read = read_object({"document_kind": "project_table", "header": {"department": "x", "fiscal_year": 2022},
                        "projects": [{"name": "甲"}]}, "<x>")  # fmt: skip
    assert read.submission is not None
    result = DuckDBEngine().run(normalize([read.submission]), [rule])
    assert "BAIT" in result.errors and result.rows["BAIT"] == []


def test_a_batch_big_enough_for_arrow_still_imports_no_pandas(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    import json

    for i, doc in enumerate(generate(300, seed=9)):
        (docs / f"{i}.json").write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    code = (
        "import sys, perfrules; r = perfrules.validate(sys.argv[1]);"
        "print(r.summary['checked'], 'pyarrow' in sys.modules,"
        " ','.join(m for m in ('pandas', 'pandera', 'pyspark') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(docs)], capture_output=True, text=True, check=True, cwd=ROOT)
    checked, arrow, *heavy = out.stdout.split()
    assert int(checked) >= 3 and arrow == "True"  # the indicators went through Arrow
    assert heavy == []
