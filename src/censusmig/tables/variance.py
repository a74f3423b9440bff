"""Sampling errors of weighted estimates: standard errors, margins of error, CVs and flags.

Every cell of a table is a domain of the whole sample: its standard error is computed over the
full design, a record outside the cell contributing zero, never by subsetting the records. Two
ways, as the profile's ``[design]`` says (:mod:`censusmig.profiles.design`):

- **Replicate weights**: each cell carries the sum of every replicate weight (additive
  measures summed in the same read as the estimate, through merge and margins); the variance
  is ``scale x sum_r rscales_r x (estimate_r - centre)^2``, worked out here on the small
  complete table.
- **Taylor linearisation** (with-replacement first stage, PSUs nested in strata): each cell is
  summed per PSU in the same read (the cells' keys plus stratum and PSU), every margin too;
  the variance is ``sum_h f_h n_h / (n_h - 1) sum_j (z_hj - mean_h z)^2`` with ``n_h`` the
  stratum's PSUs in the whole file and ``z_hj`` the cell's total in PSU ``j`` (zero where it
  has no record).

Percentages are ratio estimators: replicate ``p_r = Y_c,r / Y_d,r``; linearised
``z_j = (Y_c,j - p Y_d,j) / Y_d``. The conventions and the results are those of R's
``survey`` package (``svytotal``, ``svymean``, ``svyratio``, ``svyby``), which the tests run.
Sums of floating-point numbers are taken in a fixed order (sorted, with numpy), so the same
inputs give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from censusmig.classifications.codes import TOTAL
from censusmig.dimensions.coding import Dimension
from censusmig.errors import InputError
from censusmig.profiles.design import TAYLOR, Design, Estimates
from censusmig.tables.table import (
    CAUTION,
    CI_LOWER,
    CI_UPPER,
    CV,
    MOE,
    N_UNWEIGHTED,
    PERCENT_MOE,
    PERCENT_SE,
    RELIABILITY,
    SE,
    UNRELIABLE,
    VALUE,
    SamplingErrors,
)

STRATUM = "_stratum"
"""Working column: a record's stratum (text; one stratum when the design names none)."""
PSU = "_psu"
"""Working column: a record's PSU (text; the record number when the design names none)."""
FPC = "_fpc"
"""Working column: the finite population correction as the data give it (or null)."""
DESIGN_KEYS = (STRATUM, PSU)
"""The keys a Taylor design adds to the cells' aggregation."""

_CELL = "_cell"
_VAR = "_var"
_PVAR = "_pvar"


def replicate_name(index: int) -> str:
    """The measure summing the ``index``-th replicate weight (0-based) per cell."""
    return f"_rep{index + 1}"


@dataclass(frozen=True)
class Strata:
    """The strata of a Taylor design, counted over the whole file.

    Attributes:
        codes: Stratum codes, in sorted order.
        psus: PSUs in each stratum (``n_h``).
        factors: The finite population factor ``f_h = 1 - n_h / N_h`` (1 without an fpc).
    """

    codes: tuple[str, ...]
    psus: tuple[int, ...]
    factors: tuple[float, ...]

    def describe(self) -> str:
        """``12 strata, 240 PSUs``."""
        strata = len(self.codes)
        return f"{strata:,} {'stratum' if strata == 1 else 'strata'}, {sum(self.psus):,} PSUs"


