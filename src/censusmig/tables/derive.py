"""Derived variables: every concept and dimension as a Polars expression over the source columns.

Two stages. First each concept the run reads is coded once (``_c_<concept>``): a category or
country code, ``_U`` (not stated: a declared missing-value code or an empty cell), ``_Z`` (not
applicable) or ``_X`` (a source code in no code list); numeric concepts get a value column and a
status column (``_s_<concept>``); a country of birth also gets its nativity (``_n_<concept>``).
Then each dimension's definition (:mod:`censusmig.dimensions`) derives its columns from those.
Nothing is ever null, so every record lands in exactly one cell of every table. Codes are Polars
Enums, so aggregation groups on small integers and labels are attached only after aggregation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from censusmig.classifications import countries
from censusmig.classifications.categories import EARLIEST_YEAR, MAX_VALID_AGE, CategorySet
from censusmig.classifications.codes import (
    NOT_APPLICABLE,
    NOT_STATED,
    UNKNOWN_CODE,
    could_be_code,
)
from censusmig.concepts import CONCEPTS, GEOGRAPHY_LEVELS, ConceptKind
from censusmig.dimensions import DIMENSIONS
from censusmig.dimensions.columns import concept_column, status_column
from censusmig.dimensions.expressions import (
    SPECIAL,
    VALID,
    Result,
    country_codes,
    enum,
    hash_lookup,
    nativity_exprs,
    table_lookup,
)
from censusmig.errors import CensusmigError
from censusmig.profiles.model import (
    ORDERINGS,
    ConceptMapping,
    Population,
    PopulationCondition,
    Profile,
    whole_number,
)

WEIGHT = "_weight"
"""Column holding each record's weight (1 for a full count)."""

IN_POPULATION = "_in_population"
"""Column saying whether a record is in the profile's population (only when it defines one)."""

_ALPHA_SYSTEMS = ("iso3166-alpha2", "iso3166-alpha3")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")

_DETAIL = "detail"
"""What a gate's detail codes are keyed to while its code table is read."""

NOT_A_CODE = -(2**62)
"""Stands for a source value that cannot be a code at all (2.7, "abc"); coded ``_X``."""


def code_as_text(expr: pl.Expr) -> pl.Expr:
    """A source code as text for reports: SPSS and Stata store codes as floats (999.0 -> 999)."""
    return expr.cast(pl.String).str.replace(r"\.0$", "")


def unknown_code_text(
    mapping: ConceptMapping,
    keep: pl.Expr | None = None,
    copies: Mapping[str, str] | None = None,
) -> pl.Expr:
    """How a source code in no code list is reported: ``"COLUMN=code"``.

    Through a gate, an answer that sends the reader to the detail column is shown with the
    detail column's code, any other with the gate's own code.

    Args:
        mapping: The concept's mapping.
        keep: Rows to keep first (the records coded ``_X``), so only they are made text.
        copies: Data column -> the column holding its values, for data columns that a
            derived column of the same name replaces (the report still names the data
            column).
    """

    def source(column: str) -> pl.Expr:
        read = pl.col((copies or {}).get(column, column))
        return code_as_text(read if keep is None else read.filter(keep))

    def shown(column: str) -> pl.Expr:
        return pl.concat_str(pl.lit(f"{column}="), source(column).fill_null(""))

    code = shown(mapping.column)
    if mapping.gate is not None:
        gate = source(mapping.gate.column).str.strip_chars()
        code = (
            pl.when(gate.is_in(mapping.gate.detail))
            .then(code)
            .otherwise(shown(mapping.gate.column))
        )
    return code.alias("code")


