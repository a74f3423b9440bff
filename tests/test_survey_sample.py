"""The 10% household sample survey of the sample census (censusmig.synth.survey).

Checks the committed sample_microdata/survey.parquet against its generator and its design:
whole households, a subset of the census records, design weights that reproduce the census's
households per stratum exactly, and successive-difference replicate weights with their
defining property (the replicate variance of a total is the circular successive-difference
variance of the PSU totals).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from censusmig import api
from censusmig.synth import COLUMNS, generate_census
from censusmig.synth.survey import (
    SDR_COEFFICIENT,
    SURVEY_COLUMNS,
    HouseholdSampleDesign,
    draw_household_sample,
    generate_survey,
    hadamard,
    replicate_columns,
    sdr_replicate_factors,
)
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE

SURVEY = SAMPLE_DIR / "survey.parquet"
SURVEY_PROFILE = SAMPLE_DIR / "survey.profile.toml"
CODEBOOK = SAMPLE_DIR / "CODEBOOK.md"
REPLICATES = replicate_columns(80)
TAKE = HouseholdSampleDesign().households_per_psu


@pytest.fixture(scope="module")
def survey() -> pl.DataFrame:
    return pl.read_parquet(SURVEY)


@pytest.fixture(scope="module")
def census() -> pl.DataFrame:
    return pl.read_parquet(SAMPLE_DIR / "census.parquet")


def factors(survey: pl.DataFrame) -> np.ndarray:
    return survey.select(REPLICATES).to_numpy() / survey["WGT"].to_numpy()[:, None]


def psu_list(survey: pl.DataFrame) -> pl.DataFrame:
    """One row per PSU in the replicate list's order (found from each PSU's factors)."""
    per_psu = survey.group_by("PSU", maintain_order=True).agg(
        pl.col("STRATUM").first(), *(pl.col(c).first() / pl.col("WGT").first() for c in REPLICATES)
    )
    table = sdr_replicate_factors(per_psu.height, 80)
    rows = per_psu.select(REPLICATES).to_numpy()
    position = [int(np.flatnonzero(np.isclose(table, row).all(axis=1))[0]) for row in rows]
    return per_psu.with_columns(position=pl.Series(position)).sort("position")


def test_the_committed_file_is_what_the_generator_makes(survey: pl.DataFrame) -> None:
    expected = generate_survey(20_000, 2025)
    assert survey.columns == expected.columns
    assert survey.schema == expected.schema
    assert survey.equals(expected)


def test_the_script_regenerates_it(tmp_path: Path, survey: pl.DataFrame) -> None:
    out = tmp_path / "survey.parquet"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_survey_sample.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert pl.read_parquet(out).equals(survey)
    assert "make_survey_sample.py" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_columns_are_the_census_then_the_design(survey: pl.DataFrame) -> None:
    assert survey.columns == [*COLUMNS, *SURVEY_COLUMNS, *REPLICATES]
    assert survey.select(pl.all().null_count()).sum_horizontal()[0] == 0


def test_a_subset_of_the_census_records_in_census_order(
    survey: pl.DataFrame, census: pl.DataFrame
) -> None:
    ids = survey["HH_ID"].unique()
    assert survey.select(COLUMNS).equals(census.filter(pl.col("HH_ID").is_in(ids.implode())))


def test_households_are_whole(survey: pl.DataFrame, census: pl.DataFrame) -> None:
    sizes = (
        survey.group_by("HH_ID")
        .len()
        .join(census.group_by("HH_ID").len(), on="HH_ID", suffix="_census")
    )
    assert sizes.height == survey["HH_ID"].n_unique() > 0
    assert (sizes["len"] == sizes["len_census"]).all()
    # Design columns are household (and PSU) attributes.
    per_household = survey.group_by("HH_ID").agg(
        pl.col(c).n_unique() for c in [*SURVEY_COLUMNS, *REPLICATES]
    )
    assert per_household.drop("HH_ID").max().max_horizontal()[0] == 1


def test_strata_are_regions_and_psus_nest_in_districts(survey: pl.DataFrame) -> None:
    assert (survey["STRATUM"] == survey["REGION"]).all()
    assert (survey["PSU"] // 100 == survey["DISTRICT"]).all()
    psus = survey.group_by("STRATUM").agg(pl.col("PSU").n_unique())
    assert psus.height == 6
    assert psus["PSU"].min() >= 2
    households = survey.group_by("PSU").agg(pl.col("HH_ID").n_unique())
    assert (households["HH_ID"] == TAKE).all()


def test_weights_reproduce_the_census_households_per_stratum_exactly(
    survey: pl.DataFrame, census: pl.DataFrame
) -> None:
    weighted = survey.unique("HH_ID").group_by("STRATUM").agg(pl.col("WGT").sum())
    counted = census.group_by("REGION").agg(pl.col("HH_ID").n_unique().alias("households"))
    both = weighted.join(counted, left_on="STRATUM", right_on="REGION").sort("STRATUM")
    assert both.height == 6
    assert np.allclose(both["WGT"], both["households"], rtol=1e-12, atol=0)
    # The inverse inclusion probability a_h * m / M_h: one weight per stratum.
    design = survey.group_by("STRATUM").agg(
        pl.col("WGT").n_unique().alias("weights"),
        pl.col("WGT").first(),
        pl.col("PSU").n_unique().alias("psus"),
    )
    design = design.join(counted, left_on="STRATUM", right_on="REGION")
    assert (design["weights"] == 1).all()
    assert np.allclose(design["WGT"], design["households"] / (design["psus"] * TAKE), rtol=1e-15)


def test_weighted_persons_are_the_census_persons_within_sampling_error(
    survey: pl.DataFrame, census: pl.DataFrame
) -> None:
    estimate = survey["WGT"].sum()
    replicates = survey.select(REPLICATES).sum().to_numpy()[0]
    se = np.sqrt(4 / 80 * ((replicates - estimate) ** 2).sum())
    assert 0 < se < 0.05 * estimate
    assert abs(estimate - census.height) < 3 * se


def test_replicate_factors_have_the_sdr_properties(survey: pl.DataFrame) -> None:
    f = factors(survey)
    assert (survey.select(REPLICATES).to_numpy() > 0).all()
    assert np.allclose(f.mean(axis=1), 1.0, rtol=0, atol=1e-12)
    values = {1 - 2 * SDR_COEFFICIENT, 1.0, 1 + 2 * SDR_COEFFICIENT}
    assert all(np.isclose(f, v).any() for v in values)
    assert np.isclose(f[:, :, None], np.array(sorted(values))).any(axis=2).all()
    # No replicate repeats the full sample.
    assert not np.isclose(f, 1.0).all(axis=0).any()


def test_replicate_variance_of_a_total_is_the_successive_difference_variance(
    survey: pl.DataFrame,
) -> None:
    listed = psu_list(survey)
    # The list runs through the strata in order (the serpentine frame order).
    assert listed["STRATUM"].is_sorted()
    assert listed["position"].to_list() == list(range(listed.height))
    foreign_born = survey.with_columns(y=(pl.col("POB") != 900) * pl.col("WGT"))
    for column in ("WGT", "y"):
        totals = (
            foreign_born.group_by("PSU")
            .agg(pl.col(column).sum())
            .join(listed.select("PSU", "position"), on="PSU")
            .sort("position")[column]
            .to_numpy()
        )
        sd2 = 0.5 * ((totals - np.roll(totals, -1)) ** 2).sum()
        estimate = foreign_born[column].sum()
        replicate = np.array([(foreign_born[column] * f).sum() for f in factors(foreign_born).T])
        assert np.isclose(4 / 80 * ((replicate - estimate) ** 2).sum(), sd2, rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(
    units=st.integers(1, 79),
    seed=st.integers(0, 2**32 - 1),
)
def test_sdr_factors_give_the_circular_successive_difference_estimator(
    units: int, seed: int
) -> None:
    y = np.random.default_rng(seed).normal(100, 30, units)
    f = sdr_replicate_factors(units, 80)
    replicate_variance = 4 / 80 * (((f - 1) * y[:, None]).sum(axis=0) ** 2).sum()
    sd2 = 0.5 * ((y - np.roll(y, -1)) ** 2).sum()
    assert np.isclose(replicate_variance, sd2, rtol=1e-10, atol=1e-9)
    assert np.allclose(f.mean(axis=1), 1.0)


@pytest.mark.parametrize("order", [1, 2, 4, 8, 12, 16, 20, 24, 32, 40, 80])
def test_hadamard_matrices_are_normalised_and_orthogonal(order: int) -> None:
    h = hadamard(order)
    assert np.array_equal(h @ h.T, order * np.eye(order))
    assert (h[0] == 1).all() and (h[:, 0] == 1).all()


def test_hadamard_and_sdr_refuse_what_they_cannot_build() -> None:
    with pytest.raises(ValueError, match="order 6 exists"):
        hadamard(6)
    with pytest.raises(ValueError, match="order 92 is built"):
        hadamard(92)  # exists (Williamson), but neither Paley I nor Sylvester gives it
    with pytest.raises(ValueError, match="1 to 79 units, got 80"):
        sdr_replicate_factors(80, 80)


def test_the_design_is_checked() -> None:
    with pytest.raises(ValueError, match="fraction"):
        HouseholdSampleDesign(fraction=0)
    with pytest.raises(ValueError, match="psu_size"):
        HouseholdSampleDesign(psu_size=4, households_per_psu=8)
    with pytest.raises(ValueError, match="district .* households"):
        draw_household_sample(generate_census(300, 1), seed=1)


def test_another_seed_draws_another_sample() -> None:
    census = generate_census(5_000, 7)
    first = draw_household_sample(census, seed=7)
    assert first.equals(draw_household_sample(census, seed=7))
    assert not first["HH_ID"].equals(draw_household_sample(census, seed=8)["HH_ID"])


def test_the_profile_is_the_census_profile_plus_the_design(survey: pl.DataFrame) -> None:
    census = tomllib.loads(SAMPLE_PROFILE.read_text(encoding="utf-8"))
    profile = tomllib.loads(SURVEY_PROFILE.read_text(encoding="utf-8"))
    for section in ("concepts", "geography", "publication"):
        assert profile[section] == census[section]
    assert profile["data"] == census["data"] | {"weight": "WGT"}
    assert profile["design"] == {"method": "sdr", "replicate_weights": "RWGT1..RWGT80"}
    assert profile["estimates"] == {
        "confidence": 0.90, "cv_caution": 15, "cv_unreliable": 30, "min_unweighted": 30,
    }  # fmt: skip
    assert set(REPLICATES) <= set(survey.columns)


def test_the_codebook_states_the_design_of_the_committed_file(
    survey: pl.DataFrame, census: pl.DataFrame
) -> None:
    text = CODEBOOK.read_text(encoding="utf-8")
    strata = (
        survey.group_by("STRATUM")
        .agg(
            pl.len().alias("persons"),
            pl.col("HH_ID").n_unique().alias("households"),
            pl.col("PSU").n_unique().alias("psus"),
            pl.col("WGT").first(),
        )
        .join(
            census.group_by("REGION").agg(pl.col("HH_ID").n_unique().alias("census")),
            left_on="STRATUM",
            right_on="REGION",
        )
        .sort("STRATUM")
    )
    for row in strata.iter_rows(named=True):
        line = (
            f"| {row['STRATUM']} | {row['census']:,} | {row['psus']} | {row['households']} "
            f"| {row['persons']} | {row['WGT']:.4f} |"
        )
        assert line in text, line
    assert f"{survey.height:,} persons in {survey['HH_ID'].n_unique()} households" in text


def test_the_profile_gives_sampling_errors_that_match_the_replicates(
    survey: pl.DataFrame,
) -> None:
    table = api.tabulate(SURVEY, SURVEY_PROFILE, recipes=["nativity_age_sex"]).tables[0]
    assert table.sampling_errors is not None
    assert table.sampling_errors.z == pytest.approx(1.6448536, rel=1e-6)
    for column in ("se", "moe", "ci_lower", "ci_upper", "cv", "reliability", "percent_se"):
        assert column in table.cells.columns
    levels = [c for c in ("age_group", "sex", "nativity") if c in table.cells.columns]
    total = table.cells.filter(*(pl.col(level) == "_T" for level in levels)).row(0, named=True)
    estimate = survey["WGT"].sum()
    replicates = survey.select(REPLICATES).sum().to_numpy()[0]
    se = np.sqrt(4 / 80 * ((replicates - estimate) ** 2).sum())
    assert total["value"] == pytest.approx(estimate, abs=1e-6)
    assert total["n_unweighted"] == survey.height
    assert total["se"] == pytest.approx(se, rel=1e-9)
    assert total["cv"] == pytest.approx(100 * se / estimate, rel=1e-9)
