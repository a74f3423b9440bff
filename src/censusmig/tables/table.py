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

SE = "se"
"""The standard error of ``value`` (survey designs only)."""
MOE = "moe"
"""The margin of error of ``value``: ``z * se`` at the run's confidence level."""
CI_LOWER = "ci_lower"
"""The lower bound of the confidence interval of ``value``: ``value - moe``."""
CI_UPPER = "ci_upper"
"""The upper bound of the confidence interval of ``value``: ``value + moe``."""
CV = "cv"
"""The coefficient of variation of ``value``, in percent: ``100 * se / value`` (null at 0)."""
RELIABILITY = "reliability"
"""The reliability flag of ``value``: ``E`` use with caution, ``F`` too unreliable, or null."""
PERCENT_SE = "percent_se"
"""The standard error of ``percent`` (a ratio estimator), in percentage points."""
PERCENT_MOE = "percent_moe"
"""The margin of error of ``percent``, in percentage points."""
FLAG = "flag"
"""A status set by protection: the symbol shown instead of the value (``x`` suppressed)."""
CONFIDENTIAL = "x"
"""The flag of a cell suppressed to protect confidentiality (SDMX ``CONF_STATUS = C``)."""

SAMPLING_ERRORS: tuple[str, ...] = (SE, MOE, CI_LOWER, CI_UPPER, CV, RELIABILITY)
"""The columns a table of a survey design carries about its ``value``."""

MEASURES: tuple[str, ...] = (
    VALUE,
    N_UNWEIGHTED,
    PERCENT,
    *SAMPLING_ERRORS,
    PERCENT_SE,
    PERCENT_MOE,
    FLAG,
)
"""Every non-dimension column a tidy table may carry, in the tidy output's order; any other
column is a dimension level or its ``<level>_label``."""

CAUTION = "E"
"""Reliability flag: use with caution (CV above the caution cut-off)."""
UNRELIABLE = "F"
"""Reliability flag: too unreliable to be published (CV above the unreliable cut-off, or
fewer sample records than the minimum)."""


@dataclass(frozen=True)
class SamplingErrors:
    """How a weighted table's sampling errors were computed, for its notes and legend.

    Attributes:
        method: The variance method in words ("Taylor linearisation, 12 strata, 240 PSUs,
            with replacement" or "successive difference replication, 80 replicates").
        confidence: Confidence level of ``moe`` and the interval (0.90).
        z: The normal quantile used (1.645 at 90%).
        cv_caution: CV (percent) above which a value is flagged ``E``.
        cv_unreliable: CV (percent) above which a value is flagged ``F``.
        min_unweighted: Fewest sample records for a value not flagged ``F``.
    """

    method: str
    confidence: float
    z: float
    cv_caution: float
    cv_unreliable: float
    min_unweighted: int

    def legend(self) -> tuple[tuple[str, str], ...]:
        """The flags and what they mean, for every output's legend."""
        return (
            (CAUTION, f"use with caution: coefficient of variation above {self.cv_caution:g}%"),
            (
                UNRELIABLE,
                f"too unreliable to be published: coefficient of variation above "
                f"{self.cv_unreliable:g}%, or fewer than {self.min_unweighted:,} sample records",
            ),
        )


@dataclass(frozen=True)
class DisclosureControl:
    """How a table was protected before publication, and what it cost: its protection report.

    Counts of cells include the margins. Changes compare the published value of each cell
    with the value computed (before protection); they are facts about the whole table, never
    about one cell.

    Attributes:
        method: ``suppress``, ``round3``, ``round5`` or ``cell-key``.
        description: The method in plain words, for the table's notes.
        parameters: Parameter name -> value in words (threshold, rule, base, ptable...).
        cells: Cells in the table.
        primary: Cells suppressed by the threshold rule.
        secondary: Cells suppressed so that no primary cell can be worked out.
        changed: Published cells whose value differs from the value computed.
        largest_change: Largest absolute change of a published value.
        largest_relative_change: Largest change relative to the value computed, in percent,
            over cells computed above 0 (None when there are none).
        margins: Margin equations checked (a margin = the sum of its parts).
        margins_not_additive: Margins whose published value differs from the sum of their
            published parts (every part published).
        largest_additivity_gap: Largest such difference.
        narrowest_interval: The attack test: over the suppressed cells, the narrowest range
            between the smallest and the largest value consistent with everything published
            (None when nothing is suppressed).
        interval: The range every suppressed cell had to reach (the protection interval).
    """

    method: str
    description: str
    parameters: tuple[tuple[str, str], ...]
    cells: int
    primary: int = 0
    secondary: int = 0
    changed: int = 0
    largest_change: float = 0.0
    largest_relative_change: float | None = None
    margins: int = 0
    margins_not_additive: int = 0
    largest_additivity_gap: float = 0.0
    narrowest_interval: float | None = None
    interval: float | None = None

    @property
    def suppressed(self) -> int:
        """Cells suppressed, primary and secondary."""
        return self.primary + self.secondary


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
        sampling_errors: How the cells' :data:`SAMPLING_ERRORS` were computed, or None when
            the table has none (a full count, or a weighted file whose profile states no
            design: then ``variance_note`` says why).
        variance_note: Why a weighted table has no sampling errors (the profile's
            ``[design] note``), or None.
        protection: How the table was protected before publication (statistical
            disclosure control), or None when it was published as computed.
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
    sampling_errors: SamplingErrors | None = None
    variance_note: str | None = None
    protection: DisclosureControl | None = None

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        """Stub dimensions, then spanner dimensions."""
        return self.rows + self.columns

    @property
    def level_columns(self) -> tuple[str, ...]:
        """Every code column, outer to inner, stub first."""
        return tuple(level for dimension in self.dimensions for level in dimension.levels)
