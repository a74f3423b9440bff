"""What in a run needs a person's attention before its tables are used: a data-quality summary.

:func:`attention` reads only the published :class:`~censusmig.protection.record.RunRecord`, so
the summary shows nothing the gate withheld. An empty summary means all is well; ``tabulate``
prints the items on stderr and, asked to be strict, fails with exit code 1 when there are any.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from censusmig.protection.record import RunRecord
from censusmig.tables.engine import NO_DESIGN_NOTE

UNKNOWN_CODE_SHARE = 0.001
"""Share of the records with a code in no code list, per concept, that needs attention.

A code map that misses a whole category (all foreign-born as unknown codes) gives shares of
several percent; stray keying errors stay far below one record in a thousand.
"""

WEIGHT_PROBLEM_RECORDS = 1
"""Records with a missing, zero or negative weight that need attention: any."""

SHOWN_CODES = 3
"""Most frequent unknown codes named per concept (a code and its count, never other values)."""

OUTSIDE_POPULATION_SHARE = 0.5
"""Share of the file's records outside the profile's population that needs attention.

Records outside the population are expected: a few percent of visitors and non-residents in
a census, and in a hierarchical file every household record (a third or more of the lines).
The data-quality output always shows the count; only a condition that leaves out half the
file or more (usual residents coded 2 where the profile says 1) is flagged here.
"""

Kind = Literal[
    "edit_check",
    "unknown_codes",
    "weights",
    "reconciliation",
    "empty",
    "population",
    "sampling_errors",
    "record_keys",
]
"""What an item is about."""


@dataclass(frozen=True)
class Attention:
    """One thing in a run that needs attention.

    Attributes:
        kind: What it is about.
        subject: The check id, concept, weight problem or table id it is about.
        records: Records concerned, or None when protection withheld the count.
        share: Those records as a share of the file's records, when that is what was tested.
        message: One line in plain words, with no microdata values beyond codes and counts.
    """

    kind: Kind
    subject: str
    records: int | None
    share: float | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The item as JSON-able data (one entry of ``attention`` in ``--json`` output)."""
        return {
            "kind": self.kind,
            "subject": self.subject,
            "records": self.records,
            "share": self.share,
            "message": self.message,
        }


