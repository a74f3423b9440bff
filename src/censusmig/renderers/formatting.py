"""Number formatting shared by the workbook and the report (UN symbols)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from censusmig.renderers.layout import Cell, Grid

ZERO = "-"
"""UN convention: magnitude zero."""

NOT_AVAILABLE = ".."
"""UN convention: not available (here: a percentage of an empty total)."""

SUPPRESSED = "x"
"""UN convention: not published, to protect confidentiality (set by a protection step)."""


def format_count(value: float | None) -> str:
    """Format a count or weighted estimate: thousands separators, '-' for zero."""
    if value is None:
        return NOT_AVAILABLE
    rounded = round(value)
    return ZERO if rounded == 0 else f"{rounded:,}"


def format_percent(value: float | None) -> str:
    """Format a percentage with one decimal, '-' for zero, '..' when not available."""
    if value is None:
        return NOT_AVAILABLE
    return ZERO if round(value, 1) == 0 else f"{value:.1f}"


SYMBOLS: dict[str, str] = {
    ZERO: "magnitude zero",
    NOT_AVAILABLE: "not available",
    SUPPRESSED: "not published (confidentiality)",
}
"""Every symbol a table may show, with its meaning, in the order the legend lists them."""

ALWAYS_LISTED = (ZERO, NOT_AVAILABLE)
"""Symbols every legend lists, whether or not the table shows them."""


def legend(grids: Iterable[Grid]) -> str:
    """The symbols line under a table: the usual symbols, and any other its cells show."""
    shown = {cell.symbol for layout in grids for row in layout.values for cell in row}
    listed = [s for s in SYMBOLS if s in ALWAYS_LISTED or s in shown]
    return "Symbols: " + "; ".join(f"{s} {SYMBOLS[s]}" for s in listed) + "."


def symbol(cell: Cell) -> str:
    """What a cell without a value shows: its own symbol, else '..'."""
    return cell.symbol or NOT_AVAILABLE


def format_cell(cell: Cell, measure: str) -> str:
    """Format a body cell of ``measure`` (``value`` or ``percent``).

    A cell without a value shows its symbol; any other shows its number.
    """
    if cell.value is None:
        return symbol(cell)
    return format_percent(cell.value) if measure == "percent" else format_count(cell.value)


def measures(percent: bool) -> tuple[str, ...]:
    """The measures a table shows: counts, then percentages when the recipe asks for them."""
    return ("value", "percent") if percent else ("value",)
