"""A bureau's review sheet (审核口径.xlsx) turned into a rule pack that lints and tests on its own.

The sheet has one row per review rule: 编码, 审核对象, 模式 (正则匹配 / 人工), 审核要点, 二级要点, 审核细项,
审核意见表述（问题+建议）, 正则表达式, 备注. A 正则匹配 row becomes a rule on the field its 审核对象 names
(政策依据, 年度目标, 三级指标, 指标值 …): a text_pattern rule when a match is the problem (冗长, 缺单位),
else a rule that fires when the text does *not* match (the regex describes the well-formed value);
"空" and ``^\\s*$`` become blank checks. 备注 may say 命中即问题 or 未命中即问题 to settle the direction.
A 人工 row becomes a reviewer's checklist item: an info finding per project with the fields to judge.

Regexes are run by DuckDB (RE2), not Python: ``\\u4e00`` becomes ``\\x{4e00}`` and a needless escape
(``\\《``) is dropped. A regex RE2 still cannot run is reported with its row and left out, never
dropped silently. Examples come from ``examples_from`` (a declaration workbook, its real strings)
and a small built-in pool; a rule with no example of one side is reported too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfrules.read.cells import label_key, text_of

COLUMNS = {
    "code": ("编码",), "object": ("审核对象",), "mode": ("模式",), "point": ("审核要点",), "detail": ("审核细项",),
    "message": ("审核意见表述", "审核意见表述（问题+建议）", "审核意见"), "regex": ("正则表达式", "正则"), "note": ("备注",),
}  # fmt: skip
BLANK_REGEXES = ("空", r"^\s*$", r"^$", r"^\s+$")
MATCH_IS_PROBLEM_WORDS = ("冗长", "未填写单位", "缺少", "不合理", "过于", "过长")
PROJECT_FIELDS = {"政策依据": "policy_basis", "测算依据": "calculation_basis", "年度目标": "annual_goal"}
INDICATOR_FIELDS = {"三级指标": "name", "指标值": "target_text", "指标解释": "explanation", "绩效指标": "target_text",
                    "绩效目标表": "name"}  # fmt: skip
LEVEL2_WORDS = ("数量", "质量", "时效", "成本", "社会", "经济", "生态", "可持续", "满意度")
POOL = (
    "", "不适用", "1", "100", "≥95%", "95%以上", "3个工作日", "及时", "明显", "得到提升", "2023年12月前",
    "受理举报数量", "验收合格率", "投诉响应及时性", "设备采购成本", "办公环境改善程度", "考察项目完成情况",
    "根据物业数量判定", "通过开展培训，达成年度培训目标", "通过开展培训，提升居民技能",
    "根据《深圳市宝安区社区工作站管理办法》设立", "一、项目背景：社区工作站是政府在社区的服务平台",
    "12元每份x100份，依据《宝安区印刷费标准》测算", "根据社区工作人员测算日常经费",
    "社区居民对党群服务中心工作人员及办公环境是否满意",
)  # fmt: skip


@dataclass(frozen=True)
class SheetRow:
    row: int
    """1-based worksheet row."""
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(frozen=True)
class Target:
    table: str
    column: str
    level2: str | None = None


@dataclass
class Imported:
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    unrunnable: list[str] = field(default_factory=list)


def read_sheet(path: Path) -> tuple[str, list[SheetRow], list[str]]:
    """The sheet's title and rule rows, or problems naming what is missing."""
    from perfrules.read.workbook import load_sheets

    loaded = load_sheets(path)
    if loaded.problems:
        return "", [], [p.message for p in loaded.problems]
    for sheet in loaded.sheets:
        for r in list(sheet.rows())[:10]:
            labels = {label_key(sheet.own(r, c)): c for c in sheet.row(r)}
            cols = {n: next((labels[w] for w in words if w in labels), -1) for n, words in COLUMNS.items()}
            if min(cols["object"], cols["mode"], cols["regex"]) < 0:
                continue
            title = next((text_of(sheet.own(t, c)) for t in range(r) for c in sheet.row(t)), "") or sheet.name
            rows = [
                SheetRow(rr + 1, {n: text_of(sheet.own(rr, c)) for n, c in cols.items() if c >= 0})
                for rr in sheet.rows() if rr > r and text_of(sheet.own(rr, cols["object"]))
            ]  # fmt: skip
            return title, rows, []
    return (
        "",
        [],
        ["找不到审核口径表头（审核对象、模式、正则表达式）/ no sheet with 审核对象, 模式 and 正则表达式 headers"],
    )


