"""Property tests over the whole pack, on submissions hypothesis generates from the models.

(a) Boundary pairs per comparison (see ``boundaries``).
(b) Metamorphic properties, per generated batch:
    * reordering projects and indicators keeps the multiset of (rule id, fingerprint);
    * a batch gives each submission exactly what it gets alone;
    * adding an unrelated clean submission changes nothing for the others;
    * the same input gives a byte-identical JSON report.
(c) Robustness: no rule errors (no rule problem, no ``errored`` in the ledger) on any
    schema-valid submission.

Hypothesis first searches with the whole pack. When a property fails, the rules to blame
are known, and the failure is shrunk again with only those rules and that property: the
failing example is replayed from an in-memory example database and shrunk cheaply. The
shrunk submission is printed as an example a rule author can paste.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from perfrules.errors import MissingDependency

try:
    from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
    from hypothesis import strategies as st
    from hypothesis.database import InMemoryExampleDatabase
except ImportError as exc:
    raise MissingDependency.for_extra("author", "hypothesis", "perfrules test 的性质测试", "perfrules test") from exc

from perfrules.model.report import Report, SubmissionResult
from perfrules.pack.loader import LoadedRule, Pack
from perfrules.testing import boundaries, shrinking
from perfrules.testing._engine import evaluate, read_all, report_of, sub_pack
from perfrules.testing._yamlout import example_block
from perfrules.testing.examples import yaml_line
from perfrules.testing.strategies import Document, Vocabulary, is_schema_valid, submissions

PROFILE = "perfrules-test"
settings.register_profile(
    PROFILE,
    deadline=None,
    database=None,
    verbosity=Verbosity.quiet,
    report_multiple_bugs=False,
    print_blob=False,
    # Whole submissions are big draws by design, and each example runs the engine several times.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
SHRINK_CALLS = 150
"""Shrinking stops after this many test calls: the big reductions come first, and a count (not a
clock) keeps the printed counterexample the same on a loaded machine; ``_polish`` tidies up."""

REORDER, BATCH, CLEAN, DETERMINISTIC, ROBUST = "reorder", "batch", "clean", "deterministic", "robust"
LABELS: dict[str, str] = {
    "boundary": "边界值符合比较的定义 / boundary pairs agree with the comparison",
    REORDER: "重排项目与指标不改变（规则, 指纹）/ reordering projects and indicators keeps (rule, fingerprint)",
    BATCH: "批量结果等于逐份结果 / a batch equals its singles",
    CLEAN: "加入无关的干净提交不影响其他提交 / an unrelated clean submission changes nothing for the others",
    DETERMINISTIC: "相同输入得到逐字节相同的 JSON / the same input gives byte-identical JSON",
    ROBUST: "任何合法提交都不会使规则出错 / no rule errors on any schema-valid submission",
}
METAMORPHIC = (REORDER, BATCH, CLEAN, DETERMINISTIC, ROBUST)
NO_RULE = "<report>"
"""Blamed when a property fails but no single rule's findings differ."""


@dataclass(frozen=True)
class Inputs:
    """One generated example: a small batch, a reordering of the first submission, a clean submission."""

    submissions: tuple[Document, ...]
    project_order: tuple[int, ...]
    indicator_orders: tuple[tuple[int, ...], ...]
    clean: Document | None

    def reordered(self) -> Document:
        doc = dict(self.submissions[0])
        projects = list(doc.get("projects", []))
        moved = []
        for old in self.project_order:
            project = dict(projects[old])
            indicators = list(project.get("indicators", []))
            if indicators:
                project["indicators"] = [indicators[i] for i in self.indicator_orders[old]]
            moved.append(project)
        if "projects" in doc:
            doc["projects"] = moved
        return doc

    def key(self) -> str:
        return json.dumps(
            [self.submissions, self.project_order, self.indicator_orders, self.clean], sort_keys=True, default=str
        )


