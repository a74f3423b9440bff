"""Unit tests of every derived-variable rule (``censusmig.dimensions``, ``tables.derive``).

Three layers: the pure rule functions on category codes; the ``lookup`` and ``interval_codes``
expressions on small frames; and edge cases through the whole engine on handmade person files
(column codes of sample_microdata/CODEBOOK.md; reference date 2025-03-15).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
from collections.abc import Callable, Sequence

import polars as pl
import pytest

from censusmig.classifications import countries
from censusmig.classifications.categories import (
    AGE_5Y,
    CITIZENSHIP_STATUS,
    GENERATION,
    MIGRATORY_STATUS,
    NATIVITY,
    PERIOD_OF_ARRIVAL,
    RECENT_MIGRANT,
    RESIDENCE,
    CategorySet,
    duration_groups,
    interval_groups,
)
from censusmig.dimensions.expressions import (
    VALID,
    country_codes,
    enum,
    interval_codes,
    lookup,
    residence_area,
    years_since_arrival,
)
from censusmig.dimensions.rules import (
    citizenship_status_rule,
    generation_rule,
    migratory_status_rule,
    nativity_rule,
    recent_migrant_rule,
)
from censusmig.profiles.model import Profile
from censusmig.recipes.model import Recipe
from censusmig.tables.derive import ColumnRequest, derive
from censusmig.tables.engine import compute_tables
from censusmig.tables.table import Table
from helpers import people

QUE = "QUE"
FB, NB = "foreign_born", "native_born"


def cell(table: Table, **codes: str) -> int:
    """The value of the one cell with these codes; unnamed dimensions at their total ``_T``."""
    levels = [c for c in table.cells.columns if f"{c}_label" in table.cells.columns]
    wanted = {level: codes.get(level, "_T") for level in levels}
    found = table.cells.filter(*(pl.col(k) == v for k, v in wanted.items()))
    assert found.height == 1, wanted
    return int(found["value"][0])


# --- 1. pure rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country_of_birth", "expected"),
    [
        ("QUE", "native_born"),
        ("GTM", "foreign_born"),
        ("SUN", "foreign_born"),  # a historic state is abroad too
        ("_U", "_U"),
        ("_Z", "_Z"),
        ("_X", "_X"),
        ("_O", "_O"),
    ],
)
def test_nativity_rule(country_of_birth: str, expected: str) -> None:
    assert nativity_rule(country_of_birth, QUE) == expected


@pytest.mark.parametrize(
    ("citizenship", "acquisition", "expected"),
    [
        ("QUE", "by_birth", "citizen_by_birth"),
        ("QUE", "by_naturalisation", "citizen_by_naturalisation"),
        ("QUE", "_U", "citizen_acquisition_not_stated"),
        ("QUE", "_Z", "citizen_acquisition_not_stated"),
        ("QUE", "_X", "citizen_acquisition_not_stated"),
        ("GTM", "_Z", "foreign_citizen"),
        ("GTM", "by_birth", "foreign_citizen"),  # acquisition is read for citizens only
        ("XXA", "_Z", "stateless"),
        ("_U", "_U", "_U"),
        ("_Z", "_Z", "_U"),  # not-applicable citizenship counts as not stated
        ("_X", "_Z", "_X"),
    ],
)
def test_citizenship_status_rule(citizenship: str, acquisition: str, expected: str) -> None:
    assert citizenship_status_rule(citizenship, acquisition, QUE) == expected


def test_citizenship_status_rule_covers_every_category() -> None:
    results = {
        citizenship_status_rule(c, a, QUE)
        for c in ("QUE", "GTM", "XXA")
        for a in ("by_birth", "by_naturalisation", "_U")
    }
    assert results == set(CITIZENSHIP_STATUS.codes)


@pytest.mark.parametrize(
    ("nativity", "citizenship", "expected"),
    [
        (NB, "QUE", "native_citizen"),
        (NB, "GTM", "native_non_citizen"),
        (NB, "XXA", "native_non_citizen"),  # stateless persons are non-citizens
        (FB, "QUE", "foreign_citizen"),  # e.g. born abroad to citizen parents
        (FB, "GTM", "foreign_non_citizen"),
        (FB, "XXA", "foreign_non_citizen"),
        ("_U", "QUE", "_U"),
        (NB, "_U", "_U"),
        (NB, "_Z", "_U"),
        ("_Z", "QUE", "_U"),
        ("_X", "QUE", "_X"),
        (FB, "_X", "_X"),
        ("_X", "_U", "_X"),  # a code in no list wins over not stated
        ("_U", "_X", "_X"),
    ],
)
def test_migratory_status_rule(nativity: str, citizenship: str, expected: str) -> None:
    assert migratory_status_rule(nativity, citizenship, QUE) == expected


@pytest.mark.parametrize(
    ("nativity", "mother", "father", "expected"),
    [
        (FB, NB, NB, "first"),
        (FB, "_U", "_U", "first"),  # parents do not matter for the foreign-born
        (NB, FB, FB, "second_both"),
        (NB, FB, NB, "second_one"),
        (NB, NB, FB, "second_one"),
        (NB, FB, "_U", "second_one"),  # one foreign-born, the other not stated
        (NB, "_U", FB, "second_one"),
        (NB, FB, "_X", "second_one"),
        (NB, NB, NB, "third_plus"),
        (NB, NB, "_U", "_U"),  # one native-born, the other not stated
        (NB, "_U", NB, "_U"),
        (NB, "_U", "_U", "_U"),  # both not stated
        (NB, NB, "_X", "_U"),
        ("_U", FB, FB, "_U"),  # the person's own nativity unknown stays as it is
        ("_Z", NB, NB, "_Z"),
        ("_X", NB, NB, "_X"),
    ],
)
def test_generation_rule(nativity: str, mother: str, father: str, expected: str) -> None:
    assert generation_rule(nativity, mother, father) == expected


@pytest.mark.parametrize(
    ("nativity", "arrival", "abroad", "expected"),
    [
        (FB, "recent", "no", "recent"),
        (FB, "recent", "yes", "recent"),
        (FB, "not_recent", "no", "not_recent"),
        (FB, "not_recent", "yes", "recent"),  # arrived earlier, but abroad 5 years ago
        (FB, "_U", "no", "_U"),
        (FB, "_X", "no", "_X"),
        (FB, "_U", "yes", "recent"),  # residence decides when the arrival is unknown
        (FB, "_Z", "no", "not_recent"),  # only _U and _X arrivals stay unknown
        (NB, "recent", "no", "not_recent"),  # a native's arrival alone is not enough
        (NB, "_Z", "yes", "recent"),  # returning native, abroad 5 years ago
        (NB, "_Z", "no", "not_recent"),
        (NB, "_U", "no", "not_recent"),
        ("_U", "_Z", "no", "not_recent"),
        ("_U", "_Z", "yes", "recent"),
        ("_X", "not_recent", "yes", "recent"),
    ],
)
def test_recent_migrant_rule(nativity: str, arrival: str, abroad: str, expected: str) -> None:
    assert recent_migrant_rule(nativity, arrival, abroad) == expected


def test_rules_return_only_their_categories_or_special_codes() -> None:
    special = {"_O", "_Z", "_U", "_X"}
    nativities = [*NATIVITY.codes, *special]
    generation = {generation_rule(*c) for c in itertools.product(nativities, repeat=3)}
    assert generation == set(GENERATION.codes) | special
    migratory = {migratory_status_rule(n, c, QUE) for n in nativities for c in (QUE, "XXA", "_U")}
    assert migratory == set(MIGRATORY_STATUS.codes) | {"_U", "_X"}


# --- 2. lookup ----------------------------------------------------------------------------


def _every_combination(columns: dict[str, pl.Enum]) -> pl.DataFrame:
    """A frame holding every combination of the Enum columns' categories once."""
    values = [dtype.categories.to_list() for dtype in columns.values()]
    rows = list(itertools.product(*values))
    return pl.DataFrame(
        {name: [row[i] for row in rows] for i, name in enumerate(columns)},
        schema=columns,
    )


