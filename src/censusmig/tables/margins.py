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
from censusmig.dimensions.coding import NESTED_SEPARATOR, Coding, Dimension
from censusmig.errors import InputError
from censusmig.tables.table import PERCENT, VALUE


def complete(
    cells: pl.DataFrame, codings: Sequence[Coding], measures: Sequence[str]
) -> pl.DataFrame:
    """Turn aggregated inner cells into the full tidy table.

    The work is a few frame operations, not one small eager step per margin: the outer
    levels, top-N, every margin (one group-by) and the zero cells are one lazy plan; the
    observed orders of the open levels are collected together; then the cells are sorted
    and labelled.

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
    outer = _outer_levels(cells, codings)
    topped = _top(outer, codings, measures)
    margins = _with_margins(topped, codings, measures, cells.height)
    full = _zero_filled(margins, codings, measures).collect()
    # Small and in memory: eager sorting and labelling cost less than another plan.
    columns: list[str | pl.Expr] = []
    for coding in codings:
        for level in coding.dimension.levels:
            labels = dict(coding.labels.get(level, {}))
            label = pl.col(level).replace_strict(labels, default=pl.col(level))
            columns += [level, label.alias(f"{level}_label")]
    return full.sort(_order_keys(full, codings)).select(*columns, *measures)


INNER = "_inner"
"""The number of an inner cell (:func:`memberships`)."""


def memberships(cells: pl.DataFrame, codings: Sequence[Coding]) -> pl.DataFrame:
    """Which cells of the complete table each inner cell is part of: itself and its margins.

    The same outer levels, top-N and margins as :func:`complete`, so a sum over an inner
    cell's memberships is the complete table's sum: what a design-based variance needs to
    total each PSU's records into every margin.

    Args:
        cells: Inner cells as :func:`complete` takes them (String inner levels and
            :data:`~censusmig.tables.table.VALUE`), with their number in :data:`INNER`.
        codings: The table's dimensions, stub first.

    Returns:
        One row per (inner cell, cell of the complete table containing it): every level's
        code and :data:`INNER`.
    """
    outer = _outer_levels(cells, codings)
    topped = _top(outer, codings, [VALUE])  # the inner number is kept apart
    levels = [level for coding in codings for level in coding.dimension.levels]
    return (
        _with_margins(topped, codings, [VALUE], cells.height, [INNER])
        .select(*levels, INNER)
        .collect()
    )


def _outer_levels(cells: pl.DataFrame, codings: Sequence[Coding]) -> pl.LazyFrame:
    """The inner cells with their outer levels: split from nested pairs, else from ``parents``.

    An inner code without a parent goes under ``_O`` (other).

    Raises:
        InputError: A nested inner code (a district) is found under two outer codes (regions)
            that are categories, not special codes.
    """
    for coding in codings:
        if coding.nested:
            cells = _split_nested(cells, coding)
    return cells.lazy().with_columns(
        pl.col(coding.inner).replace_strict(mapping, default=OTHER).alias(level)
        for coding in codings
        for level, mapping in coding.parents.items()
    )


def _split_nested(cells: pl.DataFrame, coding: Coding) -> pl.DataFrame:
    """Split a nested coding's pairs into its outer and inner level (see :attr:`Coding.nested`)."""
    outer, inner = coding.dimension.levels
    pair = pl.col(inner).str.split_exact(NESTED_SEPARATOR, 1)
    cells = cells.with_columns(
        pair.struct.field("field_0").alias(outer), pair.struct.field("field_1").alias(inner)
    )
    regular = cells.filter(
        ~pl.col(outer).is_in(TRAILING_ORDER), ~pl.col(inner).is_in(TRAILING_ORDER)
    )
    shared = (
        regular.group_by(inner)
        .agg(pl.col(outer).unique().sort())
        .filter(pl.col(outer).list.len() > 1)
        .sort(inner)
    )
    if shared.height:
        found = "; ".join(
            f"{inner} {code!r} under {outer}s {', '.join(repr(o) for o in outers)}"
            for code, outers in shared.head(5).iter_rows()
        )
        more = f" (and {shared.height - 5:,} more)" if shared.height > 5 else ""
        raise InputError(
            f"{shared.height:,} {inner} code(s) found in more than one {outer}: {found}{more}. "
            f"Each {inner} must lie in one {outer}, or its {outer} subtotals would mix "
            f"areas; correct the {inner} or {outer} codes of those records, or give "
            f"each {inner} a code of its own in the country"
        )
    return cells


