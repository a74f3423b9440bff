"""Integer codes are recoded through arrays; the arrays give exactly what the hash maps give.

The derivation maps integer source codes (regions, places of birth, countries, categories,
numbers' special codes) through an array read at each code's offset
(:func:`~censusmig.dimensions.expressions.array_lookup`), and keeps a hash map
(:func:`~censusmig.dimensions.expressions.hash_lookup`) for text codes and for integer codes
spread too widely for an array. These tests hold the two paths to the same codes, edge cases
included: declared not-stated codes, codes in no list, negative codes, codes beyond the
array's span, nulls, narrow and unsigned column types, and text or float columns holding the
same codes.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from censusmig.classifications.categories import (
    AGE_5Y,
    PERIOD_OF_ARRIVAL,
    RESIDENCE,
    RESIDENCE_DETAILED,
    CategorySet,
)
from censusmig.classifications.codes import UNKNOWN_CODE
from censusmig.classifications.countries import ABROAD_NOT_STATED
from censusmig.dimensions.columns import concept_column, status_column
from censusmig.dimensions.expressions import (
    SPECIAL,
    VALID,
    array_lookup,
    category_codes,
    category_level,
    enum,
    hash_lookup,
    interval_codes,
    lookup,
    residence_area,
    table_lookup,
)
from censusmig.profiles.model import Profile, read_profile
from censusmig.tables.derive import concept_exprs

RESULT = pl.Enum(["a", "b", "c", "_U", "_Z", "_X"])
TABLE: dict[int, str | int | bool | None] = {
    -1: "_Z",  # a negative code declared not applicable
    0: "a",
    1: "a",
    2: "b",
    7: "c",
    9: "_U",
    99: "_U",
    999: "_U",
}
CODES = [
    0, 1, 2, 7, 9, 99, 999,  # in the table
    -1, -2, -999, 3, 50, 998, 1000,  # negative, unknown, just outside the span
    127, -128, 255, 32_767, 2**31 - 1, -(2**31), 10**12, None,  # far beyond it, null
]  # fmt: skip


def _fits(dtype: pl.DataType) -> list[int | None]:
    """The codes a column of ``dtype`` can hold."""
    info = {
        pl.Int8: (-(2**7), 2**7 - 1),
        pl.Int16: (-(2**15), 2**15 - 1),
        pl.Int32: (-(2**31), 2**31 - 1),
        pl.Int64: (-(2**63), 2**63 - 1),
        pl.UInt8: (0, 2**8 - 1),
        pl.UInt16: (0, 2**16 - 1),
        pl.UInt32: (0, 2**32 - 1),
        pl.UInt64: (0, 2**64 - 1),
    }
    low, high = info[type(dtype)]
    return [code for code in CODES if code is None or low <= code <= high]


INTEGER_TYPES = [
    pl.Int8(), pl.Int16(), pl.Int32(), pl.Int64(),
    pl.UInt8(), pl.UInt16(), pl.UInt32(), pl.UInt64(),
]  # fmt: skip


def _both(
    codes: pl.Series,
    table: dict[int, str | int | bool | None],
    default: str | int | bool | None,
    null: str | int | bool | None,
    dtype: pl.DataType,
) -> tuple[list[object], list[object]]:
    """The array lookup's and the hash map's results for ``codes``."""
    frame = pl.DataFrame({"code": codes})
    source = pl.col("code")
    result = frame.select(
        array=array_lookup(source, table, default, null, dtype),
        hash=hash_lookup(source, table, default, null, dtype),
    )
    return result["array"].to_list(), result["hash"].to_list()


@pytest.mark.parametrize("dtype", INTEGER_TYPES, ids=str)
def test_array_and_hash_map_give_the_same_codes(dtype: pl.DataType) -> None:
    codes = _fits(dtype)
    array, hashed = _both(pl.Series(codes, dtype=dtype), TABLE, "_X", "_U", RESULT)
    expected = ["_U" if code is None else TABLE.get(code, "_X") for code in codes]
    assert array == expected
    assert hashed == expected


@pytest.mark.parametrize(
    ("dtype", "table", "default", "null"),
    [
        # An open area classification: declared missing codes, null for the rest.
        (pl.String(), {-1: "_Z", 99: "_U"}, None, "_U"),
        # A number's value (age bands read as their lowest age): null where none.
        (pl.Int64(), {1: 0, 2: 15, 3: 25, -1: None}, None, None),
        # A flag (a gate's detail codes).
        (pl.Boolean(), {4: True, 5: True}, False, False),
    ],
    ids=["text", "number", "flag"],
)
def test_other_result_types_are_the_same_both_ways(
    dtype: pl.DataType,
    table: dict[int, str | int | bool | None],
    default: str | int | bool | None,
    null: str | int | bool | None,
) -> None:
    codes = pl.Series(CODES, dtype=pl.Int64)
    array, hashed = _both(codes, table, default, null, dtype)
    expected = [null if code is None else table.get(code, default) for code in CODES]
    assert array == expected
    assert hashed == expected


def test_an_empty_table_maps_every_code_to_the_default() -> None:
    array, hashed = _both(pl.Series([1, None, -5], dtype=pl.Int32), {}, "_X", "_U", RESULT)
    assert array == hashed == ["_X", "_U", "_X"]


def test_dense_codes_go_through_an_array_and_spread_codes_through_a_hash_map() -> None:
    dense = table_lookup(pl.col("code"), {1: "a", 999: "_U"}, "_X", "_U", RESULT)
    spread = table_lookup(pl.col("code"), {1: "a", 10**8: "_U"}, "_X", "_U", RESULT)
    assert "replace_strict" not in str(dense) and "gather" in str(dense)
    assert "replace_strict" in str(spread)
    frame = pl.DataFrame({"code": pl.Series([1, 999, 10**8, 5, None], dtype=pl.Int64)})
    result = frame.select(dense=dense, spread=spread)
    assert result["dense"].to_list() == ["a", "_U", "_X", "_X", "_U"]
    assert result["spread"].to_list() == ["a", "_X", "_U", "_X", "_U"]


PROFILE = """
schema_version = 1
[census]
name = "Lookup test"
country = "QUE"
reference_date = 2025-03-15

