"""Profiles: TOML files that map a data file's columns and codes onto censusmig's concepts.

A profile is validated whole; :class:`censusmig.errors.SpecError` lists every problem with its
key path, the bad value, the valid choices and the nearest match.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from censusmig.classifications import countries
from censusmig.concepts import CONCEPTS, ConceptKind
from censusmig.disclosure import ProtectionPlan
from censusmig.errors import InputError, nearest
from censusmig.profiles.design import Design, Estimates, read_design
from censusmig.profiles.protection import read_protection
from censusmig.specfile import Checker, join, load_toml

RESIDENCE_RULES = (12, 6)

CENSUS_YEARS = (1800, 2200)
"""Years a census reference date may fall in (a typo such as 20250 or 0202 is refused)."""

NUMBER_LIMITS: Mapping[str, tuple[int, int]] = {
    "age": (0, 150),
    "year_of_arrival": CENSUS_YEARS,
}
"""Numeric concept -> the lowest and highest value a profile may give it (a band's ends, a
code mapped to a number); wider than the edit checks' plausible range, it only refuses
values no person can have."""

MAX_CODE_LENGTH = 100
"""Most characters in one source code. Codebooks use codes of a few characters (ids, the
longest, about 12 digits); a text column coded with its labels ("United States, ns") stays
well under this."""

MAX_CODE_DIGITS = 15
"""Most digits in a whole-number source code (leading zeros aside): every such code is then
exact as a 64-bit integer and as a float, however the data column is stored."""

MAX_CODES = 1_000_000
"""Most source codes one concept may list, ranges expanded."""

MAX_TEXT_LENGTH = 300
"""Most characters in a name or label the profile gives for tables (the census name, area
labels, the population's label); a spreadsheet cell holds at most 32,767."""

MISSING_WORDS = frozenset(
    ("", "nan", "-nan", "null", "none", "na", "n/a", "<na>", "nat", "#n/a", "#na", "#n/a n/a")
)
"""Labels (compared without case or surrounding blanks) that spreadsheets, pandas and R read
as a missing value rather than a name; a table cannot be labelled with them."""

PROFILE_SCHEMA_VERSION = 2
"""The profile format this censusmig writes.

Version 2 reads every source code as written, commas and all ("United States, ns" is one
code); several codes share a standard code through ``code_groups`` and a range is a table
``{ from = "100", to = "199" }``. Version 1 wrote lists and ranges inside the code
(``"3,4"``, ``"100..199"``); a version-1 profile without them means the same in both
versions and is still read, while each such code is reported with its version-2 form. Keys
added since (``bands``, ``[population]``, ``all_labels``) are read the same in both versions:
only the reading of code keys differs.
"""

PLACEHOLDER = "REVIEW"
"""The value a draft writes for a fact no data file holds (census country, reference date).

It is neither an ISO alpha-3 code nor a date, so it cannot pass for a real value: a profile
holding it still validates (``check`` runs on a draft) but cannot be tabulated.
"""

PLACEHOLDER_FIXES: Mapping[str, str] = {
    "census.country": 'the census country\'s ISO 3166 alpha-3 code, such as country = "ARG"',
    "census.reference_date": "the census reference date, such as reference_date = 2016-10-01",
}
"""Key that may hold :data:`PLACEHOLDER` -> what to write there instead."""


@dataclass(frozen=True)
class Gate:
    """A second column that says whether the concept's own column applies.

    Many questionnaires ask "where were you born? 1 here ... 4 abroad" and code the country
    in another column only for some answers (the EPH's CH15 and CH15_COD).

    Attributes:
        column: The gate column (CH15).
        codes: Gate code -> standard code for answers that settle the concept by themselves
            ("1" -> "ARG", "9" -> "_U").
        detail: Gate codes for which the concept's own column is read ("4", "5").
    """

    column: str
    codes: Mapping[str, str]
    detail: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    """One code of a banded number: the interval of values the code stands for.

    A census file often holds age as bands (code 1 = "0 to 15", 2 = "16 to 24" ... 8 = "65
    and over"); each code is read as its interval, never as a number of years.

    Attributes:
        code: The source code (a whole number, as the data hold it).
        low: Lowest value of the band.
        high: Highest value of the band, or None for an open top band ("65 and over").
    """

    code: str
    low: int
    high: int | None = None

    @property
    def label(self) -> str:
        """The interval as tables label it: ``0-15`` or ``65+``."""
        return f"{self.low}+" if self.high is None else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class ConceptMapping:
    """How one concept is read from the data.

    Attributes:
        concept: Concept name (see :data:`censusmig.concepts.CONCEPTS`).
        column: Source column in the data file.
        code_system: For country concepts, the ISO code system of the column, or None when
            ``codes`` is a table.
        codes: Source code -> standard code (category code, ISO alpha-3, area code, or a number
            for numeric concepts), from the profile's ``codes`` table, ``extra_codes`` and
            ``code_groups``; each source code appears once (duplicates are refused).
        not_stated: Source codes that mean "not stated" (coded ``_U``).
        not_applicable: Source codes that mean "not applicable" (coded ``_Z``), such as a
            year of arrival for a person who never lived abroad.
        case_insensitive: Compare text codes without regard to case ("bol" = "BOL").
        gate: A gate column deciding when ``column`` is read, if any.
        other: Standard code for every source code the profile does not list (instead of
            ``_X``, "unknown code"); for code lists that end in "any other code".
        bands: For a number held as bands (age bands), each code with its interval, lowest
            first; empty when the column holds the number itself. A code in no band (and in
            no missing-value list) is an unknown code.
    """

    concept: str
    column: str
    code_system: str | None = None
    codes: Mapping[str, str] = field(default_factory=dict)
    not_stated: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()
    case_insensitive: bool = False
    gate: Gate | None = None
    other: str | None = None
    bands: tuple[Band, ...] = ()

    def columns(self) -> tuple[str, ...]:
        """The data columns this mapping reads."""
        return (self.column, self.gate.column) if self.gate else (self.column,)


@dataclass(frozen=True)
class GeographyLevel:
    """One level of the profile's geography (region, district...).

    Attributes:
        name: Level name used in recipes ("region").
        column: Source column.
        labels: Source code -> name, for published tables.
        all_labels: Show every labelled area in tables, with zeros, even those no record
            uses; by default a table lists only the labelled areas observed in it.
    """

    name: str
    column: str
    labels: Mapping[str, str] = field(default_factory=dict)
    all_labels: bool = False


POPULATION_OPERATORS = ("=", "!=", ">=", "<=", ">", "<", "in")
"""Operators of a population condition; the four orderings compare numbers."""

ORDERINGS = (">=", "<=", ">", "<")
"""Operators that compare a source column with one number."""


@dataclass(frozen=True)
class PopulationCondition:
    """One condition of the population on a source column, such as ``POPBASE = 1``.

    Parsed, never evaluated here: :func:`censusmig.tables.derive.population_expr` turns the
    conditions into one Polars filter, comparing numbers as numbers and text as trimmed text.

    Attributes:
        column: The source column of the data file.
        operator: One of :data:`POPULATION_OPERATORS`.
        values: Source codes as written (``=``, ``!=`` and ``in`` keep a record whose value is
            one of them, ``!=`` one that is none of them), or one number for an ordering.
    """

    column: str
    operator: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        """Write the condition back as a profile author writes it."""
        return f"{self.column} {self.operator} {', '.join(self.values)}"


@dataclass(frozen=True)
class Population:
    """Who the tables count: the records meeting every condition (usual residents...).

    Records outside it (visitors, non-residents, household records of a hierarchical file)
    are in the file totals and the edit checks, but in no table; the run record counts them.

    Attributes:
        label: Who is in it, in words ("usual residents").
        conditions: Conditions on source columns; a record is in the population when it
            meets all of them (a record with an empty cell in a condition's column is not).
    """

    label: str
    conditions: tuple[PopulationCondition, ...]


@dataclass(frozen=True)
class Release:
    """Who publishes the tables and when (the profile's optional ``[publication]``).

    Printed on the report's title page and the workbook's cover sheet; a key left out is not
    shown.

    Attributes:
        publisher: The office that publishes the tables.
        contact: Where readers send questions (an e-mail address, a web page or a phone).
        release_date: The day the tables are released.
    """

    publisher: str | None = None
    contact: str | None = None
    release_date: dt.date | None = None


@dataclass(frozen=True)
class Profile:
    """A validated profile.

    Attributes:
        path: The file it was read from.
        sha256: Hash of the file's bytes, written in run manifests.
        census_name: Name of the census or survey, for source lines.
        country: Census country, ISO alpha-3 (a user-assigned code is allowed).
        country_name: English name of the census country.
        reference_date: Census reference date.
        residence_rule_months: Usual-residence rule, 12 (UN recommendation) or 6 months.
        person_id: Column(s) that together identify a person (dwelling, household and
            member number in many surveys); empty when the file has no identifier.
        household_id: Column(s) that together identify a household (the dwelling and
            household number in many surveys); empty when the profile names none. Persons
            are nested in households: the edit checks flag a person id found in two of them.
        weight: Column with the person weight, or None for a full count.
        geography: Geography levels, coarsest first.
        concepts: Concept name -> mapping.
        placeholders: Keys still holding the draft's :data:`PLACEHOLDER` (``census.country``,
            ``census.reference_date``), empty in a reviewed profile. ``country`` is then the
            placeholder itself and ``reference_date`` today, stand-ins that only let the edit
            checks run; tabulating such a profile is refused.
        population: The population every table counts (``[population]``), or None for every
            record of the file.
        release: Publisher, contact and release date (``[publication]``).
        design: The sampling design (``[design]``): how standard errors are computed, or
            None when the profile states none.
        estimates: Confidence level and reliability cut-offs (``[estimates]``).
        protection: How the tables are protected before publication (``[protection]``).
    """

    path: Path
    sha256: str
    census_name: str
    country: str
    country_name: str
    reference_date: dt.date
    residence_rule_months: int
    person_id: tuple[str, ...]
    household_id: tuple[str, ...]
    weight: str | None
    geography: tuple[GeographyLevel, ...]
    concepts: Mapping[str, ConceptMapping]
    placeholders: tuple[str, ...] = ()
    population: Population | None = None
    release: Release = field(default_factory=Release)
    design: Design | None = None
    estimates: Estimates = field(default_factory=Estimates)
    protection: ProtectionPlan = field(default_factory=ProtectionPlan)

    @property
    def sampling_design(self) -> Design | None:
        """The design that gives standard errors, or None (no design, or method ``none``)."""
        if self.design is None or not self.design.computes_errors or self.weight is None:
            return None
        return self.design

    def columns(self) -> tuple[str, ...]:
        """Every data column the profile names, in a stable order."""
        names = [*self.person_id, *self.household_id, self.weight]
        if self.design is not None:
            names += self.design.columns()
        names += [level.column for level in self.geography]
        names += [name for mapping in self.concepts.values() for name in mapping.columns()]
        if self.population:
            names += [condition.column for condition in self.population.conditions]
        return tuple(dict.fromkeys(name for name in names if name))

    def _keys(self) -> dict[str, str]:
        """Each column -> the first key of the profile that names it (``data.household_id``)."""
        keys: dict[str, str] = {}
        for key, names in (("person_id", self.person_id), ("household_id", self.household_id)):
            for name in names:
                keys.setdefault(name, f"data.{key}")
        if self.weight:
            keys.setdefault(self.weight, "data.weight")
        for name, key in (self.design.keys() if self.design else {}).items():
            keys.setdefault(name, key)
        for index, level in enumerate(self.geography):
            keys.setdefault(level.column, f"geography.levels[{index}].column")
        for concept, mapping in self.concepts.items():
            keys.setdefault(mapping.column, f"concepts.{concept}.column")
            if mapping.gate:
                keys.setdefault(mapping.gate.column, f"concepts.{concept}.gate.column")
        conditions = self.population.conditions if self.population else ()
        for index, condition in enumerate(conditions):
            keys.setdefault(condition.column, f"population.conditions[{index}]")
        return keys

    def check_columns(self, available: tuple[str, ...], data_path: str) -> None:
        """Raise InputError naming every profile column absent from the data.

        Args:
            available: Column names of the data file.
            data_path: The data file, for the message.
        """
        missing = [name for name in self.columns() if name not in available]
        if not missing:
            return
        keys = self._keys()
        lines = []
        for name in missing:
            match = nearest(name, available)
            hint = f" (nearest column: {match!r})" if match else ""
            lines.append(f"  - column {name!r}, named in {self.path} at {keys[name]}{hint}")
        raise InputError(
            f"{data_path}: {len(missing)} column(s) named in the profile are not in the data:\n"
            + "\n".join(lines)
        )


_TOP_KEYS = (
    "schema_version",
    "census",
    "publication",
    "data",
    "population",
    "geography",
    "concepts",
    "design",
    "estimates",
    "protection",
)
_PUBLICATION_KEYS = ("publisher", "contact", "release_date")
_CENSUS_KEYS = ("name", "country", "country_name", "reference_date", "residence_rule_months")
_DATA_KEYS = ("person_id", "household_id", "weight")
_CONCEPT_KEYS = (
    "column",
    "codes",
    "extra_codes",
    "code_groups",
    "not_stated",
    "not_applicable",
    "case_insensitive",
    "gate",
    "other",
    "bands",
)
_ALPHA3 = re.compile(r"^[A-Z]{3}$")


def read_profile(path: Path, *, reviewed: bool = False) -> Profile:
    """Read and validate a profile file.

    Args:
        path: The TOML file.
        reviewed: Require a reviewed profile: a key still holding the draft's
            :data:`PLACEHOLDER` is a problem (for tabulating; ``check`` runs on a draft).

    Returns:
        The validated profile.

    Raises:
        InputError: The file cannot be read.
        SpecError: The file is invalid; every problem is listed.
    """
    document, sha256 = load_toml(path, "profile")
    check = Checker(path)
    version = check.schema_version(document, PROFILE_SCHEMA_VERSION, older=(1,))
    check.unknown_keys(document, _TOP_KEYS, "")

    census = check.table(document, "census", "")
    check.unknown_keys(census, _CENSUS_KEYS, "census")
    census_name = check.string(census, "name", "census") or ""
    placeholders: list[str] = []
    country = check.string(census, "country", "census") or ""
    if country == PLACEHOLDER:
        placeholders.append("census.country")
    elif country and not _ALPHA3.match(country):
        check.add("census.country", "must be an ISO 3166 alpha-3 code in capitals", country)
    country_name = check.string(census, "country_name", "census", required=False)
    if country_name is None:
        known = countries.countries().get(country)
        country_name = known.name if known else country
    _check_length(check, "census.name", census_name)
    _check_length(check, "census.country_name", country_name)
    reference_date = census.get("reference_date")
    if reference_date == PLACEHOLDER:
        placeholders.append("census.reference_date")
        reference_date = dt.date.today()  # years of arrival after today are odd whatever it is
    elif not isinstance(reference_date, dt.date) or isinstance(reference_date, dt.datetime):
        check.add("census.reference_date", "must be a TOML date such as 2025-03-15", reference_date)
        reference_date = dt.date(1970, 1, 1)
    elif not CENSUS_YEARS[0] <= reference_date.year <= CENSUS_YEARS[1]:
        check.add(
            "census.reference_date",
            f"must fall in the years {CENSUS_YEARS[0]} to {CENSUS_YEARS[1]}",
            reference_date,
        )
        reference_date = dt.date(1970, 1, 1)
    rule = census.get("residence_rule_months", 12)
    if rule not in RESIDENCE_RULES:
        check.add(
            "census.residence_rule_months",
            "unsupported residence rule",
            rule,
            tuple(map(str, RESIDENCE_RULES)),
        )

    release = _read_release(check, document)
    data = check.table(document, "data", "", required=False)
    check.unknown_keys(data, _DATA_KEYS, "data")
    person_id = _read_id(check, data, "person_id", '("ID" or ["HH", "LINE"])')
    household_id = _read_id(check, data, "household_id", '("HH_ID" or ["DWELLING", "HH"])')
    weight = check.string(data, "weight", "data", required=False)
    design, estimates = read_design(check, document, weight)
    protection = read_protection(check, document, weight, path)

    geography = _read_geography(check, document)
    concepts = _read_concepts(check, document, version)
    population = _read_population(check, document)
    _check_population_areas(check, population, geography)
    for key in placeholders if reviewed else ():
        check.add(
            key, f"still the draft's placeholder; write {PLACEHOLDER_FIXES[key]}", PLACEHOLDER
        )
    check.raise_if_any(f"invalid profile {path}")
    return Profile(
        path=path,
        sha256=sha256,
        census_name=census_name,
        country=country,
        country_name=country_name,
        reference_date=reference_date,
        residence_rule_months=int(rule),
        person_id=person_id,
        household_id=household_id,
        weight=weight,
        geography=geography,
        concepts=concepts,
        placeholders=tuple(placeholders),
        population=population,
        release=release,
        design=design,
        estimates=estimates,
        protection=protection,
    )


def _read_id(check: Checker, data: Mapping[str, Any], key: str, example: str) -> tuple[str, ...]:
    """An identifier of one or more columns: ``"ID"`` or ``["HH", "LINE"]``."""
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str) and value.strip():
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    check.add(f"data.{key}", f"must be a column name or a list of them {example}", value)
    return ()


