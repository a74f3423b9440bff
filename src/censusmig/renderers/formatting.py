"""Number formatting shared by the workbook and the report (UN symbols)."""

from __future__ import annotations

ZERO = "-"
"""UN convention: magnitude zero."""

NOT_AVAILABLE = ".."
"""UN convention: not available (here: a percentage of an empty total)."""


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


def measures(percent: bool) -> tuple[str, ...]:
    """The measures a table shows: counts, then percentages when the recipe asks for them."""
    return ("value", "percent") if percent else ("value",)
