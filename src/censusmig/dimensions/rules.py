"""The derivation rules of the lookup dimensions, as plain functions of category codes.

Each rule is evaluated once per combination of its input categories and the records are
mapped through the resulting table (:func:`censusmig.dimensions.expressions.lookup`), so a rule
stays readable and unit-tested while costing one array read per record (STANDARDS.md,
"Derived variables").
"""

from __future__ import annotations

from collections.abc import Callable

from censusmig.classifications import countries
from censusmig.classifications.categories import CategorySet
from censusmig.classifications.codes import (
    NOT_APPLICABLE,
    NOT_STATED,
    TRAILING_ORDER,
    UNKNOWN_CODE,
)


def nativity_rule(country_of_birth: str, census_country: str) -> str:
    """Nativity: native-born where the country of birth is the census country.

    ``_U``, ``_Z`` and ``_X`` stay as they are: a person whose birthplace is not stated or
    miscoded is neither native- nor foreign-born.
    """
    if country_of_birth in TRAILING_ORDER:
        return country_of_birth
    return "native_born" if country_of_birth == census_country else "foreign_born"


def citizenship_status_rule(citizenship: str, acquisition: str, census_country: str) -> str:
    """Citizen by birth / by naturalisation / foreign citizen / stateless.

    A citizen of the census country is split by how citizenship was acquired (a citizen whose
    acquisition is not stated is "citizen, acquisition not stated", still a citizen); ICAO code
    XXA is stateless; any other country is a foreign citizen; a not-applicable citizenship
    counts as not stated.
    """
    if citizenship == census_country:
        return {
            "by_birth": "citizen_by_birth",
            "by_naturalisation": "citizen_by_naturalisation",
        }.get(acquisition, "citizen_acquisition_not_stated")
    if citizenship == countries.STATELESS:
        return "stateless"
    if citizenship in (NOT_STATED, NOT_APPLICABLE):
        return NOT_STATED
    if citizenship in TRAILING_ORDER:
        return citizenship
    return "foreign_citizen"


def migratory_status_rule(nativity: str, citizenship: str, census_country: str) -> str:
    """The EGM 2 x 2: native-/foreign-born by citizen of the census country or not.

    Stateless persons are non-citizens. Unknown nativity or citizenship gives ``_X`` when either
    is a code in no list, otherwise ``_U``.
    """
    if UNKNOWN_CODE in (nativity, citizenship):
        return UNKNOWN_CODE
    if nativity in TRAILING_ORDER or citizenship in TRAILING_ORDER:
        return NOT_STATED
    citizen = citizenship == census_country
    if nativity == "native_born":
        return "native_citizen" if citizen else "native_non_citizen"
    return "foreign_citizen" if citizen else "foreign_non_citizen"


def generation_rule(nativity: str, mother: str, father: str) -> str:
    """First / second (both or one parent foreign-born) / third+ generation.

    Foreign-born: first. Native-born: both parents foreign-born, second (both); one foreign-born
    and the other native-born or not stated, second (one); both native-born, third or higher;
    otherwise (a parent's birthplace unknown and no parent foreign-born) not stated. Unknown
    nativity of the person stays as it is.
    """
    if nativity == "foreign_born":
        return "first"
    if nativity != "native_born":
        return nativity
    foreign = (mother, father).count("foreign_born")
    if foreign == 2:
        return "second_both"
    if foreign == 1:
        return "second_one"
    if (mother, father).count("native_born") == 2:
        return "third_plus"
    return NOT_STATED


def recent_migrant_rule(nativity: str, arrival: str, abroad_5_years_ago: str) -> str:
    """Recent international migrant: arrived within 5 years, or lived abroad 5 years ago.

    Foreign-born whose year of arrival is less than 5 years before the census year
    (``arrival`` = "recent"), or anyone aged 5+ whose residence 5 years ago was abroad
    (``abroad_5_years_ago`` = "yes"). A foreign-born person whose year of arrival is not stated
    or miscoded, and who is not recent by residence, is ``_U`` / ``_X``.
    """
    foreign = nativity == "foreign_born"
    if (foreign and arrival == "recent") or abroad_5_years_ago == "yes":
        return "recent"
    if foreign and arrival in (NOT_STATED, UNKNOWN_CODE):
        return arrival
    return "not_recent"


def education_rule(categories: CategorySet) -> Callable[[str], str]:
    """ISCED 2011 levels grouped into a category set (tertiary = ED5 to ED8 by default).

    Each category covers the levels ``low`` to ``high`` (an open ``high`` runs to ED8); the
    special codes stay as they are and a level in no category is ``_X``.

    Args:
        categories: The education groups, with ISCED levels as bounds.

    Returns:
        The rule: ISCED level code (``ED3``) -> group code.
    """
    group = {
        f"ED{level}": c.code
        for c in categories.categories
        for level in range(c.low or 0, (8 if c.high is None else c.high) + 1)
    }

    def rule(level: str) -> str:
        return group.get(level, level if level in TRAILING_ORDER else UNKNOWN_CODE)

    return rule
