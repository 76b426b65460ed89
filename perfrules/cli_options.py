"""The options of the ``perfrules`` command, declared once: their names, help texts (Chinese first) and types."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


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


FormatOption = Annotated[str, typer.Option("--format", help="输出格式：text、json、junit 或插件格式 / output format")]
LangOption = Annotated[Lang, typer.Option("--lang", help="语言 / language")]
FailOnOption = Annotated[FailOn, typer.Option("--fail-on", help="阻断阈值 / lowest blocking severity")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="写入文件 / write the report to a file")]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="同时检查表约定（需要 pandera）/ also check table contracts")
]
WaiversOption = Annotated[Path | None, typer.Option("--waivers", help="豁免文件 / the bureau's waivers file")]
PreviousOption = Annotated[
    Path | None, typer.Option("--previous", help="上次的 JSON 报告，标记新增/已改正 / an earlier report")
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="判断豁免是否过期的日期 / date for waiver expiry (YYYY-MM-DD)")
]
JobsOption = Annotated[int, typer.Option("--jobs", "-j", min=1, help="并行读取的进程数 / parallel reader processes")]
HtmlOption = Annotated[
    Path | None, typer.Option("--html", help="另写 HTML 报告到此目录 / also write an HTML report here")
]
EngineOption = Annotated[
    str, typer.Option("--engine", help="执行引擎：duckdb 或 spark（需要 perfrules[spark]）/ engine")
]
SparkMasterOption = Annotated[
    str | None, typer.Option("--spark-master", help="Spark master 或 sc:// 地址 / Spark master or Spark Connect URL")
]
AllowEmptyOption = Annotated[
    bool,
    typer.Option(
        "--allow-empty",
        help="没有规则被执行（全部停用或不适用）时仍按通过处理，只警告 / accept a run in which no rule was evaluated, with a warning",
    ),
]
AnnotateOption = Annotated[
    Path | None,
    typer.Option(
        "--annotate",
        help="把审核意见批注到工作簿和 Word 文档的副本，写入此目录 / write annotated copies of workbooks and Word documents here",
    ),
]
