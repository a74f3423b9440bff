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
    from censusmig.tables.table import SamplingErrors, Table

ZERO = "-"
"""UN convention: magnitude zero."""

NOT_AVAILABLE = ".."
"""UN convention: not available (here: a percentage of an empty total)."""

ROUNDS_TO_ZERO = "0.0"
"""UN convention: a magnitude that is not zero but less than half the unit shown ("0" for a
count, "0.0" for a percentage)."""

SUPPRESSED = "x"
"""UN convention: not published, to protect confidentiality (set by a protection step)."""

CONFIDENTIAL_MEANING = "not published, to protect confidentiality (SDMX CONF_STATUS = C)"
"""What ``x`` means wherever a table shows it, or a protected run's legend lists it (SDMX's
confidentiality status ``C``, confidential)."""

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


def symbols(protected: bool) -> dict[str, str]:
    """Every symbol and its meaning, as a legend of all of them lists them.

    Args:
        protected: Whether a table of the run was protected: ``x`` then has its full
            meaning, :data:`CONFIDENTIAL_MEANING`; otherwise the short one of
            :data:`SYMBOLS`, which the outputs of runs without protection keep.
    """
    return SYMBOLS | {SUPPRESSED: CONFIDENTIAL_MEANING} if protected else dict(SYMBOLS)


def legend(grids: Iterable[Grid]) -> str:
    """The symbols line under a table: the usual symbols, and any other its cells show.

    ``x`` is only shown where protection withheld a cell: its meaning is then the full one.
    """
    shown = {cell.symbol for layout in grids for row in layout.values for cell in row}
    shown |= {ROUNDS_TO_ZERO for layout in grids if _rounds_to_zero(layout)}
    meanings = symbols(SUPPRESSED in shown)
    listed = [s for s in meanings if s in ALWAYS_LISTED or s in shown]
    return "Symbols: " + "; ".join(f"{s} {meanings[s]}" for s in listed) + "."


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
    """Format a body cell of ``measure`` (``value``, ``percent`` or a sampling error).

    A cell with a symbol (or without a value) shows its symbol; any other its number: an
    estimate or its margin of error as a count, a percentage, a coefficient of variation or
    a margin of error of a percentage with one decimal (:data:`DECIMAL_MEASURES`).
    """
    if cell.value is None or cell.symbol is not None:
        return symbol(cell)
    if measure in DECIMAL_MEASURES:
        return format_percent(cell.value)
    return format_count(cell.value)


def measures(percent: bool) -> tuple[str, ...]:
    """The measures a table shows: counts, then percentages when the recipe asks for them."""
    return ("value", "percent") if percent else ("value",)


DECIMAL_MEASURES = frozenset({"percent", "cv", "percent_se", "percent_moe"})
"""Measures shown with one decimal (percentages, percentage points, a CV in percent); every
other measure is shown as a whole number, as the estimate it is about."""

SAMPLING_ERRORS_SHOWN: dict[str, tuple[str, ...]] = {
    "value": ("moe", "cv"),
    "percent": ("percent_moe",),
}
"""Measure -> the sampling errors shown with it, in order: an estimate's margin of error and
coefficient of variation, a percentage's margin of error (the standard errors and the
confidence intervals are in the tidy CSV)."""

MEASURE_NAMES: dict[str, str] = {
    "value": "Number",
    "percent": "Percent",
    "moe": "Margin of error",
    "cv": "Coefficient of variation (%)",
    "percent_moe": "Margin of error (percentage points)",
}
"""The heading of a measure's one value column (a table with every dimension down the stub)."""


def sampling_errors_of(table: Table, measure: str) -> tuple[str, ...]:
    """The sampling-error measures shown under ``measure`` of a table (none for a full count).

    Args:
        table: The table.
        measure: ``value`` or ``percent``.
    """
    if table.sampling_errors is None:
        return ()
    columns = table.cells.columns
    return tuple(name for name in SAMPLING_ERRORS_SHOWN.get(measure, ()) if name in columns)


def confidence_words(errors: SamplingErrors) -> str:
    """The confidence level in words: "90% confidence level"."""
    return f"{100 * errors.confidence:g}% confidence level"


def sampling_heading(measure: str, errors: SamplingErrors) -> str:
    """What a grid of sampling errors shows, with the confidence level where it applies.

    Args:
        measure: ``moe``, ``cv`` or ``percent_moe``.
        errors: How the table's sampling errors were computed.
    """
    level = confidence_words(errors)
    if measure == "moe":
        return f"Margins of error (±) of the estimated numbers, at the {level}"
    if measure == "percent_moe":
        return f"Margins of error (±) of the percentages, in percentage points, at the {level}"
    if measure == "cv":
        return "Coefficients of variation of the estimated numbers (%)"
    return MEASURE_NAMES.get(measure, measure)


def reliability_legend(errors: SamplingErrors) -> str:
    """The reliability flags' line under a table: each flag and what it means."""
    flags = "; ".join(f"{flag} {meaning}" for flag, meaning in errors.legend())
    return (
        f"Reliability flags (shown beside a value): {flags}. A percentage carries the flag of "
        "the estimated number it is a share of."
    )


def sampling_note(errors: SamplingErrors) -> str:
    """The note that says how a table's sampling errors were computed."""
    return (
        f"Sampling errors: estimated by {errors.method}. Margins of error and confidence "
        f"intervals at the {confidence_words(errors)} (z = {errors.z:.3f}); coefficients of "
        "variation in percent of the estimate."
    )


def no_sampling_errors_note(note: str) -> str:
    """The note of a weighted table without sampling errors: why there are none."""
    return f"Sampling errors are not estimated: {note}"


def method_notes(table: Table) -> tuple[str, ...]:
    """How a weighted table's sampling errors were estimated, or why they were not.

    None for a full count.
    """
    if table.sampling_errors is not None:
        return (sampling_note(table.sampling_errors),)
    if table.variance_note is not None:
        return (no_sampling_errors_note(table.variance_note),)
    return ()


def survey_notes(table: Table) -> tuple[str, ...]:
    """The notes a weighted table adds about its sampling errors.

    :func:`method_notes`, then the reliability flags' legend; none for a full count.
    """
    errors = table.sampling_errors
    legend_line = (reliability_legend(errors),) if errors is not None else ()
    return (*method_notes(table), *legend_line)
