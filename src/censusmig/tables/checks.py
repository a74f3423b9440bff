"""Edit checks: the consistency rules a statistical office runs before tabulating.

Every rule is a boolean flag over the coded concepts of :mod:`censusmig.tables.derive`, so a
check reads the data exactly as the tables do (the same code maps, the same ``_U`` / ``_Z`` /
``_X``). All flags are added to one lazy plan and counted in a single aggregation; with
``show_ids`` the identifiers of failing records come from the same cached plan, in the same
``polars.collect_all``. A record can fail several rules: each rule counts its own records.
The one exception is a person found in two households, which can happen only where a person
id repeats: it is counted in a second pass over the ids, only when the first found repeats.
One cheap look at the person-id column comes first: when a single whole-number id strictly
increases down the file, no id can repeat and the costly hash of every id is skipped (for
duplicates, and for persons found in two households).

Nothing of a record leaves this module but its identifier (only when asked for) and, for codes
in no code list, the offending code with its count (values that cannot be codes only by their
length and count: :func:`~censusmig.tables.derive.shown_unknown_codes`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from censusmig.classifications.categories import MAX_VALID_AGE
from censusmig.classifications.codes import NOT_APPLICABLE, NOT_STATED, UNKNOWN_CODE
from censusmig.concepts import CONCEPTS, ConceptKind
from censusmig.dimensions.columns import concept_column, nativity_column, status_column
from censusmig.dimensions.expressions import VALID, nativity_exprs
from censusmig.profiles.model import ConceptMapping, Profile, whole_number
from censusmig.tables.derive import (
    code_as_text,
    concept_exprs,
    region_mapping,
    shown_unknown_codes,
    unknown_code_text,
)

Severity = Literal["error", "warning"]

ERROR: Severity = "error"
"""A record that cannot be right; tables built on it are wrong somewhere."""
WARNING: Severity = "warning"
"""A record that is unlikely but possible; worth a look, not a stop."""

_RECORD = "_check_record"
_ID = "id"
_MISSING_ID_PART = "?"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one edit rule.

    Attributes:
        id: Stable identifier of the rule ("arrival_before_birth").
        title: What the rule looks for, in plain words for a statistician.
        severity: "error" (cannot be right) or "warning" (possible, but worth a look).
        records: Records failing the rule (0 when skipped).
        detail: Breakdown of the failures as "COLUMN=code" -> records, for rules about codes;
            codes only, never other values of a record. Often empty.
        ids: Identifiers of failing records, in file order, when asked for (else empty);
            person-id columns joined with "-", or "record N" (1-based) without a person id.
        skipped: Why the rule could not run (a concept the profile does not map), else None.
    """

    id: str
    title: str
    severity: Severity
    records: int
    detail: Mapping[str, int] = field(default_factory=dict)
    ids: tuple[str, ...] = ()
    skipped: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-able data."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "records": self.records,
            "detail": dict(self.detail),
            "ids": list(self.ids),
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class CheckReport:
    """Every edit rule's result on one data file.

    Attributes:
        results: One result per rule, in a fixed order (skipped rules included).
        records: Records in the data file.
    """

    results: tuple[CheckResult, ...]
    records: int

    @property
    def problems(self) -> bool:
        """Whether any error-severity rule has failing records (warnings alone do not count)."""
        return any(r.severity == ERROR and r.records > 0 for r in self.results)

    def result(self, check_id: str) -> CheckResult:
        """The result of one rule.

        Args:
            check_id: The rule's id ("unknown_code").

        Returns:
            Its result.

        Raises:
            KeyError: No rule has that id.
        """
        for result in self.results:
            if result.id == check_id:
                return result
        raise KeyError(check_id)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able data (for ``--json`` and run.json)."""
        return {
            "records": self.records,
            "problems": self.problems,
            "results": [result.to_dict() for result in self.results],
        }


@dataclass(frozen=True)
class _Rule:
    """A rule ready to run: its flag expression, or why it cannot run.

    A rule ``on_repeated_ids`` can fail only on records whose person id repeats; it runs in a
    second pass over the file, and only when ``duplicate_person_id`` found repeated ids.
    """

    id: str
    title: str
    severity: Severity
    flag: pl.Expr | None
    skipped: str | None = None
    on_repeated_ids: bool = False

    @property
    def column(self) -> str:
        return f"_f_{self.id}"


def run_checks(
    frame: pl.LazyFrame, profile: Profile, *, show_ids: bool = False, max_ids: int = 100
) -> CheckReport:
    """Run every edit rule on a person file in one pass.

    Args:
        frame: The person file, lazily; it must have every column the profile names
            (see :meth:`censusmig.profiles.model.Profile.check_columns`).
        profile: Validated profile.
        show_ids: List the identifiers of failing records.
        max_ids: Most identifiers listed per rule.

    Returns:
        The report, one result per rule.

    Raises:
        ValueError: ``max_ids`` is negative.
    """
    if max_ids < 0:
        raise ValueError(f"max_ids must be 0 or more, not {max_ids}")
    schema = frame.collect_schema()
    concepts = set(profile.concepts) | ({"region"} if profile.geography else set())
    mappings = {name: profile.concepts.get(name) or region_mapping(profile) for name in concepts}
    unknown = {name: _is_unknown(name) for name in sorted(concepts)}
    rules = _rules(profile, schema, unknown, _ids_increasing(frame, profile))
    runnable = [rule for rule in rules if rule.flag is not None and not rule.on_repeated_ids]
    flags = [
        rule.flag.fill_null(False).alias(rule.column) for rule in runnable if rule.flag is not None
    ]

    if show_ids and not profile.person_id:
        frame = frame.with_row_index(_RECORD, offset=1)
    derived = (
        frame.with_columns(concept_exprs(profile, schema, concepts))
        .with_columns(nativity_exprs(profile, concepts))
        .with_columns(flags)
    )
    if show_ids:
        derived = derived.cache()
    summary = derived.select(
        pl.len().alias("records"),
        *(pl.col(rule.column).sum().alias(rule.id) for rule in runnable),
        *(
            _unknown_codes(mappings[name], flag).alias(f"_d_{name}")
            for name, flag in unknown.items()
        ),
    )
    plans = [summary]
    if show_ids:
        plans += [
            derived.filter(pl.col(rule.column)).select(_id_expr(profile)).head(max_ids)
            for rule in runnable
        ]
    found, *listed = pl.collect_all(plans)
    counts = found.row(0, named=True)
    ids: dict[str, tuple[str, ...]] = {}
    if show_ids:
        ids = {r.id: tuple(part[_ID].to_list()) for r, part in zip(runnable, listed, strict=True)}
    for rule in rules:
        if rule.on_repeated_ids and rule.flag is not None:
            counts[rule.id], ids[rule.id] = 0, ()
            if counts.get("duplicate_person_id"):
                counts[rule.id], ids[rule.id] = _second_pass(
                    frame, rule.flag, profile, show_ids, max_ids
                )

    detail: dict[str, int] = {}
    for name in unknown:
        codes = {entry["code"]: int(entry["records"]) for entry in counts[f"_d_{name}"] or []}
        for code, records in shown_unknown_codes(codes).items():
            # A column read by two concepts (CH16 for residence and as the gate of the country
            # five years ago) reports the same records twice: count them once.
            detail[code] = max(detail.get(code, 0), records)
    results = tuple(
        CheckResult(
            id=rule.id,
            title=rule.title,
            severity=rule.severity,
            records=int(counts[rule.id]) if rule.flag is not None else 0,
            detail=dict(sorted(detail.items())) if rule.id == "unknown_code" else {},
            ids=ids.get(rule.id, ()),
            skipped=rule.skipped,
        )
        for rule in rules
    )
    return CheckReport(results=results, records=int(counts["records"]))


def _rules(
    profile: Profile,
    schema: pl.Schema,
    unknown: Mapping[str, pl.Expr],
    ids_increasing: bool = False,
) -> list[_Rule]:
    """Every rule, in report order, with its flag over the coded concepts (or why it is skipped)."""
    mapped = set(profile.concepts)
    year = profile.reference_date.year

    def rule(
        id_: str,
        title: str,
        severity: Severity,
        needs: tuple[str, ...],
        flag: Callable[[], pl.Expr],
    ) -> _Rule:
        missing = [name for name in needs if name not in mapped]
        if missing:
            return _Rule(id_, title, severity, None, f"the profile maps no {', '.join(missing)}")
        return _Rule(id_, title, severity, flag())

    age = pl.col(concept_column("age"))
    age_mapping = profile.concepts.get("age")
    bands = age_mapping.bands if age_mapping else ()
    if bands:
        # Age held as bands reads as each band's lowest age; these rules flag what is wrong
        # whatever the age in the band, so they take its highest (none for an open band).
        age = age.replace_strict(
            {band.low: band.high for band in bands}, default=None, return_dtype=pl.Int64
        )
    arrival = "year_of_arrival"

    def stated_arrival() -> pl.Expr:
        # The year as written (after the profile's recodes), whether in range or not, for a
        # year that is not a declared missing-value code.
        status = pl.col(status_column(arrival))
        written = _written_number(profile.concepts[arrival], schema)
        return pl.when(status.is_in([VALID, UNKNOWN_CODE])).then(written)

    def native_with_arrival() -> _Rule:
        needs = ("country_of_birth", arrival)
        native = (pl.col(nativity_column("country_of_birth")) == "native_born") & (
            pl.col(status_column(arrival)) == VALID
        )
        if "reason_for_migration" in mapped:
            # Returning natives have a year of arrival too (UN recommendations); a native-born
            # person with no reason for migrating never moved, so the year is an error.
            reason = pl.col(concept_column("reason_for_migration")) == NOT_APPLICABLE
            return rule(
                "native_with_arrival",
                "Native-born with a year of arrival but no migration "
                "(reason for migration not applicable)",
                ERROR,
                needs,
                lambda: native & reason,
            )
        return rule(
            "native_with_arrival",
            "Native-born with a year of arrival (returning natives cannot be told apart: "
            "the profile maps no reason_for_migration)",
            WARNING,
            needs,
            lambda: native,
        )

    def weight(id_: str, title: str, flag: Callable[[pl.Expr], pl.Expr]) -> _Rule:
        if profile.weight is None:
            return _Rule(id_, title, ERROR, None, "the profile names no weight column")
        return _Rule(id_, title, ERROR, flag(_weight(profile.weight, schema)))

    def duplicates() -> _Rule:
        title = "Person identifier shared with another record"
        if not profile.person_id:
            return _Rule(
                "duplicate_person_id", title, ERROR, None, "the profile names no person_id"
            )
        if ids_increasing:
            return _Rule("duplicate_person_id", title, ERROR, pl.lit(False))
        return _Rule(
            "duplicate_person_id", title, ERROR, pl.struct(profile.person_id).is_duplicated()
        )

    def nesting() -> _Rule:
        id_ = "person_in_two_households"
        title = "Person identifier found with more than one household identifier"
        named = {"person_id": profile.person_id, "household_id": profile.household_id}
        missing = [key for key, columns in named.items() if not columns]
        if missing:
            return _Rule(id_, title, ERROR, None, f"the profile names no {' or '.join(missing)}")
        person = list(profile.person_id)
        # Household columns that are part of the person id cannot vary within a person
        # (EPH: CODUSU + NRO_HOGAR in CODUSU + NRO_HOGAR + COMPONENTE); when all are, or
        # when no person id repeats, persons are nested by construction and nothing is hashed.
        varying = [name for name in profile.household_id if name not in person]
        if not varying or ids_increasing:
            return _Rule(id_, title, ERROR, pl.lit(False))
        # Two households differ in at least one column: one window per column, keyed on
        # plain columns (a struct of the household columns costs twice as much). A person
        # found in two households is a repeated person id, so this runs only after repeats.
        complete = pl.all_horizontal(pl.col(name).is_not_null() for name in person)
        spread = pl.any_horizontal(pl.col(name).n_unique().over(person) > 1 for name in varying)
        return _Rule(id_, title, ERROR, complete & spread, on_repeated_ids=True)

    def foreign(name: str) -> pl.Expr:
        return pl.col(nativity_column(name)) == "foreign_born"

    return [
        _Rule(
            "unknown_code",
            "Code in no code list of the profile",
            ERROR,
            pl.any_horizontal(*unknown.values()) if unknown else pl.lit(False),
        ),
        rule(
            "age_out_of_range",
            "Age band code in no band of the profile, or not a number"
            if bands
            else f"Age outside 0-{MAX_VALID_AGE} or not a number",
            ERROR,
            ("age",),
            lambda: pl.col(status_column("age")) == UNKNOWN_CODE,
        ),
        rule(
            "arrival_after_reference",
            f"Year of arrival after the census year ({year})",
            ERROR,
            (arrival,),
            lambda: stated_arrival() > year,
        ),
        rule(
            "arrival_before_birth",
            "Year of arrival before the year of birth (census year - age - 1)",
            ERROR,
            ("age", arrival),
            lambda: stated_arrival() < pl.lit(year - 1, pl.Int64) - age,
        ),
        native_with_arrival(),
        rule(
            "residence_5y_under_5",
            "Residence 5 years ago stated for a child under 5",
            ERROR,
            ("age", "residence_5_years_ago"),
            lambda: (
                (age < 5)
                & ~pl.col(concept_column("residence_5_years_ago")).is_in(
                    [NOT_APPLICABLE, NOT_STATED]
                )
            ),
        ),
        rule(
            "citizen_by_birth_foreign_parents",
            "Citizen by birth, born abroad to a mother and a father both born abroad",
            WARNING,
            (
                "citizenship_acquisition",
                "country_of_birth",
                "country_of_birth_mother",
                "country_of_birth_father",
            ),
            lambda: (
                (pl.col(concept_column("citizenship_acquisition")) == "by_birth")
                & foreign("country_of_birth")
                & foreign("country_of_birth_mother")
                & foreign("country_of_birth_father")
            ),
        ),
        weight("weight_missing", "Weight missing", lambda w: w.is_null() | w.is_nan()),
        weight("weight_not_positive", "Weight zero or negative", lambda w: w <= 0),
        duplicates(),
        nesting(),
    ]


def _second_pass(
    frame: pl.LazyFrame, flag: pl.Expr, profile: Profile, show_ids: bool, max_ids: int
) -> tuple[int, tuple[str, ...]]:
    """The records a rule over the identifiers flags, and their ids when asked for."""
    flagged = frame.filter(flag.fill_null(False))
    plans = [flagged.select(pl.len())]
    if show_ids:
        flagged = flagged.cache()
        plans = [flagged.select(pl.len()), flagged.select(_id_expr(profile)).head(max_ids)]
    found, *listed = pl.collect_all(plans)
    return int(found.item()), tuple(listed[0][_ID].to_list()) if listed else ()


def _ids_increasing(frame: pl.LazyFrame, profile: Profile) -> bool:
    """Whether a single whole-number person id strictly increases down the file.

    Census files are usually written in id order; then no id can repeat, and the costly hash
    of every id (1.7 s for 10 million records) is skipped for a cheap look at each next id.
    """
    if len(profile.person_id) != 1:
        return False
    column = profile.person_id[0]
    if not frame.collect_schema()[column].is_integer():
        return False
    ids = pl.col(column)
    check = (ids.diff() > 0).all() & ids.is_not_null().all()
    return bool(frame.select(check).collect().item())


def _is_unknown(concept: str) -> pl.Expr:
    """Whether a concept is coded ``_X`` (its status, for a number)."""
    numeric = concept in CONCEPTS and CONCEPTS[concept].kind is ConceptKind.INTEGER
    coded = status_column(concept) if numeric else concept_column(concept)
    return (pl.col(coded) == UNKNOWN_CODE).fill_null(False)


def _unknown_codes(mapping: ConceptMapping, unknown: pl.Expr) -> pl.Expr:
    """The codes of a concept that are in no code list, as "COLUMN=code" with counts.

    Only the records coded ``_X`` are turned into text, so the cost is in the dirt, not in the
    file. The result is one list of {code, records} (one row, beside the counts).
    """
    return unknown_code_text(mapping, unknown).value_counts(name="records").implode()


def _written_number(mapping: ConceptMapping, schema: pl.Schema) -> pl.Expr:
    """A numeric concept's source value as a whole number, after the profile's numeric recodes.

    Null where the value is not a whole number; declared missing-value codes are not removed
    here (the status column says which they are).
    """
    column = pl.col(mapping.column)
    dtype = schema[mapping.column]
    if dtype.is_integer():
        number = column.cast(pl.Int64)
    elif dtype.is_float():
        whole = column.is_finite() & (column == column.round(0))
        number = pl.when(whole).then(column.cast(pl.Int64, strict=False))
    else:
        number = column.cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False)
    recodes = {
        source_number: target_number
        for source, target in mapping.codes.items()
        if (source_number := whole_number(source)) is not None
        and (target_number := whole_number(target)) is not None
    }
    return number.replace(recodes) if recodes else number


def _weight(column: str, schema: pl.Schema) -> pl.Expr:
    """The weight as a float; text that is not a number reads as missing."""
    weight = pl.col(column)
    if schema[column].is_numeric():
        return weight.cast(pl.Float64)
    return weight.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)


def _id_expr(profile: Profile) -> pl.Expr:
    """A record's identifier: its person-id columns joined with "-", else "record N"."""
    if not profile.person_id:
        return pl.format("record {}", pl.col(_RECORD)).alias(_ID)
    parts = [code_as_text(pl.col(name)).fill_null(_MISSING_ID_PART) for name in profile.person_id]
    return pl.concat_str(parts, separator="-").alias(_ID)
