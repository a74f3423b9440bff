"""Real microdata: Argentina's EPH 2016 (INDEC), two random 2,000-person subsets.

The expected figures are those of ../shared/real_microdata/eph-argentina-2016/README.md:
sums of PONDERA Q3 937,869 and Q4 929,754; Q4 unweighted CH15 counts 1=1475, 2=183, 3=269,
4=52, 5=20, 9=1.
"""

from __future__ import annotations

import os

import polars as pl
import pytest

from censusmig import api
from censusmig.tables.table import MEASURES
from helpers import ROOT, SHARED

EPH = SHARED / "real_microdata" / "eph-argentina-2016"
PROFILE = ROOT / "profiles" / "eph_argentina_2016.toml"
WEIGHTED_TOTALS = {3: 937_869, 4: 929_754}
RECIPES = [
    "nativity_age_sex",
    "residence_5_years_ago_age_sex",
    "foreign_born_country_of_birth_age_sex",
]

if not EPH.is_dir() and os.environ.get("CENSUSMIG_REQUIRE_REAL_DATA") == "1":
    raise RuntimeError(f"{EPH} is required here (CENSUSMIG_REQUIRE_REAL_DATA=1) but missing")
pytestmark = pytest.mark.skipif(
    not EPH.is_dir(), reason="../shared/real_microdata is not beside the repo"
)


def path(quarter: int):  # noqa: ANN201
    return EPH / f"eph_individual_2016_q{quarter}.csv"


@pytest.fixture(scope="module", params=[3, 4])
def run(request: pytest.FixtureRequest) -> tuple[int, api.Tabulation]:
    quarter = request.param
    return quarter, api.tabulate(path(quarter), PROFILE, recipes=RECIPES)


def total(cells: pl.DataFrame, **codes: str) -> pl.DataFrame:
    levels = [c for c in cells.columns if c not in MEASURES and not c.endswith("_label")]
    wanted = {level: "_T" for level in levels} | codes
    return cells.filter(*(pl.col(k) == v for k, v in wanted.items()))


def test_weighted_total_of_nativity_equals_the_readme(run: tuple[int, api.Tabulation]) -> None:
    quarter, tabulation = run
    cells = tabulation.tables[0].cells
    assert tabulation.tables[0].recipe_id == "nativity_age_sex"
    assert total(cells)["value"][0] == WEIGHTED_TOTALS[quarter]
    assert total(cells)["n_unweighted"][0] == 2000
    assert tabulation.manifest["input"]["weighted_records"] == WEIGHTED_TOTALS[quarter]


def test_residence_five_years_ago_plus_under_fives_equals_the_readme(
    run: tuple[int, api.Tabulation],
) -> None:
    quarter, tabulation = run
    table = next(t for t in tabulation.tables if t.recipe_id == "residence_5_years_ago_age_sex")
    raw = pl.read_csv(path(quarter), infer_schema_length=0).with_columns(
        pl.col("CH06").cast(pl.Int64), pl.col("PONDERA").cast(pl.Int64)
    )
    under_five = raw.filter(pl.col("CH06") < 5)["PONDERA"].sum()
    assert total(table.cells)["value"][0] + under_five == WEIGHTED_TOTALS[quarter]
    assert table.accounting.reconciles
    # Real data: a few 5-year-olds were "not yet born" five years before the interview; they
    # stay visible as not applicable (_Z) rather than being dropped or forced elsewhere.
    not_yet_born = raw.filter(pl.col("CH06") >= 5, pl.col("CH16") == "6")
    row = total(table.cells, residence_5_years_ago="_Z", residence_5_years_ago_area="_Z")
    assert row["n_unweighted"][0] == not_yet_born.height > 0
    assert row["value"][0] == not_yet_born["PONDERA"].sum()


def test_nativity_matches_the_unweighted_ch15_counts_of_q4() -> None:
    tabulation = api.tabulate(path(4), PROFILE, recipes=["nativity_age_sex"])
    cells = tabulation.tables[0].cells
    counts = {
        code: int(total(cells, nativity=code)["n_unweighted"][0])
        for code in ("native_born", "foreign_born", "_U")
    }
    assert counts == {"native_born": 1475 + 183 + 269, "foreign_born": 52 + 20, "_U": 1}


def test_foreign_born_countries_are_mapped_and_nothing_is_unknown(
    run: tuple[int, api.Tabulation],
) -> None:
    _, tabulation = run
    table = next(
        t for t in tabulation.tables if t.recipe_id == "foreign_born_country_of_birth_age_sex"
    )
    countries = set(table.cells["country_of_birth"]) - {"_T"}
    assert {"BOL", "CHL", "PRY"} <= countries  # neighbours written bol, Chi, PAR ...
    assert "_X" not in countries
    assert tabulation.manifest["unknown_codes"] == {}
    # The region subtotal of the Americas is the sum of its countries.
    americas = total(table.cells, region_of_birth="019")["value"][0]
    inner = table.cells.filter(
        pl.col("region_of_birth") == "019", pl.col("country_of_birth") != "_T",
        pl.col("sex") == "_T", pl.col("age_group") == "_T",
    )["value"].sum()  # fmt: skip
    assert americas == inner > 0


def test_tables_state_that_the_public_file_allows_no_variance_estimate(
    run: tuple[int, api.Tabulation],
) -> None:
    # [design] method = "none": estimates and unweighted counts, no sampling-error columns, and
    # the profile's note on every table.
    _, tabulation = run
    for table in tabulation.tables:
        assert table.sampling_errors is None
        assert {"value", "n_unweighted"} <= set(table.cells.columns)
        assert "se" not in table.cells.columns
        assert table.variance_note is not None
        assert "PONDERA" in table.variance_note
        assert "no strata, PSUs or replicate weights" in table.variance_note