def shown_unknown_codes(counts: Mapping[str, int]) -> dict[str, int]:
    """Codes in no code list as every report shows them: a code, or text told by its length.

    The one place that decides which unknown codes a user sees (check's output, run.json,
    the data-quality summary, report and workbook all read its result). A value that could be
    a code (:func:`could_be_code`) is shown with its count, as the profile's author needs to
    map it. Values that cannot be codes are put together per column into one entry that says
    how many there are and how long, never what they are: ``DISABILITY=(3 values of 40-212
    characters, not shown)``, with the records of all of them.

    Args:
        counts: ``"COLUMN=code"`` (:func:`unknown_code_text`) -> records.

    Returns:
        The codes shown, in their order, then one entry per column of values not shown.
    """
    shown: dict[str, int] = {}
    hidden: dict[str, list[tuple[int, int]]] = {}
    for text, records in counts.items():
        column, _, code = text.partition("=")
        if could_be_code(code):
            shown[text] = shown.get(text, 0) + records
        else:
            hidden.setdefault(column, []).append((len(code), records))
    for column, found in hidden.items():
        lengths = sorted(length for length, _ in found)
        span = f"{lengths[0]}" if lengths[0] == lengths[-1] else f"{lengths[0]}-{lengths[-1]}"
        values = "1 value" if len(found) == 1 else f"{len(found):,} values"
        key = f"{column}=({values} of {span} characters, not shown)"
        shown[key] = sum(records for _, records in found)
    return shown


@dataclass(frozen=True)
class ColumnRequest:
    """A derived column a run needs.

    Attributes:
        dimension: Dimension name.
        column: Name of the column to create.
        categories: Category set overriding the dimension's default, if any.
    """

    dimension: str
    column: str
    categories: CategorySet | None = None


# --- stage 1: concepts --------------------------------------------------------------------


def _source(mapping: ConceptMapping, column: str, schema: pl.Schema) -> tuple[pl.Expr, bool]:
    """A source column as an expression and whether it is compared as integers."""
    dtype = schema[column]
    expr = pl.col(column)
    if dtype.is_integer():
        return expr, True
    if dtype.is_float():
        # A code is a whole number: 2.0 reads as 2, while 2.7 must not become 2 (NOT_A_CODE
        # is in no table, so it is coded _X).
        whole = (expr == expr.round(0)).fill_null(True)
        return pl.when(whole).then(expr.cast(pl.Int64, strict=False)).otherwise(NOT_A_CODE), True
    text = expr.cast(pl.String).str.strip_chars()
    if mapping.case_insensitive or mapping.code_system in _ALPHA_SYSTEMS:
        text = text.str.to_uppercase()
    if mapping.code_system == "iso3166-numeric":
        text = text.str.strip_chars_start("0")
    return text, False


def _keyed(mapping: ConceptMapping, table: Mapping[str, str], as_int: bool) -> dict[object, str]:
    keyed: dict[object, str] = {}
    for key, value in table.items():
        key = key.strip()
        if as_int:
            number = whole_number(key)
            if number is not None:
                keyed[number] = value
            continue
        if mapping.case_insensitive or mapping.code_system in _ALPHA_SYSTEMS:
            key = key.upper()
        if mapping.code_system == "iso3166-numeric":
            key = key.lstrip("0")
        keyed[key] = value
    return keyed


def _with_missing(mapping: ConceptMapping, table: Mapping[str, str]) -> dict[str, str]:
    full = dict(table)
    full.update({code: NOT_APPLICABLE for code in mapping.not_applicable})
    full.update({code: NOT_STATED for code in mapping.not_stated})
    return full


def _lookup(
    source: pl.Expr,
    as_int: bool,
    keyed: Mapping[object, Result],
    default: Result,
    null: Result,
    dtype: pl.DataType,
) -> pl.Expr:
    """Source codes (:func:`_source`) mapped through a table keyed by :func:`_keyed`.

    Integer codes go through an array where they are dense (:func:`table_lookup`), text
    through a hash map.
    """
    if as_int:
        table = {code: result for code, result in keyed.items() if isinstance(code, int)}
        return table_lookup(source, table, default, null, dtype)
    return hash_lookup(source, keyed, default, null, dtype)