def _check_lookup(
    columns: dict[str, pl.Enum], rule: Callable[..., str], codes: Sequence[str]
) -> int:
    frame = _every_combination(columns)
    inputs = [(pl.col(name), dtype.categories.to_list()) for name, dtype in columns.items()]
    got = frame.select(lookup(inputs, rule, codes).alias("got"))["got"]
    assert got.dtype == enum(codes)
    expected = [rule(*row) for row in frame.iter_rows()]
    assert got.to_list() == expected
    return frame.height


def test_lookup_two_inputs_equals_rule_row_by_row(profile: Profile) -> None:
    nativity = enum(NATIVITY.codes)
    country = enum(country_codes(profile))
    rule = functools.partial(migratory_status_rule, census_country=QUE)
    rows = _check_lookup({"n": nativity, "c": country}, rule, MIGRATORY_STATUS.codes)
    assert rows == 6 * len(country.categories)


def test_lookup_two_inputs_citizenship_status(profile: Profile) -> None:
    country = enum(country_codes(profile))
    acquisition = enum(("by_birth", "by_naturalisation"))
    rule = functools.partial(citizenship_status_rule, census_country=QUE)
    _check_lookup({"c": country, "a": acquisition}, rule, CITIZENSHIP_STATUS.codes)


def test_lookup_three_inputs_generation() -> None:
    nativity = enum(NATIVITY.codes)
    rows = _check_lookup(
        {"self": nativity, "mother": nativity, "father": nativity},
        generation_rule,
        GENERATION.codes,
    )
    assert rows == 6**3


