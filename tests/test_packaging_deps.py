"""Install contract (issue 14 §1): workbook readers are core, rule authors have an extra."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        project: dict[str, object] = tomllib.load(fh)["project"]
    return project


def _names(specs: object) -> set[str]:
    assert isinstance(specs, list)
    return {str(s).split(">")[0].split("[")[0].split("=")[0].strip().lower() for s in specs}


def test_workbook_readers_are_core_dependencies() -> None:
    core = _names(_project()["dependencies"])
    assert {"openpyxl", "xlrd"} <= core


def test_author_extra_brings_hypothesis_and_old_extras_remain_aliases() -> None:
    extras = _project()["optional-dependencies"]
    assert isinstance(extras, dict)
    assert "hypothesis" in _names(extras["author"])
    assert extras["xlsx"] == [] and extras["xls"] == []


def test_readme_lists_every_extra() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    extras = _project()["optional-dependencies"]
    assert isinstance(extras, dict)
    for name in extras:
        assert f"`{name}`" in readme, name
