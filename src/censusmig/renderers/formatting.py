"""Number formatting shared by the workbook and the report (UN and SDMX symbols).

One legend for both files (:data:`SYMBOLS`), after the conventions of the UN Demographic
Yearbook and of SDMX: "-" magnitude zero; "0" or "0.0" a magnitude that is not zero but rounds
to zero; ".." not available; "x" not published (confidentiality, set by disclosure control);
"z" not applicable. "z" follows SDMX's special code ``_Z`` (not applicable) and Eurostat's
flag "z": a letter, as "x" is, but not one a reader can take for it, and not a run of dots
that reads like "..".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from censusmig.renderers.layout import Cell, Grid

ZERO = "-"
"""UN convention: magnitude zero."""

NOT_AVAILABLE = ".."
"""UN convention: not available (here: a percentage of an empty total)."""

ROUNDS_TO_ZERO = "0.0"
"""UN convention: a magnitude that is not zero but less than half the unit shown ("0" for a
count, "0.0" for a percentage)."""

SUPPRESSED = "x"
"""UN convention: not published, to protect confidentiality (set by a protection step)."""

NOT_APPLICABLE = "z"
"""SDMX ``_Z``: not applicable, a cell the table's universe excludes (age 0-4 in a table of
persons aged 5 and over). Never shown as zero."""


def format_count(value: float | None) -> str:
    """Format a count or weighted estimate: thousands separators, "-" for zero.

    A weighted estimate that is not zero but rounds to zero shows "0".
    """
    if value is None:
        return NOT_AVAILABLE
    if value == 0:
        return ZERO
    return f"{round(value):,}"


def format_percent(value: float | None) -> str:
    """Format a percentage with one decimal: "-" for zero, "0.0" when it rounds to zero."""
    if value is None:
        return NOT_AVAILABLE
    if value == 0:
        return ZERO
    return f"{abs(value) if round(value, 1) == 0 else value:.1f}"


SYMBOLS: dict[str, str] = {
    ZERO: "magnitude zero",
    ROUNDS_TO_ZERO: "magnitude not zero, less than half the unit shown (0 or 0.0)",
    NOT_AVAILABLE: "not available",
    SUPPRESSED: "not published (confidentiality)",
    NOT_APPLICABLE: "not applicable (the table's universe excludes the category)",
}
"""Every symbol a table may show, with its meaning, in the order the legend lists them: the
one legend of the report and the workbook."""

ALWAYS_LISTED = (ZERO, NOT_AVAILABLE)
"""Symbols every legend lists, whether or not the table shows them."""


def legend(grids: Iterable[Grid]) -> str:
    """The symbols line under a table: the usual symbols, and any other its cells show."""
    shown = {cell.symbol for layout in grids for row in layout.values for cell in row}
    shown |= {ROUNDS_TO_ZERO for layout in grids if _rounds_to_zero(layout)}
    listed = [s for s in SYMBOLS if s in ALWAYS_LISTED or s in shown]
    return "Symbols: " + "; ".join(f"{s} {SYMBOLS[s]}" for s in listed) + "."


def _rounds_to_zero(layout: Grid) -> bool:
    """Whether a body cell is not zero but shows as 0 (a count) or 0.0 (a percentage)."""
    limit = 0.05 if layout.measure == "percent" else 0.5
    return any(
        cell.symbol is None and cell.value is not None and 0 < abs(cell.value) < limit
        for row in layout.values
        for cell in row
    )


def symbol(cell: Cell) -> str:
    """What a cell without a value shows: its own symbol, else '..'."""
    return cell.symbol or NOT_AVAILABLE


def format_cell(cell: Cell, measure: str) -> str:
    """Format a body cell of ``measure`` (``value`` or ``percent``).

    A cell with a symbol (or without a value) shows its symbol; any other its number.
    """
    if cell.value is None or cell.symbol is not None:
        return symbol(cell)
    return format_percent(cell.value) if measure == "percent" else format_count(cell.value)


def measures(percent: bool) -> tuple[str, ...]:
    """The measures a table shows: counts, then percentages when the recipe asks for them."""
    return ("value", "percent") if percent else ("value",)