def test_lookup_three_inputs_recent_migrant() -> None:
    arrival = enum(("recent", "not_recent"))
    abroad = pl.Enum(["no", "yes"])
    _check_lookup(
        {"n": enum(NATIVITY.codes), "a": arrival, "r": abroad},
        recent_migrant_rule,
        RECENT_MIGRANT.codes,
    )


def test_lookup_on_a_few_shuffled_rows() -> None:
    nativity = enum(NATIVITY.codes)
    frame = pl.DataFrame(
        {"self": [NB, FB, NB, NB, "_U"], "mother": [FB, NB, NB, "_U", FB]},
        schema={"self": nativity, "mother": nativity},
    )
    cats = nativity.categories.to_list()
    expr = lookup(
        [(pl.col("self"), cats), (pl.col("mother"), cats)],
        lambda own, mother: generation_rule(own, mother, NB),
        GENERATION.codes,
    )
    got = frame.select(expr.alias("g"))["g"].to_list()
    assert got == ["second_one", "first", "third_plus", "_U", "_U"]


# --- 3. interval codes --------------------------------------------------------------------


def _intervals(
    values: Sequence[int | None], statuses: Sequence[str], categories: CategorySet, high: int
) -> list[str]:
    status = pl.Enum([VALID, "_U", "_Z", "_X"])
    frame = pl.DataFrame({"v": values, "s": statuses}, schema={"v": pl.Int32, "s": status})
    grouped = interval_codes(pl.col("v"), pl.col("s"), categories, high)
    return frame.select(grouped.alias("g"))["g"].to_list()


def test_age_groups_at_the_bounds() -> None:
    ages = [0, 4, 5, 9, 84, 85, 120]
    got = _intervals(ages, [VALID] * len(ages), AGE_5Y, 120)
    assert got == ["Y0T4", "Y0T4", "Y5T9", "Y5T9", "Y80T84", "Y_GE85", "Y_GE85"]


def test_age_groups_special_statuses_pass_through() -> None:
    got = _intervals([None, None, None], ["_U", "_X", "_Z"], AGE_5Y, 120)
    assert got == ["_U", "_X", "_Z"]


def test_valid_value_outside_every_interval_is_unknown_code() -> None:
    assert _intervals([121, -1], [VALID, VALID], AGE_5Y, 120) == ["_X", "_X"]


def test_custom_interval_groups() -> None:
    groups = interval_groups((0, 15, 65), "custom")
    assert groups.codes == ("Y0T14", "Y15T64", "Y_GE65")
    assert groups.labels()["Y15T64"] == "15-64"
    ages = [0, 14, 15, 64, 65, 120]
    got = _intervals(ages, [VALID] * len(ages), groups, 120)
    assert got == ["Y0T14", "Y0T14", "Y15T64", "Y15T64", "Y_GE65", "Y_GE65"]


def test_duration_groups_codes() -> None:
    assert PERIOD_OF_ARRIVAL.codes == ("Y_LT1", "Y1T4", "Y5T9", "Y10T14", "Y15T19", "Y_GE20")
    assert duration_groups((5, 10)).codes == ("Y0T4", "Y5T9", "Y_GE10")
    assert duration_groups((1,)).codes == ("Y_LT1", "Y_GE1")
    assert PERIOD_OF_ARRIVAL.labels()["Y_LT1"] == "Less than 1 year"


def test_period_of_arrival_intervals() -> None:
    years = [0, 1, 4, 5, 19, 20, 175]
    got = _intervals(years, [VALID] * len(years), PERIOD_OF_ARRIVAL, 200)
    assert got == ["Y_LT1", "Y1T4", "Y1T4", "Y5T9", "Y15T19", "Y_GE20", "Y_GE20"]


