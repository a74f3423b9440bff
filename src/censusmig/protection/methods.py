"""The protection of a run: each table through its method, then the protection report.

:func:`protection_for` turns the settings of a run's tables into a
:data:`~censusmig.protection.Protection`. Suppression works on all the suppressed tables of
the run together (cells two tables share are suppressed alike, so that neither can be
differenced with the other), and every suppressed cell is then attacked: the run stops
rather than publish a cell whose value the published cells pin down to less than the
protection interval. Random rounding and the cell-key method protect each cell on its own.
Then every table gets its :class:`~censusmig.tables.table.DisclosureControl` (what changed),
and the counts the run record publishes beside the tables are protected too.

Order of operations for a weighted (survey) table: the threshold rule counts unweighted
sample records; standard errors and reliability flags are computed from the sample before
protection and published beside the published values; a suppressed cell has no value, no
standard error and no flag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from censusmig.disclosure import (
    CELL_KEY,
    COUNT_OR_MARGIN,
    NONE,
    PRIMARY,
    ROUND3,
    ROUND5,
    SECONDARY,
    SUPPRESS,
    SUPPRESSED,
    ProtectionSettings,
)
from censusmig.protection import Computed, Protection
from censusmig.protection.equations import margin_equations
from censusmig.protection.keys import mix64_int
from censusmig.tables.checks import CheckReport
from censusmig.tables.engine import RunResult
from censusmig.tables.table import VALUE, DisclosureControl, Table

if TYPE_CHECKING:
    from censusmig.protection.cellkey import PTable

_TOLERANCE = 1e-6
"""A published margin differs from the sum of its parts by more than this (weighted values
are stated at 6 decimals)."""


def protection_for(settings: Mapping[str, ProtectionSettings]) -> Protection:
    """The protection of a run whose tables have these settings.

    Args:
        settings: Recipe id -> the settings of its table (method ``none``: published as
            computed).

    Returns:
        The protection method for :func:`censusmig.protection.publish`.
    """

    def protect(computed: Computed) -> Computed:
        return _protect(computed, settings)

    return protect


def protects(settings: Mapping[str, ProtectionSettings]) -> bool:
    """Whether any table of the run is protected."""
    return any(s.method != NONE for s in settings.values())


def _protect(computed: Computed, settings: Mapping[str, ProtectionSettings]) -> Computed:
    tables = computed.result.tables
    chosen = [settings.get(t.recipe_id, ProtectionSettings()) for t in tables]
    if all(s.method == NONE for s in chosen):
        return computed
    protected = list(tables)
    narrowest: dict[int, tuple[float, float]] = {}
    suppressed = [i for i, s in enumerate(chosen) if s.method == SUPPRESS]
    if suppressed:
        protected, narrowest = _suppress(tables, chosen, suppressed, protected)
    ptables: dict[Path | None, PTable] = {}
    for index, (table, setting) in enumerate(zip(tables, chosen, strict=True)):
        if setting.method in (ROUND3, ROUND5):
            from censusmig.protection.rounding import round_randomly

            protected[index] = round_randomly(table, setting.base, setting.seed)
        elif setting.method == CELL_KEY:
            from censusmig.protection.cellkey import default_ptable, perturb, read_ptable

            if setting.ptable not in ptables:
                ptables[setting.ptable] = (
                    default_ptable() if setting.ptable is None else read_ptable(setting.ptable)
                )
            protected[index] = perturb(table, ptables[setting.ptable])
    for index, setting in enumerate(chosen):
        if setting.method != NONE:
            report = _report(tables[index], protected[index], setting, narrowest.get(index))
            protected[index] = replace(protected[index], protection=report)
    strictest = _strictest(chosen)
    result = _protected_counts(replace(computed.result, tables=tuple(protected)), strictest)
    checks = _protected_checks(computed.edit_checks, strictest)
    return Computed(result, checks)


def _suppress(
    tables: Sequence[Table],
    chosen: Sequence[ProtectionSettings],
    suppressed: Sequence[int],
    protected: list[Table],
) -> tuple[list[Table], dict[int, tuple[float, float]]]:
    """Suppress the tables together; each table's narrowest protected range.

    :func:`~censusmig.protection.suppression.suppress` proves every withheld cell: by the
    hypercube that protects it (every cell of it can move that far, whatever else is
    published), or, for a hypercube through cells another table holds, by the joint attack
    LP; it stops the run rather than publish a cell it cannot prove.
    """
    from censusmig.protection.suppression import INTERVAL, suppress

    after = suppress([tables[i] for i in suppressed], [chosen[i] for i in suppressed])
    narrowest: dict[int, tuple[float, float]] = {}
    for position, index in enumerate(suppressed):
        table = after[position]
        widths = table.cells[INTERVAL].drop_nulls()
        if widths.len():
            narrowest[index] = (float(widths.min()), float(chosen[index].protection_interval))  # type: ignore[arg-type]
        protected[index] = table
    return protected, narrowest


def describe(setting: ProtectionSettings) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A method in plain words, for the notes, and its published parameters.

    The seed is never published: with it and the microdata, the perturbation is known.
    """
    k = setting.threshold
    if setting.method == SUPPRESS:
        rule = f"fewer than {k} persons"
        if setting.rule == COUNT_OR_MARGIN:
            rule += f", or within {k - 1} of a total they are part of"
        text = (
            f"Cells with {rule} are not published (x), and further cells are withheld "
            "(secondary suppression) so that no withheld cell can be worked out from the "
            f"published cells to within {setting.protection_interval} persons."
        )
        return text, (
            ("threshold", str(k)),
            ("rule", setting.rule),
            ("protection interval", str(setting.protection_interval)),
        )
    if setting.method in (ROUND3, ROUND5):
        base = setting.base
        text = (
            f"Every value, totals included, is randomly rounded to a multiple of {base} on its "
            f"own (up with probability remainder/{base}, so that rounding is unbiased): a "
            "total may differ from the sum of its published parts. The same cell is rounded "
            "the same way in every table."
        )
        return text, (("base", str(base)), ("totals", "rounded independently"))
    ptable = "censusmig default" if setting.ptable is None else setting.ptable.name
    text = (
        "Values are perturbed by the cell-key method: each person has a fixed random key, "
        "and a cell's small perturbation is read from a perturbation table by the cell's "
        "count and key, so the same cell has the same value in every table. Published "
        "totals are perturbed as cells of their own and may differ from the sum of their "
        "published parts."
    )
    return text, (("perturbation table", ptable), ("key range", "256"))


