"""A household sample survey drawn from the sample census: weights, strata, PSUs, replicates.

:func:`draw_household_sample` draws a stratified two-stage sample of whole households from a
census frame (as made by :func:`censusmig.synth.generate_census`) and adds the columns a survey
file carries: ``STRATUM``, ``PSU``, the design weight ``WGT`` and successive-difference
replicate weights ``RWGT1..RWGT<R>``. Every census column is kept, so the census profile's
concepts apply to the sample unchanged.

The design (``sample_microdata/CODEBOOK.md`` states it with the numbers of the committed file):

- **Frame.** Within each district the households, in HH_ID order, are cut into enumeration
  areas (EAs) of consecutive households, about :attr:`HouseholdSampleDesign.psu_size` each.
  The EAs of a stratum (a region) are listed in a serpentine order: districts ascending in odd
  regions and descending in even ones, the EAs of every other district in reverse, so that
  neighbours in the list are neighbours on the map.
- **First stage.** In stratum *h* with M_h households, a_h EAs are drawn by systematic sampling
  with probability proportional to size (the EA's households M_hi) from a random start: EA *i*
  is drawn with probability a_h M_hi / M_h (every M_hi is at most the interval M_h / a_h).
- **Second stage.** In each drawn EA, m households are drawn by simple random sampling without
  replacement: probability m / M_hi.
- **Weight.** The inclusion probability is the product, a_h m / M_h, the same for every
  household of the stratum (self-weighting within strata), and ``WGT`` = M_h / (a_h m) is its
  inverse, given to every person of the household. The sum of the households' weights in a
  stratum is therefore exactly M_h, the stratum's census households.
- **Replicates.** Successive difference replication (Fay and Train 1995), as the ACS builds it:
  the drawn PSUs, in the serpentine frame order, are PSU 1..n; PSU k is given rows k+1 and k+2
  of a normalised Hadamard matrix of order R (the first row, all ones, is not used), PSU n rows
  n+1 and 2 (the circular assignment whose replicate variance of a total equals the circular
  successive-difference estimator "SD2" of Ash 2014), and its replicate factor in replicate r is
  ``1 + 2**-1.5 * H[row1, r] - 2**-1.5 * H[row2, r]``, one of 1 - 2**-0.5, 1 or 1 + 2**-0.5.
  Every household of a PSU shares the PSU's factors; ``RWGTr`` = ``WGT`` x factor. The
  variance of an estimate is 4/R x the sum over replicates of its squared deviation from the
  full-sample estimate.

References: Fay, R.E. and Train, G.F. (1995), "Aspects of survey and model-based postcensal
estimation of income and poverty characteristics for states and counties", Proceedings of the
Section on Government Statistics, ASA, 154-159; Ash, S. (2014), "Using successive difference
replication for estimating variances", Survey Methodology 40(1), 47-59; U.S. Census Bureau
(2022), American Community Survey and Puerto Rico Community Survey Design and Methodology,
version 3.0, chapter 12; R package svrep, ``make_sdr_replicate_factors`` and
``assign_hadamard_rows``, which implement the same row assignment.

Example:
    >>> from censusmig.synth import generate_census
    >>> from censusmig.synth.survey import draw_household_sample
    >>> survey = draw_household_sample(generate_census(20_000, seed=2025), seed=2025)
    >>> survey.select("STRATUM", "PSU", "WGT").columns
    ['STRATUM', 'PSU', 'WGT']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from censusmig.synth import generate_census

__all__ = [
    "SURVEY_COLUMNS",
    "HouseholdSampleDesign",
    "draw_household_sample",
    "generate_survey",
    "hadamard",
    "replicate_columns",
    "sdr_replicate_factors",
    "write_survey",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

SURVEY_COLUMNS: Final = ("STRATUM", "PSU", "WGT")
"""Columns added before the replicate weights: stratum, primary sampling unit, design weight."""

SDR_COEFFICIENT: Final = 2.0**-1.5
"""Weight of a Hadamard entry in a successive-difference replicate factor (Fay and Train)."""

_SURVEY_STREAM: Final = 15
"""Spawn key of the sample's random stream: apart from the census chunks' streams."""


@dataclass(frozen=True)
class HouseholdSampleDesign:
    """The parameters of the stratified two-stage household sample."""

    fraction: float = 0.10
    """Target share of households in the sample, in every stratum."""

    households_per_psu: int = 8
    """Households drawn in each selected enumeration area (the second-stage take, m)."""

    psu_size: int = 30
    """Target number of households of an enumeration area; a district's EAs are of equal size
    up to one household."""

    replicates: int = 80
    """Number of successive-difference replicate weights (the order of the Hadamard matrix)."""

    def __post_init__(self) -> None:
        """Check the parameters.

        Raises:
            ValueError: A parameter is out of range.
        """
        if not 0.0 < self.fraction <= 1.0:
            raise ValueError(f"fraction must be in (0, 1], got {self.fraction}")
        for name in ("households_per_psu", "psu_size", "replicates"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.psu_size < self.households_per_psu:
            raise ValueError(
                f"psu_size ({self.psu_size}) must be at least households_per_psu "
                f"({self.households_per_psu})"
            )


def replicate_columns(replicates: int) -> list[str]:
    """Names of the replicate-weight columns.

    Args:
        replicates: Number of replicates R.

    Returns:
        ``["RWGT1", ..., "RWGT<R>"]``.
    """
    return [f"RWGT{r}" for r in range(1, replicates + 1)]


# --------------------------------------------------------------------------------------------
# Hadamard matrices and successive-difference replicate factors
# --------------------------------------------------------------------------------------------


def _is_prime(q: int) -> bool:
    return q >= 2 and all(q % d for d in range(2, int(q**0.5) + 1))


def _paley(q: int) -> IntArray:
    """Paley's first construction: a Hadamard matrix of order q + 1, q prime, q = 3 mod 4."""
    residues = {(x * x) % q for x in range(1, q)}
    chi = np.array([0] + [1 if a in residues else -1 for a in range(1, q)], dtype=np.int64)
    index = np.arange(q)
    jacobsthal = chi[(index[None, :] - index[:, None]) % q]
    core = np.zeros((q + 1, q + 1), dtype=np.int64)
    core[0, 1:] = 1
    core[1:, 0] = -1
    core[1:, 1:] = jacobsthal
    matrix: IntArray = np.eye(q + 1, dtype=np.int64) + core
    return matrix


