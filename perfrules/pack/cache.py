"""The compiled rule pack, cached on disk by content hash.

Compiling a pack runs every rule through sqlglot, which (with importing sqlglot) is most of a
cold ``perfrules check``. The loaded :class:`~perfrules.pack.loader.Pack` is therefore written
to ``$PERFRULES_CACHE_DIR`` (else ``$XDG_CACHE_HOME/perfrules``, else ``~/.cache/perfrules``)
under a key that changes with anything that could change the result: the pack's files and
their paths, the overlays, perfrules' version, the source of the loader and compiler, and the
versions of sqlglot, pydantic, PyYAML and Python. ``PERFRULES_CACHE_DIR=off`` (or ``0``) turns
the cache off.

The file is JSON, never pickle: the folder is writable by its user, and reading it back must
not run code. Values are tagged where JSON would lose their type (decimals, tuples, enums,
dict keys that are not text); pydantic models are rebuilt with ``model_validate`` and
dataclasses (only the few named here) from their fields, so a field added to one of them
needs no change here. A file that is missing, truncated, corrupt, written by another version,
not owned by this user, or that fails to decode is ignored and the pack compiled as before;
a folder that cannot be written is not an error either.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import pydantic
import pydantic_core
import yaml
from pydantic import BaseModel

from perfrules._version import __version__
from perfrules.compile.kinds import CompiledRule
from perfrules.errors import CacheError
from perfrules.model.report import OverlayChange
from perfrules.model.rule import Rule, Severity
from perfrules.model.submission import DocumentKind
from perfrules.pack.loader import LoadedRule, Pack, Problem, load_pack
from perfrules.tables.spec import ReferenceTable

CACHE_ENV = "PERFRULES_CACHE_DIR"
DISABLED = frozenset({"off", "0"})
KEEP = 16
"""Cache files kept in the folder (the most recently used); older ones are deleted."""
FORMAT = 1
_PREFIX = "pack-"
_SUFFIX = ".json"
_STALE_TEMP_SECONDS = 3600

_PACKAGE = Path(__file__).resolve().parent.parent
_SOURCES = (
    "_version.py",
    "compile",
    "model",
    "pack/loader.py",
    "pack/overlay.py",
    "pack/cache.py",
    "yaml12.py",
    "numbers.py",
    "tables/spec.py",
    "tables/columns.py",
)
"""The code a loaded pack depends on, relative to the package: a change to any of it is a new key."""


# ---------------------------------------------------------------------------- where and under what key


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is switched off (or there is no home to put it in)."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env.lower() in DISABLED:
        return None
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "perfrules"
    try:
        return Path.home() / ".cache" / "perfrules"
    except RuntimeError:
        return None


def files_digest(root: Path, overlays: Sequence[str | Path]) -> str:
    """A hash of every file the pack is built from: cheap to read, unlike compiling the rules."""
    digest = hashlib.sha256()
    files = (
        sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".csv"))
        if root.is_dir()
        else []
    )
    for path in [*files, *(Path(o) for o in overlays if Path(o).is_file())]:
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _sqlglot_version() -> str:
    """sqlglot's version, read without importing it (importing sqlglot is what the cache saves)."""
    spec = importlib.util.find_spec("sqlglot")
    origin = Path(spec.origin) if spec is not None and spec.origin else None
    if origin is None:
        return "absent"
    for candidate in (origin.parent / "_version.py", origin):
        with contextlib.suppress(OSError):
            return hashlib.sha256(candidate.read_bytes()).hexdigest()
    return "unreadable"


