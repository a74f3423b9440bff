"""Polars building blocks of the derivation: Enums, integer lookups, intervals, rule tables.

Everything here works on the coded concept columns of the first derivation stage
(:func:`censusmig.tables.derive.concept_exprs`): codes are Polars Enums, so a rule or a
grouping maps the Enums' integer codes through a small array, never strings.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence

import polars as pl

from censusmig.classifications import countries
from censusmig.classifications.categories import NATIVITY, RESIDENCE, CategorySet
from censusmig.classifications.codes import (
    NOT_APPLICABLE,
    NOT_STATED,
    OTHER,
    TRAILING_ORDER,
    UNKNOWN_CODE,
)
from censusmig.concepts import CONCEPTS, ConceptKind
from censusmig.dimensions.columns import concept_column, nativity_column
from censusmig.dimensions.rules import nativity_rule
from censusmig.profiles.model import Profile

VALID = "ok"
"""Status of a numeric concept whose value is usable."""

SPECIAL = (NOT_STATED, NOT_APPLICABLE, UNKNOWN_CODE)
"""The special codes a value or its status can take besides a regular category."""

PARENTS = ("country_of_birth_mother", "country_of_birth_father")
"""The parents' country-of-birth concepts, whose nativity the generation reads."""


def enum(codes: Iterable[str]) -> pl.Enum:
    """An Enum of ``codes`` followed by the special codes."""
    return pl.Enum(list(dict.fromkeys((*codes, *TRAILING_ORDER))))


def category_codes(concept: str) -> list[str]:
    """Codes of a category concept's coded column, in Enum order (specials last)."""
    return list(enum(CONCEPTS[concept].target_codes()).categories)


def country_codes(profile: Profile) -> tuple[str, ...]:
    """Every code a country column can take: ISO alpha-3, the census country, profile targets."""
    extra = [profile.country]
    for name, mapping in profile.concepts.items():
        if CONCEPTS[name].kind is not ConceptKind.COUNTRY:
            continue
        extra += mapping.codes.values()
        extra += [mapping.other] if mapping.other else []
        if mapping.gate:
            extra += mapping.gate.codes.values()
    codes = (*countries.countries(), *extra)
    return tuple(dict.fromkeys(code for code in codes if code not in TRAILING_ORDER))


_DENSE_SPAN = 1 << 20
"""Largest span of integer codes looked up through an array rather than a hash map."""


def table_lookup(
    source: pl.Expr, table: Mapping[int, str], default: str, null: str, dtype: pl.Enum
) -> pl.Expr:
    """Map integer codes through a table: an array lookup (gather) when the codes are dense.

    This is what makes recoding cheap: each record costs one bounds check and one array
    read, the way a hand-written expert script does it, instead of a hash-map probe.

    Args:
        source: Integer expression.
        table: Code -> result code.
        default: Result for codes not in the table.
        null: Result for nulls.
        dtype: Enum of every result code.

    Returns:
        An expression of ``dtype`` with no nulls.
    """
    if not table or max(table) - min(table) > _DENSE_SPAN:
        mapped = source.replace_strict(dict(table), default=default, return_dtype=dtype)
        return pl.when(source.is_null()).then(pl.lit(null, dtype)).otherwise(mapped)
    low, high = min(table), max(table)
    values = [table.get(code, default) for code in range(low, high + 1)] + [default, null]
    index = (
        pl.when(source.is_null())
        .then(pl.lit(high - low + 2))
        .when(source.is_between(low, high))
        .then(source - low)
        .otherwise(pl.lit(high - low + 1))
    )
    return pl.lit(pl.Series(values, dtype=dtype)).gather(index)


def lookup(
    inputs: Sequence[tuple[pl.Expr, Sequence[str]]],
    rule: Callable[..., str],
    codes: Sequence[str],
) -> pl.Expr:
    """Apply a rule on category codes to every record through one integer lookup.

    The rule is a plain Python function of the input codes (readable, unit-tested); it is
    evaluated once per combination of input categories, and the records are mapped through
    the resulting table on the Enums' integer codes, never on strings.

    Args:
        inputs: (Enum expression, its categories in Enum order) for each argument of ``rule``.
        rule: Function of one code per input returning the result code.
        codes: Regular result categories (special codes are added).

    Returns:
        An Enum expression of the rule's result.
    """
    key: pl.Expr = pl.lit(0, pl.Int64)
    for expr, categories in inputs:
        key = key * len(categories) + expr.to_physical().cast(pl.Int64)
    results = [
        rule(*(cats[i] for i, (_, cats) in zip(combination, inputs, strict=True)))
        for combination in itertools.product(*(range(len(cats)) for _, cats in inputs))
    ]
    # itertools.product enumerates combinations in the same order as the key, so the rule's
    # results form a dense array indexed by the key.
    return pl.lit(pl.Series(results, dtype=enum(codes))).gather(key)


