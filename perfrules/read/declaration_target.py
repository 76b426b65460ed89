"""A declared target ("达到95%以上", "总成本不超9万", "≧1宗") read by the self-evaluation grammar.

Declarations state targets in words around the number. The grammar of ``cells.measure`` reads
"≥95%" and "95%以上"; this module first strips the verbs a submitter writes in front of it
("达到", "保持", "控制在", "总成本") and spells out the short "不超" so that the same grammar applies.
"""

from __future__ import annotations

import re
import unicodedata

from perfrules.read.cells import CellValue, Measure, measure

_LEADING = re.compile(r"^(?:(?:总成本|成本|费用|单价)?(?:达到|达|实现|完成|覆盖|保持|维持|确保|控制在|约为|约)?)")
_SHORT_LTE = re.compile(r"^不超(?!过)")
_TRAILING = re.compile(r"(?:左右|及其以上)$")
_TWO_NUMBERS = re.compile(r"\d\s+\d")
_WITHIN = re.compile(r"(?<!以)(?:之内|内)$")


def declared_measure(value: CellValue, number_format: str = "General") -> Measure:
    """``measure`` of the cell's text without its leading verb, else of the cell as it is (never a guess)."""
    if isinstance(value, str) and _TWO_NUMBERS.search(value.strip()):  # "102\n120": two targets, not 102120
        return Measure(value=value.strip(), blank=False, text=value.strip())
    first = measure(value, number_format)
    if not isinstance(value, str):
        return first
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    stripped = _LEADING.sub("", text, count=1)
    stripped = _WITHIN.sub("以内", _SHORT_LTE.sub("不超过", _TRAILING.sub("", stripped)))
    if stripped == text or not stripped:  # nothing to strip: the grammar has already said
        return first
    second = measure(stripped, number_format)
    if not second.quantitative:
        return first
    return Measure(second.comparator, second.value, second.unit, quantitative=True, blank=False, text=value.strip())
