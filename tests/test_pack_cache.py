"""The compiled pack cached on disk: a hit is the pack compiling would give, anything odd is a miss."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perfrules.model.rule import Severity
from perfrules.pack import cache
from perfrules.pack.loader import Pack, load_pack
from perfrules.run import validate
from tests.conftest import ROOT, RULES, SEED

OVERLAY = RULES / "overlays" / "hubei.yaml"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(folder))
    monkeypatch.setattr(cache, "_PACKS", {})  # no help from the in-process cache
    return folder


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """A copy of the shipped pack that a test may edit."""
    return Path(shutil.copytree(RULES, tmp_path / "rules"))


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every time the cache falls back to compiling, the root it compiled."""
    calls: list[Path] = []

    def counting(root: str | Path, overlays: Any = ()) -> Pack:
        calls.append(Path(root))
        return load_pack(root, overlays)

    monkeypatch.setattr(cache, "load_pack", counting)
    return calls


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("pack-*.json"))


def _assert_same_pack(got: Pack, want: Pack) -> None:
    assert [r.rule for r in got.rules] == [r.rule for r in want.rules]
    assert [r.compiled for r in got.rules] == [r.compiled for r in want.rules]
    assert [r.compiled.sql for r in got.rules] == [r.compiled.sql for r in want.rules]
    assert [r.rule.model_fields_set for r in got.rules] == [r.rule.model_fields_set for r in want.rules]
    assert got.references == want.references
    assert got.problems == want.problems
    assert got.content_hash == want.content_hash
    assert got.overlay_changes == want.overlay_changes
    assert got == want


def test_a_hit_is_the_pack_compiling_gives(cache_dir: Path, rules: Path, compiles: list[Path]) -> None:
    first = cache.load_pack_cached(rules)
    second = cache.load_pack_cached(rules)
    assert compiles == [rules]
    assert len(_files(cache_dir)) == 1
    fresh = load_pack(rules)
    _assert_same_pack(first, fresh)
    _assert_same_pack(second, fresh)
    assert second.rules and second.references
    # parameter values keep their types: a decimal threshold does not come back as text
    kinds = {type(v) for r in second.rules for v in r.parameters.values()}
    assert Decimal in kinds


def test_a_hit_with_overlays_and_problems(cache_dir: Path, rules: Path, compiles: list[Path]) -> None:
    (rules / "national" / "ZZ-BROKEN.yaml").write_text("id: ZZ-BROKEN\nseverity: fatal\n", encoding="utf-8")
    overlays = [str(OVERLAY), "no-such-overlay"]
    cache.load_pack_cached(rules, overlays)
    hit = cache.load_pack_cached(rules, overlays)
    assert len(compiles) == 1
    fresh = load_pack(rules, overlays)
    assert fresh.problems and fresh.overlay_changes
    _assert_same_pack(hit, fresh)


def test_the_seed_report_is_byte_identical_from_the_cache(cache_dir: Path, compiles: list[Path]) -> None:
    compiled = validate(SEED, rules=load_pack(RULES)).model_dump_json(indent=2)
    assert validate(SEED, rules=RULES).model_dump_json(indent=2) == compiled  # a miss: compiles and stores
    cache._PACKS.clear()
    assert validate(SEED, rules=RULES).model_dump_json(indent=2) == compiled  # read back from disk
    assert len(compiles) == 1


def test_editing_a_rule_file_invalidates(cache_dir: Path, rules: Path, compiles: list[Path]) -> None:
    before = cache.load_pack_cached(rules)
    target = rules / "national" / "FUND-COMMINGLED.yaml"
    text = target.read_text(encoding="utf-8")
    severity = before.rule("FUND-COMMINGLED")
    assert severity is not None
    new = Severity.INFO if severity.severity is not Severity.INFO else Severity.WARNING
    target.write_text(
        text.replace(f"severity: {severity.severity.value}", f"severity: {new.value}", 1), encoding="utf-8"
    )
    after = cache.load_pack_cached(rules)
    assert len(compiles) == 2
    changed = after.rule("FUND-COMMINGLED")
    assert changed is not None and changed.severity is new
    assert after.content_hash != before.content_hash
    _assert_same_pack(after, load_pack(rules))
    # a new reference table is a change too
    (rules / "reference" / "extra.csv").write_text("code\n1\n", encoding="utf-8")
    assert "extra" in cache.load_pack_cached(rules).references
    assert len(compiles) == 3


