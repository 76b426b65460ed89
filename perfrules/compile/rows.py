"""The shape of a flagged row, shared by every compiled rule and every engine.

Each rule's query gives ``sub`` (which submission), ``rid`` (which row), ``path`` (its JSON
pointer), up to three identifying values, the located cell, and its evidence as ``ev_<name>``
columns. Engines return rows as dicts in this shape; findings are built from them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

Row = dict[str, Any]

ROW_COLUMNS = ("sub", "rid", "path", "ident_0", "ident_1", "ident_2", "location")
"""The columns every rule's rows carry, in this order, before the evidence."""


def decode_row(values: tuple[Any, ...]) -> Row:
    """A fused-query row (``rule_index``, the row columns, evidence as a JSON object) as a dict.

    Evidence is decoded with exact decimals, so the fused and the one-by-one paths render alike.
    """
    row: Row = dict(zip(ROW_COLUMNS, values[1:8], strict=True))
    if values[8] is not None:
        row.update(json.loads(values[8], parse_float=Decimal))
    return row
