"""The golden report corpus: every fixture, in every report format, byte for byte.

A change that alters a report regenerates the goldens in the same commit and says why::

    python tests/report_goldens.py --write      # rewrite tests/goldens/
    python tests/report_goldens.py              # list what differs, exit 1 if anything does

``tests/test_report_goldens.py`` compares DuckDB's reports to these files, and the Spark
engine's reports too (same bytes: the report never names the engine). Reports are produced
through the CLI in-process, from the project root, so paths in them are the relative paths a
user types.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDENS = ROOT / "tests" / "goldens"


@dataclass(frozen=True)
class Case:
    """One ``perfrules check`` run: its inputs and extra options, named for the golden files."""

    name: str
    inputs: tuple[str, ...]
    options: tuple[str, ...] = ()


CASES: tuple[Case, ...] = (
    Case("seed-json", ("fixtures/submissions/seed/shijiazhuang-zhengfawei-2020.json",)),
    Case("seed-text", ("fixtures/narratives/shijiazhuang-zhengfawei-2020.txt",)),
    Case("clean-yaml", ("fixtures/submissions/clean/project-table-training.yaml",)),
    Case("broken-yaml", ("fixtures/submissions/broken/project-table-errors.yaml",)),
    Case("workbook", ("fixtures/workbooks/layout-a-training.xlsx",)),
    Case("batch", ("fixtures/submissions/seed", "fixtures/submissions/clean", "fixtures/submissions/broken")),
    Case(
        "layouts",
        tuple(
            f"fixtures/layouts/{name}.xlsx"
            for name in ("hubei", "plain-targets", "renamed-columns", "template-rows", "two-row-header")
        ),
    ),
    Case("regional-national", ("fixtures/submissions/overlays",)),
    Case("regional-hubei", ("fixtures/submissions/overlays/hubei-profile.yaml",), ("--overlay", "hubei")),
    Case(
        "regional-sichuan",
        (
            "fixtures/submissions/overlays/sichuan-weight-split.yaml",
            "fixtures/submissions/overlays/sichuan-low-execution.yaml",
        ),
        ("--overlay", "sichuan"),
    ),
    Case("regional-guangxi", ("fixtures/submissions/overlays/guangxi-overachievement.yaml",), ("--overlay", "guangxi")),
    Case("bad-inputs", ("tests/data/bad/trailing-comma.json", "tests/data/bad/gbk-narrative-report.json")),
)

# format name → the CLI options that produce it (HTML is a folder of pages, written with --html)
FORMATS: dict[str, tuple[str, ...]] = {
    "text-zh": ("--format", "text"),
    "text-en": ("--format", "text", "--lang", "en"),
    "json": ("--format", "json"),
    "junit": ("--format", "junit"),
}


@contextmanager
def _at_root() -> Iterator[None]:
    before = Path.cwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


def _invoke(args: list[str]) -> tuple[int, str]:
    from typer.testing import CliRunner

    from perfrules.cli import app

    result = CliRunner().invoke(app, args, catch_exceptions=False)
    return result.exit_code, result.stdout


def render_format(case: Case, fmt: str, extra: tuple[str, ...] = ()) -> bytes:
    """One golden file: the exit code, then what ``perfrules check`` printed in that format."""
    with _at_root():
        code, text = _invoke(["check", *case.inputs, *case.options, *FORMATS[fmt], *extra])
    return f"exit {code}\n{text}".encode()


def render(case: Case, extra: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every golden file of one case, by its file name under ``tests/goldens/``."""
    out = {f"{case.name}.{fmt}": render_format(case, fmt, extra) for fmt in FORMATS}
    with _at_root(), tempfile.TemporaryDirectory() as tmp:
        _invoke(["check", *case.inputs, *case.options, "--html", tmp, "-o", os.devnull, *extra])
        for page in sorted(Path(tmp).rglob("*.html")):
            out[f"{case.name}.html/{page.relative_to(tmp).as_posix()}"] = page.read_bytes()
    return out


def rendered_corpus(extra: tuple[str, ...] = ()) -> dict[str, bytes]:
    corpus: dict[str, bytes] = {}
    for case in CASES:
        corpus.update(render(case, extra))
    return corpus


def stored_corpus() -> dict[str, bytes]:
    return {p.relative_to(GOLDENS).as_posix(): p.read_bytes() for p in sorted(GOLDENS.rglob("*")) if p.is_file()}


def differences(rendered: dict[str, bytes], stored: dict[str, bytes]) -> list[str]:
    """File names that are new, gone or changed, each with a word saying which."""
    names = sorted(set(rendered) | set(stored))
    return [
        f"{'new' if name not in stored else 'gone' if name not in rendered else 'changed'}: {name}"
        for name in names
        if rendered.get(name) != stored.get(name)
    ]


def main(argv: list[str]) -> int:
    os.environ.setdefault("PERFRULES_CACHE_DIR", tempfile.mkdtemp(prefix="perfrules-goldens-"))
    rendered = rendered_corpus()
    if "--write" in argv:
        for stale in GOLDENS.rglob("*"):
            if stale.is_file() and stale.relative_to(GOLDENS).as_posix() not in rendered:
                stale.unlink()
        for name, data in rendered.items():
            target = GOLDENS / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        print(f"{len(rendered)} golden files written to {GOLDENS.relative_to(ROOT)}")
        return 0
    diff = differences(rendered, stored_corpus())
    print("\n".join(diff) if diff else "goldens are current")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
