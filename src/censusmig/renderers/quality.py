"""The data-quality content shared by the workbook and the report, from the run record.

Two sections, each with its own headers: the record accounting of every table (by its
title), then the edit checks and the other counts of records (weights, records outside the
population, source codes in no code list). Counts stay numbers (a workbook formats them);
:func:`quality_text` writes one as the report shows it, with thousands separators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from censusmig.protection.record import RunRecord
from censusmig.renderers.formatting import SUPPRESSED
from censusmig.tables.table import CAUTION, UNRELIABLE

ACCOUNTING_HEADER: tuple[str, ...] = (
    "Table",
    "Universe (records)",
    "Records in inner cells",
    "Reconciles",
    "Not stated (_U), by dimension",
    "Unknown code (_X), by dimension",
)
CHECKS_HEADER: tuple[str, ...] = ("Check", "Severity", "Records", "Detail")
HEADER = ACCOUNTING_HEADER
"""The first section's header (the name earlier versions gave the one data-quality header)."""


@dataclass(frozen=True)
class QualitySection:
    """One section of the data-quality content: a heading, column headers and rows.

    Attributes:
        title: The section's heading.
        header: Column headers.
        rows: One tuple per row, as many cells as ``header``: text, or a count (an int).
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


def quality_sections(
    record: RunRecord, titles: Mapping[str, str] | None = None
) -> tuple[QualitySection, QualitySection]:
    """The data-quality content: record accounting by table, then edit checks.

    A count that protection withheld is shown with the symbol ``x``.

    Args:
        record: The run record (its counts are the published ones).
        titles: Recipe id -> table title (the tables' titles name the rows); an id
            without one is shown as it is.

    Returns:
        The record-accounting section and the edit-checks section.
    """
    titles = titles or {}
    accounting = tuple(
        (
            titles.get(entry.id, entry.id),
            _shown(entry.universe_records),
            _shown(entry.inner_cells_records),
            "yes" if entry.reconciles else "NO",
            _pairs(entry.not_stated_records),
            _pairs(entry.unknown_code_records),
        )
        for entry in record.tables
    )
    checks: list[tuple[object, ...]] = []
    results = record.edit_checks.results if record.edit_checks is not None else ()
    for result in results:
        if not result.skipped:
            checks.append(
                (result.title, result.severity, result.records, _pairs(result.detail, ""))
            )
    for problem, count in record.weight_problems.items():
        if count:
            checks.append(
                (
                    f"Weights {problem.replace('_', ' ')} (counted with weight 0 if missing)",
                    "warning",
                    count,
                    "",
                )
            )
    if record.input.population is not None:
        checks.append(
            (
                f"Records outside the population ({record.input.population}), in no table",
                "note",
                record.input.records_outside_population,
                "",
            )
        )
    if record.input.blank_lines_skipped:
        checks.append(
            ("Blank lines skipped (not records)", "note", record.input.blank_lines_skipped, "")
        )
    checks += _flagged_cells(record, titles)
    for concept, codes in record.unknown_codes.items():
        checks.append(
            (
                f"Source codes in no code list: {concept}",
                "warning",
                sum(count or 1 for count in codes.values()),  # withheld (None): 1 at least
                _pairs(codes),
            )
        )
    return (
        QualitySection("Record accounting by table", ACCOUNTING_HEADER, accounting),
        QualitySection("Edit checks and other record counts", CHECKS_HEADER, tuple(checks)),
    )


FLAGGED = {
    CAUTION: ("Estimates flagged E (use with caution), all tables", "note"),
    UNRELIABLE: ("Estimates flagged F (too unreliable to be published), all tables", "warning"),
}
"""Reliability flag -> the data-quality row that counts its cells, and its severity."""


def _flagged_cells(record: RunRecord, titles: Mapping[str, str]) -> list[tuple[object, ...]]:
    """A row per reliability flag: the cells flagged over the run, and by table (by title).

    None for a run without sampling errors (a full count).
    """
    entries = [entry for entry in record.tables if entry.sampling_errors is not None]
    rows: list[tuple[object, ...]] = []
    for flag, (title, severity) in FLAGGED.items() if entries else ():
        counts = {
            titles.get(entry.id, entry.id): entry.sampling_errors.cells_flagged.get(flag, 0)
            for entry in entries
            if entry.sampling_errors is not None
        }
        rows.append((title, severity, sum(counts.values()), _pairs(counts)))
    return rows


def quality_rows(record: RunRecord, titles: Mapping[str, str] | None = None) -> list[list[object]]:
    """Both sections as one list of rows, each section's header first.

    For a renderer that shows one grid: the second section's header row comes right
    before its rows, so that no count stands under another section's header.

    Args:
        record: The run record.
        titles: Recipe id -> table title.

    Returns:
        One list per row: the accounting header and rows (six cells each), then the checks
        header and rows (four cells each).
    """
    rows: list[list[object]] = []
    for section in quality_sections(record, titles):
        rows.append(list(section.header))
        rows += [list(row) for row in section.rows]
    return rows


def quality_text(value: object) -> str:
    """A data-quality cell as text: counts with thousands separators, text as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _shown(count: int | None) -> int | str:
    """A count, or the symbol of a count that protection withheld."""
    return SUPPRESSED if count is None else count


def _pairs(counts: Mapping[str, int | None], empty: str = "none") -> str:
    return (
        "; ".join(f"{key}: {quality_text(_shown(value))}" for key, value in counts.items()) or empty
    )


__all__: Sequence[str] = (
    "ACCOUNTING_HEADER",
    "CHECKS_HEADER",
    "HEADER",
    "QualitySection",
    "quality_rows",
    "quality_sections",
    "quality_text",
)
