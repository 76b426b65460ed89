"""Fuzzing the readers and loaders: mutated submissions, rule files, waivers, overlays and workbooks.

Mutations put random text (control characters, surrogates' neighbours, quotes, braces) into values
and keys, huge numbers and extreme exponents into any place, nesting thousands deep, and random
bytes into the raw file. Whatever comes in, every reader returns results or located problems and
never raises; a batch holding a mutated file still reports the clean one, and never exits 1
without a report. Afterwards, in the same process, the shipped pack's findings on the fixture
corpus are exactly what they were before.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfrules import validate
from perfrules.pack.loader import Pack, load_pack, load_rule_text
from perfrules.pack.overlay import apply_overlays
from perfrules.pack.waivers import load_waivers
from perfrules.read.documents import read_bytes
from perfrules.read.xlsx_forms import read_workbook
from tests.conftest import FIXTURES, RULES, SEED
from tests.hostile_workbooks import SHEET, rewrite

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
SLOW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)

_SEED_DATA: dict[str, Any] = json.loads(SEED.read_text(encoding="utf-8"))
_RULE_TEXT = (RULES / "national" / "TEXT-DEVIATION-LENGTH.yaml").read_text(encoding="utf-8")
_HOSTILE_CHARS = "\x00\x1b\x7f\x9b\u202e\u2066'\"{}[]()$\\;:#&*!|>%@`\n\t 　—９"

texts = st.text(alphabet=st.sampled_from(_HOSTILE_CHARS) | st.characters(codec="utf-8"), max_size=40)
huge_numbers = st.one_of(
    st.integers(min_value=20, max_value=6000).map(lambda n: "9" * n),
    st.integers(min_value=15, max_value=10**9).map(lambda e: f"1e{e}"),
    st.integers(min_value=5, max_value=10**9).map(lambda e: f"1e-{e}"),
    st.sampled_from(["NaN", "Infinity", "-0", "1e20", "0e999999"]),
)
number_objects = huge_numbers.map(lambda v: {"state": "value", "value": v})
deep = st.integers(min_value=500, max_value=3000).map(lambda n: ("DEEP", n))
bare_numbers = st.integers(min_value=20, max_value=6000).map(lambda n: ("BIG", n))
replacements = st.one_of(texts, huge_numbers, bare_numbers, number_objects, deep, st.none(), st.booleans())


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return root


@st.composite
def mutated_documents(draw: st.DrawFn) -> str:
    """The seed submission as JSON text with a few values or keys replaced by hostile ones."""
    data = copy.deepcopy(_SEED_DATA)
    places = _paths(data)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(places[1:]))
        value = draw(replacements)
        if isinstance(value, tuple):
            value = f"__{value[0]}{value[1]}__"  # spliced in below as a bare literal
        data = _set(data, path, value)
        if draw(st.booleans()):
            target = data
            for step in path[:-1]:
                target = target[step]
            if isinstance(target, dict):
                target[draw(texts)] = draw(texts)
        places = _paths(data)
        if len(places) < 2:
            break
    text = json.dumps(data, ensure_ascii=False)
    for token in [t for t in text.split('"') if t.startswith(("__BIG", "__DEEP"))]:
        count = int(token.strip("_").removeprefix("BIG").removeprefix("DEEP"))
        literal = "9" * count if token.startswith("__BIG") else "[" * count + "]" * count
        text = text.replace(f'"{token}"', literal)
    return text


@st.composite
def corrupted(draw: st.DrawFn, text: str) -> bytes:
    raw = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=max(0, len(raw) - 1)))
        raw[at : at + 1] = draw(st.binary(min_size=0, max_size=6))
    return bytes(raw)


def _json_to_yaml(text: str) -> str:
    # JSON is YAML 1.2 (flow style); the same payloads then go through the YAML reader.
    return "# fuzz\n" + text


@FAST
@given(mutated_documents(), st.data())
def test_the_document_readers_never_raise(document: str, data: st.DataObject) -> None:
    for suffix, text in ((".json", document), (".yaml", _json_to_yaml(document))):
        raw = data.draw(corrupted(text))
        result = read_bytes(raw, f"fuzz{suffix}", suffix)
        assert result.submission is not None or result.problems
        assert all(p.source == f"fuzz{suffix}" for p in result.problems)


_RULE_LINES = _RULE_TEXT.splitlines()
_PACK: list[Pack] = []


def _shipped() -> Pack:
    if not _PACK:
        _PACK.append(load_pack(RULES))
    return _PACK[0]


@st.composite
def mutated_rules(draw: st.DrawFn) -> str:
    lines = list(_RULE_LINES)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        line = lines[at]
        key, sep, _value = line.partition(": ")
        payload = draw(st.one_of(texts, huge_numbers.map(str), deep.map(lambda d: "[" * d[1] + "]" * d[1])))
        lines[at] = f"{key}{sep or ': '}{payload}" if draw(st.booleans()) else f"{payload}: {line.strip()}"
    return "\n".join(lines) + "\n"


@FAST
@given(mutated_rules())
def test_the_rule_loader_never_raises(text: str) -> None:
    loaded, problems = load_rule_text(text, "fuzz.yaml", {})
    assert loaded is not None or problems
    assert all(p.file == "fuzz.yaml" for p in problems)


@FAST
@given(st.one_of(texts, huge_numbers.map(str)), st.one_of(texts, huge_numbers.map(str)), st.data())
def test_waivers_and_overlays_never_raise(left: str, right: str, data: st.DataObject) -> None:
    import tempfile

    waiver = f"waivers:\n  - fingerprint: {left}\n    approver: {right}\n    reason: {left}\n    expires: {right}\n"
    overlay = f"name: {left}\nchanges:\n  - rule: TEXT-DEVIATION-LENGTH\n    reason: r\n    parameters: {{max_chars: {right}}}\n"
    with tempfile.TemporaryDirectory() as tmp:
        waivers = Path(tmp) / "w.yaml"
        waivers.write_bytes(data.draw(corrupted(waiver)))
        accepted, _digest, problems = load_waivers(waivers)
        assert all(p.source == str(waivers) for p in problems)
        assert all(w.approver.strip() and w.reason.strip() for w in accepted.values())
        path = Path(tmp) / "o.yaml"
        path.write_bytes(data.draw(corrupted(overlay)))
        pack = copy.deepcopy(_shipped())
        apply_overlays(pack, [path])
        assert all(p.file == str(path) for p in pack.problems)


@st.composite
def mutated_sheets(draw: st.DrawFn) -> dict[str, Any]:
    cell = draw(st.sampled_from(["D13", "H13", "B4", "A2", "G10"]))
    payload = draw(st.one_of(texts, huge_numbers.map(str)))
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    ref = draw(st.sampled_from(["A1:XFD1", "B2:B1048576", "C3:D4", "A1:A1", "Z99:A1", "nonsense"]))

    def edit(xml: str) -> str:
        xml = xml.replace(
            f'<c r="{cell}"', f'<c r="{cell}" t="inlineStr"><is><t>{escaped}</t></is></c><c r="ZZ{cell}"', 1
        )
        return xml.replace("</mergeCells>", f'<mergeCell ref="{ref}"/></mergeCells>')

    return {SHEET: edit}


@SLOW
@given(mutated_sheets())
def test_the_workbook_reader_never_raises(edits: dict[str, Any]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = rewrite(Path(tmp) / "fuzz.xlsx", edits)
        results = read_workbook(path)
    assert results and all(r.submission is not None or r.problems for r in results)


def _corpus_findings() -> list[tuple[str, str]]:
    report = validate(sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".json", ".yaml")))
    return sorted((s.source, f.fingerprint) for s in report.submissions for f in s.findings)


@pytest.fixture(scope="module", autouse=True)
def corpus_before() -> list[tuple[str, str]]:
    return _corpus_findings()


def test_a_batch_with_a_mutated_file_still_reports_the_rest_and_the_pack_is_unchanged(
    corpus_before: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("fuzz-batch")

    @SLOW
    @given(mutated_documents(), st.data())
    def one_batch(document: str, data: st.DataObject) -> None:
        hostile = folder / "hostile.json"
        hostile.write_bytes(data.draw(corrupted(document)))
        report = validate([hostile, SEED])
        assert report.exit_code in (0, 1, 2)
        assert [i["source"] for i in report.inputs] == [str(hostile), str(SEED)]
        assert str(SEED) in [s.source for s in report.submissions]
        if report.exit_code == 1:
            assert report.submissions and report.verdict == "blocked"

    one_batch()
    assert _corpus_findings() == corpus_before
