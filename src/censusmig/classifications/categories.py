"""Category sets: the ordered, labelled categories of a classification (STANDARDS.md defaults)."""

from __future__ import annotations

from dataclasses import dataclass

from censusmig.classifications.codes import NOT_STATED, SPECIAL_LABELS, TOTAL


@dataclass(frozen=True)
class Category:
    """One category of a classification.

    Attributes:
        code: Stable code written in the tidy outputs (SDMX style where one exists).
        label: English label shown in published tables.
        low: Lowest value included, for interval categories such as age groups.
        high: Highest value included (None = open-ended), for interval categories.
        parent: Code of the category this one rolls up to, in a set that details another
            (``other_major_division`` rolls up to ``other_area``); None at the top level.
    """

    code: str
    label: str
    low: int | None = None
    high: int | None = None
    parent: str | None = None


@dataclass(frozen=True)
class CategorySet:
    """An ordered set of categories plus the label of its total.

    Attributes:
        name: Identifier of the set (``age_5y``).
        categories: Regular categories in publication order (specials are added by tables).
        total_label: Label of the ``_T`` margin, e.g. "Both sexes" for sex.
        not_stated_label: Label of ``_U``.
    """

    name: str
    categories: tuple[Category, ...]
    total_label: str = SPECIAL_LABELS[TOTAL]
    not_stated_label: str = SPECIAL_LABELS[NOT_STATED]

    @property
    def codes(self) -> tuple[str, ...]:
        """The regular category codes, in order."""
        return tuple(category.code for category in self.categories)

    def labels(self) -> dict[str, str]:
        """Map every code this set can produce, specials included, to its label."""
        labels = dict(SPECIAL_LABELS)
        labels[TOTAL] = self.total_label
        labels[NOT_STATED] = self.not_stated_label
        labels.update({category.code: category.label for category in self.categories})
        return labels


def interval_groups(breaks: tuple[int, ...], name: str, unit: str = "") -> CategorySet:
    """Interval categories from lower bounds: breaks (0, 15, 25, 65) give 0-14, 15-24, 25-64, 65+.

    Args:
        breaks: Increasing lower bounds; the first is the lowest value counted.
        name: Name of the set.
        unit: Text after the labels ("" for ages, where the stub title carries the unit).

    Returns:
        The category set with SDMX-style codes (``Y15T24``, ``Y_GE65``).
    """
    groups = []
    for low, high in zip(breaks, (*breaks[1:], None), strict=True):
        if high is None:
            groups.append(Category(f"Y_GE{low}", f"{low}+{unit}", low, None))
        else:
            groups.append(Category(f"Y{low}T{high - 1}", f"{low}-{high - 1}{unit}", low, high - 1))
    return CategorySet(name, tuple(groups), total_label="Total, all ages")


def age_groups(width: int, top: int, name: str) -> CategorySet:
    """Build age groups of ``width`` years from 0 up to an open group starting at ``top``.

    Codes follow SDMX: ``Y0T4`` for 0-4 and ``Y_GE85`` for 85+.

    Args:
        width: Width of each group in years.
        top: First age of the open-ended top group; a multiple of ``width``.
        name: Name of the set.

    Returns:
        The category set, labelled "0-4", "5-9", ..., "85+".
    """
    return interval_groups(tuple(range(0, top + 1, width)), name)


AGE_5Y = age_groups(5, 85, "age_5y")

AGE_BROAD = CategorySet(
    "age_broad",
    (
        Category("Y0T14", "0-14", 0, 14),
        Category("Y15T24", "15-24", 15, 24),
        Category("Y25T64", "25-64", 25, 64),
        Category("Y_GE65", "65+", 65, None),
    ),
    total_label="Total, all ages",
)

SEX = CategorySet(
    "sex",
    (Category("M", "Male"), Category("F", "Female")),
    total_label="Both sexes",
)

NATIVITY = CategorySet(
    "nativity",
    (Category("native_born", "Native-born"), Category("foreign_born", "Foreign-born")),
)

# Oldest age accepted as valid; older ages go to the unknown-code category.
MAX_VALID_AGE = 120

CITIZENSHIP_ACQUISITION = CategorySet(
    "citizenship_acquisition",
    (
        Category("by_birth", "By birth"),
        Category("by_naturalisation", "By naturalisation (declaration, option, marriage)"),
    ),
)

CITIZENSHIP_STATUS = CategorySet(
    "citizenship_status",
    (
        Category("citizen_by_birth", "Citizen by birth"),
        Category("citizen_by_naturalisation", "Citizen by naturalisation"),
        Category("citizen_acquisition_not_stated", "Citizen, acquisition not stated"),
        Category("foreign_citizen", "Foreign citizen"),
        Category("stateless", "Stateless"),
    ),
)

RESIDENCE = CategorySet(
    "residence",
    (
        Category("same_dwelling", "Same dwelling"),
        Category("same_area", "Elsewhere in the same area"),
        Category("other_area", "Another area of the country"),
        Category("abroad", "Abroad"),
    ),
)