def target_of(obj: str) -> Target | None:
    """The table and column a 审核对象 names ("二级指标==数量" is the names of 数量 indicators)."""
    text = re.sub(r"\s+", "", obj)
    if text in PROJECT_FIELDS:
        return Target("projects", PROJECT_FIELDS[text])
    if text in INDICATOR_FIELDS:
        return Target("indicators", INDICATOR_FIELDS[text])
    level2 = text.split("==", 1)[1] if text.startswith("二级指标==") else text
    if level2 in LEVEL2_WORDS:
        return Target("indicators", "name", level2)
    return None


_UNICODE = re.compile(r"\\u([0-9a-fA-F]{4})")
_NEEDLESS = re.compile(r"\\([^\x00-\x7f]|['\"])")


def to_re2(pattern: str) -> str:
    """A Python regex in RE2 syntax: ``\\uXXXX`` → ``\\x{XXXX}``, ``\\《`` → ``《``."""
    return _NEEDLESS.sub(r"\1", _UNICODE.sub(r"\\x{\1}", pattern))


def re2_error(pattern: str) -> str | None:
    """What DuckDB's RE2 says about the pattern, or None when it runs."""
    import duckdb

    try:
        duckdb.connect().execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
    except duckdb.Error as exc:
        return str(exc).splitlines()[0]
    return None


def match_is_problem(row: SheetRow) -> bool:
    note = row.get("note")
    if "未命中即问题" in note:
        return False
    if "命中即问题" in note:
        return True
    return any(w in row.get("detail") for w in MATCH_IS_PROBLEM_WORDS)


def _safe(text: str) -> str:
    """Bureau wording as a message template: braces would be placeholders."""
    return text.replace("{", "｛").replace("}", "｝")


def _rule_id(prefix: str, row: SheetRow) -> str:
    code = re.sub(r"\D", "", row.get("code")) or str(row.row)
    return f"{prefix}-{int(code):02d}"


def _header(rule_id: str, row: SheetRow, title: str, severity: str) -> dict[str, Any]:
    where = "项目“{project}”" + ("指标“{indicator}”" if target_of(row.get("object")) and
                                   target_of(row.get("object")).table == "indicators" else "")  # type: ignore[union-attr]  # fmt: skip
    return {
        "id": rule_id, "version": "1.0", "severity": severity,
        "title": {"zh": _safe(row.get("detail") or row.get("object")), "en": f"Bureau review rule {row.get('code')}"},
        "message": {
            "zh": f"{where}：{_safe(row.get('message') or row.get('detail'))}",
            "en": f"{where.replace('项目', 'Project ').replace('指标', ', indicator ')}: bureau review rule "
            f"{row.get('code')} ({_safe(row.get('detail'))}); see the Chinese message for the bureau's wording.",
        },
        "basis": [{"document": title, "verification": "V",
                   "clause": _safe(f"编码{row.get('code')} {row.get('object')} {row.get('mode')} {row.get('detail')}"
                                   f"（工作表第 {row.row} 行；正则：{row.get('regex')}）")}],
        "applies_to": ["target_declaration"],
    }  # fmt: skip


def _check(target: Target, blank: bool, on_match: bool, pattern: str) -> dict[str, Any]:
    scope = f"level2 LIKE '{target.level2}%'" if target.level2 else None
    if blank:
        check: dict[str, Any] = {"kind": "row", "fails_when": [{"column": target.column, "op": "is_blank"}]}
    elif on_match:
        check = {"kind": "text_pattern", "column": target.column, "patterns": [pattern]}
    else:  # a blank cell is the blank rules' business, not a malformed text
        check = {"kind": "sql", "fails_when": f"NOT regexp_matches({target.column}, {{pattern}})"}
        scope = " AND ".join(filter(None, [scope, f"coalesce(trim({target.column}), '') <> ''"]))
    if scope:
        check["where"] = scope
    return check


def _fires(pattern: str, blank: bool, on_match: bool, text: str) -> bool:
    if blank:
        return not text.strip()
    hit = re.search(pattern, text) is not None
    return hit if on_match else not hit and bool(text.strip())


