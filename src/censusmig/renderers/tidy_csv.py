"""Tidy CSV: one file per table, one row per cell (margins included), codes beside labels.

A protected table's file always has the ``flag`` column (``x``: suppressed, no value), and
holds the published values only: its ``value`` and ``n_unweighted`` are those protection
published, never the computed ones.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from censusmig.protection import Publication
from censusmig.tables.table import FLAG, Table


def render(publication: Publication, out: Path) -> tuple[Path, ...]:
    """Write ``<out>/csv/<recipe-id>.csv`` for every published table, in order."""
    return tuple(write_csv(table, out / "csv") for table in publication.tables)


def write_csv(table: Table, folder: Path) -> Path:
    """Write ``<folder>/<recipe-id>.csv`` (UTF-8, comma-separated, header row).

    Args:
        table: The published table.
        folder: Output folder, created if needed.

    Returns:
        The file written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table.recipe_id}.csv"
    cells = table.cells
    if table.protection is not None and FLAG not in cells.columns:
        # The last of the measures' columns: where a method that flags cells puts it.
        cells = cells.with_columns(pl.lit(None, dtype=pl.String).alias(FLAG))
    cells.write_csv(path)
    return path
