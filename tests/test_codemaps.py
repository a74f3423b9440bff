"""Code maps in profiles: ranges, groups, "any other code", explicit not-stated codes, codes
that hold commas, duplicate and conflicting codes, and version 1's list syntax."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from censusmig.dimensions.columns import concept_column
from censusmig.errors import SpecError
from censusmig.profiles.model import read_profile
from censusmig.tables.derive import concept_exprs

PROFILE = """
schema_version = 2
[census]
name = "Code map test"
country = "QUE"
reference_date = 2025-03-15
[concepts]
sex = { column = "SEX", codes = { "2" = "F" }, code_groups = [{ codes = ["1", 3], standard = "M" }], not_stated = [{ from = 90, to = 99 }] }
residence_5_years_ago = { column = "RES5", code_groups = [{ codes = [{ from = "01", to = "04" }], standard = "same_area" }, { codes = [{ from = "10", to = "19" }], standard = "other_area" }], other = "abroad", not_applicable = ["88"] }
country_of_birth = { column = "POB", codes = "iso3166-numeric", code_groups = [{ codes = [{ from = "900", to = "901" }], standard = "QUE" }], other = "_U" }
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
        PROFILE.replace("from = 90, to = 99", "from = 99, to = 90")
        .replace('from = "10", to = "19"', 'from = "ab", to = "cd"')
        .replace('other = "abroad"', 'other = "abrod"')
        + 'age = { column = "AGE", other = "_U" }\n'
    )
    with pytest.raises(SpecError) as raised:
        read_profile(path)
    text = str(raised.value)
    assert "concepts.sex.not_stated[0]" in text and "upwards" in text
    assert "concepts.residence_5_years_ago.code_groups[1].codes[0]" in text
    assert "two whole numbers" in text
    assert "concepts.residence_5_years_ago.other" in text and "did you mean 'abroad'?" in text
    assert "concepts.age.other" in text and "not numbers" in text


COMMA_PROFILE = """
schema_version = 2
[census]
name = "Comma codes"
country = "USA"
reference_date = 2016-03-01
[concepts]
country_of_birth = { column = "BPL", codes = { "United States, ns" = "USA", "Mexico" = "MEX" }, not_stated = ["Unknown, or not reported"] }
place_of_birth = { column = "NATIVITY", codes = { "Native born, and both parents native born" = "1", "Native born, and father foreign" = "1" }, code_groups = [{ codes = ["Foreign born", "Born abroad, of American parents"], standard = "9" }] }
"""  # noqa: E501


def test_a_code_with_a_comma_is_one_code(tmp_path: Path) -> None:
    path = tmp_path / "comma.toml"
    path.write_text(COMMA_PROFILE)
    profile = read_profile(path)
    assert profile.concepts["country_of_birth"].codes == {
        "United States, ns": "USA",
        "Mexico": "MEX",
    }
    assert profile.concepts["country_of_birth"].not_stated == ("Unknown, or not reported",)
    frame = pl.DataFrame(
        {"BPL": ["United States, ns", "United States", " ns", "Mexico", "Unknown, or not reported"]}
    )
    assert coded(path, frame, "country_of_birth") == ["USA", "_X", "_X", "MEX", "_U"]
    nativity = profile.concepts["place_of_birth"].codes
    assert nativity["Native born, and both parents native born"] == "1"
    assert nativity["Born abroad, of American parents"] == "9"
    assert "Native born" not in nativity and " and both parents native born" not in nativity


CONFLICTS = """
schema_version = 2
[census]
name = "Conflicts"
country = "QUE"
reference_date = 2025-03-15
[concepts]
sex = { column = "SEX", codes = { "1" = "M", "2" = "F" }, code_groups = [{ codes = ["2", "3"], standard = "M" }], not_stated = ["3", { from = 8, to = 9 }], not_applicable = ["9"] }
country_of_birth = { column = "POB", codes = { "bol" = "BOL", "BOL" = "BRA" }, case_insensitive = true }
citizenship = { column = "CIT", codes = "iso3166-numeric", extra_codes = { "900" = "QUE", "0900" = "QUE" } }
country_5_years_ago = { column = "CNT5", codes = { "A" = "ARG" }, gate = { column = "RES5", codes = { "1" = "_Z", "4" = "_Z" }, detail = ["4", "5"] } }
"""  # noqa: E501


