"""Hostile configuration: an overlay that claims another's name, a run in which nothing ran."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from perfrules import validate
from perfrules.pack.loader import load_pack
from perfrules.report.text import render_text
from tests.conftest import ROOT, RULES, SEED


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "perfrules", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_an_overlay_is_stamped_by_its_file_and_hash_not_the_name_it_claims(tmp_path: Path) -> None:
    impostor = tmp_path / "impostor.yaml"
    impostor.write_text("name: sichuan\nchanges: []\n", encoding="utf-8")
    report = validate([SEED], overlays=["sichuan", impostor])
    files = report.pack.overlay_files
    assert [(o.name, o.source) for o in files] == [("sichuan", "overlays/sichuan.yaml"), ("sichuan", str(impostor))]
    shipped = (RULES / "overlays" / "sichuan.yaml").read_bytes()
    import hashlib

    assert files[0].sha256 == "sha256:" + hashlib.sha256(shipped).hexdigest()
    assert files[0].sha256 != files[1].sha256
    text = render_text(report)
    assert "overlays/sichuan.yaml" in text and str(impostor) in text


def _disable_everything(tmp_path: Path) -> Path:
    ids = [r.rule.id for r in load_pack(RULES).rules]
    overlay = tmp_path / "off.yaml"
    changes = [{"rule": i, "reason": "测试：全部停用", "enabled": False} for i in ids]
    overlay.write_text(json.dumps({"name": "off", "changes": changes}, ensure_ascii=False), encoding="utf-8")
    return overlay


def test_a_run_in_which_no_rule_ran_is_not_a_pass(tmp_path: Path) -> None:
    overlay = _disable_everything(tmp_path)
    done = _cli("check", SEED, "--overlay", overlay)
    assert done.returncode == 2, done.stdout[-2000:]
    assert "no rule was evaluated" in done.stdout
    streamed = _cli("check", SEED, "--overlay", overlay, "--format", "json")
    assert streamed.returncode == 2
    report = json.loads(streamed.stdout)
    assert report["verdict"] == "error"
    assert [p["kind"] for p in report["problems"]] == ["rule"]


def test_allow_empty_accepts_it_with_a_warning(tmp_path: Path) -> None:
    done = _cli("check", SEED, "--overlay", _disable_everything(tmp_path), "--allow-empty")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "no rule was evaluated" in done.stderr


def test_a_run_in_which_rules_ran_is_unchanged(tmp_path: Path) -> None:
    plain = validate([SEED], allow_empty=False)
    assert not plain.problems
    assert plain.exit_code == validate([SEED]).exit_code
