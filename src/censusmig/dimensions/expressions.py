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
from typing import Any

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

Result = str | int | bool | None
"""What a lookup table maps a code to: a code of an Enum, a number, a flag, or null."""


def table_lookup(
    source: pl.Expr,
    table: Mapping[int, Result],
    default: Result,
    null: Result,
    dtype: pl.DataType,
) -> pl.Expr:
    """Map integer codes through a table: an array lookup when the codes are dense.

    This is what makes recoding cheap: each record costs one bounds check and one array
    read, the way a hand-written expert script does it, instead of a hash-map probe
    (:func:`hash_lookup`, kept for codes spread over more than a million values). Both give
    the same result for every record.

    Args:
        source: Integer expression.
        table: Code -> result.
        default: Result for codes not in the table.
        null: Result for nulls.
        dtype: Type of the results (an Enum of every result code, a number, a Boolean).

    Returns:
        An expression of ``dtype``; null only where a result is None.
    """
    if table and max(table) - min(table) > _DENSE_SPAN:
        return hash_lookup(source, table, default, null, dtype)
    return array_lookup(source, table, default, null, dtype)


def array_lookup(
    source: pl.Expr,
    table: Mapping[int, Result],
    default: Result,
    null: Result,
    dtype: pl.DataType,
) -> pl.Expr:
    """Map integer codes through an array spanning the table's codes (see :func:`table_lookup`).

    The array holds one entry per code from the smallest to the largest in the table, then
    ``default`` (for any code outside that span) and ``null``; each record is read at its
    code's offset. Its size is the span of the codes, so use it for dense codes only.
    """
    low = min(table, default=0)
    high = max(table, default=low - 1)
    values = [default] * (high - low + 1) + [default, null]
    for code, result in table.items():
        values[code - low] = result
    return pl.lit(pl.Series(values, dtype=dtype)).gather(array_offset(source, low, high))


def array_offset(source: pl.Expr, low: int, high: int) -> pl.Expr:
    """Where :func:`array_lookup` reads each code in its array of the codes ``low``-``high``.

    Args:
        source: Integer expression.
        low: The array's first code.
        high: The array's last code.

    Returns:
        The code's offset from ``low`` inside the span, ``high - low + 1`` (the default's
        entry) outside it, ``high - low + 2`` (the null's entry) for a null.
    """
    return (
        pl.when(source.is_null())
        .then(pl.lit(high - low + 2))
        .when(source.is_between(low, high))
        .then(source - low)
        .otherwise(pl.lit(high - low + 1))
    )


