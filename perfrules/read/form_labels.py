"""The header vocabulary of official 自评表 forms, kept as data beside the rules.

``rules/forms/labels.csv`` maps each header label a form may use ("全年实际值", "权重",
"年初目标值") to the field it fills. A rule author adds a region's wording with one CSV line
and no code; a pack named by ``$PERFRULES_RULES`` may carry its own ``forms/labels.csv``,
whose lines are added to the shipped ones. Labels are compared as ``label_key`` reduces them:
brackets, spaces and a trailing colon do not count.
"""

from __future__ import annotations

import csv
import functools
import io
import os
from pathlib import Path

from perfrules.read.cells import label_key

BLOCKS = ("budget", "indicator")
FIELDS: dict[str, tuple[str, ...]] = {
    "budget": ("initial_budget", "annual_budget", "executed", "weight", "rate", "score", "explanation"),
    "indicator": (
        "level1",
        "level2",
        "name",
        "comparator",
        "target",
        "adjusted_target",
        "unit",
        "actual",
        "weight",
        "score",
        "score_coefficient",
        "deviation_explanation",
    ),
}
LABELS_FILE = Path("forms") / "labels.csv"
UNREAD = "unread"
"""The field of a column a form has and perfrules does not read on purpose (评分标准, 指标解释): it is
neither mapped nor reported as 未识别的列."""


def _shipped() -> Path:
    here = Path(__file__).resolve().parents[1]
    packaged = here / "_rules" / LABELS_FILE
    return packaged if packaged.is_file() else here.parent / "rules" / LABELS_FILE


def _rows(path: Path) -> list[tuple[str, str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        block, name, label = (str(row.get(k) or "").strip() for k in ("block", "field", "label"))
        if block in FIELDS and (name in FIELDS[block] or name == UNREAD) and label_key(label):
            out.append((block, name, label_key(label)))
    return out


@functools.cache
def _vocabulary(extra: str | None) -> dict[str, dict[str, tuple[str, ...]]]:
    rows = _rows(_shipped()) + (_rows(Path(extra) / LABELS_FILE) if extra else [])
    vocab: dict[str, dict[str, list[str]]] = {b: {f: [] for f in FIELDS[b]} for b in BLOCKS}
    for block, name, label in rows:
        if name != UNREAD and label not in vocab[block][name]:
            vocab[block][name].append(label)
    return {b: {f: tuple(labels) for f, labels in fields.items()} for b, fields in vocab.items()}


def columns(block: str) -> dict[str, tuple[str, ...]]:
    """Field → the header labels that name it, for ``budget`` or ``indicator``."""
    return _vocabulary(os.environ.get("PERFRULES_RULES") or None)[block]


@functools.cache
def _unread(extra: str | None) -> frozenset[str]:
    rows = _rows(_shipped()) + (_rows(Path(extra) / LABELS_FILE) if extra else [])
    return frozenset(label for _block, name, label in rows if name == UNREAD)


def unread_labels() -> frozenset[str]:
    """The header labels of columns that are known and deliberately not read (field ``unread``)."""
    return _unread(os.environ.get("PERFRULES_RULES") or None)
