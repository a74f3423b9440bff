"""The synthetic sample census of Quetzalia (a fictional country), for tests and training.

``generate_census(persons, seed)`` returns a whole census as one Polars frame;
``iter_census_chunks(persons, seed)`` streams the same population model in chunks, for files of
any size; :mod:`censusmig.synth.write` writes it to CSV, Parquet, SPSS or Stata. The population
rules are in :mod:`censusmig.synth.rules`, written to be read.

Example:
    >>> from censusmig.synth import generate_census
    >>> census = generate_census(1_000, seed=2025)
    >>> census.height
    1000
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from censusmig.synth._engine import SCHEMA, empty_frame, iter_chunks
from censusmig.synth.rules import COLUMNS, REFERENCE_DATE, REGION_DISTRICTS, REGION_NAMES

__all__ = [
    "COLUMNS",
    "REFERENCE_DATE",
    "REGION_DISTRICTS",
    "REGION_NAMES",
    "SCHEMA",
    "generate_census",
    "iter_census_chunks",
]

DEFAULT_CHUNK_SIZE = 1_000_000
"""Rows per chunk; generate_census is the concatenation of chunks of this size."""


def _check(persons: int, seed: int, chunk_size: int) -> None:
    for name, value, minimum in (("persons", persons, 0), ("seed", seed, 0),
                                 ("chunk_size", chunk_size, 1)):  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        if value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")


def iter_census_chunks(
    persons: int, seed: int, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[pl.DataFrame]:
    """Generate a synthetic census in chunks, without holding it all in memory.

    Every chunk holds whole households (except that the last household of a chunk may be cut
    short) and has its own random stream derived from ``seed`` and the chunk number, so the
    concatenated output is deterministic for a given ``(persons, seed, chunk_size)``.

    Args:
        persons: Total number of persons (rows), >= 0.
        seed: Random seed, >= 0.
        chunk_size: Rows per chunk, >= 1 (the last chunk may be smaller).

    Returns:
        An iterator of frames with the columns of ``COLUMNS`` (dtypes ``SCHEMA``); PERSON_ID
        runs 1..persons and HH_ID is unique across chunks.

    Raises:
        TypeError: If an argument is not an integer.
        ValueError: If an argument is out of range.
    """
    _check(persons, seed, chunk_size)
    return iter_chunks(persons, seed, chunk_size)


def generate_census(persons: int, seed: int) -> pl.DataFrame:
    """Generate a synthetic census of Quetzalia.

    The same as concatenating ``iter_census_chunks(persons, seed)`` with the default chunk
    size.

    Args:
        persons: Number of persons (rows), >= 0.
        seed: Random seed, >= 0; the same seed gives the same frame.

    Returns:
        A frame with exactly ``persons`` rows and the columns of ``COLUMNS`` in that order:
        integer codes (Int32; PERSON_ID and HH_ID Int64), no nulls.

    Raises:
        TypeError: If an argument is not an integer.
        ValueError: If an argument is out of range.
    """
    chunks = list(iter_census_chunks(persons, seed))
    if not chunks:
        return empty_frame()
    return pl.concat(chunks, rechunk=True)
