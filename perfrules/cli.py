"""The ``perfrules`` command. Exit codes: 0 pass, 1 blocked, 2 usage, input or rule error."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from perfrules._version import __version__
from perfrules.cli_options import (
    AllowEmptyOption,
    AnnotateOption,
    AsOfOption,
    EngineOption,
    FailOn,
    FailOnOption,
    FormatOption,
    HtmlOption,
    JobsOption,
    Lang,
    LangOption,
    OutputOption,
    OverlayOption,
    PreviousOption,
    RulesOption,
    SparkMasterOption,
    StrictOption,
    WaiversOption,
)
from perfrules.errors import MissingDependency
from perfrules.model.report import Report

if TYPE_CHECKING:
    from perfrules.run import RunSettings


class _Commands(TyperGroup):
    """Every command: a missing dependency is one message naming the extra, and exit 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MissingDependency as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=True,
    help="perfrules: 预算绩效自评规则校验 / budget-performance self-evaluation rules as code.",
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(no_args_is_help=True, help="规则包 / the rule pack")
app.add_typer(rules_app, name="rules")
export_app = typer.Typer(no_args_is_help=True, help="导出到其他工具 / export the pack to other tools")
app.add_typer(export_app, name="export")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"perfrules {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="版本 / version")
    ] = False,
) -> None:
    """perfrules: 预算绩效自评规则校验。"""
    from perfrules.plugins import load_plugins

    for failure in load_plugins():
        typer.echo(f"✗ {failure}", err=True)


def _choices(names: Iterable[str]) -> str:
    return ", ".join(names)


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="提交文件或目录 / submission files or folders")],
    rules: RulesOption = None,
    overlay: OverlayOption = None,
    fmt: FormatOption = "text",
    lang: LangOption = Lang.zh,
    fail_on: FailOnOption = FailOn.error,
    output: OutputOption = None,
    strict: StrictOption = False,
    waivers: WaiversOption = None,
    previous: PreviousOption = None,
    as_of: AsOfOption = None,
    jobs: JobsOption = 1,
    html: HtmlOption = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
    annotate: AnnotateOption = None,
    allow_empty: AllowEmptyOption = False,
) -> None:
    """校验提交材料 / validate submissions. Exit 0 pass, 1 blocked, 2 input or rule error."""
    from perfrules.report.writers import WRITERS
    from perfrules.run import RunSettings

    writer = WRITERS.get(fmt)
    if writer is None:
        _usage(f"未知输出格式 / unknown format: {fmt} (可选 / choose: {_choices(WRITERS)})")
    _check_inputs(paths)
    streamed = writer.streams and html is None and annotate is None
    settings = RunSettings(
        strict=strict, waivers=waivers, previous=previous, as_of=_day(as_of), jobs=jobs, allow_empty=allow_empty,
    )  # fmt: skip
    report = _run_check(paths, rules, overlay or [], fail_on.value, settings, engine, spark_master, output, streamed)
    _warn_if_empty(report, allow_empty)
    if streamed:
        raise typer.Exit(report.exit_code)
    text = writer.render(report, lang.value)
    if html:
        from perfrules.report.html import write_html

        index = write_html(report, html, lang.value)
        typer.echo(f"HTML: {index}", err=True)
    if annotate:
        _annotate_workbooks(report, paths, annotate)
    if output:
        from perfrules.report.atomic import write_atomic

        write_atomic(output, text)
    else:
        sys.stdout.write(text)
    raise typer.Exit(report.exit_code)