RESIDENCE_DETAILED = CategorySet(
    "residence_detailed",
    (
        Category("same_dwelling", "Same dwelling", parent="same_dwelling"),
        Category(
            "same_minor_division",
            "Another dwelling in the same minor civil division",
            parent="same_area",
        ),
        Category(
            "other_minor_division",
            "Another minor civil division of the same major civil division",
            parent="other_area",
        ),
        Category("other_major_division", "Another major civil division", parent="other_area"),
        Category("abroad", "Abroad", parent="abroad"),
    ),
)
"""Residence at a past date as P&R Rev.3 details it; each category rolls up to :data:`RESIDENCE`.

A profile may map source codes to these or to the roll-ups; a roll-up mapped directly is,
in a detailed table, its own row "not further specified" (labels in ``data/labels.csv``).
"""

REASON_FOR_MIGRATION = CategorySet(
    "reason_for_migration",
    (
        Category("employment", "Employment"),
        Category("family", "Family (joining, accompanying, marriage)"),
        Category("education", "Education"),
        Category("humanitarian", "Humanitarian (asylum, refuge, conflict, persecution)"),
        Category("environment", "Environment or disaster"),
        Category("other", "Other"),
    ),
)

ISCED_LEVELS = CategorySet(
    "isced_2011",
    tuple(
        Category(f"ED{level}", label)
        for level, label in enumerate(
            (
                "Early childhood education or none",
                "Primary education",
                "Lower secondary education",
                "Upper secondary education",
                "Post-secondary non-tertiary education",
                "Short-cycle tertiary education",
                "Bachelor's or equivalent",
                "Master's or equivalent",
                "Doctoral or equivalent",
            )
        )
    ),
)

EDUCATION = CategorySet(
    "education",
    (
        Category("ED0", "Less than primary", 0, 0),
        Category("ED1", "Primary", 1, 1),
        Category("ED2", "Lower secondary", 2, 2),
        Category("ED3", "Upper secondary", 3, 3),
        Category("ED4", "Post-secondary non-tertiary", 4, 4),
        Category("ED5T8", "Tertiary", 5, 8),
    ),
    total_label="Total, all levels",
)

DISABILITY = CategorySet(
    "disability",
    (
        Category("with_disability", "With disability"),
        Category("without_disability", "Without disability"),
    ),
)

MIGRATORY_STATUS = CategorySet(
    "migratory_status",
    (
        Category("native_citizen", "Native-born citizen"),
        Category("native_non_citizen", "Native-born non-citizen"),
        Category("foreign_citizen", "Foreign-born citizen"),
        Category("foreign_non_citizen", "Foreign-born non-citizen"),
    ),
)

GENERATION = CategorySet(
    "generation",
    (
        Category("first", "First generation (foreign-born)"),
        Category("second_both", "Second generation, both parents foreign-born"),
        Category("second_one", "Second generation, one parent foreign-born"),
        Category("third_plus", "Third generation or higher (both parents native-born)"),
    ),
)

RECENT_MIGRANT = CategorySet(
    "recent_migrant",
    (
        Category("recent", "Recent international migrant"),
        Category("not_recent", "Not a recent international migrant"),
    ),
)


def duration_groups(breaks: tuple[int, ...], name: str = "period_of_arrival") -> CategorySet:
    """Periods of arrival as completed years of residence, e.g. breaks (1, 5, 10, 15, 20).

    Args:
        breaks: Increasing lower bounds in years after the first group, which starts at 0.
        name: Name of the set.

    Returns:
        Groups "Less than 1 year", "1-4 years", ..., "20 years or more" (SDMX-style codes).
    """
    bounds = (0, *breaks)
    groups = []
    for low, high in zip(bounds, (*breaks, None), strict=True):
        if high is None:
            groups.append(Category(f"Y_GE{low}", f"{low} years or more", low, None))
        elif low == 0 and high == 1:
            groups.append(Category("Y_LT1", "Less than 1 year", 0, 0))
        else:
            groups.append(Category(f"Y{low}T{high - 1}", f"{low}-{high - 1} years", low, high - 1))
    return CategorySet(name, tuple(groups), total_label="Total")


PERIOD_OF_ARRIVAL = duration_groups((1, 5, 10, 15, 20))


EU_2021_PERIOD_STARTS = (1980, 1990, 2000, 2005, 2010, 2015)
"""First years of the calendar periods of arrival of the EU 2021 census programme."""

EARLIEST_YEAR = 1850
"""Earliest calendar year accepted as a year of arrival."""


def calendar_periods(
    reference_year: int, starts: tuple[int, ...] = EU_2021_PERIOD_STARTS
) -> CategorySet:
    """Calendar periods of arrival: before 1980, 1980-1989, ..., 2015 to last year, census year.

    Args:
        reference_year: The census year, which is its own period.
        starts: First years of the periods after "before ..."; all before ``reference_year``.

    Returns:
        The category set (codes ``Y_LT1980``, ``Y1980T1989``, ..., ``Y2025``).
    """
    groups = [Category(f"Y_LT{starts[0]}", f"Before {starts[0]}", EARLIEST_YEAR, starts[0] - 1)]
    for low, high in zip(starts, (*starts[1:], reference_year), strict=True):
        groups.append(Category(f"Y{low}T{high - 1}", f"{low}-{high - 1}", low, high - 1))
    groups.append(
        Category(
            f"Y{reference_year}", f"{reference_year} (census year)", reference_year, reference_year
        )
    )
    return CategorySet("calendar_period_of_arrival", tuple(groups), total_label="Total")
