"""A narrative self-evaluation report (自评报告) as plain text → a submission of kind narrative_report.

Extraction is rule-based, from the wording reports use, never from positions:
- the header: the department and fiscal year from the title ("…2020 年部门整体支出绩效自评报告"),
  the report date (a date alone on a line), the self grade ("自评优秀");
- each project section: a paragraph that states a project score ("项目自评 99.98 分"), named by
  its opening clause, with its completion ("全部完成") and a stated delivery ("2021 年 6 月交付");
- transfer funds: a project paragraph about a 转移支付 fund, with its amount ("4 万元") and what it
  was paid together with ("与综治经费一并支付");
- withheld passages ("（详细信息涉密，略）"), with the section they sit in.

Paragraphs are blocks between blank lines; a block that stops mid-sentence (a page break in the
source) is joined to the next, so quotes never break mid-sentence. What is not stated is left
out, never guessed: a fund's purpose comes from its name (中央转移支付精神障碍管理治疗经费 →
精神障碍管理治疗), and a spending's use category from the pack's fund-use vocabulary only when one
category is clearly named (see ``fund_vocab``); otherwise it stays empty and FUND-USE-ALLOWED does not
fire on a guess. The narrative kept is the joined paragraphs, so quotes never break mid-sentence.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from perfrules.model.report import Problem
from perfrules.model.sourced import PARAGRAPH_POINTER, SourcedSubmission
from perfrules.read.claims import extract_claims
from perfrules.read.documents import ReadResult, to_submission
from perfrules.read.fund_vocab import classify_use
from perfrules.read.narrative_score import Stated, grade, total_score
from perfrules.read.narrative_sections import problems_section
from perfrules.read.narrative_title import read_title
from perfrules.read.text_file import read_text_file

_DATE_LINE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_PROJECT_SCORE = re.compile(r"项目自评(?:得分)?(?:分别)?为?\s*(\d{1,3}(?:\.\d{1,2})?)\s*分")
_COMPLETION = re.compile(r"(全部完成|基本完成|部分完成|未完成)")
_DELIVERY = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?:底|份|末)?\s*(?:交付|上线|投入使用|建成|完工)")
_WITHHELD = re.compile(r"[（(][^（）()]{0,16}涉密[，,、]?\s*略[）)]")
_HEADING = re.compile(r"^[一二三四五六七八九十]+、\s*\S")
_ITEM_LEAD = re.compile(r"^([一二三四五六七八九十]+是[^，。；]{1,30})")
_TRANSFER = re.compile(r"转移支付")
_AMOUNT_WAN = re.compile(r"(\d+(?:\.\d+)?)\s*万元")
_PAID_WITH = re.compile(r"与([^，。、；]{2,20}?)一并支付了?([^，。；]{0,40})")
_PURPOSE = re.compile(r"^(?:中央|省级?|市级?|县级?)?(?:专项)?转移支付(?P<purpose>.+?)(?:专项)?(?:补助)?(?:经费|资金)$")
"""An earmarked transfer names its purpose: 中央转移支付精神障碍管理治疗经费 → 精神障碍管理治疗."""
_REGION = re.compile(r"^(?:中共)?(?P<region>[^\s省市县区]{2,6}?(?:自治区|省|市|县|区))(?:委|人民政府|政府|人大)")
"""The region a department's name carries: 中共石家庄市委政法委员会 → 石家庄市."""
_PROJECT_TYPE = re.compile(r"立项的(信息化|基建|工程|修缮|购置)项目")
"""A project that states what kind it is ("而立项的信息化项目") → 信息化建设."""
_LEAD_IN = re.compile(r"^(?:经|综上|总之|总体|整体|通过|根据|按照|依据|结合|本次|该|本|此|其)")
"""An opening clause that leads into a conclusion ("经评价，该项目自评得分为 95 分") names no project: the
sentence is the report's own result (see ``narrative_score``), not a project section."""
_AMOUNT_IN_NAME = re.compile(r"\d\s*(?:亿元|万元|元|%|％)")
"""An opening clause that states an amount or a rate ("项目全年预算 120 万元") is no project's name."""
_CLAUSE = re.compile(r"[，,。；;：:！？]")
_SENTENCE_END = ("。", "！", "？", "；", "：", "”", "」", "）", ")", ":", ";", "!", "?")
"""Where a block ends its sentence; the half-width marks too, as text copied from web pages and PDFs has them."""


