"""The seed's own text report, read as filed: the same submission and findings as the hand-encoded one."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from perfrules import validate
from perfrules.read.narrative import extract, paragraphs, read_narrative

ROOT = Path(__file__).resolve().parents[1]
SEED_TXT = ROOT / "fixtures/narratives/shijiazhuang-zhengfawei-2020.txt"
SEED_JSON = ROOT / "fixtures/submissions/seed/shijiazhuang-zhengfawei-2020.json"
GOLDEN = ROOT / "fixtures/golden/shijiazhuang-zhengfawei-2020.findings.json"
NOT_FROM_TEXT = {"FUND-USE-ALLOWED"}
"""Needs the spending's use category, a reviewer's classification that the text does not state."""


def _extracted() -> dict:
    document = extract(SEED_TXT.read_text(encoding="utf-8"))
    assert document is not None
    return document


def test_the_extracted_submission_matches_the_hand_encoded_one_field_by_field() -> None:
    text, hand = _extracted(), json.loads(SEED_JSON.read_text(encoding="utf-8"))
    assert text["document_kind"] == hand["document_kind"]
    for field in ("department", "fiscal_year", "report_date", "self_grade", "withheld"):
        assert text["header"][field] == hand["header"][field], field
    assert [p["name"] for p in text["projects"]] == [p["name"] for p in hand["projects"]]
    for mine, theirs in zip(text["projects"], hand["projects"], strict=True):
        assert Decimal(mine["self_score"]) == Decimal(theirs["self_score"]), mine["name"]
        assert mine["completion"] == theirs["completion"]
        assert mine.get("delivery_date") == theirs.get("delivery_date")
    (fund,) = text["funds"]
    (hand_fund,) = hand["funds"]
    for field in ("name", "source", "amount", "unit", "purpose_category"):
        assert fund[field] == hand_fund[field], field
    (spend,) = fund["expenditures"]
    assert spend["paid_with"] == hand_fund["expenditures"][0]["paid_with"]
    assert spend["use_text"] in hand_fund["expenditures"][0]["use_text"]


def test_check_on_the_text_report_gives_the_seed_findings_at_the_same_places() -> None:
    report = validate([SEED_TXT])
    (result,) = report.submissions
    found = sorted((f.rule_id, f.location.pointer) for f in result.findings)
    golden = sorted((g["rule_id"], g["pointer"]) for g in json.loads(GOLDEN.read_text(encoding="utf-8")))
    assert found == [g for g in golden if g[0] not in NOT_FROM_TEXT]
    assert report.exit_code == 1


def test_a_gbk_copy_reads_the_same(tmp_path: Path) -> None:
    copy = tmp_path / "seed-gbk.txt"
    copy.write_bytes(SEED_TXT.read_text(encoding="utf-8").encode("gb18030"))
    read = read_narrative(copy)
    assert read.submission is not None
    assert read.submission.submission.header.department == "中共石家庄市委政法委员会"
    assert len(read.submission.submission.projects) == 11


def test_a_paragraph_broken_by_a_page_is_joined() -> None:
    text = "某局 2022 年部门整体支出绩效自评报告\n\n某项目，主要用于培训，研发周期为 3 年，应急处置能\n\n力明显提升。项目绩效目标全部完成，项目自评 98 分。\n"
    assert paragraphs(text)[1].endswith("项目自评 98 分。")
    document = extract(text)
    assert document is not None and document["projects"] == [
        {"name": "某项目", "completion": "全部完成", "self_score": "98"}
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x00\x01binary\x00", "二进制"),
        ("没有标题的一段文字。\n".encode(), "标题"),
        # a JSON submission saved as .txt: its narrative names the report, but no paragraph is a title
        (SEED_JSON.read_bytes(), "标题"),
    ],
)
def test_an_unreadable_text_report_is_a_problem_with_exit_2(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(content)
    report = validate([path])
    assert report.exit_code == 2
    assert any(words in p.message and p.source == str(path) for p in report.problems)
