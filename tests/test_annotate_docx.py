"""Issue 13 §4: `--annotate` on a Word report writes a copy with a Word comment on each finding's
paragraph or 自评表 cell; the submitted document is never modified."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfrules.cli import app
from tests.test_docx_tables import _add_form_table

docx = pytest.importorskip("docx")


def _report(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("示例市人力资源和社会保障局 2022 年项目支出绩效自评报告")
    document.add_paragraph("一、项目基本情况")
    document.add_paragraph("职业技能提升培训项目由本局组织实施，面向城乡劳动者开展培训。")
    document.add_paragraph("二、自评结论")
    document.add_paragraph("经评价，该项目自评得分为 95 分，评价等级为“优”。")  # the table totals 93.75
    _add_form_table(document, executed=84)  # 84 ÷ 120 = 70%, stated 95%: a finding at 表1!G6
    document.save(path)
    return path


def _commented(paragraph: object) -> bool:
    return bool(paragraph._p.xpath(".//w:commentRangeStart"))  # type: ignore[attr-defined]


def test_annotate_puts_a_word_comment_on_the_paragraph_and_the_cell(tmp_path: Path) -> None:
    original = _report(tmp_path / "report.docx")
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["check", str(original), "--annotate", str(out)])
    assert result.exit_code in (0, 1), result.output
    copy = out / "report.审核意见.docx"
    assert copy.exists(), result.output
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before  # the original is untouched

    annotated = docx.Document(str(copy))
    texts = [c.text for c in annotated.comments]
    assert any("CROSS-SCORE" in t and "95 分" in t for t in texts), texts
    assert any("BUDGET-RATE-ARITH" in t for t in texts), texts
    assert {c.author for c in annotated.comments} == {"perfrules"}
    assert _commented(annotated.paragraphs[4])  # 段落 5, the stated score
    assert not _commented(annotated.paragraphs[0])
    assert _commented(annotated.tables[0].cell(5, 6).paragraphs[0])  # 表1!G6, the stated rate
    assert "批注 / annotated" in result.output


def test_a_document_the_report_did_not_read_is_refused_with_a_message(tmp_path: Path) -> None:
    from perfrules.model.report import Report
    from perfrules.report.annotate_docx import annotate_docx
    from perfrules.run import validate

    original = _report(tmp_path / "report.docx")
    other = _report(tmp_path / "other.docx")
    report: Report = validate([original])
    with pytest.raises(ValueError, match="never writes over"):
        annotate_docx(report, original, original)
    other.write_bytes(other.read_bytes() + b"")  # same name differs: read by hash or path, then by name
    assert annotate_docx(report, original, tmp_path / "copy.docx") >= 2
