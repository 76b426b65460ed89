"""Violating rows become findings: located, explained in zh and en, fingerprinted."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

from perfrules.compile.rows import Row
from perfrules.model.report import BasisRef, Bilingual, Finding, Location
from perfrules.model.rule import Basis, Rule, Severity
from perfrules.pack.loader import LoadedRule
from perfrules.tables.spec import TABLES

_PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::([a-z]+))?\}")
MONEY_UNIT_KEY = "money_unit"
"""The evidence key that names the unit the submitter stated money in (元 or 万元); ``{x:money}`` reads it."""

# An author's "（措辞与条文编号未经核实）" is for the catalogue and the JSON's `verification`; the
# submitter is shown the document and the clause only (issue 12 §8).
_UNVERIFIED_MARKER = re.compile(r"\s*[（(][^（）()]*未经核实[^（）()]*[）)]")


def strip_unverified_marker(clause: str | None) -> str | None:
    """The clause as shown: without the author's parenthetical note that its wording is unverified."""
    if clause is None:
        return None
    return _UNVERIFIED_MARKER.sub("", clause).strip() or None


def _reference(b: Basis) -> BasisRef:
    return BasisRef(
        document=b.document,
        clause=strip_unverified_marker(b.clause),
        verification=b.verification,
        unverified=b.unverified,
    )


def render_value(value: Any) -> str | None:
    """Evidence as text that reads the same from every engine: 100, 0.981, 2021-06-01."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _grouped(value: Decimal) -> str:
    text = format(value.normalize(), ",f")
    return "0" if text in ("-0", "0") else text


def format_money(yuan: str, unit: str | None, lang: str = "zh") -> str:
    """An amount held in 元, shown in the unit the submitter stated it in, with thousands separators:
    1300000 with 万元 → "130 万元"; with 元 → "1,300,000 元"."""
    try:
        value = Decimal(yuan)
    except ArithmeticError:
        return yuan
    if unit == "万元":
        return f"{_grouped(value / 10000)} 万元" if lang == "zh" else f"{_grouped(value / 10000)} × 10,000 yuan"
    return f"{_grouped(value)} 元" if lang == "zh" else f"{_grouped(value)} yuan"


def format_percent(fraction: str) -> str:
    """A rate held as a fraction, shown as the percentage a form states: 0.967 → "96.7%"."""
    try:
        return f"{_grouped(Decimal(fraction) * 100)}%"
    except ArithmeticError:
        return fraction


def render_template(template: str, values: dict[str, str | None], lang: str = "zh") -> str:
    """Fill ``{name}`` and ``{name:format}`` placeholders by lookup only; nothing in a template is ever evaluated."""

    def repl(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            return "—"
        if match.group(2) == "money":
            return format_money(value, values.get(MONEY_UNIT_KEY), lang)
        if match.group(2) == "percent":
            return format_percent(value)
        return value

    return _PLACEHOLDER.sub(repl, template)


def fingerprint(
    rule: Rule, department: str, fiscal_year: int | None, table: str, identity: list[str | None], column: str
) -> str:
    """Rule id and major version, department, year, the row's names and the column.

    Never an index, a cell or a value, so it survives reordering and resubmission.
    """
    parts = [
        rule.id,
        rule.major,
        department,
        "" if fiscal_year is None else str(fiscal_year),
        table,
        *(i or "" for i in identity),
        column,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def _pointer(path: str, field: str | None) -> str:
    if not field:
        return path or "/"
    return f"{path}/{field}"


_AS_PROJECT = {
    "zh": ("项目“{project}”", "“{project}”部门整体"),
    "en": ('Project "{project}"', '"{project}" (department-wide)'),
}
"""On a 部门整体 form the one "project" is the department itself: 项目“示例局” would misname it."""


def _worded_for_department(template: str, lang: str) -> str:
    said, meant = _AS_PROJECT[lang]
    return template.replace(said, meant)


def build_finding(
    loaded: LoadedRule,
    row: Row,
    department: str,
    fiscal_year: int | None,
    fail_on: Severity,
    *,
    department_wide: bool = False,
) -> Finding:
    rule = loaded.rule
    spec = TABLES[loaded.compiled.located_table]
    column = spec.column(loaded.compiled.points_at)
    identity = [row.get(f"ident_{i}") for i in range(len(spec.identity))]
    named = dict(zip(spec.identity, identity, strict=True))
    evidence = {name: render_value(row.get(f"ev_{name}")) for name in loaded.compiled.evidence}
    cell = row.get("location")
    pointer = _pointer(row["path"], column.field if column else None)
    location = Location(
        pointer=pointer,
        cell=cell,
        project=named.get("project_name"),
        indicator=named.get("name"),
        fund=named.get("fund_name"),
        column=loaded.compiled.points_at,
    )
    values: dict[str, str | None] = {
        **{k: render_value(v) for k, v in loaded.parameters.items() if not isinstance(v, list)},
        **{k: "、".join(v) for k, v in loaded.parameters.items() if isinstance(v, list)},
        **evidence,
        "department": department,
        "fiscal_year": "（年度未填写）" if fiscal_year is None else str(fiscal_year),
        "project": location.project,
        "indicator": location.indicator,
        "fund": location.fund,
        "column": location.column,
        "location": cell or pointer,
    }
    message_zh, message_en = rule.message.zh, rule.message.en
    if department_wide:
        message_zh, message_en = _worded_for_department(message_zh, "zh"), _worded_for_department(message_en, "en")
    return Finding(
        rule_id=rule.id,
        rule_version=rule.version,
        severity=loaded.severity,
        title=Bilingual(zh=render_template(rule.title.zh, values), en=render_template(rule.title.en, values, "en")),
        message=Bilingual(zh=render_template(message_zh, values), en=render_template(message_en, values, "en")),
        location=location,
        evidence=evidence,
        basis=[_reference(b) for b in rule.basis],
        provenance=[_reference(b) for b in rule.provenance],
        fingerprint=fingerprint(rule, department, fiscal_year, spec.name, identity, loaded.compiled.points_at),
        blocking=loaded.severity.rank >= fail_on.rank,
    )