def inputs(vocabulary: Vocabulary, clean_pool: Sequence[Document]) -> st.SearchStrategy[Inputs]:
    subs = submissions(vocabulary)

    @st.composite
    def build(draw: st.DrawFn) -> Inputs:
        batch = draw(st.lists(subs, min_size=1, max_size=3))
        projects = batch[0].get("projects", [])
        order = draw(st.permutations(range(len(projects))))
        indicator_orders = tuple(tuple(draw(st.permutations(range(len(p.get("indicators", [])))))) for p in projects)
        clean = draw(st.sampled_from(list(clean_pool))) if clean_pool else None
        return Inputs(tuple(batch), tuple(order), indicator_orders, clean)

    return build()


class PropertyFailure(Exception):
    """A property broke on ``inputs``; ``rule_ids`` are the rules whose results differ."""

    def __init__(self, prop: str, rule_ids: Sequence[str], detail: str, inputs: Inputs) -> None:
        super().__init__(f"{prop}: {', '.join(rule_ids)}: {detail}")
        self.prop = prop
        self.rule_ids = tuple(sorted(rule_ids))
        self.detail = detail
        self.inputs = inputs


def _by_rule(result: SubmissionResult) -> dict[str, str]:
    """Each rule's findings and ledger entry in a submission result, as canonical JSON."""
    out: dict[str, list[Any]] = {}
    for f in result.findings:
        out.setdefault(f.rule_id, []).append(f.model_dump(mode="json"))
    for e in result.ledger:
        out.setdefault(e.rule_id, []).append(e.model_dump(mode="json"))
    return {k: json.dumps(v, sort_keys=True, ensure_ascii=False) for k, v in out.items()}


def _differing(a: SubmissionResult, b: SubmissionResult) -> set[str]:
    ra, rb = _by_rule(a), _by_rule(b)
    rules = {k for k in ra.keys() | rb.keys() if ra.get(k) != rb.get(k)}
    if not rules and a.model_dump_json() != b.model_dump_json():
        rules.add(NO_RULE)
    return rules


def _errored(report: Report) -> dict[str, str]:
    out = {p.rule_id or NO_RULE: p.message for p in report.problems}
    for s in report.submissions:
        out.update({e.rule_id: out.get(e.rule_id, "errored") for e in s.ledger if e.status == "errored"})
    return out


Ignore = AbstractSet[tuple[str, str]]


def check_inputs(
    pack: Pack, x: Inputs, props: Sequence[str], ignore: Ignore = frozenset(), cache: dict[str, Report] | None = None
) -> None:
    """Raise PropertyFailure for the first property in ``props`` that breaks (ignoring known (property, rule) pairs)."""

    def fail(prop: str, rules: set[str], detail: str) -> None:
        rules = {r for r in rules if (prop, r) not in ignore}
        if rules:
            raise PropertyFailure(prop, sorted(rules), detail, x)

    names = [f"<generated {i}>" for i in range(len(x.submissions))]
    # Reordering needs only the first submission alone; the other properties need every one.
    needed = x.submissions if {ROBUST, BATCH, CLEAN, DETERMINISTIC} & set(props) else x.submissions[:1]
    singles = [_single(pack, s, n, cache) for s, n in zip(needed, names, strict=False)]
    if ROBUST in props:
        for i, report in enumerate(singles):
            errors = _errored(report)
            fail(ROBUST, set(errors), f"{names[i]}: " + "; ".join(f"[{k}] {v}" for k, v in sorted(errors.items())))
    if BATCH in props or CLEAN in props or DETERMINISTIC in props:
        # One batch holds the clean submission and the generated ones; only when it disagrees with
        # the singles is the batch run again without the clean one, to tell the two properties apart.
        batch = [*([x.clean] if x.clean is not None else []), *x.submissions]
        batch_names = [*(["<clean>"] if x.clean is not None else []), *names]
        offset = len(batch) - len(x.submissions)
        # A batch of one is the single run already made.
        together = singles[0] if len(batch) == 1 else report_of(pack, read_all(batch, batch_names))
        if ROBUST in props:
            errors = _errored(together)
            fail(ROBUST, set(errors), "; ".join(f"[{k}] {v}" for k, v in sorted(errors.items())))
        for i, single in enumerate(singles):
            rules = _differing(together.submissions[i + offset], single.submissions[0])
            if not rules:
                continue
            plain = report_of(pack, read_all(list(x.submissions), names)) if offset else together
            alone = _differing(plain.submissions[i], single.submissions[0])
            if BATCH in props and alone:
                fail(BATCH, alone, f"{names[i]} 在批量中不同 / differs in the batch")
            if CLEAN in props:
                fail(CLEAN, rules - alone, f"{names[i]} 加入干净提交后不同 / differs next to a clean submission")
        if DETERMINISTIC in props:
            again = report_of(pack, read_all(batch, batch_names))
            if again.model_dump_json() != together.model_dump_json():
                differing: set[str] = set()
                for a, b in zip(again.submissions, together.submissions, strict=True):
                    differing |= _differing(a, b)
                fail(DETERMINISTIC, differing or {NO_RULE}, "两次运行的 JSON 不同 / two runs gave different JSON")
    if REORDER in props:
        moved = report_of(pack, read_all([x.reordered()], names[:1]))
        before = Counter((f.rule_id, f.fingerprint) for f in singles[0].submissions[0].findings)
        after = Counter((f.rule_id, f.fingerprint) for f in moved.submissions[0].findings)
        differing = {rule for rule, _ in (before - after) + (after - before)}
        fail(
            REORDER,
            differing,
            f"项目顺序 / project order {list(x.project_order)}, 指标顺序 / indicator orders {[list(o) for o in x.indicator_orders]}",
        )


