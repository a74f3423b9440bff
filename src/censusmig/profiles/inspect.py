"""Inspecting a data file: what each column holds, without printing record values.

:func:`inspect_data` summarises every column of a lazy frame in two passes over the data (one
for counts of nulls and distinct values, one for the frequencies of the columns that hold
codes) and :func:`guess_concepts` guesses from names and labels which columns hold
censusmig's concepts. Both feed ``censusmig inspect`` and the profile draft
(:mod:`censusmig.profiles.draft`).

Each column gets one kind. The rules are conservative: a column whose values might be
identifiers, names, free text, amounts or dates never lists them (STYLE.md rule 7), even if
that hides the values of a few columns that do hold codes. In this order:

* a column guessed (by :func:`guess_concepts`) as the weight is a ``number``; one guessed as
  (part of) the person id or as the household id is an ``identifier``. Neither lists values;
* ``code``, for a described column: one guessed as a concept (``CH15``, ``POB``, ``SEX``, a
  detail column such as ``CH15_COD``...), or one with value labels for at least half its
  distinct values. It must hold whole numbers (integers, or floats that are all whole, as
  SPSS stores codes) or strings, with at most ``max(300, 2 x the number of labels)``
  distinct values, and not be near-unique (below). A column with labels for fewer than half
  its values (an income whose only label is the missing code) is not described by them;
* ``code``, for a boolean column;
* ``code``, for any other column that looks like a code list: whole numbers between -99 and
  99 (text is never listed unless described: short names and initials look like codes); at most
  ``max(20, 2% of the non-null values)`` distinct values (and never more than 300); and
  values that repeat: fewer distinct values than 90% of the non-null values. The two-digit
  limit keeps out amounts that are mostly 0 (an income of 0 for all but two persons has
  three distinct values), years and long numeric codes;
* ``identifier``: a near-unique column, whose distinct values are more than 20 and at least
  90% of its non-null values, holding whole numbers or space-free strings (person ids,
  phone numbers, dwelling codes, dates);
* ``number``: any other numeric column (incomes, weights, ages of an unguessed column);
* ``text``: any other string column (names, addresses, free-text answers).

Only ``code`` columns show values, and only their codes with counts and labels; the other
kinds give counts of distinct and null values and nothing else, so that no record value other
than a code ever reaches the output (STYLE.md rule 7).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from censusmig.classifications.codes import could_be_code
from censusmig.concepts import CONCEPTS
from censusmig.errors import CensusmigError, Setting
from censusmig.readers.meta import Metadata, code_text

MAX_CODE_VALUES = 300
"""Most distinct values a column without enough value labels may have and still be codes."""

SMALL_CODE_LIST = 20
"""Distinct values an undescribed column may always have and still be codes (see below)."""

CODE_SHARE = 0.02
"""Beyond :data:`SMALL_CODE_LIST`, most distinct values of an undescribed code column, as a
share of its non-null values."""

MAX_CODE_NUMBER = 99
"""Largest absolute value of a whole-number code in an undescribed column (two digits)."""

MAX_CODE_LENGTH = 3
"""Longest string value (without surrounding spaces) of an undescribed column of codes."""

IDENTIFIER_SHARE = 0.9
"""Share of distinct values among non-null values from which a column is near-unique."""

KINDS = ("code", "number", "text", "identifier")
"""The kinds of column :func:`inspect_data` reports."""

WEIGHT = "weight"
"""Pseudo-concept of a guess: the column is the person weight (``[data] weight``)."""

PERSON_ID = "person_id"
"""Pseudo-concept of a guess: the column is (part of) the person identifier."""

HOUSEHOLD_ID = "household_id"
"""Pseudo-concept of a guess: the column identifies the household."""

DATA_ROLES = (WEIGHT, PERSON_ID, HOUSEHOLD_ID)
"""Pseudo-concepts that go to a profile's ``[data]`` table, not to ``[concepts]``."""

GEOGRAPHY = "geography"
"""Pseudo-concept of a guess: the column is an area of residence (a ``[geography]`` level)."""


@dataclass(frozen=True)
class CodeCount:
    """How often one code occurs in a column.

    Attributes:
        code: The code as a profile writes it (``"1"``, ``"BUE"``).
        count: Records with this code (unweighted).
        label: The code's value label, or None.
    """

    code: str
    count: int
    label: str | None


