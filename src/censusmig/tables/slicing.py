"""Slices of the person file: how a large file is read a part at a time, in file order."""

from __future__ import annotations

import polars as pl


def slices(frame: pl.LazyFrame, batch_rows: int | None) -> list[pl.LazyFrame]:
    """The file whole, or in slices of ``batch_rows`` records, in file order.

    Args:
        frame: The person file, lazily.
        batch_rows: Records per slice, or None for the whole file as one.

    Returns:
        The slices; at least one (an empty file is one empty slice).
    """
    if batch_rows is None:
        return [frame]
    # Slicing the scan itself lets the reader skip to the slice's rows.
    records = int(frame.select(pl.len()).collect().item())
    return [frame.slice(start, batch_rows) for start in range(0, max(records, 1), batch_rows)]
