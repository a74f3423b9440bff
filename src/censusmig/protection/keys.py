"""Record keys and cell keys: the fixed randomness of the cell-key method and of rounding.

Every record gets a record key, a whole number from 0 to :data:`KEY_RANGE` - 1 that depends
only on the seed and the record's identifier (the profile's ``[data] person_id``, or its
record number in the file when the profile names none): the same record has the same key in
every run and every table, whatever the slices, threads or engine. The engine sums the keys
into every cell as the additive measure :data:`RECORD_KEYS`; a cell's key is that sum modulo
:data:`KEY_RANGE`, as in the ONS ``cell-key-perturbation`` package, so the same records give
the same cell key in whichever table they meet.

The hash is SplitMix64, written with 64-bit wrapping integer arithmetic (no library hash,
whose values may change between versions): the keys are a function of the seed and the ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import polars as pl

KEY_RANGE = 256
"""Record keys and cell keys run from 0 to 255 (the ONS package's default key range)."""
RECORD_KEYS = "_record_keys"
"""Internal measure: the sum of the record keys of a cell's records (Int64)."""
RECORD_NUMBER = "_record_number"
"""Internal column: the record's number in the file, the identifier when there is no id."""

_MASK = 2**64 - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


def _u64(value: int) -> pl.Expr:
    return pl.lit(value & _MASK, dtype=pl.UInt64)


def _shift(expr: pl.Expr, bits: int) -> pl.Expr:
    return expr // _u64(2**bits)


def mix64(expr: pl.Expr) -> pl.Expr:
    """SplitMix64's finaliser of a UInt64 expression (wrapping arithmetic)."""
    z = expr + _u64(_GAMMA)
    z = z.xor(_shift(z, 30)) * _u64(_M1)
    z = z.xor(_shift(z, 27)) * _u64(_M2)
    return z.xor(_shift(z, 31))


def mix64_int(value: int) -> int:
    """:func:`mix64` of one Python integer (the same numbers, for seeds and tests)."""
    z = (value + _GAMMA) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def _text_hash(series: pl.Series) -> pl.Series:
    """A stable 64-bit hash (BLAKE2b) of each text value; null stays null."""
    values = [
        None
        if text is None
        else int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        for text in series.to_list()
    ]
    return pl.Series(series.name, np.array([v or 0 for v in values], dtype=np.uint64)).set(
        pl.Series([v is None for v in values]), None
    )


def _as_u64(column: str, dtype: pl.DataType) -> pl.Expr:
    """An identifier column as UInt64: integers as they are, text as its number or hash."""
    col = pl.col(column)
    if dtype.is_integer():
        return col.cast(pl.Int64).reinterpret(signed=False)
    text = col.cast(pl.String).str.strip_chars()
    number = text.str.to_integer(strict=False)
    hashed = text.map_batches(_text_hash, return_dtype=pl.UInt64, is_elementwise=True)
    # "0012" and "12" are the same id; a text that is no number is hashed (a Python step,
    # about 1 s per million records).
    return pl.when(number.is_not_null()).then(number.reinterpret(signed=False)).otherwise(hashed)


def record_key(id_columns: Sequence[str], schema: pl.Schema, seed: int) -> pl.Expr:
    """Each record's key, 0 to :data:`KEY_RANGE` - 1 (Int64), from the seed and its ids.

    Args:
        id_columns: The columns that identify a record (``[data] person_id``), or
            ``[RECORD_NUMBER]`` when the profile names none.
        schema: The data's schema (how each id column is typed).
        seed: The record-key seed.

    Returns:
        An expression giving the key; a null id counts as the id 0 with a marker of its own.
    """
    key = _u64(mix64_int(seed))
    for position, column in enumerate(id_columns):
        dtype = schema[column] if column in schema else pl.Int64()
        value = _as_u64(column, dtype).fill_null(_u64(mix64_int(position + 1)))
        key = mix64(key.xor(value))
    return (key % _u64(KEY_RANGE)).cast(pl.Int64)


def cell_key(record_keys: pl.Expr | None = None) -> pl.Expr:
    """A cell's key: the sum of its record keys (:data:`RECORD_KEYS`) modulo the key range."""
    summed = pl.col(RECORD_KEYS) if record_keys is None else record_keys
    return (summed % KEY_RANGE).cast(pl.Int64)


def uniform(count: pl.Expr, seed: int, salt: int = 0) -> pl.Expr:
    """A fixed pseudo-random number in [0, 1) per cell, from its records' keys and count.

    The same records give the same number in every table and run (random rounding uses it
    so that the same cell is rounded the same way everywhere).

    Args:
        count: The cell's count (Int64).
        seed: The run's seed.
        salt: Separates independent uses of the same cell.
    """
    keys = pl.col(RECORD_KEYS).cast(pl.Int64).reinterpret(signed=False)
    counted = count.cast(pl.Int64).reinterpret(signed=False)
    mixed = mix64(mix64(_u64(mix64_int(seed ^ salt)).xor(keys)).xor(counted))
    return _shift(mixed, 11).cast(pl.Float64) / float(2**53)


def with_record_keys(frame: pl.LazyFrame, person_id: Sequence[str], seed: int) -> pl.LazyFrame:
    """The person file with each record's key in :data:`RECORD_KEYS`.

    Args:
        frame: The person file, lazily, whole (before any slicing: record numbers count
            from its first record).
        person_id: The profile's ``[data] person_id``; when empty, the record's number in
            the file is its identifier (the same file then gives the same keys).
        seed: The record-key seed.
    """
    ids = list(person_id)
    if not ids:
        frame = frame.with_row_index(RECORD_NUMBER)
        ids = [RECORD_NUMBER]
    return frame.with_columns(record_key(ids, frame.collect_schema(), seed).alias(RECORD_KEYS))


def records_read(
    frame: pl.LazyFrame, *, columns: Sequence[str], person_id: Sequence[str], seed: int | None
) -> pl.LazyFrame:
    """The person records as the tables read them: the columns read, and the record keys.

    A module-level function (bound with ``functools.partial``), so that a cluster engine can
    send it to its executors and prepare each partition as the driver prepares the file.

    Args:
        frame: The person records, lazily (the whole file, or one partition of it).
        columns: The data columns read (the profile's and the summed measures').
        person_id: The profile's ``[data] person_id``.
        seed: The record-key seed when the run's protection needs record keys (the
            :data:`RECORD_KEYS` column is then added), else None.
    """
    if seed is None:
        return frame.select(columns)
    keyed = with_record_keys(frame, person_id, seed)
    return keyed.select(*columns, *([] if RECORD_KEYS in columns else [RECORD_KEYS]))
