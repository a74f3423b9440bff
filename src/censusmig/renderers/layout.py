"""The published layout of a table: stub rows, column spanners and the body, from tidy cells.

This arranges the numbers the run published as :mod:`censusmig.renderers.presentation` shows
them ("Unknown code" with "Not stated", empty "Not stated" left out, excluded categories not
applicable), with the stub and spanners :mod:`censusmig.renderers.arrangement` chooses.
Renderers (Excel, HTML) share it so that every output shows the same table.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from censusmig.classifications.codes import NOT_STATED, TOTAL, TRAILING_ORDER
from censusmig.dimensions.coding import Dimension
from censusmig.renderers.arrangement import arrange
from censusmig.renderers.formatting import NOT_AVAILABLE
from censusmig.renderers.presentation import present
from censusmig.tables.table import Table

FLAG = "flag"
"""The tidy column that carries a cell's symbol when a protection step set one ("x")."""


class Cell(NamedTuple):
    """One body cell: its value and the symbol shown instead of (or, later, beside) it.

    A named tuple rather than a frozen dataclass: a workbook lays out tens of thousands of
    them, and a tuple is built several times faster.

    Attributes:
        value: The number, or None when there is none to show.
        symbol: The cell's flag: the table's ``flag`` column when it has one for this cell
            ("x": suppressed), else ".." for a missing value, else None. Magnitude zero is
            not a symbol here: whether a value rounds to zero is a matter of formatting.
    """

    value: float | None
    symbol: str | None = None


@dataclass(frozen=True)
class HeaderCell:
    """A spanner or column heading.

    Attributes:
        label: Text shown.
        span: Number of body columns it covers.
    """

    label: str
    span: int


@dataclass(frozen=True)
class StubRow:
    """One body row's stub.

    Attributes:
        labels: One label per stub dimension.
        indent: Indentation of the innermost label (1 for a country under its region).
        total: True for a total row (shown in bold): the row of "Total" in every stub
            dimension but the blocks (a block's own total, "Both sexes", is not bold).
        indents: Indentation of each label (a country under its region is 1 whichever
            stub column it is in); empty: 0 for all but the last, which is ``indent``.
        repeated: For each label, True when it repeats the label of the row above in the
            same block: a presentation layout leaves it blank, an accessible one repeats it.
            Empty: none repeated.
    """

    labels: tuple[str, ...]
    indent: int
    total: bool
    indents: tuple[int, ...] = ()
    repeated: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Grid:
    """A table laid out for publication.

    Attributes:
        stub_titles: Headings of the stub columns.
        header_rows: Spanner rows, outer first; the last row heads the body columns. A
            table with one spanner dimension has its title as the first row, spanning
            every column ("Region of usual residence now" over the regions).
        rows: Stub of each body row.
        values: Body cells, one tuple per row.
        measure: The measure in the body: ``value`` or ``percent``.
        notes: Every note to print under the table: the recipe's, then those the
            presentation adds (what "Not stated" holds, what was left out).
        spanner_titles: Title of each spanner dimension, outer first.
    """

    stub_titles: tuple[str, ...]
    header_rows: tuple[tuple[HeaderCell, ...], ...]
    rows: tuple[StubRow, ...]
    values: tuple[tuple[Cell, ...], ...]
    measure: str = "value"
    notes: tuple[str, ...] = ()
    spanner_titles: tuple[str, ...] = ()


Key = tuple[str, ...]


def grid(table: Table, measure: str = "value") -> Grid:
    """Lay out a table: stub dimensions down, spanner dimensions across, totals first.

    The table is shown as :func:`censusmig.renderers.presentation.present` makes it, with
    the stub and spanners of :func:`censusmig.renderers.arrangement.arrange`.

    Args:
        table: The table.
        measure: The column shown in the body: ``value`` or ``percent``.
    """
    presented = present(table)
    shown = presented.table
    arrangement = arrange(shown)
    stub, spanners = arrangement.stub, arrangement.spanners
    cells = shown.cells
    row_levels = [level for d in stub for level in d.levels]
    col_levels = [level for d in spanners for level in d.levels]
    labels = {
        level: dict(zip(cells[level].to_list(), cells[f"{level}_label"].to_list(), strict=True))
        for level in (*row_levels, *col_levels)
    }
    all_rows, all_cols = _keys(cells, stub), _keys(cells, spanners)
    detailed_rows = _detailed(all_rows, stub)
    detailed_cols = _detailed(all_cols, spanners)
    row_keys = [k for k in all_rows if _shown(k, stub, detailed_rows)]
    col_keys = [k for k in all_cols if _shown(k, spanners, detailed_cols)]
    flags = pl.col(FLAG) if FLAG in cells.columns else pl.lit(None, dtype=pl.String)
    keys = len(row_levels) + len(col_levels)
    lookup = {
        (tuple(r[: len(row_levels)]), tuple(r[len(row_levels) : keys])): _cell(r[-2], r[-1])
        for r in cells.select(*row_levels, *col_levels, measure, flags.alias(FLAG)).iter_rows()
    }
    titles = {d.name: table.layout.titles.get(d.name, d.title) for d in table.dimensions}
    header_rows = tuple(
        _spanners(col_keys, spanners, index, labels) for index in range(len(spanners))
    )
    if len(spanners) == 1:
        header_rows = ((HeaderCell(titles[spanners[0].name], len(col_keys)),), *header_rows)
    if not spanners:  # every dimension down the stub: the one value column is named by its measure
        header_rows = ((HeaderCell("Percent" if measure == "percent" else "Number", 1),),)
    added = list(presented.notes)
    if arrangement.blocks:
        counts = lookup
        if measure != "value":  # the same rows are left out of every measure's grid
            counts = {
                (tuple(r[: len(row_levels)]), tuple(r[len(row_levels) : keys])): _cell(r[-2], r[-1])
                for r in cells.select(
                    *row_levels, *col_levels, "value", flags.alias(FLAG)
                ).iter_rows()
            }
        row_keys, note = _sparse_not_stated_block(row_keys, col_keys, counts, stub[0], titles)
        added += [note] if note else []
    rows = _stubs(row_keys, stub, labels, arrangement.blocks)
    values = tuple(tuple(lookup[(r, c)] for c in col_keys) for r in row_keys)
    return Grid(
        tuple(titles[d.name] for d in stub),
        header_rows,
        rows,
        values,
        measure=measure,
        notes=(*table.notes, *added),
        spanner_titles=tuple(titles[d.name] for d in spanners),
    )


