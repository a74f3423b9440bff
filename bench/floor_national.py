"""The floor for the national layout: the inner cells of its tables, hand-written in Polars.

What an expert would write for this one file (``bench/national.py``, a census of Austria in a
national office's numeric layout): the codebook is hard-coded, every derived variable is a
small integer code computed by an array lookup (a ``gather`` into a literal Series), each
table is a ``group_by`` over those codes summing the weight, and every aggregation runs in one
``pl.collect_all`` over a single scan. Labels (the codes censusmig writes) are attached to the
aggregated rows only. The generic pieces (lookup tables, the ISO and M49 tables, the label
lists both censuses share) come from ``floor_polars``; no censusmig code is used.

Weighted: ``value`` is the sum of the weight PWGT (Float64), ``n_unweighted`` the records.

Usage: ``python bench/floor_national.py FILE.parquet`` (prints the time and each table's size).
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from floor_polars import (  # noqa: E402  (the bench folder is not a package)
    AGE_5Y,
    AGE_BROAD,
    CIT_STATUS,
    EDUCATION,
    GENERATION,
    MAX_AGE,
    MIGRATORY,
    NATIVITY,
    PERIOD,
    REASON,
    RES5_AREA,
    RESIDENCE,
    SEX,
    U,
    X,
    Z,
    coded,
    iso_numeric,
    lut,
    m49_region,
)

CENSUS_YEAR = 2021
AUT, STATELESS = "AUT", "XXA"
OWN = 900
STATES = [str(code) for code in range(1, 10)] + [Z, U, X]
OLD_NUMBERS = {230: "ETH", 736: "SDN"}  # superseded ISO numbers the profile maps

RECIPE_IDS: tuple[str, ...] = (
    "nativity_age_sex",
    "foreign_born_country_of_birth_age_sex",
    "foreign_born_country_of_birth_education_sex",
    "citizenship_status_age_sex",
    "foreign_citizens_citizenship_age_sex",
    "foreign_citizens_citizenship_education_sex",
    "foreign_born_period_of_arrival_country_of_birth",
    "residence_1_year_ago_age_sex",
    "residence_5_years_ago_age_sex",
    "reason_for_migration_sex_age",
    "migratory_status_sex_age_region",
    "internal_lifetime_origin_destination",
    "internal_5_years_origin_destination",
    "generation_age_sex",
)
"""Every standard recipe: all 14 are reproduced, so the censusmig run selects none out."""


@functools.cache
def country_labels() -> list[str]:
    """Labels of the compact country code: every alpha-3, stateless, then ``_U`` and ``_X``."""
    return sorted(set(iso_numeric().values()) | {STATELESS}) + [U, X]


def _country(column: str, extra: Mapping[int, str], not_stated: int) -> pl.Expr:
    """Country code (position in :func:`country_labels`) of a numeric country column."""
    codes = {**iso_numeric(), **OLD_NUMBERS, OWN: AUT, **extra, not_stated: U}
    return coded(column, country_labels(), codes)


def _nativity(column: str) -> pl.Expr:
    """Native-born where the country of birth is Austria (900, or its ISO code 40)."""
    codes = {**iso_numeric(), **OLD_NUMBERS, OWN: AUT}
    table = {code: "native_born" if a3 == AUT else "foreign_born" for code, a3 in codes.items()}
    return coded(column, NATIVITY, table | {999: U})


def _in_order(column: str, labels: Sequence[str], na: int, ns: int) -> pl.Expr:
    """Source codes 1..k are the first k labels; ``na`` is not applicable, ``ns`` not stated."""
    regular = [label for label in labels if label not in (Z, U, X)]
    codes = {i: label for i, label in enumerate(regular, start=1)} | {na: Z, ns: U}
    return coded(column, labels, codes)


def derived(path: str) -> pl.LazyFrame:
    """The person file with every derived variable as a compact integer code."""
    labels = country_labels()
    ages = range(MAX_AGE + 1)
    age5 = {a: AGE_5Y[min(a // 5, 17)] for a in ages} | {999: U}
    broad = {a: AGE_BROAD[(a >= 15) + (a >= 25) + (a >= 65)] for a in ages} | {999: U}
    bounds = (1, 5, 10, 15, 20)  # lower bounds of the periods after "less than 1 year"
    period = {
        year: PERIOD[sum(CENSUS_YEAR - year >= low for low in bounds)]
        for year in range(1850, CENSUS_YEAR + 1)
    } | {8888: Z, 9999: U}
    region_of = m49_region()
    area_of_country = {
        i: RES5_AREA.index(region_of.get(a3, "abroad_O")) for i, a3 in enumerate(labels[:-2])
    } | {labels.index(U): RES5_AREA.index("abroad_U")}
    abroad = lut("_cnt5", area_of_country, RES5_AREA.index("abroad_X"), len(labels), 0)
    residence = {1: "same_dwelling", 2: "same_area", 3: "other_area", 4: "other_area"}
    res1 = residence | {5: "abroad", 8: Z, 9: U}
    res5 = residence | {8: Z, 9: U}
    isced = {0: "ED0", 10: "ED1", 20: "ED2", 34: "ED3", 35: "ED3", 44: "ED4", 45: "ED4"}
    educ = isced | dict.fromkeys((54, 55, 64, 74, 84), "ED5T8") | {88: Z, 99: U}
    reason = {1: "employment", 2: "family", 3: "family", 4: "education", 5: "humanitarian"}
    reason |= {6: "environment", 7: "other", 8: Z, 9: U}
    frame = pl.scan_parquet(path).with_columns(
        _nat=_nativity("COB"),
        _nat_m=_nativity("COB_MOTHER"),
        _nat_f=_nativity("COB_FATHER"),
        _cit=_country("CITIZ", {995: STATELESS}, 999),
        _cnt5=_country("COUNTRY_5Y", {888: U}, 999),  # not applicable is abroad_U as well
        country_of_birth=_country("COB", {}, 999),
        sex=coded("GENDER", SEX, {1: "M", 2: "F", 9: U}),
        age_group=coded("AGEY", AGE_5Y, age5),
        broad_age_group=coded("AGEY", AGE_BROAD, broad),
        period_of_arrival=coded("ARRIVAL_YR", PERIOD, period),
        education=coded("EDU_ISCED", EDUCATION, educ),
        residence_1_year_ago=coded("RES_1Y", RESIDENCE, res1),
        reason_for_migration=coded("MIG_REASON", REASON, reason),
        region_5_years_ago=_in_order("STATE_5Y", STATES, 88, 99),
        place_of_birth=_in_order("STATE_BIRTH", STATES, 88, 99),
        _res5_area=coded("RES_5Y", RES5_AREA, res5),
    )
    n, m, f = pl.col("_nat"), pl.col("_nat_m"), pl.col("_nat_f")
    native, foreign = NATIVITY.index("native_born"), NATIVITY.index("foreign_born")
    cit = pl.col("_cit")
    citizen = cit == labels.index(AUT)
    acq = pl.col("CIT_HOW")
    return frame.with_columns(
        nativity=n,
        citizenship=cit,
        citizenship_status=pl.when(citizen)
        .then(
            pl.when(acq == 1)
            .then(CIT_STATUS.index("citizen_by_birth"))
            .when(acq == 2)
            .then(CIT_STATUS.index("citizen_by_naturalisation"))
            .otherwise(CIT_STATUS.index("citizen_acquisition_not_stated"))
        )
        .when(cit == labels.index(STATELESS))
        .then(CIT_STATUS.index("stateless"))
        .when(cit == labels.index(U))
        .then(CIT_STATUS.index(U))
        .when(cit == labels.index(X))
        .then(CIT_STATUS.index(X))
        .otherwise(CIT_STATUS.index("foreign_citizen"))
        .cast(pl.UInt16),
        # nativity (native 0, foreign 1) x non-citizen (0, 1): the order of MIGRATORY
        migratory_status=pl.when((n == NATIVITY.index(X)) | (cit == labels.index(X)))
        .then(MIGRATORY.index(X))
        .when((n == NATIVITY.index(U)) | (cit == labels.index(U)))
        .then(MIGRATORY.index(U))
        .otherwise(n * 2 + (~citizen).cast(pl.UInt16))
        .cast(pl.UInt16),
        generation=pl.when(n == foreign)
        .then(GENERATION.index("first"))
        .when(n != native)
        .then(n + 2)  # nativity _U, _X -> generation _U, _X
        .when((m == foreign) & (f == foreign))
        .then(GENERATION.index("second_both"))
        .when((m == foreign) | (f == foreign))
        .then(GENERATION.index("second_one"))
        .when((m == native) & (f == native))
        .then(GENERATION.index("third_plus"))
        .otherwise(GENERATION.index(U))
        .cast(pl.UInt16),
        residence_5_years_ago_area=pl.when(pl.col("RES_5Y") == 5)
        .then(abroad)
        .otherwise(pl.col("_res5_area")),
        region=pl.col("STATE"),
        _recent=(
            ((n == foreign) & pl.col("ARRIVAL_YR").is_between(CENSUS_YEAR - 4, CENSUS_YEAR))
            | ((pl.col("RES_5Y") == 5) & pl.col("AGEY").is_between(5, MAX_AGE))
        ).fill_null(False),
    )


def _age_at_least(low: int) -> pl.Expr:
    return pl.col("AGEY").is_between(low, MAX_AGE)


FOREIGN_BORN = pl.col("_nat") == NATIVITY.index("foreign_born")
NON_CITIZEN = pl.col("citizenship_status").is_in(
    [CIT_STATUS.index("foreign_citizen"), CIT_STATUS.index("stateless")]
)

# recipe id -> (universe filter or None, inner dimension columns)
RECIPES: dict[str, tuple[pl.Expr | None, tuple[str, ...]]] = {
    "nativity_age_sex": (None, ("age_group", "sex", "nativity")),
    "foreign_born_country_of_birth_age_sex": (
        FOREIGN_BORN,
        ("country_of_birth", "sex", "age_group"),
    ),
    "foreign_born_country_of_birth_education_sex": (
        FOREIGN_BORN & _age_at_least(15),
        ("country_of_birth", "sex", "education"),
    ),
    "citizenship_status_age_sex": (None, ("age_group", "sex", "citizenship_status")),
    "foreign_citizens_citizenship_age_sex": (NON_CITIZEN, ("citizenship", "sex", "age_group")),
    "foreign_citizens_citizenship_education_sex": (
        NON_CITIZEN & _age_at_least(15),
        ("citizenship", "sex", "education"),
    ),
    "foreign_born_period_of_arrival_country_of_birth": (
        FOREIGN_BORN,
        ("country_of_birth", "broad_age_group", "sex", "period_of_arrival"),
    ),
    "residence_1_year_ago_age_sex": (
        _age_at_least(1),
        ("age_group", "sex", "residence_1_year_ago"),
    ),
    "residence_5_years_ago_age_sex": (
        _age_at_least(5),
        ("residence_5_years_ago_area", "sex", "age_group"),
    ),
    "reason_for_migration_sex_age": (
        pl.col("_recent"),
        ("reason_for_migration", "sex", "broad_age_group"),
    ),
    "migratory_status_sex_age_region": (
        None,
        ("region", "broad_age_group", "sex", "migratory_status"),
    ),
    "internal_lifetime_origin_destination": (
        pl.col("_nat") == NATIVITY.index("native_born"),
        ("place_of_birth", "region"),
    ),
    "internal_5_years_origin_destination": (
        _age_at_least(5) & pl.col("RES_5Y").is_in([1, 2, 3, 4]),
        ("region_5_years_ago", "region"),
    ),
    "generation_age_sex": (None, ("age_group", "sex", "generation")),
}
assert tuple(RECIPES) == RECIPE_IDS


def _labels() -> dict[str, list[str]]:
    return {
        "sex": SEX,
        "age_group": AGE_5Y,
        "broad_age_group": AGE_BROAD,
        "nativity": NATIVITY,
        "country_of_birth": country_labels(),
        "citizenship": country_labels(),
        "citizenship_status": CIT_STATUS,
        "migratory_status": MIGRATORY,
        "generation": GENERATION,
        "period_of_arrival": PERIOD,
        "education": EDUCATION,
        "residence_1_year_ago": RESIDENCE,
        "residence_5_years_ago_area": RES5_AREA,
        "reason_for_migration": REASON,
        "region_5_years_ago": STATES,
        "place_of_birth": STATES,
    }


def _labelled(column: str, labels: Mapping[str, list[str]]) -> pl.Expr:
    if column == "region":  # state of residence: the code as text, as written
        return pl.col(column).cast(pl.String)
    table = dict(enumerate(labels[column]))
    return pl.col(column).replace_strict(table, return_dtype=pl.String)


def floor_cells(path: str) -> dict[str, pl.DataFrame]:
    """Inner cells of the 14 tables: dimension codes (String), n_unweighted (Int64), value.

    ``value`` is the sum of the weights (Float64).
    """
    base = derived(path).cache()  # derive once, shared by the aggregations
    labels = _labels()
    plans = []
    for universe, keys in RECIPES.values():
        selected = base if universe is None else base.filter(universe)
        plans.append(
            selected.group_by(keys)
            .agg(pl.len().cast(pl.Int64).alias("n_unweighted"), pl.col("PWGT").sum().alias("value"))
            .select(*(_labelled(key, labels) for key in keys), "n_unweighted", "value")
        )
    return dict(zip(RECIPES, pl.collect_all(plans), strict=True))


if __name__ == "__main__":
    started = time.perf_counter()
    cells = floor_cells(sys.argv[1])
    print(f"{time.perf_counter() - started:.3f} s")
    for recipe, frame in cells.items():
        print(f"{recipe}: {frame.height} cells, {frame['n_unweighted'].sum()} records")
