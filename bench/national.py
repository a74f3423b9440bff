"""A synthetic census file in the style of a national statistics office's microdata file.

The benchmark's second layout, so that censusmig is not tuned to its own sample census: the
census country is Austria (the profile is ``bench/national.profile.toml``), every field is a
number as a national codebook writes it, and nothing is laid out like the sample:

- the own country is coded 900 (not its ISO code 040) in every country field;
- origins are ISO 3166 numeric codes, historic ones included for persons old enough to have
  been born there (810 USSR, 891 Yugoslavia, 200 Czechoslovakia, 278 German Democratic
  Republic, 720 Democratic Yemen, 530 Netherlands Antilles), and two superseded numbers the
  office kept (230 Ethiopia, 736 Sudan), which the profile maps to today's codes;
- "not stated" is all nines for the field's width (9, 99, 999, 9999), "not applicable" all
  eights (8, 88, 888, 8888); 995 is "stateless";
- a weight (PWGT, about 10 with two decimals: a 10 % sample grossed up);
- education in two-digit ISCED-A attainment codes (0, 10, 20, 34, 35, 44, 45, 54 ... 84);
- residence one and five years ago in the detailed P&R classes (same dwelling, same
  municipality, another municipality of the same state, another state, abroad);
- reason for migration in seven national codes (marriage apart from family reunion).

A small dirt rate keeps the edit checks and the unknown-code paths busy: a few codes in no
list (sex 3, age 150, country 412 and 996, education 30, year of arrival 2023 and 1820), a
few foreign-born persons without a year of arrival, about 1 % not stated per field.

Deterministic: the same ``persons`` and ``seed`` give the same file (the records are drawn in
chunks of :data:`CHUNK` with one random stream per chunk, so memory stays bounded at any
size). About 1.5-3 s per million persons, Parquet writing included (28 s for 10M on a
busy 2-core machine).

Usage: ``python bench/national.py --persons 10000000 --seed 13 --out FILE.parquet``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 1_000_000
"""Records drawn per random stream (and per Parquet row group)."""

CENSUS_YEAR = 2021
OWN = 900
STATELESS = 995

STATES = np.arange(1, 10)
STATE_SHARES = np.array([0.033, 0.063, 0.190, 0.168, 0.063, 0.140, 0.085, 0.045, 0.213])
"""Burgenland, Kärnten, Niederösterreich, Oberösterreich, Salzburg, Steiermark, Tirol,
Vorarlberg, Wien (codes 1 to 9)."""

# Country of birth of the foreign-born: ISO numeric code -> share (renormalised).
ORIGINS: dict[int, float] = {
    276: 0.13,
    70: 0.08,
    688: 0.07,
    792: 0.07,
    642: 0.08,
    616: 0.04,
    348: 0.04,
    191: 0.035,
    760: 0.04,
    4: 0.03,
    703: 0.02,
    203: 0.02,
    643: 0.02,
    804: 0.03,
    380: 0.015,
    100: 0.02,
    705: 0.01,
    807: 0.01,
    364: 0.01,
    368: 0.01,
    756: 0.005,
    840: 0.005,
    156: 0.008,
    356: 0.007,
    608: 0.006,
    818: 0.005,
    566: 0.004,
    231: 0.002,
    729: 0.002,
    499: 0.003,
    8: 0.003,
    250: 0.004,
    528: 0.003,
    826: 0.004,
    724: 0.002,
    620: 0.001,
    300: 0.002,
    32: 0.001,
    76: 0.002,
    484: 0.001,
    124: 0.001,
    36: 0.001,
    392: 0.001,
    410: 0.001,
    704: 0.002,
    50: 0.001,
    586: 0.002,
    706: 0.002,
    12: 0.001,
    504: 0.001,
    788: 0.001,
    400: 0.001,
    422: 0.001,
    51: 0.001,
    268: 0.002,
    31: 0.001,
    398: 0.001,
    860: 0.001,
    112: 0.002,
    498: 0.002,
    440: 0.001,
    428: 0.001,
    233: 0.001,
    246: 0.001,
    752: 0.001,
    208: 0.001,
    578: 0.001,
    372: 0.001,
    56: 0.002,
    442: 0.001,
    438: 0.0005,
    # historic ISO 3166-3 codes (born before the state split or merged)
    891: 0.06,
    810: 0.012,
    200: 0.01,
    278: 0.005,
    720: 0.0005,
    530: 0.0005,
    # numbers the office kept after ISO changed them (mapped by the profile)
    230: 0.0005,
    736: 0.0005,
}
SUCCESSOR: dict[int, int] = {
    891: 688,
    810: 643,
    200: 203,
    278: 276,
    720: 887,
    530: 531,
    230: 231,
    736: 729,
}
"""Historic or superseded code -> today's code: for the young, and for citizenship."""
ORIGIN_CODES = np.array(list(ORIGINS))
ORIGIN_SHARES = np.array(list(ORIGINS.values()))

