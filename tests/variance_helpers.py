"""Tables of a survey for the renderers' tests, made without the variance engine.

:func:`with_sampling_errors` is a protection method (the hook every run passes through) that
gives each table of a run the sampling-error columns a survey design gives it, from a made-up
standard error (``2 * sqrt(value)``: a CV of 200 / sqrt(value) percent, so small cells are
flagged), and the :class:`SamplingErrors` that says how. The renderers only read these
columns, so their tests need no design, no weights and no engine support.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from censusmig import api
from censusmig.classifications.codes import TOTAL
from censusmig.protection import Computed
from censusmig.tables.margins import with_percent
from censusmig.tables.table import (
    CI_LOWER,
    CI_UPPER,
    CV,
    MOE,
    N_UNWEIGHTED,
    PERCENT,
    PERCENT_MOE,
    PERCENT_SE,
    RELIABILITY,
    SE,
    VALUE,
    SamplingErrors,
    Table,
)
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

ERRORS = SamplingErrors(
    method="successive difference replication, 80 replicates",
    confidence=0.90,
    z=1.645,
    cv_caution=15,
    cv_unreliable=30,
    min_unweighted=30,
)
NOTE = "the file holds no design variables, so no sampling error can be estimated."


def sampling_columns(table: Table, errors: SamplingErrors = ERRORS) -> Table:
    """The table with made-up sampling-error columns, as a survey design's run gives them."""
    se = 2 * pl.col(VALUE).sqrt()
    cv = pl.when(pl.col(VALUE) > 0).then(100 * se / pl.col(VALUE))
    cells = table.cells.with_columns(
        se.alias(SE),
        (errors.z * se).alias(MOE),
        (pl.col(VALUE) - errors.z * se).alias(CI_LOWER),
        (pl.col(VALUE) + errors.z * se).alias(CI_UPPER),
        cv.round(6).alias(CV),
        pl.when((pl.col(N_UNWEIGHTED) < errors.min_unweighted) | (cv > errors.cv_unreliable))
        .then(pl.lit("F"))
        .when(cv > errors.cv_caution)
        .then(pl.lit("E"))
        .alias(RELIABILITY),
    )
    if table.percent_of:
        shares = with_percent(cells, table.dimensions, table.percent_of)[PERCENT]
        # A total's own 100% (the cell is its denominator) has no sampling error.
        levels = [
            level for d in table.dimensions if d.name in table.percent_of for level in d.levels
        ]
        own = pl.all_horizontal(pl.col(level) == TOTAL for level in levels)
        percent_se = pl.when(own).then(0.0).otherwise((shares * cells[CV] / 100).round(6))
        cells = cells.with_columns(percent_se.alias(PERCENT_SE)).with_columns(
            (errors.z * pl.col(PERCENT_SE)).alias(PERCENT_MOE)
        )
    return dataclasses.replace(table, cells=cells, weighted=True, sampling_errors=errors)


def with_sampling_errors(computed: Computed) -> Computed:
    """A protection method that gives every table made-up sampling errors."""
    result = computed.result
    tables = tuple(sampling_columns(table) for table in result.tables)
    return dataclasses.replace(computed, result=dataclasses.replace(result, tables=tables))


def with_variance_note(computed: Computed) -> Computed:
    """A protection method that marks every table weighted, without sampling errors."""
    result = computed.result
    tables = tuple(
        dataclasses.replace(table, weighted=True, variance_note=NOTE) for table in result.tables
    )
    return dataclasses.replace(computed, result=dataclasses.replace(result, tables=tables))


def survey_run(
    out: Path | None, recipes: tuple[str, ...] = (), **options: object
) -> api.Tabulation:
    """A run of the sample census whose tables carry made-up sampling errors."""
    return api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        out=out,
        recipes=recipes,
        protection=with_sampling_errors,
        **options,  # type: ignore[arg-type]
    )