def hadamard(order: int) -> IntArray:
    """A normalised Hadamard matrix (first row and first column all +1).

    Built by Paley's first construction when ``order - 1`` is a prime congruent to 3 mod 4
    (80 = 79 + 1), by Sylvester's doubling otherwise.

    Args:
        order: 1, 2, or a multiple of 4 reachable by those constructions (4, 8, ..., 80, ...).

    Returns:
        An ``order`` x ``order`` matrix H of +1 and -1 with H H' = order x I.

    Raises:
        ValueError: No construction here gives that order.
    """
    if order == 1:
        return np.ones((1, 1), dtype=np.int64)
    if order == 2:
        return np.array([[1, 1], [1, -1]], dtype=np.int64)
    if order < 1 or order % 4:
        raise ValueError(f"no Hadamard matrix of order {order} exists (1, 2 or a multiple of 4)")
    if _is_prime(order - 1) and (order - 1) % 4 == 3:
        matrix = _paley(order - 1)
    else:
        try:
            half = hadamard(order // 2)
        except ValueError:
            raise ValueError(f"no Hadamard matrix of order {order} is built here") from None
        matrix = np.asarray(np.block([[half, half], [half, -half]]), dtype=np.int64)
    matrix = matrix * matrix[0][None, :]  # first row all +1
    matrix = matrix * matrix[:, 0][:, None]  # first column all +1
    if not np.array_equal(matrix @ matrix.T, order * np.eye(order, dtype=np.int64)):
        raise ValueError(f"no Hadamard matrix of order {order} is built here")
    normalised: IntArray = matrix
    return normalised


def sdr_replicate_factors(units: int, replicates: int = 80) -> FloatArray:
    """Successive-difference replicate factors of ``units`` units listed in their sort order.

    Unit k (0-based) gets rows k+1 and k+2 of the normalised Hadamard matrix, the last unit rows
    ``units`` and 1 (the circular "SD2" assignment; row 0, all ones, is never used, so every
    unit's factors average exactly 1). Every other row of the matrix is negated first (it stays
    a Hadamard matrix), so that the first replicate does not repeat the full sample.

    Args:
        units: Number of units n, 1 <= n <= replicates - 1.
        replicates: Number of replicates R, the order of the Hadamard matrix.

    Returns:
        An n x R array of factors ``1 + 2**-1.5 * (H[row1, r] - H[row2, r])``.

    Raises:
        ValueError: More units than the matrix has usable rows (or none at all).
    """
    if not 1 <= units <= replicates - 1:
        raise ValueError(
            f"successive difference replication with {replicates} replicates takes 1 to "
            f"{replicates - 1} units, got {units}"
        )
    matrix = hadamard(replicates)
    signs = np.where(np.arange(replicates) % 2 == 0, 1, -1)
    matrix = matrix * signs[:, None]
    first = np.arange(1, units + 1)
    second = np.append(np.arange(2, units + 1), 1)
    factors: FloatArray = 1.0 + SDR_COEFFICIENT * (matrix[first] - matrix[second])
    return factors


# --------------------------------------------------------------------------------------------
# The sample
# --------------------------------------------------------------------------------------------


def _households(census: pl.DataFrame) -> pl.DataFrame:
    """One row per household: HH_ID, REGION, DISTRICT, in HH_ID order; checks the nesting."""
    households = (
        census.group_by("HH_ID", maintain_order=True)
        .agg(
            pl.col("REGION").first(),
            pl.col("DISTRICT").first(),
            pl.col("REGION").n_unique().alias("_regions"),
            pl.col("DISTRICT").n_unique().alias("_districts"),
        )
        .sort("HH_ID")
    )
    if households.filter((pl.col("_regions") > 1) | (pl.col("_districts") > 1)).height:
        raise ValueError("a household lives in more than one region or district")
    return households.drop("_regions", "_districts")


def _enumeration_areas(households: pl.DataFrame, design: HouseholdSampleDesign) -> pl.DataFrame:
    """The frame: every household with its EA (``PSU``), in serpentine order of the EAs."""
    pieces: list[pl.DataFrame] = []
    regions = sorted(households["REGION"].unique().to_list())
    position = 0
    for region_rank, region in enumerate(regions):
        in_region = households.filter(pl.col("REGION") == region)
        districts = sorted(in_region["DISTRICT"].unique().to_list())
        if region_rank % 2:
            districts.reverse()
        for district in districts:
            ids = in_region.filter(pl.col("DISTRICT") == district)["HH_ID"].to_numpy()
            count = max(1, round(ids.size / design.psu_size))
            parts = np.array_split(ids, count)
            if min(part.size for part in parts) < design.households_per_psu:
                raise ValueError(
                    f"district {district} has {ids.size} households: fewer than "
                    f"{design.households_per_psu} in an enumeration area"
                )
            numbers = list(range(1, count + 1))
            order = numbers[::-1] if position % 2 else numbers
            position += 1
            for number in order:
                part = parts[number - 1]
                pieces.append(
                    pl.DataFrame(
                        {
                            "HH_ID": part,
                            "STRATUM": np.full(part.size, region, dtype=np.int32),
                            "PSU": np.full(part.size, district * 100 + number, dtype=np.int32),
                        },
                        schema={"HH_ID": pl.Int64, "STRATUM": pl.Int32, "PSU": pl.Int32},
                    )
                )
    return pl.concat(pieces)


def _select(
    frame: pl.DataFrame, design: HouseholdSampleDesign, rng: np.random.Generator
) -> tuple[pl.DataFrame, list[int]]:
    """Draw the EAs and households; return the sampled households and the PSUs in list order."""
    sampled: list[pl.DataFrame] = []
    psu_order: list[int] = []
    take = design.households_per_psu
    for stratum in frame["STRATUM"].unique(maintain_order=True).to_list():
        in_stratum = frame.filter(pl.col("STRATUM") == stratum)
        areas = in_stratum.group_by("PSU", maintain_order=True).agg(pl.col("HH_ID"))
        sizes = areas["HH_ID"].list.len().to_numpy().astype(np.int64)
        total = int(sizes.sum())
        drawn = max(2, round(design.fraction * total / take))
        interval = total / drawn
        if drawn > sizes.size or sizes.max() > interval:
            raise ValueError(
                f"stratum {stratum} has too few households ({total}) for {drawn} "
                f"enumeration areas of {take} households"
            )
        points = rng.uniform(0.0, interval) + interval * np.arange(drawn)
        chosen = np.searchsorted(np.cumsum(sizes), points, side="right")
        weight = total / (drawn * take)
        for index in chosen.tolist():
            members = np.asarray(areas["HH_ID"][index].to_numpy(), dtype=np.int64)
            picked = np.sort(rng.choice(members.size, size=take, replace=False))
            psu = int(areas["PSU"][index])
            psu_order.append(psu)
            sampled.append(
                pl.DataFrame(
                    {
                        "HH_ID": members[picked],
                        "STRATUM": np.full(take, stratum, dtype=np.int32),
                        "PSU": np.full(take, psu, dtype=np.int32),
                        "WGT": np.full(take, weight, dtype=np.float64),
                    },
                    schema={
                        "HH_ID": pl.Int64,
                        "STRATUM": pl.Int32,
                        "PSU": pl.Int32,
                        "WGT": pl.Float64,
                    },
                )
            )
    return pl.concat(sampled), psu_order


def draw_household_sample(
    census: pl.DataFrame, seed: int, design: HouseholdSampleDesign | None = None
) -> pl.DataFrame:
    """Draw a stratified two-stage sample of whole households, with design and replicate weights.

    Strata are the regions, PSUs the enumeration areas formed inside districts; see the module
    docstring for the design and the replicate weights.

    Args:
        census: A census frame with HH_ID, REGION and DISTRICT (households consecutive or not).
        seed: Random seed, >= 0; the same census, seed and design give the same sample.
        design: The sample's parameters; the defaults make a 10% sample with 80 replicates.

    Returns:
        The persons of the drawn households, every census column in census order, then
        ``STRATUM`` (Int32), ``PSU`` (Int32), ``WGT`` (Float64) and ``RWGT1..RWGT<R>``
        (Float64); rows in census order.

    Raises:
        ValueError: A household spans two districts, a district or stratum is too small for
            the design, or more PSUs are drawn than the replicates can take.
    """
    design = design or HouseholdSampleDesign()
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_SURVEY_STREAM,)))
    frame = _enumeration_areas(_households(census), design)
    households, psu_order = _select(frame, design, rng)
    factors = sdr_replicate_factors(len(psu_order), design.replicates)
    names = replicate_columns(design.replicates)
    replicate_table = pl.DataFrame(
        {"PSU": np.asarray(psu_order, dtype=np.int32)}
        | {name: factors[:, r] for r, name in enumerate(names)},
        schema={"PSU": pl.Int32} | dict.fromkeys(names, pl.Float64),
    )
    households = households.join(replicate_table, on="PSU", how="left").with_columns(
        pl.col(name) * pl.col("WGT") for name in names
    )
    return census.join(households, on="HH_ID", how="inner", maintain_order="left")


def generate_survey(
    persons: int, seed: int, design: HouseholdSampleDesign | None = None
) -> pl.DataFrame:
    """Generate the sample census and draw the household sample survey from it.

    Args:
        persons: Persons in the census the sample is drawn from.
        seed: Seed of the census and of the sample.
        design: The sample's parameters (defaults: 10%, 80 replicates).

    Returns:
        The survey frame of :func:`draw_household_sample`.
    """
    return draw_household_sample(generate_census(persons, seed), seed, design)


def write_survey(path: Path, persons: int = 20_000, seed: int = 2025) -> None:
    """Generate the survey and write it as Parquet (zstd), making the folder if needed.

    Args:
        path: The Parquet file to write.
        persons: Persons in the census the sample is drawn from.
        seed: Seed of the census and of the sample.

    Raises:
        OSError: The file or its folder cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_survey(persons, seed).write_parquet(path, compression="zstd")
