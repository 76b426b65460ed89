"""Checks an Office file must pass before any part of it is inflated: the xlsx reader's limits, for .docx too.

A zip bomb, a container with too many parts, an oversized main part, an encrypted (password-protected)
OOXML file, or an OLE file that is not OOXML at all: each is a reason, judged from the raw bytes and the
zip directory alone.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

from perfrules.read.workbook import (
    MAX_COMPRESSION_RATIO,
    MAX_SHEET_XML_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
    RATIO_CHECK_FLOOR,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK"
_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
MAX_PART_BYTES = MAX_SHEET_XML_BYTES
"""The main document part: a long report is a few MB of XML."""


def is_encrypted_ole(raw: bytes) -> bool:
    """An encrypted OOXML file is an OLE container whose directory names the encryption streams."""
    return raw.startswith(OLE_MAGIC) and any(name in raw for name in _ENCRYPTION_STREAMS)


def zip_problem(raw: bytes, main_part: str, what: str) -> str | None:
    """Why this Office zip must not be opened, or None; ``main_part`` is the part it must hold."""
    try:
        with zipfile.ZipFile(BytesIO(raw)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return (
            f"文件已损坏或不完整（无法读取 zip 目录）/ the {what} is corrupt or truncated (no readable zip directory)"
        )
    if len(entries) > MAX_ZIP_ENTRIES:
        return f"zip 内文件过多 ({len(entries)}) / too many parts in the {what} ({len(entries)})"
    by_name = {e.filename: e for e in entries}
    if main_part not in by_name:
        return (
            f"这是 zip 文件但不是 {what}（缺少 {main_part}）/ this is a zip archive but not a {what} (no {main_part})"
        )
    unpacked = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        return (
            f"解压后过大（{unpacked} 字节，上限 {MAX_UNCOMPRESSED_BYTES}），疑似 zip 炸弹 / "
            f"refused: {unpacked} bytes uncompressed exceeds {MAX_UNCOMPRESSED_BYTES} (possible zip bomb)"
        )
    if unpacked > RATIO_CHECK_FLOOR and unpacked > MAX_COMPRESSION_RATIO * max(packed, 1):
        return (
            f"压缩比异常（{unpacked // max(packed, 1)}:1，上限 {MAX_COMPRESSION_RATIO}:1），疑似 zip 炸弹 / "
            f"refused: compression ratio {unpacked // max(packed, 1)}:1 exceeds {MAX_COMPRESSION_RATIO}:1 (possible zip bomb)"
        )
    if by_name[main_part].file_size > MAX_PART_BYTES:
        size = by_name[main_part].file_size
        return f"正文过大（{size} 字节）/ refused: {main_part} holds {size} bytes of XML (limit {MAX_PART_BYTES})"
    return None
