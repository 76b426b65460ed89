"""The bureau's regexes as they wrote them, against perfrules, on the Songgang corpus.

    python scripts/compare_bureau.py [--corpus ../shared/real/songgang-2023] [--out docs/declaration-review.md]

For every 正则匹配 row of 审核口径模板.xlsx (and row 20, 人工 but with a regex) this runs the regex with
Python ``re.search`` on the cells as they are in 项目信息.xlsx (trailing tabs and newlines kept; an empty
cell is NaN to a pandas-based tool, so it is never matched), counts the projects it fires on, and
counts the projects perfrules' own rule fires on (the shipped pack, and the pack `perfrules
import-rules` makes from the sheet). The table and a sample of each disagreement go to the docs
page; the judgement of each sample is kept in JUDGED below, so regenerating keeps it.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfrules import validate  # noqa: E402
from perfrules.pack.import_sheet import BLANK_REGEXES, import_sheet, match_is_problem, read_sheet, target_of  # noqa: E402

PERFRULES = {
    0: ["DECL-POLICY-BASIS"], 1: ["DECL-CALC-BASIS"], 2: ["DECL-GOAL-BLANK"], 3: ["DECL-GOAL-VAGUE"],
    4: ["DECL-INDICATORS-BLANK"], 5: ["DECL-REQUIRED-BLANK:数量"], 6: ["DECL-REQUIRED-BLANK:质量"],
    7: ["DECL-REQUIRED-BLANK:时效"], 8: ["DECL-REQUIRED-BLANK:成本"], 9: ["DECL-REQUIRED-BLANK:社会"],
    10: ["DECL-ROW-BLANK", "DECL-NAME-BLANK", "DECL-REQUIRED-BLANK"], 11: ["DECL-L2-NAME:数量"],
    12: ["DECL-L2-NAME:质量"], 13: ["DECL-L2-NAME:时效"], 14: ["DECL-L2-NAME:成本"], 15: ["DECL-L2-NAME:社会"],
    16: ["DECL-TARGET-BLANK"], 17: ["DECL-EXPLAIN-BLANK"], 20: ["DECL-TARGET-NO-UNIT"], 21: ["DECL-NAME-LONG"],
    23: ["DECL-TARGET-UNQUANTIFIED", "DECL-TIME-VAGUE"], 25: ["DECL-TIME-VAGUE"],
}  # fmt: skip
FIELDS = {"policy_basis": 6, "calculation_basis": 7, "annual_goal": 8}
BEGIN, END = "<!-- compare_bureau.py: begin -->", "<!-- compare_bureau.py: end -->"
IND_FIELDS = {"name": 3, "target_text": 4, "explanation": 5}
# One sentence per disagreement sample: (row, "bureau" | "perfrules") -> judgement.
# fmt: off
JUDGED: dict[tuple[int, str], str] = {
    (0, "bureau"): "口径正则的字符类不含“<>”，把引用了《关于印发<宝安区欠薪举报奖励办法>的通知》和文号的依据判为不规范，是误报；perfrules 认书名、文号、三定方案 / their character class has no '<>', so a basis citing a titled document with a number is a false alarm.",
    (0, "perfrules"): "政策依据空白：空单元格在 pandas 中是 NaN，口径正则从不命中，漏报 / the basis is blank; a NaN never matches their regex, a miss.",
    (1, "bureau"): "口径要求“单价x数量”与《标准》按固定顺序同时出现，列出分项金额的测算也被判为不规范；perfrules 认乘式、单价或至少两笔分项金额（只有一笔总额的仍报告）/ their regex demands unit price x quantity followed by a titled standard; itemised amounts are a calculation too.",
    (1, "perfrules"): "测算依据空白，口径正则对 NaN 不命中，漏报 / the calculation basis is blank, which their regex never sees.",
    (3, "bureau"): "口径正则只认“通过…达成”，而其范例本身是“通过…达到…”，几乎所有目标（287/291）都被判为不规范；perfrules 只报过短或没有写效果的目标 / their regex accepts only the word 达成, which their own template does not use.",
    (4, "perfrules"): "整张指标表空白：口径对 NaN 不命中，29 个空白项目一条意见也没有；perfrules 每个项目报告一条阻断性的“绩效指标未填写” / the whole table is blank and their tool said nothing; perfrules gives one blocking finding.",
    (9, "perfrules"): "该项目的社会效益行空白而其他行已填，口径对 NaN 不命中，漏报 / the 社会效益 row is blank in a filled table, a miss.",
    (10, "perfrules"): "已填项目中的经济效益行整行空白，应写“不适用”，口径对 NaN 不命中，漏报 / a blank row in a filled table should say 不适用; their tool never sees it.",
    (11, "bureau"): "名称末尾的制表符和换行使 `$` 不能匹配“受益人次”，是误报；perfrules 读入时去掉首尾空白（“不适用”行也不再报告）/ trailing tabs defeat their `$`.",
    (12, "bureau"): "同上：“培训人员合格率\\t\\t\\t\\n”以“率”结尾，末尾空白造成误报 / the same trailing-whitespace false alarm.",
    (13, "bureau"): "“时效性”就是时效指标的规范用语，口径词表漏了它，误报 / 时效性 is the category's own word, missing from their list.",
    (14, "bureau"): "“总成本\\t\\n”以“成本”结尾，末尾空白造成误报 / trailing whitespace again.",
    (15, "perfrules"): "口径写“二级指标==社会”，而表中二级指标是“社会效益”，按原样从不命中；perfrules 按前缀匹配，“劳务工权益”没有说明带来什么影响，报告合理 / their `==社会` never equals 社会效益; the name says nothing about an effect.",
    (17, "bureau"): "解释“受理举报数量≧1宗”已填写，只是没用“考察/体现/反映”，口径却报“未填写”，误报 / the explanation is filled in, just not in their words.",
    (17, "perfrules"): "“维护完成率”的指标解释空白，口径对 NaN 不命中，漏报 / a blank explanation, a miss.",
    (20, "perfrules"): "“≧60”没有单位，口径正则 `^[0-9]+…$` 因前面的“≧”不命中，漏报 / no unit after ≧60; their anchored regex misses it because of the sign.",
    (21, "bureau"): "“城镇义务兵家庭优待金享受人数”14 个字，末尾的制表符被 `.{15,}` 计入，误报 / 14 characters; their count includes a trailing tab.",
    (23, "bureau"): "“不适用”是按口径编码10 的要求声明不适用，不是未量化；另有“半小时内”“三小时内”是明确时限 / 不适用 is declared as their rule 10 asks, and 半小时内 is a time limit.",
    (25, "bureau"): "该“及时”在质量指标下，perfrules 以 DECL-TARGET-UNQUANTIFIED 报告（编码23），不重复报告为时效问题 / the 及时 sits under 质量 and is reported as unquantified instead.",
    (25, "perfrules"): "时效指标值“以签订的协议或合同为准”没有时限，口径只查“及时”二字，漏报 / no deadline stated; their regex only looks for 及时.",
}
# fmt: on


def _corpus(folder: Path) -> tuple[dict[str, tuple[Any, ...]], dict[str, list[tuple[Any, ...]]]]:
    book = load_workbook(folder / "项目信息.xlsx", read_only=True)
    heads = {str(r[0]): r for r in list(book["项目信息"].iter_rows(values_only=True))[1:] if r[0]}
    inds: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for r in list(book["指标信息"].iter_rows(values_only=True))[1:]:
        if r[0]:
            inds[str(r[0])].append(r)
    return heads, inds


def _search(pattern: str, value: Any, blank: bool, strip: bool = False) -> bool | None:
    """As a pandas ``str.contains`` tool would: a NaN (empty) cell is never matched.

    ``strip``: on the text as perfrules reads it (no leading or trailing whitespace; a cell left
    empty by stripping is blank, not text), to show which disagreements that alone explains."""
    if value is None:
        return None
    text = str(value).strip() if strip else str(value)
    if strip and not blank and not text:
        return None
    return re.search(r"^\s*$" if blank else pattern, text) is not None


def bureau_fires(row: Any, heads: dict[str, Any], inds: dict[str, list[Any]], strip: bool = False) -> dict[str, str]:
    """Project code -> the first text the bureau's regex fired on."""
    target = target_of(row.get("object"))
    assert target is not None
    regex, blank = row.get("regex"), row.get("regex") in BLANK_REGEXES
    on_match = blank or match_is_problem(row)
    exact = "==" in row.get("object")
    columns = list(IND_FIELDS) if row.get("object") == "绩效目标表" and row.get("code") == "10" else [target.column]
    fired: dict[str, str] = {}
    for code, head in heads.items():
        if target.table == "projects":
            values = [head[FIELDS[target.column]]]
        else:
            rows = [
                r for r in inds.get(code, [])
                if target.level2 is None or (r[2] == target.level2 if exact else str(r[2] or "").startswith(target.level2))
            ]  # fmt: skip
            values = [r[IND_FIELDS[c]] for r in rows for c in columns]
        for value in values:
            hit = _search(regex, value, blank, strip)
            if hit is not None and hit == on_match:
                fired[code] = repr(str(value)[:40])
                break
    return fired