_POPULATION_CONDITION = re.compile(
    r"^\s*(?P<column>[^\s=!<>~]+)\s*(?P<operator>[=!<>~]+|\bin\b)\s*(?P<values>.*?)\s*$"
)
_POPULATION_EXAMPLE = (
    '"POPBASE = 1", "RECTYPE in P, Q" or { column = "Record type", operator = "in", '
    'values = ["P"] }'
)
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def _read_population(check: Checker, document: Mapping[str, Any]) -> Population | None:
    """``[population]``: ``label`` and ``conditions`` on source columns (parsed, not evaluated).

    A condition is a string ``"POPBASE = 1"`` (``in`` takes a comma-separated list) or a
    table ``{ column = "...", operator = "in", values = ["..."] }`` for a column name with
    blanks or a code with a comma.
    """
    if "population" not in document:
        return None
    table = check.table(document, "population", "")
    check.unknown_keys(table, ("label", "conditions"), "population")
    label = check.string(table, "label", "population") or ""
    _check_length(check, "population.label", label)
    written = table.get("conditions")
    if not isinstance(written, list) or not written:
        check.add(
            "population.conditions",
            f"must be a list of conditions such as [{_POPULATION_EXAMPLE}]",
            written,
        )
        return None
    conditions = [
        condition
        for index, item in enumerate(written)
        if (condition := _population_condition(check, f"population.conditions[{index}]", item))
    ]
    return Population(label, tuple(conditions))


