"""The run record: what one ``tabulate`` run did and published, as typed values.

``run.json``, the data-quality sheet of the workbook and the data-quality section of the report
are all built from a :class:`RunRecord`. Its counts are filled in by the protection gate
(:func:`censusmig.protection.publish`) from what it publishes, never from the engine's results
directly; :class:`RunContext` carries the rest (what was run, on which files), which holds no
counts of records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from censusmig.classifications.codes import NOT_STATED, TOTAL, UNKNOWN_CODE
from censusmig.tables.checks import CheckReport, CheckResult
from censusmig.tables.table import (
    CAUTION,
    N_UNWEIGHTED,
    RELIABILITY,
    UNRELIABLE,
    VALUE,
    Table,
)


@dataclass(frozen=True)
class InputFile:
    """The data file a run read, without its record counts.

    Attributes:
        path: The file as given.
        size_bytes: Size in bytes.
        sha256: Hash of its bytes.
        blank_lines_skipped: Blank lines of a text file, skipped as not records.
    """

    path: str
    size_bytes: int
    sha256: str
    blank_lines_skipped: int = 0


@dataclass(frozen=True)
class InputFacts:
    """The data file a run read, with its published record counts.

    Attributes:
        path: The file as given.
        size_bytes: Size in bytes.
        sha256: Hash of its bytes.
        records: Records in the file, as published.
        weighted_records: Sum of weights over the file, as published.
        blank_lines_skipped: Blank lines of a text file, skipped as not records (in
            ``run.json`` only when there were some, so its keys stay as they were otherwise).
        population: The profile's population, in words, or None when it defines none (the
            three population keys are then left out of ``run.json``).
        records_outside_population: Records of the file outside the population: in the
            file's counts and edit checks, in no table.
        weighted_outside_population: Sum of their weights.
    """

    path: str
    size_bytes: int
    sha256: str
    records: int
    weighted_records: float
    blank_lines_skipped: int = 0
    population: str | None = None
    records_outside_population: int | None = None
    weighted_outside_population: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``input`` object of ``run.json``."""
        found: dict[str, Any] = {
            "path": self.path,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "records": self.records,
            "weighted_records": self.weighted_records,
        }
        if self.blank_lines_skipped:
            found["blank_lines_skipped"] = self.blank_lines_skipped
        if self.population is not None:
            found["population"] = self.population
            found["records_outside_population"] = self.records_outside_population
            found["weighted_outside_population"] = self.weighted_outside_population
        return found


@dataclass(frozen=True)
class ProfileFacts:
    """The profile a run used.

    Attributes:
        path: The profile file as given.
        sha256: Hash of its bytes.
    """

    path: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """The ``profile`` object of ``run.json``."""
        return {"path": self.path, "sha256": self.sha256}


