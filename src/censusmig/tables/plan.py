"""The values that pass between the engine's stages: plan, partial results, merge.

A run is planned once (:class:`Plan`: which derived columns to compute and which aggregations
to run over them), aggregated by a backend over each slice or partition of the data
(:class:`Partial`: small frames of keyed sums), and the partials are merged by summing again
(:func:`merge`). Every aggregation is a plain "filter, group by keys, sum additive measures",
so the merged result does not depend on how the data were cut. The measures are a parameter of
the plan, never a constant: counts and weights today, replicate-weight sums and record-key
sums tomorrow, all carried the same way through merge, margins and rendering.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from censusmig.profiles.model import ConceptMapping, Profile
from censusmig.recipes.model import Condition, Recipe
from censusmig.tables.checks import CheckPartial, CheckPlan, merge_checks
from censusmig.tables.derive import WEIGHT, ColumnRequest
from censusmig.tables.table import N_UNWEIGHTED, VALUE


@dataclass(frozen=True)
class Measure:
    """An additive quantity summed per cell.

    Attributes:
        name: Output column (``value``, ``n_unweighted``, later ``rep_1`` ...).
        column: Column of the derived records that is summed, or None to count the records.
        decimals: None sums the column as it is (an integer column). A number ``d`` sums it
            exactly: each value is taken in integer units of ``10**-d`` (rounded half to even
            beyond ``d`` decimals) and summed as Int128 through aggregation, merge and
            margins, then converted back to Float64 once, by :func:`in_values`. Integer sums
            do not depend on the order of the records, the slices or the threads, so the
            same inputs give the same bytes.
        stated_decimals: The precision at which a sum in units is stated: :func:`in_value`
            rounds the exact sum half to even to this many decimals (at most ``decimals``)
            before converting it. None states it at ``decimals``.
    """

    name: str
    column: str | None = None
    decimals: int | None = None
    stated_decimals: int | None = None


COUNT = Measure(N_UNWEIGHTED)
"""Records in the cell."""
WEIGHT_DECIMALS = 9
"""Decimals at which weights are summed exactly: a weight with more is rounded to this many."""
VALUE_DECIMALS = 6
"""Decimals at which weighted values are stated (published): a sum with more, from weights
with more decimals, is rounded half to even to this many, once, from its exact sum."""

ESTIMATE = Measure(VALUE, WEIGHT, WEIGHT_DECIMALS, VALUE_DECIMALS)
"""Sum of the weights in the cell: the count of a full census, the estimate of a survey."""
CELL_MEASURES: tuple[Measure, ...] = (ESTIMATE, COUNT)
"""The measures every table carries, in the order of the tidy output; a run may add more
(:func:`censusmig.tables.engine.plan_run`)."""

RECORDS = Measure("records")
WEIGHTED = Measure("weighted", WEIGHT, WEIGHT_DECIMALS, VALUE_DECIMALS)


@dataclass(frozen=True)
class GroupKey:
    """A cell key: a derived column, named in the result by its dimension's inner level.

    Attributes:
        column: Column of the derived records.
        name: Column of the aggregated result.
    """

    column: str
    name: str


@dataclass(frozen=True)
class Aggregate:
    """One aggregation: keep the records meeting ``where``, group by ``keys``, sum ``measures``.

    Attributes:
        name: Unique name in the plan (``cells/<recipe>``, ``universe/<recipe>``, ``records``).
        keys: Cell keys; none gives a single row.
        where: Conditions every counted record meets (a recipe's universe).
        measures: What is summed.
        in_population: Count only the records in the profile's population (every
            aggregation of a run whose profile defines one, except the file totals).
    """

    name: str
    keys: tuple[GroupKey, ...]
    where: tuple[Condition, ...]
    measures: tuple[Measure, ...]
    in_population: bool = False


def cells_name(recipe: Recipe) -> str:
    """Name of the aggregation of a recipe's inner cells."""
    return f"cells/{recipe.id}"


def universe_name(recipe: Recipe) -> str:
    """Name of the aggregation counting a recipe's universe (apart from its cells)."""
    return f"universe/{recipe.id}"


TOTALS = "records"
"""Name of the aggregation counting every record of the input."""

POPULATION = "population"
"""Name of the aggregation counting the records in the profile's population, if it has one."""

DESIGN = "design"
"""Name of the aggregation listing a Taylor design's strata and PSUs (records per PSU)."""


def source_copy(column: str) -> str:
    """The name under which a backend keeps a data column a derived column replaces."""
    return f"_source_{column}"


