from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

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


def _spark_unavailable(reason: str) -> NoReturn:
    if os.environ.get("PERFRULES_REQUIRE_SPARK") == "1":
        pytest.fail(f"PERFRULES_REQUIRE_SPARK=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """One local SparkSession for the whole run: starting a JVM costs seconds.

    Skips when pyspark or Java is missing, unless PERFRULES_REQUIRE_SPARK=1 (CI sets it).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _spark_unavailable("pyspark is not installed: pip install 'perfrules[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _spark_unavailable("Java is not installed: Spark needs a JVM (Java 17 or 21)")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("perfrules-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    # Rules that fail on purpose are asserted in tests; their stack traces would only bury the output.
    session.sparkContext.setLogLevel("OFF")
    yield session
    session.stop()