def _sparse_not_stated_block(
    row_keys: list[Key],
    col_keys: list[Key],
    lookup: dict[tuple[Key, Key], Cell],
    block: Dimension,
    titles: dict[str, str],
) -> tuple[list[Key], str]:
    """Leave out the rows of the "Not stated" block that are zero everywhere.

    A block of rows for "Not stated" (sex not stated, with each country of birth under it)
    holds a handful of persons: its rows of zeros are left out, its total row is kept.
    """
    width = len(block.levels)

    def empty(key: Key) -> bool:
        return all(
            lookup[(key, c)].symbol is None and lookup[(key, c)].value == 0 for c in col_keys
        )

    kept = [
        key
        for key in row_keys
        if key[0] != NOT_STATED or all(code == TOTAL for code in key[width:]) or not empty(key)
    ]
    if len(kept) == len(row_keys):
        return row_keys, ""
    note = f"{titles[block.name]} not stated: the rows that are zero everywhere are left out."
    return kept, note


def _cell(value: float | None, flag: str | None) -> Cell:
    """A body cell: the flag the table gives it, else ".." when it has no value."""
    if flag is not None:
        return Cell(value, flag)
    return Cell(value, NOT_AVAILABLE if value is None else None)


def _keys(cells: pl.DataFrame, dimensions: tuple[Dimension, ...]) -> list[Key]:
    """Every combination of the dimensions' codes, each dimension in its publication order.

    A dimension's order is the order its codes first appear in the tidy cells (which list
    them in publication order), so that a dimension moved to the stub keeps its order.
    """
    parts = [cells.select(d.levels).unique(maintain_order=True).rows() for d in dimensions]
    return [tuple(code for part in combo for code in part) for combo in itertools.product(*parts)]


def _split(key: Key, dimensions: tuple[Dimension, ...]) -> list[Key]:
    parts, start = [], 0
    for dimension in dimensions:
        parts.append(key[start : start + len(dimension.levels)])
        start += len(dimension.levels)
    return parts


def _detailed(keys: list[Key], dimensions: tuple[Dimension, ...]) -> set[tuple[int, str]]:
    """(dimension index, outer code) of the outer categories that have real sub-categories."""
    found = set()
    for key in keys:
        for index, part in enumerate(_split(key, dimensions)):
            if len(part) > 1 and part[-1] not in (TOTAL, part[0]):
                found.add((index, part[0]))
    return found


def _shown(key: Key, dimensions: tuple[Dimension, ...], detailed: set[tuple[int, str]]) -> bool:
    """Whether a row (or column) is shown.

    An outer category without sub-categories of its own (not stated; "same dwelling", whose
    only detail is itself) is shown once, as its single child, not also as a subtotal.
    """
    for index, part in enumerate(_split(key, dimensions)):
        if len(part) > 1 and part[0] != TOTAL and (index, part[0]) not in detailed:
            if part[-1] == TOTAL:
                return False
    return True


def _display(
    part: Key, levels: tuple[str, ...], labels: dict[str, dict[str, str]]
) -> tuple[str, int]:
    """Label and indent of one dimension's codes: the innermost level that is not a total."""
    for depth in range(len(part) - 1, -1, -1):
        if part[depth] != TOTAL:
            indent = 0 if part[0] in TRAILING_ORDER or part[depth] == part[0] else depth
            return labels[levels[depth]][part[depth]], indent
    return labels[levels[0]][part[0]], 0


def _stubs(
    keys: list[Key],
    dimensions: tuple[Dimension, ...],
    labels: dict[str, dict[str, str]],
    blocks: int,
) -> tuple[StubRow, ...]:
    """The stub of every row: labels, indents, bold totals and labels repeated from above."""
    rows = []
    previous: list[Key] = []
    for key in keys:
        parts = _split(key, dimensions)
        shown = [
            _display(part, d.levels, labels) for part, d in zip(parts, dimensions, strict=True)
        ]
        total = all(all(code == TOTAL for code in part) for part in parts[blocks:])
        # A label repeats the one above while every part up to it is the same.
        same = [bool(previous) and parts[: i + 1] == previous[: i + 1] for i in range(len(parts))]
        same[-1] = False
        rows.append(
            StubRow(
                tuple(label for label, _ in shown),
                shown[-1][1],
                total,
                indents=tuple(indent for _, indent in shown),
                repeated=tuple(same),
            )
        )
        previous = parts
    return tuple(rows)


def _spanners(
    col_keys: list[Key],
    dimensions: tuple[Dimension, ...],
    index: int,
    labels: dict[str, dict[str, str]],
) -> tuple[HeaderCell, ...]:
    start = sum(len(d.levels) for d in dimensions[:index])
    stop = start + len(dimensions[index].levels)
    cells = []
    for prefix, group in itertools.groupby(col_keys, key=lambda k: k[:stop]):
        label, _ = _display(prefix[start:stop], dimensions[index].levels, labels)
        cells.append(HeaderCell(label, len(list(group))))
    return tuple(cells)