def _top(cells: pl.LazyFrame, codings: Sequence[Coding], measures: Sequence[str]) -> pl.LazyFrame:
    """Recode all but the largest inner categories to ``_O``, then sum the cells again.

    The largest are ranked by value, then by code, leaving out the special codes (which are
    always kept). Key columns other than the levels (a PSU) are kept apart, and summed over
    in the ranking.
    """
    for coding in codings:
        if coding.top is None:
            continue
        inner = pl.col(coding.inner)
        kept = (
            cells.filter(~inner.is_in(TRAILING_ORDER))
            .group_by(coding.inner)
            .agg(pl.col(VALUE).sum())
            .sort([VALUE, coding.inner], descending=[True, False])
            .head(coding.top)
            .select(coding.inner, pl.lit(True).alias(_KEPT))
        )
        keep = pl.col(_KEPT).fill_null(False) | inner.is_in(TRAILING_ORDER)
        cells = (
            cells.join(kept, on=coding.inner, how="left")
            .with_columns(pl.when(keep).then(inner).otherwise(pl.lit(OTHER)).alias(coding.inner))
            .drop(_KEPT)
        )
        keys = [c for c in cells.collect_schema().names() if c not in measures]
        cells = cells.group_by(keys).agg(pl.col(name).sum() for name in measures)
    return cells


_KEPT = "_kept"
"""A working column of :func:`_top`: the inner category is among the largest."""


EXPLODED_ROWS = 2_000_000
"""The most rows the cells repeated once per margin may have (:func:`_with_margins`): a
larger table sums each margin apart, so that memory stays within a few times the table's."""


def _with_margins(
    cells: pl.LazyFrame,
    codings: Sequence[Coding],
    measures: Sequence[str],
    rows: int,
    by: Sequence[str] = (),
) -> pl.LazyFrame:
    """The cells with every margin.

    Each dimension is kept to a depth: all its levels, an outer prefix, or none (its total).
    Every combination of depths is a part: the cells summed by the levels kept, the others
    set to ``_T``. A table whose ``rows`` cells repeated once per part fit in
    :data:`EXPLODED_ROWS` is summed in one group-by of those repeated cells (by part and
    level); a larger one by a group-by per part. The grand total is summed apart, so that a
    table without cells still has it (zero). The ``by`` columns are kept apart in every sum
    (the grand total then has a row per ``by`` value found).
    """
    depths = [range(len(coding.dimension.levels), -1, -1) for coding in codings]
    parts = [combination for combination in itertools.product(*depths) if any(combination)]
    order = [*(level for coding in codings for level in coding.dimension.levels), *by]
    sums = [pl.col(name).sum() for name in measures]
    grand = (cells.group_by(by).agg(sums) if by else cells.select(sums)).with_columns(
        pl.lit(TOTAL).alias(level) for level in order if level not in by
    )
    if rows * len(parts) > EXPLODED_ROWS:
        summed = []
        for combination in parts:
            kept = [
                level
                for coding, depth in zip(codings, combination, strict=True)
                for level in coding.dimension.levels[:depth]
            ] + list(by)
            summed.append(
                cells.group_by(kept)
                .agg(sums)
                .with_columns(pl.lit(TOTAL).alias(level) for level in order if level not in kept)
                .select(*order, *measures)
            )
        return pl.concat([*summed, grand.select(*order, *measures)], how="vertical_relaxed")
    depth_columns = [f"_depth_{index}" for index in range(len(codings))]
    frame = pl.LazyFrame(
        {name: [part[index] for part in parts] for index, name in enumerate(depth_columns)},
        schema=dict.fromkeys(depth_columns, pl.Int32),
    )
    kept_or_total = [
        pl.when(pl.col(depth) > position).then(pl.col(level)).otherwise(pl.lit(TOTAL)).alias(level)
        for depth, coding in zip(depth_columns, codings, strict=True)
        for position, level in enumerate(coding.dimension.levels)
    ]
    margins = (
        cells.join(frame, how="cross")
        .select(*depth_columns, *kept_or_total, *by, *measures)
        .group_by(*depth_columns, *order)
        .agg(sums)
        .select(*order, *measures)
    )
    return pl.concat([margins, grand.select(*order, *measures)], how="vertical_relaxed")


