"""Backends: the one place where records become sums.

A backend takes a :class:`~censusmig.tables.plan.Plan` and a slice or partition of the person
file and returns a :class:`~censusmig.tables.plan.Partial`: every aggregation of the plan, as
small Polars frames, and, when the plan has edit checks, what they found in the same read.
Everything before (planning) and after (merge, margins, labels, protection, rendering, the
checks' report) is the same whatever the backend, so another engine (a cluster) only
implements :class:`Backend`; one that does not run the checks still gives the tables (the
engine then runs the checks in a read of their own).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import polars as pl

from censusmig.classifications.codes import UNKNOWN_CODE
from censusmig.concepts import CONCEPTS, NUMERIC_FIELDS, ConceptKind
from censusmig.dimensions import DIMENSIONS
from censusmig.dimensions.columns import concept_column, status_column
from censusmig.profiles.model import ConceptMapping, Profile
from censusmig.recipes.model import Condition
from censusmig.tables.checks import check_frames, read_checks
from censusmig.tables.derive import IN_POPULATION, derive, unknown_code_text
from censusmig.tables.plan import Aggregate, Measure, Partial, Plan, in_units, source_copy
from censusmig.tables.variance import with_design_columns


@runtime_checkable
class Backend(Protocol):
    """An engine that aggregates person records."""

    name: str
    """Short name (``polars``)."""

    def aggregate(self, frame: pl.LazyFrame, plan: Plan) -> Partial:
        """Run every aggregation of ``plan`` over one slice or partition of the data.

        When ``plan.checks`` is set, the backend may also count the edit checks in the same
        read: :func:`censusmig.tables.checks.check_frames` over its derived records (which
        code every concept of ``plan.concepts``), read back with
        :func:`~censusmig.tables.checks.read_checks` into :attr:`Partial.checks`. Leaving
        it None is allowed: the checks then cost a read of their own.

        Args:
            frame: The person records (the source columns the profile names), lazily.
            plan: The run's plan.

        Returns:
            The partial sums; partials of several slices are merged by
            :func:`censusmig.tables.plan.merge`, in file order.
        """
        ...


@runtime_checkable
class ClusterBackend(Protocol):
    """An engine that reads the stored records itself, partition by partition (a cluster).

    Rather than being handed slices of the driver's frame, it is built on where the records
    are stored and reads them where they are; what it returns is the same: partials, merged
    and finished by the engine as the slices of a :class:`Backend` are.
    """

    name: str
    """Short name (``spark``)."""

    def partials(self, frame: pl.LazyFrame, plan: Plan, batch_rows: int | None) -> list[Partial]:
        """Aggregate every partition of the records ``frame`` stands for.

        Args:
            frame: The records as the driver reads them, lazily (their columns and types;
                a cluster backend reads the stored records itself).
            plan: The run's plan.
            batch_rows: Records aggregated at a time, or None for the backend's choice.

        Returns:
            One partial or more, in file order, for :func:`censusmig.tables.plan.merge`.
        """
        ...


class PolarsBackend:
    """The embedded engine: Polars, in one process, one scan per slice.

    The derived columns every table needs (compact Enum codes) are computed once per slice
    and collected together with the unknown-code and weight counts and the edit checks from
    the same cached derivation; then every aggregation runs on that in-memory frame with
    ``collect_all``.
    """

    name = "polars"

    def aggregate(self, frame: pl.LazyFrame, plan: Plan) -> Partial:
        """Aggregate one slice (see :meth:`Backend.aggregate`)."""
        # A data column the derivation replaces keeps its values under another name, for
        # the unknown-code report (a data column "sex" beside the "sex" dimension).
        copies = {column: source_copy(column) for column in sorted(plan.shadowed)}
        kept = frame.with_columns(pl.col(c).alias(copy) for c, copy in copies.items())
        kept = with_design_columns(kept, plan.profile.sampling_design)
        derived = derive(kept, plan.profile, plan.requests, plan.concepts).cache()
        reported = list(plan.reported.items())
        schema = derived.collect_schema()
        # Columns summed exactly are put in integer units once, not once per aggregation.
        scaled = sorted(
            {
                (measure.column, measure.decimals, measure.small)
                for aggregate in plan.aggregates
                for measure in aggregate.measures
                if measure.column is not None and measure.decimals is not None
            }
        )
        checks = check_frames(derived, plan.checks) if plan.checks is not None else []
        batch, weights, *found = pl.collect_all(
            [
                derived.select(
                    *plan.columns,
                    *(
                        in_units(c, schema[c], d, small).alias(_units(c, d, small))
                        for c, d, small in scaled
                    ),
                ),
                _weight_problems(derived, plan.profile),
                *(_unknown_codes(derived, mapping, copies) for _, mapping in reported),
                *checks,
            ]
        )
        unknown, checked = found[: len(reported)], found[len(reported) :]
        source = batch.lazy()
        collapsed = len(scaled) >= COLLAPSE_MEASURES
        if collapsed:
            # Collected once: every aggregation reads the same collapsed rows.
            source = _collapsed(batch, plan, [_units(c, d, small) for c, d, small in scaled])
            source = source.collect().lazy()
        sums = pl.collect_all(
            [_aggregation(source, aggregate, collapsed) for aggregate in plan.aggregates]
        )
        return Partial(
            aggregates={a.name: result for a, result in zip(plan.aggregates, sums, strict=True)},
            unknown_codes={
                name: result for (name, _), result in zip(reported, unknown, strict=True)
            },
            weight_problems=weights,
            checks=read_checks(plan.checks, checked) if plan.checks is not None else None,
        )


POLARS = PolarsBackend()
"""The default backend."""

COLLAPSE_MEASURES = 16
"""Columns summed in units from which a slice's records are first collapsed: the records
with the same codes in every column the aggregations read become one row, their measures
summed. With 80 replicate weights, 14 aggregations of the collapsed rows cost a fraction of
14 over the records (a million records of the sample layout collapse to about 170,000)."""

_RECORDS = "_records"
"""Column of a collapsed batch: the records each row stands for."""


def _collapsed(batch: pl.DataFrame, plan: Plan, units: list[str]) -> pl.LazyFrame:
    """The batch with its records of equal codes summed into one row (exact integer sums)."""
    summed = {m.column for m in plan.measures if m.column is not None and m.decimals is None}
    # A column summed only in units (the weight) is no key: its sum is in its units column.
    read = {m.column for a in plan.aggregates for m in a.measures if m.column is not None}
    keys = [c for c in batch.columns if c not in units and c not in read]
    return (
        batch.lazy()
        .group_by(keys)
        .agg(
            pl.len().cast(pl.Int64).alias(_RECORDS),
            *(pl.col(name).sum() for name in [*units, *sorted(summed)]),
        )
    )


def _aggregation(source: pl.LazyFrame, aggregate: Aggregate, collapsed: bool) -> pl.LazyFrame:
    population = [pl.col(IN_POPULATION)] if aggregate.in_population else []
    kept = source.filter(*population, *(_condition(c) for c in aggregate.where))
    sums = [_sum(measure, collapsed) for measure in aggregate.measures]
    if not aggregate.keys:
        return kept.select(sums)
    keys = [pl.col(key.column).alias(key.name) for key in aggregate.keys]
    return kept.group_by(keys).agg(sums)


def _units(column: str, decimals: int, small: bool) -> str:
    """The batch column holding ``column`` in integer units of ``10**-decimals``."""
    return f"{column}__units{decimals}{'_64' if small else ''}"


def _sum(measure: Measure, collapsed: bool = False) -> pl.Expr:
    if measure.column is None:
        if collapsed:
            return pl.col(_RECORDS).sum().alias(measure.name)
        return pl.len().cast(pl.Int64).alias(measure.name)
    if measure.decimals is not None:
        # Integer units: the sum is exact, whatever the order the threads add in.
        units = _units(measure.column, measure.decimals, measure.small)
        return pl.col(units).sum().alias(measure.name)
    return pl.col(measure.column).sum().alias(measure.name)


def _weight_problems(derived: pl.LazyFrame, profile: Profile) -> pl.LazyFrame:
    """Records whose weight is missing, or zero or negative (all zero for a full count).

    A replicate design also counts its replicate weights that are missing or negative (a
    replicate weight of zero is how BRR and the jackknife drop a PSU).
    """
    weight = profile.weight
    if weight is None:
        return derived.select(pl.lit(0).alias("missing"), pl.lit(0).alias("zero_or_negative"))
    column = pl.col(weight)
    counts = [
        column.is_null().sum().alias("missing"),
        (column <= 0).sum().alias("zero_or_negative"),
    ]
    design = profile.sampling_design
    if design is not None and design.replicates:
        replicates = [pl.col(name).cast(pl.Float64) for name in design.replicates]
        counts += [
            pl.sum_horizontal(r.is_null().sum() for r in replicates).alias("replicate_missing"),
            pl.sum_horizontal((r < 0).sum() for r in replicates).alias("replicate_negative"),
            pl.max_horizontal(r.cast(pl.Float64).abs().sum() for r in replicates).alias(
                "replicate_largest_total"
            ),
        ]
    return derived.select(counts)


def _unknown_codes(
    derived: pl.LazyFrame, mapping: ConceptMapping, copies: Mapping[str, str]
) -> pl.LazyFrame:
    """Source codes of a concept that are in no code list, as "COLUMN=code" with counts.

    ``copies`` names where the values of data columns replaced by derived columns are kept.
    """
    name = mapping.concept
    numeric = name in CONCEPTS and CONCEPTS[name].kind is ConceptKind.INTEGER
    # Compared as an Enum (every coded column's Enum has _X): no string work per record.
    coded = pl.col(status_column(name) if numeric else concept_column(name))
    return (
        derived.filter(coded == UNKNOWN_CODE)
        .group_by(unknown_code_text(mapping, copies=copies))
        .agg(pl.len().alias("records"))
        .sort("code")
    )


def _condition(condition: Condition) -> pl.Expr:
    """A universe condition on a derived column (the population is :data:`IN_POPULATION`)."""
    if condition.field not in NUMERIC_FIELDS and condition.field not in DIMENSIONS:
        # A concept that is no dimension, tested on its coded column (a category, an ISO
        # alpha-3 country or an area code, or _U, _Z, _X), compared as text.
        coded = pl.col(concept_column(condition.field)).cast(pl.String)
        found = coded.is_in(condition.values)
        return ~found if condition.operator == "!=" else found
    if condition.field in NUMERIC_FIELDS:
        column = pl.col(concept_column(condition.field))
        value = int(condition.values[0])
        return {
            "=": column == value,
            "!=": column != value,
            ">=": column >= value,
            "<=": column <= value,
            ">": column > value,
            "<": column < value,
        }[condition.operator]
    column = pl.col(condition.field)
    # Fixed category sets are Enums holding every valid value (checked when the recipe was
    # read), so they are compared as they are; open classifications are compared as text.
    text = column if DIMENSIONS[condition.field].categories is not None else column.cast(pl.String)
    if condition.operator == "!=":
        return ~text.is_in(condition.values)
    return text.is_in(condition.values)
