"""Derived variables: every concept and dimension as a Polars expression over the source columns.

Two stages. First each concept the run reads is coded once (``_c_<concept>``): a category or
country code, ``_U`` (not stated: a declared missing-value code or an empty cell), ``_Z`` (not
applicable) or ``_X`` (a source code in no code list); numeric concepts get a value column and a
status column (``_s_<concept>``). Then each dimension is one expression over those columns.
Nothing is ever null, so every record lands in exactly one cell of every table. Codes are Polars
Enums, so aggregation groups on small integers and labels are attached only after aggregation.

Each derivation rule is a small function with its rule in the docstring (STANDARDS.md,
"Derived variables").
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from censusmig.classifications import countries
from censusmig.classifications.categories import (
    CITIZENSHIP_STATUS,
    EARLIEST_YEAR,
    EDUCATION,
    GENERATION,
    MAX_VALID_AGE,
    MIGRATORY_STATUS,
    NATIVITY,
    RECENT_MIGRANT,
    RESIDENCE,
    Category,
    CategorySet,
    calendar_periods,
)
from censusmig.classifications.codes import (
    NOT_APPLICABLE,
    NOT_STATED,
    OTHER,
    TRAILING_ORDER,
    UNKNOWN_CODE,
)
from censusmig.concepts import CONCEPTS, DIMENSIONS, ConceptKind
from censusmig.profiles.model import ConceptMapping, Profile

WEIGHT = "_weight"
"""Column holding each record's weight (1 for a full count)."""

VALID = "ok"
"""Status of a numeric concept whose value is usable."""

_ALPHA_SYSTEMS = ("iso3166-alpha2", "iso3166-alpha3")

NOT_A_CODE = -(2**62)
"""Stands for a source value that cannot be a code at all (2.7, "abc"); coded ``_X``."""
_SPECIAL = (NOT_STATED, NOT_APPLICABLE, UNKNOWN_CODE)


def enum(codes: Iterable[str]) -> pl.Enum:
    """An Enum of ``codes`` followed by the special codes."""
    return pl.Enum(list(dict.fromkeys((*codes, *TRAILING_ORDER))))


def code_as_text(expr: pl.Expr) -> pl.Expr:
    """A source code as text for reports: SPSS and Stata store codes as floats (999.0 -> 999)."""
    return expr.cast(pl.String).str.replace(r"\.0$", "")


def unknown_code_text(mapping: ConceptMapping, keep: pl.Expr | None = None) -> pl.Expr:
    """How a source code in no code list is reported: ``"COLUMN=code"``.

    Through a gate, an answer that sends the reader to the detail column is shown with the
    detail column's code, any other with the gate's own code.

    Args:
        mapping: The concept's mapping.
        keep: Rows to keep first (the records coded ``_X``), so only they are made text.
    """

    def source(column: str) -> pl.Expr:
        return code_as_text(pl.col(column) if keep is None else pl.col(column).filter(keep))

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


def concept_column(concept: str) -> str:
    """Name of the coded column of a concept."""
    return f"_c_{concept}"


def status_column(concept: str) -> str:
    """Name of the status column of a numeric concept (``ok``, ``_U``, ``_Z``, ``_X``)."""
    return f"_s_{concept}"


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
            if key.lstrip("-").isdigit():
                keyed[int(key)] = value
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
    unlisted = mapping.other or UNKNOWN_CODE
    if as_int:
        coded = table_lookup(source, keyed, unlisted, NOT_STATED, dtype)  # type: ignore[arg-type]
    else:
        mapped = source.replace_strict(keyed, default=unlisted, return_dtype=dtype)
        coded = pl.when(source.is_null()).then(pl.lit(NOT_STATED, dtype)).otherwise(mapped)
    if mapping.gate is None:
        return coded
    gate, gate_as_int = _source(mapping, mapping.gate.column, schema)
    gate_table = {**mapping.gate.codes, **{code: "detail" for code in mapping.gate.detail}}
    keyed = _keyed(mapping, gate_table, gate_as_int)
    answer = gate.replace_strict(keyed, default=UNKNOWN_CODE, return_dtype=pl.String)
    return (
        pl.when(gate.is_null())
        .then(pl.lit(NOT_STATED, dtype))
        .when(answer == "detail")
        .then(coded)
        .otherwise(answer.cast(dtype))
    )


