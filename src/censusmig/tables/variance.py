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
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from censusmig.classifications.codes import TOTAL
from censusmig.dimensions.coding import Dimension
from censusmig.errors import InputError
from censusmig.profiles.design import TAYLOR, Design, Estimates
from censusmig.tables.checks import RECORD_NUMBER
from censusmig.tables.margins import INNER
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
"""Working column: a record's stratum (as the data code it; 1 when the design names none)."""
PSU = "_psu"
"""Working column: a record's PSU (as the data code it; the record number when the design
names none)."""
FPC = "_fpc"
"""Working column: the finite population correction as the data give it (or null)."""
DESIGN_KEYS = (STRATUM, PSU)
"""The keys a Taylor design adds to the cells' aggregation."""

_CELL = "_cell"
_KEY = "_key"
_VAR = "_var"
_PVAR = "_pvar"


def with_design_columns(frame: pl.LazyFrame, design: Design | None) -> pl.LazyFrame:
    """A Taylor design's working columns (:data:`STRATUM`, :data:`PSU`, :data:`FPC`) added.

    Args:
        frame: Person records; when the design names no PSU, they must carry the record
            number (:data:`censusmig.tables.checks.RECORD_NUMBER`, numbered before slicing).
        design: The design, or None.

    Returns:
        The frame, with the working columns for a Taylor design (unchanged otherwise).
    """
    if design is None or design.method != TAYLOR:
        return frame
    # Kept in the data's own types: grouping by numbers is several times faster than by text.
    return frame.with_columns(
        (pl.col(design.strata) if design.strata else pl.lit(1, pl.Int64)).alias(STRATUM),
        pl.col(design.psu or RECORD_NUMBER).alias(PSU),
        (pl.col(design.fpc) if design.fpc else pl.lit(None))
        .cast(pl.Float64, strict=False)
        .alias(FPC),
    )


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
        index: Every (:data:`STRATUM`, :data:`PSU`) of the file with the stratum's number
            ``_h`` (into ``codes``) and the PSU's number ``_j``.
    """

    codes: tuple[str, ...]
    psus: tuple[int, ...]
    factors: tuple[float, ...]
    index: pl.DataFrame = field(compare=False, repr=False, default_factory=pl.DataFrame)

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
    codes = tuple(str(code) for code in per_stratum[STRATUM].to_list())
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
        for number, (value, n) in enumerate(zip(lows, psus, strict=True)):
            population = n / value if fractions else value
            factors[number] = (population - n) / population
    # A stratum sampled whole (f = 0) has no variance whatever its PSUs: not lonely (as R).
    lonely = sum(1 for n, f in zip(psus, factors, strict=True) if n == 1 and f >= _CERTAIN)
    if lonely and design.lonely_psu == "fail":
        raise InputError(
            f"{lonely:,} of the design's {len(codes):,} strata have a single PSU, whose "
            "variance cannot be estimated; say how to treat them in "
            f'{profile_path}: [design] lonely_psu = "certainty", "remove", "adjust" or '
            '"average" (as R survey\'s survey.lonely.psu), or merge such strata'
        )
    numbers = (
        design_cells.select(STRATUM, PSU)
        .unique()
        .sort(STRATUM, PSU)
        .with_columns(
            pl.col(STRATUM).rank("dense").cast(pl.Int64).sub(1).alias("_h"),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_j"),
        )
    )
    return Strata(codes, psus, tuple(factors), numbers)


def _runs(keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in sorted ``keys``."""
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else keys


def _lonely_and_scale(
    contribution: np.ndarray,
    single: np.ndarray,
    lonely: np.ndarray,
    design: Design,
) -> np.ndarray:
    """The contributions of single-PSU strata as the design says (``fail`` never gets here)."""
    if design.lonely_psu == "adjust":
        contribution[single] = lonely[single]
    else:  # certainty, remove: nothing; average: nothing here, the others scaled up
        contribution[single] = 0.0
    return contribution


_CERTAIN = 1e-7
"""A finite population factor below this is a stratum sampled whole: no variance (R's
``onestrat`` returns 0 before any lonely-PSU rule)."""


