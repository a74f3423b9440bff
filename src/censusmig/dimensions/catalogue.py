"""Every dimension a recipe can use, each one declaration of a shape of :mod:`.shapes`.

Adding a dimension means adding one declaration here: recipes are validated against it, the
tables layer derives and codes it by asking it, and nothing else names it.
"""

from __future__ import annotations

from censusmig.classifications.categories import (
    AGE_5Y,
    AGE_BROAD,
    CITIZENSHIP_STATUS,
    DISABILITY,
    EDUCATION,
    GENERATION,
    MAX_VALID_AGE,
    MIGRATORY_STATUS,
    NATIVITY,
    PERIOD_OF_ARRIVAL,
    REASON_FOR_MIGRATION,
    RECENT_MIGRANT,
    RESIDENCE,
    RESIDENCE_DETAILED,
    SEX,
    CategorySet,
    calendar_periods,
    duration_groups,
    interval_groups,
)
from censusmig.concepts import DISTRICT, GEOGRAPHY
from censusmig.dimensions.columns import nativity_column
from censusmig.dimensions.rules import (
    citizenship_status_rule,
    education_rule,
    generation_rule,
    migratory_status_rule,
    recent_migrant_rule,
)
from censusmig.dimensions.shapes import (
    AbroadInput,
    Area,
    ArrivalInput,
    Coded,
    CodedInput,
    Countries,
    Definition,
    Interval,
    Levelled,
    NativityInput,
    NestedArea,
    Residence,
    Rule,
    as_is,
    by_categories,
    with_census_country,
)
from censusmig.profiles.model import Profile


def _oldest_age(profile: Profile) -> int:
    return MAX_VALID_AGE


def _longest_stay(profile: Profile) -> int:
    # Any number of completed years above the top group's lower bound falls in it.
    return 200


def _census_year(profile: Profile) -> int:
    return profile.reference_date.year


def _calendar_periods(profile: Profile) -> CategorySet:
    return calendar_periods(profile.reference_date.year)


def _durations(breaks: tuple[int, ...], name: str) -> CategorySet:
    """Periods of arrival from ``breaks`` in completed years, the first of which is 0."""
    if breaks[0] != 0:
        raise ValueError("periods of arrival start at 0 years")
    return duration_groups(breaks[1:], name)


