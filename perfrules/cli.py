"""The ``perfrules`` command. Exit codes: 0 pass, 1 blocked, 2 usage, input or rule error."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated

import typer

from perfrules._version import __version__
from perfrules.model.report import Report

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="perfrules: 预算绩效自评规则校验 / budget-performance self-evaluation rules as code.",
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(no_args_is_help=True, help="规则包 / the rule pack")
app.add_typer(rules_app, name="rules")
export_app = typer.Typer(no_args_is_help=True, help="导出到其他工具 / export the pack to other tools")
app.add_typer(export_app, name="export")


class Format(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


RulesOption = Annotated[Path | None, typer.Option("--rules", help="规则目录 / rule folder (default: shipped pack)")]
OverlayOption = Annotated[
    list[str] | None, typer.Option("--overlay", help="叠加规则名或文件，可重复 / overlay name or file, repeatable")
]


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


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="提交文件或目录 / submission files or folders")],
    rules: RulesOption = None,
    overlay: OverlayOption = None,
    fmt: Annotated[Format, typer.Option("--format", help="输出格式 / output format")] = Format.text,
    lang: Annotated[Lang, typer.Option("--lang", help="语言 / language")] = Lang.zh,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="阻断阈值 / lowest blocking severity")] = FailOn.error,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="写入文件 / write the report to a file")] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="同时检查表约定（需要 pandera）/ also check table contracts")
    ] = False,
    waivers: Annotated[Path | None, typer.Option("--waivers", help="豁免文件 / the bureau's waivers file")] = None,
    previous: Annotated[
        Path | None, typer.Option("--previous", help="上次的 JSON 报告，标记新增/已改正 / an earlier report")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="判断豁免是否过期的日期 / date for waiver expiry (YYYY-MM-DD)")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="并行读取的进程数 / parallel reader processes")] = 1,
    html: Annotated[
        Path | None, typer.Option("--html", help="另写 HTML 报告到此目录 / also write an HTML report here")
    ] = None,
    engine: Annotated[
        EngineName, typer.Option("--engine", help="执行引擎 / engine (spark needs perfrules[spark])")
    ] = EngineName.duckdb,
    spark_master: Annotated[
        str | None,
        typer.Option("--spark-master", help="Spark master 或 sc:// 地址 / Spark master or Spark Connect URL"),
    ] = None,
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate", help="把审核意见批注到工作簿副本，写入此目录 / write annotated workbook copies here"
        ),
    ] = None,
) -> None:
    """校验提交材料 / validate submissions. Exit 0 pass, 1 blocked, 2 input or rule error."""
    from perfrules.report.text import render_text
    from perfrules.tables.contracts import MissingDependency
    from perfrules.validate import default_rules_dir, expand_inputs, validate

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        typer.echo(f"找不到文件 / no such file: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    if not expand_inputs(paths):
        typer.echo(
            "没有可校验的文件（.json / .yaml / .xlsx / .xls / .txt / CSV 目录）/ no submission files found", err=True
        )
        raise typer.Exit(2)
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        typer.echo(f"--as-of 应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD: {as_of}", err=True)
        raise typer.Exit(2) from None
    runner = None
    try:
        if engine is EngineName.spark:
            from perfrules.engine.spark_engine import SparkEngine

            runner = SparkEngine(spark_master)
        # JSON alone is written as it is built: a national batch's findings need not fit in memory.
        streamed = fmt is Format.json and html is None and annotate is None
        with _progress_bar() as progress, _json_sink(output if streamed else None, streamed) as sink:
            report = validate(
                list(paths), rules=rules or default_rules_dir(), overlays=overlay or [], fail_on=fail_on.value,
                strict=strict, waivers=waivers, previous=previous, as_of=day, jobs=jobs, progress=progress,
                engine=runner, stream_json=sink,
            )  # fmt: skip
    except MissingDependency as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    finally:
        if runner is not None:
            runner.close()
    if streamed:
        raise typer.Exit(report.exit_code)
    if fmt is Format.json:
        text = report.model_dump_json(indent=2) + "\n"
    elif fmt is Format.junit:
        from perfrules.report.junit import render_junit

        text = render_junit(report)
    else:
        text = render_text(report, lang.value)
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


def _annotate_workbooks(report: Report, paths: list[Path], out_dir: Path) -> None:
    """Annotated copies of every workbook input; the submitter's original is never touched."""
    from perfrules.report.annotate_xlsx import annotate_workbook
    from perfrules.validate import expand_inputs

    out_dir.mkdir(parents=True, exist_ok=True)
    for path in expand_inputs(paths):
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            continue
        target = out_dir / f"{path.stem}.审核意见.xlsx"
        try:
            count = annotate_workbook(report, path, target)
        except (ValueError, ImportError, OSError) as exc:
            typer.echo(f"✗ 无法批注 / cannot annotate {path}: {exc}", err=True)
            continue
        typer.echo(f"批注 / annotated {count} cells → {target}", err=True)


@rules_app.command("list")
def rules_list(
    rules: RulesOption = None,
    overlay: OverlayOption = None,
    lang: Annotated[Lang, typer.Option("--lang")] = Lang.zh,
) -> None:
    """列出规则 / list the rules of a pack."""
    from perfrules.pack.cache import load_pack_cached
    from perfrules.validate import default_rules_dir

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
    from perfrules.validate import default_rules_dir

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
    from perfrules.testing.runner import run
    from perfrules.validate import default_rules_dir

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
    from perfrules.read.tidy import write_template

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
    docs: Annotated[Path, typer.Option("--docs", help="文档目录 / docs folder")] = Path("docs"),
    check_only: Annotated[bool, typer.Option("--check", help="只检查是否最新 / only check it is current")] = False,
) -> None:
    """生成规则目录 / write the rule catalogue (docs/rules/*.md) and the table reference (docs/tables.md)."""
    from perfrules.pack.catalogue import catalogue_is_current, render_tables_doc, write_catalogue
    from perfrules.pack.loader import load_pack
    from perfrules.validate import default_rules_dir

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