@dataclass(frozen=True)
class CensusFacts:
    """The census the data come from, as the profile describes it.

    Attributes:
        name: Census or survey name.
        country: ISO alpha-3 country code.
        reference_date: Census reference date.
        residence_rule_months: Usual-residence rule in months.
        weight: Weight column, or None for a full count.
        publisher: The office that publishes the tables, when the profile names it.
        contact: Where readers send questions, when the profile names it.
        release_date: The day the tables are released, when the profile names it.
    """

    name: str
    country: str
    reference_date: dt.date
    residence_rule_months: int
    weight: str | None
    publisher: str | None = None
    contact: str | None = None
    release_date: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``census`` object of ``run.json``."""
        return {
            "name": self.name,
            "country": self.country,
            "reference_date": self.reference_date.isoformat(),
            "residence_rule_months": self.residence_rule_months,
            "weight": self.weight,
        } | {
            key: value
            for key, value in (
                ("publisher", self.publisher),
                ("contact", self.contact),
                ("release_date", self.release_date and self.release_date.isoformat()),
            )
            if value is not None
        }


@dataclass(frozen=True)
class RecipeEntry:
    """A recipe a run computed.

    Attributes:
        id: Recipe id.
        path: File it was read from.
        sha256: Hash of that file.
    """

    id: str
    path: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        """One entry of ``recipes`` in ``run.json``."""
        return {"id": self.id, "path": self.path, "sha256": self.sha256}


@dataclass(frozen=True)
class SkippedEntry:
    """A recipe a run did not compute.

    Attributes:
        id: Recipe id.
        reason: Why, in plain words.
    """

    id: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """One entry of ``skipped`` in ``run.json``."""
        return {"id": self.id, "reason": self.reason}


@dataclass(frozen=True)
class SamplingErrorsEntry:
    """How a published table's sampling errors were estimated, and how many cells are flagged.

    Attributes:
        method: The variance method in words.
        confidence: Confidence level of the margins of error and intervals (0.90).
        z: The normal quantile used (1.645 at 90%).
        cells_flagged: Reliability flag (``E``, ``F``) -> published cells with a value that
            carry it, margins included.
        legend: Reliability flag -> what it means, with the cut-offs (the legend of the tidy
            CSV's ``reliability`` column, which cannot carry one itself).
    """

    method: str
    confidence: float
    z: float
    cells_flagged: Mapping[str, int]
    legend: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``sampling_errors`` object of a table in ``run.json``."""
        return {
            "method": self.method,
            "confidence": self.confidence,
            "z": self.z,
            "cells_flagged": dict(self.cells_flagged),
            "legend": dict(self.legend),
        }

    @classmethod
    def of(cls, table: Table) -> SamplingErrorsEntry | None:
        """The entry of a published table, or None when it has no sampling errors."""
        errors = table.sampling_errors
        if errors is None:
            return None
        flags = (CAUTION, UNRELIABLE)
        cells = table.cells
        if RELIABILITY in cells.columns:
            shown = pl.col(VALUE).is_not_null() if VALUE in cells.columns else pl.lit(True)
            counts = cells.select(
                ((pl.col(RELIABILITY) == flag) & shown).sum().alias(flag) for flag in flags
            ).row(0, named=True)
        else:
            counts = dict.fromkeys(flags, 0)
        return cls(
            method=errors.method,
            confidence=errors.confidence,
            z=errors.z,
            cells_flagged={flag: int(counts[flag]) for flag in flags},
            legend=dict(errors.legend()),
        )


@dataclass(frozen=True)
class TableEntry:
    """The record accounting of one published table, counted over its published cells.

    A count is None when a cell it would be summed from is withheld (no value in the
    publication), so that no count here can give away what protection withheld.

    Attributes:
        id: Recipe id.
        universe: Who is counted, in words.
        universe_records: Records in the universe: the published grand total's count.
        universe_weighted: Sum of their weights: the published grand total's value.
        inner_cells_records: Records over the published inner cells (no level a total).
        grand_total_records: Unweighted count of the published grand-total cell.
        reconciles: Whether every record of the universe is in exactly one inner cell (checked
            by the engine against a count of the universe made apart from the cells).
        not_stated_records: Inner level -> records coded ``_U``, over the inner cells.
        unknown_code_records: Inner level -> records coded ``_X``, over the inner cells.
        cells: Cells published, margins included.
        sampling_errors: How the table's sampling errors were estimated and how many cells
            are flagged, or None when it has none (in ``run.json`` only when it has some).
        variance_note: Why a weighted table has no sampling errors, or None (in ``run.json``
            only when there is one).
    """

    id: str
    universe: str
    universe_records: int | None
    universe_weighted: float | None
    inner_cells_records: int | None
    grand_total_records: int | None
    reconciles: bool
    not_stated_records: Mapping[str, int | None]
    unknown_code_records: Mapping[str, int | None]
    cells: int
    sampling_errors: SamplingErrorsEntry | None = None
    variance_note: str | None = None

    @classmethod
    def of(cls, table: Table) -> TableEntry:
        """The entry of a published table, every count summed from its published cells."""
        cells = table.cells
        levels = table.level_columns
        inner = pl.all_horizontal(pl.col(c) != TOTAL for c in levels)
        inner_levels = [dimension.levels[-1] for dimension in table.dimensions]
        # One pass over the cells: each count with the number of withheld cells it would sum.
        wanted: dict[str, tuple[pl.Expr, str]] = {
            "grand_count": (pl.all_horizontal(pl.col(c) == TOTAL for c in levels), N_UNWEIGHTED),
            "grand_value": (pl.all_horizontal(pl.col(c) == TOTAL for c in levels), VALUE),
            "inner": (inner, N_UNWEIGHTED),
        }
        for level in inner_levels:
            wanted[f"_U {level}"] = (inner & (pl.col(level) == NOT_STATED), N_UNWEIGHTED)
            wanted[f"_X {level}"] = (inner & (pl.col(level) == UNKNOWN_CODE), N_UNWEIGHTED)
        found = _sums(cells, wanted)
        count, value = found["grand_count"], found["grand_value"]
        return cls(
            id=table.recipe_id,
            universe=table.universe_label,
            universe_records=None if count is None else int(count),
            universe_weighted=None if value is None else float(value),
            inner_cells_records=None if found["inner"] is None else int(found["inner"]),
            grand_total_records=None if count is None else int(count),
            reconciles=table.accounting.reconciles,
            not_stated_records={level: _int(found[f"_U {level}"]) for level in inner_levels},
            unknown_code_records={level: _int(found[f"_X {level}"]) for level in inner_levels},
            cells=cells.height,
            sampling_errors=SamplingErrorsEntry.of(table),
            variance_note=table.variance_note,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableEntry:
        """Read an entry back from ``run.json`` data (the inverse of :meth:`to_dict`)."""
        found = dict(data)
        errors = found.pop("sampling_errors", None)
        return cls(
            **found,
            sampling_errors=None if errors is None else SamplingErrorsEntry(**errors),
        )

    def to_dict(self) -> dict[str, Any]:
        """One entry of ``tables`` in ``run.json``.

        The survey keys are there only for a table that has them, so that a full count's
        entry keeps the keys it always had.
        """
        survey: dict[str, Any] = {}
        if self.sampling_errors is not None:
            survey["sampling_errors"] = self.sampling_errors.to_dict()
        if self.variance_note is not None:
            survey["variance_note"] = self.variance_note
        return {
            "id": self.id,
            "universe": self.universe,
            "universe_records": self.universe_records,
            "universe_weighted": self.universe_weighted,
            "inner_cells_records": self.inner_cells_records,
            "grand_total_records": self.grand_total_records,
            "reconciles": self.reconciles,
            "not_stated_records": dict(self.not_stated_records),
            "unknown_code_records": dict(self.unknown_code_records),
            "cells": self.cells,
        } | survey


def _sums(
    cells: pl.DataFrame, wanted: Mapping[str, tuple[pl.Expr, str]]
) -> dict[str, float | int | None]:
    """Name -> the sum of a measure over the cells meeting a condition, in one pass.

    A sum is None when a cell it would add withholds the measure (or the table has no such
    measure); a grand total is None unless exactly one cell holds it.
    """
    exprs: list[pl.Expr] = []
    for name, (where, measure) in wanted.items():
        if measure not in cells.columns:
            exprs.append(pl.lit(None, dtype=pl.Float64).alias(f"{name}:sum"))
            exprs.append(pl.lit(1, dtype=pl.UInt32).alias(f"{name}:withheld"))
            exprs.append(pl.lit(1, dtype=pl.UInt32).alias(f"{name}:cells"))
            continue
        column = pl.col(measure).filter(where)
        exprs += [
            column.sum().alias(f"{name}:sum"),
            column.null_count().alias(f"{name}:withheld"),
            column.len().alias(f"{name}:cells"),
        ]
    row = cells.select(exprs).row(0, named=True)
    found: dict[str, float | int | None] = {}
    for name in wanted:
        single = not name.startswith("grand") or row[f"{name}:cells"] == 1
        total = row[f"{name}:sum"]
        found[name] = total if single and not row[f"{name}:withheld"] else None
    return found


def _int(total: float | int | None) -> int | None:
    return None if total is None else int(total)


@dataclass(frozen=True)
class RunContext:
    """What a run was asked to do and on which files: the part of its record with no counts.

    Attributes:
        censusmig_version: Version that ran.
        command: Command line recorded.
        input: The data file.
        profile: The profile.
        census: The census, as the profile describes it.
        recipes: Recipes computed, in order.
        skipped: Recipes not computed, with the reason.
    """

    censusmig_version: str
    command: tuple[str, ...]
    input: InputFile
    profile: ProfileFacts
    census: CensusFacts
    recipes: tuple[RecipeEntry, ...]
    skipped: tuple[SkippedEntry, ...]


@dataclass(frozen=True)
class RunRecord:
    """Everything ``run.json`` holds, in its order.

    Attributes:
        censusmig_version: Version that ran.
        command: Command line recorded.
        input: The data file and its published record counts.
        profile: The profile.
        census: The census.
        recipes: Recipes computed, in order.
        skipped: Recipes not computed, with the reason.
        tables: Record accounting of every published table, in order.
        unknown_codes: Concept -> (source code -> records): codes in no code list (None:
            a count protection withheld).
        weight_problems: Problem -> records (missing, zero or negative weights; None:
            withheld).
        edit_checks: The edit checks' counts (never record ids), or None when not run.
        timings_seconds: Wall time of the run's phases, filled in last; not in ``run.json``.
    """

    censusmig_version: str
    command: tuple[str, ...]
    input: InputFacts
    profile: ProfileFacts
    census: CensusFacts
    recipes: tuple[RecipeEntry, ...]
    skipped: tuple[SkippedEntry, ...]
    tables: tuple[TableEntry, ...]
    unknown_codes: Mapping[str, Mapping[str, int | None]]
    weight_problems: Mapping[str, int | None]
    edit_checks: CheckReport | None
    timings_seconds: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-able data: exactly what ``--json`` shows.

        ``run.json`` holds it without ``timings_seconds``: the same inputs give the same bytes.
        """
        return {
            "censusmig_version": self.censusmig_version,
            "command": list(self.command),
            "input": self.input.to_dict(),
            "profile": self.profile.to_dict(),
            "census": self.census.to_dict(),
            "recipes": [recipe.to_dict() for recipe in self.recipes],
            "skipped": [skipped.to_dict() for skipped in self.skipped],
            "tables": [table.to_dict() for table in self.tables],
            "unknown_codes": {k: dict(v) for k, v in self.unknown_codes.items()},
            "weight_problems": dict(self.weight_problems),
            "edit_checks": self.edit_checks.to_dict() if self.edit_checks is not None else None,
            "timings_seconds": dict(self.timings_seconds),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """Read a record back from ``run.json`` data (the inverse of :meth:`to_dict`).

        ``timings_seconds``, which ``run.json`` does not hold, is empty when absent.

        Raises:
            KeyError: A key of ``run.json`` is missing.
        """
        census = data["census"]
        checks = data["edit_checks"]
        return cls(
            censusmig_version=data["censusmig_version"],
            command=tuple(data["command"]),
            input=InputFacts(**data["input"]),
            profile=ProfileFacts(**data["profile"]),
            census=CensusFacts(
                name=census["name"],
                country=census["country"],
                reference_date=dt.date.fromisoformat(census["reference_date"]),
                residence_rule_months=census["residence_rule_months"],
                weight=census["weight"],
                publisher=census.get("publisher"),
                contact=census.get("contact"),
                release_date=(
                    dt.date.fromisoformat(census["release_date"])
                    if census.get("release_date")
                    else None
                ),
            ),
            recipes=tuple(RecipeEntry(**entry) for entry in data["recipes"]),
            skipped=tuple(SkippedEntry(**entry) for entry in data["skipped"]),
            tables=tuple(TableEntry.from_dict(entry) for entry in data["tables"]),
            unknown_codes=data["unknown_codes"],
            weight_problems=data["weight_problems"],
            edit_checks=None
            if checks is None
            else CheckReport(
                results=tuple(
                    CheckResult(
                        **{k: v for k, v in result.items() if k != "ids"},
                        ids=tuple(result["ids"]),
                    )
                    for result in checks["results"]
                ),
                records=checks["records"],
            ),
            timings_seconds=data.get("timings_seconds", {}),  # run.json does not hold it
        )
