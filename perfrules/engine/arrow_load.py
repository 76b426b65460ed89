"""Column lists → Arrow buffers → DuckDB, without pyarrow's Python-object conversion.

``pyarrow.array(list)`` imports pandas whenever pandas is installed (to sniff pandas
types), which costs more than validating a whole submission. Building arrays from raw
buffers avoids that path entirely. Nulls are written as sentinels and turned back into
NULL by the INSERT ... SELECT, so no validity bitmaps need packing in Python.
"""

from __future__ import annotations

import array
import datetime as dt
import itertools
from decimal import Decimal

import pyarrow as pa

from perfrules.tables.spec import DECIMAL, TableSpec

NULL_INT = -(2**63)
NULL_TEXT = "\x00"
_EPOCH = dt.date(1970, 1, 1)
_SCALE = Decimal(10) ** 4


def _int64(values: list[int]) -> pa.Array:
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(array.array("q", values))])


def _text(values: list[object]) -> pa.Array:
    encoded = [(NULL_TEXT if v is None else str(v).replace(NULL_TEXT, "")).encode() for v in values]
    offsets = array.array("q", [0, *itertools.accumulate(len(e) for e in encoded)])
    return pa.Array.from_buffers(
        pa.large_string(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )


def _encode(sql_type: str, values: list[object]) -> pa.Array:
    if sql_type == "VARCHAR":
        return _text(values)
    if sql_type == DECIMAL:
        # Exact: a Decimal with at most four places times 10^4 is an integer.
        return _int64([NULL_INT if v is None else int(v * _SCALE) for v in values])  # type: ignore[operator]
    if sql_type == "DATE":
        return _int64([NULL_INT if v is None else (v - _EPOCH).days for v in values])  # type: ignore[operator]
    if sql_type == "BOOLEAN":
        return _int64([NULL_INT if v is None else int(bool(v)) for v in values])
    return _int64([NULL_INT if v is None else int(v) for v in values])  # type: ignore[call-overload]


def _decode(name: str, sql_type: str) -> str:
    col = f'"{name}"'
    if sql_type == "VARCHAR":
        return f"NULLIF({col}, chr(0))"
    if sql_type == DECIMAL:
        return (
            f"CASE WHEN {col} = {NULL_INT} THEN NULL ELSE "
            f"CAST(CAST({col} AS DECIMAL(18,0)) * CAST(0.0001 AS DECIMAL(5,4)) AS DECIMAL(18,4)) END"
        )
    if sql_type == "DATE":
        return f"CASE WHEN {col} = {NULL_INT} THEN NULL ELSE DATE '1970-01-01' + CAST({col} AS INTEGER) END"
    if sql_type == "BOOLEAN":
        return f"CASE WHEN {col} = {NULL_INT} THEN NULL ELSE {col} <> 0 END"
    return f"CAST(NULLIF({col}, {NULL_INT}) AS {sql_type})"


def staging_table(spec: TableSpec, columns: dict[str, list[object]]) -> pa.Table:
    """The table's columns as sentinel-encoded Arrow arrays."""
    cols = spec.all_columns
    return pa.Table.from_arrays([_encode(c.type, columns[c.name]) for c in cols], names=[c.name for c in cols])


def insert_sql(spec: TableSpec, staging: str) -> str:
    """INSERT that decodes the staging table's sentinels back into typed, nullable columns."""
    select = ", ".join(_decode(c.name, c.type) for c in spec.all_columns)
    return f'INSERT INTO "{spec.name}" SELECT {select} FROM {staging}'