def _population_condition(check: Checker, key: str, item: object) -> PopulationCondition | None:
    """One population condition, from its string or table form; None when it is invalid."""
    if isinstance(item, str):
        match = _POPULATION_CONDITION.match(item)
        if match is None:
            check.add(key, f"not a condition such as {_POPULATION_EXAMPLE}", item)
            return None
        column, operator, raw = match.group("column", "operator", "values")
        values = [value.strip().strip('"') for value in raw.strip("[]").split(",")]
        if operator != "in" and len(values) > 1:
            values = [raw.strip().strip('"')]  # a comma only lists codes after "in"
    elif isinstance(item, dict):
        check.unknown_keys(item, ("column", "operator", "values"), key)
        column = check.string(item, "column", key) or ""
        operator = check.string(item, "operator", key) or ""
        given = item.get("values")
        given = [given] if isinstance(given, str | int) and not isinstance(given, bool) else given
        if not isinstance(given, list) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in given
        ):
            check.add(join(key, "values"), 'must be a list of codes such as ["1", "2"]', given)
            return None
        values = [str(value).strip() for value in given]
        if not column or not operator:
            return None
    else:
        check.add(key, f"must be a condition such as {_POPULATION_EXAMPLE}", item)
        return None
    if operator not in POPULATION_OPERATORS:
        check.add(key, "unknown operator", operator, POPULATION_OPERATORS)
        return None
    values = [value for value in values if value]
    if not values:
        check.add(key, f"{operator} needs a code to compare {column!r} with", item)
        return None
    if operator in ORDERINGS and (len(values) != 1 or not _NUMBER.match(values[0])):
        check.add(
            key,
            f"{operator} compares {column!r} with one number in ASCII digits, e.g. '{column} >= 1'",
            item,
        )
        return None
    for value in values:
        whole = value.lstrip("-").partition(".")[0].lstrip("0")
        problem = source_code_problem(value) or (
            f"a number has at most {MAX_CODE_DIGITS} digits before its decimal point"
            if len(whole) > MAX_CODE_DIGITS
            else None
        )
        if problem is not None:
            check.add(key, problem, value)
            return None
    return PopulationCondition(column, operator, tuple(values))