@dataclass(frozen=True)
class ColumnSummary:
    """What :func:`summarise` found in one column.

    Attributes:
        name: Column name.
        dtype: Polars data type, as text (``Int64``, ``String``).
        label: Column label from the file's metadata, or None.
        value_labels: Number of labelled codes.
        distinct: Distinct non-null values.
        nulls: Null values.
        kind: One of :data:`KINDS`.
        codes: For ``code`` columns, every code with its count, most frequent first (ties by
            code); empty for other kinds. Values that cannot be codes
            (:func:`~censusmig.classifications.codes.could_be_code`: free text shifted into a
            code column) are not among them, only counted in ``not_codes``.
        not_codes: For ``code`` columns, the values that cannot be codes, never shown.
    """

    name: str
    dtype: str
    label: str | None
    value_labels: int
    distinct: int
    nulls: int
    kind: str
    codes: tuple[CodeCount, ...] = ()
    not_codes: NotCodes | None = None

    def to_dict(self, max_codes: int | None = None) -> dict[str, Any]:
        """The JSON-able form used by :func:`inspect_data`.

        Args:
            max_codes: Keep only this many of the most frequent codes (None keeps all).

        Returns:
            Name, type, label, counts and kind, plus ``codes`` for code columns.
        """
        result: dict[str, Any] = {
            "name": self.name,
            "type": self.dtype,
            "label": self.label,
            "value_labels": self.value_labels,
            "distinct": self.distinct,
            "nulls": self.nulls,
            "kind": self.kind,
        }
        if self.kind == "code":
            shown = self.codes if max_codes is None else self.codes[:max_codes]
            result["codes"] = [{"code": c.code, "count": c.count, "label": c.label} for c in shown]
            if self.not_codes is not None:
                result["not_codes"] = self.not_codes.to_dict()
        return result


@dataclass(frozen=True)
class NotCodes:
    """Values of a code column that cannot be codes: how many and how long, never which.

    Attributes:
        values: Distinct values.
        records: Records holding one of them.
        shortest: Characters of the shortest.
        longest: Characters of the longest.
    """

    values: int
    records: int
    shortest: int
    longest: int

    def to_dict(self) -> dict[str, int]:
        """The JSON-able form (``not_codes`` of a column in ``inspect --json``)."""
        return {
            "values": self.values,
            "records": self.records,
            "shortest": self.shortest,
            "longest": self.longest,
        }

    def describe(self) -> str:
        """In words: ``3 values of 40-212 characters, not shown (5 records)``."""
        span = (
            f"{self.shortest}"
            if self.shortest == self.longest
            else f"{self.shortest}-{self.longest}"
        )
        values = "1 value" if self.values == 1 else f"{self.values:,} values"
        return f"{values} of {span} characters, not shown ({self.records:,} records)"