@dataclass(frozen=True)
class Plan:
    """A run compiled from its recipes and the profile: what to derive and what to sum.

    Attributes:
        profile: The validated profile.
        recipes: The recipes, in output order.
        requests: The derived dimension columns.
        concepts: Concepts coded besides those the dimensions need (universe conditions,
            the unknown-code report, the edit checks).
        reported: Concepts whose source codes in no code list are reported, by name.
        columns: Derived columns the aggregations read.
        aggregates: Every aggregation of the run.
        measures: The additive measures of every table cell.
        checks: The edit checks to count in the same read, or None. A backend that runs
            them returns :attr:`Partial.checks`; one that does not leaves it None, and the
            engine then runs them in a read of their own.
        shadowed: Data columns the unknown-code report reads that a derived column of the
            same name replaces (a data column called ``sex`` beside the ``sex`` dimension):
            a backend keeps a copy of each under :func:`source_copy` before deriving, and
            reports the codes from the copy.
    """

    profile: Profile
    recipes: tuple[Recipe, ...]
    requests: tuple[ColumnRequest, ...]
    concepts: frozenset[str]
    reported: Mapping[str, ConceptMapping]
    columns: tuple[str, ...]
    aggregates: tuple[Aggregate, ...]
    measures: tuple[Measure, ...]
    checks: CheckPlan | None = None
    shadowed: frozenset[str] = frozenset()

    @property
    def measure_names(self) -> tuple[str, ...]:
        """Columns of the table cells' measures."""
        return tuple(measure.name for measure in self.measures)


WEIGHT_PROBLEMS = ("missing", "zero_or_negative")
"""Counts of the weight check: records whose weight is missing, or zero or negative."""
REPLICATE_PROBLEMS = ("replicate_missing", "replicate_negative")
"""Counts of a replicate design's weight check: replicate weights missing, or negative (summed
over the replicate columns)."""


@dataclass(frozen=True)
class Partial:
    """What a backend returns for one slice or partition of the data: small keyed sums.

    Attributes:
        aggregates: Aggregation name -> one row per key combination (key columns, then the
            aggregation's measures).
        unknown_codes: Concept -> ``code`` (as ``COLUMN=code``) and ``records``, for the
            source codes in no code list.
        weight_problems: One row of :data:`WEIGHT_PROBLEMS` counts (and
            :data:`REPLICATE_PROBLEMS` for a replicate design).
        checks: What the edit checks of :attr:`Plan.checks` found, or None when the plan has
            none or the backend does not run them.
    """

    aggregates: Mapping[str, pl.DataFrame]
    unknown_codes: Mapping[str, pl.DataFrame]
    weight_problems: pl.DataFrame
    checks: CheckPartial | None = None


def in_units(column: str, dtype: pl.DataType, decimals: int) -> pl.Expr:
    """A column in integer units of ``10**-decimals`` (Int128), for an exact sum.

    A float is split into its integer part and its fraction (both exact in binary), so the
    scaling rounds only the fraction and a large weight keeps every digit of its integer part.
    A Float32 is first taken at its shortest decimal (the one it was written as: ``105.3f``,
    stored as 105.30000305..., counts as 105.3), as a Float64 or a text weight would be.

    Args:
        column: The column.
        dtype: Its data type.
        decimals: Decimals kept.

    Returns:
        The column in units; a missing or NaN value is null (a sum skips it).
    """
    scale: int = 10**decimals
    value = pl.col(column)
    if dtype.is_integer() or dtype == pl.Boolean:
        return value.cast(pl.Int128) * scale
    if dtype == pl.Float32:
        # Polars writes a Float32 as the shortest text that reads back as the same Float32.
        value = value.cast(pl.String)
    value = value.cast(pl.Float64)
    whole = value.floor()
    fraction = ((value - whole) * scale).round().cast(pl.Int128, strict=False)
    return whole.cast(pl.Int128, strict=False) * scale + fraction


def in_value(units: int | None, measure: Measure) -> float | int:
    """One sum of a measure, from its units back to its value (see :attr:`Measure.decimals`).

    Args:
        units: The sum as aggregated (None for an empty sum).
        measure: Its measure.

    Returns:
        The value: a float for a measure summed in units (the exact sum rounded half to even
        to :attr:`Measure.stated_decimals`, then divided; Python's integer division is
        correctly rounded, so it is the float nearest that decimal), else the sum.
    """
    if units is None:
        return 0.0 if measure.decimals is not None else 0
    if measure.decimals is None:
        return units
    stated = measure.decimals
    if measure.stated_decimals is not None:
        stated = min(stated, measure.stated_decimals)
    step: int = 10 ** (measure.decimals - stated)
    quotient, remainder = divmod(int(units), step)  # remainder >= 0, also below zero
    if 2 * remainder > step or (2 * remainder == step and quotient % 2 == 1):
        quotient += 1
    scale: int = 10**stated
    return quotient / scale


