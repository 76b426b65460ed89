"""Plain-text narrative reports: bytes → text, with the encoding decision reported.

UTF-8 (with or without BOM) is tried first, then GB18030 (a superset of GBK/GB2312).
A file over the size cap, or one that looks binary (NUL bytes or many control
characters), is a clear problem rather than garbage text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_TEXT_BYTES = 20 * 1024 * 1024
"""A narrative report is a few hundred kB at most; 20 MB is a generous cap."""

_CONTROL_OK = {"\n", "\r", "\t", "\f", "\v"}


@dataclass(frozen=True)
class DecodedText:
    """The decoded text and how it was decoded, or the reason it could not be."""

    text: str | None
    encoding: str | None
    problem: str | None = None


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:65536]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in _CONTROL_OK)
    return controls / len(sample) > 0.01


def decode_bytes(data: bytes) -> DecodedText:
    """Decode report bytes: UTF-8-BOM, UTF-8, then GB18030; binary content is refused."""
    if b"\x00" in data[:65536]:
        return DecodedText(None, None, "不是文本文件（含二进制内容）/ not a text file (binary content)")
    candidates: list[tuple[str, bytes]] = []
    if data.startswith(b"\xef\xbb\xbf"):
        candidates.append(("utf-8-sig", data))
    candidates += [("utf-8", data), ("gb18030", data)]
    for encoding, raw in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            return DecodedText(None, None, "不是文本文件（含二进制内容）/ not a text file (binary content)")
        return DecodedText(text.replace("\r\n", "\n").replace("\r", "\n"), encoding)
    return DecodedText(
        None, None, "无法识别文本编码（支持 UTF-8、GB18030/GBK）/ unknown text encoding (UTF-8, GB18030/GBK supported)"
    )


def read_text_file(path: Path, *, max_bytes: int = MAX_TEXT_BYTES) -> DecodedText:
    """Read and decode ``path``, refusing files over ``max_bytes`` before reading them."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return DecodedText(
                None, None,
                f"文本文件过大（{size} 字节，上限 {max_bytes} 字节）/ text file too large ({size} bytes, limit {max_bytes})",
            )  # fmt: skip
        data = path.read_bytes()
    except OSError as exc:
        return DecodedText(None, None, f"无法读取文件 / cannot read file: {exc.strerror}")
    return decode_bytes(data)