@dataclass(frozen=True)
class Summary:
    """What :func:`summarise` found in a data file.

    Attributes:
        records: Number of records.
        format: The reader's format name (see :class:`Metadata`).
        columns: One summary a column, in file order.
    """

    records: int
    format: str
    columns: tuple[ColumnSummary, ...]

    def column(self, name: str) -> ColumnSummary:
        """The summary of one column; KeyError if there is none."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


@dataclass(frozen=True)
class Guess:
    """A guess that a column holds a concept.

    Attributes:
        column: The column.
        concept: A concept of :data:`censusmig.concepts.CONCEPTS`, or one of
            :data:`DATA_ROLES` (``weight``, ``person_id``, ``household_id``).
        why: The evidence in plain words ("name CH15 is the EPH place-of-birth question").
    """

    column: str
    concept: str
    why: str


def inspect_data(frame: pl.LazyFrame, meta: Metadata, *, max_codes: int = 30) -> dict[str, Any]:
    """Describe a data file without showing record values other than codes.

    Args:
        frame: The data, lazily.
        meta: What the file says about itself (labels, missing codes).
        max_codes: How many of the most frequent codes to list for each code column (1 or
            more).

    Returns:
        A JSON-able dict: ``records``, ``format``, ``columns`` (one dict a column: ``name``,
        ``type``, ``label``, ``value_labels``, ``distinct``, ``nulls``, ``kind`` and, for code
        columns only, ``codes``: ``code``, ``count``, ``label``) and ``migration_columns``
        (``column``, ``concept``, ``why`` for every guess of :func:`guess_concepts`).

    Raises:
        CensusmigError: ``max_codes`` is below 1 (checked before the data is read).
    """
    if max_codes < 1:
        raise CensusmigError(Setting("max_codes"), f" must be at least 1 (got {max_codes})")
    summary = summarise(frame, meta)
    guesses = guess_concepts([column.name for column in summary.columns], meta)
    return {
        "records": summary.records,
        "format": summary.format,
        "columns": [column.to_dict(max_codes) for column in summary.columns],
        "migration_columns": [
            {"column": g.column, "concept": g.concept, "why": g.why} for g in guesses
        ],
    }


def summarise(frame: pl.LazyFrame, meta: Metadata) -> Summary:
    """Count, classify and tabulate every column (two passes over the data).

    Args:
        frame: The data, lazily.
        meta: What the file says about itself.

    Returns:
        The summary, with every code of each code column.
    """
    schema = frame.collect_schema()
    names = schema.names()
    records, stats = _first_pass(frame, schema)
    guessed = {guess.column: guess.concept for guess in guess_concepts(names, meta)}
    kinds = {
        name: _kind(
            schema[name], stats[name], len(meta.value_labels.get(name, {})), guessed.get(name)
        )
        for name in names
    }
    code_columns = {name: schema[name] for name in names if kinds[name] == "code"}
    counts = _count_codes(frame, code_columns)
    columns = []
    for name in names:
        labels = meta.value_labels.get(name, {})
        # A code the file labels is a code, whatever it looks like.
        shown: list[tuple[str, int]] = []
        hidden: list[tuple[int, int]] = []
        for code, n in counts.get(name, []):
            if could_be_code(code) or code in labels:
                shown.append((code, n))
            else:
                hidden.append((len(code), n))
        codes = tuple(CodeCount(code, count, labels.get(code)) for code, count in shown)
        not_codes = (
            NotCodes(
                len(hidden),
                sum(n for _, n in hidden),
                min(length for length, _ in hidden),
                max(length for length, _ in hidden),
            )
            if hidden
            else None
        )
        columns.append(
            ColumnSummary(
                name=name,
                dtype=str(schema[name]),
                label=meta.column_labels.get(name),
                value_labels=len(labels),
                distinct=stats[name].distinct,
                nulls=stats[name].nulls,
                kind=kinds[name],
                codes=codes,
                not_codes=not_codes,
            )
        )
    return Summary(records, meta.format, tuple(columns))


@dataclass(frozen=True)
class _Stats:
    nonnull: int
    nulls: int
    distinct: int
    max_length: int | None = None
    spaced: bool = False
    integral: bool = True
    low: float | None = None
    high: float | None = None


def _first_pass(frame: pl.LazyFrame, schema: pl.Schema) -> tuple[int, dict[str, _Stats]]:
    """Records, and nulls, distinct values and shape of every column, in one scan."""
    expressions: list[pl.Expr] = [pl.len().alias("records")]
    for index, (name, dtype) in enumerate(schema.items()):
        column = pl.col(name)
        if dtype.is_float():
            column = column.fill_nan(None)
        elif isinstance(dtype, pl.Categorical | pl.Enum):
            column, dtype = column.cast(pl.String), pl.String()
        expressions += [
            column.null_count().alias(f"{index}:nulls"),
            column.drop_nulls().n_unique().alias(f"{index}:distinct"),
        ]
        if dtype == pl.String:
            stripped = column.str.strip_chars()
            expressions += [
                stripped.str.len_chars().max().alias(f"{index}:length"),
                stripped.str.contains(r"\s").any().alias(f"{index}:spaced"),
            ]
        elif dtype.is_numeric():
            expressions += [
                column.min().cast(pl.Float64).alias(f"{index}:low"),
                column.max().cast(pl.Float64).alias(f"{index}:high"),
            ]
            if dtype.is_float():
                expressions.append((column == column.round(0)).all().alias(f"{index}:integral"))
    row = frame.select(expressions).collect().row(0, named=True)
    records = int(row["records"])
    stats = {}
    for index, name in enumerate(schema.names()):
        nulls = int(row[f"{index}:nulls"])
        length = row.get(f"{index}:length")
        low, high = row.get(f"{index}:low"), row.get(f"{index}:high")
        stats[name] = _Stats(
            nonnull=records - nulls,
            nulls=nulls,
            distinct=int(row[f"{index}:distinct"]),
            max_length=None if length is None else int(length),
            spaced=bool(row.get(f"{index}:spaced") or False),
            integral=row.get(f"{index}:integral", True) is not False,
            low=None if low is None else float(low),
            high=None if high is None else float(high),
        )
    return records, stats


def _kind(dtype: pl.DataType, stats: _Stats, n_labels: int, guess: str | None) -> str:
    """One of :data:`KINDS`, by the rules of the module docstring.

    Args:
        dtype: The column's type.
        stats: Its counts from the first pass.
        n_labels: Its number of value labels.
        guess: The concept :func:`guess_concepts` guessed for it, or None.
    """
    if guess == WEIGHT:
        return "number"
    if guess in (PERSON_ID, HOUSEHOLD_ID):
        return "identifier"
    if dtype == pl.Boolean:
        return "code"
    whole = dtype.is_integer() or (dtype.is_float() and stats.integral)
    is_string = dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    near_unique = (
        stats.distinct > SMALL_CODE_LIST and stats.distinct >= IDENTIFIER_SHARE * stats.nonnull
    )
    described = guess is not None or (n_labels > 0 and stats.distinct <= 2 * n_labels)
    if (
        described
        and (whole or is_string)
        and not near_unique
        and stats.distinct <= max(MAX_CODE_VALUES, 2 * n_labels)
    ):
        return "code"
    if _code_list(stats, whole, is_string):
        return "code"
    if near_unique and (whole or (is_string and not stats.spaced)):
        return "identifier"
    return "number" if dtype.is_numeric() else "text"


def _code_list(stats: _Stats, whole: bool, is_string: bool) -> bool:
    """Whether an undescribed column looks like a list of codes (see the module docstring)."""
    few = stats.distinct <= min(MAX_CODE_VALUES, max(SMALL_CODE_LIST, CODE_SHARE * stats.nonnull))
    repeated = stats.distinct < IDENTIFIER_SHARE * stats.nonnull
    if not (few and repeated):
        return False
    if whole:
        low, high = stats.low, stats.high
        return low is not None and high is not None and max(-low, high) <= MAX_CODE_NUMBER
    # Undescribed text is never listed: short first names and initials look like codes.
    return False


def _count_codes(
    frame: pl.LazyFrame, columns: Mapping[str, pl.DataType]
) -> dict[str, list[tuple[str, int]]]:
    """Every code of each column with its count, most frequent first, in one scan."""
    if not columns:
        return {}
    expressions = []
    for index, (name, dtype) in enumerate(columns.items()):
        column = pl.col(name).fill_nan(None) if dtype.is_float() else pl.col(name)
        counted = column.drop_nulls().value_counts(name="__count").implode()
        expressions.append(counted.alias(str(index)))
    row = frame.select(expressions).collect().row(0)
    result: dict[str, list[tuple[str, int]]] = {}
    for name, entries in zip(columns, row, strict=True):
        merged: dict[str, int] = {}
        for entry in entries:
            code = code_text(entry[name])
            merged[code] = merged.get(code, 0) + int(entry["__count"])
        result[name] = sorted(merged.items(), key=_frequency_order(merged))
    return result


def _frequency_order(counts: Mapping[str, int]) -> Any:
    """Sort key: most frequent first, ties by code (numerically when all codes are numbers)."""
    numeric = all(_as_number(code) is not None for code in counts)

    def key(item: tuple[str, int]) -> tuple[int, float, str]:
        code, count = item
        number = _as_number(code) if numeric else None
        return (-count, number if number is not None else 0.0, code)

    return key


def _as_number(code: str) -> float | None:
    try:
        return float(code)
    except ValueError:
        return None


# --- concept guessing -----------------------------------------------------------------------

_C = "country_of_birth"
_NAMES: dict[str, tuple[str, str]] = {
    # country of birth
    "POB": (_C, "name POB is the usual abbreviation of place of birth"),
    "POBP": (_C, "name POBP is the ACS PUMS place-of-birth code"),
    "BPL": (_C, "name BPL is the IPUMS birthplace (general)"),
    "BPLD": (_C, "name BPLD is the IPUMS birthplace (detailed)"),
    "BPLCOUNTRY": (_C, "name BPLCOUNTRY is the IPUMS International country of birth"),
    "NATIVITY": (_C, "name NATIVITY is the usual native/foreign-born question"),
    "CH15": (_C, "name CH15 is the EPH place-of-birth question"),
    "COB": (_C, "name COB is the usual abbreviation of country of birth"),
    "BIRTHPLACE": (_C, "name BIRTHPLACE"),
    "COUNTRY_OF_BIRTH": (_C, "name COUNTRY_OF_BIRTH"),
    "PAIS_NAC": (_C, "name PAIS_NAC (país de nacimiento)"),
    "PAISNAC": (_C, "name PAISNAC (país de nacimiento)"),
    "LUGAR_NAC": (_C, "name LUGAR_NAC (lugar de nacimiento)"),
    # parents' country of birth
    "MOTHER_POB": ("country_of_birth_mother", "name MOTHER_POB"),
    "MBPL": ("country_of_birth_mother", "name MBPL is the IPUMS mother's birthplace"),
    "BPL_MOM": ("country_of_birth_mother", "name BPL_MOM is the IPUMS mother's birthplace"),
    "FATHER_POB": ("country_of_birth_father", "name FATHER_POB"),
    "FBPL": ("country_of_birth_father", "name FBPL is the IPUMS father's birthplace"),
    "BPL_POP": ("country_of_birth_father", "name BPL_POP is the IPUMS father's birthplace"),
    # region of birth
    "REGION_BIRTH": ("place_of_birth", "name REGION_BIRTH"),
    "REG_BIRTH": ("place_of_birth", "name REG_BIRTH"),
    # citizenship
    "CIT": ("citizenship", "name CIT is the usual abbreviation of citizenship"),
    "CITIZEN": ("citizenship", "name CITIZEN"),
    "CITIZENSHIP": ("citizenship", "name CITIZENSHIP"),
    "NATIONALITY": ("citizenship", "name NATIONALITY"),
    "NACIONALIDAD": ("citizenship", "name NACIONALIDAD"),
    "NATIONALITE": ("citizenship", "name NATIONALITE"),
    "CIT_ACQ": ("citizenship_acquisition", "name CIT_ACQ (acquisition of citizenship)"),
    # arrival
    "YOA": ("year_of_arrival", "name YOA is the usual abbreviation of year of arrival"),
    "YRIMMIG": ("year_of_arrival", "name YRIMMIG is the IPUMS year of immigration"),
    "YEAR_ARRIVAL": ("year_of_arrival", "name YEAR_ARRIVAL"),
    "YEAR_OF_ARRIVAL": ("year_of_arrival", "name YEAR_OF_ARRIVAL"),
    "ANO_LLEGADA": ("year_of_arrival", "name ANO_LLEGADA (año de llegada)"),
    # residence one and five years ago
    "MIGRATE1": ("residence_1_year_ago", "name MIGRATE1 is the IPUMS migration status, 1 year"),
    "MIGRATE1D": ("residence_1_year_ago", "name MIGRATE1D is the IPUMS migration status, 1 year"),
    "RES1": ("residence_1_year_ago", "name RES1 (residence 1 year ago)"),
    "MIGPLAC1": ("residence_1_year_ago", "name MIGPLAC1 is the IPUMS place 1 year ago"),
    "MIGRATE5": ("residence_5_years_ago", "name MIGRATE5 is the IPUMS migration status, 5 years"),
    "MIGRATE5D": ("residence_5_years_ago", "name MIGRATE5D is the IPUMS migration status, 5 years"),
    "RES5": ("residence_5_years_ago", "name RES5 (residence 5 years ago)"),
    "CH16": ("residence_5_years_ago", "name CH16 is the EPH residence-five-years-ago question"),
    "CNT1": ("country_1_year_ago", "name CNT1 (country 1 year ago)"),
    "CNT5": ("country_5_years_ago", "name CNT5 (country 5 years ago)"),
    "REG1": ("region_1_year_ago", "name REG1 (region 1 year ago)"),
    "REG5": ("region_5_years_ago", "name REG5 (region 5 years ago)"),
    # reason
    "REASON": ("reason_for_migration", "name REASON"),
    "WHYMOVE": ("reason_for_migration", "name WHYMOVE is the CPS reason for moving"),
    "MOTIVO": ("reason_for_migration", "name MOTIVO (motivo de la migración)"),
    # sex and age
    "SEX": ("sex", "name SEX"),
    "SEXO": ("sex", "name SEXO"),
    "SEXE": ("sex", "name SEXE"),
    "GENDER": ("sex", "name GENDER"),
    "CH04": ("sex", "name CH04 is the EPH sex question"),
    "AGE": ("age", "name AGE"),
    "EDAD": ("age", "name EDAD"),
    "CH06": ("age", "name CH06 is the EPH age question"),
    "AGEBAND": ("age", "name AGEBAND (age bands)"),
    "AGEGRP": ("age", "name AGEGRP (age groups)"),
    "AGE_GROUP": ("age", "name AGE_GROUP (age groups)"),
    # weights
    "PONDERA": (WEIGHT, "name PONDERA is the EPH expansion weight"),
    "PERWT": (WEIGHT, "name PERWT is the IPUMS person weight"),
    "WTPER": (WEIGHT, "name WTPER is the IPUMS International person weight"),
    "ASECWT": (WEIGHT, "name ASECWT is the CPS ASEC weight"),
    "PWGTP": (WEIGHT, "name PWGTP is the ACS PUMS person weight"),
    "WEIGHT": (WEIGHT, "name WEIGHT"),
    "FACTOR": (WEIGHT, "name FACTOR (factor de expansión)"),
    "FACTOR_EXP": (WEIGHT, "name FACTOR_EXP (factor de expansión)"),
    "FEX": (WEIGHT, "name FEX (factor de expansión)"),
    "FEX_C": (WEIGHT, "name FEX_C (factor de expansión)"),
    "POIDS": (WEIGHT, "name POIDS (poids)"),
    # identifiers
    "PERSON_ID": (PERSON_ID, "name PERSON_ID"),
    "PERSONID": (PERSON_ID, "name PERSONID"),
    "PID": (PERSON_ID, "name PID"),
    "HH_ID": (HOUSEHOLD_ID, "name HH_ID"),
    "HHID": (HOUSEHOLD_ID, "name HHID"),
    "HOUSEHOLD_ID": (HOUSEHOLD_ID, "name HOUSEHOLD_ID"),
    # areas of residence (geography levels), coarsest kinds first (see _GEOGRAPHY_RANK)
    "REGION": (GEOGRAPHY, "name REGION"),
    "REGIONE": (GEOGRAPHY, "name REGIONE"),
    "STATE": (GEOGRAPHY, "name STATE"),
    "STATEFIP": (GEOGRAPHY, "name STATEFIP is the IPUMS state (FIPS code)"),
    "STATEFIPS": (GEOGRAPHY, "name STATEFIPS (state FIPS code)"),
    "ST": (GEOGRAPHY, "name ST is the ACS PUMS state"),
    "GEOLEV1": (GEOGRAPHY, "name GEOLEV1 is the IPUMS International first-level area"),
    "PROV": (GEOGRAPHY, "name PROV (province)"),
    "PROVINCE": (GEOGRAPHY, "name PROVINCE"),
    "PROVINCIA": (GEOGRAPHY, "name PROVINCIA"),
    "ENTIDAD": (GEOGRAPHY, "name ENTIDAD (entidad federativa)"),
    "ENT": (GEOGRAPHY, "name ENT (entidad federativa)"),
    "UF": (GEOGRAPHY, "name UF (unidade da federação)"),
    "DEPTO": (GEOGRAPHY, "name DEPTO (departamento)"),
    "DPTO": (GEOGRAPHY, "name DPTO (departamento)"),
    "DEPARTAMENTO": (GEOGRAPHY, "name DEPARTAMENTO"),
    "DEPARTMENT": (GEOGRAPHY, "name DEPARTMENT"),
    "GEOLEV2": (GEOGRAPHY, "name GEOLEV2 is the IPUMS International second-level area"),
    "DISTRICT": (GEOGRAPHY, "name DISTRICT"),
    "DISTRITO": (GEOGRAPHY, "name DISTRITO"),
    "COUNTY": (GEOGRAPHY, "name COUNTY"),
    "MUNICIPIO": (GEOGRAPHY, "name MUNICIPIO"),
    # EU-SILC (Eurostat's variable names, as in the user database)
    "RB030": (PERSON_ID, "name RB030 is the EU-SILC personal id"),
    "DB030": (HOUSEHOLD_ID, "name DB030 is the EU-SILC household id"),
    "RB050": (WEIGHT, "name RB050 is the EU-SILC personal cross-sectional weight"),
    "RB090": ("sex", "name RB090 is the EU-SILC sex"),
    "RX010": ("age", "name RX010 is the EU-SILC age at the date of the interview"),
    "PB220A": ("citizenship", "name PB220A is the EU-SILC citizenship (first)"),
    "DB040": (GEOGRAPHY, "name DB040 is the EU-SILC region (NUTS)"),
}

# Kinds of area by how coarse they usually are: the draft proposes the coarsest as the first
# geography level (the one recipes call "region").
_GEOGRAPHY_RANK = {
    **dict.fromkeys(("REGION", "REGIONE"), 0),
    **dict.fromkeys(("STATE", "STATEFIP", "STATEFIPS", "ST", "GEOLEV1", "PROV", "PROVINCE",
                     "PROVINCIA", "ENTIDAD", "ENT", "UF"), 1),
}  # fmt: skip

# Person identifiers made of several columns, all of which must be present, and how many of
# their first columns identify the household.
_COMPOSITE_IDS: tuple[tuple[tuple[str, ...], int, str], ...] = (
    (("CODUSU", "NRO_HOGAR", "COMPONENTE"), 2, "EPH person id: dwelling, household, member"),
    (("SERIALNO", "SPORDER"), 1, "ACS PUMS person id: housing unit, person number"),
    (("SERIAL", "PERNUM"), 1, "IPUMS person id: household serial, person number"),
)

# Columns that give the detail of another one: CH15_COD holds the country for CH15 = abroad.
_DETAIL_SUFFIXES = ("_COD", "_CODE")
_DETAIL_CONCEPTS = {
    "country_of_birth": "country_of_birth",
    "residence_1_year_ago": "country_1_year_ago",
    "residence_5_years_ago": "country_5_years_ago",
}


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_BIRTH = _words("born", "birth", "birthplace", "naci", "nacio", "nacido", "nacida", "nacimiento",
                "naissance", "nascimento", "nasceu")  # fmt: skip
_MOTHER = _words("mother", "mothers", "madre", "mere", "mae")
_FATHER = _words("father", "fathers", "padre", "pere", "pai")
_COUNTRY = _words("country", "countries", "pais", "paises", "pays")
_REGION = _words("region", "province", "provincia", "state", "estado", "department",
                 "departamento", "departement", "district", "distrito", "municipality",
                 "municipio", "commune", "county", "comuna", "locality", "localidad")  # fmt: skip
_ONE_YEAR = re.compile(
    r"\b(?:(?:1|one|un|uno|a) (?:year|ano|an)|12 (?:months|meses|mois)) ago\b"
    r"|\bhace (?:1|un|12) (?:ano|meses)\b|\bil y a (?:1|un|12) (?:an|mois)\b|\blast year\b"
)
_FIVE_YEARS = re.compile(
    r"\b(?:5|five) years ago\b|\bhace (?:5|cinco) anos\b|\bil y a (?:5|cinq) ans\b"
)
_CITIZEN = _words("citizen", "citizens", "citizenship", "nationality", "nationalite",
                  "nacionalidad", "nacionalidade", "ciudadania", "ciudadano", "citoyen",
                  "citoyennete", "cidadania")  # fmt: skip
_ACQUIRED = re.compile(r"\b(?:acqui\w*|naturali\w*|adquiri\w*|adquisicion|obtention|obtencion)")
_ARRIVAL = _words("arrival", "arrived", "arrive", "arrivee", "immigrated", "immigration",
                  "immigrate", "llego", "llegada", "chegada", "entry")  # fmt: skip
_REASON = _words("reason", "reasons", "motivo", "motivos", "razon", "raison", "motif", "why")
_RESIDED = _words("live", "lived", "living", "reside", "resided", "residence", "residencia",
                  "residia", "vivia", "habitait", "residait", "domicile", "domicilio")  # fmt: skip
_WHEN = _words("year", "date", "ano", "fecha", "annee", "data", "day", "dia", "jour")
_SEX = _words("sex", "sexo", "sexe", "gender", "genero", "genre")
# Areas of residence; not "estado", which also means status ("estado civil").
_AREA = _words("region", "province", "provincia", "provincie", "state", "department",
               "departamento", "departement", "district", "distrito", "county", "municipality",
               "municipio", "commune", "comuna", "entidad federativa", "unidad federativa",
               "unidade da federacao")  # fmt: skip
_AGE = _words("age", "edad", "idade")
_WEIGHT = re.compile(
    r"\b(?:weight|weighting|ponderador|ponderacion|factor de expansion|expansion factor"
    r"|poids|ponderation|peso)\b"
)
_PERSON = re.compile(
    r"\b(?:person (?:id|identifier|number)|identificador de (?:la )?persona"
    r"|numero de (?:persona|componente)|identifiant (?:de la )?personne)\b"
)


def normalise_text(text: str) -> str:
    """Lower-case words without accents or punctuation: "¿Dónde nació?" -> "donde nacio".

    Args:
        text: A label.

    Returns:
        The words of the label, separated by single spaces.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


