"""What the report and the workbook show of a table, where it differs from the tidy cells.

The tidy CSV keeps every cell as computed; a published table is for readers:

- a code in no code list (``_X``, "Unknown code") is a processing category, not a headline
  one: it is shown with "Not stated" (``_U``), and a note gives its count;
- a "Not stated" row or column that is zero everywhere is left out, with a note, unless the
  recipe keeps it (``[layout] keep_not_stated``, where the standard's table has one);
- a category the table's universe excludes (age 0-4 in a table of persons aged 5 and over)
  is not applicable: its cells carry the symbol "z", never a zero;
- an age group the universe cuts is labelled by what it holds ("1-4" in a table of persons
  aged 1 and over).

The only arithmetic is adding published cells (``_U`` and ``_X``) and the percentages of the
cells so added, from published values, as :func:`censusmig.tables.margins.with_percent` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import polars as pl

from censusmig.classifications.codes import NOT_STATED, SPECIAL_LABELS, TOTAL, UNKNOWN_CODE
from censusmig.dimensions import DIMENSIONS
from censusmig.dimensions.coding import Dimension
from censusmig.recipes.model import Condition
from censusmig.renderers.formatting import NOT_APPLICABLE, format_count
from censusmig.tables.margins import with_percent
from censusmig.tables.table import (
    CAUTION,
    CV,
    N_UNWEIGHTED,
    PERCENT,
    PERCENT_MOE,
    PERCENT_SE,
    RELIABILITY,
    SAMPLING_ERRORS,
    UNRELIABLE,
    VALUE,
    Table,
)

FLAG = "flag"
"""The tidy column that carries a cell's symbol."""

_SAMPLING_COLUMNS = (*SAMPLING_ERRORS, PERCENT_SE, PERCENT_MOE)
"""The columns about a cell's sampling error, which cannot be added as its value is."""
_BOTH = "_both"
"""Working column: a merged cell whose parts both hold an estimate."""

_INTERVAL = re.compile(r"^Y(\d+)T(\d+)$")
_OPEN = re.compile(r"^Y_GE(\d+)$")
_BELOW = re.compile(r"^Y_LT(\d+)$")


@dataclass(frozen=True)
class Presented:
    """A table as the report and the workbook show it.

    Attributes:
        table: The table with its cells as shown (``_X`` added to ``_U``, empty "Not stated"
            categories left out, excluded categories flagged "z", age labels bounded).
        notes: The notes the presentation adds, in dimension order.
    """

    table: Table
    notes: tuple[str, ...]


def present(table: Table) -> Presented:
    """The table as published in the report and the workbook (see the module's docstring).

    Args:
        table: A published table (after protection).

    Returns:
        The table as shown, and the notes that say what was merged or left out.
    """
    cells = table.cells if FLAG in table.cells.columns else _with_flags(table.cells)
    notes: list[str] = []
    changed = False
    for dimension in table.dimensions:
        merged, note = _merge_unknown(cells, table, dimension)
        if note:
            cells, changed = merged, True
            notes.append(note)
    if changed and table.percent_of and PERCENT in cells.columns:
        cells = with_percent(cells.drop(PERCENT), table.dimensions, table.percent_of)
    for dimension in table.dimensions:
        if dimension.name in table.layout.keep_not_stated:
            continue
        title = table.layout.titles.get(dimension.name, dimension.title)
        kept, note = _drop_empty_not_stated(cells, dimension, title)
        if note:
            cells = kept
            notes.append(note)
    for dimension in table.dimensions:
        cells = _bound_ages(cells, dimension, table.universe)
        cells = _not_applicable(cells, dimension, table.universe)
    return Presented(replace(table, cells=cells), tuple(notes))


def _with_flags(cells: pl.DataFrame) -> pl.DataFrame:
    return cells.with_columns(pl.lit(None, dtype=pl.String).alias(FLAG))


