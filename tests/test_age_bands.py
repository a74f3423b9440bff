"""Age held as age bands (codes 1-8 for "0 to 14" ... "75 and over"), not as years (issue 11.1)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.classifications.categories import AGE_BROAD
from censusmig.cli.main import app
from censusmig.dimensions import DIMENSIONS
from censusmig.dimensions.bands import coarser_groups, split_by_condition
from censusmig.errors import RecipeNotServedError, SpecError
from censusmig.profiles.draft import age_band, draft_profile
from censusmig.profiles.model import Band, read_profile
from censusmig.readers.meta import Metadata

BANDS = {
    "1": "0 to 14",
    "2": "15 to 24",
    "3": "25 to 34",
    "4": "35 to 44",
    "5": "45 to 54",
    "6": "55 to 64",
    "7": "65 to 74",
    "8": "75 and over",
}

# band code -> (men, women); 9 is not stated and 12 is in no band.
PEOPLE = {"1": (2, 1), "2": (1, 1), "3": (3, 1), "4": (0, 1), "6": (1, 1), "7": (1, 0)}
PEOPLE |= {"8": (0, 2), "9": (1, 0), "12": (0, 1)}

PROFILE = """
schema_version = 2

[census]
name = "A banded census"
country = "QUE"
country_name = "Quetzalia"
reference_date = 2025-03-15
residence_rule_months = 12

[concepts]
sex = { column = "SEX", codes = { "1" = "M", "2" = "F" } }

[concepts.age]
column = "AGEBAND"
not_stated = ["9"]
bands = [
    { code = "1", from = 0, to = 14 },
    { code = "2", from = 15, to = 24 },
    { code = "3", from = 25, to = 34 },
    { code = "4", from = 35, to = 44 },
    { code = "5", from = 45, to = 54 },
    { code = "6", from = 55, to = 64 },
    { code = "7", from = 65, to = 74 },
    { code = "8", from = 75 },
]
"""


def recipe(recipe_id: str, rows: str, where: str = "", options: str = "") -> str:
    """A user recipe: ``rows`` by sex, with a universe condition and options."""
    return f"""
schema_version = 1
id = "{recipe_id}"
title = "Population by age and sex"
description = "A test table."
standard = ["a test"]
universe = {{ label = "Everyone", where = [{where}] }}
rows = ["{rows}"]
columns = ["sex"]
{options}
"""


@pytest.fixture
def census(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The data file, the profile and a folder of recipes."""
    codes, sexes = [], []
    for code, (men, women) in PEOPLE.items():
        codes += [int(code)] * (men + women)
        sexes += [1] * men + [2] * women
    data = tmp_path / "banded.parquet"
    pl.DataFrame({"AGEBAND": codes, "SEX": sexes}).write_parquet(data)
    profile = tmp_path / "banded.profile.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    for recipe_id, text in {
        "broad": recipe("broad", "broad_age_group"),
        "five_year": recipe("five_year", "age_group"),
        "five_year_coarser": recipe(
            "five_year_coarser", "age_group", options="[options]\nallow_coarser = true"
        ),
        "broad_15": recipe("broad_15", "broad_age_group", where='"age >= 15"'),
        "broad_18": recipe("broad_18", "broad_age_group", where='"age >= 18"'),
    }.items():
        (recipes / f"{recipe_id}.toml").write_text(text, encoding="utf-8")
    return data, profile, recipes


def values(data: Path, profile: Path, recipes: Path, recipe_id: str) -> dict[str, float]:
    """Both sexes: age group -> value."""
    run = api.tabulate(data, profile, recipes=[recipe_id], recipes_dirs=[recipes])
    cells = run.tables[0].cells.filter(pl.col("sex") == "_T")
    column = next(c for c in cells.columns if "age_group" in c and not c.endswith("_label"))
    return dict(zip(cells[column], cells["value"], strict=True))


