"""Reading narrative reports: the seed as .txt, .docx and .pdf, and a batch of text reports against the floor.

Part 1 reads the seed report (fixtures/narratives) in each format with ``read_narrative`` (decode or
parse, paragraphs, extraction, the model), best of ``--repeat``; the time per page counts the pages
of the seed's PDF (the same text, A4, 12 pt). The .docx and .pdf are built from the seed's text with
python-docx and fpdf2 (a TrueType CJK font from ``fc-list :lang=zh:fontformat=TrueType``), into benchmarks/out/narratives/.

Part 2, in the same run: ``--batch`` text reports (the seed under other department names), timed as
(a) the plain-text floor: read the bytes, decode, split paragraphs and run every extraction regex
(the narrative's and the claims');
(b) read: ``read_narrative`` on each file; (c) check: ``validate`` over the whole batch (reading,
normalizing, the rule pack, the report). Every report must give the seed's 8 findings.

    python benchmarks/narratives.py               # 1 000 reports
    python benchmarks/narratives.py --batch 50    # smoke run
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perfrules import validate  # noqa: E402
from perfrules.read import claims, narrative  # noqa: E402
from perfrules.read.narrative_formats import read_narrative  # noqa: E402

SEED = ROOT / "fixtures/narratives/shijiazhuang-zhengfawei-2020.txt"
OUT = ROOT / "benchmarks/out/narratives"
SEED_FINDINGS = 8


def _blocks() -> list[str]:
    return [" ".join(b.split()) for b in re.split(r"\n\s*\n", SEED.read_text(encoding="utf-8")) if b.strip()]


def build_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    for block in _blocks():
        document.add_paragraph(block)
    document.save(str(path))
    return path


def build_pdf(path: Path) -> tuple[Path, int]:
    from fpdf import FPDF

    listed = subprocess.run(
        ["fc-list", ":lang=zh:fontformat=TrueType", "file"], capture_output=True, text=True, check=False
    ).stdout
    fonts = sorted(line.split(":")[0] for line in listed.splitlines() if line.strip())
    if not fonts:
        raise SystemExit("no CJK font installed: run scripts/ensure-cjk-font")
    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=fonts[0])
    pdf.set_font("cjk", size=12)
    pdf.add_page()
    for block in _blocks():
        pdf.multi_cell(0, 7, block, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
    pdf.output(str(path))
    return path, pdf.pages_count


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def floor(paths: list[Path]) -> None:
    """The least any reader must do: read, decode, split and run the extraction's regexes."""
    patterns = [v for m in (narrative, claims) for v in vars(m).values() if isinstance(v, re.Pattern)]
    for path in paths:
        text = path.read_bytes().decode("utf-8")
        for para in narrative.paragraphs(text):
            for pattern in patterns:
                pattern.search(para)


def batch(n: int) -> list[Path]:
    folder = OUT / "batch"
    folder.mkdir(parents=True, exist_ok=True)
    text = SEED.read_text(encoding="utf-8")
    paths = []
    for i in range(n):
        path = folder / f"{i:05d}.txt"
        path.write_text(
            text.replace("中共石家庄市委政法委员会", f"中共石家庄市委政法委员会第{i}分会"), encoding="utf-8"
        )
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    pdf, pages = build_pdf(OUT / "seed.pdf")
    files = {"txt": SEED, "docx": build_docx(OUT / "seed.docx"), "pdf": pdf}
    figures: dict[str, object] = {"pages": pages}
    print(f"the seed report, {pages} pages (A4 PDF of the same text); best of {args.repeat}")
    for kind, path in files.items():
        read = read_narrative(path)
        if read.submission is None:
            print(f"{kind}: not read: {read.problems}", file=sys.stderr)
            return 1
        seconds = best(lambda p=path: read_narrative(p), args.repeat)
        figures[kind] = seconds
        print(
            f"  {kind:5s} {seconds * 1000:8.1f} ms   {seconds * 1000 / pages:7.1f} ms/page   {path.stat().st_size:>8} bytes"
        )
    paths = batch(args.batch)
    floor_s = best(lambda: floor(paths), 1)
    read_s = best(lambda: [read_narrative(p) for p in paths], 1)
    start = time.perf_counter()
    report = validate(paths)
    check_s = time.perf_counter() - start
    wrong = [s.source for s in report.submissions if len(s.findings) != SEED_FINDINGS]
    figures |= {"batch": args.batch, "floor": floor_s, "read": read_s, "check": check_s, "wrong": len(wrong)}
    print(f"{args.batch} text reports:")
    for name, seconds in (("floor", floor_s), ("read", read_s), ("check", check_s)):
        print(
            f"  {name:5s} {seconds:8.2f} s   {seconds * 1000 / args.batch:7.2f} ms/report   {seconds / floor_s:6.1f}x floor"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if wrong:
        print(
            f"{len(wrong)} reports did not give the seed's {SEED_FINDINGS} findings, e.g. {wrong[0]}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