def _merge_unknown(
    cells: pl.DataFrame, table: Table, dimension: Dimension
) -> tuple[pl.DataFrame, str]:
    """Add a dimension's ``_X`` cells to its ``_U`` ones; the note gives the ``_X`` count."""
    outer = dimension.levels[0]
    unknown = cells.filter(pl.col(outer) == UNKNOWN_CODE)
    if unknown.is_empty():
        return cells, ""
    others = [level for d in table.dimensions if d is not dimension for level in d.levels]
    grand = unknown.filter(
        *(pl.col(level) == TOTAL for level in others),
        *(pl.col(level) == UNKNOWN_CODE for level in dimension.levels[1:]),
    )
    count = grand[VALUE][0] if grand.height and grand[FLAG][0] is None else None
    levels = [level for d in table.dimensions for level in d.levels]
    labels = [f"{level}_label" for level in levels]
    recoded = cells.with_columns(
        *(
            pl.when(pl.col(outer) == UNKNOWN_CODE)
            .then(pl.col(level).replace(UNKNOWN_CODE, NOT_STATED))
            .otherwise(pl.col(level))
            .alias(level)
            for level in dimension.levels
        ),
        *(
            pl.when((pl.col(outer) == UNKNOWN_CODE) & (pl.col(level) == UNKNOWN_CODE))
            .then(pl.lit(SPECIAL_LABELS[NOT_STATED]))
            .otherwise(pl.col(f"{level}_label"))
            .alias(f"{level}_label")
            for level in dimension.levels
        ),
    )
    measures = [pl.col(VALUE), *([pl.col(N_UNWEIGHTED)] if N_UNWEIGHTED in cells.columns else [])]
    # The sampling error of a sum is not the sum of its parts' (they are correlated): a cell
    # keeps its part's when only that part holds an estimate (the other is zero, and so is
    # its error), and has none otherwise.
    errors = [c for c in _SAMPLING_COLUMNS if c in cells.columns]
    estimates = (pl.col(VALUE).fill_null(0) != 0).sum()
    merged = recoded.group_by(*levels, maintain_order=True).agg(
        *(pl.col(label).first() for label in labels),
        *(
            pl.when(m.null_count() > 0).then(None).otherwise(m.sum()).alias(m.meta.output_name())
            for m in measures
        ),
        pl.col(FLAG).drop_nulls().first().alias(FLAG),
        *([pl.col(PERCENT).first()] if PERCENT in cells.columns else []),
        *(
            pl.when(estimates <= 1)
            .then(pl.col(name).sort_by(pl.col(VALUE).fill_null(0) != 0, descending=True).first())
            .otherwise(_merged_flag(table) if name == RELIABILITY else None)
            .alias(name)
            for name in errors
        ),
        *([(estimates > 1).alias(_BOTH)] if errors else []),
    )
    both = bool(errors) and bool(merged[_BOTH].any())
    columns = [c for c in cells.columns if c in merged.columns]
    shown = "some" if count is None else format_count(count)
    note = (
        f"{table.layout.titles.get(dimension.name, dimension.title)}: Not stated includes "
        f"{shown} coded with a code that is in no code list (unknown code, kept apart in "
        "the tidy CSV and the data-quality section)."
    )
    if both:
        note += (
            " Where both hold an estimate, the sampling errors of their sum are not available "
            "(..; the tidy CSV gives those of each); its reliability flag follows the larger "
            "coefficient of variation of the two (a sum's is never larger) and the sum's "
            "sample records."
        )
    return merged.select(columns), note


