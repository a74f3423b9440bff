"""Unbiased random rounding of counts to a base (3 or 5).

A count ``c = q * base + r`` is published as ``(q + 1) * base`` with probability
``r / base`` and as ``q * base`` otherwise, so its expected published value is ``c``
(unbiased). Every cell is rounded on its own, margins included: a published total is rounded
from the computed total, not added up from its rounded parts, and so is in general not their
sum.

The draw is not random per run: it is :func:`censusmig.protection.keys.uniform` of the cell's
record-key sum and count, so the same records make the same cell, rounded the same way, in
every table and every run (a cell cannot be averaged out over repeated runs or tables).

**Small counts.** Only multiples of the base are published: counts 1 to ``base - 1`` become
0 or ``base`` (with base 3, a 1 is published as 3 with probability 1/3 and as 0 otherwise, a
2 as 3 with probability 2/3), so no count of 1 or 2 is ever published. A multiple of the base
stays as it is, and a count of 0 stays 0.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from censusmig.protection.cellkey import check_count_table
from censusmig.protection.keys import RECORD_KEYS, uniform
from censusmig.tables.table import N_UNWEIGHTED, VALUE, Table

ROUNDING_SALT = 0
"""The :func:`~censusmig.protection.keys.uniform` salt of rounding's draw."""


def round_randomly(table: Table, base: int, seed: int) -> Table:
    """Round every cell of a count table up or down to a multiple of ``base``, unbiased.

    Args:
        table: A computed count table (unweighted), carrying the record-key sums.
        base: The rounding base (3 or 5; any base of 2 or more works).
        seed: The run's protection seed.

    Returns:
        The table with ``value`` and ``n_unweighted`` both the rounded count, in the same rows
        and order.

    Raises:
        CensusmigError: The table is weighted, or has no record-key sums.
        ValueError: The base is below 2.
    """
    if base < 2:
        raise ValueError(f"a rounding base is 2 or more (got {base})")
    check_count_table(table, f"rounding to base {base}")
    count = pl.col(N_UNWEIGHTED)
    remainder = count % base
    draw = uniform(count, seed, ROUNDING_SALT)
    up = draw < remainder.cast(pl.Float64) / base
    rounded = (count - remainder + pl.when(up).then(base).otherwise(0)).cast(pl.Int64)
    cells = table.cells.with_columns(pl.col(RECORD_KEYS).fill_null(0)).with_columns(
        rounded.alias(N_UNWEIGHTED)
    )
    cells = cells.with_columns(
        pl.col(N_UNWEIGHTED).cast(table.cells.schema[VALUE]).alias(VALUE),
        table.cells[RECORD_KEYS].alias(RECORD_KEYS),
    )
    return replace(table, cells=cells)