def map_codes(
    mapping: ConceptMapping, schema: pl.Schema, base: Mapping[str, str], dtype: pl.Enum
) -> pl.Expr:
    """Map a concept's source column(s) onto standard codes, with ``_U``/``_Z``/``_X`` for the rest.

    Args:
        mapping: The profile's mapping of the concept.
        schema: Schema of the data, to compare integers as integers and text as text.
        base: Code table of the code system (ISO codes), overridden by the profile's own codes.
        dtype: Enum of every code the result can take.

    Returns:
        An expression of ``dtype`` with no nulls.
    """
    source, as_int = _source(mapping, mapping.column, schema)
    table = _with_missing(mapping, {**base, **mapping.codes})
    keyed = _keyed(mapping, table, as_int)
    coded = _lookup(source, as_int, keyed, mapping.other or UNKNOWN_CODE, NOT_STATED, dtype)
    if mapping.gate is None:
        return coded
    gate, gate_as_int = _source(mapping, mapping.gate.column, schema)
    gate_table = {**mapping.gate.codes, **{code: _DETAIL for code in mapping.gate.detail}}
    keyed = _keyed(mapping, gate_table, gate_as_int)
    # The gate's own answers and whether it sends the reader to the detail column, as two
    # lookups of the gate's code (a null gate is not stated, and reads no detail).
    answers = {code: answer for code, answer in keyed.items() if answer != _DETAIL}
    detail = {code: True for code, answer in keyed.items() if answer == _DETAIL}
    answer = _lookup(gate, gate_as_int, answers, UNKNOWN_CODE, NOT_STATED, dtype)
    read_detail = _lookup(gate, gate_as_int, detail, False, False, pl.Boolean())
    return pl.when(read_detail).then(coded).otherwise(answer)


def _number(
    mapping: ConceptMapping, schema: pl.Schema, low: int, high: int
) -> tuple[pl.Expr, pl.Expr]:
    """Value and status of a numeric concept; the value is null unless the status is ``ok``.

    A number held as bands takes each band's lowest value; a code in no band is ``_X``.
    """
    source, as_int = _source(mapping, mapping.column, schema)
    if not as_int:
        # Text that is not a number ("abc") is a code in no list; a blank cell is not stated.
        parsed = source.cast(pl.Int64, strict=False)
        written = source.is_not_null() & (source != "")
        source = pl.when(written & parsed.is_null()).then(pl.lit(NOT_A_CODE)).otherwise(parsed)
    recodes = _whole_keys(mapping.codes)
    numbers = {k: n for k, v in recodes.items() if (n := whole_number(v)) is not None}
    specials = {k: v for k, v in recodes.items() if k not in numbers}
    specials.update(_whole_keys(dict.fromkeys(mapping.not_applicable, NOT_APPLICABLE)))
    specials.update(_whole_keys(dict.fromkeys(mapping.not_stated, NOT_STATED)))
    if mapping.bands:
        # A band code is read as its lowest value: an interval group or a condition that is
        # a union of whole bands (checked against the recipes) then counts it rightly.
        numbers = {int(band.code): band.low for band in mapping.bands}
        table = dict.fromkeys(numbers, VALID)
    else:
        table = dict.fromkeys(range(low, high + 1), VALID)
        table.update(
            {code: VALID if low <= to <= high else UNKNOWN_CODE for code, to in numbers.items()}
        )
    table.update(specials)
    status = table_lookup(source, table, UNKNOWN_CODE, NOT_STATED, pl.Enum([VALID, *SPECIAL]))
    valid = sorted(code for code, state in table.items() if state == VALID)
    if not numbers and valid and len(valid) == valid[-1] - valid[0] + 1:
        # Every code from the lowest valid one to the highest is valid: a range test is
        # cheaper than reading the status again (Polars does not share the status's lookup).
        return pl.when(source.is_between(valid[0], valid[-1])).then(source).cast(pl.Int32), status
    value = source
    if numbers:
        # Each valid code read as its number through one lookup; any other code reads 0 and
        # is dropped by its status (an array without nulls is read faster).
        values: dict[int, Result] = {code: numbers.get(code, code) for code in valid}
        value = table_lookup(source, values, 0, 0, pl.Int64())
    return pl.when(status == VALID).then(value).cast(pl.Int32), status