def _read_release(check: Checker, document: Mapping[str, Any]) -> Release:
    """The optional ``[publication]`` table: publisher, contact and release date."""
    table = check.table(document, "publication", "", required=False)
    check.unknown_keys(table, _PUBLICATION_KEYS, "publication")
    publisher = check.string(table, "publisher", "publication", required=False)
    contact = check.string(table, "contact", "publication", required=False)
    for key, text in (("publisher", publisher), ("contact", contact)):
        if text is not None:
            _check_length(check, f"publication.{key}", text)
    released = table.get("release_date")
    if released is not None and (
        not isinstance(released, dt.date)
        or isinstance(released, dt.datetime)
        or not CENSUS_YEARS[0] <= released.year <= CENSUS_YEARS[1]
    ):
        check.add(
            "publication.release_date",
            f"must be a TOML date such as 2026-06-30, in the years {CENSUS_YEARS[0]} to "
            f"{CENSUS_YEARS[1]}",
            released,
        )
        released = None
    return Release(publisher, contact, released)


def _check_population_areas(
    check: Checker, population: Population | None, geography: tuple[GeographyLevel, ...]
) -> None:
    """Report a population code that no region of the first geography level has.

    The first level's labels are its code list (an unlabelled code is an unknown code), so
    a condition ``=`` or ``in`` on its column with a code none of them has would give empty
    tables.
    """
    labelled = {level.column: level for level in geography[:1] if level.labels}
    for index, condition in enumerate(population.conditions if population else ()):
        level = labelled.get(condition.column)
        if level is None or condition.operator not in ("=", "in"):
            continue
        known = {_area_code(code): code for code in level.labels}
        for value in condition.values:
            if _area_code(value) not in known:
                check.add(
                    f"population.conditions[{index}]",
                    f"{condition.column!r} is the column of the geography level {level.name!r}, "
                    f"and no {level.name} in its labels has the code {value!r}",
                    value,
                    tuple(level.labels),
                )


def _area_code(code: str) -> str:
    """An area code as the data compare it: blanks trimmed, a whole number as its value."""
    number = whole_number(code)
    return code.strip() if number is None else str(number)


def _read_geography(check: Checker, document: Mapping[str, Any]) -> tuple[GeographyLevel, ...]:
    geography = check.table(document, "geography", "", required=False)
    check.unknown_keys(geography, ("levels",), "geography")
    levels = geography.get("levels", [])
    if not isinstance(levels, list):
        check.add("geography.levels", "must be a list of tables", levels)
        return ()
    result = []
    for index, level in enumerate(levels):
        path = f"geography.levels[{index}]"
        if not isinstance(level, dict):
            check.add(path, "must be a table with name and column", level)
            continue
        check.unknown_keys(level, ("name", "column", "labels", "all_labels"), path)
        name = check.string(level, "name", path)
        column = check.string(level, "column", path)
        labels = check.table(level, "labels", path, required=False)
        all_labels = level.get("all_labels", False)
        if not isinstance(all_labels, bool):
            check.add(f"{path}.all_labels", "must be true or false", all_labels)
        texts = _read_labels(check, labels, f"{path}.labels")
        if name and column:
            result.append(GeographyLevel(name, column, texts, all_labels is True))
    return tuple(result)


def _read_labels(check: Checker, labels: Mapping[str, Any], path: str) -> dict[str, str]:
    """An area level's ``labels``: source code -> name, each a text a table can show.

    A label must be a non-empty string a reader of the tables will not take for a missing
    value (``nan``, ``null``, ``None``... see :data:`MISSING_WORDS`), of at most
    :data:`MAX_TEXT_LENGTH` characters; each code is a valid source code.
    """
    texts: dict[str, str] = {}
    for code, label in labels.items():
        key = code_key(path, code)
        problem = source_code_problem(code)
        if problem is not None:
            check.add(key, problem, code)
        elif not isinstance(label, str):
            check.add(key, "must be a label in quotes (the area's name)", label)
        elif (problem := label_problem(label)) is not None:
            check.add(key, problem, label)
        else:
            texts[code] = label
    return texts


