"""The floor: the 14 censusmig tables' inner cells, hand-written in Polars for speed.

What an expert would write for this one census (the sample census of Quetzalia): the profile's
code tables are hard-coded, every derived variable is a small integer code computed from a
lookup table (a ``gather`` into a literal Series), each table is a ``group_by`` over those codes,
and the 14 aggregations run in one ``pl.collect_all`` that shares the scan. Labels (the codes
censusmig writes) are attached to the few aggregated rows only. Uses no censusmig code.
"""

from __future__ import annotations

import csv
import functools
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl
import pycountry

M49_CSV = Path(__file__).resolve().parents[1] / "src/censusmig/classifications/data/m49.csv"

U, Z, X = "_U", "_Z", "_X"  # not stated, not applicable, a code in no list
CENSUS_YEAR = 2025
MAX_AGE = 120
QUE, STATELESS = "QUE", "XXA"

# --- labels of the compact codes: position in the list = code --------------------------------
SEX = ["M", "F", U, X]
AGE_5Y = [f"Y{low}T{low + 4}" for low in range(0, 85, 5)] + ["Y_GE85", U, X]
AGE_BROAD = ["Y0T14", "Y15T24", "Y25T64", "Y_GE65", U, X]
NATIVITY = ["native_born", "foreign_born", U, X]
CIT_STATUS = [
    "citizen_by_birth",
    "citizen_by_naturalisation",
    "citizen_acquisition_not_stated",
    "foreign_citizen",
    "stateless",
    U,
    X,
]
MIGRATORY = ["native_citizen", "native_non_citizen", "foreign_citizen", "foreign_non_citizen"]
MIGRATORY += [U, X]
GENERATION = ["first", "second_both", "second_one", "third_plus", U, X]
PERIOD = ["Y_LT1", "Y1T4", "Y5T9", "Y10T14", "Y15T19", "Y_GE20", Z, U, X]
EDUCATION = ["ED0", "ED1", "ED2", "ED3", "ED4", "ED5T8", Z, U, X]
RESIDENCE = ["same_dwelling", "same_area", "other_area", "abroad", Z, U, X]
M49 = ["002", "009", "019", "142", "150"]
RES5_AREA = ["same_dwelling", "same_area", "other_area", *M49]
RES5_AREA += ["abroad_O", "abroad_U", "abroad_X", Z, U, X]
REASON = ["employment", "family", "education", "humanitarian", "environment", "other", Z, U, X]
AREA = ["1", "2", "3", "4", "5", "6", Z, U, X]


@functools.cache
def iso_numeric() -> dict[int, str]:
    """ISO 3166 numeric -> alpha-3: current codes win; among historic ones the oldest wins."""
    table: dict[int, str] = {}
    historic = sorted(
        pycountry.historic_countries, key=lambda r: getattr(r, "withdrawal_date", "") or ""
    )
    for record in historic:
        numeric = getattr(record, "numeric", None)
        if numeric:
            table.setdefault(int(numeric), record.alpha_3)
    for record in pycountry.countries:
        table[int(record.numeric)] = record.alpha_3
    return table


@functools.cache
def m49_region() -> dict[str, str]:
    """Alpha-3 -> UN M49 region code, from censusmig's bundled table (data, not code)."""
    with M49_CSV.open(encoding="utf-8") as handle:
        return {row["alpha3"]: row["region"] for row in csv.DictReader(handle) if row["region"]}


@functools.cache
def country_labels() -> list[str]:
    """Labels of the compact country code: every alpha-3, the census country, XXA, specials."""
    return sorted(set(iso_numeric().values()) | {QUE, STATELESS}) + [U, X]


def lut(column: str, table: Mapping[int, int], default: int, high: int, null: int) -> pl.Expr:
    """Recode an integer column through a lookup table indexed by the codes 0..high.

    Source codes outside 0..high get ``default``, nulls get ``null``.
    """
    values = [default] * (high + 2) + [null]
    for code, value in table.items():
        values[code] = value
    source = pl.col(column)
    index = (
        pl.when(source.is_null())
        .then(high + 2)
        .when(source.is_between(0, high))
        .then(source)
        .otherwise(high + 1)
    )
    return pl.lit(pl.Series(values, dtype=pl.UInt16)).gather(index)


def coded(column: str, labels: Sequence[str], codes: Mapping[int, str]) -> pl.Expr:
    """Code of a categorical column: source code -> position of its label; nulls ``_U``.

    Source codes not in ``codes`` are ``_X`` (a code in no list).
    """
    table = {code: labels.index(label) for code, label in codes.items()}
    return lut(column, table, labels.index(X), max(codes), labels.index(U))


def _country(column: str, extra: Mapping[int, str], not_stated: int) -> pl.Expr:
    """Country code (position in :func:`country_labels`) of an ISO numeric column."""
    return coded(column, country_labels(), {**iso_numeric(), **extra, not_stated: U})