def interval_codes(value: pl.Expr, status: pl.Expr, categories: CategorySet, high: int) -> pl.Expr:
    """Interval categories (age groups, durations) of a number; specials from its status."""
    table: dict[int, str] = {}
    for category in categories.categories:
        low = category.low or 0
        top = high if category.high is None else category.high
        table.update({number: category.code for number in range(low, top + 1)})
    dtype = enum(categories.codes)
    grouped = table_lookup(value, table, UNKNOWN_CODE, UNKNOWN_CODE, dtype)
    return lookup(
        [(status, [VALID, *SPECIAL]), (grouped, dtype.categories.to_list())],
        lambda state, group: group if state == VALID else state,
        categories.codes,
    )


def years_since_arrival(year_of_arrival: pl.Expr, reference_date: dt.date) -> pl.Expr:
    """Completed years of residence: census year minus year of arrival (month not known)."""
    return pl.lit(reference_date.year) - year_of_arrival


def nativity_exprs(profile: Profile, concepts: Iterable[str]) -> list[pl.Expr]:
    """Nativity of the person and of each parent whose country of birth is coded."""
    country = enum(country_codes(profile))
    rule = functools.partial(nativity_rule, census_country=profile.country)
    return [
        lookup(
            [(pl.col(concept_column(name)), country.categories.to_list())], rule, NATIVITY.codes
        ).alias(nativity_column(name))
        for name in ("country_of_birth", *PARENTS)
        if name in concepts
    ]


def category_level(concept: str, column: pl.Expr, categories: CategorySet) -> pl.Expr:
    """A category concept's coded column at the level of ``categories``.

    A code of ``categories`` and a special code stay as they are; a code of the concept's
    detailed set becomes its roll-up (``other_major_division`` -> ``other_area``) where that is
    one of ``categories``; any other code is ``_X``.

    Args:
        concept: The category concept.
        column: Its coded column (an Enum of :func:`category_codes`).
        categories: The categories of the table: the concept's roll-up or detailed level.

    Returns:
        An Enum expression of ``categories``.
    """
    detail = CONCEPTS[concept].detail
    parent = {c.code: c.parent for c in detail.categories} if detail else {}
    wanted = set(categories.codes)

    def rule(code: str) -> str:
        if code in wanted or code in TRAILING_ORDER:
            return code
        roll_up = parent.get(code)
        return roll_up if roll_up in wanted else UNKNOWN_CODE

    return lookup([(column, category_codes(concept))], rule, categories.codes)


def residence_area(
    residence: pl.Expr,
    country: pl.Expr | None,
    country_enum: pl.Enum,
    kinds: CategorySet = RESIDENCE,
) -> pl.Expr:
    """Detail of residence at a past date: abroad by M49 region of the country, else the type.

    Abroad with the country not stated (also the country code ``abroad_U``), miscoded or
    unplaced by M49 is ``abroad_U``, ``abroad_X`` or ``abroad_O``; without a country concept,
    plain ``abroad``.

    Args:
        residence: The residence type, an Enum of ``kinds``.
        country: The coded country of residence, or None when the profile has none.
        country_enum: The Enum of the country column.
        kinds: The residence types of the table (roll-up or detailed level).
    """
    codes = list(residence_area_parents(kinds))
    kind_codes = list(enum(kinds.codes).categories)
    if country is None:
        return lookup([(residence, kind_codes)], lambda kind: kind, codes)
    regions = {code: c.region or OTHER for code, c in countries.countries().items()}
    regions.update({NOT_STATED: NOT_STATED, NOT_APPLICABLE: NOT_STATED, UNKNOWN_CODE: UNKNOWN_CODE})
    regions[countries.ABROAD_NOT_STATED] = NOT_STATED

    def rule(kind: str, country_code: str) -> str:
        if kind != "abroad":
            return kind
        region = regions.get(country_code, OTHER)
        return f"abroad{region}" if region in TRAILING_ORDER else region

    return lookup(
        [(residence, kind_codes), (country, country_enum.categories.to_list())], rule, codes
    )


def residence_area_parents(kinds: CategorySet = RESIDENCE) -> dict[str, str]:
    """Inner code of ``residence_*_area`` -> its residence type (one of ``kinds``)."""
    parents = {code: code for code in (*kinds.codes, *TRAILING_ORDER)}
    parents.update({region: "abroad" for region in countries.M49_REGIONS})
    parents.update({f"abroad{special}": "abroad" for special in TRAILING_ORDER})
    return parents