def _number(
    mapping: ConceptMapping, schema: pl.Schema, low: int, high: int
) -> tuple[pl.Expr, pl.Expr]:
    """Value and status of a numeric concept; the value is null unless the status is ``ok``."""
    source, as_int = _source(mapping, mapping.column, schema)
    if not as_int:
        # Text that is not a number ("abc") is a code in no list; a blank cell is not stated.
        parsed = source.cast(pl.Int64, strict=False)
        written = source.is_not_null() & (source != "")
        source = pl.when(written & parsed.is_null()).then(pl.lit(NOT_A_CODE)).otherwise(parsed)
    recodes = {int(k): v for k, v in mapping.codes.items() if k.strip().lstrip("-").isdigit()}
    numbers = {k: int(v) for k, v in recodes.items() if v.lstrip("-").isdigit()}
    specials = {k: v for k, v in recodes.items() if not v.lstrip("-").isdigit()}
    specials.update(
        {int(c): NOT_APPLICABLE for c in mapping.not_applicable if c.lstrip("-").isdigit()}
    )
    specials.update({int(c): NOT_STATED for c in mapping.not_stated if c.lstrip("-").isdigit()})
    value = source.replace(numbers) if numbers else source
    table = dict.fromkeys(range(low, high + 1), VALID)
    table.update(
        {code: VALID if low <= to <= high else UNKNOWN_CODE for code, to in numbers.items()}
    )
    table.update(specials)
    status = table_lookup(source, table, UNKNOWN_CODE, NOT_STATED, pl.Enum([VALID, *_SPECIAL]))
    return pl.when(status == VALID).then(value).cast(pl.Int32), status


def _area(mapping: ConceptMapping, schema: pl.Schema, profile: Profile) -> pl.Expr:
    """An area code of the profile's first geography level (an Enum when the codes are known)."""
    source, as_int = _source(mapping, mapping.column, schema)
    labels = profile.geography[0].labels if profile.geography else {}
    known = list(mapping.codes.values()) or list(labels)
    table = _with_missing(mapping, mapping.codes or {code: code for code in labels})
    if not table or (not mapping.codes and not labels):
        # No code list: every code is taken as it is, except the declared missing values.
        keyed = _keyed(mapping, _with_missing(mapping, {}), as_int)
        text = source.cast(pl.String)
        coded = source.replace_strict(keyed, default=None, return_dtype=pl.String)
        return pl.when(source.is_null()).then(pl.lit(NOT_STATED)).otherwise(coded.fill_null(text))
    dtype = enum([*known, *([mapping.other] if mapping.other else [])])
    mapped = source.replace_strict(
        _keyed(mapping, table, as_int), default=mapping.other or UNKNOWN_CODE, return_dtype=dtype
    )
    return pl.when(source.is_null()).then(pl.lit(NOT_STATED, dtype)).otherwise(mapped)


def region_mapping(profile: Profile) -> ConceptMapping:
    """The region of usual residence (first geography level), read like an area concept."""
    return ConceptMapping("region", profile.geography[0].column)


def concept_exprs(profile: Profile, schema: pl.Schema, concepts: Iterable[str]) -> list[pl.Expr]:
    """Stage 1: the coded column (and status column, for numbers) of each concept.

    ``region`` (the geography's first level) is coded like an area concept.
    """
    exprs: list[pl.Expr] = []
    country_enum = enum(country_codes(profile))
    last_year = profile.reference_date.year
    for name in sorted(set(concepts)):
        if name == "region":
            exprs.append(
                _area(region_mapping(profile), schema, profile).alias(concept_column(name))
            )
            continue
        mapping = profile.concepts[name]
        kind = CONCEPTS[name].kind
        if kind is ConceptKind.CATEGORY:
            categories = CONCEPTS[name].categories
            assert categories is not None
            exprs.append(
                map_codes(mapping, schema, {}, enum(categories.codes)).alias(concept_column(name))
            )
        elif kind is ConceptKind.COUNTRY:
            base = countries.code_map(mapping.code_system) if mapping.code_system else {}
            exprs.append(map_codes(mapping, schema, base, country_enum).alias(concept_column(name)))
        elif kind is ConceptKind.AREA:
            exprs.append(_area(mapping, schema, profile).alias(concept_column(name)))
        else:
            low, high = (0, MAX_VALID_AGE) if name == "age" else (EARLIEST_YEAR, last_year)
            value, status = _number(mapping, schema, low, high)
            exprs += [value.alias(concept_column(name)), status.alias(status_column(name))]
    return exprs