def test_years_since_arrival_is_census_year_minus_year() -> None:
    frame = pl.DataFrame({"yoa": [2025, 2024, 2020]})
    got = frame.select(years_since_arrival(pl.col("yoa"), dt.date(2025, 3, 15)))
    assert got.to_series().to_list() == [0, 1, 5]


def test_age_groups_through_derive(profile: Profile) -> None:
    ages = [0, 4, 5, 84, 85, 120, 121, 999]
    frame = people([(1, age, 900) for age in ages]).lazy()
    derived = derive(frame, profile, [ColumnRequest("age_group", "age_group")]).collect()
    assert derived["age_group"].cast(pl.String).to_list() == [
        "Y0T4", "Y0T4", "Y5T9", "Y80T84", "Y_GE85", "Y_GE85", "_X", "_U",
    ]  # fmt: skip


# --- residence abroad by region -----------------------------------------------------------


RESIDENCE_ENUM = enum(RESIDENCE.codes)
COUNTRY_ENUM = enum([*countries.countries(), "QUE"])


def _area(residence: list[str], country: list[str]) -> list[str]:
    frame = pl.DataFrame(
        {
            "r": pl.Series(residence, dtype=RESIDENCE_ENUM),
            "c": pl.Series(country, dtype=COUNTRY_ENUM),
        }
    )
    area = residence_area(pl.col("r"), pl.col("c"), COUNTRY_ENUM)
    return frame.select(area.cast(pl.String).alias("a"))["a"].to_list()


def test_residence_area_abroad_by_m49_region() -> None:
    got = _area(
        ["abroad", "abroad", "abroad", "same_dwelling", "_U"], ["USA", "ESP", "XXA", "_Z", "_U"]
    )
    assert got == ["019", "150", "abroad_O", "same_dwelling", "_U"]


def test_residence_area_without_country_concept() -> None:
    frame = pl.DataFrame({"r": pl.Series(["abroad", "other_area"], dtype=RESIDENCE_ENUM)})
    area = residence_area(pl.col("r"), None, COUNTRY_ENUM)
    got = frame.select(area.cast(pl.String).alias("a"))["a"].to_list()
    assert got == ["abroad", "other_area"]


_ABROAD_SPECIAL_BUG = (
    "expressions.residence_area maps the country through a table of real countries only, so a "
    "not-stated (_U) or unknown (_X) country falls to the default _O and gives abroad_O, not "
    "abroad_U / abroad_X as its docstring says"
)


def test_residence_area_abroad_country_not_stated_or_unknown() -> None:
    assert _area(["abroad", "abroad"], ["_U", "_X"]) == ["abroad_U", "abroad_X"]


# --- 4. engine-level edge cases -----------------------------------------------------------


def _run(profile: Profile, recipes: list[Recipe], frame: pl.DataFrame) -> dict[str, Table]:
    result = compute_tables(frame.lazy(), profile, recipes)
    return {table.recipe_id: table for table in result.tables}


@pytest.fixture(scope="module")
def arrivals(profile: Profile, catalog: dict[str, Recipe]) -> dict[str, Table]:
    """Arrival and recent-migrant edge cases; RES5 defaults to 1 (same dwelling)."""
    recent = dataclasses.replace(
        catalog["nativity_age_sex"],
        id="recent_migrant_by_nativity",
        universe=(),
        rows=("recent_migrant",),
        columns=("nativity",),
    )
    recipes = [
        catalog["foreign_born_period_of_arrival_country_of_birth"],
        catalog["reason_for_migration_sex_age"],
        recent,
    ]
    # (SEX, AGE, POB), YOA, RES5, CNT5; REASON 1 for everyone who arrived.
    cases = [
        ((1, 30, 320), 2025, 1, 888),  # arrived in the census year
        ((1, 30, 320), 2020, 1, 888),  # exactly 5 years before: not recent
        ((2, 30, 320), 2020, 5, 320),  # exactly 5 years before, abroad 5 years ago: recent
        ((1, 30, 320), 2026, 1, 888),  # after the reference year: unknown code
        ((2, 30, 320), 9999, 1, 888),  # not stated
        ((1, 4, 320), 2023, 8, 888),  # foreign-born 4-year-old arrived in 2023: recent
        ((2, 4, 900), 9998, 5, 840),  # native 4-year-old "abroad": not recent (under 5)
        ((1, 40, 900), 2023, 5, 840),  # returning native: recent by residence
        ((2, 40, 900), 9998, 1, 888),  # native who never moved
    ]
    frame = people(
        [case[0] for case in cases],
        YOA=[case[1] for case in cases],
        RES5=[case[2] for case in cases],
        CNT5=[case[3] for case in cases],
        REG5=[88 if case[2] == 5 else 1 for case in cases],
        REASON=[1 if case[1] < 9998 else 8 for case in cases],
    )
    return _run(profile, recipes, frame)


