"""The catalogue of concepts a profile can map and the table dimensions recipes can use.

Concepts are named as the UN names them (STANDARDS.md, "Core concepts"). A profile maps a data
column onto a concept; a dimension is what a recipe tabulates, derived from one or more concepts.
This module is data only: profiles and recipes are validated against it, and the tables layer
implements each dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from censusmig.classifications.categories import AGE_5Y, AGE_BROAD, NATIVITY, SEX, CategorySet


class ConceptKind(StrEnum):
    """How a concept's source codes are read."""

    CATEGORY = "category"
    """Source codes map onto a fixed category set (sex)."""
    INTEGER = "integer"
    """A count such as age in completed years or a calendar year."""
    COUNTRY = "country"
    """ISO 3166 codes (numeric, alpha-2, alpha-3) or a table of source codes to alpha-3."""


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


CONCEPTS: dict[str, ConceptSpec] = {
    spec.name: spec
    for spec in (
        ConceptSpec("sex", ConceptKind.CATEGORY, "sex of the person", SEX),
        ConceptSpec("age", ConceptKind.INTEGER, "age in completed years at the reference date"),
        ConceptSpec(
            "country_of_birth",
            ConceptKind.COUNTRY,
            "country of birth, in its present-day boundaries",
        ),
        ConceptSpec("citizenship", ConceptKind.COUNTRY, "country of citizenship"),
        ConceptSpec("country_of_birth_mother", ConceptKind.COUNTRY, "mother's country of birth"),
        ConceptSpec("country_of_birth_father", ConceptKind.COUNTRY, "father's country of birth"),
        ConceptSpec(
            "year_of_arrival",
            ConceptKind.INTEGER,
            "calendar year of the most recent arrival to live in the country",
        ),
    )
}


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
            are the codes observed (countries).
    """

    name: str
    requires: tuple[str, ...]
    description: str
    levels: tuple[str, ...]
    title: str
    categories: CategorySet | None = None


DIMENSIONS: dict[str, DimensionSpec] = {
    spec.name: spec
    for spec in (
        DimensionSpec("sex", ("sex",), "male / female", ("sex",), "Sex", SEX),
        DimensionSpec(
            "age_group",
            ("age",),
            "five-year age groups, 85 and over",
            ("age_group",),
            "Age (years)",
            AGE_5Y,
        ),
        DimensionSpec(
            "broad_age_group",
            ("age",),
            "broad age groups 0-14, 15-24, 25-64, 65+",
            ("broad_age_group",),
            "Age (years)",
            AGE_BROAD,
        ),
        DimensionSpec(
            "nativity",
            ("country_of_birth",),
            "native-born (born in the census country) / foreign-born",
            ("nativity",),
            "Nativity",
            NATIVITY,
        ),
        DimensionSpec(
            "country_of_birth",
            ("country_of_birth",),
            "country of birth, grouped by UN M49 region",
            ("region_of_birth", "country_of_birth"),
            "Country of birth",
        ),
    )
}

# Fields a universe condition may test besides the dimensions: plain numeric concepts.
NUMERIC_FIELDS: dict[str, tuple[str, ...]] = {"age": ("age",)}
