"""Uploads stored byte for byte by their SHA-256, before they are checked; and sniffed by content."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath

TEXT_SUFFIXES = (".json", ".yaml", ".yml", ".txt", ".html", ".htm")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PACKAGED = {".xlsx": ("ZIP", "OLE"), ".xlsm": ("ZIP", "OLE"), ".xls": ("ZIP", "OLE"), ".docx": ("ZIP", "OLE"),
            ".doc": ("OLE", "ZIP"), ".pdf": ("PDF",)}  # fmt: skip
"""What the content of each binary type must start as (OLE: an encrypted OOXML file, which the reader names)."""
ACCEPTED = (*TEXT_SUFFIXES, *PACKAGED)
"""Every type ``perfrules check`` reads (read/inputs.READERS); a test keeps the two equal."""

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY = {
    _ZIP: "ZIP",
    _OLE: "OLE",
    b"%PDF": "PDF",
    b"\x7fELF": "ELF",
    b"MZ": "Windows executable",
    b"\x1f\x8b": "gzip",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"Rar!": "RAR",
    b"7z\xbc\xaf": "7z",
}


class Refused(ValueError):
    """An upload refused before checking, with the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def safe_name(filename: str | None) -> str:
    """The upload's base name (no folders, no control characters), as the report names it."""
    raw = filename or ""
    name = PureWindowsPath(PurePosixPath(raw).name).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip().lstrip(".")
    if not name:
        raise Refused(422, "缺少文件名 / the upload has no file name")
    stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
    suffix = suffix[:10]
    while len((stem + dot + suffix).encode("utf-8")) > 200:  # file systems allow 255 bytes
        stem = stem[:-1]
    return stem + dot + suffix


def sniff(name: str, raw: bytes) -> None:
    """Refuse a type the checker does not read, and a file whose content contradicts its name."""
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED:
        raise Refused(
            415, f"不支持的文件类型 {suffix or '(无)'} / unsupported file type; 可用 / accepted: {' '.join(ACCEPTED)}"
        )
    found = next((kind for magic, kind in _BINARY.items() if raw.startswith(magic)), None)
    if suffix in TEXT_SUFFIXES and found is not None:
        raise Refused(415, f"{name}: 内容是 {found} 文件，不是文本 / the content is a {found} file, not text")
    if suffix in PACKAGED and raw and found not in PACKAGED[suffix]:
        what = found or "文本 / text"
        kind = ("工作簿", "a workbook") if suffix in WORKBOOK_SUFFIXES else (f"{suffix} 文件", f"a {suffix} file")
        raise Refused(415, f"{name}: 内容不是{kind[0]}（{what}）/ the content is not {kind[1]} ({what})")


def digest(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def blob_path(root: Path, sha: str) -> Path:
    hexdigest = sha.removeprefix("sha256:")
    return root / hexdigest[:2] / hexdigest


def store(root: Path, raw: bytes) -> tuple[str, Path]:
    """Write the bytes once under their hash (atomically, fsynced); return the hash and path."""
    sha = digest(raw)
    target = blob_path(root, sha)
    if target.is_file():
        return sha, target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return sha, target