def test_the_profile_reads_bands_and_refuses_overlaps(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(PROFILE, encoding="utf-8")
    age = read_profile(path).concepts["age"]
    assert age.bands[0] == Band("1", 0, 14) and age.bands[-1] == Band("8", 75, None)
    bad = PROFILE.replace('{ code = "2", from = 15, to = 24 }', '{ code = "2", from = 10 }')
    path.write_text(bad.replace('"5", from = 45', '"1", from = 45'), encoding="utf-8")
    with pytest.raises(SpecError) as error:
        read_profile(path)
    message = str(error.value)
    assert "bands overlap: 0-14 (code '1') and 10+ (code '2')" in message
    assert "conflicting source code" in message  # code 1 is two bands


def test_broad_age_groups_from_bands_are_right_by_hand(census: tuple[Path, Path, Path]) -> None:
    got = values(*census, "broad")
    # 0-14 is band 1; 15-24 band 2; 25-64 bands 3-6; 65+ bands 7 and 8.
    assert got["Y0T14"] == 3 and got["Y15T24"] == 2
    assert got["Y25T64"] == 4 + 1 + 2 and got["Y_GE65"] == 1 + 2
    assert got["_U"] == 1 and got["_X"] == 1 and got["_T"] == 17


def test_five_year_groups_from_ten_year_bands_stop_with_a_clear_message(
    census: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data, profile, recipes = census
    with pytest.raises(RecipeNotServedError) as error:
        api.tabulate(data, profile, recipes=["five_year"], recipes_dirs=[recipes])
    message = str(error.value)
    assert "recipe 'five_year' cannot run: dimension age_group asks for groups 0-4, 5-9" in message
    assert message.count("cannot run") == 1  # said once, not once per layer
    assert "85+, which the age bands of the profile (0-14, 15-24, 25-34" in message
    assert "65-74, 75+) cannot give" in message and "allow_coarser = true" in message
    result = CliRunner().invoke(
        app,
        ["tabulate", str(data), "--profile", str(profile), "--recipe", "five_year"]
        + ["--recipes-dir", str(recipes), "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 2
    assert "cannot run" in result.stderr and "age_group" in result.stderr
    # A run of every recipe skips the standard five-year tables, saying why.
    run = api.tabulate(data, profile, recipes_dirs=[recipes])
    skipped = {s.recipe_id: s.reason for s in run.skipped}
    assert "five_year" in skipped and "union of whole bands" in skipped["five_year"]
    assert "broad" in {table.recipe_id for table in run.tables}


def test_allow_coarser_falls_back_to_the_bands(census: tuple[Path, Path, Path]) -> None:
    got = values(*census, "five_year_coarser")
    assert list(got)[:9] == [
        "_T", "Y0T14", "Y15T24", "Y25T34", "Y35T44", "Y45T54", "Y55T64", "Y65T74", "Y_GE75"
    ]  # fmt: skip
    assert got["Y0T14"] == 3 and got["Y45T54"] == 0 and got["Y_GE75"] == 2


def test_age_conditions_must_fall_on_band_boundaries(census: tuple[Path, Path, Path]) -> None:
    got = values(*census, "broad_15")
    assert got["_T"] == 17 - 3 - 1 - 1 and got["Y0T14"] == 0 and got["Y25T64"] == 7
    data, profile, recipes = census
    with pytest.raises(RecipeNotServedError, match=r"'age >= 18' splits the age bands 15-24"):
        api.tabulate(data, profile, recipes=["broad_18"], recipes_dirs=[recipes])


def test_the_edit_check_reads_band_codes(census: tuple[Path, Path, Path]) -> None:
    data, profile, _ = census
    report = api.check(data, profile)
    age = next(result for result in report.results if result.id == "age_out_of_range")
    assert age.records == 1  # code 12; the band codes 1-8 are not ages 1-8
    assert "band" in age.title


@pytest.mark.parametrize(
    ("label", "interval"),
    [
        ("0 to 15", (0, 15)),
        ("16-24", (16, 24)),
        ("65 and over", (65, None)),
        ("65+", (65, None)),
        ("de 0 a 15 años", (0, 15)),
        ("65 años y más", (65, None)),
        ("65 ans et plus", (65, None)),
        ("de 16 à 24 ans", (16, 24)),
        ("Under 5", (0, 4)),
        ("25", None),
        ("Not stated", None),
    ],
)
def test_age_band_labels(label: str, interval: tuple[int, int | None] | None) -> None:
    assert age_band(label) == interval


def test_the_draft_writes_bands_from_labels(tmp_path: Path) -> None:
    frame = pl.LazyFrame({"AGEBAND": [1, 2, 2, 3, 8, 9, 12], "SEX": [1, 2, 1, 2, 1, 2, 1]})
    labels = {
        "AGEBAND": {
            "1": "de 0 a 15 años",
            "2": "16-24",
            "3": "25 to 64",
            "8": "65+",
            "9": "No sabe",
        },
        "SEX": {"1": "Male", "2": "Female"},
    }
    text = draft_profile(frame, Metadata("sav", value_labels=labels), tmp_path / "a.sav")
    assert "# GUESS: the value labels are age bands, not years" in text
    assert "{ code = \"8\", from = 65 },   # GUESS: '65+'" in text
    assert 'REVIEW: codes in no band: "12"' in text
    path = tmp_path / "draft.toml"
    path.write_text(text, encoding="utf-8")
    age = read_profile(path).concepts["age"]
    assert age.column == "AGEBAND" and age.not_stated == ("9",)
    assert age.bands == (Band("1", 0, 15), Band("2", 16, 24), Band("3", 25, 64), Band("8", 65))


def test_coarser_groups_merge_the_bands_a_group_splits() -> None:
    bands = (Band("1", 0, 15), Band("2", 16, 24), Band("3", 25, 64), Band("4", 65))
    merged = coarser_groups(AGE_BROAD, bands, "broad_bands")  # 0-14, 15-24, 25-64, 65+
    assert [(c.code, c.label) for c in merged.categories] == [
        ("Y0T24", "0-24"), ("Y25T64", "25-64"), ("Y_GE65", "65+")
    ]  # fmt: skip
    assert split_by_condition("<", 16, bands) == ()
    assert split_by_condition("<=", 16, bands) == (bands[1],)
    assert split_by_condition("=", 70, bands) == (bands[3],)


def test_recent_migrants_need_a_band_boundary_at_five(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    residence = '\nresidence_5_years_ago = { column = "RES5", codes = { "4" = "abroad" } }\n'
    path.write_text(
        PROFILE.replace("\n[concepts.age]", residence + "\n[concepts.age]"), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="aged 5 and over, which splits the age bands 0-14"):
        DIMENSIONS["recent_migrant"].fit_bands(read_profile(path), None, coarser=True)
