"""The generated rule catalogue and table reference under docs/ are current, and say when a basis is unverified."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfrules.pack.catalogue import (
    INDEX,
    UNVERIFIED_MARK,
    catalogue_is_current,
    render_catalogue,
    render_tables_doc,
    write_catalogue,
)
from perfrules.pack.loader import Pack, load_pack

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HINT = "run `perfrules catalogue` (or `python -m perfrules.pack.catalogue`) from the repository root and commit docs/"

RULE = """\
id: {rule_id}
version: "1.0"
severity: warning
title: {{zh: 示例规则, en: Example rule}}
message: {{zh: "项目“{{project}}”得分 {{score}}", en: "Project {{project}} scores {{score}}"}}
basis:
  - document: 某文件
    clause: 凭记忆（未经核实）
    verification: {verification}
table: projects
points_at: self_score
evidence: {{score: self_score}}
check:
  kind: sql
  fails_when: "self_score > 100"
"""


def _pack(tmp_path: Path, rules: dict[str, str]) -> Pack:
    root = tmp_path / "pack"
    (root / "national").mkdir(parents=True)
    for rule_id, verification in rules.items():
        text = RULE.format(rule_id=rule_id, verification=verification)
        (root / "national" / f"{rule_id}.yaml").write_text(text, encoding="utf-8")
    pack = load_pack(root)
    assert not pack.problems, [str(p) for p in pack.problems]
    return pack


@pytest.fixture(scope="module")
def national() -> Pack:
    pack = load_pack(ROOT / "rules")
    assert not pack.problems, [str(p) for p in pack.problems]
    return pack


def test_docs_rules_is_current(national: Pack) -> None:
    stale = catalogue_is_current(national, DOCS / "rules")
    assert not stale, f"docs/rules/ is out of date ({', '.join(stale)}): {HINT}"


def test_docs_tables_is_current() -> None:
    path = DOCS / "tables.md"
    current = path.is_file() and path.read_text(encoding="utf-8") == render_tables_doc()
    assert current, f"docs/tables.md is out of date: {HINT}"


def test_catalogue_does_not_depend_on_how_the_pack_is_named(national: Pack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert render_catalogue(load_pack("rules")) == render_catalogue(national)


def test_catalogue_is_deterministic_and_complete(national: Pack) -> None:
    pages = render_catalogue(national)
    assert pages == render_catalogue(national)
    assert list(pages) == sorted(pages)
    assert set(pages) == {INDEX} | {f"{r.rule.id}.md" for r in national.rules}
    for loaded in national.rules:
        assert f"[{loaded.rule.id}]({loaded.rule.id}.md)" in pages[INDEX]
        assert loaded.compiled.sql.strip() in pages[f"{loaded.rule.id}.md"]


def test_r_only_rule_page_is_marked_unverified(tmp_path: Path) -> None:
    pages = render_catalogue(_pack(tmp_path, {"EX-RECALLED": "R", "EX-VERBATIM": "V"}))
    recalled, verbatim = pages["EX-RECALLED.md"], pages["EX-VERBATIM.md"]
    assert UNVERIFIED_MARK in recalled
    assert "依据未经核实" in recalled
    assert "unverified" in recalled
    assert "never be cited" in recalled
    assert UNVERIFIED_MARK not in verbatim
    index_rows = {line.split("|")[1].strip(): line for line in pages[INDEX].splitlines() if line.startswith("| [")}
    assert "[R]" in index_rows["[EX-RECALLED](EX-RECALLED.md)"]
    assert "[R]" not in index_rows["[EX-VERBATIM](EX-VERBATIM.md)"]


def test_write_catalogue_removes_stale_pages(tmp_path: Path) -> None:
    out = tmp_path / "docs" / "rules"
    out.mkdir(parents=True)
    (out / "OLD-RULE.md").write_text("# a rule that was deleted\n", encoding="utf-8")
    (out / "README.md").write_text("kept: not a rule page\n", encoding="utf-8")
    pack = _pack(tmp_path, {"EX-RECALLED": "R"})

    assert catalogue_is_current(pack, out) == ["EX-RECALLED.md", "OLD-RULE.md", "index.md"]
    written = write_catalogue(pack, out)

    assert written == [out / "EX-RECALLED.md", out / INDEX]
    assert not (out / "OLD-RULE.md").exists()
    assert (out / "README.md").exists()
    assert catalogue_is_current(pack, out) == []
    (out / INDEX).write_text("edited by hand\n", encoding="utf-8")
    assert catalogue_is_current(pack, out) == [INDEX]
