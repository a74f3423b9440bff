"""Number formatting shared by the workbook and the report (UN symbols)."""

from __future__ import annotations

ZERO = "-"
"""UN convention: magnitude zero."""


def format_count(value: float) -> str:
    """Format a count or weighted estimate: thousands separators, '-' for zero."""
    rounded = round(value)
    return ZERO if rounded == 0 else f"{rounded:,}"