def join_lines(lines: list[str]) -> str:
    """Hard-wrapped lines → one line: no space between Chinese characters, one between Latin words."""
    out = ""
    for line in (" ".join(raw.split()) for raw in lines):
        if not line:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out


_FLATTENED_FORM = re.compile(r"绩效(?:自评|评价)表")
"""A form's own title ("项目支出绩效自评表", "部门整体支出绩效自评表") in text with no report title."""
_COVER_FIELD = re.compile(r"^[^，,。；;：:\s]{2,8}\s*[:：]\s*\S")
"""A cover page's field on a line of its own: "项目名称:…", "项目单位: ××办", "主管部门: ××"."""


def _stands_alone(block: str) -> bool:
    """A block that is complete by its shape: a heading, a date line or a cover field."""
    short = len(block) < 40
    return short and (
        _HEADING.match(block) is not None
        or _DATE_LINE.match(block) is not None
        or _COVER_FIELD.match(block) is not None
    )


def paragraph_blocks(text: str) -> list[tuple[str, int]]:
    """Blank-line separated blocks, a block ending mid-sentence joined to the next; each paragraph with
    the index of its first block (among the non-empty ones)."""
    blocks = [b for b in (join_lines(block.splitlines()) for block in re.split(r"\n\s*\n", text)) if b]
    out: list[tuple[str, int]] = []
    pending, first = "", 0
    for index, block in enumerate(blocks):
        if pending and _stands_alone(block):
            # a heading, a cover field or a date never continues the sentence before it
            # ("…报告如下" / "一、基本情况"; "项目名称:…" / "项目单位: ××办")
            out.append((pending, first))
            pending = ""
        if not pending:
            first = index
        pending += block
        heading = _HEADING.match(pending) is not None and len(pending) < 40
        # a short line with no clause inside is a title, a heading, a menu item or a signature
        line = pending == block and len(block) < 40 and (not _CLAUSE.search(block) or _stands_alone(block))
        if pending.endswith(_SENTENCE_END) or heading or line or (len(pending) < 40 and not out):
            out.append((pending, first))
            pending = ""
    if pending:
        out.append((pending, first))
    return out


def paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks, a block ending mid-sentence joined to the next."""
    return [p for p, _ in paragraph_blocks(text)]


def _report_date(text: str) -> str | None:
    for line in reversed(text.splitlines()[-20:]):
        match = _DATE_LINE.match(line)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _withheld(paras: list[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    heading = None
    for para in paras:
        if _HEADING.match(para) and len(para) < 40:
            heading = para
            continue
        for match in _WITHHELD.finditer(para):
            lead = _ITEM_LEAD.match(para)
            section = heading or ""
            if lead:
                section = f"{section}（{lead.group(1)}）" if section else lead.group(1)
            out.append({"section": section, "marker": match.group(0)} if section else {"marker": match.group(0)})
    return out


def _project(para: str) -> dict[str, Any] | None:
    score = _PROJECT_SCORE.search(para)
    if score is None:
        return None
    name = re.split(r"[，,。]", para, maxsplit=1)[0].strip()
    if not name or len(name) > 60 or _LEAD_IN.match(name) or _AMOUNT_IN_NAME.search(name):
        return None
    project: dict[str, Any] = {"name": name}
    completion = _COMPLETION.findall(para[: score.start()])
    if completion:
        project["completion"] = completion[-1]
    project["self_score"] = score.group(1)
    delivery = _DELIVERY.search(para)
    if delivery:
        project["delivery_date"] = f"{int(delivery.group(1)):04d}-{int(delivery.group(2)):02d}"
    kind = _PROJECT_TYPE.search(para)
    if kind:
        project["project_type"] = kind.group(1) + "建设"
    return project


def _fund(para: str, name: str) -> dict[str, Any] | None:
    """A transfer fund and what it was paid with, when the paragraph says so."""
    if not _TRANSFER.search(name):
        return None
    paid = _PAID_WITH.search(para)
    amount = _AMOUNT_WAN.search(para)
    fund: dict[str, Any] = {"name": name, "source": "中央转移支付" if name.startswith("中央") else "转移支付"}
    purpose = _PURPOSE.match(name)
    if purpose:
        fund["purpose_category"] = purpose.group("purpose")
    if amount:
        fund |= {"amount": amount.group(1), "unit": "万元"}
    if paid:
        spend: dict[str, Any] = {"paid_with": [paid.group(1)]}
        if paid.group(2):
            spend["use_text"] = paid.group(2)
            category = classify_use(paid.group(2))
            if category:
                spend["use_category"] = category
        if amount:
            spend |= {"amount": amount.group(1), "unit": "万元"}
        fund["expenditures"] = [spend]
    return fund if paid else None


def _projects_and_funds(
    paras: list[str], where: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
    """Project and fund sections, and the paragraph each was read from, by JSON pointer."""
    projects: list[dict[str, Any]] = []
    funds: list[dict[str, Any]] = []
    cells: dict[str, str] = {}
    for index, para in enumerate(paras):
        project = _project(para)
        if project is None:
            continue
        for key in project:
            cells[f"/projects/{len(projects)}/{key}"] = where[index]
        projects.append(project)
        fund = _fund(para, project["name"])
        if fund:
            for key in ("name", "amount", "purpose_category"):
                cells[f"/funds/{len(funds)}/{key}"] = where[index]
            for key in ("paid_with", "use_category", "use_text", "amount"):
                cells[f"/funds/{len(funds)}/expenditures/0/{key}"] = where[index]
            funds.append(fund)
    return projects, funds, cells


def extract_located(text: str, locations: list[str] | None = None) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The submission a narrative report states, as a document (None without a recognisable title), and
    the paragraph location of its projects, funds and withheld passages by JSON pointer.

    ``locations`` name each non-empty block of ``text`` in its source (a page and line, a path).
    """
    spans = paragraph_blocks(text)
    paras = [p for p, _ in spans]
    title = read_title(paras, text)
    if title is None:
        return None, {}
    department = title.department
    header: dict[str, Any] = {"department": department, "fiscal_year": title.year}
    region = _REGION.match(department)
    if region:
        header["region_name"] = region.group("region")
    report_date = _report_date(text)
    if report_date:
        header["report_date"] = report_date
    header["narrative"] = "\n\n".join(paras)
    where = [locations[first] for _, first in spans] if locations and len(locations) > spans[-1][1] else None
    where = where or [f"段落 {i} / paragraph {i}" for i in range(1, len(paras) + 1)]
    result = _stated_result(paras, title.kind == "项目支出")
    for field, stated in result.items():
        header[field] = stated.text
    withheld = _withheld(paras)
    projects, funds, cells = _projects_and_funds(paras, where)
    for field, stated in result.items():
        cells[f"/header/{field}"] = where[stated.paragraph]
    cells["/header/fiscal_year"] = cells["/header/department"] = where[title.paragraph]
    # each paragraph's place, for a finding on the whole text to land where its quote is (findings.narrative_place)
    cells |= {PARAGRAPH_POINTER.format(i): place for i, place in enumerate(where)}
    if withheld:
        header["withheld"] = withheld
        first = next(i for i, p in enumerate(paras) if _WITHHELD.search(p))
        cells["/header/withheld"] = where[first]
    document: dict[str, Any] = {"document_kind": "narrative_report", "header": header, "projects": projects}
    if funds:
        document["funds"] = funds
    claims = extract_claims(paras, where)
    if claims:
        document["claims"] = claims
    return document, cells


def _stated_result(paras: list[str], project_report: bool) -> dict[str, Stated]:
    """The report's own total score and grade, and its 存在的问题 section, by header field, where it states them."""
    found = {
        "self_score": total_score(paras, project_report),
        "self_grade": grade(paras),
        "problems": problems_section(paras),
    }
    return {field: stated for field, stated in found.items() if stated is not None}


def extract(text: str, locations: list[str] | None = None) -> dict[str, Any] | None:
    """The submission a narrative report states, as a document; None without a recognisable title."""
    return extract_located(text, locations)[0]