def hash_lookup(
    source: pl.Expr,
    table: Mapping[Any, Result],
    default: Result,
    null: Result,
    dtype: pl.DataType,
) -> pl.Expr:
    """Map codes through a hash map: for text codes, and integer codes too spread for an array.

    Args:
        source: Expression of the codes (integers or text, as the table's keys).
        table: Code -> result.
        default: Result for codes not in the table.
        null: Result for nulls.
        dtype: Type of the results.

    Returns:
        An expression of ``dtype``; null only where a result is None.
    """
    codes = source
    if table and all(isinstance(code, int) for code in table):
        # Compared as Int64 whatever the column's width: a table code that does not fit the
        # column (999 for a byte column) must match no record, not stop the run; a value
        # that fits no Int64 (a huge unsigned one) is in no table either.
        codes = source.cast(pl.Int64, strict=False)
    mapped = codes.replace_strict(dict(table), default=default, return_dtype=dtype)
    if default is not None:
        mapped = mapped.fill_null(pl.lit(default, dtype))
    return pl.when(source.is_null()).then(pl.lit(null, dtype)).otherwise(mapped)


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
        inputs: (Enum expression, its categories in Enum order) for each argument of ``rule``;
            an input may also be an offset into a list (:func:`array_offset`), with the code
            each offset stands for.
        rule: Function of one code per input returning the result code.
        codes: Regular result categories (special codes are added).

    Returns:
        An Enum expression of the rule's result.
    """
    # Enums' physical codes may be as small as UInt8, so they are widened to UInt32 first:
    # every key fits, as the table of results has one entry per key and is built in Python.
    key: pl.Expr | None = None
    for expr, categories in inputs:
        code = expr.to_physical().cast(pl.UInt32)
        key = code if key is None else key * len(categories) + code
    results = [
        rule(*(cats[i] for i, (_, cats) in zip(combination, inputs, strict=True)))
        for combination in itertools.product(*(range(len(cats)) for _, cats in inputs))
    ]
    # itertools.product enumerates combinations in the same order as the key, so the rule's
    # results form a dense array indexed by the key.
    return pl.lit(pl.Series(results, dtype=enum(codes))).gather(
        pl.lit(0, pl.UInt32) if key is None else key
    )


def interval_codes(value: pl.Expr, status: pl.Expr, categories: CategorySet, high: int) -> pl.Expr:
    """Interval categories (age groups, durations) of a number; specials from its status."""
    table: dict[int, str] = {}
    for category in categories.categories:
        low = category.low or 0
        top = high if category.high is None else category.high
        table.update({number: category.code for number in range(low, top + 1)})
    low = min(table, default=0)
    top = max(table, default=low - 1)
    # One lookup of the status and the value's offset in an array of the values (each the
    # code of its group; out of range or null, _X), rather than a lookup of the groups first.
    groups = [table.get(number, UNKNOWN_CODE) for number in range(low, top + 1)]
    return lookup(
        [
            (status, [VALID, *SPECIAL]),
            (array_offset(value, low, top), [*groups, UNKNOWN_CODE, UNKNOWN_CODE]),
        ],
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
    return lookup(
        [(column, category_codes(concept))], level_rule(concept, categories), categories.codes
    )


def level_rule(concept: str, categories: CategorySet) -> Callable[[str], str]:
    """The rule of :func:`category_level`: a code of the concept -> its code in ``categories``."""
    detail = CONCEPTS[concept].detail
    parent = {c.code: c.parent for c in detail.categories} if detail else {}
    wanted = set(categories.codes)

    def rule(code: str) -> str:
        if code in wanted or code in TRAILING_ORDER:
            return code
        roll_up = parent.get(code)
        return roll_up if roll_up in wanted else UNKNOWN_CODE

    return rule


def residence_area(
    residence: pl.Expr,
    country: pl.Expr | None,
    country_enum: pl.Enum,
    kinds: CategorySet = RESIDENCE,
    concept: str | None = None,
) -> pl.Expr:
    """Detail of residence at a past date: abroad by M49 region of the country, else the type.

    Abroad with the country not stated (also the country code ``abroad_U``), miscoded or
    unplaced by M49 is ``abroad_U``, ``abroad_X`` or ``abroad_O``; without a country concept,
    plain ``abroad``.

    Args:
        residence: The residence type, an Enum of ``kinds``; with ``concept``, that
            concept's coded column instead, whose codes are put at the level of ``kinds``
            (:func:`category_level`) in the same lookup rather than in one of their own.
        country: The coded country of residence, or None when the profile has none.
        country_enum: The Enum of the country column.
        kinds: The residence types of the table (roll-up or detailed level).
        concept: The residence concept, when ``residence`` is its coded column.
    """
    codes = list(residence_area_parents(kinds))
    residence_codes = list(enum(kinds.codes).categories)
    kind_of: Callable[[str], str] = str  # already a type: each code is its own
    if concept is not None:
        residence_codes = category_codes(concept)
        kind_of = level_rule(concept, kinds)
    if country is None:
        return lookup([(residence, residence_codes)], kind_of, codes)
    regions = {code: c.region or OTHER for code, c in countries.countries().items()}
    regions.update({NOT_STATED: NOT_STATED, NOT_APPLICABLE: NOT_STATED, UNKNOWN_CODE: UNKNOWN_CODE})
    regions[countries.ABROAD_NOT_STATED] = NOT_STATED

    def rule(code: str, country_code: str) -> str:
        kind = kind_of(code)
        if kind != "abroad":
            return kind
        region = regions.get(country_code, OTHER)
        return f"abroad{region}" if region in TRAILING_ORDER else region

    return lookup(
        [(residence, residence_codes), (country, country_enum.categories.to_list())], rule, codes
    )


def residence_area_parents(kinds: CategorySet = RESIDENCE) -> dict[str, str]:
    """Inner code of ``residence_*_area`` -> its residence type (one of ``kinds``)."""
    parents = {code: code for code in (*kinds.codes, *TRAILING_ORDER)}
    parents.update({region: "abroad" for region in countries.M49_REGIONS})
    parents.update({f"abroad{special}": "abroad" for special in TRAILING_ORDER})
    return parents
