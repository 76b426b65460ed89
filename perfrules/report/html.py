"""A static HTML report for reviewers who do not use a terminal: Chinese by default.

Every page is self-contained (inline CSS, no scripts, no fonts or assets fetched from the
network) so that the folder can be zipped, mailed, or opened from a USB stick on an
offline office machine. Every value that came from a submission or a rule is escaped:
submitters control project names and free text, and those end up in messages.

Large batches are split: one file per submission under ``submissions/`` and an index
whose submission table is paginated (``index.html``, ``index-2.html`` …), so that no
single page grows with the batch beyond ``page_size`` rows plus the summary tables.
Nothing time-dependent is rendered, so the same report always gives the same files.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from html import escape, unescape
from pathlib import Path
from typing import Literal, cast

from perfrules.model.report import Finding, PackStamp, Problem, Report, SubmissionResult
from perfrules.report.evidence_labels import evidence_items
from perfrules.report.html_index import contents, first_look, headline
from perfrules.report.html_words import CSS as _CSS
from perfrules.report.html_words import KIND as _KIND
from perfrules.report.html_words import WORDS as _WORDS
from perfrules.report.unmatched_view import unmatched_html
from perfrules.report.visible import visible

Lang = Literal["zh", "en"]
PAGE_SIZE = 200
SEVERITIES = ("error", "warning", "info")
STATUSES = ("evaluated", "not_applicable", "errored", "disabled")


def _e(value: object) -> str:
    return escape(visible(str(value)), quote=True)


class _Page:
    """Words and paths for one language; the pages below only ask it for labels."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.index = 0 if lang == "zh" else 1

    def w(self, key: str) -> str:
        return _WORDS[key][self.index]

    def unit(self, key: str, unit: str) -> str:
        """A column label with its unit in Chinese (错误（条）); English headers read well without one."""
        return f"{self.w(key)}（{self.w(unit)}）" if self.lang == "zh" else self.w(key)

    def year(self, fiscal_year: int | None) -> str:
        return self.w("year_missing") if fiscal_year is None else str(fiscal_year)

    def department(self, name: str) -> str:
        return name if name.strip() else self.w("department_missing")

    def kind(self, document_kind: str) -> str:
        labels = _KIND.get(document_kind)
        return labels[self.index] if labels else document_kind

    def verdict(self, verdict: str) -> str:
        return self.w("verdict_error" if verdict == "error" else verdict)

    def verdict_badge(self, verdict: str) -> str:
        return f'<span class="verdict v-{_e(verdict)}">{_e(self.verdict(verdict))}</span>'

    def document(self, title: str, body: Iterable[str]) -> str:
        html_lang = "zh-CN" if self.lang == "zh" else "en"
        head = (
            f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        )
        return head + "\n".join(body) + "\n</body>\n</html>\n"


def _index_name(page: int) -> str:
    return "index.html" if page == 1 else f"index-{page}.html"


def _submission_name(position: int) -> str:
    # Numbered, not named after the source: sources are paths that may contain anything, and
    # a number keeps the file name safe on every file system while staying stable for a report.
    return f"submissions/{position + 1:05d}.html"


def _table(head: Sequence[str], rows: Iterable[str], table_id: str | None = None) -> str:
    attr = f' id="{table_id}"' if table_id else ""
    cells = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f"<table{attr}>\n<thead><tr>{cells}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


def _num(value: int) -> str:
    return f'<td class="n">{value}</td>'


def _stamp(report: Report, p: _Page) -> str:
    pack = report.pack
    items = [
        (p.w("verdict"), p.verdict_badge(report.verdict)),
        (p.w("pack"), _e(pack.name)),
        (p.w("content_hash"), f"<code>{_e(pack.content_hash)}</code>"),
        (p.w("overlays"), _overlay_names(pack) if pack.overlays else _e(p.w("none"))),
        (p.w("rules"), _e(pack.rules)),
        (p.w("threshold"), _e(p.w(report.fail_on.value))),
        (p.w("version"), _e(report.perfrules_version)),
    ]
    # Only shown when used: a date on every report would suggest waivers were applied when none were.
    if report.waivers:
        items.append((p.w("waivers"), _stamped_file(report.waivers)))
    if report.as_of:
        items.append((p.w("as_of"), _e(report.as_of.isoformat())))
    if report.previous:
        items.append((p.w("previous"), _stamped_file(report.previous)))
    return '<dl class="stamp">' + "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _stamped_file(stamp: dict[str, str]) -> str:
    return f'<code>{_e(stamp.get("source", ""))}</code> <code class="muted">{_e(stamp.get("sha256", ""))}</code>'


