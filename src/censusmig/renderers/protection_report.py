"""The protection report shared by the workbook and the report, from the published tables.

What statistical disclosure control did before publication: each method used with its
parameters in words and the tables it protected, one row per protected table with what it
cost (cells suppressed or changed, the largest changes, the margins that no longer add up)
and the result of the attack test, and the notes a reader needs to read the tables (how the
method changes values and totals, the symbol ``x``, the order of operations of weighted
tables). Every number is a fact about a whole table (:class:`DisclosureControl`), never
about one cell: nothing here can give back a value that protection withheld.

A run without protection has no protection report (:func:`protection_report` gives None),
and its tables no protection notes, so that its outputs stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from censusmig.disclosure import CELL_KEY, ROUND3, ROUND5, SUPPRESS
from censusmig.renderers.formatting import CONFIDENTIAL_MEANING, SUPPRESSED
from censusmig.tables.table import DisclosureControl, Table

METHOD_NAMES: dict[str, str] = {
    SUPPRESS: "Threshold rule with secondary suppression",
    ROUND3: "Random rounding to base 3",
    ROUND5: "Random rounding to base 5",
    CELL_KEY: "Cell-key perturbation",
}
"""Method -> its name in words, as the protection report lists it."""

METHOD_NOTES: dict[str, str] = {
    SUPPRESS: (
        "Cells have been suppressed to protect confidentiality: cells with too few "
        "contributors (unweighted records) to be published, and other cells with them so "
        "that none can be worked out from the published totals."
    ),
    ROUND3: (
        "Values are randomly rounded to a multiple of 3, each independently: totals are "
        "rounded on their own and may not equal the sum of their rounded parts."
    ),
    ROUND5: (
        "Values are randomly rounded to a multiple of 5, each independently: totals are "
        "rounded on their own and may not equal the sum of their rounded parts."
    ),
    CELL_KEY: (
        "Values have been perturbed by the cell-key method (each record has a fixed random "
        "key; a cell's value is changed by a small amount read from a perturbation table for "
        "its count and the sum of its records' keys, so the same cell has the same value in "
        "every table); published totals are perturbed as cells of their own and may differ "
        "from the sum of their parts."
    ),
}
"""Method -> the note every table it protected carries, and the protection report lists."""

CONFIDENTIAL_NOTE = f"{SUPPRESSED}: {CONFIDENTIAL_MEANING}."
"""The legend of a suppressed cell, as a note."""

ORDER_OF_OPERATIONS = (
    "Weighted tables, order of operations: thresholds on unweighted sample records; "
    "reliability flags computed from the unprotected estimates and shown beside published "
    "values; suppressed cells carry no value, no flag."
)
"""How protection and the sampling errors of a weighted table fit together."""

TABLES_HEADER: tuple[str, ...] = (
    "Table",
    "Method",
    "Cells",
    "Suppressed (primary)",
    "Suppressed (secondary)",
    "Values changed",
    "Largest change",
    "Largest relative change (%)",
    "Margins checked",
    "Margins not additive",
    "Largest additivity gap",
    "Narrowest interval of a suppressed cell",
    "Protection interval",
    "Attack test",
)
"""The columns of the per-table rows."""

METHODS_HEADER: tuple[str, ...] = ("Method", "Parameters", "Tables", "In words")
"""The columns of the methods' rows."""

PASSED, FAILED, NOTHING_SUPPRESSED = "passed", "FAILED", "no cell suppressed"
"""The attack test's results in words."""


@dataclass(frozen=True)
class ProtectionReport:
    """What protection did over the published tables, as the workbook and the report show it.

    Attributes:
        methods: One row per method and parameters used (:data:`METHODS_HEADER`): its name,
            the parameters in words, the tables it protected (by number), the method in
            plain words (:attr:`DisclosureControl.description`).
        tables: One row per protected table (:data:`TABLES_HEADER`): text, or a count (an
            int) or a measure (a float); an empty string where a measure does not apply.
        notes: The notes on reading protected tables: each method's, the symbol ``x``
            when a cell is suppressed, the order of operations when a table is weighted.
    """

    methods: tuple[tuple[object, ...], ...]
    tables: tuple[tuple[object, ...], ...]
    notes: tuple[str, ...]


