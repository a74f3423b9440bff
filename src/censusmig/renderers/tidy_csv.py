"""Tidy CSV: one file per table, one row per cell (margins included), codes beside labels."""

from __future__ import annotations

from pathlib import Path

from censusmig.protection import Publication
from censusmig.tables.table import Table


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
    table.cells.write_csv(path)
    return path
