"""Load a rule pack (a folder of YAML rules and CSV reference tables) with every problem located.

All problems in all files are collected in one pass, each with file, line and column, so a
rule author fixes a whole pack at once. A rule with a problem is left out of the pack and
reported; the other rules still load and run.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from perfrules._version import __version__
from perfrules.compile.kinds import CompiledRule, CompileError, compile_rule
from perfrules.model import rule as rule_model
from perfrules.model.messages import chinese
from perfrules.model.report import OverlayChange
from perfrules.model.rule import PLACEHOLDER_FORMATS, ParamValue, Rule, check_identifier
from perfrules.pack.problem import Problem as Problem
from perfrules.tables.spec import ReferenceTable
from perfrules.yaml12 import Located, YamlError, load_yaml

BUILTIN_PLACEHOLDERS = ("department", "fiscal_year", "project", "indicator", "fund", "column", "location")
_PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")
REFERENCE_DIR = "reference"
OVERLAY_DIR = "overlays"


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    compiled: CompiledRule
    file: str
    line: int
    parameters: dict[str, ParamValue]
    severity: rule_model.Severity
    enabled: bool = True


@dataclass
class Pack:
    name: str
    root: str
    rules: list[LoadedRule] = field(default_factory=list)
    references: dict[str, ReferenceTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    content_hash: str = ""
    overlays: list[str] = field(default_factory=list)
    overlay_changes: list[OverlayChange] = field(default_factory=list)
    overlay_files: list[dict[str, str]] = field(default_factory=list)
    """name, source and sha256 of each overlay applied (see report.OverlayFile)"""

    def rule(self, rule_id: str) -> LoadedRule | None:
        return next((r for r in self.rules if r.rule.id == rule_id), None)


def _known_keys() -> set[str]:
    keys: set[str] = set()
    for obj in vars(rule_model).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            for name, info in obj.model_fields.items():
                keys.add(info.alias or name)
    return keys


KNOWN_KEYS = sorted(_known_keys())


def _data_path(data: Any, loc: Iterable[int | str]) -> tuple[str | int, ...]:
    """The part of a pydantic error location that exists in the data (drops union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            if part not in node:
                continue  # a union tag or model name that pydantic adds to the location
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            continue
        path.append(part)
    return tuple(path)


def _explain(error: ErrorDetails) -> str:
    kind = error["type"]
    name = str(error["loc"][-1]) if error["loc"] else ""
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(name, KNOWN_KEYS, n=1, cutoff=0.6)
        hint = f"（是不是 {close[0]}？/ did you mean {close[0]}?）" if close else ""
        return f"未知的键 {name} / unknown key {name} {hint}".rstrip()
    if kind == "missing":
        return f"缺少必填的键 {name} / missing required key {name}"
    if kind == "union_tag_invalid":
        found = error.get("ctx", {}).get("tag", "?")
        close = difflib.get_close_matches(str(found), rule_model.CHECK_KINDS, n=1, cutoff=0.5)
        hint = f"（是不是 {close[0]}？/ did you mean {close[0]}?）" if close else ""
        return f"未知的检查类型 {found} / unknown check kind {found}; known: {', '.join(rule_model.CHECK_KINDS)} {hint}".rstrip()
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {chinese(error)}"


def _template_problems(rule: Rule, compiled: CompiledRule) -> list[tuple[tuple[str, ...], str]]:
    names = {*compiled.evidence, *rule.parameters, *BUILTIN_PLACEHOLDERS}
    out: list[tuple[tuple[str, ...], str]] = []
    for name in sorted({*compiled.evidence, *rule.parameters} & set(BUILTIN_PLACEHOLDERS)):
        where = ("evidence", name) if name in compiled.evidence else ("parameters", name)
        out.append((where, f"名称 {name} 与内置占位符重名，请改名 / {name} shadows a built-in placeholder; rename it"))
    for lang in ("zh", "en"):
        for part in ("message", "title"):
            text = getattr(getattr(rule, part), lang)
            for ref, shown_as in _PLACEHOLDER.findall(text):
                if shown_as and shown_as not in PLACEHOLDER_FORMATS:
                    out.append(
                        ((part, lang), f"占位符格式 {{{ref}:{shown_as}}} 未知，可用 {'、'.join(PLACEHOLDER_FORMATS)} / "
                         f"unknown placeholder format {shown_as}; known: {', '.join(PLACEHOLDER_FORMATS)}")
                    )  # fmt: skip
                if ref not in names:
                    close = difflib.get_close_matches(ref, sorted(names), n=1, cutoff=0.6)
                    hint = f"（是不是 {close[0]}？/ did you mean {close[0]}?）" if close else ""
                    out.append(
                        ((part, lang), f"模板占位符 {{{ref}}} 不存在 / template placeholder {{{ref}}} is not an "
                         f"evidence name, parameter or built-in {hint}".rstrip())
                    )  # fmt: skip
    return out


def load_rule_text(
    text: str, file: str, lookups: dict[str, tuple[str, ...]]
) -> tuple[LoadedRule | None, list[Problem]]:
    """Load one rule file; return the rule (if usable) and every problem found."""
    try:
        located = load_yaml(text)
    except YamlError as exc:
        return None, [Problem(file, exc.line, exc.column, exc.message)]
    data = located.data
    if not isinstance(data, dict):
        return None, [Problem(file, 1, 1, "规则文件应是一个映射 / a rule file must be a mapping of keys")]
    rule_id = data.get("id") if isinstance(data.get("id"), str) else None
    ambiguous = [
        Problem(
            file, line, column,
            f"{value} 在 YAML 1.2 中是文字不是布尔值：要布尔值请写 true/false，要文字请加引号 \"{value}\" / "
            f"{value} is text in YAML 1.2, not a boolean: write true/false, or quote it as \"{value}\"",
            rule_id,
        )
        for value, line, column in located.yaml11_booleans
    ]  # fmt: skip
    if ambiguous:
        return None, ambiguous
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            pos = located.line_of(_data_path(data, error["loc"]))
            problems.append(Problem(file, pos[0] if pos else None, pos[1] if pos else None, _explain(error), rule_id))
        return None, problems
    return _compile_loaded(rule, located, file, lookups)


def _compile_loaded(
    rule: Rule, located: Located, file: str, lookups: dict[str, tuple[str, ...]]
) -> tuple[LoadedRule | None, list[Problem]]:
    try:
        compiled = compile_rule(rule, None, lookups)
    except CompileError as exc:
        path = tuple(exc.field.split("."))
        pos = located.line_of(path)
        return None, [Problem(file, pos[0] if pos else None, pos[1] if pos else None, str(exc), rule.id)]
    problems = []
    for path, message in _template_problems(rule, compiled):
        pos = located.line_of(path)
        problems.append(Problem(file, pos[0] if pos else None, pos[1] if pos else None, message, rule.id))
    if problems:
        return None, problems
    line = (located.line_of(("id",)) or (1, 1))[0]
    return LoadedRule(rule, compiled, file, line, rule.parameter_values(), rule.severity, rule.enabled), []


MAX_REFERENCE_BYTES = 32 * 1024 * 1024


def _read_reference(path: Path, shown: str) -> tuple[ReferenceTable | None, list[Problem]]:
    """One reference CSV, or the problems that keep it out of the pack.

    Its stem becomes the table ``ref_<stem>`` and its header the columns, so both must be plain
    identifiers: a header is never pasted into DDL, and a file that fails is dropped whole.
    """

    def problem(message: str, line: int | None = 1, column: int | None = None) -> tuple[None, list[Problem]]:
        return None, [Problem(shown, line, column, message)]

    try:
        check_identifier(path.stem)
    except ValueError as exc:
        return problem(f"参照表文件名 / reference file name: {exc}", None)
    if not path.is_file():
        return problem("参照表不是文件 / reference table is not a file", None)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return problem(f"无法读取参照表 / cannot read reference table: {exc.strerror}", None)
    if len(raw) > MAX_REFERENCE_BYTES:
        return problem(
            f"参照表超过 {MAX_REFERENCE_BYTES // 2**20} MB / reference table over {MAX_REFERENCE_BYTES // 2**20} MB",
            None,
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return problem(f"参照表不是 UTF-8 编码 / reference table is not UTF-8: {exc.reason} at byte {exc.start}", None)
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        return problem(f"参照表不是合法的 CSV / reference table is not valid CSV: {exc}", None)
    if not records or not any(h.strip() for h in records[0]):
        return problem("参照表为空，缺少表头 / reference table is empty: it needs a header row")
    header = tuple(h.strip() for h in records[0])
    for position, name in enumerate(header, start=1):
        try:
            check_identifier(name)
        except ValueError as exc:
            return problem(f"表头第 {position} 列 / header column {position}: {exc}", 1, position)
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        return problem(
            f"表头重复的列 / duplicate header columns: {', '.join(duplicated)}", 1, header.index(duplicated[0]) + 1
        )
    rows: list[tuple[str | None, ...]] = []
    for line, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue
        if len(record) != len(header):
            return problem(
                f"第 {line} 行有 {len(record)} 列，表头有 {len(header)} 列 / row {line} has {len(record)} fields, "
                f"the header {len(header)}",
                line,
            )
        rows.append(tuple((cell.strip() or None) for cell in record))
    return ReferenceTable(path.stem, header, tuple(rows)), []


def _pack_name(base: Path) -> tuple[str, list[Problem]]:
    """The name in ``pack.yaml`` if there is one, else the folder's name; a broken pack.yaml is a problem."""
    path = base / "pack.yaml"
    if not path.is_file():
        return base.resolve().name, []
    try:
        data = load_yaml(path.read_text(encoding="utf-8")).data
    except YamlError as exc:
        return base.resolve().name, [Problem(str(path), exc.line, exc.column, exc.message)]
    except (OSError, UnicodeDecodeError) as exc:
        return base.resolve().name, [
            Problem(str(path), None, None, f"无法读取 pack.yaml / cannot read pack.yaml: {exc}")
        ]
    name = data.get("name") if isinstance(data, dict) else None
    return (name if isinstance(name, str) else base.resolve().name), []


def load_pack(root: str | Path, overlays: Iterable[str | Path] = ()) -> Pack:
    """Load every ``*.yaml`` rule under ``root`` (reference CSVs from ``root/reference``)."""
    base = Path(root)
    name, name_problems = _pack_name(base)
    pack = Pack(name=name, root=str(base))
    pack.problems.extend(name_problems)
    digest = hashlib.sha256(f"perfrules {__version__}\n".encode())
    if not base.is_dir():
        pack.problems.append(Problem(str(base), None, None, "规则目录不存在 / rule folder not found"))
        return pack
    for csv_path in sorted((base / REFERENCE_DIR).glob("*.csv")):
        table, problems = _read_reference(csv_path, str(csv_path))
        pack.problems.extend(problems)
        if table is None:
            continue
        pack.references[table.name] = table
        digest.update(f"{csv_path.relative_to(base)}\n".encode() + csv_path.read_bytes())
    lookups = {name: t.columns for name, t in pack.references.items()}
    seen: dict[str, str] = {}
    for path in sorted(
        p for p in base.rglob("*.yaml") if OVERLAY_DIR not in p.relative_to(base).parts and p.name != "pack.yaml"
    ):
        rel = str(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            what = "是一个目录，不是规则文件 / is a folder, not a rule file" if path.is_dir() else exc.strerror
            pack.problems.append(Problem(rel, None, None, f"无法读取规则文件 / cannot read rule file: {what}"))
            continue
        digest.update(f"{path.relative_to(base)}\n".encode() + raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            pack.problems.append(Problem(rel, None, None, f"文件不是 UTF-8 编码 / file is not UTF-8: {exc.reason}"))
            continue
        loaded, problems = load_rule_text(text, rel, lookups)
        pack.problems.extend(problems)
        if loaded is None:
            continue
        if loaded.rule.id in seen:
            pack.problems.append(
                Problem(
                    rel,
                    loaded.line,
                    1,
                    f"规则 id 重复，另见 {seen[loaded.rule.id]} / duplicate rule id, also in {seen[loaded.rule.id]}",
                    loaded.rule.id,
                )
            )
            continue
        seen[loaded.rule.id] = rel
        pack.rules.append(loaded)
    pack.rules.sort(key=lambda r: r.rule.id)
    pack.content_hash = "sha256:" + digest.hexdigest()
    if overlays:
        from perfrules.pack.overlay import apply_overlays

        apply_overlays(pack, overlays)
    return pack