def _single(pack: Pack, doc: Document, name: str, cache: dict[str, Report] | None) -> Report:
    """One submission alone; while shrinking, most candidates repeat a submission already run."""
    if cache is None:
        return report_of(pack, read_all([doc], [name]))
    key = name + json.dumps(doc, sort_keys=True, default=str)
    if key not in cache:
        cache[key] = report_of(pack, read_all([doc], [name]))
    return cache[key]


@dataclass
class PropertyFailureReport:
    prop: str
    rule_ids: tuple[str, ...]
    detail: str
    inputs: Inputs
    counterexamples: list[tuple[LoadedRule | None, str]] = field(default_factory=list)
    """(rule, example YAML) to paste under that rule's ``examples:``."""


@dataclass
class PropertyResult:
    prop: str
    checked: int
    failures: list[PropertyFailureReport] = field(default_factory=list)
    note: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.prop]


def default_seed(pack: Pack) -> int:
    """``$PERFRULES_TEST_SEED``, else one derived from the pack's content: reproducible until the rules change."""
    env = os.environ.get("PERFRULES_TEST_SEED")
    if env and env.isdigit():
        return int(env)
    return int(hashlib.sha256(pack.content_hash.encode()).hexdigest()[:12], 16)


class _Handoff(InMemoryExampleDatabase):
    """Passes what one hypothesis run found to the next run of the same test, to be shrunk there.

    Hypothesis replays the primary corpus as already minimal and does not shrink it again, so
    between the search and the shrink run the finds move to the secondary corpus
    (``<key>.secondary``), which is replayed and then shrunk.
    """

    def __init__(self) -> None:
        super().__init__()
        self.primary_keys: set[bytes] = set()

    def save(self, key: bytes, value: bytes) -> None:
        if not key.endswith((b".secondary", b".pareto")):
            self.primary_keys.add(key)
        super().save(key, value)

    def handoff(self) -> None:
        for key in self.primary_keys:
            for value in list(self.fetch(key)):
                self.move(key, key + b".secondary", value)


def _run_hypothesis(
    strategy: st.SearchStrategy[Inputs], check: Callable[[Inputs], None], config: settings, seed_value: int
) -> PropertyFailure | None:
    @settings(config)
    @seed(seed_value)
    @given(strategy)
    def search(x: Inputs) -> None:
        check(x)

    try:
        search()
    except PropertyFailure as failure:
        return failure
    return None


def _shrink_check(pack: Pack, failure: PropertyFailure, budget: int) -> Callable[[Inputs], None]:
    """Only the blamed rules and the failed property; after ``budget`` calls only known failures fail."""
    blamed = [r for r in pack.rules if r.rule.id in failure.rule_ids]
    small = sub_pack(blamed, pack.references, pack.name) if blamed else pack
    small.content_hash = pack.content_hash
    calls = [0]
    known: set[str] = set()
    cache: dict[str, Report] = {}

    def check(x: Inputs) -> None:
        key = x.key()
        calls[0] += 1
        if calls[0] > budget and key not in known:
            return  # out of budget: the shrinker can only keep what it has
        try:
            check_inputs(small, x, [failure.prop], cache=cache)
        except PropertyFailure:
            known.add(key)
            raise

    return check