ISCED_A = np.array([0, 10, 20, 34, 35, 44, 45, 54, 55, 64, 74, 84])
ISCED_SHARES = np.array([0.02, 0.06, 0.16, 0.25, 0.14, 0.03, 0.02, 0.08, 0.02, 0.10, 0.09, 0.03])
REASONS = np.arange(1, 8)
REASON_SHARES = np.array([0.30, 0.22, 0.06, 0.10, 0.22, 0.01, 0.09])
"""Work, family reunion, marriage, study, asylum or protection, environment, other."""

COLUMNS = (
    "PERSNR", "HHNR", "PWGT", "STATE", "GENDER", "AGEY", "COB", "STATE_BIRTH", "CITIZ",
    "CIT_HOW", "ARRIVAL_YR", "RES_1Y", "RES_5Y", "STATE_5Y", "COUNTRY_5Y", "MIG_REASON",
    "COB_MOTHER", "COB_FATHER", "EDU_ISCED",
)  # fmt: skip


def _age_shares() -> np.ndarray:
    """Ages 0 to 105: flat to 55, then falling linearly to nothing."""
    ages = np.arange(106)
    shares = np.where(ages <= 55, 1.0, np.clip((106 - ages) / 51, 0.0, 1.0) ** 1.5)
    return shares / shares.sum()


def _dirt(rng: np.random.Generator, values: np.ndarray, rate: float, code: int) -> None:
    """Replace about a share ``rate`` of ``values`` by ``code`` (a not-stated or unknown code)."""
    values[rng.integers(0, values.size, rng.binomial(values.size, rate))] = code


def _successor(codes: np.ndarray) -> np.ndarray:
    out = codes.copy()
    for old, new in SUCCESSOR.items():
        out[codes == old] = new
    return out


