"""Derived variables: each dimension as one Polars expression over the source columns.

Every expression yields a code for every record: a category code, ``_U`` (not stated: a
declared missing-value code or an empty cell) or ``_X`` (a source code in no code list). Nothing
is ever null, so every record lands in exactly one cell of every table. Codes are Polars Enums,
so aggregation groups on small integers and labels are attached only after aggregation.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from censusmig.classifications import countries
from censusmig.classifications.categories import MAX_VALID_AGE, CategorySet
from censusmig.classifications.codes import (
    NOT_APPLICABLE,
    NOT_STATED,
    TRAILING_ORDER,
    UNKNOWN_CODE,
)
from censusmig.concepts import DIMENSIONS
from censusmig.readers.profile import ConceptMapping, Profile

WEIGHT = "_weight"
"""Column holding each record's weight (1 for a full count)."""

_ALPHA_SYSTEMS = ("iso3166-alpha2", "iso3166-alpha3")


def _enum(codes: tuple[str, ...]) -> pl.Enum:
    return pl.Enum(list(dict.fromkeys((*codes, *TRAILING_ORDER))))


def country_codes(profile: Profile) -> tuple[str, ...]:
    """Every code a country column can take: ISO alpha-3, the census country, profile targets."""
    extra = [profile.country]
    for mapping in profile.concepts.values():
        extra += mapping.codes.values()
    return tuple(dict.fromkeys((*countries.countries(), *extra)))


def _source(mapping: ConceptMapping, schema: pl.Schema) -> tuple[pl.Expr, bool]:
    """The source column as an expression and whether it is compared as integers."""
    dtype = schema[mapping.column]
    column = pl.col(mapping.column)
    if dtype.is_integer():
        return column, True
    if dtype.is_float():
        return column.cast(pl.Int64, strict=False), True
    text = column.cast(pl.String).str.strip_chars()
    if mapping.code_system in _ALPHA_SYSTEMS:
        text = text.str.to_uppercase()
    if mapping.code_system == "iso3166-numeric":
        text = text.str.strip_chars_start("0")
    return text, False


def _keyed(table: Mapping[str, str], as_int: bool, strip_zeros: bool) -> dict[object, str]:
    keyed: dict[object, str] = {}
    for key, value in table.items():
        if as_int:
            if key.strip().lstrip("-").isdigit():
                keyed[int(key)] = value
        else:
            keyed[key.strip().lstrip("0") if strip_zeros else key.strip()] = value
    return keyed


def map_codes(
    mapping: ConceptMapping, schema: pl.Schema, base: Mapping[str, str], dtype: pl.Enum
) -> pl.Expr:
    """Map a source column onto standard codes, with ``_U`` and ``_X`` for the rest.

    Args:
        mapping: The profile's mapping of the concept.
        schema: Schema of the data, to compare integers as integers and text as text.
        base: Code table of the code system (ISO codes), overridden by the profile's own codes.
        dtype: Enum of every code the result can take.

    Returns:
        An expression of ``dtype`` with no nulls.
    """
    source, as_int = _source(mapping, schema)
    table = {**base, **mapping.codes}
    table.update({code: NOT_APPLICABLE for code in mapping.not_applicable})
    table.update({code: NOT_STATED for code in mapping.not_stated})
    strip = mapping.code_system == "iso3166-numeric"
    keyed = _keyed(table, as_int, strip)
    mapped = source.replace_strict(keyed, default=UNKNOWN_CODE, return_dtype=dtype)
    return pl.when(source.is_null()).then(pl.lit(NOT_STATED, dtype)).otherwise(mapped)


def age_expr(mapping: ConceptMapping, schema: pl.Schema) -> pl.Expr:
    """Age in completed years, null where not stated or out of range (0 to 120)."""
    source, _ = _source(mapping, schema)
    if not schema[mapping.column].is_integer():
        source = source.cast(pl.Int64, strict=False)
    missing = [int(code) for code in mapping.not_stated if code.lstrip("-").isdigit()]
    valid = source.is_between(0, MAX_VALID_AGE) & ~source.is_in(missing)
    return pl.when(valid).then(source).cast(pl.Int32)


