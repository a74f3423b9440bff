"""Profiles and recipes are validated whole: every problem, with key path and nearest match."""

from __future__ import annotations

from pathlib import Path

import pytest

from censusmig.errors import InputError, SpecError, UnknownRecipeError
from censusmig.profiles.model import read_profile
from censusmig.recipes.catalog import load_catalog, select_recipes
from censusmig.recipes.model import read_recipe
from helpers import SAMPLE_PROFILE

BAD_PROFILE = """
schema_version = 2
[census]
name = "Test"
country = "que"
reference_date = "15 March 2025"
residence_rule_months = 9
[concepts]
sexx = { column = "SEX" }
country_of_birth = { column = "POB", codes = "iso3166-numerik" }
age = { column = "AGE", colour = "red" }
"""


def test_the_sample_profile_is_valid() -> None:
    profile = read_profile(SAMPLE_PROFILE)
    assert profile.country == "QUE"
    assert profile.reference_date.isoformat() == "2025-03-15"
    assert profile.concepts["country_of_birth"].code_system == "iso3166-numeric"
    assert profile.concepts["year_of_arrival"].not_applicable == ("9998",)


def test_every_profile_problem_is_reported_with_key_and_nearest(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD_PROFILE)
    with pytest.raises(SpecError) as caught:
        read_profile(path)
    by_key = {problem.key: problem for problem in caught.value.problems}
    assert set(by_key) == {
        "census.country",
        "census.reference_date",
        "census.residence_rule_months",
        "concepts.sexx",
        "concepts.country_of_birth.codes",
        "concepts.age.colour",
    }
    message = str(caught.value)
    assert "did you mean 'sex'?" in message
    assert "did you mean 'iso3166-numeric'?" in message
    assert all(problem.file == str(path) for problem in caught.value.problems)


def _with_data(tmp_path: Path, data: str) -> Path:
    path = tmp_path / "p.toml"
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    start, end = text.index("[data]"), text.index("[geography]")
    path.write_text(text[:start] + data + "\n\n" + text[end:], encoding="utf-8")
    return path


def test_household_id_of_one_or_several_columns(tmp_path: Path) -> None:
    sample = read_profile(SAMPLE_PROFILE)
    assert (sample.person_id, sample.household_id) == (("PERSON_ID",), ("HH_ID",))
    assert sample.columns()[:2] == ("PERSON_ID", "HH_ID")
    eph = read_profile(
        _with_data(
            tmp_path,
            '[data]\nperson_id = ["CODUSU", "NRO_HOGAR", "COMPONENTE"]\n'
            'household_id = ["CODUSU", "NRO_HOGAR"]',
        )
    )
    assert eph.household_id == ("CODUSU", "NRO_HOGAR")
    assert eph.columns()[:3] == ("CODUSU", "NRO_HOGAR", "COMPONENTE")  # named once
    assert read_profile(_with_data(tmp_path, "[data]")).household_id == ()


def test_a_bad_household_id_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        read_profile(_with_data(tmp_path, '[data]\nhousehold_id = ["HH", 3]'))
    (problem,) = caught.value.problems
    assert problem.key == "data.household_id"
    assert "must be a column name or a list of them" in problem.message


def test_a_missing_household_column_names_the_key_and_the_nearest(tmp_path: Path) -> None:
    profile = read_profile(_with_data(tmp_path, '[data]\nhousehold_id = "HH_IDX"'))
    with pytest.raises(InputError) as caught:
        available = tuple(name for name in profile.columns() if name != "HH_IDX")
        profile.check_columns((*available, "HH_ID"), "c.csv")
    message = str(caught.value)
    assert message.startswith("c.csv: 1 column(s) named in the profile are not in the data")
    assert f"column 'HH_IDX', named in {profile.path} at data.household_id" in message
    assert "(nearest column: 'HH_ID')" in message


def test_profile_code_targets_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        SAMPLE_PROFILE.read_text().replace('"2" = "F"', '"2" = "Female"'), encoding="utf-8"
    )
    with pytest.raises(SpecError) as caught:
        read_profile(path)
    (problem,) = caught.value.problems
    assert problem.key == "concepts.sex.codes.2"
    assert problem.choices == ("M", "F", "_U", "_Z")


def test_malformed_and_missing_profiles(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("schema_version = \n")
    with pytest.raises(SpecError, match="not valid TOML"):
        read_profile(broken)
    with pytest.raises(InputError, match="profile file not found"):
        read_profile(tmp_path / "absent.toml")


def test_the_bundled_catalogue_is_valid() -> None:
    catalog = load_catalog()
    assert {"nativity_age_sex", "foreign_born_country_of_birth_age_sex"} <= set(catalog)
    recipe = catalog["foreign_born_country_of_birth_age_sex"]
    assert [str(c) for c in recipe.universe] == ["nativity = foreign_born"]
    assert recipe.requires() == ("country_of_birth", "sex", "age")


BAD_RECIPE = """
schema_version = 2
id = "my_table"
title = "T"
description = "D"
standard = []
universe = { label = "All", where = ["nativty = foreign_born", "age >> 3", "nativity = foreign"] }
rows = ["age_grup"]
columns = ["sex", "sex"]
"""


def test_every_recipe_problem_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "my_tabel.toml"
    path.write_text(BAD_RECIPE)
    with pytest.raises(SpecError) as caught:
        read_recipe(path)
    keys = [problem.key for problem in caught.value.problems]
    assert keys == [
        "schema_version",
        "id",
        "standard",
        "universe.where[0]",
        "universe.where[1]",
        "universe.where[2]",
        "rows[0]",
        "columns",
        "rows",
    ]
    message = str(caught.value)
    assert "did you mean 'nativity'?" in message
    assert "did you mean 'age_group'?" in message
    assert "did you mean 'foreign_born'?" in message


def test_a_user_recipe_folder_overrides_and_extends(tmp_path: Path) -> None:
    text = (load_catalog()["nativity_age_sex"].path).read_text()
    (tmp_path / "nativity_broad_age_sex.toml").write_text(
        text.replace('id = "nativity_age_sex"', 'id = "nativity_broad_age_sex"')
        .replace('rows = ["age_group"]', 'rows = ["broad_age_group"]')
        .replace('keep_not_stated = ["age_group"]', 'keep_not_stated = ["broad_age_group"]')
    )
    catalog = load_catalog([tmp_path])
    assert catalog["nativity_broad_age_sex"].rows == ("broad_age_group",)


def test_unknown_recipe_names_the_nearest() -> None:
    profile = read_profile(SAMPLE_PROFILE)
    with pytest.raises(UnknownRecipeError, match="Did you mean 'nativity_age_sex'"):
        select_recipes(load_catalog(), profile, ["nativity_age_sx"])
