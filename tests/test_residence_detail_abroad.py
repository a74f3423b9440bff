"""Residence at a past date in P&R Rev.3 detail; "abroad, country not stated" as a country code."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.classifications.countries import ABROAD_NOT_STATED
from censusmig.dimensions.rules import generation_rule, nativity_rule, recent_migrant_rule
from censusmig.errors import SpecError
from censusmig.profiles.draft import draft_profile, match_country
from censusmig.profiles.inspect import means_abroad
from censusmig.profiles.model import read_profile
from censusmig.readers.meta import Metadata
from censusmig.tables.table import MEASURES
from helpers import SAMPLE_PROFILE, people

FINE_RES = (
    'codes = { "1" = "same_dwelling", "2" = "same_minor_division", '
    '"3" = "other_minor_division", "4" = "other_major_division", "5" = "abroad" }'
)
COARSE_RES = (
    'codes = { "1" = "same_dwelling", "2" = "same_area", "3" = "other_area", '
    '"4" = "other_area", "5" = "abroad" }'
)

DETAILED_RECIPE = """
schema_version = 1
id = "residence_{period}_detailed"
title = "Place of residence {period} ago, detailed, by sex"
description = "P&R Rev.3 detail: minor and major civil divisions."
standard = ["P&R Rev.3: place of residence at a specified date in the past"]
universe = {{ label = "Aged 5 and over", where = ["age >= 5"] }}
rows = ["residence_{period}_ago"]
columns = ["sex"]

