"""How the text and HTML reports show waivers and justifications that matched no finding."""

from __future__ import annotations

from html import escape
from typing import Literal

from perfrules.model.report import Unmatched
from perfrules.report.visible import visible

Lang = Literal["zh", "en"]

_KIND = {"waiver": ("豁免", "waiver"), "justification": ("说明", "justification")}
HEADING = ("未匹配任何发现的豁免和说明（未生效）", "Waivers and justifications that matched no finding (not applied)")


def _where(u: Unmatched) -> str:
    return f"{u.source}:{u.line}" if u.line else f"{u.source}#{u.pointer}"


def unmatched_line(u: Unmatched, lang: Lang) -> str:
    """One entry: the fingerprint exactly as written (quoted), where it is, and the nearest finding."""
    index = 0 if lang == "zh" else 1
    kind = _KIND[u.kind][index]
    written = '"' + u.fingerprint + '"'  # quoted, so that a stray space shows
    if lang == "zh":
        text = f"? {kind} {_where(u)} 指纹 {written} 未匹配任何发现"
        text += "（且已过期）" if u.expired else ""
        if u.nearest:
            text += f"；最接近的发现：{u.nearest}（{u.nearest_rule_id}）"
        return text
    text = f"? {kind} {_where(u)} fingerprint {written} matched no finding"
    text += " (and it has expired)" if u.expired else ""
    if u.nearest:
        text += f"; did you mean {u.nearest} ({u.nearest_rule_id})"
    return text


def unmatched_text(entries: list[Unmatched], lang: Lang) -> list[str]:
    """The text report's section, empty when every entry matched."""
    if not entries:
        return []
    return [HEADING[0 if lang == "zh" else 1] + ":", *(f"  {unmatched_line(u, lang)}" for u in entries), ""]


def unmatched_html(entries: list[Unmatched], lang: Lang) -> list[str]:
    """The HTML index's table, empty when every entry matched."""
    if not entries:
        return []
    index = 0 if lang == "zh" else 1

    def e(value: object) -> str:
        return escape(visible(str(value)), quote=True)

    head = (
        ("类型", "位置", "所写指纹", "已过期", "最接近的发现", "规则")
        if lang == "zh"
        else ("kind", "where", "fingerprint as written", "expired", "nearest finding", "rule")
    )
    yes = ("是", "yes")[index]
    rows = [
        f'<tr class="unmatched"><td>{e(_KIND[u.kind][index])}</td><td><code>{e(_where(u))}</code></td>'
        f'<td><code>"{e(u.fingerprint)}"</code></td><td>{yes if u.expired else ""}</td>'
        f"<td><code>{e(u.nearest or '')}</code></td><td><code>{e(u.nearest_rule_id or '')}</code></td></tr>"
        for u in entries
    ]
    cells = "".join(f"<th>{e(h)}</th>" for h in head)
    table = (
        f'<table id="unmatched">\n<thead><tr>{cells}</tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n</table>"
    )
    return [f'<h2 id="sec-unmatched">{e(HEADING[index])}</h2>', table]
