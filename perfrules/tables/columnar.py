"""Tables as Arrow: exact types, dictionary-coded text, built in chunks while normalizing.

A big batch is held as Arrow, not as Python lists, and the engine scans it in place. Text
columns repeat a few values (states, comparators, level names, one name per project), so
each chunk stores them once as a dictionary; numbers stay exact as ``decimal64(18, 4)``.

The arrays are built from raw buffers: ``pyarrow.array(list)`` imports pandas whenever it
is installed, which costs more than validating a whole submission.
"""

from __future__ import annotations

import array
import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from perfrules.errors import InputError
from perfrules.tables.columns import DECIMAL, Column, TableSpec

DECIMAL_TYPE = pa.decimal64(18, 4)
"""Eight bytes, like DuckDB's own DECIMAL(18,4); decimal128 would double the money columns."""
TEXT_TYPE = pa.dictionary(pa.int32(), pa.string())
ENUM_TYPE = pa.dictionary(pa.int8(), pa.string())
_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": TEXT_TYPE,
    DECIMAL: DECIMAL_TYPE,
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
}
_EPOCH = dt.date(1970, 1, 1)
_SCALE = Decimal(10) ** 4
_NULL = -1


class TableShapeError(InputError):
    """An Arrow table that does not have the columns or types of its table spec."""


def arrow_type(column: Column) -> pa.DataType:
    """The Arrow type a column is stored as (dictionary-encoded text for enumerated columns)."""
    return ENUM_TYPE if column.enumerated else _ARROW_TYPES[column.type]


def schema(spec: TableSpec) -> pa.Schema:
    """A table spec's Arrow schema, every column including the ``<name>_state`` companions."""
    return pa.schema([pa.field(c.name, arrow_type(c), nullable=c.nullable) for c in spec.all_columns])


def encode(spec: TableSpec, columns: dict[str, list[object]]) -> pa.Table:
    """Column lists, as ``normalize`` builds them, as one Arrow table of the spec's schema."""
    arrays = [_encode_column(c, columns[c.name]) for c in spec.all_columns]
    return pa.Table.from_arrays(arrays, schema=schema(spec))


def empty(spec: TableSpec) -> pa.Table:
    """An Arrow table of the spec's schema with no rows."""
    return schema(spec).empty_table()


