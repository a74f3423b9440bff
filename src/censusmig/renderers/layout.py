"""The published layout of a table: stub rows, column spanners and the body, from tidy cells.

This arranges the numbers the run published as :mod:`censusmig.renderers.presentation` shows
them ("Unknown code" with "Not stated", empty "Not stated" left out, excluded categories not
applicable), with the stub and spanners :mod:`censusmig.renderers.arrangement` chooses.
Renderers (Excel, HTML) share it so that every output shows the same table.
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import polars as pl

from censusmig.classifications.codes import NOT_STATED, TOTAL, TRAILING_ORDER
from censusmig.dimensions.coding import Dimension
from censusmig.renderers.arrangement import arrange
from censusmig.renderers.formatting import MEASURE_NAMES, NOT_AVAILABLE
from censusmig.renderers.presentation import present
from censusmig.tables.table import PERCENT, PERCENT_SE, RELIABILITY, VALUE, Table

if TYPE_CHECKING:
    from censusmig.protection import Publication

FLAG = "flag"
"""The tidy column that carries a cell's symbol when a protection step set one ("x")."""


class Cell(NamedTuple):
    """One body cell: its value, the symbol shown instead of it and the flag shown beside it.

    A named tuple rather than a frozen dataclass: a workbook lays out tens of thousands of
    them, and a tuple is built several times faster.

    Attributes:
        value: The number, or None when there is none to show.
        symbol: The cell's flag: the table's ``flag`` column when it has one for this cell
            ("x": suppressed), else ".." for a missing value, else None. Magnitude zero is
            not a symbol here: whether a value rounds to zero is a matter of formatting.
        mark: The reliability flag shown beside the value ("E" use with caution, "F" too
            unreliable) of an estimate or a percentage of a survey; None otherwise, and for
            a cell with a symbol.
    """

    value: float | None
    symbol: str | None = None
    mark: str | None = None


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
        measure: The measure in the body: ``value``, ``percent`` or a sampling error
            (``moe``, ``cv``, ``percent_moe``).
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
    the stub and spanners of :func:`censusmig.renderers.arrangement.arrange`. Renderers of a
    publication ask :func:`grids_of` instead, which lays each table out once.

    Args:
        table: The table.
        measure: The column shown in the body: ``value``, ``percent`` or a sampling error
            (``moe``, ``cv``, ``percent_moe``).
    """
    return _Prepared(table).grid(measure)


class Grids:
    """The grids of some tables, each laid out once per measure and then reused.

    A grid is an immutable value that depends only on its table and its measure, so the
    workbook's sheets, its notes and the report can share one. The presentation and the
    arrangement, which do not depend on the measure, are computed once per table. Tables are
    keyed by identity (a table holds a frame and has no hash); the memo keeps a reference to
    each, so an identity is never reused while it lives.
    """

    def __init__(self) -> None:
        """An empty memo."""
        self._prepared: dict[int, _Prepared] = {}
        self._grids: dict[tuple[int, str], Grid] = {}

    def grid(self, table: Table, measure: str = "value") -> Grid:
        """The table's grid for ``measure``, as :func:`grid` lays it out.

        Args:
            table: The table.
            measure: The column shown in the body: ``value``, ``percent`` or a sampling
                error (``moe``, ``cv``, ``percent_moe``).
        """
        key = (id(table), measure)
        found = self._grids.get(key)
        if found is None:
            prepared = self._prepared.get(id(table))
            if prepared is None:
                prepared = self._prepared[id(table)] = _Prepared(table)
            found = self._grids[key] = prepared.grid(measure)
        return found


_BY_PUBLICATION: dict[int, Grids] = {}
"""The memo of each live publication (by identity); an entry goes with its publication."""


def grids_of(publication: Publication) -> Grids:
    """The grids of one publication, shared by every renderer that renders it.

    The memo lives as long as the publication does and is dropped with it, so nothing is
    kept from one run to the next.

    Args:
        publication: What a run publishes.
    """
    key = id(publication)
    found = _BY_PUBLICATION.get(key)
    if found is None:
        found = _BY_PUBLICATION[key] = Grids()
        weakref.finalize(publication, _BY_PUBLICATION.pop, key, None)
    return found


class _Prepared:
    """What a table's grids share whatever the measure: presentation, stub, spanners, keys."""

    def __init__(self, table: Table) -> None:
        presented = present(table)
        shown = presented.table
        arrangement = arrange(shown)
        stub, spanners = arrangement.stub, arrangement.spanners
        cells = shown.cells
        self.cells = cells
        self.row_levels = [level for d in stub for level in d.levels]
        self.col_levels = [level for d in spanners for level in d.levels]
        labels = {level: _labels(cells, level) for level in (*self.row_levels, *self.col_levels)}
        all_rows, all_cols = _keys(cells, stub), _keys(cells, spanners)
        detailed_rows = _detailed(all_rows, stub)
        detailed_cols = _detailed(all_cols, spanners)
        self.row_keys = [k for k in all_rows if _shown(k, stub, detailed_rows)]
        self.col_keys = [k for k in all_cols if _shown(k, spanners, detailed_cols)]
        self._bodies: dict[str, list[tuple[Cell, ...]]] = {}
        titles = {d.name: table.layout.titles.get(d.name, d.title) for d in table.dimensions}
        header_rows = tuple(
            _spanners(self.col_keys, spanners, index, labels) for index in range(len(spanners))
        )
        if len(spanners) == 1:
            header_rows = (
                (HeaderCell(titles[spanners[0].name], len(self.col_keys)),),
                *header_rows,
            )
        self.header_rows = header_rows
        added = list(presented.notes)
        self.kept = list(range(len(self.row_keys)))
        if arrangement.blocks:
            # The same rows are left out of every measure's grid: those zero in the counts.
            self.kept, note = _sparse_not_stated_block(
                self.row_keys, self.body("value"), stub[0], titles
            )
            added += [note] if note else []
        self.rows = _stubs([self.row_keys[i] for i in self.kept], stub, labels, arrangement.blocks)
        self.notes = (*table.notes, *added)
        self.stub_titles = tuple(titles[d.name] for d in stub)
        self.spanner_titles = tuple(titles[d.name] for d in spanners)

    def body(self, measure: str) -> list[tuple[Cell, ...]]:
        """The cells of ``measure``: a tuple per shown row key, one cell per column key.

        The tidy cells are placed by joining them to the row and column keys' positions, so
        that no cell is looked up one by one.
        """
        found = self._bodies.get(measure)
        if found is not None:
            return found
        cells = self.cells
        flag = pl.col(FLAG) if FLAG in cells.columns else pl.lit(None, dtype=pl.String)
        symbol = (
            pl.when(flag.is_not_null())
            .then(flag)
            .when(pl.col(measure).is_null())
            .then(pl.lit(NOT_AVAILABLE))
        )
        # An estimate's reliability flag is shown beside it, and beside its percentage unless
        # that has no sampling error (a total's 100%).
        marked = measure in (VALUE, PERCENT) and RELIABILITY in cells.columns
        shown = symbol.is_null()
        if measure == PERCENT and PERCENT_SE in cells.columns:
            shown = shown & (pl.col(PERCENT_SE) != 0)
        mark = [pl.when(shown).then(pl.col(RELIABILITY)).alias(_MARK)] if marked else []
        placed = _positions(
            _positions(
                cells.select(
                    *self.row_levels,
                    *self.col_levels,
                    pl.col(measure).alias(_VALUE),
                    symbol.alias(_SYMBOL),
                    *mark,
                ),
                self.row_levels,
                self.row_keys,
                _ROW,
            ),
            self.col_levels,
            self.col_keys,
            _COLUMN,
        )
        # A combination listed twice keeps its last cell, as a lookup by key would.
        placed = placed.unique([_ROW, _COLUMN], keep="last").sort(_ROW, _COLUMN)
        width = len(self.col_keys)
        if placed.height != len(self.row_keys) * width:
            raise ValueError("the table's cells do not cover every row and column of its layout")
        if not width:  # a table without cells: rows without columns
            found = self._bodies[measure] = [() for _ in self.row_keys]
            return found
        values, symbols = placed[_VALUE].to_list(), placed[_SYMBOL].to_list()
        marks = placed[_MARK].to_list() if marked else itertools.repeat(None, len(values))
        flat = list(map(Cell._make, zip(values, symbols, marks, strict=True)))
        found = self._bodies[measure] = [
            tuple(flat[start : start + width]) for start in range(0, len(flat), width)
        ]
        return found

    def grid(self, measure: str) -> Grid:
        """The grid of ``measure``."""
        body = self.body(measure)
        values = tuple(body[index] for index in self.kept)
        header_rows = self.header_rows
        if not self.col_levels:  # every dimension down the stub: the one value column is named
            header_rows = ((HeaderCell(MEASURE_NAMES.get(measure, "Number"), 1),),)
        return Grid(
            self.stub_titles,
            header_rows,
            self.rows,
            values,
            measure=measure,
            notes=self.notes,
            spanner_titles=self.spanner_titles,
        )


