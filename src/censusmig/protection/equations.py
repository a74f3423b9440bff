"""The additive structure of a table: every margin equals the sum of its parts.

A complete table (:func:`censusmig.tables.margins.complete`) holds every margin: per
dimension, a cell whose level is ``_T`` totals the cells that differ from it in that level
only (its parts), and a hierarchy (region > district) adds one equation per level. What an
attacker can work out from a published table is what these equations allow; secondary
suppression, the attack test and the additivity report all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from censusmig.classifications.codes import TOTAL
from censusmig.tables.table import Table

_ROW = "_row"
_TOTAL_ROW = "_total_row"


@dataclass(frozen=True)
class Equation:
    """``cells[total] = sum(cells[part] for part in parts)`` (row numbers of ``Table.cells``).

    Attributes:
        total: Row of the margin.
        parts: Rows of its parts, ascending.
    """

    total: int
    parts: tuple[int, ...]


def margin_equations(table: Table) -> tuple[Equation, ...]:
    """Every margin equation of a complete table, in a fixed order.

    Args:
        table: A complete table (every margin present).

    Returns:
        One equation per margin and dimension level: the rows of the margin and its parts.
    """
    levels = list(table.level_columns)
    cells = table.cells.select(levels).with_row_index(_ROW)
    equations: list[Equation] = []
    for dimension in table.dimensions:
        own = list(dimension.levels)
        others = [level for level in levels if level not in own]
        for position, level in enumerate(own):
            deeper = [pl.col(name) == TOTAL for name in own[position + 1 :]]
            parts = cells.filter(pl.col(level) != TOTAL, *deeper)
            totals = cells.filter(pl.col(level) == TOTAL, *deeper)
            keys = others + own[:position]
            if keys:
                joined = parts.join(
                    totals.select(*keys, pl.col(_ROW).alias(_TOTAL_ROW)),
                    on=keys,
                    how="inner",
                    nulls_equal=True,
                )
            else:
                joined = parts.with_columns(
                    pl.lit(totals[_ROW][0] if totals.height else None, dtype=pl.UInt32).alias(
                        _TOTAL_ROW
                    )
                ).drop_nulls(_TOTAL_ROW)
            grouped = joined.group_by(_TOTAL_ROW).agg(pl.col(_ROW).sort()).sort(_TOTAL_ROW).rows()
            equations += (Equation(int(t), tuple(int(r) for r in rows)) for t, rows in grouped)
    return tuple(equations)