def _zero_filled(
    full: pl.LazyFrame, codings: Sequence[Coding], measures: Sequence[str]
) -> pl.LazyFrame:
    domain: pl.LazyFrame | None = None
    for coding in codings:
        levels = list(coding.dimension.levels)
        observed = full.select(levels).unique()
        if coding.fixed is not None and len(levels) == 1:
            # Fixed sets always show every category and "not stated", even when empty (a
            # set of labels the data need not use shows only the codes observed).
            shown = () if coding.observed_only else coding.fixed
            wanted = pl.LazyFrame(
                {levels[0]: [TOTAL, *shown, NOT_STATED]}, schema={levels[0]: pl.String}
            )
            observed = pl.concat([wanted, observed]).unique()
        elif coding.nested:
            # The outer level shows "not stated" always, as a one-level area does: a table
            # by district has the same region subtotals as the table by region.
            wanted = pl.LazyFrame(
                {
                    level: [TOTAL, NOT_STATED if depth == 0 else TOTAL]
                    for depth, level in enumerate(levels)
                },
                schema=dict.fromkeys(levels, pl.String),
            )
            observed = pl.concat([wanted, observed]).unique()
        domain = observed if domain is None else domain.join(observed, how="cross")
    assert domain is not None
    keys = [level for coding in codings for level in coding.dimension.levels]
    return domain.join(full, on=keys, how="left").with_columns(
        pl.col(name).fill_null(0) for name in measures
    )


def _order_keys(full: pl.DataFrame, codings: Sequence[Coding]) -> list[pl.Expr]:
    """The sort keys of publication order: each level's rank, outer dimensions first."""
    open_levels = [
        (coding, depth)
        for coding in codings
        for depth, level in enumerate(coding.dimension.levels)
        if coding.order.get(level) is None
        and not (coding.fixed is not None and level == coding.inner)
    ]
    observed = dict(
        zip(
            [(id(coding), depth) for coding, depth in open_levels],
            pl.collect_all(
                [_observed_order(full, codings, coding, depth) for coding, depth in open_levels]
            ),
            strict=True,
        )
    )
    keys: list[pl.Expr] = []
    for coding in codings:
        levels = coding.dimension.levels
        for depth, level in enumerate(levels):
            order = coding.order.get(level)
            if order is None and coding.fixed is not None and level == coding.inner:
                order = coding.fixed
            if order is None:
                order = tuple(dict.fromkeys(observed[(id(coding), depth)][level].to_list()))
            keys.append(_rank(level, order))
    return keys


def _observed_order(
    full: pl.DataFrame, codings: Sequence[Coding], coding: Coding, depth: int
) -> pl.LazyFrame:
    """An open level's codes: by size at the table's overall margin, or by code.

    Returns:
        The codes in that order (a code may repeat: its first place counts).
    """
    level = coding.dimension.levels[depth]
    others = [name for other in codings if other is not coding for name in other.dimension.levels]
    at_margin = full.lazy().filter(*(pl.col(name) == TOTAL for name in others))
    sizes = at_margin.select(*coding.dimension.levels[:depth], level, VALUE).unique()
    if coding.by_size:
        return sizes.sort([VALUE, level], descending=[True, False]).select(level)
    # By code: shorter codes first, then in code order (as Python sorts str).
    codes = sizes.select(level).unique()
    return codes.sort([pl.col(level).str.len_chars(), pl.col(level)]).select(level)


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