def label_problem(label: str) -> str | None:
    """Why a text cannot label an area in tables, or None when it can.

    Args:
        label: The label as written.

    Returns:
        The problem in words: empty, a word read as a missing value (:data:`MISSING_WORDS`),
        or longer than :data:`MAX_TEXT_LENGTH`; None for a usable label.
    """
    if label.strip().lower() in MISSING_WORDS:
        words = ", ".join(sorted(repr(word) for word in MISSING_WORDS if word))
        return (
            "an area's label cannot be empty or a word that spreadsheets and data tools read "
            f"as a missing value ({words}, in any case); write the area's name"
        )
    if len(label) > MAX_TEXT_LENGTH:
        return f"has at most {MAX_TEXT_LENGTH} characters (this one has {len(label):,})"
    return None


def _check_length(check: Checker, key: str, text: str) -> None:
    """Record a problem when a name is longer than :data:`MAX_TEXT_LENGTH`."""
    if len(text) > MAX_TEXT_LENGTH:
        check.add(
            key, f"has at most {MAX_TEXT_LENGTH} characters (this one has {len(text):,})", text
        )


def _read_concepts(
    check: Checker, document: Mapping[str, Any], version: int
) -> dict[str, ConceptMapping]:
    table = check.table(document, "concepts", "")
    mappings: dict[str, ConceptMapping] = {}
    for name, entry in table.items():
        path = join("concepts", name)
        spec = CONCEPTS.get(name)
        if spec is None:
            check.add(path, "unknown concept", name, tuple(CONCEPTS))
            continue
        if not isinstance(entry, dict):
            check.add(path, 'must be a table such as { column = "POB" }', entry)
            continue
        check.unknown_keys(entry, _CONCEPT_KEYS, path)
        column = check.string(entry, "column", path) or ""
        limits = NUMBER_LIMITS.get(name, (-_LARGEST_CODE, _LARGEST_CODE))
        codes = _CodeReader(check, version, limits if spec.kind is ConceptKind.INTEGER else None)
        not_stated = codes.code_list(entry, "not_stated", path)
        not_applicable = codes.code_list(entry, "not_applicable", path)
        folded = entry.get("case_insensitive", False)
        if not isinstance(folded, bool):
            check.add(join(path, "case_insensitive"), "must be true or false", folded)
            folded = False
        system, mapped = _read_codes(codes, entry, path, spec.kind, spec.target_codes())
        sources = [
            *mapped,
            *((key, code, NOT_STATED_TARGET) for key, code in not_stated),
            *((key, code, NOT_APPLICABLE_TARGET) for key, code in not_applicable),
        ]
        keyed_bands = _read_bands(check, entry, path, spec.kind, mapped, limits)
        sources += [(key, band.code, f"band {band.label}") for key, band in keyed_bands]
        _check_duplicates(check, sources, _normaliser(folded, system))
        gate = _read_gate(codes, entry, path, spec.kind, spec.target_codes(), folded)
        other = entry.get("other")
        if other is not None:
            if spec.kind is ConceptKind.INTEGER:
                check.add(join(path, "other"), "applies to coded concepts, not numbers", other)
            else:
                valid = _valid_targets(spec.kind, spec.target_codes())
                _check_target(check, join(path, "other"), other, spec.kind, valid)
        mappings[name] = ConceptMapping(
            name,
            column,
            system,
            {code: str(target) for _, code, target in mapped},
            tuple(code for _, code in not_stated),
            tuple(code for _, code in not_applicable),
            folded,
            gate,
            str(other) if other is not None else None,
            tuple(band for _, band in keyed_bands),
        )
    return mappings


_BAND_EXAMPLE = '{ code = "1", from = 0, to = 15 }'


def _read_bands(
    check: Checker,
    entry: Mapping[str, Any],
    path: str,
    kind: ConceptKind,
    mapped: list[tuple[str, str, object]],
    limits: tuple[int, int],
) -> list[tuple[str, Band]]:
    """The ``bands`` of a number held as bands: (key path, band) for each, lowest first.

    Bands may not overlap and only the last may be open (no ``to``); ``codes`` may then only
    declare missing values (``_U``, ``_Z``), since every other code is a band. A band's ends
    lie within ``limits`` (ages 0 to 150...).
    """
    value = entry.get("bands")
    if value is None:
        return []
    key = join(path, "bands")
    if kind is not ConceptKind.INTEGER:
        check.add(key, "applies to numbers (age held as age bands), not coded concepts")
        return []
    if not isinstance(value, list) or not value:
        check.add(key, f"must be a list of tables such as {_BAND_EXAMPLE}", value)
        return []
    bands: list[tuple[str, Band]] = []
    for index, item in enumerate(value):
        item_key = f"{key}[{index}]"
        if not isinstance(item, dict):
            check.add(item_key, f"must be a table such as {_BAND_EXAMPLE}", item)
            continue
        check.unknown_keys(item, ("code", "from", "to"), item_key)
        code, low, high = item.get("code"), item.get("from"), item.get("to")
        if isinstance(code, bool) or not isinstance(code, str | int):
            check.add(join(item_key, "code"), "is required: the source code of the band", code)
            continue
        problem = source_code_problem(str(code))
        if problem is not None:
            check.add(join(item_key, "code"), problem, code)
            continue
        if not _INTEGER.match(str(code).strip()):
            check.add(join(item_key, "code"), "a band code is a whole number", code)
            continue
        lowest, highest = limits
        within = f"from {lowest} to {highest}"
        if isinstance(low, bool) or not isinstance(low, int) or not lowest <= low <= highest:
            problem = "is required" if low is None else f"must be a whole number {within}"
            check.add(join(item_key, "from"), f"{problem}: the band's lowest value", low)
            continue
        if high is not None and (
            isinstance(high, bool) or not isinstance(high, int) or not lowest <= high <= highest
        ):
            check.add(
                join(item_key, "to"),
                f"must be a whole number {within} (leave it out: open)",
                high,
            )
            continue
        if high is not None and high < low:
            check.add(join(item_key, "to"), f"must be at least from ({low})", high)
            continue
        bands.append((item_key, Band(str(code).strip(), low, high)))
    ordered = sorted(bands, key=lambda keyed: keyed[1].low)
    for (_, previous), (_, band) in zip(ordered, ordered[1:], strict=False):
        if previous.high is None or previous.high >= band.low:
            check.add(
                key,
                f"bands overlap: {previous.label} (code {previous.code!r}) and {band.label} "
                f"(code {band.code!r}); only the highest band may be open",
                band.code,
            )
    for item_key, code, target in mapped:
        if str(target) not in _SPECIAL_TARGETS:
            check.add(
                item_key, "with bands, codes may only map to _U or _Z (list bands instead)", code
            )
    return ordered


