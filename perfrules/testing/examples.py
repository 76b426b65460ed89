"""Every rule's must-pass and must-fail examples, checked by exact rule id, severity, place and count.

Only findings of the rule that owns the example count, so an example is not broken by another
rule firing on it. Every case runs before anything is reported (a failing example never hides
the next one), and a failing case names the rule file and the line of ``examples[i]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from perfrules.model.rule import Example, Severity
from perfrules.pack.loader import LoadedRule, Pack
from perfrules.testing._engine import Outcome, evaluate
from perfrules.yaml12 import Located, YamlError, load_yaml


@dataclass(frozen=True)
class ExampleResult:
    rule_id: str
    file: str
    line: int | None
    index: int
    name: str
    expect: str
    severity: Severity
    expected: Counter[str]
    got: Counter[str]
    got_severities: frozenset[Severity] = frozenset()
    notes: tuple[str, ...] = ()
    """Why the case could not be judged or failed beyond the counts: unreadable, rule error, not applicable."""

    @property
    def ok(self) -> bool:
        return not self.notes and self.got == self.expected and self.got_severities <= {self.severity}

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class ExamplesRun:
    results: list[ExampleResult] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    """Per example submission (in ``results`` order), what every rule of the pack did to it."""

    @property
    def failures(self) -> list[ExampleResult]:
        return [r for r in self.results if not r.ok]

    def clean_submissions(self) -> list[dict[str, Any]]:
        """Example submissions no rule of the pack fires on: the 'unrelated clean' inputs of the properties."""
        return [
            s
            for s, o in zip(self.submissions, self.outcomes, strict=True)
            if not o.fired and not o.problems and not o.errors
        ]


@cache
def _located(file: str) -> Located | None:
    try:
        return load_yaml(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlError):
        return None


def yaml_line(file: str, path: tuple[str | int, ...]) -> int | None:
    """The line of a key or list item in a rule file (or of its nearest ancestor)."""
    located = _located(file)
    pos = located.line_of(path) if located else None
    return pos[0] if pos else None


def forget_lines() -> None:
    """Rule files change between runs in one process (tests, a watch mode): drop cached positions."""
    _located.cache_clear()


def _pointer_path(pointer: str) -> tuple[str | int, ...]:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split(" ")[0].strip("/").split("/") if p]
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _not_applicable(loaded: LoadedRule, submission: dict[str, Any]) -> str:
    rule = loaded.rule
    kinds = ", ".join(k.value for k in rule.applies_to)
    years = f"{rule.effective.from_year or '…'}–{rule.effective.to_year or '…'}"
    header = submission.get("header")
    fy = header.get("fiscal_year") if isinstance(header, dict) else None
    return (
        f"规则不适用于此示例（文书类型 {submission.get('document_kind')}，年度 {fy}；规则适用 {kinds}，年度 {years}）"
        f" / the rule does not apply to this example (document kind {submission.get('document_kind')}, "
        f"year {fy}; the rule applies to {kinds}, years {years})"
    )


def _judge(loaded: LoadedRule, index: int, example: Example, outcome: Outcome) -> ExampleResult:
    rule = loaded.rule
    notes: list[str] = []
    expected = Counter({f.at: f.count for f in example.findings})
    if outcome.problems:
        for problem in outcome.problems:
            line = yaml_line(loaded.file, ("examples", index, "submission", *_pointer_path(problem)))
            at = f"（第 {line} 行 / line {line}）" if line else ""
            notes.append(f"示例提交无效{at} / the example submission is not valid{at}: {problem}")
    if rule.id in outcome.errors:
        notes.append(f"规则运行出错 / the rule failed: {outcome.errors[rule.id]}")
    got = outcome.pointers(rule.id)
    if outcome.status.get(rule.id) == "not_applicable" and example.expect == "fail":
        notes.append(_not_applicable(loaded, example.submission))
    return ExampleResult(
        rule_id=rule.id, file=loaded.file, line=yaml_line(loaded.file, ("examples", index)), index=index,
        name=example.name, expect=example.expect, severity=loaded.severity, expected=expected, got=got,
        got_severities=frozenset(outcome.severities.get(rule.id, set())), notes=tuple(notes),
    )  # fmt: skip


def run_examples(pack: Pack, rules: Sequence[LoadedRule] | None = None) -> ExamplesRun:
    """Run every example of every rule; all rules see all examples in one batch, each is judged by its own rule."""
    forget_lines()
    chosen = list(pack.rules if rules is None else rules)
    cases = [(loaded, i, ex) for loaded in chosen for i, ex in enumerate(loaded.rule.examples)]
    run = ExamplesRun(submissions=[dict(ex.submission) for _, _, ex in cases])
    sources = [f"{loaded.file}#examples[{i}]" for loaded, i, _ in cases]
    run.outcomes = evaluate(pack.rules, pack.references, run.submissions, sources)
    run.results = [_judge(loaded, i, ex, o) for (loaded, i, ex), o in zip(cases, run.outcomes, strict=True)]
    return run


def _counts(counter: Counter[str], severities: frozenset[Severity] | set[Severity]) -> str:
    if not counter:
        return "（无 / none）"
    tag = "/".join(sorted(s.value for s in severities))
    return ", ".join(f"{at} ×{n}" for at, n in sorted(counter.items())) + (f" [{tag}]" if tag else "")


def format_failure(result: ExampleResult) -> str:
    lines = [
        f"✗ {result.rule_id}  {result.where}  examples[{result.index}] “{result.name}” (expect: {result.expect})",
        f"      期望 / expected: {_counts(result.expected, {result.severity} if result.expected else set())}",
        f"      实际 / got:      {_counts(result.got, result.got_severities)}",
    ]
    if not result.got_severities <= {result.severity}:
        wrong = "/".join(sorted(s.value for s in result.got_severities))
        lines.append(
            f"      严重程度应为 {result.severity.value}，实际 {wrong} / severity should be {result.severity.value}, got {wrong}"
        )
    lines += [f"      说明 / note: {note}" for note in result.notes]
    return "\n".join(lines)
