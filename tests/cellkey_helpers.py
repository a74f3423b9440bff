"""Hand-built count tables carrying record-key sums, for the cell-key and rounding tests."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import polars as pl

from censusmig.classifications.codes import TOTAL
from censusmig.dimensions.coding import Dimension
from censusmig.protection.keys import RECORD_KEYS
from censusmig.tables.table import N_UNWEIGHTED, VALUE, Accounting, Table

KEY = "_rk"
"""The record-key column of the microdata frames these helpers take."""


def table_of(cells: pl.DataFrame, dims: Sequence[str], recipe_id: str = "t") -> Table:
    """A count table from cells with a code column per dimension, n_unweighted and key sums."""
    cells = cells.with_columns(pl.col(N_UNWEIGHTED).cast(pl.Float64).alias(VALUE))
    grand = cells.filter(*(pl.col(d) == TOTAL for d in dims))
    universe = int(grand[N_UNWEIGHTED][0]) if grand.height else 0
    return Table(
        recipe_id=recipe_id,
        title="A test table",
        description="",
        universe_label="Persons",
        standard=(),
        rows=tuple(Dimension(d, d, (d,)) for d in dims[:1]),
        columns=tuple(Dimension(d, d, (d,)) for d in dims[1:]),
        cells=cells.select(
            *(c for d in dims for c in (pl.col(d), pl.col(d).alias(f"{d}_label"))),
            VALUE,
            N_UNWEIGHTED,
            RECORD_KEYS,
        ),
        notes=(),
        source="",
        weighted=False,
        accounting=Accounting(universe, float(universe), universe),
    )


def complete_cells(data: pl.DataFrame, dims: Sequence[str]) -> pl.DataFrame:
    """Every cell and margin of the cross-classification of ``dims`` observed in ``data``.

    A margin (a dimension at ``_T``) is the count and the record-key sum of all its records,
    as the engine computes it.
    """
    frames = []
    for size in range(len(dims), -1, -1):
        for kept in combinations(dims, size):
            grouped = (
                data.group_by(*kept).agg(pl.len().alias(N_UNWEIGHTED), pl.col(KEY).sum())
                if kept
                else data.select(pl.len().alias(N_UNWEIGHTED), pl.col(KEY).sum())
            )
            frames.append(
                grouped.select(
                    *(
                        pl.col(d).cast(pl.String) if d in kept else pl.lit(TOTAL).alias(d)
                        for d in dims
                    ),
                    pl.col(N_UNWEIGHTED).cast(pl.Int64),
                    pl.col(KEY).cast(pl.Int64).alias(RECORD_KEYS),
                )
            )
    return pl.concat(frames).sort(dims)


def counted(data: pl.DataFrame, dims: Sequence[str], recipe_id: str = "t") -> Table:
    """The complete count table of ``dims`` from microdata with record keys in :data:`KEY`."""
    return table_of(complete_cells(data, dims), dims, recipe_id)
