"""Probe rules: a rule with some keys or parameter values replaced, compiled under a new id.

Boundary pairs and mutation judge a rule by where such variants fire (the rule with one
comparison replaced by TRUE, a probe reporting an expression's value, a mutant).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from perfrules.compile.kinds import KINDS, CompileError, compile_rule
from perfrules.model.rule import Bilingual, SqlCheck
from perfrules.pack.loader import LoadedRule, Pack


def lookups_of(pack: Pack) -> dict[str, tuple[str, ...]]:
    return {name: table.columns for name, table in pack.references.items()}


def variant(
    loaded: LoadedRule,
    suffix: str,
    lookups: Mapping[str, tuple[str, ...]],
    *,
    params: Mapping[str, Any] | None = None,
    **update: Any,
) -> LoadedRule | None:
    """The rule with some keys (or parameter values) replaced, compiled under a new id; None if it does not compile.

    Only where a variant fires matters, so its messages are plain text: rendering templates
    for thousands of probe findings would cost more than the engine does.
    """
    plain = Bilingual(zh=suffix, en=suffix)
    rule = loaded.rule.model_copy(
        update={"id": f"{loaded.rule.id}-{suffix}", "title": plain, "message": plain, **update}
    )
    values = {**loaded.parameters, **(params or {})}
    try:
        compiled = compile_rule(rule, values, dict(lookups))
    except CompileError:
        return None
    return dataclasses.replace(loaded, rule=rule, compiled=compiled, parameters=values)


def check_with(loaded: LoadedRule, **update: Any) -> Any:
    return loaded.rule.check.model_copy(update=update)


def always_probe(
    loaded: LoadedRule,
    suffix: str,
    lookups: Mapping[str, tuple[str, ...]],
    *,
    where: str | None,
    evidence: dict[str, str],
    when: str = "TRUE",
) -> LoadedRule | None:
    """A probe that fires wherever the rule looks (same table, group, applicability, ``where``) and ``when`` holds."""
    check = loaded.rule.check
    if KINDS[check.kind].grouped:
        return variant(
            loaded, suffix, lookups, check=check_with(loaded, fails_when=when, where=where), evidence=evidence
        )
    return variant(loaded, suffix, lookups, check=SqlCheck(kind="sql", fails_when=when, where=where), evidence=evidence)


def measure_probe(
    loaded: LoadedRule, suffix: str, lookups: Mapping[str, tuple[str, ...]], lhs: str, where: str | None
) -> LoadedRule | None:
    """Reports the expression as evidence ``lhs`` wherever it has a value.

    Outside ``where`` the rule and both of its variants stay silent, so there is nothing to
    measure; a comparison inside ``where`` itself is measured everywhere.
    """
    return always_probe(loaded, suffix, lookups, where=where, evidence={"lhs": lhs}, when=f"({lhs}) IS NOT NULL")