def conform(spec: TableSpec, table: pa.Table) -> pa.Table:
    """An Arrow table built elsewhere, checked and cast to the spec's schema.

    Casts only where no value can change: integers to wider integers or to decimals, text
    to dictionary text. Floats are refused for DECIMAL columns (0.1 is not exact in binary).
    """
    missing = [c.name for c in spec.all_columns if c.name not in table.column_names]
    if missing:
        raise TableShapeError(f"表 {spec.name} 缺少列 / table {spec.name} lacks column(s): {', '.join(missing)}")
    arrays = []
    for column in spec.all_columns:
        values = table.column(column.name)
        target = arrow_type(column)
        if values.type != target:
            if column.type == DECIMAL and pa.types.is_floating(values.type):
                raise TableShapeError(
                    f"{spec.name}.{column.name}: 浮点数不是精确数 / floats are not exact; "
                    "use decimal64, decimal128 or integers"
                )
            try:
                if column.type == "VARCHAR":
                    values = pc.cast(values, pa.string()).dictionary_encode()
                    values = pc.cast(values, target)
                else:
                    values = pc.cast(values, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise TableShapeError(
                    f"{spec.name}.{column.name}: {values.type} 不能转为 / cannot become {column.type}: {exc}"
                ) from exc
        if not column.nullable and values.null_count:
            raise TableShapeError(f"{spec.name}.{column.name}: 不可为空 / must not be NULL")
        arrays.append(values)
    return pa.Table.from_arrays(arrays, schema=schema(spec))


def to_lists(table: pa.Table) -> dict[str, list[object]]:
    """Back to Python values (str, Decimal, date, bool, int), as ``normalize`` builds them."""
    return {name: table.column(name).to_pylist() for name in table.column_names}


# --------------------------------------------------------------------------- encoding


def _encode_column(column: Column, values: list[object]) -> pa.Array:
    if column.type in ("INTEGER", "BIGINT"):
        return _integers(values, column.type)
    # Everything else repeats: code each value once, convert only the distinct ones.
    index: dict[object, int] = {}
    codes = array.array("i", [index.setdefault(v, len(index)) for v in values])
    distinct = list(index)
    dictionary = _DISTINCT[column.type](distinct)
    indices = _with_nulls(
        pa.Array.from_buffers(pa.int32(), len(codes), [None, pa.py_buffer(codes)]),
        index.get(None, _NULL),
    )
    if column.type == "VARCHAR":
        if column.enumerated:
            indices = pc.cast(indices, pa.int8())  # safe cast: more than 127 values fails loudly
        return pa.DictionaryArray.from_arrays(indices, dictionary)
    return pc.take(dictionary, indices)


def _with_nulls(codes: pa.Array, null_code: int) -> pa.Array:
    if null_code == _NULL:
        return codes
    return pc.if_else(pc.equal(codes, scalar(null_code, codes.type)), pa.nulls(1, codes.type)[0], codes)


def scalar(value: int, kind: pa.DataType) -> pa.Scalar:
    """An integer scalar built from a buffer: ``pa.scalar(1)`` imports pandas too."""
    width = {4: "i", 8: "q"}[kind.bit_width // 8]
    return pa.Array.from_buffers(kind, 1, [None, pa.py_buffer(array.array(width, [value]))])[0]


def _integers(values: list[object], sql_type: str) -> pa.Array:
    width, kind = ("i", pa.int32()) if sql_type == "INTEGER" else ("q", pa.int64())
    try:
        buffer = array.array(width, cast("list[int]", values))
    except TypeError:  # a None among them
        sentinel = -(2 ** (31 if width == "i" else 63))
        buffer = array.array(width, [sentinel if v is None else cast(int, v) for v in values])
        return _with_nulls(pa.Array.from_buffers(kind, len(buffer), [None, pa.py_buffer(buffer)]), sentinel)
    return pa.Array.from_buffers(kind, len(buffer), [None, pa.py_buffer(buffer)])


def _text(distinct: Sequence[object]) -> pa.Array:
    encoded = [b"" if v is None else str(v).encode() for v in distinct]
    offsets = array.array("i", [0, *itertools.accumulate(len(e) for e in encoded)])
    return pa.Array.from_buffers(
        pa.string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )


def _decimals(distinct: Sequence[object]) -> pa.Array:
    # decimal64 is an 8-byte integer of 10^-4; the model allows at most four places and 18 digits.
    scaled = array.array("q", [0 if v is None else int(cast(Decimal, v) * _SCALE) for v in distinct])
    return pa.Array.from_buffers(DECIMAL_TYPE, len(distinct), [None, pa.py_buffer(scaled)])


def _dates(distinct: Sequence[object]) -> pa.Array:
    days = array.array("i", [0 if v is None else (v - _EPOCH).days for v in distinct])  # type: ignore[operator]
    return pa.Array.from_buffers(pa.date32(), len(days), [None, pa.py_buffer(days)])


def _booleans(distinct: Sequence[object]) -> pa.Array:
    bits = sum(1 << i for i, v in enumerate(distinct) if v)
    return pa.Array.from_buffers(
        pa.bool_(), len(distinct), [None, pa.py_buffer(bits.to_bytes(len(distinct) // 8 + 1, "little"))]
    )


_DISTINCT: dict[str, Callable[[Sequence[object]], pa.Array]] = {
    "VARCHAR": _text,
    DECIMAL: _decimals,
    "DATE": _dates,
    "BOOLEAN": _booleans,
}
