"""Code maps in profiles: ranges, lists, "any other code", and explicit not-stated codes."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from censusmig.dimensions.columns import concept_column
from censusmig.errors import SpecError
from censusmig.profiles.model import read_profile
from censusmig.tables.derive import concept_exprs

PROFILE = """
schema_version = 1
[census]
name = "Code map test"
country = "QUE"
reference_date = 2025-03-15
[concepts]
sex = { column = "SEX", codes = { "1,3" = "M", "2" = "F" }, not_stated = ["90..99"] }
residence_5_years_ago = { column = "RES5", codes = { "01..04" = "same_area", "10..19" = "other_area" }, other = "abroad", not_applicable = ["88"] }
country_of_birth = { column = "POB", codes = "iso3166-numeric", extra_codes = { "900..901" = "QUE" }, other = "_U" }
"""  # noqa: E501


@pytest.fixture()
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(PROFILE)
    return path


def coded(profile_path: Path, frame: pl.DataFrame, concept: str) -> list[str]:
    profile = read_profile(profile_path)
    exprs = concept_exprs(profile, pl.Schema(frame.schema), [concept])
    return frame.select(exprs)[concept_column(concept)].cast(pl.String).to_list()


def test_lists_ranges_and_declared_missing_codes(profile: Path) -> None:
    frame = pl.DataFrame({"SEX": [1, 2, 3, 4, 90, 95, 99, 100]})
    assert coded(profile, frame, "sex") == ["M", "F", "M", "_X", "_U", "_U", "_U", "_X"]


def test_zero_padded_ranges_and_other(profile: Path) -> None:
    frame = pl.DataFrame({"RES5": ["01", "04", "05", "12", "88", "77", None]})
    assert coded(profile, frame, "residence_5_years_ago") == [
        "same_area", "same_area", "abroad", "other_area", "_Z", "abroad", "_U",
    ]  # fmt: skip


def test_other_for_countries_and_ranges_over_extra_codes(profile: Path) -> None:
    frame = pl.DataFrame({"POB": [900, 901, 32, 999]})
    assert coded(profile, frame, "country_of_birth") == ["QUE", "QUE", "ARG", "_U"]


def test_bad_ranges_and_other_targets_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        PROFILE.replace('"90..99"', '"99..90"')
        .replace('"10..19"', '"ab..cd"')
        .replace('other = "abroad"', 'other = "abrod"')
        + 'age = { column = "AGE", other = "_U" }\n'
    )
    with pytest.raises(SpecError) as raised:
        read_profile(path)
    text = str(raised.value)
    assert "'99..90'" in text and "upwards" in text
    assert "'ab..cd'" in text and "two whole numbers" in text
    assert "concepts.residence_5_years_ago.other" in text and "did you mean 'abroad'?" in text
    assert "concepts.age.other" in text and "not numbers" in text
