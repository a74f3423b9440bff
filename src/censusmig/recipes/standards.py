"""The standards the recipes cite, by the short name their ``standard`` lines start with.

A recipe cites a standard as ``"<short name>: <topic>"`` (``"DYB: census questionnaire ..."``,
``"GCM 1(e): reason for migrating"``). The report, the workbook and ``recipes show`` explain
every short name they show from this one glossary (recipes layer, so that all three can read it).
"""

from __future__ import annotations

from collections.abc import Iterable

GLOSSARY: dict[str, str] = {
    "P&R Rev.3": (
        "United Nations, Principles and Recommendations for Population and Housing Censuses, "
        "Revision 3 (ST/ESA/STAT/SER.M/67/Rev.3), 2017"
    ),
    "Handbook": (
        "United Nations Statistics Division, Handbook on Measuring International Migration "
        "through Population Censuses (ST/ESA/STAT/SER.F/115), 2020"
    ),
    "DYB": (
        "United Nations Demographic Yearbook: its census questionnaires, the form in which "
        "countries report census results on international migration to the United Nations"
    ),
    "UN-MIG-1998": (
        "United Nations, Recommendations on Statistics of International Migration, Revision 1 "
        "(ST/ESA/STAT/SER.M/58/Rev.1), 1998"
    ),
    "EGM": (
        "United Nations Expert Group Meetings on migration statistics (2017, ESA/STAT/AC.339; "
        "2019 guidance note): disaggregation by migratory status"
    ),
    "GCM": (
        "Global Compact for Safe, Orderly and Regular Migration (General Assembly resolution "
        "73/195), 2018; 1(e) is objective 1, action (e), on the data to collect"
    ),
    "SDG": (
        "Sustainable Development Goals (General Assembly resolution 70/1), 2015; target 17.18 "
        "asks for data disaggregated by migratory status, sex, age and geography"
    ),
    "EU-2021": (
        "European Union census programme 2021: Commission Regulations (EU) 2017/543 and "
        "2017/712 (topics, breakdowns and reference year)"
    ),
    "ISCED 2011": (
        "UNESCO Institute for Statistics, International Standard Classification of Education "
        "2011 (levels of education)"
    ),
    "M49": (
        "United Nations Statistics Division, Standard country or area codes for statistical "
        "use (Series M, No. 49): regions and sub-regions"
    ),
    "ISO 3166": (
        "International Organization for Standardization, ISO 3166-1 (current) and ISO 3166-3 "
        "(former) country codes"
    ),
    "SDMX": (
        "Statistical Data and Metadata eXchange, content-oriented guidelines (code _T total, "
        "_U not stated, _Z not applicable)"
    ),
}
"""Short name -> full title of every standard a recipe may cite, in the order the glossary lists
them."""


def short_name(citation: str) -> str | None:
    """The glossary entry a ``standard`` line cites: the longest short name it starts with.

    Args:
        citation: A recipe's ``standard`` line, e.g. ``"GCM 1(e): reason for migrating"``.

    Returns:
        The short name (``"GCM"``), or None when the line cites no known standard.
    """
    head = citation.split(":", 1)[0].strip()
    found = [name for name in GLOSSARY if head == name or head.startswith(name + " ")]
    return max(found, key=len) if found else None


def cited(citations: Iterable[str]) -> dict[str, str]:
    """The glossary entries that ``citations`` name, in glossary order.

    Args:
        citations: ``standard`` lines of the published tables.

    Returns:
        Short name -> full title, only for the standards cited.
    """
    names = {short_name(citation) for citation in citations}
    return {name: title for name, title in GLOSSARY.items() if name in names}