def _average_factor(design: Design, info: Strata) -> float:
    """R's "average": every stratum with one PSU takes the average of the others.

    The strata with a variance are those of more than one PSU and those sampled whole (a
    certainty stratum's variance is 0, not missing).
    """
    if design.lonely_psu != "average":
        return 1.0
    ok = sum(1 for n, f in zip(info.psus, info.factors, strict=True) if n > 1 or f < _CERTAIN)
    return len(info.psus) / ok if ok else math.nan


@dataclass(frozen=True)
class _CellStrata:
    """Per (cell, stratum) with a record: sums of the cell's PSU totals (sorted by both).

    Attributes:
        cell: Cell number.
        stratum: Stratum number.
        present: PSUs of the stratum with a record in the cell.
        total: Sum of the PSU totals.
        squares: Sum of their squares.
        deviations: Sum of squared deviations from the stratum's mean over all its PSUs.
    """

    cell: np.ndarray
    stratum: np.ndarray
    present: np.ndarray
    total: np.ndarray
    squares: np.ndarray
    deviations: np.ndarray


def _cell_strata(cells: np.ndarray, strata: np.ndarray, z: np.ndarray, info: Strata) -> _CellStrata:
    """Sums per (cell, stratum) of PSU totals sorted by cell, stratum and PSU (two passes)."""
    group = cells.astype(np.int64) * (len(info.codes) + 1) + strata
    starts = _runs(group)
    present = np.diff(np.r_[starts, len(z)])
    n = np.asarray(info.psus, dtype=np.float64)[strata[starts]]
    total = np.add.reduceat(z, starts) if len(z) else z
    squares = np.add.reduceat(z * z, starts) if len(z) else z
    mean = total / n
    deviations = np.add.reduceat((z - np.repeat(mean, present)) ** 2, starts) if len(z) else z
    deviations = deviations + (n - present) * mean**2  # PSUs without a record in the cell
    return _CellStrata(cells[starts], strata[starts], present, total, squares, deviations)


def _total_variance(sums: _CellStrata, design: Design, info: Strata, size: int) -> np.ndarray:
    """The with-replacement variance of each cell's total (0 for a cell without records)."""
    variance = np.zeros(size)
    if not len(sums.cell):
        return variance
    n = np.asarray(info.psus, dtype=np.float64)[sums.stratum]
    f = np.asarray(info.factors, dtype=np.float64)[sums.stratum]
    single = n <= 1
    contribution = f * n / np.where(single, 1, n - 1) * sums.deviations
    contribution = _lonely_and_scale(contribution, single, f * sums.total**2, design)
    starts = _runs(sums.cell)
    variance[sums.cell[starts]] = np.add.reduceat(contribution, starts)
    return variance * _average_factor(design, info)


def _replicate_variance(estimate: np.ndarray, replicates: np.ndarray, design: Design) -> np.ndarray:
    """``scale x sum_r rscales_r x (estimate_r - centre)^2`` per row.

    Args:
        estimate: The full-sample estimates (rows).
        replicates: The replicate estimates (rows x replicates).
        design: The replicate design.

    Returns:
        The variances.
    """
    weights = np.asarray(design.rscales, dtype=np.float64)
    # A replicate of multiplier 0 is left out of the replicate mean too (as R does).
    used = replicates[:, weights > 0]
    centre = estimate if design.centre == "estimate" else used.mean(axis=1)
    deviations = replicates - centre[:, None]
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
    replicate_decimals: int = 0,
    psu_totals: tuple[pl.DataFrame, pl.DataFrame] | None = None,
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
        decimals: The decimals of ``value``'s units.
        replicate_decimals: The decimals of the replicate sums' units.
        psu_totals: Taylor designs: the inner cells' totals per stratum and PSU
            (:data:`~censusmig.tables.margins.INNER`, :data:`STRATUM`, :data:`PSU`,
            ``value`` in units) and the cells of the complete table holding each inner cell
            (:func:`~censusmig.tables.margins.memberships`).
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
        matrix = np.column_stack([_units(full, name, replicate_decimals) for name in replicates])
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


