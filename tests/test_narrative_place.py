"""Findings on a narrative report's whole text land on the paragraph their evidence quotes."""

from __future__ import annotations

from pathlib import Path

from perfrules import validate
from perfrules.read.narrative import paragraphs

ROOT = Path(__file__).resolve().parents[1]
SEED_TEXT = ROOT / "fixtures" / "narratives" / "shijiazhuang-zhengfawei-2020.txt"


def _paragraph(cell: str | None) -> int:
    assert cell is not None and cell.startswith("段落 ")
    return int(cell.split()[1])


def test_the_seed_s_text_findings_point_at_the_paragraph_that_says_it() -> None:
    report = validate([SEED_TEXT])
    paras = paragraphs(SEED_TEXT.read_text(encoding="utf-8"))
    found = {f.rule_id: f for f in report.submissions[0].findings}
    for rule_id, span in (
        ("NARRATIVE-QUAL-ADMISSION", "定性评价多定量评价少"),
        ("TIME-NARRATIVE-AFTER-FY", "2021年初"),
    ):
        finding = found[rule_id]
        assert finding.location.pointer == "/header/narrative"
        assert span in paras[_paragraph(finding.location.cell) - 1].replace(" ", "")


def test_an_aggregate_over_claims_points_at_the_claim_it_quotes(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(
        "示例县农业农村局2022年度部门整体支出绩效自评报告\n\n一、部门预算执行情况\n\n"
        "全年预算数为1250.6万元，全年执行数为875.42万元，预算执行率为70%。\n\n二、存在的问题\n\n暂无问题。\n",
        encoding="utf-8",
    )
    (finding,) = [f for f in validate([path]).submissions[0].findings if f.rule_id == "NARRATIVE-EXEC-LOW-EXPLAIN"]
    assert finding.location.cell == "段落 3 / paragraph 3"


def test_the_hand_encoded_seed_keeps_its_pointer() -> None:
    # a JSON submission has no paragraphs to point at: its findings stay at the pointer
    seed = ROOT / "fixtures" / "submissions" / "seed" / "shijiazhuang-zhengfawei-2020.json"
    (finding,) = [f for f in validate([seed]).submissions[0].findings if f.rule_id == "NARRATIVE-QUAL-ADMISSION"]
    assert finding.location.cell is None