def _summary(report: Report, p: _Page) -> list[str]:
    s = report.summary
    keys = ["submissions", "checked", "unreadable", "blocked", "findings", *SEVERITIES, "justified", "waived"]
    if report.previous:
        keys += ["new", "fixed"]
    row = "<tr>" + "".join(_num(s.get(k, 0)) for k in keys) + "</tr>"
    return [f'<h2 id="sec-summary">{_e(p.w("summary"))}</h2>', _table([p.w(k) for k in keys], [row], "summary")]


def _per_rule(report: Report, p: _Page) -> list[str]:
    findings: Counter[str] = Counter()
    blocking: Counter[str] = Counter()
    severities: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    with_findings: Counter[str] = Counter()
    status: dict[str, Counter[str]] = defaultdict(Counter)
    for result in report.submissions:
        for entry in result.ledger:
            status[entry.rule_id][entry.status] += 1
        for rule_id in {f.rule_id for f in result.findings}:
            with_findings[rule_id] += 1
        for f in result.findings:
            findings[f.rule_id] += 1
            blocking[f.rule_id] += f.blocking
            severities[f.rule_id].add(f.severity.value)
            titles.setdefault(f.rule_id, f.title.zh if p.lang == "zh" else f.title.en)
    rows: dict[str, str] = {}
    for rule_id in sorted(set(status) | set(findings)):
        sev = " ".join(
            f'<span class="sev-{s}"><span class="sev">{_e(p.w(s))}</span></span>'
            for s in SEVERITIES
            if s in severities[rule_id]
        )
        counts = [
            findings[rule_id],
            blocking[rule_id],
            with_findings[rule_id],
            *(status[rule_id][st] for st in STATUSES),
        ]
        rows[rule_id] = (
            f'<tr class="rule"><td><code class="rid">{_e(rule_id)}</code></td>'
            f"<td>{_e(titles.get(rule_id, ''))}</td><td>{sev}</td>" + "".join(_num(n) for n in counts) + "</tr>"
        )
    head = [
        p.w("rule"),
        p.w("rule_title"),
        p.w("severity"),
        p.unit("findings", "items"),
        p.unit("blocking", "items"),
        p.unit("with_findings", "copies"),
        *(p.unit(st, "copies") for st in STATUSES),
    ]
    # Only the rules that fired, by name; every rule of the pack stays one click away.
    fired = [row for rule_id, row in rows.items() if findings[rule_id]]
    every = f"{p.w('all_rules')}（{len(rows)}）" if p.lang == "zh" else f"{p.w('all_rules')} ({len(rows)})"
    return [
        f'<h2 id="sec-per-rule">{_e(p.w("per_rule"))}</h2>',
        _table(head, fired, "per-rule") if fired else f'<p class="empty">{_e(p.w("no_findings"))}</p>',
        f'<details id="all-rules"><summary>{_e(every)}</summary>',
        _table(head, rows.values(), "per-rule-all"),
        "</details>",
    ]


def _per_department(report: Report, p: _Page) -> list[str]:
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    severity: dict[str, Counter[str]] = defaultdict(Counter)
    for result in report.submissions:
        verdicts[result.department][result.verdict] += 1
        for s in SEVERITIES:
            severity[result.department][s] += result.counts.get(s, 0)
    rows = [
        f'<tr class="department"><td>{_e(p.department(dept))}</td>'
        + _num(sum(verdicts[dept].values()))
        + "".join(_num(verdicts[dept][v]) for v in ("pass", "blocked", "error"))
        + "".join(_num(severity[dept][s]) for s in SEVERITIES)
        + "</tr>"
        for dept in sorted(verdicts)
    ]
    # Verdicts count submissions and severities count findings; the units keep 出错 and 错误 apart.
    head = [
        p.w("department"),
        p.unit("submissions", "copies"),
        *(p.unit(v, "copies") for v in ("pass", "blocked", "verdict_error")),
        *(p.unit(s, "items") for s in SEVERITIES),
    ]
    return [f'<h2 id="sec-per-department">{_e(p.w("per_department"))}</h2>', _table(head, rows, "per-department")]


