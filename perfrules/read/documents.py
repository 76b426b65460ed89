"""Read a submission document (JSON or YAML) into the model, or say exactly what is wrong.

Every problem names the file and a JSON pointer (and a line for YAML and broken JSON).
No input ever escapes as a traceback.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from perfrules.model.messages import chinese
from perfrules.model.report import Notice, Problem
from perfrules.model.sourced import SourcedSubmission
from perfrules.model.submission import Submission
from perfrules.numbers import NumberTooLarge, bounded_decimal, bounded_int
from perfrules.yaml12 import Located, YamlError, load_yaml

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class ReadResult:
    """What a reader gives for one document: its source, sha256, the submission (None if unreadable) and problems."""

    source: str
    sha256: str
    submission: SourcedSubmission | None
    problems: tuple[Problem, ...] = ()
    notices: tuple[Notice, ...] = ()
    """What the reader passed over on purpose, for the report (a skipped sheet): no effect on the verdict."""
    companions: tuple[ReadResult, ...] = ()
    """Submissions the same file holds besides this one, checked on their own (a scorecard in a report)."""


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def pointer(loc: tuple[int | str, ...]) -> str:
    """A JSON pointer (RFC 6901) for a pydantic error location."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in loc) if loc else "/"


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Chinese offices still save GBK; GB18030 is its superset.
        return raw.decode("gb18030")


def _problem(source: str, location: str | None, message: str) -> Problem:
    return Problem(kind="input", source=source, location=location, message=message)


def _second_occurrence(text: str, key: str) -> str | None:
    """line:column of the key's second appearance; json's hook is not told where it is."""
    pattern = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:")
    matches = list(pattern.finditer(text))
    if len(matches) < 2:
        return None
    start = matches[1].start()
    line = text.count("\n", 0, start) + 1
    return f"{line}:{start - (text.rfind(chr(10), 0, start) + 1) + 1}"


def _place(text: str, literal: str) -> str | None:
    """line:column of the first occurrence of ``literal``."""
    start = text.find(literal)
    if start < 0:
        return None
    line = text.count("\n", 0, start) + 1
    return f"{line}:{start - (text.rfind(chr(10), 0, start) + 1) + 1}"


def parse_document(raw: bytes, source: str, suffix: str) -> tuple[Any, Located | None, list[Problem]]:
    """JSON or YAML bytes → the parsed data and its line positions, or the problems that stop it (decoding, syntax, duplicate keys)."""
    try:
        text = _decode(raw)
    except UnicodeDecodeError:
        return (
            None,
            None,
            [
                _problem(
                    source,
                    None,
                    "无法识别的文本编码（应为 UTF-8 或 GBK）/ unknown text encoding (expected UTF-8 or GBK)",
                )
            ],
        )
    if suffix == ".json":
        try:
            data = json.loads(
                text, parse_float=bounded_decimal, parse_int=bounded_int, object_pairs_hook=_no_duplicates
            )
            return data, None, []
        except NumberTooLarge as exc:
            return None, None, [_problem(source, _place(text, exc.literal), exc.message)]
        except _DuplicateKey as exc:
            return (
                None,
                None,
                [_problem(source, _second_occurrence(text, exc.args[0]), f"重复的键 / duplicate key: {exc.args[0]!r}")],
            )
        except json.JSONDecodeError as exc:
            return (
                None,
                None,
                [_problem(source, f"{exc.lineno}:{exc.colno}", f"JSON 语法错误 / malformed JSON: {exc.msg}")],
            )
        except RecursionError:
            return None, None, [_problem(source, None, "JSON 嵌套过深 / JSON nested too deeply")]
    try:
        located = load_yaml(text)
    except YamlError as exc:
        where = f"{exc.line}:{exc.column}" if exc.line else None
        return None, None, [_problem(source, where, exc.message)]
    return located.data, located, []


def _explain(error: ErrorDetails) -> str:
    kind = error["type"]
    name = str(error["loc"][-1]) if error["loc"] else ""
    if kind == "extra_forbidden":
        return f"未知的字段 {name}（会丢失数据）/ unknown field {name} (it would be lost)"
    if kind == "missing":
        return f"缺少必填字段 {name} / missing required field {name}"
    return chinese(error)


def to_submission(data: Any, source: str, located: Located | None = None) -> tuple[Submission | None, list[Problem]]:
    """Parsed data → a validated Submission, or problems at JSON pointers (with YAML lines when ``located`` is given)."""
    if not isinstance(data, dict):
        return None, [
            _problem(source, "/", "文档应是一个对象 / a submission must be an object with document_kind and header")
        ]
    try:
        return Submission.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            where = pointer(loc)
            if located is not None:
                pos = located.line_of(loc)
                if pos:
                    where += f" (line {pos[0]})"
            problems.append(_problem(source, where, _explain(error)))
        return None, problems


def read_bytes(raw: bytes, source: str, suffix: str) -> ReadResult:
    """One JSON or YAML document's bytes → its ReadResult; never raises (a document nested too deep is a problem)."""
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        return _read_bytes(raw, source, suffix, digest)
    except RecursionError:
        return ReadResult(source, digest, None, (_problem(source, None, "文档嵌套过深 / document nested too deeply"),))


def _read_bytes(raw: bytes, source: str, suffix: str, digest: str) -> ReadResult:
    data, located, problems = parse_document(raw, source, suffix)
    if problems:
        return ReadResult(source, digest, None, tuple(problems))
    submission, problems = to_submission(data, source, located)
    if submission is None:
        return ReadResult(source, digest, None, tuple(problems))
    return ReadResult(source, digest, SourcedSubmission(source, submission))


def read_path(path: Path) -> ReadResult:
    """One .json/.yaml/.yml file → its ReadResult, with a problem for an unsupported type, a file too large or unreadable."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        return ReadResult(
            source,
            "",
            None,
            (
                _problem(
                    source,
                    None,
                    f"不支持的文件类型 {suffix or '(无)'} / unsupported file type; use .json, .yaml, .xlsx, .xls, or a report as .txt, .docx, .doc, .pdf, .html",
                ),
            ),
        )
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            return ReadResult(
                source, "", None, (_problem(source, None, f"文件过大 ({size} 字节) / file too large ({size} bytes)"),)
            )
        raw = path.read_bytes()
    except OSError as exc:
        return ReadResult(
            source, "", None, (_problem(source, None, f"无法读取文件 / cannot read file: {exc.strerror}"),)
        )
    return read_bytes(raw, source, suffix)


def read_object(obj: Submission | dict[str, Any], source: str) -> ReadResult:
    """An in-memory submission from a developer's code; hashed on its canonical JSON."""
    if isinstance(obj, Submission):
        raw = obj.model_dump_json().encode()
        return ReadResult(source, "sha256:" + hashlib.sha256(raw).hexdigest(), SourcedSubmission(source, obj))
    raw = json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str).encode()
    submission, problems = to_submission(obj, source)
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    if submission is None:
        return ReadResult(source, digest, None, tuple(problems))
    return ReadResult(source, digest, SourcedSubmission(source, submission))
