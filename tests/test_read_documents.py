"""The seed's report as Word, PDF and HTML files made in the test: the same submission and findings as its text."""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from perfrules import validate
from perfrules.model.submission import Submission
from perfrules.read.narrative_formats import read_narrative

ROOT = Path(__file__).resolve().parents[1]
SEED_TXT = ROOT / "fixtures/narratives/shijiazhuang-zhengfawei-2020.txt"
GOLDEN = ROOT / "fixtures/golden/shijiazhuang-zhengfawei-2020.findings.json"


def seed_blocks() -> list[str]:
    """The seed's paragraphs as filed, including the blocks its page breaks cut mid-sentence."""
    text = SEED_TXT.read_text(encoding="utf-8")
    return [" ".join(b.split()) for b in re.split(r"\n\s*\n", text) if b.strip()]


def make_docx(path: Path, blocks: list[str]) -> Path:
    import docx

    document = docx.Document()
    for block in blocks:
        document.add_paragraph(block)
    document.save(str(path))
    return path


def cjk_font() -> Path:
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh:fontformat=TrueType", "file"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        listed = ""
    fonts = sorted(Path(line.split(":")[0]) for line in listed.splitlines() if line.strip())
    if not fonts:
        pytest.skip("no TrueType CJK font installed (scripts/ensure-cjk-font installs one)")
    return fonts[0]


