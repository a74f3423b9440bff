"""Profiles and spec files that are broken or contradict themselves (issue 12).

Each test is one cause found by feeding censusmig generated bad profiles: a huge code that
overflowed the lookup, thousands of nested arrays, a code given two meanings, digits of other
scripts read as ASCII, an area labelled "nan", numbers no census can hold, and a population
code no region has. Each now stops with exit 2 and a message naming the file, the key and
the valid range; each failed (traceback, exit 1, or exit 0 with wrong tables) before.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig.cli.main import app
from censusmig.errors import SpecError
from censusmig.profiles.draft import draft_profile
from censusmig.profiles.model import (
    MAX_CODE_DIGITS,
    MAX_CODE_LENGTH,
    MAX_TEXT_LENGTH,
    read_profile,
    source_code_problem,
    whole_number,
)
from censusmig.readers.meta import Metadata
from censusmig.recipes.model import read_recipe
from censusmig.specfile import MAX_NESTING, MAX_PROBLEMS, MAX_SPEC_BYTES
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

DATA = SAMPLE_DIR / "census.parquet"
SEX = 'sex = { column = "SEX", codes = { "1" = "M", "2" = "F" }, not_stated = ["9"] }'
HUGE = str(2**63)


def edited(tmp_path: Path, old: str, new: str, *, version_2: bool = False) -> Path:
    """A copy of the sample profile with ``old`` replaced by ``new`` (which must be there)."""
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, 1)
    if version_2:  # the sample has no list or range codes: it means the same in version 2
        text = text.replace("schema_version = 1", "schema_version = 2", 1)
    path = tmp_path / "edited.profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str | Path) -> tuple[int, str]:
    """Exit code and stderr of one CLI command."""
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert "Traceback" not in result.stderr + result.stdout
    return result.exit_code, result.stderr


def check(profile: Path) -> tuple[int, str]:
    """``censusmig check`` on the sample data with ``profile``; stderr unwrapped."""
    code, stderr = run("check", DATA, "--profile", profile)
    return code, re.sub(r"\s+", " ", stderr)


def problems(path: Path) -> list[str]:
    """Every problem the api reports for a profile, rendered."""
    with pytest.raises(SpecError) as caught:
        read_profile(path)
    return [problem.render() for problem in caught.value.problems]


# --- 1. codes of 2^63 and more -------------------------------------------------------------


def test_code_of_2_63_in_a_code_map_is_a_clear_error(tmp_path: Path) -> None:
    profile = edited(tmp_path, '"1" = "M"', f'"{HUGE}" = "M"')
    code, stderr = check(profile)
    assert code == 2
    assert f"concepts.sex.codes.{HUGE}" in stderr
    assert f"at most {MAX_CODE_DIGITS} digits" in stderr
    assert "codes are whole numbers from -999,999,999,999,999 to 999,999,999,999,999" in stderr
    assert f"text of at most {MAX_CODE_LENGTH} characters" in stderr
    code, stderr = run("tabulate", DATA, "--profile", profile, "--out", tmp_path / "out")
    assert code == 2 and "at most 15 digits" in stderr
    assert not (tmp_path / "out").exists()


def test_code_of_2_63_in_not_applicable_is_a_clear_error(tmp_path: Path) -> None:
    profile = edited(tmp_path, 'not_applicable = ["9998"]', f"not_applicable = [{HUGE}]")
    code, stderr = check(profile)
    assert code == 2
    assert "concepts.year_of_arrival.not_applicable[0]" in stderr
    assert "at most 15 digits" in stderr


def test_code_of_2_63_in_a_range_is_a_clear_error(tmp_path: Path) -> None:
    profile = edited(
        tmp_path,
        'not_stated = ["999"]',
        f'not_stated = [{{ from = "{HUGE}", to = "{2**63 + 5}" }}]',
        version_2=True,
    )
    code, stderr = check(profile)
    assert code == 2
    assert "concepts.age.not_stated[0]" in stderr
    assert "a range's ends have at most 15 digits" in stderr


def test_negative_code_beyond_the_bound_in_a_version_1_range_is_refused(tmp_path: Path) -> None:
    # a version-1 range is reported with its version-2 form; the range is never built
    profile = edited(tmp_path, '"1" = "M"', f'"-{HUGE}..1" = "M"')
    code, stderr = check(profile)
    assert code == 2 and f'concepts.sex.codes."-{HUGE}..1"' in stderr
    assert "and set schema_version = 2" in stderr


def test_the_largest_code_is_still_read() -> None:
    assert source_code_problem("9" * MAX_CODE_DIGITS) is None
    assert source_code_problem("-" + "9" * MAX_CODE_DIGITS) is None
    assert source_code_problem("0" * 20 + "1") is None  # zeros in front add no digit
    assert source_code_problem("9" * (MAX_CODE_DIGITS + 1)) is not None


def test_a_text_code_longer_than_a_code_is_refused(tmp_path: Path) -> None:
    long = "X" * 5000
    profile = edited(tmp_path, '"2" = "F"', f'"{long}" = "F"')
    code, stderr = check(profile)
    assert code == 2
    assert f"a source code has at most {MAX_CODE_LENGTH} characters (this one has 5,000)" in stderr
    assert "X" * 300 not in stderr  # the key path and the quoted value are cut
    assert "XXX... (5,000 characters)" in stderr
    assert source_code_problem("X" * MAX_CODE_LENGTH) is None


# --- 2. nesting and size -------------------------------------------------------------------


def test_profile_with_5000_nested_arrays_is_nested_too_deeply(tmp_path: Path) -> None:
    path = tmp_path / "deep.profile.toml"
    path.write_text(SAMPLE_PROFILE.read_text() + "\n[extra]\nx = " + "[" * 5000 + "]" * 5000)
    code, stderr = check(path)
    assert code == 2
    assert str(path) in stderr and "nested too deeply" in stderr


def test_nesting_below_the_parser_limit_is_still_refused_by_depth(tmp_path: Path) -> None:
    path = tmp_path / "deep.profile.toml"
    depth = MAX_NESTING + 5
    path.write_text(SAMPLE_PROFILE.read_text() + "\n[extra]\nx = " + "[" * depth + "]" * depth)
    (problem,) = problems(path)
    assert "extra.x[0][0]" in problem and f"more than {MAX_NESTING} levels" in problem


def test_recipe_with_5000_nested_arrays_is_nested_too_deeply(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("schema_version = 1\nid = " + "[" * 5000 + "]" * 5000)
    with pytest.raises(SpecError) as caught:
        read_recipe(path)
    assert "invalid recipe" in str(caught.value) and "nested too deeply" in str(caught.value)


def test_profile_larger_than_any_profile_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.profile.toml"
    path.write_text(SAMPLE_PROFILE.read_text() + "#" * MAX_SPEC_BYTES)
    code, stderr = check(path)
    assert code == 2 and "is larger than 16 MiB" in stderr and "is it the profile file?" in stderr


def test_a_profile_with_thousands_of_problems_lists_the_first_hundred(tmp_path: Path) -> None:
    codes = ", ".join(f'"{n}²" = "M"' for n in range(300))
    profile = edited(tmp_path, '"1" = "M"', codes)
    found = problems(profile)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1].endswith("... and 200 more problem(s)")


# --- 3. one meaning per source code --------------------------------------------------------


def test_range_over_explicit_codes_is_a_conflict(tmp_path: Path) -> None:
    # version 2's form of sex {1 = "M", 2 = "F", "1..2" = "F"}
    profile = edited(
        tmp_path,
        SEX,
        'sex = { column = "SEX", codes = { "1" = "M", "2" = "F" }, '
        'code_groups = [{ codes = [{ from = "1", to = "2" }], standard = "F" }] }',
        version_2=True,
    )
    code, stderr = check(profile)
    assert code == 2
    assert "concepts.sex.code_groups[0].codes[0]" in stderr
    assert "conflicting source code" in stderr and "'M' at concepts.sex.codes.1" in stderr


def test_the_old_range_key_beside_its_codes_is_refused(tmp_path: Path) -> None:
    profile = edited(tmp_path, '"1" = "M", "2" = "F"', '"1" = "M", "2" = "F", "1..2" = "F"')
    code, stderr = check(profile)
    assert code == 2 and 'concepts.sex.codes."1..2"' in stderr


def test_not_stated_code_that_is_also_a_category_is_a_conflict(tmp_path: Path) -> None:
    profile = edited(tmp_path, 'not_stated = ["9"] }', 'not_stated = ["1", "9"] }')
    code, stderr = check(profile)
    assert code == 2
    assert "concepts.sex.not_stated[0]: conflicting source code" in stderr
    assert "_U (not stated)" in stderr and "'M' at concepts.sex.codes.1" in stderr


def test_code_both_not_stated_and_not_applicable_is_a_conflict(tmp_path: Path) -> None:
    profile = edited(
        tmp_path, 'not_stated = ["9"] }', 'not_stated = ["9"], not_applicable = ["9"] }'
    )
    code, stderr = check(profile)
    assert code == 2
    assert "concepts.sex.not_applicable[0]: conflicting source code" in stderr
    assert "_Z (not applicable)" in stderr and "_U (not stated)" in stderr


def test_zero_padded_code_is_the_same_number_as_the_unpadded_one(tmp_path: Path) -> None:
    # SEX is a column of numbers: "01" reads as 1, so not_stated "01" made every man not stated
    profile = edited(tmp_path, 'not_stated = ["9"] }', 'not_stated = ["9", "01"] }')
    code, stderr = check(profile)
    assert code == 2
    assert "concepts.sex.not_stated[1]: conflicting source code" in stderr
    assert "('1' is the same code when the column holds numbers)" in stderr


def test_zero_padded_and_unpadded_code_with_one_meaning_are_accepted(tmp_path: Path) -> None:
    # a text file may hold both spellings; giving both the same meaning is no contradiction
    profile = edited(tmp_path, '"1" = "M"', '"1" = "M", "01" = "M"')
    assert read_profile(profile).concepts["sex"].codes == {"1": "M", "01": "M", "2": "F"}


def test_overlapping_ranges_are_one_problem_with_the_codes_counted(tmp_path: Path) -> None:
    profile = edited(
        tmp_path,
        'not_applicable = ["88"], not_stated = ["99"] }',
        'not_applicable = [{ from = "80", to = "88" }], '
        'not_stated = [{ from = "85", to = "99" }] }',
        version_2=True,
    )
    found = [p for p in problems(profile) if "place_of_birth" in p]
    assert len(found) == 1
    (problem,) = found
    assert "place_of_birth.not_applicable[0]: conflicting source codes: 4 source codes" in problem
    assert "('85', '86', '87', ...)" in problem
    assert "_U (not stated) at concepts.place_of_birth.not_stated[0]" in problem


# --- 4. digits of other scripts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high"),
    [("١", "٩"), ("\uff11", "\uff19"), ("1", "\u00b2")],
    ids=["arabic", "fullwidth", "superscript"],
)
def test_range_in_other_scripts_digits_is_refused(tmp_path: Path, low: str, high: str) -> None:
    profile = edited(
        tmp_path,
        'not_stated = ["999"]',
        f'not_stated = [{{ from = "{low}", to = "{high}" }}]',
        version_2=True,
    )
    code, stderr = check(profile)
    assert code == 2
    assert "concepts.age.not_stated[0]: write a range's ends in ASCII digits 0-9" in stderr


def test_old_range_in_other_scripts_digits_is_refused(tmp_path: Path) -> None:
    profile = edited(tmp_path, '"2" = "F"', '"2" = "F", "١..٩" = "F"')
    code, stderr = check(profile)
    assert code == 2
    assert "write digits as ASCII 0-9, not '١' (U+0661)" in stderr


@pytest.mark.parametrize(
    "digit", ["\u00b2", "\uff11", "\u0661"], ids=["super", "fullwidth", "arabic"]
)
def test_code_in_other_scripts_digits_is_refused(tmp_path: Path, digit: str) -> None:
    profile = edited(tmp_path, 'not_stated = ["9"] }', f'not_stated = ["{digit}"] }}')
    code, stderr = check(profile)
    assert code == 2
    assert "concepts.sex.not_stated[0]: write digits as ASCII 0-9" in stderr
    assert whole_number(digit) is None  # never read as a number


def test_band_code_and_population_number_in_other_scripts_digits_are_refused(
    tmp_path: Path,
) -> None:
    profile = edited(
        tmp_path,
        'age = { column = "AGE", not_stated = ["999"] }',
        'age = { column = "AGE", bands = [{ code = "\u0661", from = 0, to = 15 }] }\n'
        "[population]\n"
        'label = "all"\n'
        'conditions = ["AGE >= \u00b2"]',
    )
    found = problems(profile)
    assert any("concepts.age.bands[0].code: write digits as ASCII 0-9" in p for p in found)
    assert any(
        "population.conditions[0]: >= compares 'AGE' with one number in ASCII digits" in p
        for p in found
    )


# --- 5. labels read as missing -------------------------------------------------------------


@pytest.mark.parametrize("label", ["nan", "NaN", "null", "None", "", "   ", "N/A"])
def test_geography_label_read_as_missing_is_refused(tmp_path: Path, label: str) -> None:
    profile = edited(tmp_path, '"2" = "Altiplano"', f'"2" = "{label}"')
    code, stderr = check(profile)
    assert code == 2
    assert "geography.levels[0].labels.2" in stderr
    assert "an area's label cannot be empty or a word that spreadsheets" in stderr


def test_geography_label_that_is_no_text_is_refused(tmp_path: Path) -> None:
    profile = edited(tmp_path, '"2" = "Altiplano"', '"2" = nan')
    found = problems(profile)
    assert any("labels.2: must be a label in quotes" in p for p in found)


def test_draft_leaves_out_value_labels_read_as_missing(tmp_path: Path) -> None:
    frame = pl.LazyFrame({"SEX": [1, 2] * 6, "STATE": [10, 10, 20, 20, 30, 30] * 2})
    labels = {"STATE": {"10": "North", "20": "NaN", "30": ""}}
    text = draft_profile(frame, Metadata("sav", value_labels=labels), tmp_path / "p.sav")
    path = tmp_path / "draft.toml"
    path.write_text(text)
    (level,) = read_profile(path).geography  # valid
    assert dict(level.labels) == {"10": "North"}
    assert 'left out of the labels: "20", "30"' in re.sub(r"\s*#\s*", " ", text)


# --- 6. numbers a census cannot hold -------------------------------------------------------


@pytest.mark.parametrize("date", ["2500-01-01", "0202-03-15", "1799-12-31"])
def test_reference_date_outside_census_years_is_refused(tmp_path: Path, date: str) -> None:
    profile = edited(tmp_path, "reference_date = 2025-03-15", f"reference_date = {date}")
    code, stderr = check(profile)
    assert code == 2
    assert "census.reference_date: must fall in the years 1800 to 2200" in stderr


@pytest.mark.parametrize(
    ("band", "key"),
    [
        ('{ code = "1", from = 0, to = 1000 }', "to"),
        ('{ code = "1", from = -5, to = 15 }', "from"),
        (f'{{ code = "1", from = {2**70} }}', "from"),
    ],
)
def test_age_band_outside_0_to_150_is_refused(tmp_path: Path, band: str, key: str) -> None:
    profile = edited(
        tmp_path,
        'age = { column = "AGE", not_stated = ["999"] }',
        f'age = {{ column = "AGE", bands = [{band}], codes = {{ "999" = "_U" }} }}',
    )
    code, stderr = check(profile)
    assert code == 2
    assert f"concepts.age.bands[0].{key}" in stderr and "from 0 to 150" in stderr


def test_code_mapped_to_an_age_no_person_has_is_refused(tmp_path: Path) -> None:
    profile = edited(
        tmp_path,
        'age = { column = "AGE", not_stated = ["999"] }',
        f'age = {{ column = "AGE", not_stated = ["999"], codes = {{ "998" = {2**64} }} }}',
    )
    code, stderr = check(profile)
    assert code == 2
    assert "concepts.age.codes.998: must map to a number from 0 to 150" in stderr


def test_year_of_arrival_band_outside_census_years_is_refused(tmp_path: Path) -> None:
    profile = edited(
        tmp_path,
        'year_of_arrival = { column = "YOA", not_stated = ["9999"], not_applicable = ["9998"] }',
        'year_of_arrival = { column = "YOA", bands = [{ code = "1", from = 1990, to = 99999 }] }',
    )
    found = problems(profile)
    assert any(
        "year_of_arrival.bands[0].to: must be a whole number from 1800 to 2200" in p for p in found
    )


def test_ranges_of_a_concept_hold_at_most_a_million_codes(tmp_path: Path) -> None:
    ranges = ", ".join(f'{{ from = "{n}00000", to = "{n}99999" }}' for n in range(1, 12))
    profile = edited(tmp_path, 'not_stated = ["999"]', f"not_stated = [{ranges}]", version_2=True)
    found = problems(profile)
    assert len(found) == 1
    assert (
        "concepts.age.not_stated[10]: a concept may list at most 1,000,000 source codes"
        in (found[0])
    )


def test_names_and_labels_longer_than_a_table_shows_are_refused(tmp_path: Path) -> None:
    long = "Q" * (MAX_TEXT_LENGTH + 1)
    profile = edited(tmp_path, '"3" = "Costa Pacifica"', f'"3" = "{long}"')
    found = problems(profile)
    assert any(
        f"labels.3: has at most {MAX_TEXT_LENGTH} characters (this one has 301)" in p for p in found
    )


# --- 7. a population code no region has ----------------------------------------------------


def test_population_region_code_no_region_has_is_refused(tmp_path: Path) -> None:
    profile = edited(
        tmp_path,
        "[geography]",
        '[population]\nlabel = "north"\nconditions = ["REGION in 1, 9"]\n\n[geography]',
    )
    code, stderr = check(profile)
    assert code == 2
    assert "population.conditions[0]: 'REGION' is the column of the geography level 'region'" in (
        stderr
    )
    assert "has the code '9'" in stderr


def test_population_region_codes_of_labelled_regions_are_accepted(tmp_path: Path) -> None:
    profile = edited(
        tmp_path,
        "[geography]",
        '[population]\nlabel = "north"\n'
        'conditions = ["REGION in 01, 6", "REGION != 99"]\n\n[geography]',
    )
    population = read_profile(profile).population
    assert population is not None and len(population.conditions) == 2