@cache
def code_fingerprint() -> str:
    """perfrules' version, the loader and compiler source, and the libraries they lean on."""
    digest = hashlib.sha256(f"format {FORMAT}\0perfrules {__version__}\0python {sys.version}\0".encode())
    versions = {
        "sqlglot": _sqlglot_version(),
        "pydantic": pydantic.VERSION,
        "pydantic_core": pydantic_core.__version__,
        "yaml": yaml.__version__,
    }
    digest.update(json.dumps(versions, sort_keys=True).encode())
    for rel in _SOURCES:
        base = _PACKAGE / rel
        paths = sorted(base.rglob("*.py")) if base.is_dir() else [base]  # compile/kinds/ too
        for path in paths:
            try:
                data = path.read_bytes()
            except OSError:
                data = b"<unreadable>"
            digest.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def pack_key(root: Path, overlays: Sequence[str | Path], digest: str) -> str:
    """The cache key of one load: the files' digest and everything else ``load_pack`` reads."""
    try:
        resolved = str(root.resolve())
    except (OSError, RuntimeError):
        resolved = ""
    material = [code_fingerprint(), str(root), resolved, [[str(o), Path(o).exists()] for o in overlays], digest]
    return hashlib.sha256(json.dumps(material, ensure_ascii=False).encode()).hexdigest()


# ---------------------------------------------------------------------------- JSON, with types kept

_DATACLASSES: dict[str, type[Any]] = {c.__name__: c for c in (Pack, LoadedRule, Problem, CompiledRule, ReferenceTable)}
_MODELS: dict[str, type[BaseModel]] = {c.__name__: c for c in (Rule, OverlayChange)}
_ENUMS: dict[str, type[Enum]] = {c.__name__: c for c in (Severity, DocumentKind)}


class CacheFormatError(CacheError):
    """A value the cache cannot write, or a file it cannot read back."""


