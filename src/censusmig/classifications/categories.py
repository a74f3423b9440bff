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
    """

    code: str
    label: str
    low: int | None = None
    high: int | None = None


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
    groups = [
        Category(f"Y{low}T{low + width - 1}", f"{low}-{low + width - 1}", low, low + width - 1)
        for low in range(0, top, width)
    ]
    groups.append(Category(f"Y_GE{top}", f"{top}+", top, None))
    return CategorySet(name, tuple(groups), total_label="Total, all ages")


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