def _problems(problems: Sequence[Problem], p: _Page) -> list[str]:
    if not problems:
        return []
    rows = [
        f'<tr class="problem"><td>{_e(p.w(pr.kind))}</td><td><code>{_e(pr.source)}</code></td>'
        f"<td><code>{_e(pr.location or '')}</code></td><td><code>{_e(pr.rule_id or '')}</code></td>"
        f"<td>{_e(pr.message)}</td></tr>"
        for pr in problems
    ]
    head = [p.w("kind"), p.w("source"), p.w("location"), p.w("rule"), p.w("message")]
    return [f'<h2 id="sec-problems">{_e(p.w("problems"))}</h2>', _table(head, rows, "problems")]


def _expired(report: Report, p: _Page) -> list[str]:
    if not report.expired_waivers:
        return []
    rows = [
        f'<tr class="expired"><td><code>{_e(w.fingerprint)}</code></td><td><code>{_e(w.rule_id or "")}</code></td>'
        f"<td>{_e(w.approver)}</td><td>{_e(w.reason)}</td><td>{_e(w.expires.isoformat())}</td></tr>"
        for w in report.expired_waivers
    ]
    head = [p.w("fingerprint"), p.w("rule"), p.w("approver"), p.w("reason"), p.w("expires")]
    return [f'<h2 id="sec-expired-waivers">{_e(p.w("expired_waivers"))}</h2>', _table(head, rows, "expired-waivers")]


def _overlay_names(pack: PackStamp) -> str:
    # The declared name proves nothing: a file claiming "sichuan" is shown with its path and hash.
    if not pack.overlay_files:
        return _e(", ".join(pack.overlays))
    return ", ".join(
        f"{_e(o.name)} (<code>{_e(o.source)}</code> <code>{_e(o.sha256[:15])}…</code>)" for o in pack.overlay_files
    )


def _overlay_changes(report: Report, p: _Page) -> list[str]:
    # A provincial overlay can lower a severity or disable a rule; the reviewer must see that it did, and why.
    if not report.pack.overlay_changes:
        return []
    rows = [
        f'<tr class="overlay-change"><td>{_e(c.overlay)}</td><td><code class="rid">{_e(c.rule_id)}</code></td>'
        f"<td>{'<br>'.join(f'<code>{_e(k)}</code> → <code>{_e(v)}</code>' for k, v in c.changes.items())}</td>"
        f"<td>{_e(c.reason)}</td></tr>"
        for c in report.pack.overlay_changes
    ]
    head = [p.w("overlays"), p.w("rule"), p.w("changes"), p.w("reason")]
    return [f'<h2 id="sec-overlay-changes">{_e(p.w("overlay_changes"))}</h2>', _table(head, rows, "overlay-changes")]


def _pager(page: int, pages: int, p: _Page) -> str:
    if pages == 1:
        return ""
    parts = []
    if page > 1:
        parts.append(f'<a rel="prev" href="{_index_name(page - 1)}">{_e(p.w("prev"))}</a>')
    for n in range(1, pages + 1):
        parts.append(f'<span class="current">{n}</span>' if n == page else f'<a href="{_index_name(n)}">{n}</a>')
    if page < pages:
        parts.append(f'<a rel="next" href="{_index_name(page + 1)}">{_e(p.w("next"))}</a>')
    return f'<nav class="pager">{_e(p.w("page"))}: ' + " ".join(parts) + "</nav>"


def _index_page(report: Report, p: _Page, page: int, pages: int, positions: range) -> str:
    title = p.w("title") if page == 1 else f"{p.w('title')} · {p.w('page')} {page}/{pages}"
    body = [f"<h1>{_e(title)}</h1>"]
    if page == 1:
        links = {i: _submission_name(i) for i in range(len(report.submissions))}
        body += [headline(report, p.lang), *first_look(report, p.lang, links)]
    body.append(_stamp(report, p))
    if page == 1:
        # The summaries cover the whole batch, so they live once, on the first page only.
        body += _summary(report, p) + _per_rule(report, p) + _per_department(report, p) + _problems(report.problems, p)
        body += _expired(report, p) + unmatched_html(report.unmatched, p.lang) + _overlay_changes(report, p)
    body.append(f'<h2 id="sec-submissions">{_e(p.w("submission_list"))}</h2>')
    body.append(_pager(page, pages, p))
    if report.submissions:
        rows = []
        for i in positions:
            r = report.submissions[i]
            rows.append(
                f'<tr class="submission"><td class="n">{i + 1}</td>'
                f'<td><a href="{_submission_name(i)}"><code>{_e(r.source)}</code></a></td>'
                f"<td>{_e(p.department(r.department))}</td><td>{_e(p.year(r.fiscal_year))}</td><td>{_e(p.kind(r.document_kind))}</td>"
                f"<td>{p.verdict_badge(r.verdict)}</td>"
                + "".join(_num(r.counts.get(s, 0)) for s in SEVERITIES)
                + "</tr>"
            )  # fmt: skip
        head = [p.w("index_no"), p.w("source"), p.w("department"), p.w("fiscal_year"), p.w("document_kind"),
                p.w("verdict"), *(p.w(s) for s in SEVERITIES)]  # fmt: skip
        body.append(_table(head, rows, "submissions"))
    else:
        body.append(f'<p class="empty">{_e(p.w("no_submissions"))}</p>')
    body.append(_pager(page, pages, p))
    if page == 1:
        sections = re.findall(r'<h2 id="([^"]+)">([^<]*)</h2>', "\n".join(body))
        body.insert(2, contents([(anchor, unescape(text)) for anchor, text in sections], p.lang))
    return p.document(title, body)