def _submission(target: Target, text: str) -> tuple[dict[str, Any], str]:
    indicator = {"level1": "产出", "level2": target.level2 or "数量", "name": "受理举报数量", "kind": "qualitative",
                 "target_text": "及时", "explanation": "考察受理举报情况"}  # fmt: skip
    project: dict[str, Any] = {"name": "示例项目", "declaration": {}, "indicators": [indicator]}
    if target.table == "projects":
        project["declaration"][target.column] = text
        at = f"/projects/0/declaration/{target.column}"
    else:
        indicator[target.column] = text
        at = f"/projects/0/indicators/0/{target.column}"
    return {"document_kind": "target_declaration", "header": {"department": "示例单位", "fiscal_year": 2023},
            "projects": [project]}, at  # fmt: skip


def _examples(
    target: Target, py_pattern: str, blank: bool, on_match: bool, pool: Iterable[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    found: dict[bool, str] = {}
    for text in pool:
        try:
            fires = _fires(py_pattern, blank, on_match, text)
        except re.error:
            break
        found.setdefault(fires, text)
        if len(found) == 2:
            break
    examples, missing = [], []
    for fires, expect in ((False, "pass"), (True, "fail")):
        if fires not in found:
            missing.append(expect)
            continue
        submission, at = _submission(target, found[fires])
        item: dict[str, Any] = {"name": f"{'不触发' if expect == 'pass' else '触发'}：{found[fires][:30] or '（空白）'}",
                                "expect": expect, "submission": submission}  # fmt: skip
        if fires:
            item["findings"] = [{"at": at}]
        examples.append(item)
    return examples, missing


def _regex_rule(row: SheetRow, rule_id: str, title: str, pool: list[str], out: Imported) -> None:
    target = target_of(row.get("object"))
    regex = row.get("regex")
    if target is None:
        out.lines.append(f"✗ 第 {row.row} 行：不认识的审核对象“{row.get('object')}” / unknown 审核对象, row skipped")
        return
    blank = regex in BLANK_REGEXES
    on_match = match_is_problem(row)
    pattern = "" if blank else to_re2(regex)
    if not blank and (error := re2_error(pattern)) is not None:
        out.unrunnable.append(f"第 {row.row} 行 {rule_id}: {regex!r} — RE2: {error}")
        out.lines.append(f"✗ 第 {row.row} 行 {rule_id}：正则 RE2 无法运行 / RE2 cannot run the regex: {error}")
        return
    rule = _header(rule_id, row, title, "warning")
    rule |= {"table": target.table, "points_at": target.column, "check": _check(target, blank, on_match, pattern)}
    if rule["check"]["kind"] == "sql":
        rule["parameters"] = {"pattern": {"default": pattern, "description": "审核口径的正则（RE2 写法）"}}
    if pattern != regex and not blank:
        rule["basis"][0]["note"] = f"正则已转写为 RE2：{pattern}"
    examples, missing = _examples(target, regex if not blank else "", blank, on_match, pool)
    rule["examples"] = examples
    if missing:
        out.lines.append(
            f"! 第 {row.row} 行 {rule_id}：缺少 {'、'.join(missing)} 示例 / no {' or '.join(missing)} example"
        )
    out.rules[rule_id] = rule


_CHECKLIST_EVIDENCE = {
    "goal": "coalesce(trim(annual_goal), '（未填写）')",
    "amount": "annual_amount",
    "count": "live_indicator_count",
    "indicators": "indicator_names",
}


def _checklist_rule(row: SheetRow, rule_id: str, title: str, out: Imported) -> None:
    rule = _header(rule_id, row, title, "info")
    rule["title"]["zh"] = f"人工复核：{rule['title']['zh']}"
    rule["message"] = {
        "zh": f"【人工复核 编码{row.get('code')}】项目“{{project}}”：{_safe(row.get('detail'))}。年度目标：{{goal}}；"
        "本年金额 {amount} 元；指标 {count} 条：{indicators}。审核意见表述：" + _safe(row.get("message")),
        "en": f"[Reviewer checklist, bureau rule {row.get('code')}] Project \"{{project}}\": judge by hand. Goal: "
        "{goal}; this year {amount} yuan; {count} indicators: {indicators}.",
    }  # fmt: skip
    rule |= {"table": "projects", "points_at": "indicator_names", "evidence": dict(_CHECKLIST_EVIDENCE),
             "check": {"kind": "row", "fails_when": [{"column": "filled_indicator_count", "op": "gt", "value": 0}]}}  # fmt: skip
    filled, _ = _submission(Target("indicators", "name"), "受理举报数量")
    empty, _ = _submission(Target("indicators", "name"), "")
    empty["projects"][0]["indicators"][0] |= {"name": "", "target_text": None, "explanation": None}
    rule["examples"] = [
        {"name": "填写了指标的项目列入清单", "expect": "fail", "submission": filled,
         "findings": [{"at": "/projects/0/indicators"}]},
        {"name": "整表空白的项目不列入", "expect": "pass", "submission": empty},
    ]  # fmt: skip
    out.rules[rule_id] = rule


def import_rows(title: str, rows: list[SheetRow], prefix: str, pool: list[str]) -> Imported:
    out = Imported()
    for row in rows:
        rule_id = _rule_id(prefix, row)
        mode = row.get("mode")
        if mode == "人工":
            _checklist_rule(row, rule_id, title, out)
        elif mode == "正则匹配":
            _regex_rule(row, rule_id, title, pool, out)
        else:
            out.lines.append(f"✗ 第 {row.row} 行：不认识的模式“{mode}” / unknown 模式, row skipped")
    return out


def sample_strings(path: Path, limit: int = 5000) -> list[str]:
    """Distinct texts of a declaration workbook (its real strings), for examples; none if unreadable."""
    from perfrules.read.xlsx_forms import read_workbook

    seen: dict[str, None] = {}
    for result in read_workbook(path):
        if result.submission is None:
            continue
        for project in result.submission.submission.projects:
            decl = project.declaration
            texts = [decl.policy_basis, decl.calculation_basis, decl.annual_goal] if decl else []
            for ind in project.indicators:
                texts += [ind.name, ind.target_text, ind.explanation]
            for text in texts:
                if text and len(seen) < limit:
                    seen.setdefault(text.strip(), None)
    return list(seen)


@dataclass(frozen=True)
class Outcome:
    lines: list[str]
    exit_code: int


def _readme(title: str, source: Path, imported: Imported) -> str:
    lines = [f"# {title}", "", f"由 `perfrules import-rules {source.name}` 生成 / generated from {source.name}.", "",
             "| 规则 / rule | 级别 | 表.列 / table.column | 检查 / check |", "|---|---|---|---|"]  # fmt: skip
    for rule_id, rule in imported.rules.items():
        check = rule["check"]
        what = check.get("patterns", [None])[0] or check.get("fails_when")
        what = what if isinstance(what, str) else "空白 / blank"
        lines.append(f"| {rule_id} | {rule['severity']} | {rule['table']}.{rule['points_at']} | `{what}` |")
    if imported.unrunnable:
        lines += ["", "## RE2 无法运行的正则 / regexes RE2 cannot run", ""]
        lines += [f"- {line}" for line in imported.unrunnable]
    return "\n".join(lines) + "\n"


def import_sheet(sheet: Path, out_dir: Path, *, prefix: str = "BUREAU", examples_from: Path | None = None,
                 force: bool = False) -> Outcome:  # fmt: skip
    """Write the pack for ``sheet`` into ``out_dir``; exit 2 when the sheet cannot be read or nothing imports."""
    from perfrules.model.rule import RULE_ID_PATTERN
    from perfrules.testing._yamlout import dump_yaml

    if not re.fullmatch(RULE_ID_PATTERN, f"{prefix}-00"):
        return Outcome([f"✗ 前缀须为大写字母和数字 / --prefix must be upper-case letters and digits: {prefix!r}"], 2)
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        return Outcome([f"✗ {out_dir}: 目录非空，未覆盖（如需覆盖请加 --force）/ folder not empty (pass --force)"], 2)
    title, rows, problems = read_sheet(sheet)
    if problems:
        return Outcome([f"✗ {sheet}: {p}" for p in problems], 2)
    pool = [*POOL, *(sample_strings(examples_from) if examples_from else [])]
    imported = import_rows(title, rows, prefix, pool)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "pack.yaml").write_text(dump_yaml({"name": prefix.lower(), "description": title}), encoding="utf-8")
    for rule_id, rule in imported.rules.items():
        (out_dir / f"{rule_id}.yaml").write_text(dump_yaml(rule), encoding="utf-8")
    (out_dir / "README.md").write_text(_readme(title, sheet, imported), encoding="utf-8")
    manual = sum(1 for r in imported.rules.values() if r["severity"] == "info")
    summary = (f"{out_dir}: {len(imported.rules)} 条规则 / rules（{len(imported.rules) - manual} 条正则 / regex, "
               f"{manual} 条人工复核 / checklist），{len(imported.unrunnable)} 条正则 RE2 无法运行 / unrunnable")  # fmt: skip
    return Outcome([*imported.lines, summary], 0 if imported.rules else 2)
