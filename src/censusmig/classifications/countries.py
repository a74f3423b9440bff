"""Country codes: ISO 3166-1 and -3 via pycountry, UN M49 regions from a bundled table.

The M49 table (``data/m49.csv``) places every ISO 3166-1 country and the ISO 3166-3 historic codes
in their UN M49 region, sub-region and intermediate region. Source: UN Statistics Division,
Standard country or area codes for statistical use (M49); built by ``scripts/build_m49.py``.

Country names are the M49 English names ("Country or Area"), so that tables name countries as
the UN does ("Republic of Korea", "State of Palestine", "Bolivia (Plurinational State of)"):
pycountry's names (ISO 3166 short names, or their common names) are used where they are the
same, and ``data/m49_names.csv`` lists the M49 names that differ. Source: UN Statistics
Division, M49 overview, English names, https://unstats.un.org/unsd/methodology/m49/overview/
(checked 2026-12). Taiwan (158), which M49 does not list, is named as UN DESA's World
Population Prospects name it ("China, Taiwan Province of China"). Historic ISO 3166-3 codes
keep pycountry's names.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
from dataclasses import dataclass

CODE_SYSTEMS: tuple[str, ...] = ("iso3166-numeric", "iso3166-alpha2", "iso3166-alpha3")

STATELESS = "XXA"
"""ICAO Doc 9303 code for a stateless person, used as the 'country' of citizenship."""

ABROAD_NOT_STATED = "abroad_U"
"""A country code for "abroad, country not stated": a profile maps to it a source code that
says only that the place is outside the census country ("born abroad", "Europe, ns", "at sea").

It counts as foreign (foreign-born, foreign citizen, abroad) and is placed under the region
"not stated" (``_U``), as residence abroad with the country not stated is (``abroad_U``).
"""

M49_REGIONS: dict[str, str] = {
    "002": "Africa",
    "019": "Americas",
    "142": "Asia",
    "150": "Europe",
    "009": "Oceania",
}

M49_SUBREGIONS: dict[str, str] = {
    "015": "Northern Africa",
    "202": "Sub-Saharan Africa",
    "419": "Latin America and the Caribbean",
    "021": "Northern America",
    "143": "Central Asia",
    "030": "Eastern Asia",
    "035": "South-eastern Asia",
    "034": "Southern Asia",
    "145": "Western Asia",
    "151": "Eastern Europe",
    "154": "Northern Europe",
    "039": "Southern Europe",
    "155": "Western Europe",
    "053": "Australia and New Zealand",
    "054": "Melanesia",
    "057": "Micronesia",
    "061": "Polynesia",
}


@dataclass(frozen=True)
class Country:
    """A country or area as censusmig writes it.

    Attributes:
        alpha3: ISO 3166 alpha-3 code (current or historic), the code in every output.
        name: English short name.
        region: M49 region code, or "" when M49 does not place it.
        historic: True for ISO 3166-3 codes of countries that no longer exist.
    """

    alpha3: str
    name: str
    region: str
    historic: bool = False


@functools.cache
def _m49_regions() -> dict[str, str]:
    source = importlib.resources.files("censusmig.classifications") / "data" / "m49.csv"
    with source.open(encoding="utf-8") as handle:
        return {row["alpha3"]: row["region"] for row in csv.DictReader(handle)}


@functools.cache
def m49_names() -> dict[str, str]:
    """Alpha-3 code -> M49 English name, for the countries where it differs from pycountry's."""
    source = importlib.resources.files("censusmig.classifications") / "data" / "m49_names.csv"
    with source.open(encoding="utf-8") as handle:
        return {row["alpha3"]: row["name"] for row in csv.DictReader(handle)}


@functools.cache
def countries() -> dict[str, Country]:
    """Every known country and area by alpha-3 code, historic codes included (M49 names)."""
    import pycountry  # loaded on first use: the command line starts without it

    regions = _m49_regions()
    names = m49_names()
    table: dict[str, Country] = {}
    for record in pycountry.historic_countries:
        table[record.alpha_3] = Country(
            record.alpha_3, record.name, regions.get(record.alpha_3, ""), historic=True
        )
    for record in pycountry.countries:
        name = names.get(record.alpha_3) or getattr(record, "common_name", None) or record.name
        table[record.alpha_3] = Country(record.alpha_3, name, regions.get(record.alpha_3, ""))
    table[STATELESS] = Country(STATELESS, "Stateless", "")
    return table


@functools.cache
def code_map(system: str) -> dict[str, str]:
    """Map every code of an ISO code system to its alpha-3 code.

    Numeric codes are matched without leading zeros ("32" and "032" both mean Argentina).
    Where a historic numeric code was reused by a current country, the current one wins; where
    two historic countries share a number (891: Yugoslavia, then Serbia and Montenegro), the
    older one wins.

    Args:
        system: One of :data:`CODE_SYSTEMS`.

    Returns:
        Source code -> alpha-3.
    """
    import pycountry

    mapping: dict[str, str] = {}
    by_withdrawal = sorted(
        pycountry.historic_countries, key=lambda r: getattr(r, "withdrawal_date", "") or ""
    )
    for record in by_withdrawal:
        key = _system_key(record, system)
        if key is not None and key not in mapping:
            mapping[key] = record.alpha_3
    for record in pycountry.countries:
        key = _system_key(record, system)
        if key is not None:
            mapping[key] = record.alpha_3
    return mapping


def _system_key(record: object, system: str) -> str | None:
    if system == "iso3166-numeric":
        numeric = getattr(record, "numeric", None)
        return str(int(numeric)) if numeric else None
    if system == "iso3166-alpha2":
        return getattr(record, "alpha_2", None)
    if system == "iso3166-alpha3":
        return getattr(record, "alpha_3", None)
    raise ValueError(f"unknown country code system {system!r}")


def normalise_numeric(code: str) -> str:
    """Strip leading zeros from a numeric code so that "032" and "32" match."""
    return str(int(code)) if code.strip().isdigit() else code


def region_labels() -> dict[str, str]:
    """M49 region code -> English name."""
    return dict(M49_REGIONS)