def in_values(frame: pl.DataFrame, measures: Sequence[Measure]) -> pl.DataFrame:
    """Every measure summed in units converted back to its Float64 value, once, at the end.

    The same numbers as :func:`in_value` cell by cell, computed on whole columns: the
    rounding to the stated decimals is done in integers, and the last division in floating
    point, which is correctly rounded (as Python's integer division is) while the rounded
    units are below 2**53; a column with larger sums goes through :func:`in_value`.

    Args:
        frame: Aggregated cells, margins included.
        measures: The measures; those without :attr:`Measure.decimals` are left as they are.

    Returns:
        The frame with the same columns in the same order.
    """
    return frame.with_columns(
        _column_in_values(frame[measure.name], measure)
        for measure in measures
        if measure.decimals is not None and measure.name in frame.columns
    )


_EXACT_FLOATS = 2**53
"""Below this, every integer is a Float64 exactly, so one float division is correctly rounded."""


def _column_in_values(units: pl.Series, measure: Measure) -> pl.Series:
    assert measure.decimals is not None
    stated = measure.decimals
    if measure.stated_decimals is not None:
        stated = min(stated, measure.stated_decimals)
    step = 10 ** (measure.decimals - stated)
    frame = pl.DataFrame({"units": units.cast(pl.Int128)})
    quotient = pl.col("units") // step
    remainder = pl.col("units") - quotient * step  # 0 <= remainder < step, also below zero
    odd = (quotient - 2 * (quotient // 2)) == 1
    rounded = quotient + ((2 * remainder > step) | ((2 * remainder == step) & odd)).cast(pl.Int128)
    quotients = frame.select(rounded.alias("q"))["q"]
    largest = quotients.abs().max()
    if largest is not None and int(largest) >= _EXACT_FLOATS:  # type: ignore[arg-type]
        values = [None if u is None else in_value(u, measure) for u in units]
        return pl.Series(measure.name, values, dtype=pl.Float64)
    # Divided column by column: Polars turns a division by a scalar into a multiplication by
    # its reciprocal, which is not correctly rounded (17030000 * 1e-6 is 17.029999999999998).
    divisors = pl.Series([float(10**stated)] * len(quotients), dtype=pl.Float64)
    return (quotients.cast(pl.Float64) / divisors).alias(measure.name)


def merge(partials: Sequence[Partial], plan: Plan) -> Partial:
    """Sum the partial results of slices or partitions into the result of the whole file.

    Every quantity is a sum of integers (counts, or weights in units: :attr:`Measure.decimals`),
    so the merge is exact whatever the cut. The edit checks' partials are merged too
    (:func:`~censusmig.tables.checks.merge_checks`), when every partial has them.

    Args:
        partials: One per slice or partition (at least one), in file order (the checks
            list the first failing records and look at the ids' order across slices).
        plan: The plan they were aggregated from (it says which columns are keys).

    Returns:
        The merged result, with the same shape as each partial.
    """
    if len(partials) == 1:
        return partials[0]
    aggregates = {
        aggregate.name: _summed(
            [part.aggregates[aggregate.name] for part in partials],
            [key.name for key in aggregate.keys],
            [measure.name for measure in aggregate.measures],
        )
        for aggregate in plan.aggregates
    }
    unknown = {
        concept: _summed([part.unknown_codes[concept] for part in partials], ["code"], ["records"])
        for concept in plan.reported
    }
    weights = _summed(
        [part.weight_problems for part in partials], [], partials[0].weight_problems.columns
    )
    checks = None
    found = [part.checks for part in partials if part.checks is not None]
    if plan.checks is not None and len(found) == len(partials):
        checks = merge_checks(found, plan.checks)
    return Partial(aggregates, unknown, weights, checks)


def _summed(parts: list[pl.DataFrame], keys: list[str], sums: list[str]) -> pl.DataFrame:
    combined = pl.concat(parts)
    totals = [pl.col(name).sum() for name in sums]
    if not keys:
        return combined.select(totals)
    return combined.group_by(keys).agg(totals).sort(keys)