_SPECIAL_TARGETS = ("_U", "_Z")


def _valid_targets(kind: ConceptKind, category_codes: tuple[str, ...]) -> tuple[str, ...]:
    if kind is ConceptKind.CATEGORY:
        return (*category_codes, *_SPECIAL_TARGETS)
    if kind is ConceptKind.COUNTRY:
        return (*countries.countries(), countries.ABROAD_NOT_STATED, *_SPECIAL_TARGETS)
    return _SPECIAL_TARGETS


def _check_target(
    check: Checker,
    key: str,
    target: object,
    kind: ConceptKind,
    valid: tuple[str, ...],
    limits: tuple[int, int] | None = None,
) -> None:
    if kind is ConceptKind.INTEGER:
        if isinstance(target, bool) or not isinstance(target, int | str):
            check.add(key, "must map to a whole number", target)
        elif isinstance(target, str) and target not in _SPECIAL_TARGETS:
            check.add(key, "must map to a whole number, _U or _Z", target, _SPECIAL_TARGETS)
        elif isinstance(target, int) and limits and not limits[0] <= target <= limits[1]:
            check.add(key, f"must map to a number from {limits[0]} to {limits[1]}", target)
        return
    if not isinstance(target, str):
        check.add(key, "must map to a string code", target)
    elif kind is ConceptKind.AREA:
        if len(target) > MAX_CODE_LENGTH:  # area codes are the profile's own
            check.add(key, f"an area code has at most {MAX_CODE_LENGTH} characters", target)
    elif target not in valid and not (kind is ConceptKind.COUNTRY and _ALPHA3.match(target)):
        check.add(key, "unknown target code", target, valid)


def _read_codes(
    codes: _CodeReader,
    entry: Mapping[str, Any],
    path: str,
    kind: ConceptKind,
    category_codes: tuple[str, ...],
) -> tuple[str | None, list[tuple[str, str, object]]]:
    """The code system, if any, and every (key path, source code, target) of the code map.

    The map is the ``codes`` table, ``extra_codes`` and ``code_groups``, in that order.
    """
    check = codes.check
    table = entry.get("codes")
    system: str | None = None
    keyed: dict[str, Any] = {}
    if kind is ConceptKind.COUNTRY and isinstance(table, str):
        if table not in countries.CODE_SYSTEMS:
            check.add(join(path, "codes"), "unknown code system", table, countries.CODE_SYSTEMS)
        else:
            system = table
    elif isinstance(table, dict):
        keyed = table
    elif table is None:
        if kind in (ConceptKind.CATEGORY, ConceptKind.COUNTRY) and "code_groups" not in entry:
            check.add(join(path, "codes"), "is required (a code system name or a table)")
    else:
        check.add(join(path, "codes"), "must be a code system name or a table", table)
    extra = check.table(entry, "extra_codes", path, required=False)
    valid = _valid_targets(kind, category_codes)
    mapped = [
        *codes.code_map(keyed, join(path, "codes"), kind, valid),
        *codes.code_map(extra, join(path, "extra_codes"), kind, valid),
        *codes.code_groups(entry, path, kind, valid),
    ]
    return system, mapped


def _read_gate(
    codes: _CodeReader,
    entry: Mapping[str, Any],
    path: str,
    kind: ConceptKind,
    category_codes: tuple[str, ...],
    folded: bool,
) -> Gate | None:
    check = codes.check
    gate = check.table(entry, "gate", path, required=False)
    if not gate:
        return None
    path = join(path, "gate")
    check.unknown_keys(gate, ("column", "codes", "detail"), path)
    column = check.string(gate, "column", path) or ""
    table = check.table(gate, "codes", path, required=False)
    detail = codes.code_list(gate, "detail", path)
    if not detail:
        check.add(join(path, "detail"), "list the gate codes for which the column is read")
    valid = _valid_targets(kind, category_codes)
    mapped = codes.code_map(table, join(path, "codes"), kind, valid, in_gate=True)
    sources = [*mapped, *((key, code, _DETAIL_TARGET) for key, code in detail)]
    _check_duplicates(check, sources, _normaliser(folded, None))
    return Gate(
        column,
        {code: str(target) for _, code, target in mapped},
        tuple(code for _, code in detail),
    )


MAX_RANGE = 100_000
"""Most codes one ``{ from = ..., to = ... }`` range may stand for."""

NOT_STATED_TARGET = "_U"
NOT_APPLICABLE_TARGET = "_Z"
_DETAIL_TARGET = "(read the detail column)"
_INTEGER = re.compile(r"^-?[0-9]+$")
_OLD_RANGE = re.compile(r"^\s*-?[0-9]+\s*\.\.\s*-?[0-9]+\s*$")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ALPHA_SYSTEMS = ("iso3166-alpha2", "iso3166-alpha3")
_RANGE_EXAMPLE = '{ from = "100", to = "199" }'
_GROUP_EXAMPLE = '{ codes = ["3", "4"], standard = "other_area" }'


