"""From inner cells to a complete table: outer levels, every margin, zeros, order and labels.

All of it works on the aggregated cells (a few thousand rows at most), never on microdata.
Margins are sums of inner cells, so they reconcile by construction; a region's subtotal is the
row with its inner level coded ``_T``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import polars as pl

from censusmig.classifications.codes import NOT_STATED, OTHER, TOTAL, TRAILING_ORDER
from censusmig.dimensions.coding import Coding, Dimension
from censusmig.tables.table import PERCENT, VALUE


def complete(
    cells: pl.DataFrame, codings: Sequence[Coding], measures: Sequence[str]
) -> pl.DataFrame:
    """Turn aggregated inner cells into the full tidy table.

    Args:
        cells: One row per observed combination of inner codes (String columns named by
            each coding's inner level) with the additive ``measures``.
        codings: The table's dimensions, stub first.
        measures: The additive measures, summed into every margin and zero-filled; they must
            include :data:`~censusmig.tables.table.VALUE` (what top-N and the order by size
            rank on).

    Returns:
        Every combination of every level's categories and margins, zeros included, sorted for
        publication, with a ``<level>_label`` column beside each level, then the measures in
        the order given.
    """
    cells = cells.with_columns(
        pl.col(coding.inner).replace_strict(mapping, default=OTHER).alias(level)
        for coding in codings
        for level, mapping in coding.parents.items()
    )
    cells = _top(cells, codings, measures)
    full = _with_margins(cells, codings, measures)
    full = _zero_filled(full, codings, measures)
    full = _ordered(full, codings)
    levels = [level for coding in codings for level in coding.dimension.levels]
    labelled = full.with_columns(
        pl.col(level)
        .replace_strict(dict(coding.labels.get(level, {})), default=pl.col(level))
        .alias(f"{level}_label")
        for coding in codings
        for level in coding.dimension.levels
    )
    return labelled.select(
        *itertools.chain.from_iterable((level, f"{level}_label") for level in levels), *measures
    )


def _top(cells: pl.DataFrame, codings: Sequence[Coding], measures: Sequence[str]) -> pl.DataFrame:
    """Recode all but the largest inner categories to ``_O``, then sum the cells again."""
    for coding in codings:
        if coding.top is None:
            continue
        sizes = (
            cells.filter(~pl.col(coding.inner).is_in(TRAILING_ORDER))
            .group_by(coding.inner)
            .agg(pl.col(VALUE).sum())
            .sort([VALUE, coding.inner], descending=[True, False])
        )
        kept = sizes[coding.inner].head(coding.top).to_list()
        keep = pl.col(coding.inner).is_in(kept) | pl.col(coding.inner).is_in(TRAILING_ORDER)
        cells = cells.with_columns(
            pl.when(keep).then(pl.col(coding.inner)).otherwise(pl.lit(OTHER))
        )
        keys = [c for c in cells.columns if c not in measures]
        cells = cells.group_by(keys).agg(pl.col(name).sum() for name in measures)
    return cells


def _with_margins(
    cells: pl.DataFrame, codings: Sequence[Coding], measures: Sequence[str]
) -> pl.DataFrame:
    # Each dimension is kept to a depth: all its levels, an outer prefix, or none (its total).
    depths = [range(len(coding.dimension.levels), -1, -1) for coding in codings]
    parts = []
    for combination in itertools.product(*depths):
        kept: list[str] = []
        totalled: list[str] = []
        for coding, depth in zip(codings, combination, strict=True):
            kept += coding.dimension.levels[:depth]
            totalled += coding.dimension.levels[depth:]
        sums = [pl.col(name).sum() for name in measures]
        part = cells.group_by(kept).agg(sums) if kept else cells.select(sums)
        parts.append(part.with_columns(pl.lit(TOTAL).alias(name) for name in totalled))
    order = [level for coding in codings for level in coding.dimension.levels]
    return pl.concat([part.select(*order, *measures) for part in parts], how="vertical_relaxed")


def _zero_filled(
    full: pl.DataFrame, codings: Sequence[Coding], measures: Sequence[str]
) -> pl.DataFrame:
    domain: pl.DataFrame | None = None
    for coding in codings:
        levels = list(coding.dimension.levels)
        observed = full.select(levels).unique()
        if coding.fixed is not None and len(levels) == 1:
            # Fixed sets always show every category and "not stated", even when empty (a
            # set of labels the data need not use shows only the codes observed).
            shown = () if coding.observed_only else coding.fixed
            wanted = pl.DataFrame({levels[0]: [TOTAL, *shown, NOT_STATED]})
            observed = pl.concat([wanted, observed]).unique()
        domain = observed if domain is None else domain.join(observed, how="cross")
    assert domain is not None
    keys = [level for coding in codings for level in coding.dimension.levels]
    return domain.join(full, on=keys, how="left").with_columns(
        pl.col(name).fill_null(0) for name in measures
    )


def _ordered(full: pl.DataFrame, codings: Sequence[Coding]) -> pl.DataFrame:
    keys: list[pl.Expr] = []
    for coding in codings:
        levels = coding.dimension.levels
        for depth, level in enumerate(levels):
            order = coding.order.get(level)
            if order is None and coding.fixed is not None and level == coding.inner:
                order = coding.fixed
            if order is None:
                order = _observed_order(full, codings, coding, depth)
            keys.append(_rank(level, order))
    return full.sort(keys)


def _observed_order(
    full: pl.DataFrame, codings: Sequence[Coding], coding: Coding, depth: int
) -> tuple[str, ...]:
    """An open level's codes: by size at the table's overall margin, or by code."""
    level = coding.dimension.levels[depth]
    others = [name for other in codings if other is not coding for name in other.dimension.levels]
    at_margin = full.filter(*(pl.col(name) == TOTAL for name in others))
    sizes = at_margin.select(*coding.dimension.levels[:depth], level, VALUE).unique()
    if coding.by_size:
        ranked = sizes.sort([VALUE, level], descending=[True, False])[level].to_list()
    else:
        ranked = sorted(sizes[level].unique().to_list(), key=lambda code: (len(code), code))
    return tuple(dict.fromkeys(ranked))


def _rank(level: str, order: Sequence[str]) -> pl.Expr:
    """Rank of a code: total first, listed codes in order, then unlisted, specials last."""
    ranks = {TOTAL: -1, **{code: i for i, code in enumerate(order) if code != TOTAL}}
    ranks.update({code: 1_000_000 + i for i, code in enumerate(TRAILING_ORDER)})
    return pl.col(level).replace_strict(ranks, default=999_999, return_dtype=pl.Int64)


def with_percent(
    cells: pl.DataFrame, dimensions: Sequence[Dimension], of: Sequence[str]
) -> pl.DataFrame:
    """Add ``percent``: each cell as a share of its total over the dimensions ``of``.

    The denominator is the cell with every level of those dimensions at ``_T`` and the other
    codes unchanged; a zero or missing denominator (a cell withheld by protection) gives a null
    percent (shown as ".."), and so does a withheld value.

    Args:
        cells: A complete table from :func:`complete`.
        dimensions: The table's dimensions.
        of: Names of the dimensions totalled in the denominator.

    Returns:
        The cells with a ``percent`` column (rounded to 6 decimals, for stable outputs).
    """
    totalled = [level for d in dimensions if d.name in of for level in d.levels]
    kept = [level for d in dimensions if d.name not in of for level in d.levels]
    denominators = cells.filter(*(pl.col(level) == TOTAL for level in totalled)).select(
        *kept, pl.col(VALUE).alias("_denominator")
    )
    joined = (
        cells.join(denominators, on=kept, how="left")
        if kept
        else cells.join(denominators, how="cross")
    )
    percent = (100 * pl.col(VALUE) / pl.col("_denominator")).round(6)
    return joined.with_columns(
        pl.when(pl.col("_denominator") > 0).then(percent).otherwise(None).alias(PERCENT)
    ).drop("_denominator")