def _merged_flag(table: Table) -> pl.Expr:
    """The reliability flag of a sum of two estimates, whose own errors are not available.

    A sum's coefficient of variation is at most the larger of its parts' (its standard error
    is at most the sum of theirs), so that larger CV bounds the flag from above; the sum's
    sample records are known. The flag is thus never milder than the sum deserves.
    """
    errors = table.sampling_errors
    if errors is None:
        return pl.lit(None, dtype=pl.String)
    largest = pl.col(CV).max()
    records = pl.col(N_UNWEIGHTED).sum() if N_UNWEIGHTED in table.cells.columns else pl.lit(0)
    return (
        pl.when((records < errors.min_unweighted) | largest.is_null())
        .then(pl.lit(UNRELIABLE))
        .when(largest > errors.cv_unreliable)
        .then(pl.lit(UNRELIABLE))
        .when(largest > errors.cv_caution)
        .then(pl.lit(CAUTION))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _drop_empty_not_stated(
    cells: pl.DataFrame, dimension: Dimension, title: str
) -> tuple[pl.DataFrame, str]:
    """Leave out a dimension's "Not stated" category when it is zero in every cell."""
    outer = dimension.levels[0]
    not_stated = cells.filter(pl.col(outer) == NOT_STATED)
    if not_stated.is_empty():
        return cells, ""
    empty = (
        not_stated[FLAG].null_count() == not_stated.height
        and not_stated[VALUE].null_count() == 0
        and not_stated.filter(pl.col(VALUE) != 0).is_empty()
    )
    if not empty:
        return cells, ""
    note = f"{title}: Not stated is zero everywhere and is left out."
    return cells.filter(pl.col(outer) != NOT_STATED), note


def age_bounds(code: str) -> tuple[int, int | None] | None:
    """The ages an SDMX-style age group code holds (``Y0T4``: 0-4, ``Y_GE85``: 85+).

    Args:
        code: The code.

    Returns:
        (lowest, highest or None when open-ended), or None for a code that is no age group.
    """
    if match := _INTERVAL.match(code):
        return int(match[1]), int(match[2])
    if match := _OPEN.match(code):
        return int(match[1]), None
    if match := _BELOW.match(code):
        return 0, int(match[1]) - 1
    return None


def _age_limits(universe: tuple[Condition, ...]) -> tuple[int, int | None]:
    """Youngest and oldest age the universe admits (None: no upper limit)."""
    low, high = 0, None
    for condition in universe:
        if condition.field != "age" or not condition.values:
            continue
        value = int(condition.values[0])
        if condition.operator in (">=", ">", "="):
            low = max(low, value + (condition.operator == ">"))
        if condition.operator in ("<=", "<", "="):
            top = value - (condition.operator == "<")
            high = top if high is None else min(high, top)
    return low, high


def _is_age(dimension: Dimension) -> bool:
    spec = DIMENSIONS.get(dimension.name)
    return spec is not None and spec.requires == ("age",)


def _bound_ages(
    cells: pl.DataFrame, dimension: Dimension, universe: tuple[Condition, ...]
) -> pl.DataFrame:
    """Relabel the age groups the universe cuts by the ages they hold ("1-4", not "0-4")."""
    low, high = _age_limits(universe)
    if not _is_age(dimension) or (low == 0 and high is None):
        return cells
    level = dimension.levels[-1]
    relabel: dict[str, str] = {}
    for code in cells[level].unique().to_list():
        bounds = age_bounds(code)
        if bounds is None:
            continue
        first, last = bounds
        if (last is not None and last < low) or (high is not None and first > high):
            continue  # wholly outside: not applicable, see _not_applicable
        start = max(first, low)
        end = last if high is None else (high if last is None else min(last, high))
        if (start, end) != (first, last):
            relabel[code] = f"{start}+" if end is None else f"{start}-{end}"
    if not relabel:
        return cells
    label = f"{level}_label"
    return cells.with_columns(
        pl.col(level).replace_strict(relabel, default=pl.col(label)).alias(label)
    )


def _excluded(codes: list[str], dimension: Dimension, universe: tuple[Condition, ...]) -> set[str]:
    """A dimension's codes that the universe excludes."""
    excluded: set[str] = set()
    if _is_age(dimension):
        low, high = _age_limits(universe)
        for code in codes:
            bounds = age_bounds(code)
            if bounds is None:
                continue
            first, last = bounds
            if (last is not None and last < low) or (high is not None and first > high):
                excluded.add(code)
    for condition in universe:
        if condition.field != dimension.name:
            continue
        values = set(condition.values)
        for code in codes:
            if code == TOTAL:
                continue
            if (condition.operator == "!=") == (code in values):
                excluded.add(code)
    return excluded


def _not_applicable(
    cells: pl.DataFrame, dimension: Dimension, universe: tuple[Condition, ...]
) -> pl.DataFrame:
    """Flag "z" the empty cells of the categories the universe excludes."""
    level = dimension.levels[-1]
    excluded = _excluded(cells[level].unique().to_list(), dimension, universe)
    if not excluded:
        return cells
    impossible = (
        pl.col(level).is_in(sorted(excluded))
        & pl.col(FLAG).is_null()
        & (pl.col(VALUE).is_null() | (pl.col(VALUE) == 0))
    )
    updates = [
        pl.when(impossible).then(pl.lit(NOT_APPLICABLE)).otherwise(pl.col(FLAG)).alias(FLAG),
        pl.when(impossible).then(None).otherwise(pl.col(VALUE)).alias(VALUE),
    ]
    if PERCENT in cells.columns:
        updates.append(pl.when(impossible).then(None).otherwise(pl.col(PERCENT)).alias(PERCENT))
    return cells.with_columns(updates)