_ABROAD = re.compile(
    r"\b(?:abroad|foreign|overseas|outside|another country|other country"
    r"|extranjero|extranjera|exterior|otro pais|fuera del pais|etranger"
    r"|autre pays|hors du pays|outro pais)\b"
    r"|^non (?!response|respuesta|reponse|applicable|aplicable|specified|stated|declare)\w+"
)


def means_abroad(label: str) -> bool:
    """Whether a value label says only that a place is outside the census country.

    "Born abroad", "Foreign country", "Non-Argentine", "Outside Canada", "En el extranjero",
    "Otro país", "À l'étranger": such a code is born (or lived) abroad with the country not
    stated, :data:`censusmig.classifications.countries.ABROAD_NOT_STATED`.

    Args:
        label: A value label of a country column.

    Returns:
        True when the words say abroad and name no particular country. Residual groups
        ("Otros países de América") are not matched: they name a region, left for review.
    """
    return bool(_ABROAD.search(normalise_text(label)))


def _label_concept(label: str) -> tuple[str, str] | None:
    """Concept and evidence from a column label, or None."""
    text = normalise_text(label)
    shown = f"label {label.strip()!r}"
    rules: list[tuple[bool, str]] = [
        (bool(_WEIGHT.search(text)), WEIGHT),
        (bool(_MOTHER.search(text) and _BIRTH.search(text)), "country_of_birth_mother"),
        (bool(_FATHER.search(text) and _BIRTH.search(text)), "country_of_birth_father"),
        (bool(_REASON.search(text)), "reason_for_migration"),
        (bool(_CITIZEN.search(text) and _ACQUIRED.search(text)), "citizenship_acquisition"),
        (bool(_CITIZEN.search(text)), "citizenship"),
        (bool(_ARRIVAL.search(text)), "year_of_arrival"),
    ]
    for period, pattern in (("1_year", _ONE_YEAR), ("5_years", _FIVE_YEARS)):
        if pattern.search(text):
            if _COUNTRY.search(text):
                rules.append((True, f"country_{period}_ago"))
            elif _REGION.search(text):
                rules.append((True, f"region_{period}_ago"))
            else:
                rules.append((True, f"residence_{period}_ago"))
    if _BIRTH.search(text) and not _WHEN.search(text):
        regional = _REGION.search(text) and not _COUNTRY.search(text)
        rules.append((True, "place_of_birth" if regional else "country_of_birth"))
    rules += [
        (bool(_SEX.search(text)), "sex"),
        (bool(_AGE.search(text)), "age"),
        (bool(_PERSON.search(text)), PERSON_ID),
        (bool(_AREA.search(text)), GEOGRAPHY),
    ]
    for matched, concept in rules:
        if matched:
            return concept, shown
    return None


