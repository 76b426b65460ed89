"""The top of the HTML batch index: the verdict, the submissions to look at first, and a table of contents.

A reviewer opening the index of a batch should see, without scrolling, whether it passed and
which submissions need attention: blocked ones, then those that could not be fully checked,
each batch most findings first.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Literal

from perfrules.model.report import Report, SubmissionResult
from perfrules.report.visible import visible

Lang = Literal["zh", "en"]
FIRST_LOOK = 10
"""How many submissions the 'look at these first' table lists."""

_W: dict[str, tuple[str, str]] = {
    "first": ("需要先看的材料", "Look at these first"),
    "contents": ("目录", "Contents"),
    "none_first": ("全部通过，没有需要先看的材料。", "Every submission passed; nothing to look at first."),
    "more": ("另有 {n} 份，见下方材料列表。", "{n} more in the list of submissions below."),
    "headline": (
        "{total} 份材料：不通过 {blocked}，出错 {error}，通过 {passed}",
        "{total} submissions: {blocked} blocked, {error} errors, {passed} passed",
    ),
    "source": ("材料", "source"),
    "department": ("部门", "department"),
    "department_missing": ("主管部门未填写", "department not stated"),
    "verdict": ("结论", "verdict"),
    "blocking": ("阻断（条）", "blocking"),
    "findings": ("问题（条）", "findings"),
}
_VERDICT = {"pass": ("通过", "PASS"), "blocked": ("不通过", "BLOCKED"), "error": ("出错", "ERROR")}
_ORDER = {"blocked": 0, "error": 1, "pass": 2}


def _e(value: object) -> str:
    return escape(visible(str(value)), quote=True)


def _w(key: str, lang: Lang) -> str:
    return _W[key][0 if lang == "zh" else 1]


def badge(verdict: str, lang: Lang) -> str:
    """A verdict as a coloured label (通过 / 不通过 / 出错), escaped."""
    label = _VERDICT.get(verdict, (verdict, verdict))[0 if lang == "zh" else 1]
    return f'<span class="verdict v-{_e(verdict)}">{_e(label)}</span>'


def first_positions(report: Report) -> list[int]:
    """Submissions that did not pass or have findings: blocked, then errored, then the rest; most blocking and findings first."""

    def key(i: int) -> tuple[int, int, int, str]:
        r = report.submissions[i]
        blocking = sum(f.blocking for f in r.findings)
        return (_ORDER.get(r.verdict, 1), -blocking, -len(r.findings), r.source)

    candidates = [i for i, r in enumerate(report.submissions) if r.verdict != "pass" or r.findings]
    return sorted(candidates, key=key)


def headline(report: Report, lang: Lang) -> str:
    """The index page's first line: how many submissions, how many blocked and how many in error."""
    verdicts = Counter(r.verdict for r in report.submissions)
    text = _w("headline", lang).format(
        total=report.summary.get("submissions", len(report.submissions)),
        blocked=verdicts["blocked"], error=verdicts["error"] + report.summary.get("unreadable", 0),
        passed=verdicts["pass"],
    )  # fmt: skip
    return f'<p class="headline" id="verdict">{badge(report.verdict, lang)} {_e(text)}</p>'


def first_look(report: Report, lang: Lang, link: dict[int, str]) -> list[str]:
    """The table of the submissions to look at first, each linked to its page."""
    positions = first_positions(report)
    title = f'<h2 id="first">{_e(_w("first", lang))}</h2>'
    if not positions:
        return [title, f'<p class="empty">{_e(_w("none_first", lang))}</p>']
    rows = []
    for i in positions[:FIRST_LOOK]:
        r: SubmissionResult = report.submissions[i]
        blocking = sum(f.blocking for f in r.findings)
        rows.append(
            f'<tr class="first verdict-{_e(r.verdict)}"><td><a href="{_e(link[i])}"><code>{_e(r.source)}</code></a></td>'
            f"<td>{_e(r.department if r.department.strip() else _w('department_missing', lang))}</td>"
            f"<td>{badge(r.verdict, lang)}</td>"
            f'<td class="n">{blocking}</td><td class="n">{len(r.findings)}</td></tr>'
        )
    head = "".join(f"<th>{_e(_w(k, lang))}</th>" for k in ("source", "department", "verdict", "blocking", "findings"))
    out = [
        title,
        f'<table id="first-look">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>",
    ]
    if len(positions) > FIRST_LOOK:
        out.append(f'<p class="muted">{_e(_w("more", lang).format(n=len(positions) - FIRST_LOOK))}</p>')
    return out


def contents(sections: list[tuple[str, str]], lang: Lang) -> str:
    """A table of contents: (anchor, title) of each section on the page."""
    links = " · ".join(f'<a href="#{_e(anchor)}">{_e(title)}</a>' for anchor, title in sections)
    return f'<nav class="toc" id="contents" aria-label="{_e(_w("contents", lang))}">{links}</nav>'
