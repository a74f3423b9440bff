"""The published layout of a table: stub rows, column spanners and the body, from tidy cells.

This only arranges numbers the run published; it never adds or changes one. Renderers (Excel,
HTML) share it so that every output shows the same table.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from censusmig.classifications.codes import TOTAL, TRAILING_ORDER
from censusmig.dimensions.coding import Dimension
from censusmig.renderers.formatting import NOT_AVAILABLE
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
        total: True for a total or subtotal row (shown in bold).
    """

    labels: tuple[str, ...]
    indent: int
    total: bool


@dataclass(frozen=True)
class Grid:
    """A table laid out for publication.

    Attributes:
        stub_titles: Headings of the stub columns.
        header_rows: Spanner rows, outer first; the last row heads the body columns.
        rows: Stub of each body row.
        values: Body cells, one tuple per row.
    """

    stub_titles: tuple[str, ...]
    header_rows: tuple[tuple[HeaderCell, ...], ...]
    rows: tuple[StubRow, ...]
    values: tuple[tuple[Cell, ...], ...]


Key = tuple[str, ...]


def grid(table: Table, measure: str = "value") -> Grid:
    """Lay out a table: stub dimensions down, column dimensions across, totals first.

    Args:
        table: The table.
        measure: The column shown in the body: ``value`` or ``percent``.
    """
    cells = table.cells
    row_levels = [level for d in table.rows for level in d.levels]
    col_levels = [level for d in table.columns for level in d.levels]
    labels = {
        level: dict(zip(cells[level].to_list(), cells[f"{level}_label"].to_list(), strict=True))
        for level in (*row_levels, *col_levels)
    }
    all_rows, all_cols = _keys(cells, row_levels), _keys(cells, col_levels)
    detailed_rows = _detailed(all_rows, table.rows)
    detailed_cols = _detailed(all_cols, table.columns)
    row_keys = [k for k in all_rows if _shown(k, table.rows, detailed_rows)]
    col_keys = [k for k in all_cols if _shown(k, table.columns, detailed_cols)]
    flags = pl.col(FLAG) if FLAG in cells.columns else pl.lit(None, dtype=pl.String)
    keys = len(row_levels) + len(col_levels)
    lookup = {
        (tuple(r[: len(row_levels)]), tuple(r[len(row_levels) : keys])): _cell(r[-2], r[-1])
        for r in cells.select(*row_levels, *col_levels, measure, flags.alias(FLAG)).iter_rows()
    }
    header_rows = tuple(
        _spanners(col_keys, table.columns, index, labels) for index in range(len(table.columns))
    )
    rows = tuple(_stub(key, table.rows, labels) for key in row_keys)
    values = tuple(tuple(lookup[(r, c)] for c in col_keys) for r in row_keys)
    return Grid(tuple(d.title for d in table.rows), header_rows, rows, values)


def _cell(value: float | None, flag: str | None) -> Cell:
    """A body cell: the flag the table gives it, else ".." when it has no value."""
    if flag is not None:
        return Cell(value, flag)
    return Cell(value, NOT_AVAILABLE if value is None else None)


def _keys(cells: pl.DataFrame, levels: list[str]) -> list[Key]:
    if not levels:
        return [()]
    return [tuple(row) for row in cells.select(levels).unique(maintain_order=True).iter_rows()]


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


def _stub(
    key: Key, dimensions: tuple[Dimension, ...], labels: dict[str, dict[str, str]]
) -> StubRow:
    parts = _split(key, dimensions)
    shown = [_display(part, d.levels, labels) for part, d in zip(parts, dimensions, strict=True)]
    total = any(part[-1] == TOTAL for part in parts)
    return StubRow(tuple(label for label, _ in shown), shown[-1][1], total)


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
