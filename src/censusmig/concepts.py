"""The catalogue of concepts a profile can map and the table dimensions recipes can use.

Concepts are named as the UN names them (STANDARDS.md, "Core concepts"). A profile maps a data
column onto a concept; a dimension is what a recipe tabulates, derived from one or more concepts.
This module is data only: profiles and recipes are validated against it, and the tables layer
implements each dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from censusmig.classifications.categories import (
    AGE_5Y,
    AGE_BROAD,
    CITIZENSHIP_ACQUISITION,
    CITIZENSHIP_STATUS,
    DISABILITY,
    EDUCATION,
    GENERATION,
    ISCED_LEVELS,
    MIGRATORY_STATUS,
    NATIVITY,
    PERIOD_OF_ARRIVAL,
    REASON_FOR_MIGRATION,
    RECENT_MIGRANT,
    RESIDENCE,
    SEX,
    CategorySet,
)


class ConceptKind(StrEnum):
    """How a concept's source codes are read."""

    CATEGORY = "category"
    """Source codes map onto a fixed category set (sex, reason for migration)."""
    INTEGER = "integer"
    """A number such as age in completed years or a calendar year."""
    COUNTRY = "country"
    """ISO 3166 codes (numeric, alpha-2, alpha-3) or a table of source codes to alpha-3."""
    AREA = "area"
    """A code of the profile's first geography level (a region of the country)."""


@dataclass(frozen=True)
class ConceptSpec:
    """What a profile must say about one concept.

    Attributes:
        name: The concept's name, as used in profiles.
        kind: How its codes are read.
        description: One line for ``recipes show`` and error messages.
        categories: The category set a CATEGORY concept maps onto.
    """

    name: str
    kind: ConceptKind
    description: str
    categories: CategorySet | None = None

    def categories_codes(self) -> tuple[str, ...]:
        """Codes a CATEGORY concept's code table may map to (empty for other kinds)."""
        return self.categories.codes if self.categories else ()


def _concept(
    name: str, kind: ConceptKind, description: str, categories: CategorySet | None = None
) -> ConceptSpec:
    return ConceptSpec(name, kind, description, categories)


CATEGORY, INTEGER, COUNTRY, AREA = ConceptKind

CONCEPTS: dict[str, ConceptSpec] = {
    spec.name: spec
    for spec in (
        _concept("sex", CATEGORY, "sex of the person", SEX),
        _concept("age", INTEGER, "age in completed years at the reference date"),
        _concept("country_of_birth", COUNTRY, "country of birth, in its present-day boundaries"),
        _concept("citizenship", COUNTRY, "country of citizenship (the census country first)"),
        _concept(
            "citizenship_acquisition",
            CATEGORY,
            "how a citizen acquired citizenship",
            CITIZENSHIP_ACQUISITION,
        ),
        _concept(
            "year_of_arrival",
            INTEGER,
            "calendar year of the most recent arrival to live in the country",
        ),
        _concept(
            "residence_1_year_ago", CATEGORY, "place of usual residence one year ago", RESIDENCE
        ),
        _concept(
            "residence_5_years_ago", CATEGORY, "place of usual residence five years ago", RESIDENCE
        ),
        _concept("country_1_year_ago", COUNTRY, "country of residence one year ago, if abroad"),
        _concept("country_5_years_ago", COUNTRY, "country of residence five years ago, if abroad"),
        _concept("region_1_year_ago", AREA, "region of residence one year ago, if in the country"),
        _concept(
            "region_5_years_ago", AREA, "region of residence five years ago, if in the country"
        ),
        _concept("place_of_birth", AREA, "region of birth, for the native-born"),
        _concept(
            "reason_for_migration",
            CATEGORY,
            "main reason for the most recent move to the country",
            REASON_FOR_MIGRATION,
        ),
        _concept("country_of_birth_mother", COUNTRY, "mother's country of birth"),
        _concept("country_of_birth_father", COUNTRY, "father's country of birth"),
        _concept(
            "educational_attainment",
            CATEGORY,
            "highest ISCED 2011 level completed",
            ISCED_LEVELS,
        ),
        _concept("disability", CATEGORY, "Washington Group disability status", DISABILITY),
    )
}

GEOGRAPHY = "geography"
"""Pseudo-concept: the profile's geography levels (needed by the ``region`` dimension)."""


@dataclass(frozen=True)
class DimensionSpec:
    """A dimension a recipe can put in its stub or column spanners.

    Attributes:
        name: Name of the dimension; also the name of its innermost column in tidy output.
        requires: Concepts the profile must map for the dimension to be computed.
        description: Plain words for trainers.
        levels: Column names from outer to inner (a classification with levels, e.g. region
            of birth above country of birth); a single-level dimension has one.
        title: Heading of the dimension in published tables.
        categories: Fixed category set, or None for an open classification whose categories
            are the codes observed (countries, regions).
        uses: Concepts used when the profile maps them, but not required.
    """

    name: str
    requires: tuple[str, ...]
    description: str
    levels: tuple[str, ...]
    title: str
    categories: CategorySet | None = None
    uses: tuple[str, ...] = ()


