"""Replay: re-run a stamped report's inputs with its pack and say whether the verdict holds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from perfrules.model.report import Report
from perfrules.pack.loader import load_pack
from perfrules.pack.location import resolve_rules_dir
from perfrules.report.json import load_report
from perfrules.run import RunSettings, validate


@dataclass
class ReplayOutcome:
    exit_code: int
    """0 same verdict and findings, 1 different, 2 the inputs or pack cannot be reproduced."""
    lines: list[str] = field(default_factory=list)


def _findings(report: Report) -> list[tuple[str, str, str, str, str]]:
    return sorted(
        (s.source, f.rule_id, f.fingerprint, f.location.pointer, f.disposition)
        for s in report.submissions
        for f in s.findings
    )


def _file_of(source: str) -> Path:
    """The file behind a stamped source: a workbook's projects are stamped as ``book.xlsx#sheet``."""
    whole = Path(source)
    if whole.is_file() or "#" not in source:
        return whole
    return Path(source.rsplit("#", 1)[0])


def replay_report(path: Path, rules: Path | None = None) -> ReplayOutcome:
    original, _, problems = load_report(path)
    if original is None:
        return ReplayOutcome(
            2, [f"✗ {p.source}{':' + p.location if p.location else ''}: {p.message}" for p in problems]
        )
    out = ReplayOutcome(0)
    pack = load_pack(rules or resolve_rules_dir(original.pack.root), original.pack.overlays)
    if pack.content_hash != original.pack.content_hash:
        out.lines.append(
            f"✗ 规则包已变化 / the rule pack changed: {original.pack.content_hash[:19]}… → {pack.content_hash[:19]}…"
        )
        out.exit_code = 2
    stamped = [dict(item, role="input") for item in original.inputs]
    stamped += [dict(original.waivers, role="waivers")] if original.waivers else []
    stamped += [dict(original.previous, role="previous")] if original.previous else []
    sources: list[Path] = []
    seen: set[tuple[str, Path]] = set()
    for item in stamped:
        source = _file_of(str(item["source"]))
        if (item["role"], source) in seen:
            continue  # one workbook stamped once per project sheet: check and re-read it once
        seen.add((item["role"], source))
        if not source.is_file():
            out.lines.append(f"✗ 输入文件不存在 / input missing: {source}")
            out.exit_code = 2
            continue
        digest = "sha256:" + hashlib.sha256(source.read_bytes()).hexdigest()
        if digest != item["sha256"]:
            out.lines.append(f"✗ 输入文件已变化 / input changed: {source}")
            out.exit_code = 2
        if item["role"] == "input":
            sources.append(source)
    if out.exit_code == 2:
        return out
    settings = RunSettings(
        as_of=original.as_of,
        waivers=original.waivers["source"] if original.waivers else None,
        previous=original.previous["source"] if original.previous else None,
    )
    again = validate(sources, rules=pack, fail_on=original.fail_on, settings=settings)
    same = again.verdict == original.verdict and _findings(again) == _findings(original)
    if same:
        out.lines.append(f"✓ 结论一致 / same verdict: {again.verdict} ({again.summary['findings']} findings)")
    else:
        out.exit_code = 1
        out.lines.append(f"✗ 结论不同 / different: {original.verdict} → {again.verdict}")
        before, after = set(_findings(original)), set(_findings(again))
        out.lines += [f"  - {f[0]} {f[1]} {f[3]}" for f in sorted(before - after)]
        out.lines += [f"  + {f[0]} {f[1]} {f[3]}" for f in sorted(after - before)]
    return out