# --- stage 2: dimensions ------------------------------------------------------------------


def _c(concept: str) -> pl.Expr:
    return pl.col(concept_column(concept))


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
        [(status, [VALID, *_SPECIAL]), (grouped, dtype.categories.to_list())],
        lambda state, group: group if state == VALID else state,
        categories.codes,
    )


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


def nativity_rule(country_of_birth: str, census_country: str) -> str:
    """Nativity: native-born where the country of birth is the census country.

    ``_U``, ``_Z`` and ``_X`` stay as they are: a person whose birthplace is not stated or
    miscoded is neither native- nor foreign-born.
    """
    if country_of_birth in TRAILING_ORDER:
        return country_of_birth
    return "native_born" if country_of_birth == census_country else "foreign_born"


def citizenship_status_rule(citizenship: str, acquisition: str, census_country: str) -> str:
    """Citizen by birth / by naturalisation / foreign citizen / stateless.

    A citizen of the census country is split by how citizenship was acquired (a citizen whose
    acquisition is not stated is "citizen, acquisition not stated", still a citizen); ICAO code
    XXA is stateless; any other country is a foreign citizen; a not-applicable citizenship
    counts as not stated.
    """
    if citizenship == census_country:
        return {
            "by_birth": "citizen_by_birth",
            "by_naturalisation": "citizen_by_naturalisation",
        }.get(acquisition, "citizen_acquisition_not_stated")
    if citizenship == countries.STATELESS:
        return "stateless"
    if citizenship in (NOT_STATED, NOT_APPLICABLE):
        return NOT_STATED
    if citizenship in TRAILING_ORDER:
        return citizenship
    return "foreign_citizen"


def migratory_status_rule(nativity: str, citizenship: str, census_country: str) -> str:
    """The EGM 2 x 2: native-/foreign-born by citizen of the census country or not.

    Stateless persons are non-citizens. Unknown nativity or citizenship gives ``_X`` when either
    is a code in no list, otherwise ``_U``.
    """
    if UNKNOWN_CODE in (nativity, citizenship):
        return UNKNOWN_CODE
    if nativity in TRAILING_ORDER or citizenship in TRAILING_ORDER:
        return NOT_STATED
    citizen = citizenship == census_country
    if nativity == "native_born":
        return "native_citizen" if citizen else "native_non_citizen"
    return "foreign_citizen" if citizen else "foreign_non_citizen"


def generation_rule(nativity: str, mother: str, father: str) -> str:
    """First / second (both or one parent foreign-born) / third+ generation.

    Foreign-born: first. Native-born: both parents foreign-born, second (both); one foreign-born
    and the other native-born or not stated, second (one); both native-born, third or higher;
    otherwise (a parent's birthplace unknown and no parent foreign-born) not stated. Unknown
    nativity of the person stays as it is.
    """
    if nativity == "foreign_born":
        return "first"
    if nativity != "native_born":
        return nativity
    foreign = (mother, father).count("foreign_born")
    if foreign == 2:
        return "second_both"
    if foreign == 1:
        return "second_one"
    if (mother, father).count("native_born") == 2:
        return "third_plus"
    return NOT_STATED


def recent_migrant_rule(nativity: str, arrival: str, abroad_5_years_ago: str) -> str:
    """Recent international migrant: arrived within 5 years, or lived abroad 5 years ago.

    Foreign-born whose year of arrival is less than 5 years before the census year
    (``arrival`` = "recent"), or anyone aged 5+ whose residence 5 years ago was abroad
    (``abroad_5_years_ago`` = "yes"). A foreign-born person whose year of arrival is not stated
    or miscoded, and who is not recent by residence, is ``_U`` / ``_X``.
    """
    foreign = nativity == "foreign_born"
    if (foreign and arrival == "recent") or abroad_5_years_ago == "yes":
        return "recent"
    if foreign and arrival in (NOT_STATED, UNKNOWN_CODE):
        return arrival
    return "not_recent"