def age_group_expr(mapping: ConceptMapping, schema: pl.Schema, categories: CategorySet) -> pl.Expr:
    """Age group codes from a category set of intervals; ``_U`` not stated, ``_X`` out of range."""
    table: dict[str, str] = {}
    for category in categories.categories:
        low = category.low or 0
        high = MAX_VALID_AGE if category.high is None else category.high
        table.update({str(age): category.code for age in range(low, high + 1)})
    as_int = ConceptMapping(
        mapping.concept, mapping.column, None, {}, mapping.not_stated, mapping.not_applicable
    )
    return map_codes(as_int, _integer_schema(mapping, schema), table, _enum(categories.codes))


def _integer_schema(mapping: ConceptMapping, schema: pl.Schema) -> pl.Schema:
    # Ages are compared as integers even when a CSV column was read as text.
    if schema[mapping.column].is_integer():
        return schema
    overridden: dict[str, pl.DataType] = dict(schema.items())
    overridden[mapping.column] = pl.Float64()
    return pl.Schema(overridden)


def derive(frame: pl.LazyFrame, profile: Profile, dimensions: set[str]) -> pl.LazyFrame:
    """Add one coded column per dimension (and ``age``, ``_weight``) to the source frame.

    Args:
        frame: The person file, lazily.
        profile: Validated profile; its columns must exist in ``frame``.
        dimensions: Dimensions the run's recipes use.

    Returns:
        The frame with the derived columns added; source columns are kept for accounting.
    """
    schema = frame.collect_schema()
    concepts = profile.concepts
    exprs: list[pl.Expr] = []
    country_enum = _enum(country_codes(profile))
    if "age" in concepts:
        exprs.append(age_expr(concepts["age"], schema).alias("age"))
    if profile.weight:
        exprs.append(pl.col(profile.weight).cast(pl.Float64).fill_null(0.0).alias(WEIGHT))
    else:
        exprs.append(pl.lit(1, pl.Int64).alias(WEIGHT))
    for name in sorted(dimensions):
        spec = DIMENSIONS[name]
        if name == "sex":
            assert spec.categories is not None
            sex = map_codes(concepts["sex"], schema, {}, _enum(spec.categories.codes))
            exprs.append(sex.alias(name))
        elif name in ("age_group", "broad_age_group"):
            assert spec.categories is not None
            exprs.append(age_group_expr(concepts["age"], schema, spec.categories).alias(name))
        elif name == "country_of_birth":
            exprs.append(_country(concepts[name], schema, country_enum).alias(name))
        elif name == "nativity":
            continue  # from the coded country of birth, below
        else:  # pragma: no cover - DIMENSIONS and this function are kept in step by tests
            raise NotImplementedError(name)
    frame = frame.with_columns(exprs)
    if "nativity" in dimensions:
        if "country_of_birth" not in dimensions:
            cob = _country(concepts["country_of_birth"], schema, country_enum)
            frame = frame.with_columns(cob.alias("country_of_birth"))
        nativity = nativity_expr(pl.col("country_of_birth"), profile.country, country_enum)
        frame = frame.with_columns(nativity.alias("nativity"))
    return frame


def _country(mapping: ConceptMapping, schema: pl.Schema, dtype: pl.Enum) -> pl.Expr:
    base = countries.code_map(mapping.code_system) if mapping.code_system else {}
    return map_codes(mapping, schema, base, dtype)


def nativity_expr(
    country_of_birth: pl.Expr, census_country: str, countries_enum: pl.Enum
) -> pl.Expr:
    """Nativity from country of birth: native-born where it is the census country.

    ``_U`` and ``_X`` of the country of birth stay ``_U`` and ``_X``: a person whose birthplace
    is not stated or miscoded is neither native- nor foreign-born.
    """
    dtype = _enum(("native_born", "foreign_born"))
    table = {code: "foreign_born" for code in countries_enum.categories}
    table.update({special: special for special in TRAILING_ORDER})
    table[census_country] = "native_born"
    return country_of_birth.replace_strict(table, return_dtype=dtype)