def test_a_change_to_the_compiler_invalidates(
    cache_dir: Path, rules: Path, compiles: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.load_pack_cached(rules)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another compiler")
    cache.load_pack_cached(rules)
    assert len(compiles) == 2
    assert len(_files(cache_dir)) == 2


def _rewrite(path: Path, how: str) -> None:
    raw = path.read_bytes()
    header, _, payload = raw.partition(b"\n")
    meta = json.loads(header)

    def signed(body: bytes) -> bytes:
        import hashlib

        return json.dumps({**meta, "sha256": hashlib.sha256(body).hexdigest()}).encode() + b"\n" + body

    if how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(os.urandom(256))
    elif how == "flipped":  # still JSON, no longer the bytes that were written
        path.write_bytes(header + b"\n" + payload.replace(b"SELECT", b"DELETE", 1))
    elif how == "other-format":
        path.write_bytes(json.dumps({**meta, "format": cache.FORMAT + 1}).encode() + b"\n" + payload)
    elif how == "other-key":
        path.write_bytes(json.dumps({**meta, "key": "0" * 64}).encode() + b"\n" + payload)
    elif how == "foreign-fields":
        path.write_bytes(signed(b'{"$dataclass":"Pack","value":{"name":"x"}}'))
    elif how == "unknown-class":
        path.write_bytes(signed(b'{"$dataclass":"Popen","value":{"args":["true"]}}'))
    elif how == "unknown-tag":
        path.write_bytes(signed(b'{"$pickle":"gASVAAAAAAAAAAA="}'))
    elif how == "not-a-pack":
        path.write_bytes(signed(b'{"$tuple":[1,2]}'))
    elif how == "bad-rule":
        path.write_bytes(
            signed(payload.replace(b'"severity":{"$enum":"Severity","value":"error"}', b'"severity":7', 1))
        )
    else:  # pragma: no cover
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "truncated", "empty", "garbage", "flipped", "other-format", "other-key", "foreign-fields",
        "unknown-class", "unknown-tag", "not-a-pack", "bad-rule",
    ],
)  # fmt: skip
def test_a_bad_cache_file_is_a_miss_and_is_rewritten(
    cache_dir: Path, rules: Path, compiles: list[Path], how: str
) -> None:
    cache.load_pack_cached(rules)
    [path] = _files(cache_dir)
    _rewrite(path, how)
    again = cache.load_pack_cached(rules)
    assert len(compiles) == 2
    _assert_same_pack(again, load_pack(rules))
    key = path.name.removeprefix("pack-").removesuffix(".json")
    assert cache.read_cached(path, key) == again  # rewritten, and readable again
    cache.load_pack_cached(rules)
    assert len(compiles) == 2


@pytest.mark.skipif(os.name != "posix", reason="ownership and mode bits are POSIX")
def test_a_file_others_can_write_is_not_trusted(cache_dir: Path, rules: Path, compiles: list[Path]) -> None:
    cache.load_pack_cached(rules)
    [path] = _files(cache_dir)
    path.chmod(0o666)
    cache.load_pack_cached(rules)
    assert len(compiles) == 2