def years_since_arrival(year_of_arrival: pl.Expr, reference_date: dt.date) -> pl.Expr:
    """Completed years of residence: census year minus year of arrival (month not known)."""
    return pl.lit(reference_date.year) - year_of_arrival


def residence_area(residence: pl.Expr, country: pl.Expr | None, country_enum: pl.Enum) -> pl.Expr:
    """Detail of residence at a past date: abroad by M49 region of the country, else the type.

    Abroad with the country not stated, miscoded or unplaced by M49 is ``abroad_U``,
    ``abroad_X`` or ``abroad_O``; without a country concept, plain ``abroad``.
    """
    codes = list(residence_area_parents())
    kinds = list(enum(RESIDENCE.codes).categories)
    if country is None:
        return lookup([(residence, kinds)], lambda kind: kind, codes)
    regions = {code: c.region or OTHER for code, c in countries.countries().items()}
    regions.update({NOT_STATED: NOT_STATED, NOT_APPLICABLE: NOT_STATED, UNKNOWN_CODE: UNKNOWN_CODE})

    def rule(kind: str, country_code: str) -> str:
        if kind != "abroad":
            return kind
        region = regions.get(country_code, OTHER)
        return f"abroad{region}" if region in TRAILING_ORDER else region

    return lookup([(residence, kinds), (country, country_enum.categories.to_list())], rule, codes)


def residence_area_parents() -> dict[str, str]:
    """Inner code of ``residence_*_area`` -> its residence type."""
    parents = {code: code for code in (*RESIDENCE.codes, *TRAILING_ORDER)}
    parents.update({region: "abroad" for region in countries.M49_REGIONS})
    parents.update({f"abroad{special}": "abroad" for special in TRAILING_ORDER})
    return parents


def _education(attainment: pl.Expr, categories: CategorySet) -> pl.Expr:
    """ISCED 2011 levels grouped into the category set (tertiary = ED5 to ED8 by default)."""
    group = {
        f"ED{level}": c.code
        for c in categories.categories
        for level in range(c.low or 0, (8 if c.high is None else c.high) + 1)
    }
    return lookup(
        [(attainment, _categories("educational_attainment"))],
        lambda level: group.get(level, level if level in TRAILING_ORDER else UNKNOWN_CODE),
        categories.codes,
    )


def _n(concept: str) -> pl.Expr:
    """The nativity helper column of a country-of-birth concept."""
    return pl.col(f"_n_{concept}")


_PARENTS = ("country_of_birth_mother", "country_of_birth_father")
_ARRIVAL = CategorySet(
    "arrival", (Category("recent", "", 0, 4), Category("not_recent", "", 5, None))
)


def nativity_exprs(profile: Profile, concepts: Iterable[str]) -> list[pl.Expr]:
    """Nativity of the person and of each parent whose country of birth is coded."""
    country = enum(country_codes(profile))
    rule = functools.partial(nativity_rule, census_country=profile.country)
    return [
        lookup([(_c(name), country.categories.to_list())], rule, NATIVITY.codes).alias(f"_n_{name}")
        for name in ("country_of_birth", *_PARENTS)
        if name in concepts
    ]


def _categories(concept: str) -> list[str]:
    spec = CONCEPTS[concept].categories
    assert spec is not None
    return list(enum(spec.codes).categories)