def _whole_keys(table: Mapping[str, str]) -> dict[int, str]:
    """The entries whose source code is a whole number (ASCII digits), keyed by the number."""
    return {n: v for k, v in table.items() if (n := whole_number(k)) is not None}


def _area(mapping: ConceptMapping, schema: pl.Schema, labels: Mapping[str, str]) -> pl.Expr:
    """An area code of a geography level with the profile's ``labels`` (an Enum if codes known)."""
    source, as_int = _source(mapping, mapping.column, schema)
    known = list(mapping.codes.values()) or list(labels)
    table = _with_missing(mapping, mapping.codes or {code: code for code in labels})
    if not table or (not mapping.codes and not labels):
        # No code list: every code is taken as it is, except the declared missing values.
        keyed = _keyed(mapping, _with_missing(mapping, {}), as_int)
        coded = _lookup(source, as_int, keyed, None, NOT_STATED, pl.String())
        return coded.fill_null(source.cast(pl.String))
    dtype = enum([*known, *([mapping.other] if mapping.other else [])])
    keyed = _keyed(mapping, table, as_int)
    return _lookup(source, as_int, keyed, mapping.other or UNKNOWN_CODE, NOT_STATED, dtype)


def region_mapping(profile: Profile, name: str = "region") -> ConceptMapping:
    """An area of usual residence, read like an area concept.

    Args:
        profile: The profile of the run.
        name: One of :data:`~censusmig.concepts.GEOGRAPHY_LEVELS`: ``region`` (the first
            geography level) or ``district`` (the second).
    """
    return ConceptMapping(name, profile.geography[GEOGRAPHY_LEVELS.index(name)].column)


def concept_exprs(profile: Profile, schema: pl.Schema, concepts: Iterable[str]) -> list[pl.Expr]:
    """Stage 1: the coded column (and status column, for numbers) of each concept.

    ``region`` and ``district`` (the geography's first and second levels) are coded like an
    area concept, each with its level's labels.
    """
    exprs: list[pl.Expr] = []
    country_enum = enum(country_codes(profile))
    last_year = profile.reference_date.year
    first_labels = profile.geography[0].labels if profile.geography else {}
    for name in sorted(set(concepts)):
        if name in GEOGRAPHY_LEVELS:
            level = profile.geography[GEOGRAPHY_LEVELS.index(name)]
            area = _area(region_mapping(profile, name), schema, level.labels)
            exprs.append(area.alias(concept_column(name)))
            continue
        mapping = profile.concepts[name]
        kind = CONCEPTS[name].kind
        if kind is ConceptKind.CATEGORY:
            codes = CONCEPTS[name].target_codes()
            exprs.append(map_codes(mapping, schema, {}, enum(codes)).alias(concept_column(name)))
        elif kind is ConceptKind.COUNTRY:
            base = countries.code_map(mapping.code_system) if mapping.code_system else {}
            exprs.append(map_codes(mapping, schema, base, country_enum).alias(concept_column(name)))
        elif kind is ConceptKind.AREA:
            exprs.append(_area(mapping, schema, first_labels).alias(concept_column(name)))
        else:
            low, high = (0, MAX_VALID_AGE) if name == "age" else (EARLIEST_YEAR, last_year)
            value, status = _number(mapping, schema, low, high)
            exprs += [value.alias(concept_column(name)), status.alias(status_column(name))]
    return exprs


def population_expr(population: Population, schema: pl.Schema) -> pl.Expr:
    """Whether a record is in the population: every condition met, never null.

    A numeric column is compared as numbers (a code that is no number is refused);
    any other column as text with its blanks trimmed, as the code maps read it; an ordering
    reads a text column as numbers. A record with an empty cell in a condition's column, or a
    text that is no number under an ordering, is outside the population.

    Args:
        population: The profile's population.
        schema: Schema of the data.

    Returns:
        A Boolean expression.

    Raises:
        CensusmigError: A condition compares a column of numbers with a code that is no
            number (or a whole-number column with a fraction): it could match no record.
    """
    for index, condition in enumerate(population.conditions):
        _check_population_codes(index, condition, schema[condition.column])
    return pl.all_horizontal(
        _population_condition(condition, schema[condition.column]).fill_null(False)
        for condition in population.conditions
    )


