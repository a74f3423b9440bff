"""User recipes that redefine categories: other age groups, arrival periods, top N countries."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.errors import SpecError
from censusmig.recipes.catalog import load_catalog
from censusmig.tables.table import MEASURES
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

USER_RECIPE = """
schema_version = 1
id = "foreign_born_top5_broad"
title = "Foreign-born by country of birth (top 5) and custom age groups"
description = "Five largest countries of birth, the rest as other countries of their region."
standard = ["Handbook: tabulations on the foreign-born population"]
universe = { label = "Foreign-born", where = ["nativity = foreign_born"] }
rows = ["country_of_birth"]
columns = ["age_group", "period_of_arrival"]

[categories.age_group]
breaks = [0, 15, 65]

[categories.period_of_arrival]
breaks = [0, 5, 10]

[categories.country_of_birth]
top = 5
"""


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    folder = tmp_path_factory.mktemp("recipes")
    (folder / "foreign_born_top5_broad.toml").write_text(USER_RECIPE)
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        recipes=["foreign_born_top5_broad", "foreign_born_country_of_birth_age_sex"],
        recipes_dirs=[folder],
    )
    return {table.recipe_id: table.cells for table in run.tables}


def totals(cells: pl.DataFrame, **codes: str) -> pl.DataFrame:
    levels = [c for c in cells.columns if c not in MEASURES and not c.endswith("_label")]
    return cells.filter(*(pl.col(k) == codes.get(k, "_T") for k in levels))


def test_custom_age_groups_and_periods(tables: dict[str, pl.DataFrame]) -> None:
    cells = tables["foreign_born_top5_broad"]
    assert set(cells["age_group"]) >= {"_T", "Y0T14", "Y15T64", "Y_GE65", "_U"}
    assert "Y0T4" not in set(cells["age_group"])
    assert set(cells["period_of_arrival"]) >= {"_T", "Y0T4", "Y5T9", "Y_GE10"}
    labels = dict(zip(cells["period_of_arrival"], cells["period_of_arrival_label"], strict=True))
    assert labels["Y_GE10"] == "10 years or more"


def test_top_five_countries_and_others_keep_region_subtotals(
    tables: dict[str, pl.DataFrame],
) -> None:
    top = tables["foreign_born_top5_broad"]
    full = tables["foreign_born_country_of_birth_age_sex"]
    listed = set(top["country_of_birth"]) - {"_T", "_O", "_U", "_X"}
    assert len(listed) == 5
    assert listed == {"GTM", "SLV", "HND", "NIC", "MEX"}
    # Totals and region subtotals are those of the full table: nothing is lost to "other".
    assert totals(top)["value"][0] == totals(full)["value"][0]
    for region in ("019", "142", "150"):
        assert (
            totals(top, region_of_birth=region)["value"][0]
            == totals(full, region_of_birth=region)["value"][0]
        )
    other_europe = totals(top, region_of_birth="150", country_of_birth="_O")
    assert other_europe["country_of_birth_label"][0] == "Other countries"
    assert other_europe["value"][0] == totals(full, region_of_birth="150")["value"][0]


def test_invalid_overrides_are_reported(tmp_path: Path) -> None:
    bad = USER_RECIPE.replace("breaks = [0, 15, 65]", "breaks = [15, 0]").replace(
        "top = 5", "top = 0"
    )
    bad = bad.replace("[categories.period_of_arrival]", "[categories.sex]")
    (tmp_path / "foreign_born_top5_broad.toml").write_text(bad)
    with pytest.raises(SpecError) as caught:
        load_catalog([tmp_path])
    keys = sorted(problem.key for problem in caught.value.problems)
    assert keys == [
        "categories.age_group.breaks",
        "categories.country_of_birth.top",
        "categories.sex",
    ]


def _profile_with(tmp_path: Path, concepts: str) -> Path:
    path = tmp_path / "partial.toml"
    path.write_text(SAMPLE_PROFILE.read_text().split("[concepts]")[0] + "[concepts]\n" + concepts)
    return path


SEX_AGE = 'sex = { column = "SEX", codes = { "1" = "M", "2" = "F" } }\nage = { column = "AGE" }\n'
BIRTH = (
    'country_of_birth = { column = "POB", codes = "iso3166-numeric", '
    'extra_codes = { "900" = "QUE" } }\n'
)


def test_skipped_recipes_are_named_one_line_each(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from censusmig.cli.main import app

    data = str(SAMPLE_DIR / "census.parquet")
    partial = str(_profile_with(tmp_path, SEX_AGE + BIRTH))
    result = CliRunner().invoke(app, ["tabulate", data, "-p", partial, "-o", str(tmp_path / "o")])
    assert result.exit_code == 0
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 12
    assert any(line.startswith("skipped generation_age_sex: ") for line in skipped)
    assert "country_of_birth_mother" in next(s for s in skipped if "generation_age_sex" in s)

    named = ["tabulate", data, "-p", partial, "-o", str(tmp_path / "o"), "-r", "generation_age_sex"]
    result = CliRunner().invoke(app, named)
    assert result.exit_code == 2
    assert "recipe 'generation_age_sex' cannot run" in result.stderr

    nothing = str(_profile_with(tmp_path, SEX_AGE))
    result = CliRunner().invoke(app, ["tabulate", data, "-p", nothing, "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no recipe can run with profile" in result.stderr


CALENDAR_RECIPE = """
schema_version = 1
id = "foreign_born_calendar_period_sex"
title = "Foreign-born population by calendar period of arrival and sex"
description = "EU 2021 calendar periods of arrival."
standard = ["EU-2021: year of arrival in the country since 1980"]
universe = { label = "Foreign-born", where = ["nativity = foreign_born"] }
rows = ["calendar_period_of_arrival"]
columns = ["sex"]
"""


def test_calendar_periods_of_arrival_follow_eu_2021(tmp_path: Path) -> None:
    (tmp_path / "foreign_born_calendar_period_sex.toml").write_text(CALENDAR_RECIPE)
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        recipes=[
            "foreign_born_calendar_period_sex",
            "foreign_born_period_of_arrival_country_of_birth",
        ],
        recipes_dirs=[tmp_path],
    )
    calendar, relative = (table.cells for table in run.tables)
    codes = calendar.filter(pl.col("sex") == "_T")["calendar_period_of_arrival"].to_list()
    assert codes[:9] == ["_T", "Y_LT1980", "Y1980T1989", "Y1990T1999", "Y2000T2004", "Y2005T2009",
                         "Y2010T2014", "Y2015T2024", "Y2025"]  # fmt: skip
    census_year = totals(calendar, calendar_period_of_arrival="Y2025")["value"][0]
    under_one = totals(relative, period_of_arrival="Y_LT1")["value"][0]
    assert census_year == under_one  # arrived in the census year = less than 1 year (by year)
    assert totals(calendar)["value"][0] == totals(relative)["value"][0]