def test_duplicate_and_conflicting_codes_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "conflicts.toml"
    path.write_text(CONFLICTS)
    with pytest.raises(SpecError) as raised:
        read_profile(path)
    found = {(p.key, p.value): p.message for p in raised.value.problems}
    assert set(found) == {
        ("concepts.sex.code_groups[0].codes[0]", "2"),
        ("concepts.sex.not_stated[0]", "3"),
        ("concepts.sex.not_applicable[0]", "9"),
        ("concepts.country_of_birth.codes.BOL", "BOL"),
        ("concepts.citizenship.extra_codes.0900", "0900"),
        ("concepts.country_5_years_ago.gate.detail[0]", "4"),
    }
    conflict = found["concepts.sex.code_groups[0].codes[0]", "2"]
    assert "conflicting" in conflict and "'M'" in conflict and "'F'" in conflict
    assert "concepts.sex.codes.2" in conflict
    conflict = found["concepts.sex.not_stated[0]", "3"]
    assert "_U (not stated)" in conflict and "concepts.sex.code_groups[0].codes[1]" in conflict
    conflict = found["concepts.sex.not_applicable[0]", "9"]
    assert "_Z (not applicable)" in conflict and "concepts.sex.not_stated[1]" in conflict
    assert "'bol' is the same code" in found["concepts.country_of_birth.codes.BOL", "BOL"]
    duplicate = found["concepts.citizenship.extra_codes.0900", "0900"]
    assert duplicate.startswith("duplicate source code") and "'QUE'" in duplicate
    assert "gate.codes.4" in found["concepts.country_5_years_ago.gate.detail[0]", "4"]
    text = str(raised.value)
    assert str(path) in text and "(got '2')" in text


OLD_SYNTAX = """
schema_version = 1
[census]
name = "Old syntax"
country = "QUE"
reference_date = 2025-03-15
[concepts]
sex = { column = "SEX", codes = { "1,3" = "M", "2" = "F" }, not_stated = ["90..99", "8"] }
residence_5_years_ago = { column = "RES5", codes = { "01..04" = "same_area", "5" = "abroad" } }
country_of_birth = { column = "POB", codes = { "United States, ns" = "USA" }, gate = { column = "G", codes = { "1,2" = "_Z" }, detail = ["3"] } }
"""  # noqa: E501


def test_version_1_lists_and_ranges_get_the_migration_message(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(OLD_SYNTAX)
    with pytest.raises(SpecError) as raised:
        read_profile(path)
    found = {p.key: p.message for p in raised.value.problems}
    assert set(found) == {
        'concepts.sex.codes."1,3"',
        "concepts.sex.not_stated[0]",
        'concepts.residence_5_years_ago.codes."01..04"',
        'concepts.country_of_birth.codes."United States, ns"',
        'concepts.country_of_birth.gate.codes."1,2"',
    }
    for message in found.values():
        assert "schema_version 1" in message and "set schema_version = 2" in message
    assert (
        'code_groups = [{ codes = ["1", "3"], standard = "M" }]'
        in found['concepts.sex.codes."1,3"']
    )
    assert "one code, set schema_version = 2 alone" in found['concepts.sex.codes."1,3"']
    assert '{ from = "90", to = "99" }' in found["concepts.sex.not_stated[0]"]
    assert (
        '[{ codes = [{ from = "01", to = "04" }], standard = "same_area" }]'
        in found['concepts.residence_5_years_ago.codes."01..04"']
    )
    assert '"1" = "_Z", "2" = "_Z"' in found['concepts.country_of_birth.gate.codes."1,2"']
    # Without lists or ranges, version 1 means what version 2 means and is still read.
    path.write_text(
        OLD_SYNTAX.replace('"1,3" = "M"', '"1" = "M"')
        .replace('"90..99", ', "")
        .replace('"01..04"', '"1"')
        .replace('"United States, ns"', '"840"')
        .replace('"1,2"', '"1"')
    )
    assert read_profile(path).concepts["sex"].codes == {"1": "M", "2": "F"}


def test_a_range_written_as_a_code_is_rejected_in_version_2(tmp_path: Path) -> None:
    path = tmp_path / "range.toml"
    path.write_text(OLD_SYNTAX.replace("schema_version = 1", "schema_version = 2"))
    with pytest.raises(SpecError) as raised:
        read_profile(path)
    found = {p.key: p.message for p in raised.value.problems}
    assert set(found) == {
        "concepts.sex.not_stated[0]",
        'concepts.residence_5_years_ago.codes."01..04"',
    }
    assert "looks like a range" in found["concepts.sex.not_stated[0]"]