def test_period_of_arrival_edge_years(arrivals: dict[str, Table]) -> None:
    t = arrivals["foreign_born_period_of_arrival_country_of_birth"]
    assert cell(t) == 6
    assert cell(t, period_of_arrival="Y_LT1") == 1  # YOA 2025
    assert cell(t, period_of_arrival="Y1T4") == 1  # YOA 2023
    assert cell(t, period_of_arrival="Y5T9") == 2  # YOA 2020
    assert cell(t, period_of_arrival="_X") == 1  # YOA 2026
    assert cell(t, period_of_arrival="_U") == 1  # YOA 9999
    assert cell(t, period_of_arrival="Y_GE20") == 0


def test_period_of_arrival_by_age(arrivals: dict[str, Table]) -> None:
    t = arrivals["foreign_born_period_of_arrival_country_of_birth"]
    assert cell(t, broad_age_group="Y0T14", period_of_arrival="Y1T4") == 1
    assert cell(t, broad_age_group="Y25T64", period_of_arrival="Y5T9", sex="F") == 1


def test_recent_migrant_counts(arrivals: dict[str, Table]) -> None:
    t = arrivals["recent_migrant_by_nativity"]
    assert cell(t) == 9
    assert cell(t, recent_migrant="recent") == 4
    assert cell(t, recent_migrant="not_recent") == 3
    assert cell(t, recent_migrant="_X") == 1  # foreign-born, YOA 2026
    assert cell(t, recent_migrant="_U") == 1  # foreign-born, YOA not stated


def test_recent_migrant_arrival_in_census_year_and_5_years_before(
    arrivals: dict[str, Table],
) -> None:
    t = arrivals["recent_migrant_by_nativity"]
    # YOA 2025, YOA 2020 with RES5 abroad, and the 4-year-old arrived in 2023.
    assert cell(t, recent_migrant="recent", nativity="foreign_born") == 3
    assert cell(t, recent_migrant="not_recent", nativity="foreign_born") == 1  # YOA 2020


def test_recent_migrant_natives(arrivals: dict[str, Table]) -> None:
    t = arrivals["recent_migrant_by_nativity"]
    assert cell(t, recent_migrant="recent", nativity="native_born") == 1  # returning native
    # The 4-year-old with RES5 abroad is outside the age 5+ residence criterion.
    assert cell(t, recent_migrant="not_recent", nativity="native_born") == 2


def test_recent_migrant_universe_of_reason_table(arrivals: dict[str, Table]) -> None:
    t = arrivals["reason_for_migration_sex_age"]
    assert t.accounting.universe == 4
    assert cell(t, reason_for_migration="employment") == 4
    assert cell(t, reason_for_migration="employment", broad_age_group="Y0T14") == 1


@pytest.fixture(scope="module")
def residence(profile: Profile, catalog: dict[str, Recipe]) -> dict[str, Table]:
    # (SEX, AGE, POB), RES5, CNT5
    cases = [
        ((1, 4, 900), 5, 840),  # under 5: outside the universe
        ((2, 5, 900), 5, 840),  # aged 5: counted
        ((1, 30, 320), 5, 840),
        ((2, 30, 320), 5, 998),  # abroad, country not stated
        ((1, 30, 900), 1, 888),
        ((2, 30, 900), 9, 888),  # not stated
    ]
    frame = people(
        [case[0] for case in cases],
        RES5=[case[1] for case in cases],
        CNT5=[case[2] for case in cases],
        REG5=[88 if case[1] == 5 else 1 for case in cases],
    )
    return _run(profile, [catalog["residence_5_years_ago_age_sex"]], frame)


def test_residence_5_years_ago_universe_is_age_5_and_over(residence: dict[str, Table]) -> None:
    t = residence["residence_5_years_ago_age_sex"]
    assert t.accounting.universe == 5
    assert cell(t) == 5
    assert cell(t, age_group="Y0T4") == 0
    assert cell(t, age_group="Y5T9") == 1
    assert cell(t, age_group="Y5T9", residence_5_years_ago="abroad") == 1


