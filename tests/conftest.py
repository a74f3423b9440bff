"""Shared fixtures: the sample profile and the bundled recipes."""

from __future__ import annotations

import dataclasses

import pytest

from censusmig.profiles.model import Profile, read_profile
from censusmig.recipes.catalog import load_catalog
from censusmig.recipes.model import Recipe
from helpers import SAMPLE_PROFILE


@pytest.fixture(scope="session")
def profile() -> Profile:
    return read_profile(SAMPLE_PROFILE)


@pytest.fixture(scope="session")
def weighted_profile(profile: Profile) -> Profile:
    return dataclasses.replace(profile, weight="WEIGHT")


@pytest.fixture(scope="session")
def catalog() -> dict[str, Recipe]:
    return load_catalog()