def method_name(method: str) -> str:
    """A method's name in words (the method itself when it has none)."""
    return METHOD_NAMES.get(method, method)


def parameters_in_words(protection: DisclosureControl) -> str:
    """A method's parameters as one line: ``threshold: 3; rule: count``."""
    return "; ".join(f"{name}: {value}" for name, value in protection.parameters) or "none"


def attack_result(protection: DisclosureControl) -> str:
    """The attack test's result in words.

    Passed when every suppressed cell's smallest and largest value consistent with
    everything published lie at least the protection interval apart.
    """
    narrowest = protection.narrowest_interval
    if narrowest is None:
        return NOTHING_SUPPRESSED
    if protection.interval is None:
        return f"narrowest interval {narrowest:g} (no protection interval set)"
    return PASSED if narrowest >= protection.interval else FAILED


def protection_notes(table: Table) -> tuple[str, ...]:
    """The notes a protected table carries; none for a table published as computed.

    The method's note, then the order of operations for a weighted table.
    """
    protection = table.protection
    if protection is None:
        return ()
    note = METHOD_NOTES.get(protection.method, protection.description)
    order = (ORDER_OF_OPERATIONS,) if table.weighted else ()
    return (note, *order)


def run_notes(tables: Sequence[Table]) -> tuple[str, ...]:
    """The notes on reading a run's protected tables, each once, in order of first use.

    Each method's note, the legend of ``x`` when a table has a suppressed cell, and the
    order of operations when a protected table is weighted; none without protection.
    """
    notes: list[str] = []
    for table in tables:
        protection = table.protection
        if protection is None:
            continue
        notes.append(METHOD_NOTES.get(protection.method, protection.description))
        if protection.suppressed:
            notes.append(CONFIDENTIAL_NOTE)
        if table.weighted:
            notes.append(ORDER_OF_OPERATIONS)
    return tuple(dict.fromkeys(notes))


def protection_report(tables: Sequence[Table]) -> ProtectionReport | None:
    """The protection report of the published tables, or None when none was protected.

    Args:
        tables: The published tables, in order (a table's number is its position).
    """
    protected = [
        (number, table, table.protection)
        for number, table in enumerate(tables, start=1)
        if table.protection is not None
    ]
    if not protected:
        return None
    used: dict[tuple[str, str], list[int]] = {}
    described: dict[tuple[str, str], str] = {}
    for number, _, protection in protected:
        key = (protection.method, parameters_in_words(protection))
        used.setdefault(key, []).append(number)
        described.setdefault(key, protection.description)
    methods = tuple(
        (method_name(method), parameters, _numbers(numbers), described[(method, parameters)])
        for (method, parameters), numbers in used.items()
    )
    rows = tuple(
        (
            f"Table {number}. {table.title}",
            method_name(protection.method),
            protection.cells,
            protection.primary,
            protection.secondary,
            protection.changed,
            _measure(protection.largest_change),
            _measure(protection.largest_relative_change),
            protection.margins,
            protection.margins_not_additive,
            _measure(protection.largest_additivity_gap),
            _measure(protection.narrowest_interval),
            _measure(protection.interval),
            attack_result(protection),
        )
        for number, table, protection in protected
    )
    return ProtectionReport(methods, rows, run_notes(tables))


def _numbers(numbers: Sequence[int]) -> str:
    """Tables by number: ``Tables 1, 2 and 5`` (``Table 3`` for one)."""
    listed = [str(number) for number in numbers]
    if len(listed) == 1:
        return f"Table {listed[0]}"
    return f"Tables {', '.join(listed[:-1])} and {listed[-1]}"


def _measure(value: float | None) -> object:
    """A measure as the report shows it: a whole number as an int, none as an empty cell."""
    if value is None:
        return ""
    if float(value).is_integer():
        return int(value)
    return round(float(value), 1)