def _usage(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def _check_inputs(paths: list[Path]) -> None:
    from perfrules.read.inputs import expand_inputs, shown_suffixes

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _usage(f"找不到文件 / no such file: {', '.join(missing)}")
    if not expand_inputs(paths):
        _usage(f"没有可校验的文件（{' / '.join(shown_suffixes())} / CSV 目录）/ no submission files found")


def _day(as_of: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        _usage(f"--as-of 应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD: {as_of}")


def _run_check(
    paths: list[Path], rules: Path | None, overlays: list[str], fail_on: str, settings: RunSettings,
    engine: str, spark_master: str | None, output: Path | None, streamed: bool,
) -> Report:  # fmt: skip
    """Run the validator with the chosen engine; JSON alone is written as it is built."""
    from dataclasses import replace

    from perfrules.engine.registry import ENGINES
    from perfrules.errors import MissingDependency
    from perfrules.pack.location import default_rules_dir
    from perfrules.run import validate

    factory = ENGINES.get(engine)
    if factory is None:
        _usage(f"未知引擎 / unknown engine: {engine} (可选 / choose: {_choices(ENGINES)})")
    runner = None
    try:
        runner = factory(spark_master)
        # A national batch's findings need not fit in memory: a streamed format goes out as it is built.
        with _progress_bar() as progress, _json_sink(output if streamed else None, streamed) as sink:
            return validate(
                list(paths), rules=rules or default_rules_dir(), overlays=overlays, fail_on=fail_on,
                settings=replace(settings, progress=progress, stream_json=sink), engine=runner,
            )  # fmt: skip
    except MissingDependency as exc:
        _usage(str(exc))
    finally:
        close = getattr(runner, "close", None)
        if close is not None and engine != "duckdb":
            close()


@contextmanager
def _json_sink(output: Path | None, streamed: bool) -> Iterator[IO[str] | None]:
    """Where a streamed JSON report goes: the output file (replaced only when complete), or stdout."""
    if not streamed:
        yield None
        return
    if output is None:
        yield sys.stdout
        return
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)  # a stale one from an earlier crash
    try:
        with partial.open("w", encoding="utf-8") as sink:
            yield sink
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(output)


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for batches, only when a person is watching."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("读取 / reading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
    ) as bar:
        task = bar.add_task("read", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _warn_if_empty(report: Report, allow_empty: bool) -> None:
    ran = any(e.status in ("evaluated", "errored") for s in report.submissions for e in s.ledger)
    if allow_empty and report.submissions and not ran:
        typer.echo("警告 / warning: 没有任何规则被执行（全部停用或不适用）/ no rule was evaluated", err=True)


def _annotate_workbooks(report: Report, paths: list[Path], out_dir: Path) -> None:
    """Annotated copies of every workbook and Word input; the submitter's original is never touched."""
    from perfrules.read.inputs import expand_inputs
    from perfrules.report.annotate_docx import annotate_docx
    from perfrules.report.annotate_xlsx import annotate_workbook
    from perfrules.report.visible import visible

    annotators = {".xlsx": (annotate_workbook, ".xlsx", "cells"), ".xlsm": (annotate_workbook, ".xlsx", "cells"),
                  ".docx": (annotate_docx, ".docx", "paragraphs")}  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in expand_inputs(paths):
        if path.suffix.lower() not in annotators:
            continue
        annotate, suffix, places = annotators[path.suffix.lower()]
        target = out_dir / f"{path.stem}.审核意见{suffix}"
        try:
            count = annotate(report, path, target)
        except Exception as exc:  # one file, one message: the other copies are still written
            reason = exc if isinstance(exc, ValueError | ImportError | OSError) else f"{type(exc).__name__}: {exc}"
            typer.echo(visible(f"✗ 无法批注 / cannot annotate {path}: {reason}"), err=True)
            continue
        typer.echo(visible(f"批注 / annotated {count} {places} → {target}"), err=True)


@rules_app.command("list")
def rules_list(
    rules: RulesOption = None,
    overlay: OverlayOption = None,
    lang: Annotated[Lang, typer.Option("--lang")] = Lang.zh,
) -> None:
    """列出规则 / list the rules of a pack."""
    from perfrules.pack.cache import load_pack_cached
    from perfrules.pack.location import default_rules_dir

    pack = load_pack_cached(rules or default_rules_dir(), overlay or [])
    for loaded in pack.rules:
        r = loaded.rule
        state = (
            "" if loaded.enabled and r.status == "active" else f" [{r.status if r.status != 'active' else 'disabled'}]"
        )
        unverified = " (R)" if r.unverified else ""
        typer.echo(
            f"{r.id:<28} {r.version:<6} {loaded.severity.value:<8} {getattr(r.title, lang.value)}{unverified}{state}"
        )
    for problem in pack.problems:
        typer.echo(f"✗ {problem}", err=True)
    raise typer.Exit(2 if pack.problems else 0)


@app.command()
def lint(
    paths: Annotated[list[Path] | None, typer.Argument(help="规则目录或文件 / rule folders or files")] = None,
) -> None:
    """检查规则文件 / lint rule files: every problem with file:line:column."""
    from perfrules.pack.lint import lint_paths
    from perfrules.pack.location import default_rules_dir

    problems = lint_paths(paths or [default_rules_dir()])
    for problem in problems:
        typer.echo(str(problem))
    typer.echo(f"{len(problems)} 个问题 / problems" if problems else "规则无问题 / no problems")
    raise typer.Exit(2 if problems else 0)


@app.command()
def replay(
    report_path: Annotated[Path, typer.Argument(help="一份 JSON 报告 / a JSON report")],
    rules: RulesOption = None,
) -> None:
    """重放报告，核对结论是否一致 / re-run a report's inputs with its pack and compare the verdict."""
    from perfrules.replay import replay_report

    outcome = replay_report(report_path, rules)
    for line in outcome.lines:
        typer.echo(line)
    raise typer.Exit(outcome.exit_code)


@app.command("test")
def rules_test(
    paths: Annotated[list[Path] | None, typer.Argument(help="规则目录或文件 / rule folders or files")] = None,
    coverage: Annotated[
        bool, typer.Option("--coverage", help="列出缺少示例的规则和列 / rules and columns no example covers")
    ] = False,
    mutate: Annotated[
        bool, typer.Option("--mutate", help="变异测试 / report mutants no example or property kills")
    ] = False,
    examples: Annotated[
        int | None, typer.Option("--examples", min=1, help="每个性质的生成样本数 / examples per property")
    ] = None,
) -> None:
    """测试规则：示例、性质测试、覆盖率、变异 / test rules: examples, hypothesis properties, coverage, mutation."""
    from perfrules.pack.location import default_rules_dir
    from perfrules.testing.runner import run

    code = run(
        paths or [default_rules_dir()], coverage=coverage, mutate=mutate, examples_per_property=examples, out=sys.stdout
    )
    raise typer.Exit(code)


@app.command()
def template(
    out: Annotated[Path, typer.Argument(help="输出的 .xlsx 文件 / the .xlsx file to write")] = Path(
        "perfrules-template.xlsx"
    ),
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件 / overwrite an existing file")] = False,
) -> None:
    """生成空白填报模板 / write the blank tidy template workbook (one sheet per table, Chinese headers)."""
    from perfrules.read.tidy_template import write_template

    if out.suffix.lower() != ".xlsx":
        typer.echo("模板须为 .xlsx 文件 / the template must be an .xlsx file", err=True)
        raise typer.Exit(2)
    if out.exists() and not force:
        typer.echo(
            f"{out}: 文件已存在，未覆盖（如需覆盖请加 --force） / file exists, not overwritten (pass --force to overwrite)",
            err=True,
        )
        raise typer.Exit(2)
    write_template(out)
    typer.echo(str(out))


@app.command()
def catalogue(
    rules: RulesOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "--docs",
            help="文档目录（在代码目录内默认为其 docs/）/ docs folder (default: the checkout's docs/)",
        ),
    ] = None,
    check_only: Annotated[bool, typer.Option("--check", help="只检查是否最新 / only check it is current")] = False,
) -> None:
    """生成规则目录 / write the rule catalogue (<out>/rules/*.md) and the table reference (<out>/tables.md)."""
    from perfrules.pack.catalogue import catalogue_is_current, render_tables_doc, write_catalogue
    from perfrules.pack.checkout import checkout_root
    from perfrules.pack.loader import load_pack
    from perfrules.pack.location import default_rules_dir

    root = checkout_root(Path.cwd())
    docs = out if out is not None else root / "docs" if root is not None else None
    if docs is None:
        typer.echo(
            "当前目录不在 perfrules 代码目录内，请用 --out 指定输出目录 / not inside a perfrules checkout: "
            "say where to write with --out",
            err=True,
        )
        raise typer.Exit(2)
    pack = load_pack(rules or default_rules_dir())
    for problem in pack.problems:
        typer.echo(f"✗ {problem}", err=True)
    if pack.problems:
        raise typer.Exit(2)
    tables = docs / "tables.md"
    if check_only:
        stale = catalogue_is_current(pack, docs / "rules")
        if not tables.is_file() or tables.read_text(encoding="utf-8") != render_tables_doc():
            stale.append(str(tables))
        for name in stale:
            typer.echo(f"过期 / stale: {name} — run `perfrules catalogue`")
        raise typer.Exit(1 if stale else 0)
    written = write_catalogue(pack, docs / "rules")
    tables.write_text(render_tables_doc(), encoding="utf-8", newline="\n")
    typer.echo(f"{len(written) + 1} 个文件已写入 / files written to {docs}")


