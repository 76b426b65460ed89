"""A reader, a writer and an engine added from outside the package: one module and one registry entry each.

The toy plugin lives in a temporary folder, not in perfrules, and is found the way a real
plugin is: by an entry point in its distribution's metadata.
"""

from __future__ import annotations  # noqa: I001

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import perfrules
from perfrules import plugins
from perfrules.cli import app
from perfrules.engine.registry import ENGINES
from perfrules.read.inputs import READERS, _ORDER, unsupported_message
from perfrules.report.writers import WRITERS

TOY = '''
    """A toy plugin: .toy files hold one department name per file; the toy format prints one line per finding."""

    from pathlib import Path

    import perfrules
    from perfrules.read.documents import read_object


    def read_toy(path: Path) -> list[perfrules.ReadResult]:
        department = path.read_text(encoding="utf-8").strip()
        submission = {
            "document_kind": "narrative_report",
            "header": {"department": department, "fiscal_year": 2020, "narrative": "本报告未填写任何内容。"},
        }
        return [read_object(submission, str(path))]


    def render_toy(report: perfrules.Report, lang: str) -> str:
        lines = [f"{s.source}\\t{f.rule_id}" for s in report.submissions for f in s.findings]
        return "\\n".join([f"toy {report.verdict}", *lines]) + "\\n"


    class CountingEngine:
        """Delegates to DuckDB and counts its runs: an engine is anything with run()."""

        runs = 0

        def run(self, batch, rules, references=()):
            CountingEngine.runs += 1
            return perfrules.DuckDBEngine().run(batch, rules, references)


    def register() -> None:
        perfrules.register_reader(perfrules.Reader("toy", (".toy",), read_toy, shown=(".toy",)))
        perfrules.register_writer(perfrules.Writer("toy", render_toy, "toy lines"))
        perfrules.register_engine("counting", lambda option: CountingEngine())
'''


@pytest.fixture
def toy_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "perfrules_toy.py").write_text(textwrap.dedent(TOY), encoding="utf-8")
    info = site / "perfrules_toy-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: perfrules-toy\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[perfrules.readers]\ntoy = perfrules_toy:register\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(plugins, "_loaded", False)
    before = (dict(READERS), list(_ORDER), dict(WRITERS), dict(ENGINES))
    yield tmp_path
    READERS.clear()
    READERS.update(before[0])
    _ORDER[:] = before[1]
    WRITERS.clear()
    WRITERS.update(before[2])
    ENGINES.clear()
    ENGINES.update(before[3])
    sys.modules.pop("perfrules_toy", None)


def test_a_plugin_found_by_entry_point_adds_a_reader_a_writer_and_an_engine(toy_plugin: Path) -> None:
    document = toy_plugin / "unit.toy"
    document.write_text("石家庄市示例局\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(document), "--format", "toy", "--engine", "counting"])
    assert result.exit_code in (0, 1), result.output
    lines = result.stdout.splitlines()
    assert lines[0] in ("toy pass", "toy blocked")
    assert all(line.startswith(f"{document}\t") for line in lines[1:])
    import perfrules_toy  # type: ignore[import-not-found]

    assert perfrules_toy.CountingEngine.runs == 1
    # The registry builds the messages: the new type is named among the readable ones.
    assert ".toy" in unsupported_message(".doc")


def test_the_api_sees_a_registered_reader_and_writer(toy_plugin: Path) -> None:
    assert plugins.load_plugins() == []
    document = toy_plugin / "unit.toy"
    document.write_text("石家庄市示例局", encoding="utf-8")
    report = perfrules.validate(document)
    assert report.submissions[0].department == "石家庄市示例局"
    assert WRITERS["toy"].render(report, "zh").startswith(f"toy {report.verdict}")
    # A folder scan takes the new type too.
    assert [r.source for r in perfrules.read_inputs([toy_plugin])] == [str(document)]


def test_a_broken_plugin_is_reported_and_the_built_in_formats_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    info = site / "perfrules_broken-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: perfrules-broken\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[perfrules.writers]\nbad = no_such_module:register\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(plugins, "_loaded", False)
    seed = Path(__file__).resolve().parents[1] / "fixtures/submissions/seed/shijiazhuang-zhengfawei-2020.json"
    result = CliRunner().invoke(app, ["check", str(seed), "--format", "json"])
    assert "插件加载失败 / plugin failed to load: perfrules.writers:bad" in result.stderr
    assert json.loads(result.stdout)["verdict"] == "blocked"


def test_an_unknown_format_or_engine_is_a_usage_error_naming_the_choices() -> None:
    seed = Path(__file__).resolve().parents[1] / "fixtures/submissions/seed/shijiazhuang-zhengfawei-2020.json"
    result = CliRunner().invoke(app, ["check", str(seed), "--format", "sarif"])
    assert result.exit_code == 2
    assert "unknown format: sarif" in result.stderr and "text, json, junit" in result.stderr
    result = CliRunner().invoke(app, ["check", str(seed), "--engine", "oracle"])
    assert result.exit_code == 2
    assert "unknown engine: oracle" in result.stderr and "duckdb, spark" in result.stderr