def strata_of(design_cells: pl.DataFrame, design: Design, profile_path: str) -> Strata:
    """The strata and their PSU counts from the design's aggregation (stratum, PSU, fpc).

    Args:
        design_cells: One row per (stratum, PSU, fpc) found in the file, with ``records``.
        design: The Taylor design.
        profile_path: The profile, for messages.

    Returns:
        The strata.

    Raises:
        InputError: Records without a stratum, a PSU or an fpc; an fpc that differs within a
            stratum or is smaller than the stratum's sampled PSUs; a stratum with one PSU
            when the design says ``lonely_psu = "fail"``.
    """
    problems = []
    for column, key in ((STRATUM, "strata"), (PSU, "psu"), (FPC, "fpc")):
        named = {"strata": design.strata, "psu": design.psu, "fpc": design.fpc}[key]
        missing = design_cells.filter(pl.col(column).is_null())["records"].sum()
        if named and missing:
            problems.append(f"{missing:,} record(s) have no value in {named!r} ([design] {key})")
    if problems:
        raise InputError(
            "the sampling design cannot be used: " + "; ".join(problems) + f" ({profile_path})"
        )
    per_stratum = (
        design_cells.group_by(STRATUM)
        .agg(
            pl.col(PSU).n_unique().alias("psus"),
            pl.col(FPC).min().alias("low"),
            pl.col(FPC).max().alias("high"),
        )
        .sort(STRATUM)
    )
    codes = tuple(per_stratum[STRATUM].to_list())
    psus = tuple(int(n) for n in per_stratum["psus"].to_list())
    factors = [1.0] * len(codes)
    if design.fpc:
        lows, highs = per_stratum["low"].to_list(), per_stratum["high"].to_list()
        if any(low != high for low, high in zip(lows, highs, strict=True)):
            varying = sum(low != high for low, high in zip(lows, highs, strict=True))
            raise InputError(
                f"the finite population correction {design.fpc!r} ([design] fpc) differs "
                f"within {varying:,} stratum/strata; it must be one number per stratum "
                f"({profile_path})"
            )
        fractions = all(0 < value <= 1 for value in lows)
        short = sum(1 for v, n in zip(lows, psus, strict=True) if not math.isfinite(v) or v < n)
        if not fractions and short:
            raise InputError(
                f"the finite population correction {design.fpc!r} ([design] fpc) is "
                f"smaller than the PSUs sampled in {short:,} stratum/strata: give the PSUs in "
                "each stratum's population, or every stratum's sampling fraction (at most 1) "
                f"({profile_path})"
            )
        for index, (value, n) in enumerate(zip(lows, psus, strict=True)):
            population = n / value if fractions else value
            factors[index] = (population - n) / population
    lonely = sum(1 for n in psus if n == 1)
    if lonely and design.lonely_psu == "fail":
        raise InputError(
            f"{lonely:,} of the design's {len(codes):,} strata have a single PSU, whose "
            "variance cannot be estimated; say how to treat them in "
            f'{profile_path}: [design] lonely_psu = "certainty", "remove", "adjust" or '
            '"average" (as R survey\'s survey.lonely.psu), or merge such strata'
        )
    return Strata(codes, psus, tuple(factors))


