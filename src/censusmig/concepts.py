"""The catalogue of concepts a profile can map.

Concepts are named as the UN names them (STANDARDS.md, "Core concepts"). A profile maps a data
column onto a concept; a dimension is what a recipe tabulates, derived from one or more concepts
(the dimensions are defined in :mod:`censusmig.dimensions`). This module is data only: profiles
and recipes are validated against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from censusmig.classifications.categories import (
    CITIZENSHIP_ACQUISITION,
    DISABILITY,
    ISCED_LEVELS,
    REASON_FOR_MIGRATION,
    RESIDENCE,
    RESIDENCE_DETAILED,
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
        categories: The category set a CATEGORY concept maps onto (the roll-up level).
        detail: A finer category set whose categories each roll up to one of ``categories``
            (residence: another minor or major civil division under "another area"), or None.
    """

    name: str
    kind: ConceptKind
    description: str
    categories: CategorySet | None = None
    detail: CategorySet | None = None

    def categories_codes(self) -> tuple[str, ...]:
        """Codes of a CATEGORY concept's (roll-up) category set (empty for other kinds)."""
        return self.categories.codes if self.categories else ()

    def target_codes(self) -> tuple[str, ...]:
        """Codes a CATEGORY concept's code table may map to: both levels (empty for others)."""
        sets = [s for s in (self.categories, self.detail) if s is not None]
        return tuple(dict.fromkeys(code for s in sets for code in s.codes))


def _concept(
    name: str,
    kind: ConceptKind,
    description: str,
    categories: CategorySet | None = None,
    detail: CategorySet | None = None,
) -> ConceptSpec:
    return ConceptSpec(name, kind, description, categories, detail)


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
            "residence_1_year_ago",
            CATEGORY,
            "place of usual residence one year ago",
            RESIDENCE,
            RESIDENCE_DETAILED,
        ),
        _concept(
            "residence_5_years_ago",
            CATEGORY,
            "place of usual residence five years ago",
            RESIDENCE,
            RESIDENCE_DETAILED,
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

DISTRICT = "district"
"""Pseudo-concept: the profile's second geography level, whatever the profile calls it (needed
by the ``district`` dimension); its codes are read like an area concept's."""

GEOGRAPHY_LEVELS: tuple[str, ...] = ("region", DISTRICT)
"""The pseudo-concepts of the profile's geography levels, by position: the first level is read
as ``region`` and the second as ``district``."""


# Fields a universe condition may test besides the dimensions: plain numeric concepts.
NUMERIC_FIELDS: dict[str, tuple[str, ...]] = {
    "age": ("age",),
    "year_of_arrival": ("year_of_arrival",),
}
