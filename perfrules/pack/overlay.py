"""Overlays: a province or bureau adjusts the national pack without forking it.

An overlay changes a rule's parameters, severity or enablement, each change with a reason.
Overlays apply in the order given (central → province → bureau); the report names them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from perfrules.compile.kinds import CompileError, compile_rule
from perfrules.model.report import OverlayChange as ChangeStamp
from perfrules.model.rule import ParamValue, Severity
from perfrules.pack.problem import Problem
from perfrules.yaml12 import YamlError, load_yaml

if TYPE_CHECKING:
    from perfrules.pack.loader import Pack


class OverlayChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    reason: str = Field(min_length=1)
    parameters: dict[str, ParamValue] = Field(default_factory=dict)
    severity: Severity | None = None
    enabled: bool | None = None


class Overlay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str | None = None
    changes: list[OverlayChange] = Field(default_factory=list)


def resolve_overlay(pack_root: str | Path, name_or_path: str | Path) -> Path:
    """An overlay by file path, or by name from ``<pack>/overlays/<name>.yaml``."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return Path(pack_root) / "overlays" / f"{name_or_path}.yaml"


def _same_kind(default: ParamValue, value: ParamValue) -> bool:
    """An overlay may change a threshold, not turn a number into text (the SQL would still compile)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | Decimal):
        return isinstance(value, int | Decimal)
    return type(default) is type(value)


def _stamp_path(pack_root: str, path: Path) -> str:
    """overlays/<file> for the pack's own overlays (the same on every machine), else the path as given."""
    own = Path(pack_root) / "overlays"
    try:
        return f"overlays/{path.resolve().relative_to(own.resolve()).as_posix()}"
    except ValueError:
        return str(path)


def apply_overlays(pack: Pack, overlays: Iterable[str | Path]) -> None:
    """Apply each overlay file in order; a problem in one is reported at its line and the rest still apply."""
    digest = hashlib.sha256(pack.content_hash.encode())
    lookups = {name: t.columns for name, t in pack.references.items()}
    for item in overlays:
        path = resolve_overlay(pack.root, item)
        file = str(path)
        if not path.is_file():
            pack.problems.append(Problem(file, None, None, f"找不到叠加规则 / overlay not found: {item}"))
            continue
        raw = path.read_bytes()
        digest.update(raw)
        try:
            located = load_yaml(raw.decode("utf-8"))
            overlay = Overlay.model_validate(located.data)
        except (YamlError, UnicodeDecodeError, ValidationError) as exc:
            line = getattr(exc, "line", None)
            pack.problems.append(
                Problem(file, line, None, f"叠加规则无效 / invalid overlay: {str(exc).splitlines()[0]}")
            )
            continue
        for index, change in enumerate(overlay.changes):
            pos = located.line_of(("changes", index))
            problem = _apply_change(pack, overlay.name, change, lookups)
            if problem is not None:
                message, rule_id = problem
                pack.problems.append(Problem(file, pos[0] if pos else None, None, message, rule_id))
        pack.overlays.append(overlay.name)
        pack.overlay_files.append(
            {
                "name": overlay.name,
                "source": _stamp_path(pack.root, path),
                "sha256": "sha256:" + hashlib.sha256(raw).hexdigest(),
            }
        )
    pack.content_hash = "sha256:" + digest.hexdigest()


def _apply_change(
    pack: Pack, overlay: str, change: OverlayChange, lookups: dict[str, tuple[str, ...]]
) -> tuple[str, str | None] | None:
    """One change to one rule, recompiled with its new parameters; or why it cannot apply (message, rule id)."""
    position = next((i for i, r in enumerate(pack.rules) if r.rule.id == change.rule), None)
    if position is None:
        return f"叠加规则引用了不存在的规则 / overlay names an unknown rule: {change.rule}", None
    loaded = pack.rules[position]
    unknown = sorted(set(change.parameters) - set(loaded.rule.parameters))
    if unknown:
        return f"规则 {change.rule} 没有参数 / rule has no parameter: {', '.join(unknown)}", change.rule
    mistyped = sorted(k for k, v in change.parameters.items() if not _same_kind(loaded.rule.parameters[k].default, v))
    if mistyped:
        return (
            f"参数类型与默认值不同 / parameter type differs from its default: {', '.join(mistyped)}",
            change.rule,
        )
    params = {**loaded.parameters, **change.parameters}
    try:
        compiled = compile_rule(loaded.rule, params, lookups)
    except CompileError as exc:
        return str(exc), change.rule
    described = {f"parameters.{k}": str(v) for k, v in change.parameters.items()}
    described |= {"severity": change.severity.value} if change.severity else {}
    described |= {"enabled": str(change.enabled).lower()} if change.enabled is not None else {}
    pack.overlay_changes.append(
        ChangeStamp(overlay=overlay, rule_id=change.rule, reason=change.reason, changes=described)
    )
    pack.rules[position] = replace(
        loaded,
        compiled=compiled,
        parameters=params,
        severity=change.severity or loaded.severity,
        enabled=loaded.enabled if change.enabled is None else change.enabled,
    )
    return None
