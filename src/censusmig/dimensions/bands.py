"""Numbers held as bands (age bands): which groups and conditions the bands can give.

A banded number is derived as each band's lowest value (:mod:`censusmig.tables.derive`), so
an interval group, or a condition, is counted rightly exactly when it is a union of whole
bands. These pure functions tell whether it is, and build the nearest groups that are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from censusmig.classifications.categories import Category, CategorySet
from censusmig.profiles.model import Band

_BEYOND = 10**6
"""Stands for the top of an open band or group when testing a condition on it."""


def describe(bands: Sequence[Band]) -> str:
    """The bands as a message shows them: ``0-15, 16-24, 65+``."""
    return ", ".join(band.label for band in bands)


def describe_groups(categories: CategorySet) -> str:
    """Interval groups as a message shows them: ``0-4, 5-9, 85+``."""
    return ", ".join(_label(c.low or 0, c.high) for c in categories.categories)


def _label(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}-{high}"


def _top(high: int | None) -> int:
    return _BEYOND if high is None else high


def _overlaps(band: Band, category: Category) -> bool:
    low = category.low or 0
    return low <= _top(band.high) and band.low <= _top(category.high)


def _within(band: Band, category: Category) -> bool:
    return (category.low or 0) <= band.low and _top(band.high) <= _top(category.high)


def split_bands(categories: CategorySet, bands: Sequence[Band]) -> tuple[Band, ...]:
    """The bands that the groups split (a band that is in more than one group, or partly in one).

    Args:
        categories: Interval groups (each with ``low`` and ``high``).
        bands: The bands, lowest first.

    Returns:
        The bands no group can count whole; empty when every group is a union of whole bands.
    """
    split = []
    for band in bands:
        touched = [c for c in categories.categories if _overlaps(band, c)]
        if touched and (len(touched) > 1 or not _within(band, touched[0])):
            split.append(band)
    return tuple(split)


def coarser_groups(categories: CategorySet, bands: Sequence[Band], name: str) -> CategorySet:
    """The nearest groups the bands can give: bands merged wherever a group splits them.

    Two neighbouring bands stay apart where some group boundary falls between them, and are
    merged otherwise; merged bands that meet no group are left out (as values outside the
    groups are). 5-year groups from 10-year bands give the bands; 0-14, 15-24, 25-64, 65+
    from bands 0-15, 16-24, 25-34 ... 65+ give 0-24, 25-64, 65+.

    Args:
        categories: The groups asked for.
        bands: The bands, lowest first.
        name: Name of the new category set.

    Returns:
        Groups labelled by their intervals (``Y0T24`` "0-24", ``Y_GE65`` "65+").
    """
    merged: list[list[Band]] = []
    for band in bands:
        if merged and any(
            _overlaps(band, c) and _overlaps(merged[-1][-1], c) for c in categories.categories
        ):
            merged[-1].append(band)
        else:
            merged.append([band])
    groups = []
    for run in merged:
        low, high = run[0].low, run[-1].high
        if not any(_overlaps(Band("", low, high), c) for c in categories.categories):
            continue
        code = f"Y_GE{low}" if high is None else f"Y{low}T{high}"
        groups.append(Category(code, _label(low, high), low, high))
    return CategorySet(name, tuple(groups), total_label=categories.total_label)


_TESTS: dict[str, Callable[[int, int], bool]] = {
    "=": lambda value, n: value == n,
    "!=": lambda value, n: value != n,
    ">=": lambda value, n: value >= n,
    "<=": lambda value, n: value <= n,
    ">": lambda value, n: value > n,
    "<": lambda value, n: value < n,
}


def split_by_condition(operator: str, number: int, bands: Sequence[Band]) -> tuple[Band, ...]:
    """The bands a condition such as ``age >= 15`` splits (true for some values, false for others).

    Args:
        operator: ``=``, ``!=``, ``>=``, ``<=``, ``>`` or ``<``.
        number: The number compared with.
        bands: The bands.

    Returns:
        The bands the condition cuts; empty when it holds for whole bands only.
    """
    test = _TESTS[operator]
    split = []
    for band in bands:
        top = _top(band.high)
        ends = {test(band.low, number), test(top, number)}
        inside = band.low < number < top if operator in ("=", "!=") else False
        if len(ends) > 1 or inside:
            split.append(band)
    return tuple(split)