def _toml(value: object) -> str:
    """A value as TOML writes it: a basic string in double quotes, a number as is."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def code_key(path: str, code: str) -> str:
    """The key path of a source code in a code map, quoted as TOML quotes it when needed.

    Args:
        path: The map's key path (``concepts.sex.codes``).
        code: The source code.

    Returns:
        ``concepts.sex.codes.1`` or ``concepts.country_of_birth.codes."United States, ns"``.
    """
    return f"{path}.{code}" if _BARE_KEY.match(code) else f"{path}.{_toml(code)}"


def _old_items(code: str) -> str:
    """What a version-1 list or range code becomes as version-2 list items."""
    items = []
    for part in (p.strip() for p in code.split(",")):
        low, dots, high = part.partition("..")
        if dots:
            items.append(f"{{ from = {_toml(low.strip())}, to = {_toml(high.strip())} }}")
        else:
            items.append(_toml(part))
    return ", ".join(items)


def _normaliser(folded: bool, system: str | None) -> Callable[[str], str]:
    """How codes are compared when the data are read, to tell when two keys are one code."""

    def normal(code: str) -> str:
        code = code.strip()
        if folded or system in _ALPHA_SYSTEMS:
            code = code.upper()
        if system == "iso3166-numeric":
            code = code.lstrip("0")
        return code

    return normal


def _describe(target: object) -> str:
    if target == NOT_STATED_TARGET:
        return "_U (not stated)"
    if target == NOT_APPLICABLE_TARGET:
        return "_Z (not applicable)"
    return str(target) if target == _DETAIL_TARGET else repr(target)


def _check_duplicates(
    check: Checker, sources: list[tuple[str, str, object]], normal: Callable[[str], str]
) -> None:
    """Report every source code given two meanings or listed twice, naming both places.

    A source code may have one meaning. Two entries clash when the data's codes compare equal
    (case folded, zeros dropped...), and also when both are whole numbers of the same value
    with different meanings ("01" and "1"), since a column of numbers reads them as one
    code. The codes two entries share (two overlapping ranges) are reported once per pair.

    Args:
        check: Collects the problems.
        sources: (key path, source code, target) of every code the entry lists.
        normal: How the data's codes are compared (case folded, zeros dropped...).
    """
    first: dict[str, tuple[str, str, object]] = {}
    by_number: dict[int, tuple[str, str, object]] = {}
    clashes: dict[tuple[str, str], list[tuple[str, str, object, object, bool]]] = {}
    for key, code, target in sources:
        normal_code = normal(code)
        seen = first.setdefault(normal_code, (key, code, target))
        if seen[0] != key:
            clashes.setdefault((key, seen[0]), []).append((code, seen[1], target, seen[2], False))
            continue
        number = whole_number(code)
        if number is None:
            continue
        seen = by_number.setdefault(number, (key, code, target))
        if seen[0] != key and normal(seen[1]) != normal_code and str(seen[2]) != str(target):
            clashes.setdefault((key, seen[0]), []).append((code, seen[1], target, seen[2], True))
    for (key, other_key), codes in clashes.items():
        code, other_code, target, other_target, as_numbers = codes[0]
        conflict = str(other_target) != str(target)
        if len(codes) > 1:
            listed = ", ".join(repr(item[0]) for item in codes[:3])
            listed += ", ..." if len(codes) > 3 else ""
            what = f"{len(codes):,} source codes ({listed})"
            if conflict:
                message = (
                    f"conflicting source codes: {what} mapped here to {_describe(target)}, and "
                    f"to {_describe(other_target)} at {other_key}; a code may have one meaning"
                )
            else:
                message = (
                    f"duplicate source codes: {what} also listed at {other_key}, both mapping "
                    f"them to {_describe(target)}; list them once"
                )
            check.add(key, message, code)
            continue
        same = ""
        if other_code != code:
            when = " when the column holds numbers" if as_numbers else ""
            same = f" ({other_code!r} is the same code{when})"
        if conflict:
            message = (
                f"conflicting source code: mapped here to {_describe(target)}, "
                f"and to {_describe(other_target)} at {other_key}{same}; keep one"
            )
        else:
            message = (
                f"duplicate source code: also listed at {other_key}{same}, "
                f"both mapping it to {_describe(target)}; list it once"
            )
        check.add(key, message, code)


def whole_number(code: str) -> int | None:
    """A source code's value when it is a whole number in ASCII digits (``"-9"``, ``"08"``).

    Args:
        code: The code as written; blanks around it are ignored.

    Returns:
        The number, or None for any other code (text, other scripts' digits such as "²" or
        "١", a fraction).
    """
    text = code.strip()
    return int(text) if _INTEGER.match(text) else None


def source_code_problem(code: str) -> str | None:
    """Why a source code written in a profile cannot be one, or None when it can.

    A code is whole number of at most :data:`MAX_CODE_DIGITS` digits, or text of at most
    :data:`MAX_CODE_LENGTH` characters; digits are ASCII (0-9): a column of numbers reads
    other scripts' digits as the ASCII ones ("١" as 1) while a text column does not, so such
    a code would mean two things.

    Args:
        code: The code as written.

    Returns:
        The problem in words, or None.
    """
    if len(code) > MAX_CODE_LENGTH:
        return (
            f"a source code has at most {MAX_CODE_LENGTH} characters "
            f"(this one has {len(code):,}): {_CODE_RULE}"
        )
    foreign = sorted({c for c in code if c.isdigit() and not c.isascii()})
    if foreign:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in foreign[:3])
        return f"write digits as ASCII 0-9, not {shown}: {_CODE_RULE}"
    number = whole_number(code)
    if number is not None and abs(number) > _LARGEST_CODE:
        return f"a whole-number code has at most {MAX_CODE_DIGITS} digits: {_CODE_RULE}"
    return None


_LARGEST_CODE = 10**MAX_CODE_DIGITS - 1
_CODE_RULE = (
    f"codes are whole numbers from -{_LARGEST_CODE:,} to {_LARGEST_CODE:,} in ASCII digits, "
    f"or text of at most {MAX_CODE_LENGTH} characters"
)


@dataclass
class _CodeReader:
    """Reads source codes, code lists and ranges for one profile entry.

    Attributes:
        check: Collects the problems.
        version: The profile's schema version (1 reports its list and range codes).
        limits: For a numeric concept, the lowest and highest number a code may map to.
        listed: Source codes read so far, ranges expanded (at most :data:`MAX_CODES`).
    """

    check: Checker
    version: int
    limits: tuple[int, int] | None = None
    listed: int = 0

    def source_code(self, key: str, code: str) -> bool:
        """Whether ``code`` can be a source code; a problem is recorded when it cannot."""
        problem = source_code_problem(code)
        if problem is not None:
            self.check.add(key, problem, code)
            return False
        return True

    def _old_syntax(self, key: str, code: str, new_form: Callable[[str], str]) -> bool:
        """Report a code written in version 1's list or range syntax; True when reported."""
        if self.version >= 2:
            if _OLD_RANGE.match(code):
                self.check.add(
                    key,
                    f"looks like a range, and a code cannot; write the range as {new_form(code)}",
                    code,
                )
                return True
            return False
        if "," not in code and ".." not in code:
            return False
        self.check.add(
            key,
            "schema_version 1 read this code as a list or range of codes; schema_version 2 "
            f"reads every code as written: write {new_form(code)} and set schema_version = 2"
            + (" (if it is one code, set schema_version = 2 alone)" if "," in code else ""),
            code,
        )
        return True

    def expand(self, item: object, key: str) -> list[str]:
        """The codes of one list item: a code as written, or a range table.

        Args:
            item: ``"9"``, ``9`` or ``{ from = "990", to = "999" }``.
            key: Its key path, for problems.

        Returns:
            The codes; a range keeps the zero padding of its first end (``"01"`` ... ``"12"``).
        """
        if isinstance(item, dict):
            return self._range(item, key)
        if isinstance(item, bool) or not isinstance(item, str | int):
            self.check.add(key, f'must be a code ("9") or a range {_RANGE_EXAMPLE}', item)
            return []
        code = str(item)
        if not self.source_code(key, code):
            return []
        if self._old_syntax(key, code, lambda c: f"the list items {_old_items(c)}"):
            return []
        self.listed += 1
        return [code]

    def _range(self, item: Mapping[str, Any], key: str) -> list[str]:
        self.check.unknown_keys(item, ("from", "to"), key)
        ends = [item.get("from"), item.get("to")]
        texts = [
            str(end).strip() if isinstance(end, str | int) and not isinstance(end, bool) else ""
            for end in ends
        ]
        shown = "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in item.items()) + " }"
        if any(c.isdigit() and not c.isascii() for text in texts for c in text):
            self.check.add(
                key, f"write a range's ends in ASCII digits 0-9, as in {_RANGE_EXAMPLE}", shown
            )
            return []
        if not all(_INTEGER.match(text) for text in texts):
            self.check.add(key, f"a range is two whole numbers: {_RANGE_EXAMPLE}", shown)
            return []
        low, high = int(texts[0]), int(texts[1])
        if max(abs(low), abs(high)) > _LARGEST_CODE:
            self.check.add(
                key, f"a range's ends have at most {MAX_CODE_DIGITS} digits: {_CODE_RULE}", shown
            )
            return []
        if high < low or high - low >= MAX_RANGE:
            self.check.add(
                key, f"a range must go upwards and hold at most {MAX_RANGE:,} codes", shown
            )
            return []
        if self.listed + high - low + 1 > MAX_CODES:
            self.check.add(
                key,
                f"a concept may list at most {MAX_CODES:,} source codes, ranges expanded",
                shown,
            )
            return []
        self.listed += high - low + 1
        width = len(texts[0]) if texts[0].startswith("0") else 0
        return [str(n).zfill(width) for n in range(low, high + 1)]

    def code_list(self, table: Mapping[str, Any], name: str, path: str) -> list[tuple[str, str]]:
        """A list of codes and ranges (``not_stated = ["9", { from = "90", to = "98" }]``).

        Args:
            table: The table holding the list.
            name: The list's key.
            path: The table's key path.

        Returns:
            (key path of the item, source code) for every code, ranges expanded.
        """
        value = table.get(name, [])
        key = join(path, name)
        if not isinstance(value, list):
            self.check.add(
                key, f'must be a list of codes and ranges ["9", {_RANGE_EXAMPLE}]', value
            )
            return []
        return [
            (f"{key}[{index}]", code)
            for index, item in enumerate(value)
            for code in self.expand(item, f"{key}[{index}]")
        ]

    def code_map(
        self,
        table: Mapping[str, Any],
        path: str,
        kind: ConceptKind,
        valid: tuple[str, ...],
        in_gate: bool = False,
    ) -> list[tuple[str, str, object]]:
        """A table ``source code = standard code``, each key one code as written.

        Args:
            table: The TOML table.
            path: Its key path.
            kind: The concept's kind, to check the targets.
            valid: The valid targets.
            in_gate: Whether it is a gate's table (which has no ``code_groups``).

        Returns:
            (key path, source code, target) for every valid entry.
        """

        def new_form(code: str) -> str:
            target = _toml(table[code])
            if in_gate:
                return "one key per code: " + ", ".join(
                    f"{item} = {target}" for item in _old_items(code).split(", ")
                )
            return f"code_groups = [{{ codes = [{_old_items(code)}], standard = {target} }}]"

        entries: list[tuple[str, str, object]] = []
        for code, target in table.items():
            key = code_key(path, code)
            if not self.source_code(key, code) or self._old_syntax(key, code, new_form):
                continue
            _check_target(self.check, key, target, kind, valid, self.limits)
            entries.append((key, code, target))
        return entries

    def code_groups(
        self, entry: Mapping[str, Any], path: str, kind: ConceptKind, valid: tuple[str, ...]
    ) -> list[tuple[str, str, object]]:
        """Several source codes that share a standard code (``code_groups``).

        Args:
            entry: The concept's table.
            path: Its key path.
            kind: The concept's kind, to check the targets.
            valid: The valid targets.

        Returns:
            (key path, source code, target) for every code of every group, ranges expanded.
        """
        groups = entry.get("code_groups", [])
        key = join(path, "code_groups")
        if not isinstance(groups, list):
            self.check.add(key, f"must be a list of tables such as {_GROUP_EXAMPLE}", groups)
            return []
        entries: list[tuple[str, str, object]] = []
        for index, group in enumerate(groups):
            group_key = f"{key}[{index}]"
            if not isinstance(group, dict):
                self.check.add(group_key, f"must be a table such as {_GROUP_EXAMPLE}", group)
                continue
            self.check.unknown_keys(group, ("codes", "standard"), group_key)
            if "codes" not in group:
                self.check.add(join(group_key, "codes"), "is required (a list of source codes)")
            if "standard" not in group:
                self.check.add(
                    join(group_key, "standard"), "is required (the standard code of the codes)"
                )
                continue
            target = group["standard"]
            _check_target(self.check, join(group_key, "standard"), target, kind, valid, self.limits)
            codes = self.code_list(group, "codes", group_key)
            entries += [(item_key, code, target) for item_key, code in codes]
        return entries
