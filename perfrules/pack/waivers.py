"""A bureau's waivers file: accepted findings, by fingerprint, each approved, reasoned and dated.

```yaml
waivers:
  - fingerprint: 3f1c9a0e5b7d2c4e6a8b0d1f
    rule_id: PLAUS-SCORE-CLUSTER        # optional; must be the finding's rule
    approver: 市财政局绩效科 张三
    reason: 已现场核查，得分依据充分
    expires: 2024-06-30
```
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from perfrules.model.messages import chinese
from perfrules.model.report import Problem, Waiver
from perfrules.yaml12 import YamlError, load_yaml


class WaiversFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: list[Waiver] = Field(default_factory=list)


@dataclass(frozen=True)
class WaiverPlace:
    """Where a waiver's fingerprint is written: for a report of the ones that matched nothing."""

    pointer: str
    line: int | None


@dataclass
class ReadWaivers:
    by_fingerprint: dict[str, Waiver]
    digest: str | None
    problems: list[Problem]
    places: dict[str, WaiverPlace] = field(default_factory=dict)


def load_waivers(path: Path) -> tuple[dict[str, Waiver], str | None, list[Problem]]:
    """Waivers by fingerprint, the file's hash, and any problem reading it."""
    read = read_waivers(path)
    return read.by_fingerprint, read.digest, read.problems


def _problem(source: str, message: str, location: str | None = None) -> Problem:
    return Problem(kind="input", code="input.waiver", source=source, location=location, message=message)


def read_waivers(path: Path) -> ReadWaivers:
    """``load_waivers``, with the pointer and line of each waiver's fingerprint."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return ReadWaivers({}, None, [_problem(source, f"无法读取豁免文件 / cannot read waivers file: {exc.strerror}")])
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        located = load_yaml(raw.decode("utf-8-sig"))
        parsed = WaiversFile.model_validate(located.data or {})
    except YamlError as exc:
        return ReadWaivers({}, digest, [_problem(source, exc.message, f"{exc.line}:{exc.column}")])
    except UnicodeDecodeError:
        return ReadWaivers({}, digest, [_problem(source, "豁免文件不是 UTF-8 / waivers file is not UTF-8")])
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            pos = located.line_of(loc)
            where = "/" + "/".join(str(p) for p in loc) + (f" (line {pos[0]})" if pos else "")
            problems.append(_problem(source, f"豁免无效 / invalid waiver: {chinese(error)}", where))
        return ReadWaivers({}, digest, problems)
    by_fingerprint: dict[str, Waiver] = {}
    places: dict[str, WaiverPlace] = {}
    problems = []
    for index, waiver in enumerate(parsed.waivers):
        pos = located.line_of(("waivers", index, "fingerprint"))
        if waiver.fingerprint in by_fingerprint:
            where = f"/waivers/{index}/fingerprint" + (f" (line {pos[0]})" if pos else "")
            message = f"同一指纹有两条豁免 / two waivers for one fingerprint: {waiver.fingerprint}"
            problems.append(_problem(source, message, where))
            continue
        by_fingerprint[waiver.fingerprint] = waiver
        places[waiver.fingerprint] = WaiverPlace(f"/waivers/{index}/fingerprint", pos[0] if pos else None)
    return ReadWaivers(by_fingerprint, digest, problems, places)