@export_app.command("gx")
def export_gx(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="与 --db 一起：写入数据库的提交 / with --db: submissions whose tables to write"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="套件 JSON 文件 / the suite's JSON file")] = Path(
        "perfrules.gx.json"
    ),
    rules: RulesOption = None,
    overlay: OverlayOption = None,
    suite_name: Annotated[str, typer.Option("--suite-name", help="套件名 / the suite's name")] = "perfrules",
    db: Annotated[
        Path | None,
        typer.Option("--db", help="另把提交的表写入此 DuckDB 文件 / also write the submissions' tables here"),
    ] = None,
) -> None:
    """导出为 Great Expectations 套件 / export the pack as a Great Expectations suite (docs/gx-export.md)."""
    from perfrules.export.gx import run_export

    outcome = run_export(out, rules=rules, overlays=overlay or [], suite_name=suite_name, db=db, inputs=paths or [])
    for line in outcome.lines:
        typer.echo(line, err=line.startswith("✗"))
    raise typer.Exit(outcome.exit_code)


@app.command("import-rules")
def import_rules(
    sheet: Annotated[Path, typer.Argument(help="审核口径 .xlsx / a bureau's review-rule sheet")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出的规则目录 / the pack folder to write")],
    prefix: Annotated[str, typer.Option("--prefix", help="规则编号前缀 / rule id prefix")] = "BUREAU",
    examples_from: Annotated[
        Path | None, typer.Option("--examples-from", help="取真实文字作示例的申报表 / a declaration workbook")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖非空目录 / write into a non-empty folder")] = False,
) -> None:
    """把审核口径表转为规则包 / turn a bureau's review sheet into a rule pack (lint and test it after)."""
    from perfrules.pack.import_sheet import import_sheet

    outcome = import_sheet(sheet, out, prefix=prefix, examples_from=examples_from, force=force)
    for line in outcome.lines:
        typer.echo(line, err=line.startswith("✗"))
    raise typer.Exit(outcome.exit_code)


@app.command()
def schema(
    out: Annotated[Path, typer.Option("--out", help="输出目录 / output folder")] = Path("docs"),
    check_only: Annotated[bool, typer.Option("--check", help="只检查是否最新 / only check they are current")] = False,
) -> None:
    """生成 JSON Schema / write the JSON Schemas of reports, submissions and rule files."""
    from perfrules.model.schemas import stale_schemas, write_schemas

    if check_only:
        stale = stale_schemas(out)
        for name in stale:
            typer.echo(f"过期 / stale: {out / name} — run `perfrules schema --out {out}`")
        raise typer.Exit(1 if stale else 0)
    for path in write_schemas(out):
        typer.echo(str(path))


# The gating service (perfrules[service]); its libraries are imported only when a command runs.
from perfrules.service.commands import serve as _serve  # noqa: E402
from perfrules.service.commands import users_app as _users_app  # noqa: E402

app.command("serve")(_serve)
app.add_typer(_users_app, name="users")


def main() -> None:
    """Entry point: a usage error exits 2, and no input ever surfaces as a traceback."""
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        sys.stderr.write("已中断 / interrupted\n")
        sys.exit(130)
    except Exception as exc:  # the last resort: never a traceback, always exit 2
        from perfrules.report.visible import visible

        detail = visible(f"{type(exc).__name__}: {exc}"[:2000])
        sys.stderr.write(f"内部错误，已停止 / internal error, stopped: {detail}\n")
        sys.exit(2)