def _nativity(column: str) -> pl.Expr:
    """Nativity code of a country-of-birth column: 900 native-born, any ISO code foreign-born."""
    codes = dict.fromkeys(iso_numeric(), "foreign_born") | {900: "native_born", 998: U}
    return coded(column, NATIVITY, codes)


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
    } | {9998: Z, 9999: U}
    # Residence 5 years ago: the type, or for "abroad" the M49 region of the country.
    region_of = m49_region()
    area_of_country = {
        i: RES5_AREA.index(region_of.get(a3, "abroad_O")) for i, a3 in enumerate(labels[:-2])
    } | {labels.index(U): RES5_AREA.index("abroad_U")}
    abroad = lut("_cnt5", area_of_country, RES5_AREA.index("abroad_X"), len(labels), 0)
    res5 = {1: "same_dwelling", 2: "same_area", 3: "other_area", 4: "other_area", 8: Z, 9: U}
    res5_area = coded("RES5", RES5_AREA, res5)
    res1 = {1: "same_dwelling", 2: "same_area", 3: "other_area", 4: "other_area", 5: "abroad"}
    educ = {level: EDUCATION[min(level, 5)] for level in range(9)} | {88: Z, 99: U}
    cit, acq = pl.col("CIT"), pl.col("CIT_ACQ")
    citizen = (cit == 900).fill_null(False)
    frame = pl.scan_parquet(path).with_columns(
        _nat=_nativity("POB"),
        _nat_m=_nativity("MOTHER_POB"),
        _nat_f=_nativity("FATHER_POB"),
        _cit=_country("CIT", {900: QUE, 997: STATELESS}, 998),
        _cnt5=_country("CNT5", {888: U}, 998),  # not applicable counts as not stated
        country_of_birth=_country("POB", {900: QUE}, 998),
        sex=coded("SEX", SEX, {1: "M", 2: "F", 9: U}),
        age_group=coded("AGE", AGE_5Y, age5),
        broad_age_group=coded("AGE", AGE_BROAD, broad),
        period_of_arrival=coded("YOA", PERIOD, period),
        education=coded("EDUC", EDUCATION, educ),
        residence_1_year_ago=coded("RES1", RESIDENCE, res1 | {8: Z, 9: U}),
        reason_for_migration=_in_order("REASON", REASON, 8, 9),
        region_5_years_ago=_in_order("REG5", AREA, 88, 99),
        place_of_birth=_in_order("REGION_BIRTH", AREA, 88, 99),
        region=pl.col("REGION"),
        citizenship_status=pl.when(citizen)
        .then(
            pl.when(acq == 1)
            .then(CIT_STATUS.index("citizen_by_birth"))
            .when(acq == 2)
            .then(CIT_STATUS.index("citizen_by_naturalisation"))
            .otherwise(CIT_STATUS.index("citizen_acquisition_not_stated"))
        )
        .when(cit == 997)
        .then(CIT_STATUS.index("stateless"))
        .when(cit.is_in(list(iso_numeric())))
        .then(CIT_STATUS.index("foreign_citizen"))
        .when((cit == 998) | cit.is_null())
        .then(CIT_STATUS.index(U))
        .otherwise(CIT_STATUS.index(X))
        .cast(pl.UInt16),
        _non_citizen=(~citizen).cast(pl.UInt16),
        _res5_area=res5_area,
    )
    n, m, f = pl.col("_nat"), pl.col("_nat_m"), pl.col("_nat_f")
    native, foreign = NATIVITY.index("native_born"), NATIVITY.index("foreign_born")
    cit_code = pl.col("_cit")
    return frame.with_columns(
        nativity=n,
        citizenship=cit_code,
        # nativity (native 0, foreign 1) x non-citizen (0, 1): the order of MIGRATORY
        migratory_status=pl.when((n == NATIVITY.index(X)) | (cit_code == labels.index(X)))
        .then(MIGRATORY.index(X))
        .when((n == NATIVITY.index(U)) | (cit_code == labels.index(U)))
        .then(MIGRATORY.index(U))
        .otherwise(n * 2 + pl.col("_non_citizen"))
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
        residence_5_years_ago_area=pl.when(pl.col("RES5") == 5)
        .then(abroad)
        .otherwise(pl.col("_res5_area")),
        _recent=(
            ((n == foreign) & pl.col("YOA").is_between(CENSUS_YEAR - 4, CENSUS_YEAR))
            | ((pl.col("RES5") == 5) & pl.col("AGE").is_between(5, MAX_AGE))
        ).fill_null(False),
    )


def _age_at_least(low: int) -> pl.Expr:
    return pl.col("AGE").is_between(low, MAX_AGE)


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
        _age_at_least(5) & pl.col("RES5").is_in([1, 2, 3, 4]),
        ("region_5_years_ago", "region"),
    ),
    "generation_age_sex": (None, ("age_group", "sex", "generation")),
}


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
        "region_5_years_ago": AREA,
        "place_of_birth": AREA,
    }


def _labelled(column: str, labels: Mapping[str, list[str]]) -> pl.Expr:
    if column == "region":  # region of residence: the code as text, as written
        return pl.col(column).cast(pl.String).fill_null(U)
    table = dict(enumerate(labels[column]))
    return pl.col(column).replace_strict(table, return_dtype=pl.String)


def floor_cells(path: str) -> dict[str, pl.DataFrame]:
    """Inner cells of the 14 tables: dimension codes (String), n_unweighted and value (Int64)."""
    base = derived(path).cache()  # derive once, shared by the 14 aggregations
    labels = _labels()
    plans = []
    for universe, keys in RECIPES.values():
        selected = base if universe is None else base.filter(universe)
        plans.append(
            selected.group_by(keys)
            .agg(pl.len().cast(pl.Int64).alias("n_unweighted"))
            .select(
                *(_labelled(key, labels) for key in keys),
                "n_unweighted",
                pl.col("n_unweighted").alias("value"),
            )
        )
    return dict(zip(RECIPES, pl.collect_all(plans), strict=True))


if __name__ == "__main__":
    started = time.perf_counter()
    cells = floor_cells(sys.argv[1])
    print(f"{time.perf_counter() - started:.3f} s")
    for recipe, frame in cells.items():
        print(f"{recipe}: {frame.height} cells, {frame['n_unweighted'].sum()} records")
