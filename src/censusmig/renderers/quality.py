"""The data-quality table shared by the workbook and the report, from the run record."""

from __future__ import annotations

from collections.abc import Mapping

from censusmig.protection.record import RunRecord
from censusmig.renderers.formatting import SUPPRESSED

HEADER: tuple[str, ...] = (
    "Table",
    "Universe (records)",
    "Records in inner cells",
    "Reconciles",
    "Not stated (_U), by dimension",
    "Unknown code (_X), by dimension",
)


def quality_rows(record: RunRecord) -> list[list[object]]:
    """The data-quality table, header first: record accounting, weights, edit checks, codes.

    A count that protection withheld is shown with the symbol ``x``.

    Args:
        record: The run record (its counts are the published ones).

    Returns:
        One list per row, six cells each.
    """
    rows: list[list[object]] = [list(HEADER)]
    for entry in record.tables:
        rows.append(
            [
                entry.id,
                _shown(entry.universe_records),
                _shown(entry.inner_cells_records),
                "yes" if entry.reconciles else "NO",
                _pairs(entry.not_stated_records),
                _pairs(entry.unknown_code_records),
            ]
        )
    for problem, count in record.weight_problems.items():
        if count:
            rows.append(
                [
                    f"Weights {problem.replace('_', ' ')} (counted with weight 0 if missing)",
                    count,
                    "",
                    "",
                    "",
                    "",
                ]
            )
    if record.input.population is not None:
        rows.append(
            [
                f"Records outside the population ({record.input.population}), in no table",
                record.input.records_outside_population,
                *[""] * 4,
            ]
        )
    if record.input.blank_lines_skipped:
        rows.append(
            ["Blank lines skipped (not records)", record.input.blank_lines_skipped, *[""] * 4]
        )
    results = record.edit_checks.results if record.edit_checks is not None else ()
    for result in results:
        if result.skipped:
            continue
        rows.append(
            [
                f"Edit check ({result.severity}): {result.title}",
                result.records,
                "",
                "",
                "",
                _pairs(result.detail) if result.detail else "",
            ]
        )
    for concept, codes in record.unknown_codes.items():
        rows.append(
            [
                f"Source codes in no code list: {concept}",
                sum(codes.values()),
                "",
                "",
                "",
                _pairs(codes),
            ]
        )
    return rows


def _shown(count: int | None) -> int | str:
    """A count, or the symbol of a count that protection withheld."""
    return SUPPRESSED if count is None else count


def _pairs(counts: Mapping[str, int | None]) -> str:
    return "; ".join(f"{key}: {_shown(value)}" for key, value in counts.items()) or "none"