def make_pdf(path: Path, blocks: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(cjk_font()))
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    for block in blocks:
        pdf.multi_cell(0, 7, block, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
    pdf.output(str(path))
    return path


def _submission(path: Path) -> Submission:
    read = read_narrative(path)
    assert read.submission is not None, read.problems
    return read.submission.submission


def assert_same_as_text(path: Path, page_furniture: tuple[str, ...] = ()) -> None:
    """Field by field the submission of the text report, and the seed's 8 findings at the same places.

    ``page_furniture`` is what a web page adds to the report's text (a menu, a table of its details).
    """
    mine, text = _submission(path), _submission(SEED_TXT)
    a, b = mine.model_dump(), text.model_dump()
    # claims: the same statements; their paragraph numbers and locations are the format's own
    claims_a, claims_b = (
        [(c["kind"], c["role"], re.sub(r"\s+", "", c["quote"]), c["value"]) for c in d.pop("claims")] for d in (a, b)
    )
    assert claims_a == claims_b
    narrative_a, narrative_b = a["header"].pop("narrative"), b["header"].pop("narrative")
    for extra in page_furniture:
        assert extra in narrative_a
        narrative_a = narrative_a.replace(extra, "", 1)
    assert re.sub(r"\s+", "", narrative_a) == re.sub(r"\s+", "", narrative_b)
    assert a == b
    report = validate([path])
    (result,) = report.submissions
    found = sorted((f.rule_id, f.location.pointer, f.severity.value) for f in result.findings)
    golden = sorted((g["rule_id"], g["pointer"], g["severity"]) for g in json.loads(GOLDEN.read_text(encoding="utf-8")))
    assert found == golden
    assert report.exit_code == 1


def test_a_docx_made_from_the_seed_gives_the_seed_findings(tmp_path: Path) -> None:
    assert_same_as_text(make_docx(tmp_path / "seed.docx", seed_blocks()))


def test_a_pdf_made_from_the_seed_gives_the_seed_findings(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "seed.pdf", seed_blocks())
    assert_same_as_text(path)
    (after,) = [f for f in validate([path]).submissions[0].findings if f.rule_id == "TIME-NARRATIVE-AFTER-FY"]
    assert after.evidence["excerpt"] == "并在 2021年初的疫情防控（隔离点违规行为分析）方面发挥了巨大作用"


def test_pdf_paragraphs_are_located_by_page_and_line(tmp_path: Path) -> None:
    from perfrules.read.pdf_text import pdf_blocks

    blocks = pdf_blocks(make_pdf(tmp_path / "seed.pdf", seed_blocks()).read_bytes())
    assert blocks[0] == ("中共石家庄市委政法委员会 2020 年部门整体支出绩效自评报告", "第 1 页第 1 行 / page 1 line 1")
    assert any(where.startswith("第 2 页") for _, where in blocks)


def _problem(path: Path) -> str:
    report = validate([path])
    assert report.exit_code == 2
    assert not report.submissions or all(s.submission is None for s in report.submissions)
    (problem,) = [p for p in report.problems if p.source == str(path)]
    return problem.message


def test_a_scanned_pdf_is_a_clear_problem(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 150, 200, style="F")  # a page of picture, no text
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    assert "PDF 无文字层（扫描件），请提供可复制文字的版本" in _problem(path)


def test_an_encrypted_pdf_is_a_clear_problem(tmp_path: Path) -> None:
    import pypdf

    plain = make_pdf(tmp_path / "plain.pdf", seed_blocks()[:3])
    writer = pypdf.PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as out:
        writer.write(out)
    assert "PDF 已加密" in _problem(locked)


def test_an_encrypted_docx_is_a_clear_problem(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = make_docx(tmp_path / "plain.docx", seed_blocks()[:3])
    locked = tmp_path / "locked.docx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    assert "已加密" in _problem(locked)


def test_a_zip_bomb_named_docx_is_refused_before_inflating(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (64 * 1024 * 1024))
    assert "zip 炸弹" in _problem(path)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("not-word.docx", b"just some text", "不是 Word"),
        ("no-document.docx", None, "不是 Word 文档"),
        ("not-pdf.pdf", b"<html></html>", "不是 PDF"),
        ("broken.pdf", b"%PDF-1.4\n garbage", "PDF"),
        ("empty.docx", b"", "为空"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_a_problem(
    tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "hi")
    else:
        path.write_bytes(content)
    assert words in _problem(path)


def test_a_legacy_doc_without_libreoffice_names_the_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no soffice on this PATH
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    message = _problem(path)
    assert "LibreOffice" in message and "libreoffice-writer" in message


def test_a_legacy_doc_is_converted_when_libreoffice_is_installed(tmp_path: Path) -> None:
    from perfrules.read.doc_legacy import office_binary

    office = office_binary()
    if office is None:
        pytest.skip("LibreOffice is not installed")
    docx_path = make_docx(tmp_path / "seed.docx", seed_blocks())
    subprocess.run(
        [office, "--headless", "--convert-to", "doc", "--outdir", str(tmp_path), str(docx_path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    assert_same_as_text(tmp_path / "seed.doc")


def make_html(path: Path, blocks: list[str], encoding: str = "utf-8") -> Path:
    body = "".join(f"<p>{html.escape(b)}</p>\n" for b in blocks[1:])
    page = (
        f'<!DOCTYPE html><html><head><meta charset="{encoding}"><title>自评报告</title>'
        '<script>var s = "项目自评 1 分";</script><style>p{margin:0}</style></head><body>'
        '<div class="nav"><a href="http://example.invalid/">首页</a></div>'
        f"<h1>{html.escape(blocks[0])}</h1>"
        "<table><tr><th>填报单位</th><td>中共石家庄市委政法委员会</td></tr></table>"
        f'{body}<img src="http://example.invalid/logo.png"></body></html>'
    )
    path.write_bytes(page.encode("gb18030" if encoding == "gb2312" else encoding))
    return path


def test_an_html_page_made_from_the_seed_gives_the_seed_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*_args: object) -> None:
        raise AssertionError("the HTML reader must not use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    path = make_html(tmp_path / "seed.html", seed_blocks(), "gb2312")
    assert_same_as_text(path, ("首页", "填报单位 中共石家庄市委政法委员会"))


def test_html_text_and_table_rows_are_read_in_order_with_their_paths(tmp_path: Path) -> None:
    import lxml.html

    from perfrules.read.html_text import decode_page, html_blocks

    raw = make_html(tmp_path / "seed.htm", seed_blocks()).read_bytes()
    text = decode_page(raw)
    assert text is not None
    blocks = html_blocks(lxml.html.document_fromstring(text))
    assert blocks[:3] == [
        ("首页", "/html/body/div"),
        ("中共石家庄市委政法委员会 2020 年部门整体支出绩效自评报告", "/html/body/h1"),
        ("填报单位 中共石家庄市委政法委员会", "/html/body/table/tr"),
    ]
    assert not any("var s" in b for b, _ in blocks)


def test_an_html_page_nested_too_deep_is_a_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 100_000 + "某局 2022 年部门整体支出绩效自评报告" + "</div>" * 100_000)
    assert "嵌套过深" in _problem(path)


@pytest.mark.slow
def test_the_narrative_benchmark_runs_and_every_report_gives_the_seed_findings() -> None:
    cjk_font()
    done = subprocess.run(
        [sys.executable, "benchmarks/narratives.py", "--batch", "20", "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "ms/page" in done.stdout


@pytest.mark.parametrize(
    ("suffix", "module", "extra"), [(".docx", "docx", "docx"), (".pdf", "pypdf", "pdf"), (".html", "lxml", "html")]
)
def test_a_missing_extra_is_a_problem_naming_the_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, module: str, extra: str
) -> None:
    blocks = seed_blocks()
    make = {".docx": make_docx, ".pdf": make_pdf, ".html": make_html}[suffix]
    path = make(tmp_path / f"seed{suffix}", blocks)
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError
    assert f"pip install 'perfrules[{extra}]'" in _problem(path)


def test_findings_on_a_report_point_at_its_page_and_line_or_paragraph(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "seed.pdf", seed_blocks())
    docx_path = make_docx(tmp_path / "seed.docx", seed_blocks())
    cells = {}
    for path in (SEED_TXT, pdf, docx_path):
        (result,) = validate([path]).submissions
        cells[path.suffix] = {f.rule_id: f.location.cell for f in result.findings}
    assert cells[".txt"]["TIME-AFTER-FY-COMPLETE"] == "段落 17 / paragraph 17"
    assert cells[".txt"]["NARRATIVE-WITHHELD"] == "段落 6 / paragraph 6"
    assert cells[".pdf"]["FUND-COMMINGLED"] == "第 4 页第 1 行 / page 4 line 1"
    # the platform's paragraph is two Word paragraphs (a page break cut it); it is located by the first
    assert cells[".docx"]["TIME-AFTER-FY-COMPLETE"] == "段落 20 / paragraph 20"
