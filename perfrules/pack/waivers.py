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
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from perfrules.model.report import Problem, Waiver
from perfrules.read.yaml12 import YamlError, load_yaml


class WaiversFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: list[Waiver] = Field(default_factory=list)


def load_waivers(path: Path) -> tuple[dict[str, Waiver], str | None, list[Problem]]:
    """Waivers by fingerprint, the file's hash, and any problem reading it."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return (
            {},
            None,
            [
                Problem(
                    kind="input", source=source, message=f"无法读取豁免文件 / cannot read waivers file: {exc.strerror}"
                )
            ],
        )
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        located = load_yaml(raw.decode("utf-8-sig"))
        parsed = WaiversFile.model_validate(located.data or {})
    except YamlError as exc:
        return (
            {},
            digest,
            [Problem(kind="input", source=source, location=f"{exc.line}:{exc.column}", message=exc.message)],
        )
    except UnicodeDecodeError:
        return (
            {},
            digest,
            [Problem(kind="input", source=source, message="豁免文件不是 UTF-8 / waivers file is not UTF-8")],
        )
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            pos = located.line_of(loc)
            where = "/" + "/".join(str(p) for p in loc) + (f" (line {pos[0]})" if pos else "")
            problems.append(
                Problem(
                    kind="input", source=source, location=where, message=f"豁免无效 / invalid waiver: {error['msg']}"
                )
            )
        return {}, digest, problems
    by_fingerprint: dict[str, Waiver] = {}
    problems = []
    for index, waiver in enumerate(parsed.waivers):
        if waiver.fingerprint in by_fingerprint:
            pos = located.line_of(("waivers", index, "fingerprint"))
            problems.append(
                Problem(
                    kind="input", source=source, location=f"/waivers/{index}/fingerprint" + (f" (line {pos[0]})" if pos else ""),
                    message=f"同一指纹有两条豁免 / two waivers for one fingerprint: {waiver.fingerprint}",
                )
            )  # fmt: skip
            continue
        by_fingerprint[waiver.fingerprint] = waiver
    return by_fingerprint, digest, problems