_ROW, _COLUMN, _VALUE, _SYMBOL, _MARK = "_row", "_column", "_value", "_symbol", "_mark"
"""Working columns of :meth:`_Prepared.body`."""


def _positions(frame: pl.DataFrame, levels: list[str], keys: list[Key], name: str) -> pl.DataFrame:
    """The rows of ``frame`` whose ``levels`` are one of ``keys``, with its position as ``name``.

    The codes of ``levels`` are dropped: only the position is kept.
    """
    if not levels:  # no dimension this way: every cell is in the one row (or column)
        return frame.with_columns(pl.lit(0, dtype=pl.UInt32).alias(name))
    index = pl.DataFrame(
        keys, schema={level: frame.schema[level] for level in levels}, orient="row"
    ).with_row_index(name)
    return frame.join(index, on=levels, how="inner", maintain_order="left").drop(levels)


def _labels(cells: pl.DataFrame, level: str) -> dict[str, str]:
    """Code -> label of one level (a code's last label, should it have several)."""
    pairs = cells.select(level, f"{level}_label").unique(level, keep="last", maintain_order=True)
    return dict(zip(pairs[level].to_list(), pairs[f"{level}_label"].to_list(), strict=True))


def _sparse_not_stated_block(
    row_keys: list[Key],
    body: list[tuple[Cell, ...]],
    block: Dimension,
    titles: dict[str, str],
) -> tuple[list[int], str]:
    """Leave out the rows of the "Not stated" block that are zero everywhere.

    A block of rows for "Not stated" (sex not stated, with each country of birth under it)
    holds a handful of persons: its rows of zeros are left out, its total row is kept.

    Args:
        row_keys: The row keys shown.
        body: The counts of each row (see :meth:`_Prepared.body`).
        block: The stub's outer dimension, whose blocks these are.
        titles: Dimension name -> title.

    Returns:
        The positions of the rows kept, and the note saying rows were left out (or "").
    """
    width = len(block.levels)
    kept = [
        index
        for index, key in enumerate(row_keys)
        if key[0] != NOT_STATED
        or all(code == TOTAL for code in key[width:])
        or not all(cell.symbol is None and cell.value == 0 for cell in body[index])
    ]
    if len(kept) == len(row_keys):
        return kept, ""
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