def _check_population_codes(index: int, condition: PopulationCondition, dtype: pl.DataType) -> None:
    if not dtype.is_numeric() or condition.operator in ORDERINGS:
        return
    kind = "whole numbers" if dtype.is_integer() else "numbers"
    for value in condition.values:
        if not _is_number(value) or (dtype.is_integer() and not float(value).is_integer()):
            raise CensusmigError(
                f"population.conditions[{index}]: column {condition.column!r} holds {kind}, "
                f"so the code {value!r} can match no record; write the code as the file "
                "holds it"
            )


def _population_condition(condition: PopulationCondition, dtype: pl.DataType) -> pl.Expr:
    column = pl.col(condition.column)
    numeric = dtype.is_numeric()
    if condition.operator in ORDERINGS:
        number = float(condition.values[0])
        value = (
            column.cast(pl.Float64, strict=False)
            if numeric
            else (column.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False))
        )
        return {
            ">=": value >= number,
            "<=": value <= number,
            ">": value > number,
            "<": value < number,
        }[condition.operator]
    if numeric:
        numbers = [float(v) for v in condition.values if _is_number(v)]
        found = column.cast(pl.Float64).is_in(numbers)
    else:
        found = column.cast(pl.String).str.strip_chars().is_in(list(condition.values))
    return ~found if condition.operator == "!=" else found


def _is_number(text: str) -> bool:
    """Whether a code is a number as a profile writes one (ASCII digits, no "nan" or "inf")."""
    return _NUMBER.match(text.strip()) is not None


# --- stage 2: dimensions ------------------------------------------------------------------


def dimension_exprs(request: ColumnRequest, profile: Profile) -> list[pl.Expr]:
    """Stage 2: a dimension's columns, as its definition derives them."""
    definition = DIMENSIONS[request.dimension]
    return definition.columns(profile, request.column, request.categories)


def concepts_of(requests: Iterable[ColumnRequest], profile: Profile) -> set[str]:
    """Concepts the requested dimensions read (required ones, plus optional ones mapped)."""
    needed: set[str] = set()
    for request in requests:
        needed |= DIMENSIONS[request.dimension].concepts(profile)
    return needed


def derive(
    frame: pl.LazyFrame,
    profile: Profile,
    requests: Iterable[ColumnRequest],
    concepts: Iterable[str] = (),
) -> pl.LazyFrame:
    """Add the coded concept columns, the requested dimension columns and ``_weight``.

    With a population in the profile, :data:`IN_POPULATION` says which records are in it.

    Args:
        frame: The person file, lazily.
        profile: Validated profile; its columns must exist in ``frame``.
        requests: Dimension columns the run's recipes use.
        concepts: Further concepts to code (for universe conditions and the quality report).

    Returns:
        The frame with the derived columns added; source columns are kept for accounting.
    """
    requests = list(requests)
    schema = frame.collect_schema()
    needed = concepts_of(requests, profile) | set(concepts)
    weight = (
        # A Float32 weight stays Float32, so that its units are taken at its shortest decimal.
        pl.col(profile.weight)
        .cast(pl.Float32 if schema[profile.weight] == pl.Float32 else pl.Float64)
        .fill_null(0.0)
        if profile.weight
        else pl.lit(1, pl.Int64)
    )
    population = (
        [population_expr(profile.population, schema).alias(IN_POPULATION)]
        if profile.population
        else []
    )
    frame = frame.with_columns(
        *concept_exprs(profile, schema, needed), weight.alias(WEIGHT), *population
    )
    frame = frame.with_columns(nativity_exprs(profile, needed))
    return frame.with_columns(
        expr for request in requests for expr in dimension_exprs(request, profile)
    )