_ORDER = {name: rank for rank, name in enumerate((*DATA_ROLES, *CONCEPTS, GEOGRAPHY))}


def name_key(column: str) -> str:
    """A column name as the table of known names spells it: "Country of Birth" -> COUNTRY_OF_BIRTH.

    Args:
        column: A column name, perhaps with spaces, hyphens or dots between its words.

    Returns:
        The name in capitals, its words (accents dropped) joined by underscores.
    """
    return normalise_text(column).upper().replace(" ", "_")


def _name_as_label(column: str) -> tuple[str, str] | None:
    """Concept and evidence from a column name of several words ("Year of arrival"), or None.

    Names of one word are left to the table of known names: a single word read as a label
    mistakes too many codes of questionnaires for concepts.
    """
    if len(normalise_text(column).split()) < 2:
        return None
    found = _label_concept(column)
    if found is None:
        return None
    return found[0], f"name {column.strip()!r} read as a label"


def _area_labels(labels: Mapping[str, str]) -> str | None:
    """Why a column's value labels look like areas of one country (its subdivisions), or None.

    At least three labels, and most of them, must be names of subdivisions of one and the same
    country (ISO 3166-2, through pycountry): country names are subdivisions of many countries
    at once ("Mexico", "Guatemala") and do not pass.
    """
    texts = [normalise_text(label) for label in labels.values()]
    texts = [text for text in texts if text]
    if len(texts) < 3:
        return None
    index = _subdivision_index()
    by_country: dict[str, int] = {}
    for text in texts:
        for country in index.get(text, ()):
            by_country[country] = by_country.get(country, 0) + 1
    if not by_country:
        return None
    country, found = max(by_country.items(), key=lambda item: (item[1], item[0]))
    if found < 3 or found < 0.6 * len(texts):
        return None
    return f"{found} of {len(texts)} value labels name subdivisions of {country} (ISO 3166-2)"


