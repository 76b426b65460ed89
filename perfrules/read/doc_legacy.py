"""A legacy Word (.doc) report: converted to .docx by LibreOffice when it is installed, then read as .docx.

The conversion runs ``soffice --headless --convert-to docx`` in a private temporary folder, with a
timeout, on a copy of the file; the original is never touched. Without LibreOffice the report is a
clear problem naming the install (exit 2). An encrypted .doc is refused before any conversion.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from perfrules.read.documents import ReadResult
from perfrules.read.narrative import load_bytes, problem_result

CONVERT_TIMEOUT_S = 120
_OFFICE_BINARIES = ("soffice", "libreoffice")
NO_OFFICE = (
    "读取旧版 Word (.doc) 需要 LibreOffice：请安装（如 apt-get install libreoffice-writer），或将文件另存为 .docx / "
    "reading legacy Word (.doc) needs LibreOffice: install it (e.g. apt-get install libreoffice-writer) or save the file as .docx"
)
_ENCRYPTED_DOC = "Word 文档已加密（设有打开密码），请去除密码后重新提交 / the Word document is password-protected; remove the password and resubmit"


def office_binary() -> str | None:
    """LibreOffice's command on this machine, or None."""
    return next((found for name in _OFFICE_BINARIES if (found := shutil.which(name))), None)


def _word_encrypted(raw: bytes) -> bool:
    """A .doc whose FIB says fEncrypted (bit 8 of the flags at offset 0x0A of the WordDocument stream).

    Without an OLE parser the stream is found by its signature (0xA5EC) at the start of a 512-byte
    sector, where the FIB starts.
    """
    for at in range(512, min(len(raw), 1 << 20) - 12, 512):
        if raw[at : at + 2] == b"\xec\xa5":
            return bool(raw[at + 11] & 0x01)
    return False


def read_doc(path: Path) -> ReadResult:
    """Convert ``path`` with LibreOffice and read the result as .docx, reported under the original name."""
    from perfrules.read.docx_text import docx_result
    from perfrules.read.ooxml_guard import is_encrypted_ole

    source = str(path)
    raw, digest, reason = load_bytes(path)
    if raw is None:
        return problem_result(source, digest, reason or "无法读取")
    if is_encrypted_ole(raw) or _word_encrypted(raw):
        return problem_result(source, digest, _ENCRYPTED_DOC)
    office = office_binary()
    if office is None:
        return problem_result(source, digest, NO_OFFICE)
    with tempfile.TemporaryDirectory(prefix="perfrules-doc-") as work:
        copy = Path(work) / "report.doc"
        copy.write_bytes(raw)
        command = [office, "--headless", "--norestore", f"-env:UserInstallation=file://{work}/profile"]
        command += ["--convert-to", "docx", "--outdir", work, str(copy)]
        try:
            subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return problem_result(source, digest, f"LibreOffice 转换失败 / LibreOffice conversion failed: {exc}")
        converted = Path(work) / "report.docx"
        if not converted.is_file():
            return problem_result(
                source,
                digest,
                "LibreOffice 无法转换该 .doc（文件损坏？）/ LibreOffice could not convert this .doc (corrupt?)",
            )
        return docx_result(source, digest, converted.read_bytes())