def _dimension(
    name: str,
    requires: tuple[str, ...],
    description: str,
    title: str,
    categories: CategorySet | None = None,
    levels: tuple[str, ...] | None = None,
    uses: tuple[str, ...] = (),
) -> DimensionSpec:
    return DimensionSpec(name, requires, description, levels or (name,), title, categories, uses)


DIMENSIONS: dict[str, DimensionSpec] = {
    spec.name: spec
    for spec in (
        _dimension("sex", ("sex",), "male / female", "Sex", SEX),
        _dimension(
            "age_group", ("age",), "five-year age groups, 85 and over", "Age (years)", AGE_5Y
        ),
        _dimension(
            "broad_age_group",
            ("age",),
            "broad age groups 0-14, 15-24, 25-64, 65+",
            "Age (years)",
            AGE_BROAD,
        ),
        _dimension(
            "nativity",
            ("country_of_birth",),
            "native-born (born in the census country) / foreign-born",
            "Nativity",
            NATIVITY,
        ),
        _dimension(
            "country_of_birth",
            ("country_of_birth",),
            "country of birth, grouped by UN M49 region",
            "Country of birth",
            levels=("region_of_birth", "country_of_birth"),
        ),
        _dimension(
            "citizenship",
            ("citizenship",),
            "country of citizenship, grouped by UN M49 region",
            "Country of citizenship",
            levels=("region_of_citizenship", "citizenship"),
        ),
        _dimension(
            "citizenship_status",
            ("citizenship", "citizenship_acquisition"),
            "citizen by birth / by naturalisation / foreign citizen / stateless",
            "Citizenship",
            CITIZENSHIP_STATUS,
        ),
        _dimension(
            "migratory_status",
            ("country_of_birth", "citizenship"),
            "native- or foreign-born, by citizen or not (2 x 2)",
            "Migratory status",
            MIGRATORY_STATUS,
        ),
        _dimension(
            "period_of_arrival",
            ("year_of_arrival",),
            "completed years since the most recent arrival (census year minus year of arrival)",
            "Period of arrival",
            PERIOD_OF_ARRIVAL,
        ),
        _dimension(
            "calendar_period_of_arrival",
            ("year_of_arrival",),
            "calendar period of the most recent arrival (EU 2021: before 1980 ... census year)",
            "Period of arrival",
        ),
        _dimension(
            "recent_migrant",
            ("country_of_birth", "year_of_arrival"),
            "foreign-born arrived within 5 years, or anyone aged 5+ who lived abroad 5 years ago",
            "Recent international migrant",
            RECENT_MIGRANT,
            uses=("residence_5_years_ago",),
        ),
        _dimension(
            "residence_1_year_ago",
            ("residence_1_year_ago",),
            "place of usual residence one year ago",
            "Place of residence 1 year ago",
            RESIDENCE,
        ),
        _dimension(
            "residence_5_years_ago",
            ("residence_5_years_ago",),
            "place of usual residence five years ago, abroad by UN M49 region",
            "Place of residence 5 years ago",
            levels=("residence_5_years_ago", "residence_5_years_ago_area"),
            uses=("country_5_years_ago",),
        ),
        _dimension(
            "reason_for_migration",
            ("reason_for_migration",),
            "main reason for the most recent move to the country",
            "Reason for migration",
            REASON_FOR_MIGRATION,
        ),
        _dimension(
            "education",
            ("educational_attainment",),
            "highest level of education completed (ISCED 2011, grouped)",
            "Educational attainment",
            EDUCATION,
        ),
        _dimension(
            "disability",
            ("disability",),
            "Washington Group disability status",
            "Disability",
            DISABILITY,
        ),
        _dimension(
            "generation",
            ("country_of_birth", "country_of_birth_mother", "country_of_birth_father"),
            "first / second (both or one parent foreign-born) / third or higher generation",
            "Generation",
            GENERATION,
        ),
        _dimension("region", (GEOGRAPHY,), "region of usual residence", "Region of residence"),
        _dimension(
            "place_of_birth",
            ("place_of_birth",),
            "region of birth (native-born)",
            "Region of birth",
        ),
        _dimension(
            "region_5_years_ago",
            ("region_5_years_ago",),
            "region of usual residence five years ago",
            "Region of residence 5 years ago",
        ),
    )
}

# Fields a universe condition may test besides the dimensions: plain numeric concepts.
NUMERIC_FIELDS: dict[str, tuple[str, ...]] = {
    "age": ("age",),
    "year_of_arrival": ("year_of_arrival",),
}