[geography]
levels = [{ name = "region", column = "REGION", labels = { "11" = "North", "12" = "South", "35" = "Islands" } }]

[concepts]
sex = { column = "SEX", codes = { "1" = "M", "2" = "F" }, not_stated = ["9"], not_applicable = ["-1"] }
place_of_birth = { column = "POBR", not_applicable = ["88"], not_stated = ["99", "-9", "99999"] }
region_5_years_ago = { column = "REG5", codes = { "11" = "11", "12" = "12", "35" = "35" }, not_stated = ["99"] }
country_of_birth = { column = "POB", codes = "iso3166-numeric", extra_codes = { "900" = "QUE" }, not_stated = ["999"] }
citizenship = { column = "CIT", codes = "iso3166-numeric", extra_codes = { "900" = "QUE" }, gate = { column = "GATE", codes = { "1" = "QUE", "9" = "_U", "8" = "_Z" }, detail = ["2"] } }
year_of_arrival = { column = "YOA", codes = { "1" = 2024 }, not_stated = ["9999"], not_applicable = ["9998"] }

[concepts.age]
column = "AGEBAND"
not_stated = ["9"]
bands = [{ code = "1", from = 0, to = 14 }, { code = "2", from = 15, to = 64 }, { code = "3", from = 65 }]
"""  # noqa: E501

COLUMNS: dict[str, list[int | None]] = {
    "REGION": [11, 12, 35, 13, 99, -1, 1_000_000, None],
    "SEX": [1, 2, 9, -1, 3, -7, 100_000, None],
    "POBR": [11, 88, 99, -9, 57, -1, 123_456, None],
    "REG5": [11, 35, 99, 12, 0, -99, 2**31 - 1, None],
    "POB": [900, 32, 810, 890, 999, -32, 90_000, None],
    "CIT": [32, 900, 76, 32, 999, 32, 32, 32],
    "GATE": [2, 2, 2, 1, 9, 8, 5, None],
    "YOA": [2020, 1, 9999, 9998, 2030, -2020, 1849, None],
    "AGEBAND": [1, 2, 3, 9, 4, 0, -1, None],
}
EXPECTED = {
    "region": ["11", "12", "35", "_X", "_X", "_X", "_X", "_U"],
    "sex": ["M", "F", "_U", "_Z", "_X", "_X", "_X", "_U"],
    "place_of_birth": ["11", "_Z", "_U", "_U", "_X", "_X", "_X", "_U"],
    "region_5_years_ago": ["11", "35", "_U", "12", "_X", "_X", "_X", "_U"],
    # 810 (the USSR) is among the historic ISO codes; 890 (Yugoslavia) is not.
    "country_of_birth": ["QUE", "ARG", "SUN", "_X", "_U", "_X", "_X", "_U"],
    "citizenship": ["ARG", "QUE", "BRA", "QUE", "_U", "_Z", "_X", "_U"],
}
STATUS = {
    "year_of_arrival": ["ok", "ok", "_U", "_Z", "_X", "_X", "_X", "_U"],
    "age": ["ok", "ok", "ok", "_U", "_X", "_X", "_X", "_U"],
}
VALUES = {
    "year_of_arrival": [2020, 2024, None, None, None, None, None, None],
    "age": [0, 15, 65, None, None, None, None, None],
}
CONCEPTS = [*EXPECTED, *STATUS]


def _profile(folder: Path, text: str) -> Profile:
    path = folder / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return read_profile(path)


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    return _profile(tmp_path_factory.mktemp("lookup"), PROFILE)


def _as(dtype: pl.DataType, rows: int | None = None) -> pl.DataFrame:
    """The test columns (their first ``rows``) held as ``dtype``: integers, floats or text."""
    columns = {name: values[:rows] for name, values in COLUMNS.items()}
    if dtype == pl.String:
        return pl.DataFrame(
            {
                name: pl.Series([None if v is None else str(v) for v in values], dtype=pl.String)
                for name, values in columns.items()
            }
        )
    return pl.DataFrame({name: pl.Series(values, dtype=dtype) for name, values in columns.items()})


def _coded(profile: Profile, frame: pl.DataFrame) -> pl.DataFrame:
    schema = pl.Schema(frame.schema)
    return frame.select(concept_exprs(profile, schema, [*CONCEPTS, "region"]))


@pytest.mark.parametrize(
    "dtype", [pl.Int16(), pl.Int32(), pl.Int64(), pl.UInt16(), pl.Float64(), pl.String()], ids=str
)
def test_concepts_are_coded_alike_from_integers_floats_and_text(
    profile: Profile, dtype: pl.DataType
) -> None:
    # A narrow or unsigned column holds only the first rows, while the profile still declares
    # codes it cannot hold (-1, -9, 99999): those match no record.
    rows = 3 if dtype in (pl.Int16, pl.UInt16) else len(COLUMNS["SEX"])
    coded = _coded(profile, _as(dtype, rows))
    for concept, expected in EXPECTED.items():
        assert coded[concept_column(concept)].cast(pl.String).to_list() == expected[:rows]
    for concept, expected in STATUS.items():
        assert coded[status_column(concept)].cast(pl.String).to_list() == expected[:rows]
        assert coded[concept_column(concept)].to_list() == VALUES[concept][:rows]


OPEN = {
    "region": ["11", "12", "35", "13", "99", "-1", "1000000", "_U"],
    "place_of_birth": ["11", "_Z", "_U", "_U", "57", "-1", "123456", "_U"],
}


@pytest.mark.parametrize("dtype", [pl.Int32(), pl.Int64(), pl.Float64(), pl.String()], ids=str)
def test_areas_without_a_code_list_keep_their_codes(tmp_path: Path, dtype: pl.DataType) -> None:
    labels = 'labels = { "11" = "North", "12" = "South", "35" = "Islands" }'
    unlabelled = _profile(tmp_path, PROFILE.replace(f", {labels}", ""))
    frame = _as(dtype)
    coded = frame.select(concept_exprs(unlabelled, pl.Schema(frame.schema), list(OPEN)))
    for concept, expected in OPEN.items():
        assert coded[concept_column(concept)].to_list() == expected, concept


def test_integer_area_codes_are_looked_up_through_arrays(profile: Profile) -> None:
    for dtype, hashed in ((pl.Int32(), False), (pl.String(), True)):
        schema = pl.Schema(_as(dtype).schema)
        for expr in concept_exprs(profile, schema, ["region", "place_of_birth", "citizenship"]):
            assert ("replace_strict" in str(expr)) is hashed, (dtype, str(expr)[:80])


def test_residence_detail_in_one_lookup_equals_the_two_step_one() -> None:
    concept = "residence_5_years_ago"
    residence = category_codes(concept)
    country_enum = enum(["ARG", "FRA", "QUE", "SUN", ABROAD_NOT_STATED])
    frame = pl.DataFrame({"r": pl.Series(residence, dtype=enum(residence))}).join(
        pl.DataFrame({"c": country_enum.categories.cast(country_enum)}), how="cross"
    )
    for kinds in (RESIDENCE, RESIDENCE_DETAILED):
        kind = category_level(concept, pl.col("r"), kinds)
        two_steps = residence_area(kind, pl.col("c"), country_enum, kinds)
        one = residence_area(pl.col("r"), pl.col("c"), country_enum, kinds, concept=concept)
        result = frame.select(two=two_steps, one=one)
        assert result["one"].to_list() == result["two"].to_list()
        assert "abroad_U" in result["one"].cast(pl.String).to_list()


@pytest.mark.parametrize("categories", [AGE_5Y, PERIOD_OF_ARRIVAL], ids=lambda c: c.name)
def test_interval_groups_in_one_lookup_equal_the_two_step_ones(categories: CategorySet) -> None:
    states = [VALID, *SPECIAL]
    values = [None, -5, -1, *range(0, 205), 10**6]
    frame = pl.DataFrame({"status": pl.Series(states, dtype=pl.Enum(states))}).join(
        pl.DataFrame({"value": pl.Series(values, dtype=pl.Int32)}), how="cross"
    )
    table = {
        number: category.code
        for category in categories.categories
        for number in range(
            category.low or 0, (200 if category.high is None else category.high) + 1
        )
    }
    dtype = enum(categories.codes)
    grouped = hash_lookup(pl.col("value"), table, UNKNOWN_CODE, UNKNOWN_CODE, dtype)
    two_steps = lookup(
        [(pl.col("status"), states), (grouped, dtype.categories.to_list())],
        lambda state, group: group if state == VALID else state,
        categories.codes,
    )
    one = interval_codes(pl.col("value"), pl.col("status"), categories, 200)
    result = frame.select(one=one, two=two_steps)
    assert result["one"].to_list() == result["two"].to_list()
    assert {"_U", "_X", categories.codes[0], categories.codes[-1]} <= set(result["one"])


NUMBERS = """
schema_version = 1
[census]
name = "Numbers"
country = "QUE"
reference_date = 2025-03-15
[concepts]
age = { column = "AGE", not_stated = ["999", "-1"], not_applicable = ["-2"] }
year_of_arrival = { column = "YOA", not_stated = ["1999"], not_applicable = ["0"] }
"""


@pytest.mark.parametrize("dtype", [pl.Int16(), pl.Int64(), pl.Float64(), pl.String()], ids=str)
def test_numbers_keep_their_value_only_when_valid(tmp_path: Path, dtype: pl.DataType) -> None:
    # Ages valid from 0 to 120 with no gap (a range test); years with a not-stated code
    # inside their range (the status decides).
    profile = _profile(tmp_path, NUMBERS)
    ages = [0, 120, 121, 999, -1, -2, 55, None]
    years = [1850, 2025, 1999, 0, 1849, 2026, 1998, None]
    frame = pl.DataFrame({"AGE": pl.Series(ages), "YOA": pl.Series(years)})
    frame = frame.cast(dtype)
    coded = frame.select(
        concept_exprs(profile, pl.Schema(frame.schema), ["age", "year_of_arrival"])
    )
    assert coded[concept_column("age")].to_list() == [0, 120, None, None, None, None, 55, None]
    assert coded[status_column("age")].cast(pl.String).to_list() == [
        "ok", "ok", "_X", "_U", "_U", "_Z", "ok", "_U",
    ]  # fmt: skip
    assert coded[concept_column("year_of_arrival")].to_list() == [
        1850, 2025, None, None, None, None, 1998, None,
    ]  # fmt: skip
    assert coded[status_column("year_of_arrival")].cast(pl.String).to_list() == [
        "ok", "ok", "_U", "_Z", "_X", "_X", "ok", "_U",
    ]  # fmt: skip