_SHARE_NOISE = 1e-12
"""Relative size below which a share's one-pass sum of squared deviations is rounding noise."""

_PSU_DECIMALS = 8
"""Decimals at which a Taylor design's PSU totals are summed (Int64: exact while a PSU's
weighted total stays below 9.2e10, far above any population)."""


def _in_small_units(column: str, decimals: int) -> pl.Expr:
    """A sum in units of ``10**-decimals`` as Int64 units of at most :data:`_PSU_DECIMALS`."""
    value = pl.col(column)
    if decimals > _PSU_DECIMALS:
        step = 10 ** (decimals - _PSU_DECIMALS)
        value = (value + step // 2) // step
    expr: pl.Expr = value.cast(pl.Int64).alias(column)
    return expr


def _taylor(
    numbered: pl.DataFrame,
    psu_totals: tuple[pl.DataFrame, pl.DataFrame],
    levels: list[str],
    strata: Strata,
    design: Design,
    decimals: int,
    estimate: np.ndarray,
    denominator_of: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Linearised variances of the cells' totals and, with percentages, of their shares.

    Each inner cell's PSU totals are added into every cell of the complete table that holds
    it (integer keys, exact integer sums), then sorted by cell, stratum and PSU, so that the
    floating-point sums below are taken in a fixed order.
    """
    size = numbered.height
    inner_totals, members = psu_totals
    cell_of = members.join(numbered.select(*levels, _CELL), on=levels, how="inner").select(
        INNER, _CELL
    )
    # One integer key per (cell, stratum, PSU): a single-column group-by and sort.
    strata_count, psu_count = len(strata.codes), max(strata.index.height, 1)
    key = (pl.col(_CELL).cast(pl.Int64) * strata_count + pl.col("_h")) * psu_count + pl.col("_j")
    long = (
        inner_totals.join(strata.index, on=[STRATUM, PSU], how="inner")
        # PSU totals as Int64 units of 1e-8: summed exactly, several times faster than Int128.
        .select(INNER, "_h", "_j", _in_small_units(VALUE, decimals))
        .join(cell_of, on=INNER, how="inner")
        .group_by(key.alias(_KEY))
        .agg(pl.col(VALUE).sum())
        .sort(_KEY)
    )
    keys = long[_KEY].to_numpy()
    cells = keys // (strata_count * psu_count)
    h = (keys // psu_count) % strata_count
    decimals = min(decimals, _PSU_DECIMALS)
    z = _units(long, VALUE, decimals)
    sums = _cell_strata(cells, h, z, strata)
    variance = _total_variance(sums, design, strata, size)
    if denominator_of is None:
        return variance, None
    long = long.with_columns(
        pl.Series(_CELL, cells), pl.Series("_h", h), pl.Series("_j", keys % psu_count)
    )
    return variance, _share_variance(long, sums, strata, design, decimals, estimate, denominator_of)


def _share_variance(
    long: pl.DataFrame,
    sums: _CellStrata,
    strata: Strata,
    design: Design,
    decimals: int,
    estimate: np.ndarray,
    denominator_of: np.ndarray,
) -> np.ndarray:
    """Linearised variance of each cell's share ``p = Y_c / Y_d`` of its denominator cell.

    Per stratum, with ``a_j = Y_c,j - p Y_d,j`` over the PSUs (zero where the denominator
    cell has no record) and ``n`` its PSUs: ``sum_j (a_j - mean a)^2 = sum_j a_j^2 - n mean^2``
    where ``sum_j a_j^2 = sum_{j in c} (Y_c,j - p Y_d,j)^2 + p^2 (sum_{j in d} Y_d,j^2 -
    sum_{j in c} Y_d,j^2)``; divided by ``Y_d^2`` at the end. The sums come from the exact
    integer PSU totals, added in a fixed order.
    """
    size = len(estimate)
    result = np.full(size, np.nan)
    has = denominator_of >= 0
    den = np.where(has, denominator_of, 0)
    base = estimate[den]
    ok = has & (base > 0)
    if not ok.any():
        return result
    share = np.where(ok, estimate / np.where(ok, base, 1), 0.0)
    scale = float(10**decimals)
    # Each row of cell c with the denominator's total in the same PSU (c is inside d).
    strata_count, psu_count = len(strata.codes), max(strata.index.height, 1)
    rows_den = denominator_of[long[_CELL].to_numpy()]
    key = (pl.col("_den") * strata_count + pl.col("_h")) * psu_count + pl.col("_j")
    paired = (
        long.with_columns(pl.Series("_den", rows_den, dtype=pl.Int64))
        .filter(pl.col("_den") >= 0)
        .with_columns(key.alias("_dkey"))
        .join(
            long.select(pl.col(_KEY).alias("_dkey"), pl.col(VALUE).alias("_yd")),
            on="_dkey",
            how="left",
        )
        .sort(_KEY)  # by cell, stratum and PSU
    )
    c = paired[_CELL].to_numpy().astype(np.int64)
    ch = paired["_h"].to_numpy()
    yc = _units(paired, VALUE, decimals)
    yd = paired["_yd"].cast(pl.Float64).fill_null(0.0).to_numpy() / scale
    p_rows = share[c]
    group = c * (len(strata.codes) + 1) + ch
    starts = _runs(group)
    across = np.add.reduceat((yc - p_rows * yd) ** 2, starts) if len(c) else yc
    inside_d = np.add.reduceat(yd * yd, starts) if len(c) else yd
    c_keys = group[starts]
    # Every (cell, stratum) where the denominator cell has records.
    stats_d = pl.DataFrame(
        {
            "_d": sums.cell,
            "_h": sums.stratum,
            "_s1d": sums.total,
            "_s2d": sums.squares,
        }
    )
    cells_of = pl.DataFrame(
        {_CELL: np.arange(size, dtype=np.int64)[ok], "_d": den[ok].astype(np.int64)}
    )
    frame = (
        cells_of.join(stats_d, on="_d", how="inner")
        .join(
            pl.DataFrame(
                {
                    "_key": c_keys,
                    "_across": across,
                    "_inside": inside_d,
                }
            ),
            left_on=pl.col(_CELL) * (len(strata.codes) + 1) + pl.col("_h"),
            right_on="_key",
            how="left",
        )
        .sort(_CELL, "_h")
    )
    cell = frame[_CELL].to_numpy()
    hh = frame["_h"].to_numpy()
    p = share[cell]
    s1c = np.zeros(len(cell))
    sums_frame = pl.DataFrame({_CELL: sums.cell, "_h": sums.stratum, "_s1c": sums.total})
    s1c = (
        frame.select(_CELL, "_h")
        .join(sums_frame, on=[_CELL, "_h"], how="left")["_s1c"]
        .fill_null(0.0)
        .to_numpy()
    )
    n = np.asarray(strata.psus, dtype=np.float64)[hh]
    f = np.asarray(strata.factors, dtype=np.float64)[hh]
    s1d = frame["_s1d"].to_numpy()
    s2d = frame["_s2d"].to_numpy()
    across_c = frame["_across"].fill_null(0.0).to_numpy()
    inside_c = frame["_inside"].fill_null(0.0).to_numpy()
    a_total = s1c - p * s1d
    squares = across_c + p * p * (s2d - inside_c)
    deviations = squares - a_total * a_total / n
    # The one-pass difference cancels where the deviations are all but 0: below the
    # floating-point noise of its terms it is 0 (as the totals' two-pass sums give it).
    noise = _SHARE_NOISE * (across_c + p * p * s2d + a_total * a_total / n)
    deviations = np.where(deviations > noise, deviations, 0.0)
    single = n <= 1
    contribution = f * n / np.where(single, 1, n - 1) * deviations
    contribution = _lonely_and_scale(contribution, single, f * a_total**2, design)
    starts = _runs(cell)
    variance = np.zeros(size)
    if len(cell):
        variance[cell[starts]] = np.add.reduceat(contribution, starts)
    variance *= _average_factor(design, strata)
    with np.errstate(divide="ignore", invalid="ignore"):
        result[ok] = (variance / (base * base))[ok]
    return result