[categories.residence_{period}_ago]
level = "detailed"
"""


def _profile(tmp_path: Path, name: str, replace: dict[str, str]) -> Path:
    text = SAMPLE_PROFILE.read_text()
    for key, line in replace.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", line, text)
        assert count == 1, key
    path = tmp_path / f"{name}.profile.toml"
    path.write_text(text)
    return path


def _residence_profile(tmp_path: Path, codes: str) -> Path:
    lines = {
        concept: f'{concept} = {{ column = "{column}", {codes}, '
        'not_applicable = ["8"], not_stated = ["9"] }'
        for concept, column in (("residence_1_year_ago", "RES1"), ("residence_5_years_ago", "RES5"))
    }
    name = "fine" if "division" in codes else "coarse"
    return _profile(tmp_path, name, lines)


def _movers(tmp_path: Path) -> Path:
    # RES5: 1 same dwelling, 2 same minor division, 3 x2 other minor, 4 other major, 5 abroad
    moves = [1, 2, 3, 3, 4, 5]
    rows = [(1, 30, 900)] * len(moves)
    frame = people(rows, RES5=moves, RES1=moves, CNT5=[888] * 5 + [32], CNT1=[888] * 5 + [32])
    path = tmp_path / "movers.parquet"
    frame.write_parquet(path)
    return path


def _run(data: Path, profile: Path, recipes: list[str], folder: Path | None = None) -> dict:
    run = api.tabulate(data, profile, recipes=recipes, recipes_dirs=[folder] if folder else [])
    return {table.recipe_id: table.cells for table in run.tables}


def _column_values(cells: pl.DataFrame, level: str) -> dict[str, tuple[float, str]]:
    others = [
        c for c in cells.columns if c not in MEASURES and not c.endswith("_label") and c != level
    ]
    inner = cells.filter(*(pl.col(c) == "_T" for c in others))
    return {
        code: (value, label)
        for code, value, label in inner.select(level, "value", f"{level}_label").iter_rows()
    }


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("h13")
    for period in ("1_year", "5_years"):
        (path / f"residence_{period}_detailed.toml").write_text(
            DETAILED_RECIPE.format(period=period)
        )
    return path


def test_fine_residence_codes_roll_up_in_todays_tables(tmp_path: Path) -> None:
    data = _movers(tmp_path)
    recipes = ["residence_1_year_ago_age_sex", "residence_5_years_ago_age_sex"]
    fine = _run(data, _residence_profile(tmp_path, FINE_RES), recipes)
    coarse = _run(data, _residence_profile(tmp_path, COARSE_RES), recipes)
    for recipe in recipes:
        assert fine[recipe].equals(coarse[recipe]), recipe
    five = _column_values(fine["residence_5_years_ago_age_sex"], "residence_5_years_ago")
    assert five["other_area"] == (3, "Another area of the country")
    assert five["same_area"][0] == 1 and "other_major_division" not in five


def test_detailed_level_shows_minor_and_major_divisions(tmp_path: Path, folder: Path) -> None:
    data = _movers(tmp_path)
    recipes = ["residence_1_year_detailed", "residence_5_years_detailed"]
    tables = _run(data, _residence_profile(tmp_path, FINE_RES), recipes, folder)
    one = _column_values(tables["residence_1_year_detailed"], "residence_1_year_ago")
    assert one["same_minor_division"] == (1, "Another dwelling in the same minor civil division")
    assert one["other_minor_division"] == (
        2,
        "Another minor civil division of the same major civil division",
    )
    assert one["other_major_division"] == (1, "Another major civil division")
    assert one["abroad"][0] == 1 and one["_T"][0] == 6
    assert "other_area" not in one and "same_area" not in one  # the profile maps no roll-up
    five = tables["residence_5_years_detailed"]
    order = five.filter(pl.col("sex") == "_T", pl.col("residence_5_years_ago_area") == "_T")
    assert order["residence_5_years_ago"].to_list()[:6] == [
        "_T",
        "same_dwelling",
        "same_minor_division",
        "other_minor_division",
        "other_major_division",
        "abroad",
    ]
    # abroad keeps its detail by region
    area = five.filter(pl.col("sex") == "_T", pl.col("residence_5_years_ago") == "abroad")
    assert dict(zip(area["residence_5_years_ago_area"], area["value"], strict=True))["019"] == 1


def test_roll_up_mapped_directly_is_not_further_specified(tmp_path: Path, folder: Path) -> None:
    data = _movers(tmp_path)
    tables = _run(
        data, _residence_profile(tmp_path, COARSE_RES), ["residence_5_years_detailed"], folder
    )
    five = _column_values(tables["residence_5_years_detailed"], "residence_5_years_ago")
    assert five["other_area"] == (3, "Another area of the country, division not stated")
    assert five["same_area"] == (1, "Elsewhere in the same area, division not stated")
    # none mapped: like today's residence 5 years ago, the types observed only
    assert "other_major_division" not in five
    one = _run(
        data, _residence_profile(tmp_path, COARSE_RES), ["residence_1_year_detailed"], folder
    )["residence_1_year_detailed"]
    one_year = _column_values(one, "residence_1_year_ago")
    assert one_year["other_major_division"][0] == 0  # a fixed category, shown with zero
    assert one_year["other_area"][0] == 3


def test_unknown_level_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        DETAILED_RECIPE.format(period="5_years").replace('"detailed"', '"fine"')
    )
    with pytest.raises(SpecError, match=r"unknown level of detail"):
        api.tabulate(
            tmp_path / "none.parquet",
            SAMPLE_PROFILE,
            recipes=["residence_5_years_detailed"],
            recipes_dirs=[tmp_path],
        )


# --- abroad, country not stated -------------------------------------------------------------

BINARY_POB = (
    'country_of_birth = { column = "POB", codes = { "1" = "QUE", "2" = "abroad_U" }, '
    'not_stated = ["9"] }'
)


def test_binary_born_here_or_abroad(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "binary", {"country_of_birth": BINARY_POB})
    pob = [1, 1, 2, 2, 2, 9]
    frame = people([(1, 30, code) for code in pob], MOTHER_POB=[900, 900, 900, 32, 32, 900])
    data = tmp_path / "binary.parquet"
    frame.write_parquet(data)
    tables = _run(
        data,
        profile,
        ["nativity_age_sex", "foreign_born_country_of_birth_age_sex", "generation_age_sex"],
    )
    nativity = _column_values(tables["nativity_age_sex"], "nativity")
    assert {code: value for code, (value, _) in nativity.items()} == {
        "_T": 6,
        "native_born": 2,
        "foreign_born": 3,
        "_U": 1,
    }
    countries = tables["foreign_born_country_of_birth_age_sex"]
    row = countries.filter(
        pl.col("country_of_birth") == ABROAD_NOT_STATED,
        pl.col("sex") == "_T",
        pl.col("age_group") == "_T",
    )
    assert row["value"].to_list() == [3]
    assert row["country_of_birth_label"].to_list() == ["Abroad, country not stated"]
    assert row["region_of_birth"].to_list() == ["_U"]
    generation = _column_values(tables["generation_age_sex"], "generation")
    assert generation["first"][0] == 3


def test_abroad_not_stated_in_the_rules() -> None:
    nativity = nativity_rule(ABROAD_NOT_STATED, census_country="QUE")
    assert nativity == "foreign_born"
    assert generation_rule("native_born", nativity, "native_born") == "second_one"
    assert recent_migrant_rule(nativity, "recent", "no") == "recent"


def test_abroad_not_stated_is_a_valid_target_only_as_a_country(tmp_path: Path) -> None:
    sex = 'sex = { column = "SEX", codes = { "1" = "M", "2" = "abroad_U" } }'
    with pytest.raises(SpecError, match="abroad_U"):
        read_profile(_profile(tmp_path, "bad_sex", {"sex": sex}))
    binary = read_profile(_profile(tmp_path, "binary", {"country_of_birth": BINARY_POB}))
    assert binary.concepts["country_of_birth"].codes["2"] == ABROAD_NOT_STATED


@pytest.mark.parametrize(
    "label",
    [
        "Born abroad",
        "Foreign country",
        "Non-Argentine",
        "Outside Canada",
        "En el extranjero",
        "Otro país",
        "À l'étranger",
    ],
)
def test_draft_maps_labels_that_mean_abroad(label: str) -> None:
    assert means_abroad(label)
    match = match_country(label)
    assert match is not None and (match.alpha3, match.fuzzy) == (ABROAD_NOT_STATED, False)


@pytest.mark.parametrize(
    "label", ["Argentina", "Other Africa", "Otros países de América", "Non-response", "Canada"]
)
def test_draft_keeps_other_labels(label: str) -> None:
    assert not means_abroad(label)
    match = match_country(label)
    assert match is None or match.alpha3 != ABROAD_NOT_STATED


def test_draft_of_a_binary_birthplace_question(tmp_path: Path) -> None:
    frame = pl.LazyFrame({"POB": [1] * 3 + [2] * 5 + [9]})
    meta = Metadata(
        "sav", value_labels={"POB": {"1": "Guatemala", "2": "Born abroad", "9": "No sabe"}}
    )
    text = draft_profile(frame, meta, tmp_path / "pob.sav")
    path = tmp_path / "draft.profile.toml"
    path.write_text(text)
    birth = read_profile(path).concepts["country_of_birth"]
    assert dict(birth.codes) == {"1": "GTM", "2": ABROAD_NOT_STATED}
    # abroad, though most frequent, does not become the census country
    assert 'country = "abroad_U"' not in text and "Guatemala (GTM)" not in text