DIMENSIONS: dict[str, Definition] = {
    definition.name: definition
    for definition in (
        Coded(
            name="sex", requires=("sex",), description="male / female", title="Sex", categories=SEX
        ),
        Interval(
            name="age_group",
            requires=("age",),
            description="five-year age groups, 85 and over",
            title="Age (years)",
            categories=AGE_5Y,
            concept="age",
            highest=_oldest_age,
            regroup=interval_groups,
        ),
        Interval(
            name="broad_age_group",
            requires=("age",),
            description="broad age groups 0-14, 15-24, 25-64, 65+",
            title="Age (years)",
            categories=AGE_BROAD,
            concept="age",
            highest=_oldest_age,
            regroup=interval_groups,
        ),
        Coded(
            name="nativity",
            requires=("country_of_birth",),
            description="native-born (born in the census country) / foreign-born",
            title="Nativity",
            categories=NATIVITY,
            concept="country_of_birth",
            column=nativity_column("country_of_birth"),
        ),
        Countries(
            name="country_of_birth",
            requires=("country_of_birth",),
            description="country of birth, grouped by UN M49 region",
            title="Country of birth",
            levels=("region_of_birth", "country_of_birth"),
        ),
        Countries(
            name="citizenship",
            requires=("citizenship",),
            description="country of citizenship, grouped by UN M49 region",
            title="Country of citizenship",
            levels=("region_of_citizenship", "citizenship"),
        ),
        Rule(
            name="citizenship_status",
            requires=("citizenship", "citizenship_acquisition"),
            description="citizen by birth / by naturalisation / foreign citizen / stateless",
            title="Citizenship",
            categories=CITIZENSHIP_STATUS,
            inputs=(CodedInput("citizenship"), CodedInput("citizenship_acquisition")),
            rule=with_census_country(citizenship_status_rule),
        ),
        Rule(
            name="migratory_status",
            requires=("country_of_birth", "citizenship"),
            description="native- or foreign-born, by citizen or not (2 x 2)",
            title="Migratory status",
            categories=MIGRATORY_STATUS,
            inputs=(NativityInput("country_of_birth"), CodedInput("citizenship")),
            rule=with_census_country(migratory_status_rule),
        ),
        Interval(
            name="period_of_arrival",
            requires=("year_of_arrival",),
            description=(
                "completed years since the most recent arrival (census year minus year of arrival)"
            ),
            title="Period of arrival",
            categories=PERIOD_OF_ARRIVAL,
            concept="year_of_arrival",
            highest=_longest_stay,
            years_before_census=True,
            regroup=_durations,
            largest_break=200,
        ),
        Interval(
            name="calendar_period_of_arrival",
            requires=("year_of_arrival",),
            description=(
                "calendar period of the most recent arrival (EU 2021: before 1980 ... census year)"
            ),
            title="Period of arrival",
            concept="year_of_arrival",
            highest=_census_year,
            periods=_calendar_periods,
        ),
        Rule(
            name="recent_migrant",
            requires=("country_of_birth", "year_of_arrival"),
            description=(
                "foreign-born arrived within 5 years, "
                "or anyone aged 5+ who lived abroad 5 years ago"
            ),
            title="Recent international migrant",
            categories=RECENT_MIGRANT,
            uses=("residence_5_years_ago",),
            inputs=(
                NativityInput("country_of_birth"),
                ArrivalInput(5),
                AbroadInput("residence_5_years_ago", 5),
            ),
            rule=as_is(recent_migrant_rule),
        ),
        Levelled(
            name="residence_1_year_ago",
            requires=("residence_1_year_ago",),
            description="place of usual residence one year ago",
            title="Place of residence 1 year ago",
            categories=RESIDENCE,
            detailed=RESIDENCE_DETAILED,
        ),
        Residence(
            name="residence_5_years_ago",
            requires=("residence_5_years_ago",),
            description="place of usual residence five years ago, abroad by UN M49 region",
            title="Place of residence 5 years ago",
            levels=("residence_5_years_ago", "residence_5_years_ago_area"),
            uses=("country_5_years_ago",),
            country="country_5_years_ago",
        ),
        Coded(
            name="reason_for_migration",
            requires=("reason_for_migration",),
            description="main reason for the most recent move to the country",
            title="Reason for migration",
            categories=REASON_FOR_MIGRATION,
        ),
        Rule(
            name="education",
            requires=("educational_attainment",),
            description="highest level of education completed (ISCED 2011, grouped)",
            title="Educational attainment",
            categories=EDUCATION,
            inputs=(CodedInput("educational_attainment"),),
            rule=by_categories(education_rule),
        ),
        Coded(
            name="disability",
            requires=("disability",),
            description="Washington Group disability status",
            title="Disability",
            categories=DISABILITY,
        ),
        Rule(
            name="generation",
            requires=("country_of_birth", "country_of_birth_mother", "country_of_birth_father"),
            description=(
                "first / second (both or one parent foreign-born) / third or higher generation"
            ),
            title="Generation",
            categories=GENERATION,
            inputs=(
                NativityInput("country_of_birth"),
                NativityInput("country_of_birth_mother"),
                NativityInput("country_of_birth_father"),
            ),
            rule=as_is(generation_rule),
        ),
        Area(
            name="region",
            requires=(GEOGRAPHY,),
            description="region of usual residence",
            title="Region of residence",
            concept="region",
        ),
        NestedArea(
            name="district",
            requires=(DISTRICT,),
            description=(
                "district of usual residence (the profile's second geography level), "
                "under its region"
            ),
            title="District of residence",
            levels=("region", "district"),
        ),
        Area(
            name="place_of_birth",
            requires=("place_of_birth",),
            description="region of birth (native-born)",
            title="Region of birth",
        ),
        Area(
            name="region_5_years_ago",
            requires=("region_5_years_ago",),
            description="region of usual residence five years ago",
            title="Region of residence 5 years ago",
        ),
    )
}
"""Dimension name -> its definition, in the order recipes list them in messages."""
