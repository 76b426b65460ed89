from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from perfrules.pack.loader import Pack, load_pack

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
FIXTURES = ROOT / "fixtures" / "submissions"
SEED = FIXTURES / "seed" / "shijiazhuang-zhengfawei-2020.json"

settings.register_profile("ci", max_examples=25, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session", autouse=True)
def _pack_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The compiled-pack cache goes to a temporary folder, never the user's ~/.cache."""
    before = os.environ.get("PERFRULES_CACHE_DIR")
    folder = tmp_path_factory.mktemp("pack-cache")
    os.environ["PERFRULES_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("PERFRULES_CACHE_DIR", None)
    else:
        os.environ["PERFRULES_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def pack() -> Pack:
    loaded = load_pack(RULES)
    assert not loaded.problems, [str(p) for p in loaded.problems]
    return loaded