def test_an_unusable_cache_folder_still_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiles: list[Path]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    want = validate(SEED, rules=load_pack(RULES)).model_dump_json()
    for folder in (blocker, blocker / "below"):
        monkeypatch.setenv("PERFRULES_CACHE_DIR", str(folder))
        monkeypatch.setattr(cache, "_PACKS", {})
        assert validate(SEED, rules=RULES).model_dump_json() == want
    assert len(compiles) == 2
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("value", ["off", "OFF", "0"])
def test_the_cache_can_be_switched_off(
    tmp_path: Path, rules: Path, compiles: list[Path], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PERFRULES_CACHE_DIR", value)
    monkeypatch.chdir(tmp_path)
    assert cache.cache_dir() is None
    cache.load_pack_cached(rules)
    cache.load_pack_cached(rules)
    assert len(compiles) == 2
    assert not list(tmp_path.glob("**/pack-*.json"))


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFRULES_CACHE_DIR", str(tmp_path / "here"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "here"
    monkeypatch.delenv("PERFRULES_CACHE_DIR")
    assert cache.cache_dir() == tmp_path / "xdg" / "perfrules"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "perfrules"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "perfrules"


def test_the_folder_is_pruned_to_the_most_recently_used(cache_dir: Path, rules: Path) -> None:
    cache_dir.mkdir()
    for index in range(cache.KEEP + 5):
        old = cache_dir / f"pack-{index:064x}.json"
        old.write_text("{}", encoding="utf-8")
        os.utime(old, (1_000_000 + index, 1_000_000 + index))
    crashed = cache_dir / ".pack-crashed.tmp"
    crashed.write_text("half", encoding="utf-8")
    os.utime(crashed, (1_000_000, 1_000_000))
    unrelated = cache_dir / "notes.txt"
    unrelated.write_text("mine", encoding="utf-8")
    cache.load_pack_cached(rules)
    kept = _files(cache_dir)
    assert len(kept) == cache.KEEP
    assert cache_dir / f"pack-{cache.KEEP + 4:064x}.json" in kept  # the newest of the old ones
    assert cache_dir / f"pack-{0:064x}.json" not in kept
    assert not crashed.exists()
    assert unrelated.exists()


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0.80"), Decimal("1E+2"), "0.80", 1, True, None, 1.5, [1, "a"], (1, (2, "b")),
        {"a": Decimal("1")}, {1: "int key", (2, 3): "tuple key"}, {"$decimal": "text"}, {"": [{}]},
        Severity.WARNING,
    ],
)  # fmt: skip
def test_values_keep_their_types(value: object) -> None:
    back = cache.decode(json.loads(json.dumps(cache.encode(value))))
    assert back == value
    assert type(back) is type(value)
    if isinstance(value, dict):
        assert [type(k) for k in back] == [type(k) for k in value]


@pytest.mark.parametrize("value", [{1, 2}, b"bytes", object(), Path("x")])
def test_values_it_cannot_keep_are_refused(value: object) -> None:
    with pytest.raises(cache.CacheFormatError):
        cache.encode(value)


_COLD_CHECK = """
import sys
from perfrules.cli import main
sys.argv = ["perfrules", "check", sys.argv[1], "--format", "json"]
try:
    main()
except SystemExit as exc:
    code = exc.code
sys.stderr.write(f"\\nexit={code} sqlglot={'sqlglot' in sys.modules}\\n")
"""


def _cold_check(env: dict[str, str]) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", _COLD_CHECK, str(SEED)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    return done.stdout, done.stderr.strip().splitlines()[-1]


def test_a_cold_check_with_a_warm_cache_does_not_import_sqlglot(tmp_path: Path) -> None:
    env = {**os.environ, "PERFRULES_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("PERFRULES_RULES", None)
    compiled, status = _cold_check(env)  # compiles the shipped pack and stores it
    assert status.endswith("sqlglot=True")
    cached, status = _cold_check(env)
    assert status.endswith("sqlglot=False"), status
    assert cached == compiled
    assert json.loads(cached)["verdict"] in ("pass", "blocked")


def test_the_key_does_not_depend_on_whether_sqlglot_is_imported() -> None:
    import sqlglot  # noqa: F401  (this process compiles, so it has sqlglot; a cold check has not)

    script = "import sys; from perfrules.pack import cache; print(cache.code_fingerprint(), 'sqlglot' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True
    )
    assert done.stdout.split() == [cache.code_fingerprint(), "False"]