def _grouped_sums(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``values`` per run of equal ``keys`` (sorted): the keys and the sums, in order."""
    if not len(keys):
        return keys, values
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.add.reduceat(values, starts)


def _stratified_variance(
    cells: np.ndarray, strata: np.ndarray, z: np.ndarray, design: Design, info: Strata, size: int
) -> np.ndarray:
    """The with-replacement variance of each cell's total of ``z``.

    Args:
        cells: Cell number of each PSU total.
        strata: Stratum number (into ``info``) of each PSU total.
        z: PSU totals (one per cell and PSU with a record; absent PSUs are zeros).
        design: The design (its lonely-PSU option).
        info: The strata.
        size: Number of cells.

    Returns:
        The variance of each cell (0 for a cell without PSU totals).
    """
    variance = np.zeros(size)
    if not len(z):
        return variance
    order = np.lexsort((strata, cells))
    cells, strata, z = cells[order], strata[order], z[order]
    group = cells.astype(np.int64) * (len(info.codes) + 1) + strata
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    present = np.diff(np.r_[starts, len(z)])
    n = np.asarray(info.psus, dtype=np.float64)[strata[starts]]
    f = np.asarray(info.factors, dtype=np.float64)[strata[starts]]
    total = np.add.reduceat(z, starts)
    mean = total / n
    deviations = np.add.reduceat((z - np.repeat(mean, present)) ** 2, starts)
    deviations += (n - present) * mean**2  # PSUs of the stratum without a record in the cell
    several = n > 1
    contribution = np.zeros(len(starts))
    contribution[several] = (f * n / np.where(several, n - 1, 1) * deviations)[several]
    if design.lonely_psu == "adjust":
        contribution[~several] = (f * total**2)[~several]
    found, summed = _grouped_sums(cells[starts], contribution)
    variance[found] = summed
    if design.lonely_psu == "average":
        strata_count = len(info.psus)
        ok = sum(1 for n_h in info.psus if n_h > 1)
        variance *= strata_count / ok if ok else math.nan
    return variance


def _replicate_variance(estimate: np.ndarray, replicates: np.ndarray, design: Design) -> np.ndarray:
    """``scale x sum_r rscales_r x (estimate_r - centre)^2`` per row.

    Args:
        estimate: The full-sample estimates (rows).
        replicates: The replicate estimates (rows x replicates).
        design: The replicate design.

    Returns:
        The variances.
    """
    centre = estimate if design.centre == "estimate" else replicates.mean(axis=1)
    deviations = replicates - centre[:, None]
    weights = np.asarray(design.rscales, dtype=np.float64)
    squares: np.ndarray = (deviations**2 * weights).sum(axis=1)  # a fixed order, no BLAS
    return design.scale * squares


def _units(frame: pl.DataFrame, column: str, decimals: int) -> np.ndarray:
    """A column in measure units as floats of its value (exact integers divided once)."""
    return frame[column].cast(pl.Float64).to_numpy() / float(10**decimals)


def add_sampling_errors(
    full: pl.DataFrame,
    *,
    dimensions: Sequence[Dimension],
    percent_of: Sequence[str],
    design: Design,
    estimates: Estimates,
    decimals: int,
    psu_totals: pl.DataFrame | None = None,
    strata: Strata | None = None,
) -> tuple[pl.DataFrame, SamplingErrors]:
    """Add the sampling-error columns to a complete table whose sums are still in units.

    Args:
        full: The complete table (:func:`censusmig.tables.margins.complete`): level codes
            and labels, ``value`` and, for a replicate design, every replicate's sum, in
            integer units of ``10**-decimals``; and ``n_unweighted``.
        dimensions: The table's dimensions.
        percent_of: Dimensions totalled in a percentage's denominator (empty: none).
        design: The design.
        estimates: Confidence level and flags.
        decimals: The units' decimals.
        psu_totals: Taylor designs: every cell of the table (level codes) per stratum and PSU
            (:data:`STRATUM`, :data:`PSU`) with its ``value`` in units.
        strata: Taylor designs: the strata.

    Returns:
        The table with :data:`~censusmig.tables.table.SAMPLING_ERRORS` (and
        ``percent_se``, ``percent_moe`` when it has percentages), replicate sums dropped;
        and how they were computed.
    """
    levels = [level for dimension in dimensions for level in dimension.levels]
    estimate = _units(full, VALUE, decimals)
    replicates = [name for name in full.columns if name.startswith("_rep")]
    totalled = [lv for d in dimensions if d.name in percent_of for lv in d.levels]
    kept = [lv for d in dimensions if d.name not in percent_of for lv in d.levels]
    numbered = full.with_row_index(_CELL)
    denominator_of: np.ndarray | None = None
    if percent_of:
        denominators = numbered.filter(*(pl.col(lv) == TOTAL for lv in totalled)).select(
            *kept, pl.col(_CELL).alias("_den")
        )
        joined = (
            numbered.select(_CELL, *kept).join(denominators, on=kept, how="left")
            if kept
            else numbered.select(_CELL).join(denominators, how="cross")
        )
        # Row number of each cell's denominator cell, -1 where it has none.
        denominator_of = joined.sort(_CELL)["_den"].fill_null(-1).to_numpy().astype(np.int64)
    if design.method == TAYLOR:
        assert psu_totals is not None and strata is not None
        variance, percent_variance = _taylor(
            numbered, psu_totals, levels, strata, design, decimals, estimate, denominator_of
        )
    else:
        matrix = np.column_stack([_units(full, name, decimals) for name in replicates])
        variance = _replicate_variance(estimate, matrix, design)
        percent_variance = None
        if denominator_of is not None:
            percent_variance = _replicate_ratio_variance(estimate, matrix, denominator_of, design)
    z = estimates.z
    se = np.sqrt(np.maximum(variance, 0.0))
    moe = z * se
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(estimate > 0, 100 * se / np.where(estimate > 0, estimate, 1), np.nan)
    n = full[N_UNWEIGHTED].to_numpy()
    flags = [
        None
        if records == 0
        else UNRELIABLE
        if records < estimates.min_unweighted or math.isnan(c) or c > estimates.cv_unreliable
        else CAUTION
        if c > estimates.cv_caution
        else None
        for records, c in zip(n.tolist(), cv.tolist(), strict=True)
    ]
    columns = [
        pl.Series(SE, se, dtype=pl.Float64, nan_to_null=True),
        pl.Series(MOE, moe, dtype=pl.Float64, nan_to_null=True),
        pl.Series(CI_LOWER, np.maximum(estimate - moe, 0.0), dtype=pl.Float64, nan_to_null=True),
        pl.Series(CI_UPPER, estimate + moe, dtype=pl.Float64, nan_to_null=True),
        pl.Series(CV, cv, dtype=pl.Float64, nan_to_null=True),
        pl.Series(RELIABILITY, flags, dtype=pl.String),
    ]
    if percent_variance is not None:
        percent_se = 100 * np.sqrt(np.maximum(percent_variance, 0.0))
        columns += [
            pl.Series(PERCENT_SE, percent_se, dtype=pl.Float64, nan_to_null=True),
            pl.Series(PERCENT_MOE, z * percent_se, dtype=pl.Float64, nan_to_null=True),
        ]
    method = design.describe()
    if strata is not None:
        method = f"{method} ({strata.describe()})"
    errors = SamplingErrors(
        method=method,
        confidence=estimates.confidence,
        z=z,
        cv_caution=estimates.cv_caution,
        cv_unreliable=estimates.cv_unreliable,
        min_unweighted=estimates.min_unweighted,
    )
    return full.drop(replicates).with_columns(columns), errors


def _replicate_ratio_variance(
    estimate: np.ndarray, matrix: np.ndarray, denominator_of: np.ndarray, design: Design
) -> np.ndarray:
    """Replicate variance of each cell's share of its denominator cell (NaN: no denominator)."""
    result = np.full(len(estimate), np.nan)
    has = denominator_of >= 0
    index = np.where(has, denominator_of, 0)
    base = estimate[index]
    base_replicates = matrix[index]
    ok = has & (base > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = estimate / np.where(ok, base, 1)
        ratios = matrix / np.where(base_replicates > 0, base_replicates, np.nan)
    variance = _replicate_variance(ratio, ratios, design)
    result[ok] = variance[ok]
    return result


def _taylor(
    numbered: pl.DataFrame,
    psu_totals: pl.DataFrame,
    levels: list[str],
    strata: Strata,
    design: Design,
    decimals: int,
    estimate: np.ndarray,
    denominator_of: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Linearised variances of the cells' totals and, with percentages, of their shares."""
    size = numbered.height
    stratum_number = pl.DataFrame(
        {STRATUM: list(strata.codes), "_h": list(range(len(strata.codes)))},
        schema={STRATUM: pl.String, "_h": pl.Int64},
    )
    totals = (
        psu_totals.join(numbered.select(*levels, _CELL), on=levels, how="inner")
        .join(stratum_number, on=STRATUM, how="inner")
        .select(_CELL, "_h", PSU, VALUE)
    )
    cells = totals[_CELL].to_numpy()
    h = totals["_h"].to_numpy()
    z = _units(totals, VALUE, decimals)
    variance = _stratified_variance(cells, h, z, design, strata, size)
    if denominator_of is None:
        return variance, None
    # Shares: z_j = (Y_c,j - p Y_d,j) / Y_d over the PSUs of the denominator cell d.
    den = pl.Series("_den", denominator_of, dtype=pl.Int64)
    pairs = numbered.select(_CELL).with_columns(den).filter(pl.col("_den") >= 0)
    base = totals.rename({_CELL: "_den", VALUE: "_yd"})
    expanded = pairs.join(base, on="_den", how="inner").join(
        totals.select(_CELL, "_h", PSU, pl.col(VALUE).alias("_yc")),
        on=[_CELL, "_h", PSU],
        how="left",
    )
    scale = float(10**decimals)
    cell = expanded[_CELL].to_numpy()
    den_cell = expanded["_den"].to_numpy()
    yd_total = estimate[den_cell]
    share = np.where(yd_total > 0, estimate[cell] / np.where(yd_total > 0, yd_total, 1), 0.0)
    yc = expanded["_yc"].cast(pl.Float64).fill_null(0.0).to_numpy() / scale
    yd = expanded["_yd"].cast(pl.Float64).to_numpy() / scale
    linear = (yc - share * yd) / np.where(yd_total > 0, yd_total, 1)
    percent_variance = _stratified_variance(
        cell, expanded["_h"].to_numpy(), linear, design, strata, size
    )
    has = denominator_of >= 0
    missing = ~has | (estimate[np.where(has, denominator_of, 0)] <= 0)
    percent_variance[missing] = np.nan
    return variance, percent_variance