@functools.cache
def _subdivision_index() -> dict[str, frozenset[str]]:
    """Normalised subdivision names -> the alpha-2 codes of the countries that have them."""
    import pycountry  # only files with value labels pay for the subdivision list

    index: dict[str, set[str]] = {}
    for record in pycountry.subdivisions:
        index.setdefault(normalise_text(record.name), set()).add(record.country_code)
    return {name: frozenset(codes) for name, codes in index.items()}


def household_part(person_id: Sequence[str]) -> tuple[tuple[str, ...], str] | None:
    """The household id inside a composite person id of a known survey, with the evidence.

    Args:
        person_id: The person-id columns, as :func:`guess_concepts` guessed them.

    Returns:
        The columns that identify the household (``CODUSU``, ``NRO_HOGAR`` of the EPH's
        ``CODUSU``, ``NRO_HOGAR``, ``COMPONENTE``) and why, or None for any other person id.
    """
    names = {column.upper(): column for column in person_id}
    for parts, household, why in _COMPOSITE_IDS:
        if set(names) == set(parts):
            columns = tuple(names[part] for part in parts[:household])
            return columns, f"{' + '.join(parts[:household])}, the household part of the {why}"
    return None


def guess_concepts(columns: Sequence[str], meta: Metadata) -> list[Guess]:
    """Guess which columns hold which concepts, from their names and labels.

    A column gets at most one concept: a known name (``POB``, ``CH15``, ``PERWT``...; a name
    written with spaces or hyphens, "Country of Birth", is looked up as ``COUNTRY_OF_BIRTH``)
    wins over its label (in English, Spanish or French: "Country of birth", "¿Dónde nació?",
    "Pays de naissance"), which wins over a name of several words read as a label ("Year of
    arrival"). Areas of residence get the pseudo-concept :data:`GEOGRAPHY`: from their name
    (``REGION``, ``STATE``, ``STATEFIP``, ``PROV``, ``DEPTO``...), their label ("Province"), or
    value labels that name subdivisions of one country; several may be guessed, the coarsest
    kind first (regions, then states and provinces, then the rest). A concept may be guessed
    for two columns only when the ``why`` says so: the parts of a composite person id, the
    detail column of a gate question (CH15_COD beside CH15), or a second candidate, whose
    ``why`` names the first.

    Args:
        columns: Column names of the data file, in file order.
        meta: What the file says about itself (column labels are used).

    Returns:
        Guesses ordered by concept (data roles first, then :data:`CONCEPTS` order, then
        geography), the best candidate of each concept first.
    """
    names = {column.upper(): column for column in columns}
    found: dict[str, tuple[int, str, str]] = {}  # column -> (strength, concept, why)
    for parts, _, why in _COMPOSITE_IDS:
        if all(part in names for part in parts):
            for part in parts:
                found[names[part]] = (3, PERSON_ID, f"{' + '.join(parts)} together are the {why}")
    for column in columns:
        if column in found:
            continue
        known = _NAMES.get(column.upper()) or _NAMES.get(name_key(column))
        label = meta.column_labels.get(column)
        from_label = _label_concept(label) if label else None
        if known:
            found[column] = (2, *known)
        elif from_label:
            found[column] = (1, *from_label)
        elif (from_name := _name_as_label(column)) is not None:
            found[column] = (1, *from_name)
        elif (areas := _area_labels(meta.value_labels.get(column, {}))) is not None:
            found[column] = (1, GEOGRAPHY, areas)
    _add_detail_columns(columns, found)

    position = {column: index for index, column in enumerate(columns)}
    ordered = sorted(
        found.items(),
        key=lambda item: (
            _ORDER.get(item[1][1], 99),
            -item[1][0],
            _GEOGRAPHY_RANK.get(name_key(item[0]), 2) if item[1][1] == GEOGRAPHY else 0,
            position[item[0]],
        ),
    )
    guesses: list[Guess] = []
    first: dict[str, str] = {}
    for column, (strength, concept, why) in ordered:
        if concept in first and concept not in (PERSON_ID, GEOGRAPHY) and strength > 0:
            why = f"{why}; a second candidate for {concept}: the draft uses {first[concept]}"
        first.setdefault(concept, column)
        guesses.append(Guess(column, concept, why))
    return guesses


def detail_base(column: str, columns: Sequence[str]) -> str | None:
    """The question a detail column belongs to: CH15 for CH15_COD, or None.

    Args:
        column: A column name.
        columns: All column names.

    Returns:
        The base column, if ``column`` ends in ``_COD`` or ``_CODE`` and it exists.
    """
    for suffix in _DETAIL_SUFFIXES:
        if column.upper().endswith(suffix):
            base = column[: -len(suffix)]
            if base in columns:
                return base
    return None


def _add_detail_columns(columns: Sequence[str], found: dict[str, tuple[int, str, str]]) -> None:
    for column in columns:
        base = detail_base(column, columns)
        if column in found or base is None or base not in found:
            continue
        concept = _DETAIL_CONCEPTS.get(found[base][1])
        if concept is None:
            continue
        found[column] = (
            0,
            concept,
            f"name {column} looks like the detail of {base}: the country where {base} says "
            f"abroad; a profile reads it through a gate on {base}",
        )