def _report(
    before: Table, after: Table, setting: ProtectionSettings, narrowest: tuple[float, float] | None
) -> DisclosureControl:
    """What protection changed in one table (every figure about the whole table)."""
    text, parameters = describe(setting)
    computed = before.cells[VALUE].cast(pl.Float64)
    published = after.cells[VALUE].cast(pl.Float64)
    frame = pl.DataFrame({"c": computed, "p": published}).filter(pl.col("p").is_not_null())
    change = (frame["p"] - frame["c"]).abs()
    changed = int((change > _TOLERANCE).sum())
    positive = frame.filter(pl.col("c") > 0)
    relative = ((positive["p"] - positive["c"]).abs() / positive["c"] * 100).max()
    flags = (
        after.cells[SUPPRESSED].to_list()
        if SUPPRESSED in after.cells.columns
        else [None] * after.cells.height
    )
    values = published.to_list()
    equations = margin_equations(after)
    gaps = [
        abs(values[eq.total] - sum(values[p] for p in eq.parts))
        for eq in equations
        if values[eq.total] is not None and all(values[p] is not None for p in eq.parts)
    ]
    not_additive = [gap for gap in gaps if gap > _TOLERANCE]
    return DisclosureControl(
        method=setting.method,
        description=text,
        parameters=parameters,
        cells=after.cells.height,
        primary=flags.count(PRIMARY),
        secondary=flags.count(SECONDARY),
        changed=changed,
        largest_change=float(change.max() or 0.0),  # type: ignore[arg-type]
        largest_relative_change=None if relative is None else float(relative),  # type: ignore[arg-type]
        margins=len(equations),
        margins_not_additive=len(not_additive),
        largest_additivity_gap=max(not_additive, default=0.0),
        narrowest_interval=None if narrowest is None else narrowest[0],
        interval=None if narrowest is None else narrowest[1],
    )


def _strictest(chosen: Sequence[ProtectionSettings]) -> ProtectionSettings:
    """The method the run's other counts are protected with: the first protected table's."""
    return next(s for s in chosen if s.method != NONE)


def protect_count(count: int | None, name: str, setting: ProtectionSettings) -> int | None:
    """A count the run publishes beside its tables, protected as a cell of its own.

    Suppression withholds a count from 1 to ``threshold - 1`` (None); rounding rounds it
    randomly and the cell-key method perturbs it, the randomness fixed by the seed and the
    count's name (it is no table cell, so it has no record keys).

    Args:
        count: The count computed.
        name: What it counts, unique in the run ("unknown_codes/sex/7").
        setting: The run's protection.
    """
    if count is None or count <= 0 or setting.method == NONE:
        return count
    if setting.method == SUPPRESS:
        return None if count < setting.threshold else count
    salted = mix64_int(setting.seed ^ mix64_int(int.from_bytes(name.encode()[:32], "little")))
    if setting.method in (ROUND3, ROUND5):
        base = setting.base
        remainder = count % base
        up = (salted >> 11) / 2**53 < remainder / base
        return count - remainder + (base if up else 0)
    from censusmig.protection.cellkey import default_ptable, read_ptable

    ptable = default_ptable() if setting.ptable is None else read_ptable(setting.ptable)
    return int(ptable.perturb_count(count, salted % 256))


def _protected_counts(result: RunResult, setting: ProtectionSettings) -> RunResult:
    """The run's counts beside the tables, each protected (records read stay as they are)."""

    def count(value: int | None, name: str) -> int | None:
        return protect_count(value, name, setting)

    unknown = {
        concept: {code: count(n, f"unknown/{concept}/{code}") for code, n in codes.items()}
        for concept, codes in result.unknown_codes.items()
    }
    problems = {kind: count(n, f"weights/{kind}") for kind, n in result.weight_problems.items()}
    outside = result.outside_population
    if outside is not None:
        records = count(outside.records, "outside")
        outside = replace(
            outside,
            records=records,
            weighted_records=None if records is None else outside.weighted_records,
        )
    return replace(
        result,
        unknown_codes=unknown,
        weight_problems=problems,
        outside_population=outside,
    )


def _protected_checks(
    report: CheckReport | None, setting: ProtectionSettings
) -> CheckReport | None:
    """The edit checks' counts, each protected as a count of its own."""
    if report is None:
        return None
    results = tuple(
        replace(
            r,
            records=protect_count(r.records, f"check/{r.id}", setting),
            detail={k: protect_count(n, f"check/{r.id}/{k}", setting) for k, n in r.detail.items()},
        )
        for r in report.results
    )
    return replace(report, results=results)