def _breakable(text: str) -> str:
    """Escaped, with a line-break opportunity after each separator: long pointers wrap at / and !, not mid-word."""
    return re.sub(r"([/!])", r"\1<wbr>", _e(text))


def _location(f: Finding) -> str:
    loc = f.location
    if loc.cell:
        # Show the JSON pointer too: the cell is what the submitter sees, the pointer is what the rule saw.
        return f'<code>{_breakable(loc.cell)}</code><br><code class="muted">{_breakable(loc.pointer)}</code>'
    return f"<code>{_breakable(loc.pointer)}</code>"


def _named(f: Finding) -> str:
    loc = f.location
    parts = [x for x in (loc.project, loc.indicator, loc.fund) if x]
    return "<br>".join(_e(x) for x in parts)


def _basis(f: Finding, p: _Page) -> str:
    items = []
    for b in f.basis:
        text = _e(b.document) + (f' <span class="muted">{_e(b.clause)}</span>' if b.clause else "")
        items.append(text)
    return "<br>".join(items)


def _evidence(f: Finding, p: _Page) -> str:
    if not f.evidence:
        return ""
    items = evidence_items(f.evidence, p.lang)
    values = p.w("semicolon").join(f"{_e(k)} = {_e('—' if v is None else v)}" for k, v in items)
    return f'<br><span class="muted">{_e(p.w("evidence"))}: {values}</span>'


def _disposition(f: Finding, p: _Page) -> str:
    # Why a finding no longer blocks must be visible next to it, or a waived error reads as a bug.
    if f.waiver:
        w = f.waiver
        text = f"{p.w('waived')}: {w.approver} · {w.reason} · {p.w('expires')} {w.expires.isoformat()}"
        return f'<br><span class="note">{_e(text)}</span>'
    if f.justification:
        return f'<br><span class="note">{_e(p.w("justified"))}: {_e(f.justification)}</span>'
    return ""


def _finding_row(f: Finding, p: _Page) -> str:
    sev = f.severity.value
    css = f"finding sev-{sev}" + (" blocking" if f.blocking else "")
    tags = [p.w("blocking")] if f.blocking else []
    tags += [p.w(f.disposition)] if f.disposition != "open" else []
    tags += [p.w(f.change)] if f.change else []
    tag = "".join(f'<span class="tag">{_e(t)}</span>' for t in tags)
    message = f.message.zh if p.lang == "zh" else f.message.en
    title = f.title.zh if p.lang == "zh" else f.title.en
    return (
        f'<tr class="{css}" data-fingerprint="{_e(f.fingerprint)}">'
        f'<td><span class="sev">{_e(p.w(sev))}</span>{tag}</td>'
        f'<td><code class="rid">{_e(f.rule_id)}</code><br><span class="muted">{_e(title)}</span></td>'
        f"<td>{_location(f)}</td><td>{_named(f)}</td><td>{_e(message)}{_evidence(f, p)}{_disposition(f, p)}</td>"
        f"<td>{_basis(f, p)}</td></tr>"
    )


