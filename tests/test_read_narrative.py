"""The seed's own text report, read as filed: the same submission and findings as the hand-encoded one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from perfrules import validate
from perfrules.model.submission import Submission
from perfrules.read.documents import to_submission
from perfrules.read.fund_vocab import classify_use
from perfrules.read.narrative import extract, paragraphs
from perfrules.read.narrative_formats import read_narrative

ROOT = Path(__file__).resolve().parents[1]
SEED_TXT = ROOT / "fixtures/narratives/shijiazhuang-zhengfawei-2020.txt"
SEED_JSON = ROOT / "fixtures/submissions/seed/shijiazhuang-zhengfawei-2020.json"
GOLDEN = ROOT / "fixtures/golden/shijiazhuang-zhengfawei-2020.findings.json"


def _extracted() -> dict:
    document = extract(SEED_TXT.read_text(encoding="utf-8"))
    assert document is not None
    return document


def _model(document: dict) -> Submission:
    submission, problems = to_submission(document, "<test>")
    assert submission is not None, problems
    return submission


def test_the_extracted_submission_matches_the_hand_encoded_one_field_by_field() -> None:
    text, hand = _model(_extracted()), _model(json.loads(SEED_JSON.read_text(encoding="utf-8")))
    assert text.document_kind == hand.document_kind
    mine, theirs = text.header.model_dump(), hand.header.model_dump()
    # the narrative is the joined paragraphs: the same characters, without the source's mid-sentence breaks
    assert re.sub(r"\s+", "", mine.pop("narrative")) == re.sub(r"\s+", "", theirs.pop("narrative"))
    assert mine == theirs  # department, year, region, report date, grade, withheld passages and their sections
    assert [p.model_dump() for p in text.projects] == [
        p.model_dump() for p in hand.projects
    ]  # scores, completion, dates
    (fund,), (hand_fund,) = text.funds, hand.funds
    (spend,), (hand_spend,) = fund.expenditures, hand_fund.expenditures
    # the hand-encoding adds the report's own justification to the stated use
    assert spend.use_text is not None and hand_spend.use_text is not None
    assert hand_spend.use_text.startswith(spend.use_text)
    assert spend.model_dump(exclude={"use_text"}) == hand_spend.model_dump(exclude={"use_text"})
    assert fund.model_dump(exclude={"expenditures"}) == hand_fund.model_dump(exclude={"expenditures"})


def test_check_on_the_text_report_gives_the_seed_findings_at_the_same_places() -> None:
    report = validate([SEED_TXT])
    (result,) = report.submissions
    found = sorted((f.rule_id, f.location.pointer, f.severity.value) for f in result.findings)
    golden = sorted((g["rule_id"], g["pointer"], g["severity"]) for g in json.loads(GOLDEN.read_text(encoding="utf-8")))
    assert found == golden
    (hand,) = validate([SEED_JSON]).submissions
    places = {(f.rule_id, f.location.project, f.location.fund, f.location.pointer) for f in hand.findings}
    assert {(f.rule_id, f.location.project, f.location.fund, f.location.pointer) for f in result.findings} == places
    assert report.exit_code == 1


def test_a_quote_from_the_text_does_not_break_mid_sentence() -> None:
    (result,) = validate([SEED_TXT]).submissions
    (after,) = [f for f in result.findings if f.rule_id == "TIME-NARRATIVE-AFTER-FY"]
    assert after.evidence["excerpt"] == "并在 2021年初的疫情防控（隔离点违规行为分析）方面发挥了巨大作用"


@pytest.mark.parametrize(
    ("use_text", "category"),
    [
        ("网格员心理咨询培训费", "非卫生专业人员心理咨询培训"),
        ("患者随访管理费用", "随访管理"),
        ("培训费", None),  # 培训 alone names no category
        ("办公用品", None),
    ],
)
def test_a_stated_use_is_classified_only_when_one_category_is_named(use_text: str, category: str | None) -> None:
    assert classify_use(use_text) == category


def test_a_tie_between_categories_is_not_a_guess() -> None:
    assert classify_use("心理咨询培训", ("心理咨询培训甲", "乙心理咨询培训")) is None


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


@pytest.mark.parametrize(
    ("title", "department", "year"),
    [
        ("红河州数据发展中心2024年度项目支出绩效单位自评报告", "红河州数据发展中心", 2024),
        ("示例县机构编制委员会办公室 2017 年部门整体支出绩效评价报告", "示例县机构编制委员会办公室", 2017),
        # the year first (茂名), the kind "整体和项目支出" with "自评总结报告" (许昌), the year bracketed
        # below a title that follows "附件3" (田心乡): each published so
        ("2021年示例市发展和改革局部门整体支出绩效自评报告", "示例市发展和改革局", 2021),
        ("示例市河湖水系调度中心 2022 年整体和项目支出绩效自评总结报告", "示例市河湖水系调度中心", 2022),
        ("附件3\n\n示例乡部门整体支出绩效自评报告\n\n(2022年度)", "示例乡", 2022),
        ("示例县财政局关于2022年度部门整体支出绩效自评情况的报告", "示例县财政局", 2022),
        ("示例县财政局2022年度部门预算绩效自评报告", "示例县财政局", 2022),
    ],
)
def test_titles_as_published_name_department_and_year(title: str, department: str, year: int) -> None:
    document = extract(title + "\n\n正文。\n")
    assert document is not None
    assert (document["header"]["department"], document["header"]["fiscal_year"]) == (department, year)


def test_a_department_wide_title_after_an_attachment_line_asks_for_the_department_table(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(
        "附件3\n\n示例乡部门整体支出绩效自评报告\n\n(2022年度)\n\n一、基本情况\n\n正文。\n", encoding="utf-8"
    )
    (finding,) = [f for f in validate([path]).submissions[0].findings if f.rule_id == "DOC-TABLES-REQUIRED"]
    assert "部门整体支出绩效自评表" in finding.message.zh


@pytest.mark.parametrize(
    ("sentence", "score", "grade"),
    [
        ("经综合评价，本部门2022年度部门整体支出绩效自评得分为95.6分，评价等级为“优”。", "95.6", "优"),
        ("自评综合得分92分，自评等级为优秀。", "92", "优秀"),
        ("经综合评价得分为95.6分，评定等级为优秀。", "95.6", "优秀"),
        ("最终得分96.5分，自评结果为“优秀”。", "96.5", "优秀"),
        ("综合评分为 93.5 分，等级为“良”。", "93.5", "良"),
        ("年初设定的绩效目标全部完成，自评优秀。", None, "优秀"),
        # a part's score, a project's in a department's report, "自评中", a score above 100: none is the result
        ("在自评中，我们发现满意度指标得分9分。", None, None),
        ("预算执行得分10分，项目自评得分为88分。", None, None),
        ("自评总分 101 分。", None, None),
        ("评价等级为优秀的项目占80%。", None, None),
        ("绩效评价结果为中期评估提供了依据。", None, None),
    ],
)
def test_the_overall_score_and_grade_are_read_only_from_wording_about_the_whole(
    sentence: str, score: str | None, grade: str | None
) -> None:
    from perfrules.read import narrative_score

    stated_score = narrative_score.total_score([sentence])
    stated_grade = narrative_score.grade([sentence])
    assert (stated_score.text if stated_score else None, stated_grade.text if stated_grade else None) == (score, grade)


def test_a_project_reports_own_project_score_is_its_total() -> None:
    from perfrules.read import narrative_score

    stated = narrative_score.total_score(["该项目自评得分为88分，等级良好。"], project_report=True)
    assert stated is not None and stated.text == "88"


def test_a_report_that_lost_points_and_answers_no_problems_is_told_at_the_paragraph(tmp_path: Path) -> None:
    """TEXT-PROBLEMS-NONE on a narrative: "自评得分为 92 分" and, under 五、存在的问题, only "暂无。"."""
    from perfrules import validate

    text = "\n\n".join(
        [
            "示例市农业农村局 2022 年部门整体支出绩效自评报告",
            "一、部门基本情况",
            "本局负责全市农业农村工作，年度绩效目标基本完成。",
            "四、自评结论",
            "经综合评价，本局 2022 年度部门整体支出绩效自评得分为 92 分，评价等级为“优”。",
            "五、存在的问题及原因分析",
            "暂无。",
            "六、改进措施",
            "进一步加强预算绩效管理。",
        ]
    )
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    (result,) = validate(path).submissions
    found = {f.rule_id: f for f in result.findings}
    assert found["TEXT-PROBLEMS-NONE"].location.cell == "段落 7 / paragraph 7"
    assert "GRADE-TOTAL-BAND" not in found  # 92 is 优
    path.write_text(text.replace("暂无。", "部分项目资金拨付滞后，原因是审批环节较多。"), encoding="utf-8")
    assert "TEXT-PROBLEMS-NONE" not in {f.rule_id for f in validate(path).submissions[0].findings}