def chunk(persons: int, first: int, seed: int, index: int) -> pa.Table:
    """One chunk of ``persons`` records, numbered from ``first``, from stream (seed, index)."""
    rng = np.random.default_rng([seed, index])
    n = persons

    def draw(values: np.ndarray, shares: np.ndarray) -> np.ndarray:
        return rng.choice(values, size=n, p=shares / shares.sum())

    ids = np.arange(first, first + n, dtype=np.int64)
    household = first + np.repeat(np.arange(n), rng.integers(1, 6, n))[:n]
    weight = np.round(10.0 * rng.lognormal(0.0, 0.12, n), 2)
    state = draw(STATES, STATE_SHARES)
    sex = np.where(rng.random(n) < 0.507, 2, 1)
    age = draw(np.arange(106), _age_shares())

    foreign = rng.random(n) < np.where(age < 15, 0.08, np.where(age < 65, 0.26, 0.14))
    origin = draw(ORIGIN_CODES, ORIGIN_SHARES)
    born_after_split = age < 30
    origin = np.where(born_after_split, _successor(origin), origin)
    cob = np.where(foreign, origin, OWN)

    born_elsewhere = rng.random(n) < 0.30
    state_birth = np.where(foreign, 88, np.where(born_elsewhere, draw(STATES, STATE_SHARES), state))

    # Year of arrival: some time between birth and the census; returning natives too.
    returned = ~foreign & (rng.random(n) < 0.03) & (age > 0)
    years_here = np.floor(rng.random(n) * np.minimum(age + 1, 60)).astype(np.int64)
    years_here = np.where(
        rng.random(n) < 0.35, np.minimum(years_here, rng.integers(0, 8, n)), years_here
    )
    arrival = np.where(foreign | returned, CENSUS_YEAR - np.minimum(years_here, age), 8888)
    recent = (foreign | returned) & (arrival > CENSUS_YEAR - 5)

    naturalised = foreign & (rng.random(n) < np.clip((CENSUS_YEAR - arrival) / 40, 0, 0.7))
    foreign_citizen = ~foreign & (rng.random(n) < 0.02)
    citizenship = np.where(
        foreign,
        np.where(naturalised, OWN, _successor(origin)),
        np.where(foreign_citizen, _successor(draw(ORIGIN_CODES, ORIGIN_SHARES)), OWN),
    )
    citizenship = np.where(rng.random(n) < 0.004, STATELESS, citizenship)
    cit_how = np.where(
        citizenship == OWN, np.where(rng.random(n) < np.where(foreign, 0.97, 0.01), 2, 1), 8
    )

    res_1y = draw(np.arange(1, 5), np.array([0.88, 0.06, 0.035, 0.025]))
    res_1y = np.where(recent & (arrival >= CENSUS_YEAR), 5, res_1y)
    res_1y = np.where(age < 1, 8, res_1y)
    res_5y = draw(np.arange(1, 5), np.array([0.66, 0.17, 0.09, 0.08]))
    res_5y = np.where(recent, 5, res_5y)
    res_5y = np.where(age < 5, np.where(rng.random(n) < 0.0005, 1, 8), res_5y)  # a few stated
    other_state = (state + rng.integers(1, 9, n) - 1) % 9 + 1
    state_5y = np.select([res_5y <= 3, res_5y == 4], [state, other_state], 88)
    country_5y = np.where(
        res_5y == 5,
        np.where(
            foreign & (rng.random(n) < 0.85),
            _successor(origin),
            _successor(draw(ORIGIN_CODES, ORIGIN_SHARES)),
        ),
        888,
    )
    asked = foreign | returned | (res_5y == 5)
    reason = np.where(asked, draw(REASONS, REASON_SHARES), 8)
    reason = np.where(returned & (rng.random(n) < 0.01), 8, reason)  # a return left unexplained

    parent_mix = rng.random(n)
    mother = np.where(
        foreign,
        np.where(parent_mix < 0.95, origin, OWN),
        np.where(parent_mix < 0.06, _successor(draw(ORIGIN_CODES, ORIGIN_SHARES)), OWN),
    )
    father = np.where(
        foreign,
        np.where(rng.random(n) < 0.93, origin, OWN),
        np.where(
            parent_mix < 0.04,
            mother,
            np.where(rng.random(n) < 0.05, _successor(draw(ORIGIN_CODES, ORIGIN_SHARES)), OWN),
        ),
    )
    education = np.where(age < 15, 88, draw(ISCED_A, ISCED_SHARES))

    # Not stated (all nines) and codes in no list: the dirt of a real file.
    _dirt(rng, sex, 0.0005, 9)
    _dirt(rng, sex, 0.00002, 3)
    _dirt(rng, age, 0.001, 999)
    _dirt(rng, age, 0.00002, 150)
    _dirt(rng, cob, 0.003, 999)
    _dirt(rng, cob, 0.00005, 412)  # Kosovo in the office's own list: no ISO 3166 code
    _dirt(rng, cob, 0.00002, 996)
    _dirt(rng, state_birth, 0.005, 99)
    _dirt(rng, citizenship, 0.003, 999)
    _dirt(rng, cit_how, 0.002, 9)
    arrival = np.where(foreign & (rng.random(n) < 0.01), 9999, arrival)
    arrival = np.where(foreign & (rng.random(n) < 0.0003), 8888, arrival)
    _dirt(rng, arrival, 0.00002, 2023)
    _dirt(rng, arrival, 0.00001, 1820)
    _dirt(rng, res_1y, 0.004, 9)
    _dirt(rng, res_5y, 0.008, 9)
    state_5y = np.where(res_5y == 9, 99, state_5y)
    _dirt(rng, state_5y, 0.002, 99)
    country_5y = np.where((res_5y == 5) & (rng.random(n) < 0.01), 999, country_5y)
    country_5y = np.where(res_5y == 9, 888, country_5y)
    reason = np.where(asked & (rng.random(n) < 0.03), 9, reason)
    _dirt(rng, mother, 0.02, 999)
    _dirt(rng, father, 0.03, 999)
    _dirt(rng, education, 0.01, 99)
    _dirt(rng, education, 0.00005, 30)

    int16 = pa.int16()
    columns = {
        "PERSNR": pa.array(ids, pa.int64()),
        "HHNR": pa.array(household, pa.int64()),
        "PWGT": pa.array(weight, pa.float64()),
        "STATE": state, "GENDER": sex, "AGEY": age, "COB": cob, "STATE_BIRTH": state_birth,
        "CITIZ": citizenship, "CIT_HOW": cit_how, "ARRIVAL_YR": arrival, "RES_1Y": res_1y,
        "RES_5Y": res_5y, "STATE_5Y": state_5y, "COUNTRY_5Y": country_5y,
        "MIG_REASON": reason, "COB_MOTHER": mother, "COB_FATHER": father,
        "EDU_ISCED": education,
    }  # fmt: skip
    arrays = [
        value if isinstance(value, pa.Array) else pa.array(value.astype(np.int16), int16)
        for value in columns.values()
    ]
    return pa.table(arrays, names=list(COLUMNS))


def write_national(path: Path, persons: int, seed: int) -> Path:
    """Write a national-layout file of ``persons`` records to ``path`` (Parquet, zstd).

    Args:
        path: The Parquet file; written under a temporary name, then renamed.
        persons: Number of person records.
        seed: Random seed; the same persons and seed give the same file.

    Returns:
        ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    writer: pq.ParquetWriter | None = None
    try:
        for index, first in enumerate(range(0, persons, CHUNK)):
            table = chunk(min(CHUNK, persons - first), first + 1, seed, index)
            if writer is None:
                writer = pq.ParquetWriter(partial, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=CHUNK)
    finally:
        if writer is not None:
            writer.close()
    partial.rename(path)
    return path


def main() -> None:
    """Command line: write one file and say how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, required=True)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    write_national(args.out, args.persons, args.seed)
    seconds = time.perf_counter() - started
    size = args.out.stat().st_size / 1e6
    print(
        f"{args.out}: {args.persons:,} persons, {size:,.0f} MB in {seconds:.1f} s", file=sys.stderr
    )


if __name__ == "__main__":
    main()