def _shape(doc: Document) -> list[int]:
    """What a reordering's permutations index: the number of projects and of each one's indicators."""
    projects = doc.get("projects")
    if not isinstance(projects, list):
        return [-1]
    return [len(projects), *(len(p.get("indicators") or []) if isinstance(p, dict) else -1 for p in projects)]


def _replaced(x: Inputs, index: int, doc: Document) -> Inputs:
    subs = tuple(doc if j == index else d for j, d in enumerate(x.submissions))
    return Inputs(subs, x.project_order, x.indicator_orders, x.clean)


def _polish(pack: Pack, failure: PropertyFailure, budget: int = 40) -> Inputs:
    """Drop what hypothesis had no time to: optional keys (and, unless a reordering is involved, list items)."""
    blamed = [r for r in pack.rules if r.rule.id in failure.rule_ids]
    small = sub_pack(blamed, pack.references, pack.name) if blamed else pack
    x = failure.inputs
    for index in range(len(x.submissions)):
        # A reordering permutes the first submission's items, so its shape must stay.
        fixed = _shape(x.submissions[0]) if failure.prop == REORDER and index == 0 else None

        def still_fails(doc: Document, base: Inputs = x, i: int = index, shape: list[int] | None = fixed) -> bool:
            if (shape is not None and _shape(doc) != shape) or not is_schema_valid(doc):
                return False
            try:
                check_inputs(small, _replaced(base, i, doc), [failure.prop])
            except PropertyFailure:
                return True
            return False

        x = _replaced(x, index, shrinking.shrink(x.submissions[index], still_fails, budget, lists=fixed is None))
    return x


def _counterexamples(pack: Pack, failure: PropertyFailure) -> list[tuple[LoadedRule | None, str]]:
    x = failure.inputs
    docs: list[tuple[str, Document]] = [(f"提交 {i} / submission {i}", d) for i, d in enumerate(x.submissions)]
    if failure.prop == REORDER:
        docs = [("原顺序 / as generated", x.submissions[0]), ("重排后 / reordered", x.reordered())]
    elif failure.prop == CLEAN and x.clean is not None:
        docs.append(("干净提交 / the clean submission", x.clean))
    out: list[tuple[LoadedRule | None, str]] = []
    blamed = [r for r in pack.rules if r.rule.id in failure.rule_ids]
    owners: list[LoadedRule | None] = [*blamed] or [None]
    for loaded in owners:
        rules = [loaded] if loaded else list(pack.rules)
        results = evaluate(rules, pack.references, [d for _, d in docs])
        blocks = []
        for (label, doc), outcome in zip(docs, results, strict=True):
            fired = outcome.pointers(loaded.rule.id) if loaded else Counter()
            name = f"反例 / counterexample ({failure.prop}, {label})"
            blocks.append((not fired, example_block(name, "fail" if fired else "pass", doc, fired)))
        # The variant where the rule fires first: that is the finding the author wants to pin down.
        out += [(loaded, block) for _, block in sorted(blocks, key=lambda b: b[0])]
    return out