def perfrules_fires(report: Any, rule: str) -> dict[str, str]:
    rule_id, _, level2 = rule.partition(":")
    fired: dict[str, str] = {}
    for sub in report.submissions:
        code = sub.source.rsplit("#", 1)[1]
        for f in sub.findings:
            if f.rule_id == rule_id and (not level2 or str(f.evidence.get("level2", "")).startswith(level2)):
                fired.setdefault(code, f.message.zh[:60])
    return fired


def compare(folder: Path) -> tuple[list[str], list[str]]:
    _, rows, problems = read_sheet(folder / "审核口径模板.xlsx")
    assert not problems, problems
    heads, inds = _corpus(folder)
    shipped = validate(folder / "项目信息.xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        outcome = import_sheet(folder / "审核口径模板.xlsx", Path(tmp) / "bureau")
        assert outcome.exit_code == 0, outcome.lines
        imported = validate(folder / "项目信息.xlsx", rules=Path(tmp) / "bureau")
    table = ["| 编码 | 审核细项 | 审核口径正则命中项目 / bureau regex | 导入包 / imported | perfrules 规则 | perfrules 命中 | 仅口径 / bureau only | 仅 perfrules |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    samples: list[str] = []
    for row in rows:
        code = int(row.get("code"))
        if code not in PERFRULES:
            continue
        theirs = bureau_fires(row, heads, inds)
        as_imported = perfrules_fires(imported, f"BUREAU-{code:02d}")
        ours: dict[str, str] = {}
        for rule in PERFRULES[code]:
            for k, v in perfrules_fires(shipped, rule).items():
                ours.setdefault(k, v)
        only_theirs = sorted(set(theirs) - set(ours))
        only_ours = sorted(set(ours) - set(theirs))
        table.append(f"| {code} | {row.get('detail')} | {len(theirs)} | {len(as_imported)} | {', '.join(PERFRULES[code])} "
                     f"| {len(ours)} | {len(only_theirs)} | {len(only_ours)} |")  # fmt: skip
        for side, codes, texts in (("bureau", only_theirs, theirs), ("perfrules", only_ours, ours)):
            if codes:
                judged = JUDGED.get((code, side), "（待判断 / not yet judged）")
                samples.append(f"- **{code} {side}-only**, e.g. {codes[0]}: {texts[codes[0]]} — {judged}")
    return table, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "real" / "songgang-2023")
    parser.add_argument("--out", type=Path, help="docs page to update between its markers")
    args = parser.parse_args()
    if not (args.corpus / "项目信息.xlsx").is_file():
        sys.exit(f"语料不在 / corpus absent: {args.corpus}")
    table, samples = compare(args.corpus)
    text = "\n".join(table) + "\n\n" + "\n".join(samples) + "\n"
    if args.out is None:
        print(text)
        return
    page = args.out.read_text(encoding="utf-8")
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    args.out.write_text(page[:start] + "\n" + text + page[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
