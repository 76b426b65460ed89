"""The plain-text reader: encodings, size cap, binary refusal."""

from __future__ import annotations

from pathlib import Path

from perfrules.read.text_file import decode_bytes, read_text_file

SEED = Path(__file__).parent.parent / "fixtures" / "narratives" / "shijiazhuang-zhengfawei-2020.txt"


def test_seed_text_is_utf8_and_names_the_department() -> None:
    got = read_text_file(SEED)
    assert got.problem is None and got.encoding == "utf-8"
    assert got.text is not None and "政法" in got.text


def test_bom_and_gb18030_are_decoded_and_reported() -> None:
    text = "中共石家庄市委政法委员会2020年度部门整体支出绩效自评报告\r\n涉密，略"
    bom = decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert bom.encoding == "utf-8-sig" and bom.text == text.replace("\r\n", "\n")
    gbk = decode_bytes(text.encode("gbk"))
    assert gbk.encoding == "gb18030" and gbk.text == text.replace("\r\n", "\n")


def test_binary_named_txt_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(bytes(range(256)) * 10)
    got = read_text_file(path)
    assert got.text is None and got.problem is not None and "二进制" in got.problem


def test_oversized_text_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes("政法".encode() * 100)
    got = read_text_file(path, max_bytes=100)
    assert got.text is None and got.problem is not None and "过大" in got.problem