def run_metamorphic(
    pack: Pack,
    *,
    vocabulary: Vocabulary,
    clean_pool: Sequence[Document],
    max_examples: int,
    seed_value: int,
    shrink_calls: int = SHRINK_CALLS,
    max_rounds: int = 8,
) -> list[PropertyResult]:
    """Search, shrink and report every (property, rule) failure; all rounds run before reporting."""
    # The rules that loaded, as authored: the pack's own problems are reported elsewhere and are
    # no rule failing on a generated submission.
    loaded = pack
    pack = sub_pack(loaded.rules, loaded.references, loaded.name)
    pack.content_hash = loaded.content_hash
    results = {p: PropertyResult(p, 0) for p in METAMORPHIC}
    if not clean_pool:
        results[CLEAN].note = "没有干净的示例提交可用 / no example submission is clean under the whole pack"
    strategy = inputs(vocabulary, clean_pool)
    base = settings.get_profile(PROFILE)
    ignore: set[tuple[str, str]] = set()
    counted = [0]

    def search_check(x: Inputs) -> None:
        counted[0] += 1
        check_inputs(pack, x, METAMORPHIC, ignore)

    for _ in range(max_rounds):
        database = _Handoff()
        search = settings(base, max_examples=max_examples, database=database, phases=(Phase.explicit, Phase.generate))
        found = _run_hypothesis(strategy, search_check, search, seed_value)
        if found is None:
            break
        database.handoff()
        shrink = settings(base, max_examples=max_examples, database=database, phases=(Phase.reuse, Phase.shrink))
        shrunk = _run_hypothesis(strategy, _shrink_check(pack, found, shrink_calls), shrink, seed_value)
        final = shrunk if shrunk is not None and shrunk.prop == found.prop else found
        rule_ids = final.rule_ids if set(final.rule_ids) <= set(found.rule_ids) else found.rule_ids
        polished = _polish(pack, PropertyFailure(found.prop, rule_ids, final.detail, final.inputs))
        report = PropertyFailureReport(found.prop, rule_ids, final.detail, polished)
        report.counterexamples = _counterexamples(pack, PropertyFailure(found.prop, rule_ids, final.detail, polished))
        results[found.prop].failures.append(report)
        ignore |= {(found.prop, r) for r in found.rule_ids}
    for result in results.values():
        result.checked = counted[0]
    return list(results.values())


@dataclass
class BoundaryResult:
    suites: list[boundaries.Suite]
    failures: list[boundaries.Failure]

    @property
    def comparisons(self) -> int:
        return sum(len({c.text for c in s.comparisons}) for s in self.suites)

    @property
    def hits(self) -> int:
        return sum(len(s.hits) for s in self.suites)

    @property
    def values(self) -> int:
        return sum(s.values for s in self.suites)


def run_boundaries(pack: Pack, rules: Sequence[LoadedRule] | None = None) -> BoundaryResult:
    suites = [boundaries.build_suite(r, pack) for r in (pack.rules if rules is None else rules)]
    suites = [s for s in suites if s.comparisons]
    found = [f for s in suites for f in boundaries.failures(s, pack)]
    return BoundaryResult(suites, found)


def format_boundary_failure(failure: boundaries.Failure) -> str:
    c = failure.comparison
    rule = c.rule
    head = (
        f"✗ {rule.rule.id}  {rule.file}:{c.line or rule.line}  {c.key}: {c.text}（{c.bound}）\n      {failure.detail}\n"
    )
    if failure.error:
        block = example_block(f"边界 / boundary: {c.text}", "pass", failure.submission)
        return head + (
            "      规则在下面的提交上运行出错；修正规则后把它加入示例（expect 按应有结果填写）/ the rule fails to run on the "
            "submission below; fix the rule, then add it to the examples with the outcome it should have:\n"
            + _indent(block)
        )
    block = example_block(
        f"边界 / boundary: {c.text}", "fail" if failure.expect else "pass", failure.submission, failure.expect
    )
    got = ", ".join(sorted(failure.got)) or "（无 / none）"
    return head + (
        f"      规则实际触发于 / the rule fired at: {got}\n"
        "      按比较的定义应如下例；把它加入规则的示例 / by the comparison's definition it should be as below; "
        "add it to the rule's examples:\n" + _indent(block)
    )


def format_property_failure(report: PropertyFailureReport) -> str:
    lines = [f"      规则 / rules: {', '.join(report.rule_ids)}", f"      {report.detail}"]
    for loaded, block in report.counterexamples:
        where = f"{loaded.file}:{yaml_line(loaded.file, ('examples',)) or loaded.line}" if loaded else ""
        lines.append(
            f"      可粘贴到 {where} 的 examples / paste under examples: in {where}:"
            if where
            else "      反例 / counterexample:"
        )
        lines.append(_indent(block).rstrip("\n"))
    return "\n".join(lines)


def _indent(text: str, prefix: str = "        ") -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(keepends=True))
