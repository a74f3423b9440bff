"""Drafts that get more right (issue 11, class 10): text codes that are country names, column
names written with spaces, and geography proposed from names or value labels; every guess
marked, the draft always valid."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.profiles.draft import draft_profile, match_country
from censusmig.profiles.inspect import GEOGRAPHY, guess_concepts
from censusmig.profiles.model import read_profile
from censusmig.readers.meta import Metadata

# The native-country codes of a public census extract written by others (the US Census
# Bureau's "Adult" extract), as its CSV holds them: names, with its own spellings.
ADULT_COUNTRIES = (
    "United-States", "Cambodia", "England", "Puerto-Rico", "Canada", "Germany",
    "Outlying-US(Guam-USVI-etc)", "India", "Japan", "Greece", "South", "China", "Cuba", "Iran",
    "Honduras", "Philippines", "Italy", "Poland", "Jamaica", "Vietnam", "Mexico", "Portugal",
    "Ireland", "France", "Dominican-Republic", "Laos", "Ecuador", "Taiwan", "Haiti", "Columbia",
    "Hungary", "Guatemala", "Nicaragua", "Scotland", "Thailand", "Yugoslavia", "El-Salvador",
    "Trinadad&Tobago", "Peru", "Hong", "Holand-Netherlands",
)  # fmt: skip


def adult_like(tmp_path: Path) -> Path:
    """A CSV whose "Country of Birth" column holds the 41 names (and "?" for no answer)."""
    births = ["United-States"] * 200 + [name for name in ADULT_COUNTRIES[1:] for _ in range(2)]
    births += ["?"] * 7
    count = len(births)
    path = tmp_path / "adult.csv"
    pl.DataFrame(
        {
            "Age": [20 + i % 50 for i in range(count)],
            "Country of Birth": births,
            "Hours per week": [40] * count,
        }
    ).write_csv(path)
    return path


def test_country_names_as_text_codes_are_matched_and_non_matches_listed(tmp_path: Path) -> None:
    out = api.init_profile(adult_like(tmp_path), tmp_path / "adult.toml")  # validated
    text = out.read_text()
    assert tomllib.loads(text)["schema_version"] == 2
    birth = read_profile(out).concepts["country_of_birth"]
    assert birth.column == "Country of Birth"  # a name written with spaces
    assert {
        code: birth.codes[code]
        for code in (
            "Mexico",
            "United-States",
            "Trinadad&Tobago",
            "Holand-Netherlands",
            "Columbia",
        )
    } == {
        "Mexico": "MEX",
        "United-States": "USA",
        "Trinadad&Tobago": "TTO",
        "Holand-Netherlands": "NLD",
        "Columbia": "COL",
    }
    assert len(birth.codes) == 39  # all but two of the 41
    assert "39 of 41 distinct codes matched an ISO 3166 country name" in text
    # every guess marked; exact names are not guesses
    assert re.search(r'"Columbia" = "COL"   # GUESS: .*Colombia', text)
    assert re.search(r'"Mexico" = "MEX"   # Mexico \(MEX\), 2 records', text)
    # every non-match listed with its records
    unmatched = " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))
    assert "REVIEW: not matched (counted as unknown codes until you map them)" in unmatched
    assert '"Outlying-US(Guam-USVI-etc)" (2), "South" (2)' in unmatched
    assert birth.not_stated == ("?",) and "GUESS: not_stated from '?'" in text
    assert read_profile(out).country == "USA"  # the most frequent, marked GUESS
    assert "# GUESS: United States of America (USA) is the most frequent country_of_birth" in text


def test_close_spellings_are_guesses_and_bare_directions_no_country() -> None:
    found = match_country("Guatamala")
    assert found is not None and (found.alpha3, found.fuzzy) == ("GTM", True)
    assert "close spelling" in found.how
    trinidad = match_country("Trinidad&Tobago")  # separators and "and" do not matter
    assert trinidad is not None and (trinidad.alpha3, trinidad.fuzzy) == ("TTO", False)
    assert match_country("South") is None  # not South Africa, nor a region of Cameroon


def test_column_names_with_spaces_are_recognised() -> None:
    columns = ["Country of Birth", "country-of-citizenship", "Year of arrival", "Sex", "Notes"]
    concepts = {g.column: g.concept for g in guess_concepts(columns, Metadata("csv"))}
    assert concepts == {
        "Country of Birth": "country_of_birth",
        "country-of-citizenship": "citizenship",
        "Year of arrival": "year_of_arrival",
        "Sex": "sex",
    }


@pytest.mark.parametrize("name", ["STATE", "PROV", "Province"])
def test_a_state_or_prov_column_is_proposed_as_geography_with_its_labels(
    name: str, tmp_path: Path
) -> None:
    frame = pl.LazyFrame({"SEX": [1, 2] * 6, name: [10, 10, 20, 20, 30, 30] * 2})
    labels = {name: {"10": "North", "20": "Centre", "30": "South"}}
    text = draft_profile(frame, Metadata("sav", value_labels=labels), tmp_path / "p.sav")
    path = tmp_path / "draft.toml"
    path.write_text(text)
    profile = read_profile(path)  # valid
    (level,) = profile.geography
    assert (level.name, level.column) == ("region", name)  # the level recipes call region
    assert dict(level.labels) == labels[name]
    assert "# GUESS: name" in text and "[[geography.levels]]" in text
    assert "# GUESS: the file's value labels name the areas" in text
    assert "REVIEW: add the geography levels" not in text


def test_the_coarsest_kind_of_area_is_the_first_level(tmp_path: Path) -> None:
    frame = pl.LazyFrame({"DEPTO": [1, 2, 3, 4] * 3, "PROV": [1, 2] * 6, "REGION": [1] * 12})
    text = draft_profile(frame, Metadata("csv"), tmp_path / "p.csv")
    path = tmp_path / "draft.toml"
    path.write_text(text)
    (level,) = read_profile(path).geography
    assert level.column == "REGION"
    assert "also a candidate: PROV (name PROV (province))" in text
    assert "also a candidate: DEPTO (name DEPTO (departamento))" in text
    assert text.index("candidate: PROV") < text.index("candidate: DEPTO")


def test_a_column_with_region_like_value_labels_is_proposed_as_geography(
    tmp_path: Path,
) -> None:
    frame = pl.LazyFrame({"SEX": [1, 2] * 4, "P01": [2, 6, 14, 2, 6, 14, 6, 2]})
    labels = {"P01": {"2": "Buenos Aires", "6": "Córdoba", "14": "Mendoza", "99": "Ignorado"}}
    meta = Metadata("sav", value_labels=labels)
    (guess,) = [g for g in guess_concepts(["SEX", "P01"], meta) if g.concept == GEOGRAPHY]
    assert guess.column == "P01" and "subdivisions of AR" in guess.why
    text = draft_profile(frame, meta, tmp_path / "p.sav")
    path = tmp_path / "draft.toml"
    path.write_text(text)
    (level,) = read_profile(path).geography
    assert level.column == "P01" and level.labels["6"] == "Córdoba"
    # country names are subdivisions of many countries: not geography
    countries = Metadata(
        "sav", value_labels={"P02": {"1": "Mexico", "2": "Guatemala", "3": "Peru"}}
    )
    assert not [g for g in guess_concepts(["P02"], countries) if g.concept == GEOGRAPHY]
