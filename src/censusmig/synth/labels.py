"""Value and column labels of the sample census, as a statistical package would carry them.

They go into ``census.sav`` and ``census.dta`` so those files look like what an NSO exports:
every code of CODEBOOK.md has its label, except the deliberately unlisted dirt codes (999 as a
country, 77 as education, 3 as sex), which a real file would not label either.
"""

from __future__ import annotations

from censusmig.classifications import countries
from censusmig.synth.rules import REGION_NAMES

_COUNTRY_COLUMNS = ("POB", "CIT", "MOTHER_POB", "FATHER_POB", "CNT1", "CNT5")
_REGION_COLUMNS = ("REGION", "REGION_BIRTH", "REG1", "REG5")
_RESIDENCE = {
    1: "Same dwelling",
    2: "Another dwelling, same district",
    3: "Another district, same region",
    4: "Another region",
    5: "Abroad",
    8: "Not applicable",
    9: "Not stated",
}

COLUMN_LABELS: dict[str, str] = {
    "PERSON_ID": "Person identifier",
    "HH_ID": "Household identifier",
    "RELATIONSHIP": "Relationship to the head of household",
    "REGION": "Region of usual residence",
    "DISTRICT": "District of usual residence",
    "SEX": "Sex",
    "AGE": "Age in completed years",
    "YOB": "Year of birth",
    "POB": "Country of birth",
    "REGION_BIRTH": "Region of birth",
    "CIT": "Country of citizenship",
    "CIT_ACQ": "How citizenship was acquired",
    "YOA": "Year of arrival in the country",
    "RES1": "Place of usual residence one year ago",
    "REG1": "Region of residence one year ago",
    "CNT1": "Country of residence one year ago",
    "RES5": "Place of usual residence five years ago",
    "REG5": "Region of residence five years ago",
    "CNT5": "Country of residence five years ago",
    "REASON": "Main reason for migrating",
    "MOTHER_POB": "Mother's country of birth",
    "FATHER_POB": "Father's country of birth",
    "EDUC": "Highest level of education completed (ISCED 2011)",
    "DISABILITY": "Disability (Washington Group short set)",
}
"""Column -> question text."""


def value_labels() -> dict[str, dict[int, str]]:
    """Column -> code -> label for every coded column of the sample census."""
    names = {
        int(number): countries.countries()[alpha3].name
        for number, alpha3 in countries.code_map("iso3166-numeric").items()
        if number.isdigit() and alpha3 in countries.countries()
    }
    country = {**names, 900: "Quetzalia", 998: "Not stated"}
    labels: dict[str, dict[int, str]] = {
        "SEX": {1: "Male", 2: "Female", 9: "Not stated"},
        "AGE": {999: "Not stated"},
        "YOB": {9999: "Not stated"},
        "RELATIONSHIP": {
            1: "Head",
            2: "Spouse or partner",
            3: "Child",
            4: "Parent of the head",
            5: "Other relative",
            6: "Non-relative",
            9: "Not stated",
        },
        "CIT_ACQ": {1: "By birth", 2: "By naturalisation", 8: "Not applicable", 9: "Not stated"},
        "YOA": {9998: "Not applicable", 9999: "Not stated"},
        "RES1": _RESIDENCE,
        "RES5": _RESIDENCE,
        "REASON": {
            1: "Employment",
            2: "Family",
            3: "Education",
            4: "Humanitarian",
            5: "Environment or disaster",
            6: "Other",
            8: "Not applicable",
            9: "Not stated",
        },
        "EDUC": {
            0: "Less than primary",
            1: "Primary",
            2: "Lower secondary",
            3: "Upper secondary",
            4: "Post-secondary non-tertiary",
            5: "Short-cycle tertiary",
            6: "Bachelor's or equivalent",
            7: "Master's or equivalent",
            8: "Doctoral or equivalent",
            88: "Not applicable",
            99: "Not stated",
        },
        "DISABILITY": {1: "Yes", 2: "No", 8: "Not applicable", 9: "Not stated"},
    }
    for column in _COUNTRY_COLUMNS:
        labels[column] = dict(country)
    for column in ("CIT",):
        labels[column][997] = "Stateless"
    for column in ("CNT1", "CNT5"):
        labels[column][888] = "Not applicable"
    for column in _REGION_COLUMNS:
        labels[column] = {**REGION_NAMES, 88: "Not applicable", 99: "Not stated"}
    labels["REGION"] = dict(REGION_NAMES)
    return labels


MISSING_CODES: dict[str, list[int]] = {
    "RELATIONSHIP": [9],
    "SEX": [9],
    "AGE": [999],
    "YOB": [9999],
    "POB": [998],
    "REGION_BIRTH": [88, 99],
    "CIT": [998],
    "CIT_ACQ": [8, 9],
    "YOA": [9998, 9999],
    "RES1": [8, 9],
    "REG1": [88, 99],
    "CNT1": [888, 998],
    "RES5": [8, 9],
    "REG5": [88, 99],
    "CNT5": [888, 998],
    "REASON": [8, 9],
    "MOTHER_POB": [998],
    "FATHER_POB": [998],
    "EDUC": [88, 99],
    "DISABILITY": [8, 9],
}
"""Codes an SPSS export declares as user-missing: not applicable and not stated."""
