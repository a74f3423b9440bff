"""Each dimension is one definition: it derives, codes and validates; a new one needs no more."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import censusmig
from censusmig import api
from censusmig.classifications.categories import (
    MAX_VALID_AGE,
    Category,
    CategorySet,
    interval_groups,
)
from censusmig.classifications.codes import OTHER, SPECIAL_LABELS, TRAILING_ORDER
from censusmig.concepts import CONCEPTS, DISTRICT, GEOGRAPHY, GEOGRAPHY_LEVELS
from censusmig.dimensions import DIMENSIONS
from censusmig.dimensions.coding import NESTED_SEPARATOR
from censusmig.dimensions.shapes import Interval
from censusmig.errors import SpecError
from censusmig.profiles.model import Profile
from censusmig.recipes.model import read_recipe
from censusmig.tables.derive import ColumnRequest, derive
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

NAMES = sorted(DIMENSIONS)


@pytest.fixture(scope="module")
def derived(profile: Profile) -> pl.DataFrame:
    """Every dimension derived on the sample census, each in a column of its own name."""
    requests = [ColumnRequest(name, name) for name in DIMENSIONS]
    frame = pl.scan_parquet(SAMPLE_DIR / "census.parquet")
    return derive(frame, profile, requests).collect()


@pytest.mark.parametrize("name", NAMES)
def test_every_dimension_derives_and_codes(
    name: str, profile: Profile, derived: pl.DataFrame
) -> None:
    definition = DIMENSIONS[name]
    coding = definition.coding(profile)
    assert coding.dimension.name == name
    assert coding.dimension.levels == definition.levels
    assert coding.inner == definition.levels[-1]
    column = derived[definition.inner_column(name)]
    # Every record lands in exactly one category: no nulls, one code a record.
    assert column.null_count() == 0
    assert len(column) == derived.height
    codes = set(column.cast(pl.String).unique().to_list())
    assert codes
    if coding.nested:
        # (region, district) pairs: every region labelled; districts the profile does not
        # label are labelled with their code (see test_district.py).
        outer, inner = coding.dimension.levels
        pairs = {tuple(code.split(NESTED_SEPARATOR)) for code in codes}
        assert {len(pair) for pair in pairs} == {2}
        assert {pair[0] for pair in pairs} <= set(coding.labels[outer])
        assert set(coding.labels[inner]) == set(SPECIAL_LABELS)
        return
    # Every code produced has a label and, in a fixed set, is one of its categories.
    assert codes <= set(coding.labels[coding.inner]), sorted(
        codes - set(coding.labels[coding.inner])
    )
    if coding.fixed is not None:
        assert codes <= {*coding.fixed, *TRAILING_ORDER}
    for outer, parents in coding.parents.items():
        # A code without a parent goes under "other" (_O), as the margins place it.
        assert {parents.get(code, OTHER) for code in codes} <= set(coding.labels[outer])


@pytest.mark.parametrize("name", NAMES)
def test_every_dimension_validates_in_a_recipe(name: str, tmp_path: Path, profile: Profile) -> None:
    definition = DIMENSIONS[name]
    assert set(definition.requires) <= {*CONCEPTS, GEOGRAPHY, DISTRICT}
    assert set(definition.uses) <= set(CONCEPTS)
    assert definition.concepts(profile) <= {*profile.concepts, *GEOGRAPHY_LEVELS}
    path = tmp_path / "one_dimension.toml"
    path.write_text(
        'schema_version = 1\nid = "one_dimension"\ntitle = "One dimension"\ndescription = "x"\n'
        'standard = ["a test"]\nuniverse = { label = "Everyone" }\n'
        f'rows = ["{name}"]\n'
    )
    recipe = read_recipe(path)
    assert recipe.rows == (name,)
    assert recipe.requires() == definition.requires


WORKING_AGE = Interval(
    name="working_age",
    requires=("age",),
    description="under working age / working age / over working age",
    title="Working age",
    categories=CategorySet(
        "working_age",
        (
            Category("Y_LT15", "Under 15", 0, 14),
            Category("Y15T64", "15-64", 15, 64),
            Category("Y_GE65", "65 and over", 65, None),
        ),
    ),
    concept="age",
    highest=lambda profile: MAX_VALID_AGE,
)

TOY_RECIPE = """
schema_version = 1
id = "working_age_by_sex"
title = "Population by working age and sex"
description = "A dimension that is not in the catalogue."
standard = ["a test"]
universe = { label = "Persons aged 15 and over", where = ["working_age != Y_LT15"] }
rows = ["working_age"]
columns = ["sex"]
"""


def test_a_new_dimension_is_one_definition(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Registering one definition is all a user recipe needs to tabulate a new dimension."""
    (tmp_path / "working_age_by_sex.toml").write_text(TOY_RECIPE)
    run = lambda: api.tabulate(  # noqa: E731
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        recipes=["working_age_by_sex", "nativity_age_sex"],
        recipes_dirs=[tmp_path],
        edit_checks=False,
    )
    with pytest.raises(SpecError, match="unknown dimension"):
        run()
    monkeypatch.setitem(DIMENSIONS, WORKING_AGE.name, WORKING_AGE)
    tables = {table.recipe_id: table.cells for table in run().tables}
    cells = tables["working_age_by_sex"]
    both = cells.filter(pl.col("sex") == "_T")
    labels = dict(zip(both["working_age"], both["working_age_label"], strict=True))
    assert labels == {
        "_T": "Total",
        "Y_LT15": "Under 15",
        "Y15T64": "15-64",
        "Y_GE65": "65 and over",
        "_U": "Not stated",
    }
    values = dict(zip(both["working_age"], both["value"], strict=True))
    assert values["Y_LT15"] == 0
    # The same persons as the standard table's ages 15 and over (and not stated or miscoded).
    ages = tables["nativity_age_sex"].filter((pl.col("nativity") == "_T") & (pl.col("sex") == "_T"))
    by_age = dict(zip(ages["age_group"], ages["value"], strict=True))
    adults = sum(v for code, v in by_age.items() if code not in ("_T", "Y0T4", "Y5T9", "Y10T14"))
    assert values["_T"] == adults
    assert values["Y15T64"] + values["Y_GE65"] == adults - by_age["_U"] - by_age.get("_X", 0)


def test_a_recipe_may_regroup_only_what_the_definition_allows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "working_age_by_sex.toml"
    path.write_text(TOY_RECIPE + "\n[categories.working_age]\nbreaks = [0, 20, 60]\n")
    monkeypatch.setitem(DIMENSIONS, WORKING_AGE.name, WORKING_AGE)
    with pytest.raises(SpecError, match="cannot be redefined"):
        read_recipe(path)
    regroupable = dataclasses.replace(WORKING_AGE, regroup=interval_groups)
    monkeypatch.setitem(DIMENSIONS, WORKING_AGE.name, regroupable)
    recipe = read_recipe(path)
    assert recipe.categories["working_age"].codes == ("Y0T19", "Y20T59", "Y_GE60")


def test_the_definitions_load_without_polars() -> None:
    """Recipes are validated against the definitions without loading Polars (fast CLI start)."""
    code = (
        "import sys, censusmig.dimensions, censusmig.recipes.model; print('polars' in sys.modules)"
    )
    # The sources under test, wherever they are imported from.
    env = {**os.environ, "PYTHONPATH": str(Path(censusmig.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.strip() == "False"
