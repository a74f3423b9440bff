"""The Table value handed to renderers: tidy cells plus layout, notes and record accounting.

A Table is built once by the engine and never changed; renderers only read it (great-tables'
"build first, render second").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from censusmig.dimensions.coding import Dimension
from censusmig.recipes.model import Condition, TableLayout

VALUE = "value"
"""The published estimate of a cell: its count, or the sum of its weights."""
N_UNWEIGHTED = "n_unweighted"
"""The records in a cell."""
PERCENT = "percent"
"""A cell's value as a share of its total over the recipe's ``percent_of`` dimensions."""

MEASURES: tuple[str, ...] = (
    VALUE,
    N_UNWEIGHTED,
    PERCENT,
    "se",
    "moe",
    "cv",
    "ci_lower",
    "ci_upper",
    "flag",
)
"""Every non-dimension column a tidy table may carry; any other column is a dimension level
or its ``<level>_label``."""


@dataclass(frozen=True)
class Accounting:
    """Where the records of a table's universe went.

    Attributes:
        universe: Records in the universe (= the grand total's unweighted count).
        weighted_universe: Sum of the weights of those records.
        inner_cells_total: Records counted over the inner cells (must equal ``universe``).
        not_stated: Dimension -> records coded ``_U``.
        unknown_code: Dimension -> records coded ``_X`` (a source code in no code list).
    """

    universe: int
    weighted_universe: float
    inner_cells_total: int
    not_stated: Mapping[str, int] = field(default_factory=dict)
    unknown_code: Mapping[str, int] = field(default_factory=dict)

    @property
    def reconciles(self) -> bool:
        """True when every record of the universe is in exactly one inner cell."""
        return self.universe == self.inner_cells_total


@dataclass(frozen=True)
class Table:
    """One computed table.

    Attributes:
        recipe_id: Recipe it was computed from.
        title: Table title.
        description: Plain-words description.
        universe_label: Who is counted.
        standard: Standards the table follows.
        rows: Stub dimensions, outer first.
        columns: Spanner dimensions, outer first.
        cells: Tidy cells in publication order, every margin included: per level a code
            column and a ``<level>_label`` column, then ``value`` and ``n_unweighted``.
        notes: Footnotes.
        source: Source line.
        weighted: True when ``value`` is a weighted estimate.
        accounting: Record accounting.
        percent_of: Dimensions whose total is the denominator of the ``percent`` column
            (empty: the table has no ``percent`` column).
        universe: The recipe's universe conditions (a published layout marks the
            categories they exclude as not applicable).
        layout: The recipe's ``[layout]``: how the report and the workbook lay it out.
    """

    recipe_id: str
    title: str
    description: str
    universe_label: str
    standard: tuple[str, ...]
    rows: tuple[Dimension, ...]
    columns: tuple[Dimension, ...]
    cells: pl.DataFrame
    notes: tuple[str, ...]
    source: str
    weighted: bool
    accounting: Accounting
    percent_of: tuple[str, ...] = ()
    universe: tuple[Condition, ...] = ()
    layout: TableLayout = field(default_factory=TableLayout)

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        """Stub dimensions, then spanner dimensions."""
        return self.rows + self.columns

    @property
    def level_columns(self) -> tuple[str, ...]:
        """Every code column, outer to inner, stub first."""
        return tuple(level for dimension in self.dimensions for level in dimension.levels)