def problem_result(source: str, digest: str, message: str, location: str | None = None) -> ReadResult:
    """A report that cannot be read: one input problem (exit 2)."""
    return ReadResult(source, digest, None, (Problem(kind="input", source=source, location=location, message=message),))


MAX_REPORT_BYTES = 64 * 1024 * 1024
"""A .docx, .pdf or .html report with its pictures; scans run larger but have no text to read."""


def load_bytes(path: Path, limit: int = MAX_REPORT_BYTES) -> tuple[bytes | None, str, str | None]:
    """The file's bytes and digest, or the reason it cannot be read (too large, unreadable, empty)."""
    try:
        size = path.stat().st_size
        if size > limit:
            return None, "", f"文件过大（{size} 字节，上限 {limit} 字节）/ file too large ({size} bytes, limit {limit})"
        raw = path.read_bytes()
    except OSError as exc:
        return None, "", f"无法读取文件 / cannot read file: {exc.strerror}"
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    if not raw:
        return None, digest, "文件为空 / the file is empty"
    return raw, digest, None


def from_blocks(source: str, digest: str, blocks: list[tuple[str, str]]) -> ReadResult:
    """Paragraphs read from a document, each ``(text, location)``, → its submission."""
    kept = [(re.sub(r"\n\s*\n", "\n", text), where) for text, where in blocks if text.strip()]
    if not kept:
        return problem_result(source, digest, "文档中没有文字 / the document holds no text")
    return from_text(source, digest, "\n\n".join(text for text, _ in kept), [where for _, where in kept])


def missing_extra(source: str, digest: str, what: str, extra: str) -> ReadResult:
    """The optional dependency for this format is not installed: a problem naming the install."""
    hint = f"pip install 'perfrules[{extra}]'"
    return problem_result(source, digest, f"读取 {what} 需要安装：{hint} / reading {what} needs: {hint}")


def from_text(source: str, digest: str, text: str, locations: list[str] | None = None) -> ReadResult:
    """A report's text (paragraphs separated by blank lines) → its submission, or why there is none."""
    document, cells = extract_located(text, locations)
    if document is None:
        if _FLATTENED_FORM.search(text[:4000]) and "一级指标" in text:
            # a 自评表 whose table structure was lost (a PDF without ruling lines, a page's text copied)
            return problem_result(
                source, digest,
                "这是一张自评表的文字，表格结构已丢失，无法逐栏核对；请提交 Excel 或 Word 原表（或带表格线的 PDF）/ "
                "this is the text of a self-evaluation form whose table structure is lost; submit the Excel or "
                "Word form (or a ruled PDF)",
                "1",
            )  # fmt: skip
        return problem_result(
            source, digest,
            "未找到报告标题（“××部门 ××年度……绩效自评报告”），无法确定部门和年度 / no report title "
            "naming the department and fiscal year was found",
            "1",
        )  # fmt: skip
    submission, problems = to_submission(document, source)
    if submission is None:
        return ReadResult(source, digest, None, tuple(problems))
    cells |= {f"/claims/{i}/quote": c.location for i, c in enumerate(submission.claims) if c.location}
    return ReadResult(source, digest, SourcedSubmission(source, submission, cells))


def read_text_report(path: Path) -> ReadResult:
    """Read a .txt self-evaluation report into a submission, or say why it cannot be."""
    source = str(path)
    decoded = read_text_file(path)
    try:
        digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest() if decoded.text is not None else ""
    except OSError:
        digest = ""
    if decoded.text is None:
        return problem_result(source, digest, decoded.problem or "无法读取")
    return from_text(source, digest, one_paragraph_per_line(decoded.text))


def one_paragraph_per_line(text: str) -> str:
    """Text copied from a web page puts each paragraph on a line of its own, with no blank line between:
    make each line a block, so that the title and the paragraphs are found. A line that ends mid-sentence
    (a hard wrap) is still joined to the next by ``paragraph_blocks``. Text already separated by blank
    lines is returned as it is."""
    lines = text.splitlines()
    filled = [line for line in lines if line.strip()]
    if len(filled) < 3 or (len(lines) - len(filled)) * 4 >= len(filled):
        return text
    return "\n\n".join(filled)
