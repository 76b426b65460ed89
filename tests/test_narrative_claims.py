"""Claims from a report's text, and the narrative rules that read them: each fires on its weakness, not beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfrules import validate
from perfrules.read.claims import extract_claims
from perfrules.read.narrative import extract

TITLE = "示例市卫生健康委员会 2022 年部门整体支出绩效自评报告"


def _report(tmp_path: Path, *paras: str) -> Path:
    path = tmp_path / "report.txt"
    path.write_text("\n\n".join([TITLE, *paras, "示例市卫生健康委员会", "2023年3月1日"]) + "\n", encoding="utf-8")
    return path


def _rule_ids(path: Path) -> list[str]:
    report = validate([path])
    assert not report.problems, report.problems
    (result,) = report.submissions
    return sorted(f.rule_id for f in result.findings)


def test_a_claim_keeps_its_span_offsets_paragraph_and_section() -> None:
    para = "本年收入合计 1,200.5 万元，本年支出 980 万元，资金到位率仅为 45%。"
    (income, spending, rate) = extract_claims(["二、预算执行情况", para], ["p1", "p2"])
    assert (income["role"], income["value"], income["unit"], income["quote"]) == (
        "收入",
        "1200.5",
        "万元",
        "本年收入合计 1,200.5 万元",
    )
    assert para[income["start"] : income["end"]] == income["quote"]
    assert (spending["role"], spending["value"]) == ("支出", "980")
    assert (rate["role"], rate["value"], rate["quote"]) == ("到位率", "0.45", "资金到位率仅为 45%")
    assert (rate["paragraph"], rate["location"], rate["section"]) == (2, "p2", "二、预算执行情况")


def test_parts_of_a_project_are_not_totals() -> None:
    claims = extract_claims(["基本支出 600 万元、项目支出 300 万元，财政拨款收入合计 800 万元，占比 33%。"])
    assert claims == []


def test_counts_keep_their_units() -> None:
    (count,) = extract_claims(["组织召开全市性会议 11 次。"])
    assert (count["kind"], count["value"], count["unit"], count["quote"]) == ("count", "11", "次", "11 次")


def test_amounts_as_published_reports_word_them() -> None:
    para = "年初批复预算8个项目985万元，调整预算后项目预算861.46万元，实际到位资金334.67万元，2022年度收入总计1.2亿元。"
    got = [(c["role"], c["value"], c["unit"]) for c in extract_claims([para]) if c["kind"] != "count"]
    # "年初批复预算8个项目985万元" counts projects between the role and the sum: not taken
    assert got == [
        ("全年预算", "861.46", "万元"),
        ("到位资金", "334.67", "万元"),
        ("收入", "12000.0", "万元"),
        ("到位率", "0.3885", "%（到位资金÷预算）"),  # computed: 334.67 ÷ 861.46, quoting the 到位资金 span
    ]


def test_staff_totals_keep_the_sum_of_their_parts() -> None:
    (total, *_parts) = extract_claims(["核定编制 50 人，其中行政编制 40 人、事业编制 8 人。"])
    assert (total["role"], total["value"], total["parts_sum"], total["parts_count"]) == ("编制数", "50", "48", 2)


def test_the_seed_states_no_claim_that_a_narrative_rule_reads_wrongly() -> None:
    root = Path(__file__).resolve().parents[1]
    document = extract((root / "fixtures/narratives/shijiazhuang-zhengfawei-2020.txt").read_text(encoding="utf-8"))
    assert document is not None
    claims = [c for c in document["claims"] if c["kind"] != "count"]
    assert {(c["kind"], c["role"], c["quote"]) for c in claims} == {
        ("rate", "化解率", "化解率98.1%"),
        ("statement", "编外人员", "劳务派遣"),  # 综治中心人员经费 pays 劳务派遣人员
    }
    rates = [c for c in claims if c["kind"] == "rate"]
    assert [c["location"] for c in rates] == ["段落 8 / paragraph 8", "段落 18 / paragraph 18"]
    counts = [(c["value"], c["unit"]) for c in document["claims"] if c["kind"] == "count"]
    assert ("13", "次") in counts and ("135", "套") in counts and ("11086", "起") in counts


@pytest.mark.parametrize(
    ("paras", "rule"),
    [
        (
            ["本年收入 1000 万元，本年支出 1350 万元。项目绩效目标全部完成，项目自评 95 分。"],
            "NARRATIVE-SPEND-OVER-INCOME",
        ),
        (["本单位核定编制 50 人，其中行政编制 40 人、事业编制 8 人。"], "NARRATIVE-PARTS-SUM"),
        (["专项资金到位率仅为 45%，项目绩效目标全部完成。"], "NARRATIVE-LOW-TO-ARRIVE"),
        (["调整后预算 861.46 万元，实际到位资金 334.67 万元，项目绩效目标全部完成。"], "NARRATIVE-LOW-TO-ARRIVE"),
        (["全年预算执行率为 62%，各项工作有序推进。"], "NARRATIVE-EXEC-LOW-EXPLAIN"),
        (["本单位核定编制 50 人，实有人数 56 人。"], "NARRATIVE-STAFF-OVER-QUOTA"),
        (["全年预算执行率为 62%，由于设备采购延期。", "三、存在问题", "暂无问题。"], "NARRATIVE-EXEC-LOW-EXPLAIN"),
    ],
)
def test_each_narrative_rule_fires_on_its_weakness(tmp_path: Path, paras: list[str], rule: str) -> None:
    assert rule in _rule_ids(_report(tmp_path, *paras))


@pytest.mark.parametrize(
    "paras",
    [
        ["本年收入 1000 万元，本年支出 1350 万元，其中使用上年结转资金 400 万元。"],
        ["本年收入 1400 万元，本年支出 1350 万元。"],
        ["本单位核定编制 50 人，其中行政编制 40 人、事业编制 10 人；实有人数 48 人，其中在职 40 人、退休 8 人。"],
        ["资金到位率 60%，原因是省级资金于年底才下达。"],
        ["本单位核定编制 50 人，实有人数 56 人，其中编外聘用人员 6 人。"],
        ["资金到位率 100%。"],
        ["调整后预算 861.46 万元，实际到位资金 861.46 万元。"],
        ["调整后预算 900 万元，实际到位资金 300 万元，其余资金因省级文件未下达，结转下年。"],
        ["全年预算执行率为 62%，主要原因是设备采购延期至次年。"],
        ["全年预算执行率为 96%。", "三、存在问题", "暂无问题。"],
    ],
)
def test_no_narrative_rule_fires_beside_a_sound_statement(tmp_path: Path, paras: list[str]) -> None:
    found = [r for r in _rule_ids(_report(tmp_path, *paras)) if r.startswith("NARRATIVE-")]
    assert found == []


def test_a_claim_finding_points_at_its_paragraph(tmp_path: Path) -> None:
    path = _report(tmp_path, "一、基本情况", "本单位核定编制 50 人，其中行政编制 40 人、事业编制 8 人。")
    (result,) = validate([path]).submissions
    (finding,) = [f for f in result.findings if f.rule_id == "NARRATIVE-PARTS-SUM"]
    assert finding.location.pointer == "/claims/0/quote"
    assert finding.location.cell == "段落 3 / paragraph 3"
    assert finding.evidence["quote"] == "核定编制 50 人"


def test_a_completion_claim_without_any_number_is_marked_and_one_with_a_number_is_not() -> None:
    from perfrules.read.claims import extract_claims

    roles = lambda text: [c["role"] for c in extract_claims([text]) if c["kind"] == "statement"]  # noqa: E731
    assert "完成无数字" in roles("全年各级各项任务圆满完成，有效打击了各种犯罪活动。")
    assert "完成无数字" not in roles("项目绩效目标全部完成，项目自评 100 分。")
    assert "完成无数字" not in roles("完成三个片区改造，目标全部完成。")
    assert "完成无数字" not in roles("有效打击了各种犯罪活动。")


@pytest.mark.parametrize(
    ("para", "stated", "listed"),
    [
        ("今年完成10个项目：甲、乙、丙、丁、戊、己、庚、辛、壬。", 10, 9),
        ("主要开展了三个方面的工作：一是加强培训；二是完善制度；三是强化监督。", 3, 3),
        ("重点推进四项任务：一是扩面；二是提质；三是增效；四是规范；五是督查。", 4, 5),
        ("完成两项改革，分别是：（一）预算改革；（二）绩效改革。", 2, 2),
        ("落实十二项措施，包括：（1）甲；（2）乙；（3）丙。", 12, 3),
    ],
)
def test_a_stated_count_is_read_with_the_list_that_follows_it(para: str, stated: int, listed: int) -> None:
    (claim,) = [c for c in extract_claims([para]) if c["role"] == "列举数量"]
    assert (claim["value"], claim["parts_count"], claim["parts_sum"]) == (str(stated), listed, str(listed))
    assert para[claim["start"] : claim["end"]] == claim["quote"]


@pytest.mark.parametrize(
    "para",
    [
        "完成5个项目：甲、乙、丙等。",  # an open list
        "第三个季度：一是甲；二是乙。",  # an ordinal, not a count
        "完成了十二个项目，其中3个已完工。",  # no list
        "主要开展了以下三个方面的工作：",  # the list is in the next paragraphs: not judged
        "完成3个项目：一是甲。下一步，一是乙；二是丙；三是丁；四是戊。",  # the first run is 1, not a list
    ],
)
def test_no_list_count_is_claimed_where_the_list_is_open_joined_or_elsewhere(para: str) -> None:
    assert [c for c in extract_claims([para]) if c["role"] == "列举数量"] == []


@pytest.mark.parametrize(
    ("para", "listed"),
    [
        ("共有4个科室，分别是办公室、财务科、业务科和综合科。", 4),  # "和" joins the last two
        ("共有3个科室，分别是办公室、财务科、业务科和综合科。", 3),  # or sits inside one: both readings hold
        ("共有6个科室，分别是办公室、财务科、业务科和综合科。", 4),  # neither: the nearest reading
        ("共有2个科室，分别是办公室、财务科、业务科和综合科。", 3),
    ],
)
def test_a_list_joined_by_he_counts_either_way_and_only_a_count_outside_both_is_off(para: str, listed: int) -> None:
    (claim,) = [c for c in extract_claims([para]) if c["role"] == "列举数量"]
    assert claim["parts_count"] == listed


def test_parts_sum_fires_on_a_list_shorter_than_its_count_and_not_on_one_that_matches(tmp_path: Path) -> None:
    short = _report(tmp_path, "一、基本情况", "今年完成10个项目：甲、乙、丙、丁、戊、己、庚、辛、壬。")
    assert "NARRATIVE-PARTS-SUM" in _rule_ids(short)
    matching = _report(tmp_path, "一、基本情况", "主要开展了三个方面的工作：一是加强培训；二是完善制度；三是强化监督。")
    assert "NARRATIVE-PARTS-SUM" not in _rule_ids(matching)


@pytest.mark.parametrize(
    ("text", "value"),
    [("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("两", 2), ("一百零五", 105), ("两千", 2000),
     ("二〇二一", 2021), ("十十", None), ("三四", None), ("", None), ("百十", None)],
)  # fmt: skip
def test_chinese_numerals(text: str, value: int | None) -> None:
    from perfrules.read.cn_numerals import cn_to_int

    assert cn_to_int(text) == value