def _submission_page(report: Report, r: SubmissionResult, p: _Page, back: str, problems: Sequence[Problem]) -> str:
    counts = p.w("comma").join(f"{p.w(s)} {r.counts.get(s, 0)}" for s in SEVERITIES)
    body = [
        f'<p><a href="../{back}">← {_e(p.w("back"))}</a></p>',
        f"<h1><code>{_e(r.source)}</code></h1>",
        '<dl class="stamp">'
        f"<dt>{_e(p.w('verdict'))}</dt><dd>{p.verdict_badge(r.verdict)}</dd>"
        f"<dt>{_e(p.w('department'))}</dt><dd>{_e(p.department(r.department))}</dd>"
        f"<dt>{_e(p.w('fiscal_year'))}</dt><dd>{_e(p.year(r.fiscal_year))}</dd>"
        f"<dt>{_e(p.w('document_kind'))}</dt><dd>{_e(p.kind(r.document_kind))}</dd>"
        + (
            f"<dt>{_e(p.w('scheme'))}</dt><dd>{_e(getattr(r.scoring_scheme, p.lang))}</dd>"
            if r.scoring_scheme is not None
            else ""
        )
        + f"<dt>{_e(p.w('findings'))}</dt><dd>{_e(counts)}</dd>"
        f"<dt>{_e(p.w('pack'))}</dt><dd>{_e(report.pack.name)} <code>{_e(report.pack.content_hash)}</code></dd>"
        f"<dt>{_e(p.w('sha256'))}</dt><dd><code>{_e(r.sha256)}</code></dd>"
        "</dl>",
        f'<h2 id="sec-findings">{_e(p.w("findings_title"))}</h2>',
    ]
    if r.findings:
        # Most severe first, so a reviewer reads the blocking problems before the hints; the sort
        # is stable, so within a severity the report's document order is kept.
        ordered = sorted(r.findings, key=lambda f: -f.severity.rank)
        head = [p.w("severity"), p.w("rule"), p.w("location"), p.w("project"), p.w("message"), p.w("basis")]
        body.append('<div class="wide">' + _table(head, (_finding_row(f, p) for f in ordered), "findings") + "</div>")
    else:
        body.append(f'<p class="empty">{_e(p.w("no_findings"))}</p>')
    ledger_rows = [
        f'<tr class="ledger status-{_e(e.status)}"><td><code class="rid">{_e(e.rule_id)}</code></td>'
        f"<td>{_e(p.w(e.status))}</td>{_num(e.findings)}</tr>"
        for e in r.ledger
    ]
    body += [
        f'<h2 id="sec-ledger">{_e(p.w("ledger"))}</h2>',
        _table([p.w("rule"), p.w("status"), p.w("findings")], ledger_rows, "ledger"),
    ]
    if r.fixed:
        fixed_rows = [
            f'<tr class="fixed"><td><code class="rid">{_e(x.rule_id)}</code></td><td><code>{_breakable(x.cell or x.pointer)}</code></td>'
            f"<td><code>{_e(x.fingerprint)}</code></td></tr>"
            for x in r.fixed
        ]
        body += [
            f'<h2 id="sec-fixed">{_e(p.w("fixed_title"))}</h2>',
            _table([p.w("rule"), p.w("location"), p.w("fingerprint")], fixed_rows, "fixed"),
        ]
    body += _problems(problems, p)
    return p.document(f"{r.source} · {p.w('title')}", body)


def _check_lang(lang: str) -> Lang:
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return cast(Lang, lang)


def render_html(report: Report, lang: str = "zh", *, page_size: int = PAGE_SIZE) -> dict[str, str]:
    """The report as static HTML pages: ``{relative file name: html}``, ``index.html`` first."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    p = _Page(_check_lang(lang))
    count = len(report.submissions)
    pages = max(1, -(-count // page_size))
    out: dict[str, str] = {}
    for page in range(1, pages + 1):
        positions = range((page - 1) * page_size, min(count, page * page_size))
        out[_index_name(page)] = _index_page(report, p, page, pages, positions)
    by_source: dict[str, list[Problem]] = defaultdict(list)
    for problem in report.problems:
        by_source[problem.source].append(problem)
    for i, result in enumerate(report.submissions):
        back = _index_name(i // page_size + 1)
        out[_submission_name(i)] = _submission_page(report, result, p, back, by_source.get(result.source, []))
    return out


def write_html(report: Report, out_dir: Path, lang: str = "zh", *, page_size: int = PAGE_SIZE) -> Path:
    """Write the pages of :func:`render_html` under ``out_dir``; returns the path of ``index.html``."""
    from perfrules.report.atomic import write_atomic

    pages = render_html(report, lang, page_size=page_size)
    # The first index page last: while it is missing, the report is visibly unfinished.
    first = _index_name(1)
    for name in [*(n for n in pages if n != first), first]:
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, pages[name])
    return out_dir / first
