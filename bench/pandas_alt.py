"""The usual alternative: the 14 censusmig tables' inner cells as an analyst writes them in pandas.

Read the file with ``pd.read_parquet``, recode each variable with ``.map`` / ``np.select`` /
``pd.cut`` into readable string codes, then one ``groupby(...).size()`` per table. The sample
census profile's code tables are written out here. Uses no censusmig code.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

M49_CSV = Path(__file__).resolve().parents[1] / "src/censusmig/classifications/data/m49.csv"
CENSUS_YEAR = 2025
U, Z, X = "_U", "_Z", "_X"  # not stated, not applicable, a code in no list


def iso_numeric() -> dict[int, str]:
    """ISO 3166 numeric -> alpha-3: current codes win; among historic ones the oldest wins."""
    table: dict[int, str] = {}
    historic = sorted(
        pycountry.historic_countries, key=lambda r: getattr(r, "withdrawal_date", "") or ""
    )
    for record in historic:
        if getattr(record, "numeric", None):
            table.setdefault(int(record.numeric), record.alpha_3)
    for record in pycountry.countries:
        table[int(record.numeric)] = record.alpha_3
    return table


def m49_region() -> dict[str, str]:
    """Alpha-3 -> UN M49 region code ("019" for the Americas...)."""
    with M49_CSV.open(encoding="utf-8") as handle:
        return {row["alpha3"]: row["region"] for row in csv.DictReader(handle) if row["region"]}


def recode(column: pd.Series, codes: dict[int, str]) -> pd.Series:
    """Map codes to labels; missing values are not stated, codes in no list ``_X``."""
    return column.map(codes).where(column.notna(), U).fillna(X)


def age_groups(age: pd.Series, bins: list[int], labels: list[str]) -> pd.Series:
    """Age groups of valid ages (0-120); 999 or missing is not stated, anything else ``_X``."""
    valid = age.between(0, 120)
    groups = pd.cut(age.where(valid), bins=bins, labels=labels, right=False).astype(object)
    return groups.where(valid, np.where(age.isna() | (age == 999), U, X))


def nativity(pob: pd.Series, iso: dict[int, str]) -> pd.Series:
    """native_born (900), foreign_born (an ISO country), ``_U`` (998 or missing) or ``_X``."""
    return pd.Series(
        np.select(
            [pob == 900, pob.isin(list(iso)), pob.isna() | (pob == 998)],
            ["native_born", "foreign_born", U],
            X,
        ),
        index=pob.index,
    )


def derive(df: pd.DataFrame) -> pd.DataFrame:
    """Add every table dimension as a string column."""
    iso = iso_numeric()
    regions = m49_region()
    d = pd.DataFrame(index=df.index)
    d["sex"] = recode(df["SEX"], {1: "M", 2: "F", 9: U})
    five = [f"Y{low}T{low + 4}" for low in range(0, 85, 5)] + ["Y_GE85"]
    d["age_group"] = age_groups(df["AGE"], list(range(0, 90, 5)) + [121], five)
    d["broad_age_group"] = age_groups(
        df["AGE"], [0, 15, 25, 65, 121], ["Y0T14", "Y15T24", "Y25T64", "Y_GE65"]
    )
    age = df["AGE"].where(df["AGE"].between(0, 120))  # NaN when not stated or invalid

    d["nativity"] = nativity(df["POB"], iso)
    mother, father = nativity(df["MOTHER_POB"], iso), nativity(df["FATHER_POB"], iso)
    d["country_of_birth"] = recode(df["POB"], {**iso, 900: "QUE", 998: U})
    d["citizenship"] = recode(df["CIT"], {**iso, 900: "QUE", 997: "XXA", 998: U})

    cit, acq = df["CIT"], df["CIT_ACQ"]
    citizen = cit == 900
    d["citizenship_status"] = np.select(
        [
            citizen & (acq == 1),
            citizen & (acq == 2),
            citizen,
            cit == 997,
            cit.isin(list(iso)),
            cit.isna() | (cit == 998),
        ],
        [
            "citizen_by_birth",
            "citizen_by_naturalisation",
            "citizen_acquisition_not_stated",
            "stateless",
            "foreign_citizen",
            U,
        ],
        X,
    )

    nat = d["nativity"]
    d["migratory_status"] = np.select(
        [
            (nat == X) | (d["citizenship"] == X),
            (nat == U) | (d["citizenship"] == U),
            (nat == "native_born") & citizen,
            nat == "native_born",
            citizen,
        ],
        [X, U, "native_citizen", "native_non_citizen", "foreign_citizen"],
        "foreign_non_citizen",
    )

    foreign_parents = (mother == "foreign_born").astype(int) + (father == "foreign_born")
    d["generation"] = np.select(
        [
            nat == "foreign_born",
            nat != "native_born",
            foreign_parents == 2,
            foreign_parents == 1,
            (mother == "native_born") & (father == "native_born"),
        ],
        ["first", nat, "second_both", "second_one", "third_plus"],
        U,
    )

    yoa = df["YOA"]
    years = CENSUS_YEAR - yoa.where(yoa.between(1850, CENSUS_YEAR))
    period = pd.cut(
        years,
        bins=[0, 1, 5, 10, 15, 20, 1000],
        right=False,
        labels=["Y_LT1", "Y1T4", "Y5T9", "Y10T14", "Y15T19", "Y_GE20"],
    ).astype(object)
    d["period_of_arrival"] = period.where(
        years.notna(), np.select([yoa == 9998, yoa.isna() | (yoa == 9999)], [Z, U], X)
    )

    educ = {level: f"ED{level}" for level in range(5)} | dict.fromkeys(range(5, 9), "ED5T8")
    d["education"] = recode(df["EDUC"], {**educ, 88: Z, 99: U})
    residence = {1: "same_dwelling", 2: "same_area", 3: "other_area", 4: "other_area"}
    d["residence_1_year_ago"] = recode(df["RES1"], {**residence, 5: "abroad", 8: Z, 9: U})

    # Residence 5 years ago; abroad split by the M49 region of the country of residence.
    res5 = df["RES5"]
    country5 = recode(df["CNT5"], {**iso, 888: U, 998: U})
    region5 = country5.map(regions).fillna("abroad_O")
    region5 = region5.mask(country5 == U, "abroad_U").mask(country5 == X, "abroad_X")
    d["residence_5_years_ago_area"] = np.where(
        res5 == 5, region5, recode(res5, {**residence, 8: Z, 9: U})
    )

    reasons = ["employment", "family", "education", "humanitarian", "environment", "other"]
    reason_codes = dict(enumerate(reasons, start=1))
    d["reason_for_migration"] = recode(df["REASON"], {**reason_codes, 8: Z, 9: U})
    areas = {code: str(code) for code in range(1, 7)}
    d["region_5_years_ago"] = recode(df["REG5"], {**areas, 88: Z, 99: U})
    d["place_of_birth"] = recode(df["REGION_BIRTH"], {**areas, 88: Z, 99: U})
    d["region"] = df["REGION"].astype("Int64").astype(str).fillna(U)

    # Universe flags.
    d["age"] = age
    d["foreign_born"] = nat == "foreign_born"
    d["non_citizen"] = d["citizenship_status"].isin(["foreign_citizen", "stateless"])
    d["recent"] = (d["foreign_born"] & yoa.between(CENSUS_YEAR - 4, CENSUS_YEAR)) | (
        (res5 == 5) & (age >= 5)
    )
    d["lived_here_5_years_ago"] = res5.isin([1, 2, 3, 4])
    return d


TABLES: dict[str, tuple[str, list[str]]] = {
    "nativity_age_sex": ("", ["age_group", "sex", "nativity"]),
    "foreign_born_country_of_birth_age_sex": (
        "foreign_born",
        ["country_of_birth", "sex", "age_group"],
    ),
    "foreign_born_country_of_birth_education_sex": (
        "foreign_born and age >= 15",
        ["country_of_birth", "sex", "education"],
    ),
    "citizenship_status_age_sex": ("", ["age_group", "sex", "citizenship_status"]),
    "foreign_citizens_citizenship_age_sex": ("non_citizen", ["citizenship", "sex", "age_group"]),
    "foreign_citizens_citizenship_education_sex": (
        "non_citizen and age >= 15",
        ["citizenship", "sex", "education"],
    ),
    "foreign_born_period_of_arrival_country_of_birth": (
        "foreign_born",
        ["country_of_birth", "broad_age_group", "sex", "period_of_arrival"],
    ),
    "residence_1_year_ago_age_sex": ("age >= 1", ["age_group", "sex", "residence_1_year_ago"]),
    "residence_5_years_ago_age_sex": (
        "age >= 5",
        ["residence_5_years_ago_area", "sex", "age_group"],
    ),
    "reason_for_migration_sex_age": ("recent", ["reason_for_migration", "sex", "broad_age_group"]),
    "migratory_status_sex_age_region": (
        "",
        ["region", "broad_age_group", "sex", "migratory_status"],
    ),
    "internal_lifetime_origin_destination": (
        "nativity == 'native_born'",
        ["place_of_birth", "region"],
    ),
    "internal_5_years_origin_destination": (
        "age >= 5 and lived_here_5_years_ago",
        ["region_5_years_ago", "region"],
    ),
    "generation_age_sex": ("", ["age_group", "sex", "generation"]),
}


def pandas_cells(path: str) -> dict[str, pd.DataFrame]:
    """Inner cells of the 14 tables: dimension codes, n_unweighted and value (int64)."""
    d = derive(pd.read_parquet(path))
    cells = {}
    for recipe, (universe, keys) in TABLES.items():
        selected = d.query(universe) if universe else d
        counts = selected.groupby(keys).size().reset_index(name="n_unweighted")
        counts["n_unweighted"] = counts["n_unweighted"].astype("int64")
        counts["value"] = counts["n_unweighted"]
        cells[recipe] = counts
    return cells


if __name__ == "__main__":
    started = time.perf_counter()
    result = pandas_cells(sys.argv[1])
    print(f"{time.perf_counter() - started:.3f} s")
    for recipe, frame in result.items():
        print(f"{recipe}: {len(frame)} cells, {frame['n_unweighted'].sum()} records")
