"""Which dimensions of a table go down the stub and which across, in the report and workbook.

A recipe's ``rows`` and ``columns`` order its tidy cells; a published table must also fit a
page and a screen. The recipe may state its layout (``[layout] stub``/``spanners``); else the
automatic rule of :func:`arrange` chooses one of at most :data:`MAX_COLUMNS` value columns
where it can.
"""

from __future__ import annotations

from dataclasses import dataclass

from censusmig.classifications.codes import TOTAL
from censusmig.dimensions.coding import Dimension
from censusmig.tables.table import Table

MAX_COLUMNS = 12
"""The most value columns a published table should have: what a landscape page and a
1366-pixel screen show with a stub, at one figure of up to seven digits a column."""


@dataclass(frozen=True)
class Arrangement:
    """A table's published layout.

    Attributes:
        stub: Dimensions down the stub, outer first.
        spanners: Dimensions across, outer first.
        blocks: How many of the outer stub dimensions are blocks (panels) that came from the
            recipe's columns ("Both sexes", "Male", "Female", each with its rows): their
            totals are not bold rows.
    """

    stub: tuple[Dimension, ...]
    spanners: tuple[Dimension, ...]
    blocks: int = 0


def widths(table: Table) -> dict[str, int]:
    """Dimension name -> how many rows or columns it spans in a published table.

    An outer category without sub-categories of its own counts once (see
    :func:`censusmig.renderers.layout.grid`).
    """
    found = {}
    for dimension in table.dimensions:
        parts = table.cells.select(dimension.levels).unique().rows()
        detailed = {p[0] for p in parts if len(p) > 1 and p[-1] not in (TOTAL, p[0])}
        hidden = [
            p for p in parts if len(p) > 1 and p[0] not in (TOTAL, *detailed) and p[-1] == TOTAL
        ]
        found[dimension.name] = len(parts) - len(hidden)
    return found


def arrange(table: Table, max_columns: int = MAX_COLUMNS) -> Arrangement:
    """Choose the stub and the spanners of a published table.

    The recipe's ``[layout]`` wins when it states one. Else the rule, in two steps:

    1. While the spanners are wider than ``max_columns`` value columns and there is more than
       one, the outermost spanner becomes the outermost block of the stub (sex: rows "Both
       sexes", "Male", "Female", each with its own rows, instead of a spanner repeated per
       sex).
    2. If the one spanner left is still too wide, it swaps places with the recipe's widest
       stub dimension that fits (the age groups of a table of place of residence go down the
       stub and the places across); if none fits, it stays (a classification of countries is
       never laid across).

    Args:
        table: A table as shown (:func:`censusmig.renderers.presentation.present`).
        max_columns: The most value columns wanted.

    Returns:
        The stub and spanner dimensions.
    """
    by_name = {d.name: d for d in table.dimensions}
    layout = table.layout
    if layout.stub and layout.spanners:
        stub = tuple(by_name[name] for name in layout.stub)
        moved = next((i for i, d in enumerate(stub) if d not in table.columns), len(stub))
        return Arrangement(stub, tuple(by_name[name] for name in layout.spanners), moved)
    width = widths(table)

    def across(dimensions: list[Dimension]) -> int:
        product = 1
        for dimension in dimensions:
            product *= width[dimension.name]
        return product

    blocks: list[Dimension] = []
    rows, columns = list(table.rows), list(table.columns)
    while len(columns) > 1 and across(columns) > max_columns:
        blocks.append(columns.pop(0))
    if columns and across(columns) > max_columns:
        fitting = [d for d in rows if width[d.name] <= max_columns]
        if fitting:
            chosen = max(fitting, key=lambda d: width[d.name])
            rows[rows.index(chosen)] = columns[0]
            columns = [chosen]
    return Arrangement((*blocks, *rows), tuple(columns), len(blocks))
