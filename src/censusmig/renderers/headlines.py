"""Headline figures for the report's summary, read from the published tables only.

Each figure names the table it comes from. It is a published cell, or a sum of published cells
of one table, never a count from the microdata; a figure whose table did not run, or one of whose
cells protection withheld, is left out (its share alone when only the denominator is withheld).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from censusmig.classifications.codes import TOTAL
from censusmig.renderers.formatting import format_count
from censusmig.tables.table import MOE, RELIABILITY, VALUE, Table

Codes = Mapping[str, str]
"""Level -> code of one cell; every level not named is the total (``_T``)."""


@dataclass(frozen=True)
class Source:
    """Where a headline figure is read.

    Attributes:
        recipe_id: The table.
        cells: Cells added up for the figure.
        share_of: What the table's grand total is, for the share line (None: no share).
    """

    recipe_id: str
    cells: tuple[Codes, ...]
    share_of: str | None = None


@dataclass(frozen=True)
class HeadlineSpec:
    """One headline figure and the tables it may be read from, first found first.

    Attributes:
        label: What the figure counts.
        sources: Tables it can come from, in order of preference.
    """

    label: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Headline:
    """A headline figure as shown.

    Attributes:
        label: What it counts.
        value: The formatted number.
        share: "11.9% of the usually resident population", or None.
        table_id: Recipe id of the source table (its section's anchor).
        table_number: Its number in the report.
        table_title: Its title.
        margin: For a survey table: the figure's margin of error and reliability flag, or
            why none is given (a sum of cells); None for a full count.
    """

    label: str
    value: str
    share: str | None
    table_id: str
    table_number: int
    table_title: str
    margin: str | None = None


_POPULATION = "the usually resident population"

HEADLINES: tuple[HeadlineSpec, ...] = (
    HeadlineSpec(
        "Usually resident population",
        (
            Source("nativity_age_sex", ({},)),
            Source("citizenship_status_age_sex", ({},)),
            Source("generation_age_sex", ({},)),
        ),
    ),
    HeadlineSpec(
        "Foreign-born population",
        (Source("nativity_age_sex", ({"nativity": "foreign_born"},), _POPULATION),),
    ),
    HeadlineSpec(
        "Non-citizens (foreign citizens and stateless)",
        (
            Source(
                "citizenship_status_age_sex",
                ({"citizenship_status": "foreign_citizen"}, {"citizenship_status": "stateless"}),
                _POPULATION,
            ),
        ),
    ),
    HeadlineSpec(
        "Foreign-born who arrived less than 5 years before the census",
        (
            Source(
                "foreign_born_period_of_arrival_country_of_birth",
                ({"period_of_arrival": "Y_LT1"}, {"period_of_arrival": "Y1T4"}),
                "the foreign-born",
            ),
        ),
    ),
    HeadlineSpec(
        "Persons who lived abroad five years before the census",
        (
            Source(
                "residence_5_years_ago_age_sex",
                ({"residence_5_years_ago": "abroad"},),
                "the population aged 5 years and over",
            ),
        ),
    ),
    HeadlineSpec(
        "Second generation (native-born with one or both parents foreign-born)",
        (
            Source(
                "generation_age_sex",
                ({"generation": "second_both"}, {"generation": "second_one"}),
                _POPULATION,
            ),
        ),
    ),
)
"""The summary's figures, in the order shown."""


class Cells:
    """The published cells of one table, looked up by code (levels not named are totals)."""

    def __init__(self, table: Table) -> None:
        """Index the table's cells by their codes.

        Args:
            table: A published table.
        """
        self.levels = table.level_columns
        flags = table.cells["flag"] if "flag" in table.cells.columns else None
        codes = table.cells.select(self.levels).rows()
        values = table.cells[VALUE].to_list()
        margins = table.cells[MOE].to_list() if MOE in table.cells.columns else [None] * len(codes)
        marks = (
            table.cells[RELIABILITY].to_list()
            if RELIABILITY in table.cells.columns
            else [None] * len(codes)
        )
        self._cells: dict[tuple[str, ...], float | None] = {}
        self._errors: dict[tuple[str, ...], tuple[float | None, str | None]] = {}
        for index, key in enumerate(codes):
            withheld = flags is not None and flags[index] is not None
            self._cells[key] = None if withheld else values[index]
            self._errors[key] = (None, None) if withheld else (margins[index], marks[index])

    def has(self, codes: Codes) -> bool:
        """Whether the table has a cell with these codes."""
        return set(codes) <= set(self.levels) and self._key(codes) in self._cells

    def value(self, codes: Codes) -> float | None:
        """The cell's published value; None when withheld, missing or flagged.

        Args:
            codes: Level -> code; other levels are totals.
        """
        return self._cells.get(self._key(codes))

    def errors(self, codes: Codes) -> tuple[float | None, str | None]:
        """The cell's margin of error and reliability flag (None, None without them)."""
        return self._errors.get(self._key(codes), (None, None))

    def _key(self, codes: Codes) -> tuple[str, ...]:
        return tuple(codes.get(level, TOTAL) for level in self.levels)


def headlines(tables: Sequence[Table], specs: Sequence[HeadlineSpec] = HEADLINES) -> list[Headline]:
    """The headline figures the published tables give.

    Args:
        tables: Published tables, in report order (their position is their number).
        specs: Figures to look for.

    Returns:
        One headline per spec that a table could give, in spec order.
    """
    numbered = {table.recipe_id: (number, table) for number, table in enumerate(tables, start=1)}
    found = []
    for spec in specs:
        for source in spec.sources:
            if source.recipe_id not in numbered:
                continue
            number, table = numbered[source.recipe_id]
            cells = Cells(table)
            if not all(cells.has(codes) for codes in source.cells):
                continue
            parts = [cells.value(codes) for codes in source.cells]
            if any(part is None for part in parts):
                continue
            total = sum(part for part in parts if part is not None)
            found.append(
                Headline(
                    spec.label,
                    format_count(total),
                    _share(total, cells.value({}), source.share_of),
                    table.recipe_id,
                    number,
                    table.title,
                    _margin(table, cells, source.cells),
                )
            )
            break
    return found


def _margin(table: Table, cells: Cells, parts: Sequence[Codes]) -> str | None:
    """A survey figure's margin of error and flag, in words (None for a full count)."""
    errors = table.sampling_errors
    if errors is None:
        return None
    if len(parts) > 1:
        return "a sum of the table's cells: its margin of error is not computed (see the table)"
    moe, mark = cells.errors(parts[0])
    if moe is None:
        return "margin of error not available"
    text = f"± {format_count(moe)} ({errors.confidence:.0%} margin of error)"
    meanings = dict(errors.legend())
    if mark is not None:
        text += f"; {mark}: {meanings.get(mark, mark)}"
    return text


def _share(part: float, whole: float | None, of: str | None) -> str | None:
    if of is None or not whole:
        return None
    return f"{100 * part / whole:.1f}% of {of}"