def test_residence_5_years_ago_abroad_by_region(residence: dict[str, Table]) -> None:
    t = residence["residence_5_years_ago_age_sex"]
    assert cell(t, residence_5_years_ago="abroad") == 3
    assert cell(t, residence_5_years_ago="abroad", residence_5_years_ago_area="019") == 2
    assert cell(t, residence_5_years_ago="same_dwelling") == 1
    assert cell(t, residence_5_years_ago="_U") == 1


def test_residence_5_years_ago_abroad_country_not_stated(residence: dict[str, Table]) -> None:
    t = residence["residence_5_years_ago_age_sex"]
    assert cell(t, residence_5_years_ago="abroad", residence_5_years_ago_area="abroad_U") == 1


@pytest.fixture(scope="module")
def status(profile: Profile, catalog: dict[str, Recipe]) -> dict[str, Table]:
    # (SEX, AGE, POB), CIT, CIT_ACQ, MOTHER_POB, FATHER_POB
    cases = [
        ((1, 30, 900), 900, 1, 320, 340),  # second generation, both parents foreign-born
        ((2, 30, 900), 900, 1, 320, 998),  # one foreign-born, the other not stated
        ((1, 30, 900), 900, 1, 900, 998),  # one native-born, the other not stated
        ((2, 30, 900), 900, 1, 900, 900),  # third generation or higher
        ((1, 30, 840), 900, 1, 900, 900),  # born abroad to citizen parents
        ((2, 30, 760), 997, 8, 760, 760),  # stateless
        ((1, 30, 320), 320, 8, 320, 320),  # foreign citizen
        ((2, 30, 320), 900, 2, 320, 320),  # naturalised
        ((1, 30, 900), 900, 9, 900, 900),  # citizen, acquisition not stated
        ((2, 30, 900), 998, 9, 900, 900),  # citizenship not stated
        ((1, 3, 900), 320, 8, 320, 320),  # native-born non-citizen, second generation
    ]
    frame = people(
        [case[0] for case in cases],
        CIT=[case[1] for case in cases],
        CIT_ACQ=[case[2] for case in cases],
        MOTHER_POB=[case[3] for case in cases],
        FATHER_POB=[case[4] for case in cases],
    )
    recipes = [
        catalog["generation_age_sex"],
        catalog["citizenship_status_age_sex"],
        catalog["foreign_citizens_citizenship_age_sex"],
        catalog["migratory_status_sex_age_region"],
    ]
    return _run(profile, recipes, frame)


def test_generation_table(status: dict[str, Table]) -> None:
    t = status["generation_age_sex"]
    assert cell(t) == 11
    assert cell(t, generation="first") == 4
    assert cell(t, generation="second_both") == 2
    assert cell(t, generation="second_one") == 1
    assert cell(t, generation="third_plus") == 3
    assert cell(t, generation="_U") == 1
    assert cell(t, generation="second_both", age_group="Y0T4") == 1


def test_citizenship_status_table(status: dict[str, Table]) -> None:
    t = status["citizenship_status_age_sex"]
    assert cell(t) == 11
    assert cell(t, citizenship_status="citizen_by_birth") == 5
    assert cell(t, citizenship_status="citizen_by_naturalisation") == 1
    assert cell(t, citizenship_status="citizen_acquisition_not_stated") == 1
    assert cell(t, citizenship_status="foreign_citizen") == 2
    assert cell(t, citizenship_status="stateless") == 1
    assert cell(t, citizenship_status="stateless", sex="F", age_group="Y30T34") == 1
    assert cell(t, citizenship_status="_U") == 1


def test_stateless_in_the_non_citizen_universe(status: dict[str, Table]) -> None:
    t = status["foreign_citizens_citizenship_age_sex"]
    assert t.accounting.universe == 3
    assert cell(t) == 3
    assert cell(t, region_of_citizenship="_O", citizenship="XXA") == 1
    assert cell(t, region_of_citizenship="019", citizenship="GTM") == 2
    assert "QUE" not in set(t.cells["citizenship"])


def test_migratory_status_table(status: dict[str, Table]) -> None:
    t = status["migratory_status_sex_age_region"]
    assert cell(t) == 11
    assert cell(t, migratory_status="native_citizen") == 5
    assert cell(t, migratory_status="native_non_citizen") == 1
    assert cell(t, migratory_status="foreign_citizen") == 2  # born abroad to citizens; naturalised
    assert cell(t, migratory_status="foreign_non_citizen") == 2  # incl. the stateless person
    assert cell(t, migratory_status="_U") == 1
