"""Protection: the one gate between what a run computed and what it publishes.

The engine's results (:class:`Computed`) pass through a :data:`Protection` method and then
:func:`publish`, which keeps only the published columns of every table and builds the run
record's counts from the protected results. Renderers receive the :class:`Publication` only,
so nothing the gate withheld can reach a tidy CSV, the workbook, the report or ``run.json``.

The method is the identity for now; the issues that add disclosure control (threshold rule,
cell-key method) and sampling errors of weighted estimates add methods here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from censusmig.errors import CensusmigError
from censusmig.protection.record import (
    InputFacts,
    RunContext,
    RunRecord,
    TableEntry,
)
from censusmig.tables.checks import CheckReport
from censusmig.tables.engine import RunResult
from censusmig.tables.margins import with_percent
from censusmig.tables.table import MEASURES, PERCENT, Table


@dataclass(frozen=True)
class Computed:
    """Everything a run computed, before protection; internal, never rendered.

    Attributes:
        result: The engine's tables (every column, internal ones included) and run counts.
        edit_checks: The edit checks' report, or None when they were not run.
    """

    result: RunResult
    edit_checks: CheckReport | None


Protection = Callable[[Computed], Computed]
"""A protection method: what a run computed in, what may be published out (same shape).

A method may blank, round or perturb cells (setting a ``flag`` such as ``"x"``), change the
counts of the record accounting, and drop columns; it never needs to drop internal columns,
which :func:`publish` does for every method.
"""


def identity(computed: Computed) -> Computed:
    """The protection of today: everything computed is published as it is."""
    return computed


@dataclass(frozen=True)
class Publication:
    """What one run publishes: the only input of every renderer.

    Attributes:
        tables: The published tables: level codes, their labels and published measures only.
        record: The run record, whose counts were taken from the published results.
    """

    tables: tuple[Table, ...]
    record: RunRecord


def publish(
    computed: Computed, context: RunContext, protection: Protection = identity
) -> Publication:
    """Pass a run's results through the protection gate.

    Args:
        computed: What the run computed.
        context: What was run on which files (no counts).
        protection: The protection method.

    Returns:
        The published tables and the run record built from them.
    """
    protected = protection(computed)
    result = protected.result
    _check_cells(computed.result.tables, result.tables)
    tables = tuple(published_table(table) for table in result.tables)
    outside = result.outside_population
    record = RunRecord(
        censusmig_version=context.censusmig_version,
        command=context.command,
        input=InputFacts(
            path=context.input.path,
            size_bytes=context.input.size_bytes,
            sha256=context.input.sha256,
            records=result.records,
            weighted_records=result.weighted_records,
            blank_lines_skipped=context.input.blank_lines_skipped,
            population=outside.label if outside else None,
            records_outside_population=outside.records if outside else None,
            weighted_outside_population=outside.weighted_records if outside else None,
        ),
        profile=context.profile,
        census=context.census,
        recipes=context.recipes,
        skipped=context.skipped,
        tables=tuple(TableEntry.of(table) for table in tables),
        unknown_codes={k: dict(v) for k, v in result.unknown_codes.items()},
        weight_problems=dict(result.weight_problems),
        edit_checks=_counts_only(protected.edit_checks),
    )
    return Publication(tables, record)


def _counts_only(report: CheckReport | None) -> CheckReport | None:
    """The edit checks without record ids: a run record publishes counts only."""
    if report is None:
        return None
    return replace(report, results=tuple(replace(r, ids=()) for r in report.results))


def published_table(table: Table) -> Table:
    """The table as published: level codes, their labels and published measures, in order.

    Any other column (replicate-weight sums, record-key sums, ...) is internal and dropped.
    Percentages are computed here, from the published values, so that a protected value can
    never be worked back from a percentage of it.
    """
    levels = table.level_columns
    labels = [column for level in levels for column in (level, f"{level}_label")]
    cells = table.cells
    if table.percent_of:
        cells = with_percent(cells.drop(PERCENT, strict=False), table.dimensions, table.percent_of)
    measures = [name for name in MEASURES if name in cells.columns]
    return replace(table, cells=cells.select(*labels, *measures))


def _check_cells(computed: Sequence[Table], protected: Sequence[Table]) -> None:
    """A protection withholds cells (no value, a flag); it never drops, adds or moves one."""
    for before, after in zip(computed, protected, strict=True):
        levels = list(before.level_columns)
        if not after.cells.select(levels).equals(before.cells.select(levels)):
            raise CensusmigError(
                f"the protection method changed the cells of table {before.recipe_id!r}: a "
                "protection withholds a cell (its value null, with a flag such as 'x'), it "
                "never drops, adds or reorders cells"
            )