def encode(value: Any) -> Any:
    """A loaded pack (or any part of it) as JSON-ready data that :func:`decode` turns back into equal objects."""
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is list:
        return [encode(v) for v in value]
    if kind is dict:
        if all(type(k) is str and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if kind is tuple:
        return {"$tuple": [encode(v) for v in value]}
    if kind is Decimal:
        return {"$decimal": str(value)}
    if kind is float:
        return {"$float": repr(value)}
    name = kind.__name__
    if _ENUMS.get(name) is kind:
        return {"$enum": name, "value": value.value}
    if _MODELS.get(name) is kind:
        dumped = value.model_dump(mode="python", by_alias=True, exclude_unset=True, round_trip=True)
        return {"$model": name, "value": encode(dumped)}
    if _DATACLASSES.get(name) is kind:
        return {
            "$dataclass": name,
            "value": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    raise CacheFormatError(f"cannot cache a {kind.__qualname__}")


def _decode_tagged(tag: str, node: dict[str, Any]) -> Any:
    if tag == "$tuple":
        return tuple(decode(v) for v in node[tag])
    if tag == "$map":
        return {decode(k): decode(v) for k, v in node[tag]}
    if tag == "$decimal":
        return Decimal(node[tag])
    if tag == "$float":
        return float(node[tag])
    if tag == "$enum":
        return _ENUMS[node[tag]](node["value"])
    if tag == "$model":
        return _MODELS[node[tag]].model_validate(decode(node["value"]))
    if tag == "$dataclass":
        cls = _DATACLASSES[node[tag]]
        values = decode(node["value"])
        expected = {f.name for f in dataclasses.fields(cls) if f.init}
        if not isinstance(values, dict) or set(values) != expected:
            raise CacheFormatError(f"{cls.__name__}: fields differ")
        return cls(**values)
    raise CacheFormatError(f"unknown tag {tag}")


def decode(node: Any) -> Any:
    """The inverse of :func:`encode`; builds only the classes named in this module."""
    kind = type(node)
    if node is None or kind is bool or kind is int or kind is str:
        return node
    if kind is list:
        return [decode(v) for v in node]
    if kind is dict:
        tag = next(iter(node), "")
        if tag.startswith("$"):
            return _decode_tagged(tag, node)
        return {k: decode(v) for k, v in node.items()}
    raise CacheFormatError(f"unexpected {kind.__name__} in a cache file")


# ---------------------------------------------------------------------------- the files


def _trusted(stat: os.stat_result) -> bool:
    """Only a file this user wrote and nobody else can change (the folder may be shared)."""
    if os.name != "posix":
        return True
    return stat.st_uid == os.geteuid() and not stat.st_mode & 0o022


def read_cached(path: Path, key: str) -> Pack | None:
    """The pack stored under ``key``, or None if there is no usable file."""
    try:
        with path.open("rb") as handle:
            if not _trusted(os.fstat(handle.fileno())):
                return None
            raw = handle.read()
        header_line, _, payload = raw.partition(b"\n")
        header = json.loads(header_line)
        if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != key:
            return None
        if header.get("sha256") != hashlib.sha256(payload).hexdigest():
            return None
        pack = decode(json.loads(payload))
    except Exception:  # a cache file that cannot be read back is a miss, whatever the reason
        return None
    if not isinstance(pack, Pack):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # most recently used: kept by the pruning
    return pack


def write_cached(directory: Path, key: str, pack: Pack) -> Path | None:
    """Store the pack atomically (a reader sees the old file or the new one, never half of one)."""
    try:
        payload = json.dumps(encode(pack), ensure_ascii=False, separators=(",", ":")).encode()
        header = json.dumps(
            {"format": FORMAT, "key": key, "perfrules": __version__, "sha256": hashlib.sha256(payload).hexdigest()}
        )
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{_PREFIX}", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(header.encode() + b"\n" + payload)
            target = directory / f"{_PREFIX}{key}{_SUFFIX}"
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except Exception:  # an unwritable folder or an uncachable pack: carry on uncached
        return None
    prune(directory)
    return target


def prune(directory: Path, keep: int = KEEP) -> None:
    """Delete all but the ``keep`` most recently used cache files, and temporary files left by a crash."""
    now = time.time()
    entries: list[tuple[float, Path]] = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            with contextlib.suppress(OSError):
                mtime = entry.stat(follow_symlinks=False).st_mtime
                if entry.name.startswith(_PREFIX) and entry.name.endswith(_SUFFIX):
                    entries.append((mtime, Path(entry.path)))
                elif (
                    entry.name.startswith(f".{_PREFIX}")
                    and entry.name.endswith(".tmp")
                    and now - mtime > _STALE_TEMP_SECONDS
                ):
                    os.unlink(entry.path)
    entries.sort(key=lambda e: (e[0], e[1].name), reverse=True)
    for _, path in entries[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()


# ---------------------------------------------------------------------------- loading through the cache


def load_pack_cached(root: str | Path, overlays: Sequence[str | Path] = (), *, digest: str | None = None) -> Pack:
    """``load_pack(root, overlays)``, read from the cache when the pack's files have not changed."""
    base = Path(root)
    directory = cache_dir()
    if directory is None:
        return load_pack(base, overlays)
    key = pack_key(base, overlays, digest or files_digest(base, overlays))
    pack = read_cached(directory / f"{_PREFIX}{key}{_SUFFIX}", key)
    if pack is None:
        pack = load_pack(base, overlays)
        write_cached(directory, key, pack)
    return pack


_PACKS: dict[tuple[str, tuple[str, ...]], tuple[str, Pack]] = {}


def cached_pack(root: Path, overlays: Sequence[str | Path]) -> Pack:
    """Repeated validate() calls reuse the compiled pack until one of its files changes; the first
    call in a process reads it from the on-disk cache when it can."""
    key = (str(root.resolve()), tuple(str(o) for o in overlays))
    digest = files_digest(root, overlays)
    cached = _PACKS.get(key)
    if cached is not None and cached[0] == digest:
        return copy.copy(cached[1])
    pack = load_pack_cached(root, overlays, digest=digest)
    _PACKS[key] = (digest, pack)
    return copy.copy(pack)