def dimension_expr(request: ColumnRequest, profile: Profile) -> pl.Expr:
    """Stage 2: one dimension as an expression over the coded concept columns."""
    name = request.dimension
    spec = DIMENSIONS[name]
    categories = request.categories or spec.categories
    countries_in_order = list(enum(country_codes(profile)).categories)
    nativity = list(enum(NATIVITY.codes).categories)
    here = profile.country
    if name in ("age_group", "broad_age_group"):
        assert categories is not None
        expr = interval_codes(_c("age"), pl.col(status_column("age")), categories, MAX_VALID_AGE)
    elif name == "period_of_arrival":
        assert categories is not None
        years = years_since_arrival(_c("year_of_arrival"), profile.reference_date)
        expr = interval_codes(years, pl.col(status_column("year_of_arrival")), categories, 200)
    elif name == "calendar_period_of_arrival":
        periods = calendar_periods(profile.reference_date.year)
        status = pl.col(status_column("year_of_arrival"))
        expr = interval_codes(_c("year_of_arrival"), status, periods, profile.reference_date.year)
    elif name == "nativity":
        expr = _n("country_of_birth")
    elif name == "citizenship_status":
        expr = lookup(
            [
                (_c("citizenship"), countries_in_order),
                (_c("citizenship_acquisition"), _categories("citizenship_acquisition")),
            ],
            functools.partial(citizenship_status_rule, census_country=here),
            CITIZENSHIP_STATUS.codes,
        )
    elif name == "migratory_status":
        expr = lookup(
            [(_n("country_of_birth"), nativity), (_c("citizenship"), countries_in_order)],
            functools.partial(migratory_status_rule, census_country=here),
            MIGRATORY_STATUS.codes,
        )
    elif name == "generation":
        expr = lookup(
            [(_n(concept), nativity) for concept in ("country_of_birth", *_PARENTS)],
            generation_rule,
            GENERATION.codes,
        )
    elif name == "recent_migrant":
        years = years_since_arrival(_c("year_of_arrival"), profile.reference_date)
        arrival = interval_codes(years, pl.col(status_column("year_of_arrival")), _ARRIVAL, 200)
        abroad = pl.lit(False)
        if "residence_5_years_ago" in profile.concepts:
            abroad = ((_c("residence_5_years_ago") == "abroad") & (_c("age") >= 5)).fill_null(False)
        expr = lookup(
            [
                (_n("country_of_birth"), nativity),
                (arrival, list(enum(_ARRIVAL.codes).categories)),
                (abroad.cast(pl.UInt8), ["no", "yes"]),
            ],
            recent_migrant_rule,
            RECENT_MIGRANT.codes,
        )
    elif name == "education":
        expr = _education(_c("educational_attainment"), categories or EDUCATION)
    elif name == "region":
        expr = pl.col(concept_column("region"))
    elif name in ("country_of_birth", "citizenship", "residence_1_year_ago",
                  "residence_5_years_ago", "reason_for_migration", "disability", "sex",
                  "place_of_birth", "region_5_years_ago"):  # fmt: skip
        expr = _c(name)
    else:  # pragma: no cover - DIMENSIONS and this function are kept in step by tests
        raise NotImplementedError(name)
    return expr.alias(request.column)


def inner_expr(request: ColumnRequest, profile: Profile) -> pl.Expr | None:
    """The inner-level column of a dimension whose levels are not derivable from one column."""
    if request.dimension != "residence_5_years_ago":
        return None
    country = _c("country_5_years_ago") if "country_5_years_ago" in profile.concepts else None
    return residence_area(_c("residence_5_years_ago"), country, enum(country_codes(profile)))


def concepts_of(requests: Iterable[ColumnRequest], profile: Profile) -> set[str]:
    """Concepts the requested dimensions read (required ones, plus optional ones mapped)."""
    needed: set[str] = set()
    for request in requests:
        spec = DIMENSIONS[request.dimension]
        needed |= {c for c in spec.requires if c in profile.concepts}
        needed |= {c for c in spec.uses if c in profile.concepts}
        if request.dimension == "region":
            needed.add("region")
        if request.dimension == "recent_migrant" and "residence_5_years_ago" in profile.concepts:
            needed.add("age")
    return needed


def derive(
    frame: pl.LazyFrame,
    profile: Profile,
    requests: Iterable[ColumnRequest],
    concepts: Iterable[str] = (),
) -> pl.LazyFrame:
    """Add the coded concept columns, the requested dimension columns and ``_weight``.

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
        pl.col(profile.weight).cast(pl.Float64).fill_null(0.0)
        if profile.weight
        else pl.lit(1, pl.Int64)
    )
    frame = frame.with_columns(*concept_exprs(profile, schema, needed), weight.alias(WEIGHT))
    frame = frame.with_columns(nativity_exprs(profile, needed))
    stage_two = [dimension_expr(request, profile) for request in requests]
    inner = [
        expr.alias(f"{request.column}_area")
        for request in requests
        if (expr := inner_expr(request, profile)) is not None
    ]
    return frame.with_columns(*stage_two, *inner)