def attention(record: RunRecord, keys_from_record_order: bool = False) -> tuple[Attention, ...]:
    """The items of a run that need attention, in a fixed order; empty when all is well.

    Failing error-level edit checks; concepts whose unknown codes reach
    :data:`UNKNOWN_CODE_SHARE` of the records; missing, zero or negative weights; tables
    whose records do not reconcile with their universe; a file of no records, or tables
    whose universe no record is in; records outside the population
    reaching :data:`OUTSIDE_POPULATION_SHARE` of the file; weighted tables without standard
    errors because the profile states no sampling design (``[design]``); record keys (cell-key
    method, rounding) numbered by the records' order because the profile names no person id.

    Args:
        record: The published run record.
        keys_from_record_order: The run's record keys come from the records' numbers in the
            file (no ``[data] person_id``): the same census in another order or partitioning
            is perturbed otherwise, and perturbations that differ can be averaged away.

    Returns:
        The items, edit checks first, then unknown codes, weights, tables, empty tables and
        population.
    """
    items: list[Attention] = []
    results = record.edit_checks.results if record.edit_checks is not None else ()
    for result in results:
        failing = result.records is None or result.records > 0  # None: withheld, 1 to k - 1
        if result.severity == "error" and failing and not result.skipped:
            items.append(
                Attention(
                    "edit_check",
                    result.id,
                    result.records,
                    None,
                    f"edit check {result.id} failed for {_count(result.records)} record(s): "
                    f"{result.title}",
                )
            )
    records = record.input.records
    for concept, codes in record.unknown_codes.items():
        # A count protection withheld (None, 1 to threshold - 1) adds at least 1.
        unknown = sum(count or 1 for count in codes.values())
        share = unknown / records if records else 0.0
        if unknown and share >= UNKNOWN_CODE_SHARE:
            items.append(
                Attention(
                    "unknown_codes",
                    concept,
                    unknown,
                    share,
                    f"{concept}: {unknown:,} of {records:,} records ({share:.1%}) have a code "
                    f"in no code list ({_codes(codes)}); map them in the profile",
                )
            )
    for problem, count in record.weight_problems.items():
        if count is not None and count >= WEIGHT_PROBLEM_RECORDS:
            what = problem.replace("_", " ")
            items.append(
                Attention(
                    "weights",
                    problem,
                    count,
                    count / records if records else None,
                    f"weight {record.census.weight}: {count:,} record(s) {what}"
                    + (" (counted with weight 0)" if problem == "missing" else ""),
                )
            )
    for entry in record.tables:
        if not entry.reconciles:
            items.append(
                Attention(
                    "reconciliation",
                    entry.id,
                    entry.universe_records,
                    None,
                    f"table {entry.id}: its records do not add up to its universe "
                    f"({entry.universe})",
                )
            )
    items += _empty(record)
    unknown_errors = [entry.id for entry in record.tables if entry.variance_note == NO_DESIGN_NOTE]
    if unknown_errors:
        items.append(
            Attention(
                "sampling_errors",
                "design",
                None,
                None,
                f"{len(unknown_errors):,} weighted table(s) have no standard errors: the profile "
                "states no sampling design; add a [design] table (taylor or replicate weights, "
                'or method = "none" with a note saying why the file allows no variance estimate)',
            )
        )
    if keys_from_record_order:
        items.append(
            Attention(
                "record_keys",
                "person_id",
                None,
                None,
                "the record keys of the cell-key method or rounding come from the records' "
                "order in the file (the profile names no person id): the same census in another "
                "order or partitioning gets other perturbations, which can be averaged away; "
                "name the person id in [data] person_id",
            )
        )
    outside = record.input.records_outside_population
    if record.input.population is not None and outside is not None and records:
        share = outside / records
        if share >= OUTSIDE_POPULATION_SHARE:
            items.append(
                Attention(
                    "population",
                    record.input.population,
                    outside,
                    share,
                    f"{outside:,} of {records:,} records ({share:.1%}) are outside the "
                    f"population ({record.input.population}) and in no table; check the "
                    "profile's [population] conditions",
                )
            )
    return tuple(items)


def _empty(record: RunRecord) -> list[Attention]:
    """A file of no records, or tables whose universe no record is in: empty tables, exit 0.

    Not an error (a universe may rightly be empty in a small area's file), but a table of
    zeros should never pass unnoticed.
    """
    records = record.input.records
    if records == 0:
        return [
            Attention(
                "empty",
                "input",
                0,
                None,
                "the data file holds no records: every table is empty; check that it is the "
                "right file and that it was read whole (a header line alone?)",
            )
        ]
    return [
        Attention(
            "empty",
            entry.id,
            0,
            0.0,
            f"table {entry.id} counts no one: none of the {records:,} records is in its "
            f"universe ({entry.universe}); check the recipe's universe and the profile's "
            "[population] and codes",
        )
        for entry in record.tables
        if entry.universe_records == 0
    ]


def _codes(codes: Mapping[str, int | None]) -> str:
    """The most frequent codes with their counts: ``POB=999: 8, POB=998: 2, ...``.

    A count protection withheld is shown as ``x`` (1 to the threshold - 1).
    """
    ranked = sorted(codes.items(), key=lambda item: (-(item[1] or 1), item[0]))
    shown = ", ".join(
        f"{code}: {'x' if count is None else f'{count:,}'}" for code, count in ranked[:SHOWN_CODES]
    )
    return shown + (", ..." if len(ranked) > SHOWN_CODES else "")


def _count(records: int | None) -> str:
    """A count as published: withheld by disclosure control (None) reads "a few" (1 to k - 1)."""
    return "a few (withheld: fewer than the threshold)" if records is None else f"{records:,}"
