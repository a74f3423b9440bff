"""The standards the recipes cite, by the abbreviation their ``standard`` lines use.

Data only: the workbook's notes sheet and the report's glossary list it as it is.
"""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    "DYB": (
        "United Nations Demographic Yearbook: the census data collection questionnaires "
        "(here, the questionnaire on international migration)"
    ),
    "EGM": (
        "United Nations Expert Group Meeting recommendations on improving migration data: "
        "disaggregation by migratory status (nativity and citizenship) and the second generation"
    ),
    "EU-2021": (
        "European Union 2021 population and housing census programme (Commission "
        "Regulations (EU) 2017/543 and 2017/712)"
    ),
    "GCM": (
        "Global Compact for Safe, Orderly and Regular Migration (United Nations, 2018); "
        "1(e) is objective 1, action (e), on census data on migration"
    ),
    "Handbook": (
        "United Nations Handbook on Measuring International Migration through Population "
        "Censuses (2017)"
    ),
    "ISCED 2011": "UNESCO International Standard Classification of Education 2011",
    "M49": "United Nations Standard Country or Area Codes for Statistical Use (M49)",
    "P&R Rev.3": (
        "United Nations Principles and Recommendations for Population and Housing Censuses, "
        "Revision 3 (2017)"
    ),
    "SDG 17.18": (
        "Sustainable Development Goals, target 17.18: data disaggregated by income, gender, "
        "age, race, ethnicity, migratory status, disability, geographic location and other "
        "characteristics"
    ),
}
"""Abbreviation -> full title, in alphabetical order of the abbreviation."""
