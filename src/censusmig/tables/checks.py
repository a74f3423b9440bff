"""Edit checks: the consistency rules a statistical office runs before tabulating.

Every rule is a boolean flag over the coded concepts of :mod:`censusmig.tables.derive`, so a
check reads the data exactly as the tables do (the same code maps, the same ``_U`` / ``_Z`` /
``_X``). A record can fail several rules: each rule counts its own records.

The checks run in the engine's stages, in the same read of the data as the tables:

1. **plan** (:func:`plan_checks`): from the profile and the data's schema, each rule's flag
   and the unknown-code expressions (a :class:`CheckPlan`).
2. **per slice** (:func:`check_frames`, read back by :func:`read_checks`): the flags summed,
   the codes in no code list counted, a look at whether the person id increases within the
   slice (its first and last id), and with ``show_ids`` the first ids of failing records: a
   few lazy frames that a backend collects together with the tables' aggregations, over the
   same derived frame (:meth:`censusmig.tables.backend.PolarsBackend.aggregate`), or that
   :func:`run_checks` collects alone, slice by slice (the ``check`` command).
3. **merge** (:func:`merge_checks`): sums, id lists joined in slice order and cut, the
   increase looked at across slice boundaries. Exact whatever the cut.
4. **finish** (:func:`finish_checks`): the report. Whether a person id repeats cannot be told
   one slice at a time without holding every id. When the ids increase down the file, none
   can repeat and nothing more is read (census files are usually written in id order);
   otherwise one more pass reads the id columns only (:func:`_repeated_ids`: bounded memory,
   see there), and the persons found in two households are looked for among the records
   whose id repeats, only when there are some.

Nothing of a record leaves this module but its identifier (only when asked for) and, for codes
in no code list, the offending code with its count (values that cannot be codes only by their
length and count: :func:`~censusmig.tables.derive.shown_unknown_codes`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
from censusmig.tables.slicing import slices

Severity = Literal["error", "warning"]

ERROR: Severity = "error"
"""A record that cannot be right; tables built on it are wrong somewhere."""
WARNING: Severity = "warning"
"""A record that is unlikely but possible; worth a look, not a stop."""

RECORD_NUMBER = "_check_record"
"""Column of a record's number in the file (1-based), needed only to list the records that fail
without a person id (:attr:`CheckPlan.numbers_records`); added before the file is sliced."""
_RECORD = RECORD_NUMBER
_ID = "id"
_MISSING_ID_PART = "?"
_RECORDS = "records"
_INCREASING = "_ids_increase"
_HASH = "_id_hash"
_ROW = "_check_row"

HASHES_PER_ROUND = 10_000_000
"""Most records whose id hashes go into one table in one round of :func:`_repeated_ids`.

Measured at 10 million records of one whole-number id, in one round: 0.6 GiB peak for the
whole process, 0.8 s; in four rounds, 0.23 GiB. A file with more records is looked at in
more rounds (each reads the id columns again and keeps the hashes of one remainder), so the
memory stays about the same whatever the file's size.
"""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one edit rule.

    Attributes:
        id: Stable identifier of the rule ("arrival_before_birth").
        title: What the rule looks for, in plain words for a statistician.
        severity: "error" (cannot be right) or "warning" (possible, but worth a look).
        records: Records failing the rule (0 when skipped; None when protection withheld a
            count from 1 to its threshold - 1).
        detail: Breakdown of the failures as "COLUMN=code" -> records, for rules about codes;
            codes only, never other values of a record. Often empty.
        ids: Identifiers of failing records, in file order, when asked for (else empty);
            person-id columns joined with "-", or "record N" (1-based) without a person id.
        skipped: Why the rule could not run (a concept the profile does not map), else None.
    """

    id: str
    title: str
    severity: Severity
    records: int | None
    detail: Mapping[str, int | None] = field(default_factory=dict)
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
        # A count withheld by protection (None) is one from 1 to the threshold - 1.
        return any(
            r.severity == ERROR and (r.records is None or r.records > 0) for r in self.results
        )

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


Stage = Literal["scan", "ids", "repeated_ids"]


@dataclass(frozen=True)
class _Rule:
    """A rule ready to run: its flag expression, or why it cannot run.

    ``stage`` says where the flag is counted: ``scan``, in every slice of the one read of the
    data; ``ids`` (repeated person ids), in :func:`finish_checks`, and only when the ids do
    not increase down the file; ``repeated_ids`` (a person in two households), only among the
    records whose person id repeats, when there are some.
    """

    id: str
    title: str
    severity: Severity
    flag: pl.Expr | None
    skipped: str | None = None
    stage: Stage = "scan"

    @property
    def column(self) -> str:
        return f"_f_{self.id}"


@dataclass(frozen=True)
class CheckPlan:
    """The edit checks of a run, compiled from the profile and the data's schema.

    Attributes:
        profile: The validated profile.
        rules: Every rule, in report order (skipped ones included).
        concepts: The concepts whose coded columns the flags read: every concept the profile
            maps, and the region when it has a geography. A derived frame the checks run on
            must code all of them (``derive(..., concepts=plan.concepts)``).
        unknown: Concept -> its mapping, for the codes in no code list.
        ordered_ids: The person-id columns, when each holds whole numbers or text, so that
            whether they increase down the file can be looked at; else empty.
        show_ids: List the identifiers of failing records.
        max_ids: Most identifiers listed per rule.
    """

    profile: Profile
    rules: tuple[_Rule, ...]
    concepts: frozenset[str]
    unknown: Mapping[str, ConceptMapping]
    ordered_ids: tuple[str, ...]
    show_ids: bool = False
    max_ids: int = 100

    @property
    def counted(self) -> tuple[_Rule, ...]:
        """The rules counted in each slice of the read."""
        return tuple(r for r in self.rules if r.flag is not None and r.stage == "scan")

    @property
    def numbers_records(self) -> bool:
        """Whether failing records are listed by their number in the file (no person id).

        The frame must then hold :data:`RECORD_NUMBER` before it is sliced.
        """
        return self.show_ids and not self.profile.person_id

    def source_columns(self) -> frozenset[str]:
        """The data columns the checks read as they are in the file (beside coded concepts).

        A frame whose derived columns replace one of them (a dimension column named like a
        data column) cannot carry the checks: they would read the derived values.
        """
        exprs = [rule.flag for rule in self.counted if rule.flag is not None]
        exprs += [unknown_code_text(mapping) for mapping in self.unknown.values()]
        if self.show_ids:
            exprs.append(_id_expr(self.profile))
        names = {name for expr in exprs for name in expr.meta.root_names()}
        names |= set(self.ordered_ids)
        derived = {RECORD_NUMBER} | {
            column(name)
            for name in self.concepts
            for column in (concept_column, status_column, nativity_column)
        }
        return frozenset(names - derived)


@dataclass(frozen=True)
class IdOrder:
    """How the person ids run within a stretch of the file (one slice, or slices merged).

    Attributes:
        first: The first record's id (one value per person-id column), None when the
            stretch is empty.
        last: The last record's id, None when the stretch is empty.
        increasing: Every id is complete and greater than the one before (in the order of
            the columns, then of their values): no id can repeat.
    """

    first: tuple[Any, ...] | None
    last: tuple[Any, ...] | None
    increasing: bool

    def then(self, later: IdOrder) -> IdOrder:
        """This stretch followed by the next one in the file."""
        if self.first is None:
            return later
        if later.first is None:
            return self
        increasing = (
            self.increasing
            and later.increasing
            and self.last is not None
            and self.last < later.first
        )
        return IdOrder(self.first, later.last, increasing)


@dataclass(frozen=True)
class CheckPartial:
    """What the checks found in one slice of the data, or in several merged.

    Attributes:
        counts: One row: ``records``, then the failing records of each rule counted in the
            scan (:attr:`CheckPlan.counted`), by rule id.
        unknown_codes: Concept -> ("COLUMN=code" -> records), for the codes in no code list.
        ids: Rule id -> the first :attr:`CheckPlan.max_ids` identifiers of failing records,
            in file order (empty without ``show_ids``).
        order: How the person ids run, or None when they cannot be looked at
            (:attr:`CheckPlan.ordered_ids` is empty).
    """

    counts: pl.DataFrame
    unknown_codes: Mapping[str, Mapping[str, int]]
    ids: Mapping[str, tuple[str, ...]]
    order: IdOrder | None


def plan_checks(
    profile: Profile, schema: pl.Schema, *, show_ids: bool = False, max_ids: int = 100
) -> CheckPlan:
    """Stage 1 of the checks: every rule's flag over the coded concepts.

    Args:
        profile: Validated profile.
        schema: Schema of the person file (it must have every column the profile names).
        show_ids: List the identifiers of failing records.
        max_ids: Most identifiers listed per rule.

    Returns:
        The plan.

    Raises:
        ValueError: ``max_ids`` is negative.
    """
    if max_ids < 0:
        raise ValueError(f"max_ids must be 0 or more, not {max_ids}")
    concepts = set(profile.concepts) | ({"region"} if profile.geography else set())
    unknown = {
        name: profile.concepts.get(name) or region_mapping(profile) for name in sorted(concepts)
    }
    person = profile.person_id
    ordered = all(schema[name].is_integer() or schema[name] == pl.String for name in person)
    return CheckPlan(
        profile=profile,
        rules=tuple(_rules(profile, schema, {name: _is_unknown(name) for name in unknown})),
        concepts=frozenset(concepts),
        unknown=unknown,
        ordered_ids=person if ordered else (),
        show_ids=show_ids,
        max_ids=max_ids,
    )


def check_frames(derived: pl.LazyFrame, plan: CheckPlan) -> list[pl.LazyFrame]:
    """Stage 2 of the checks, for one slice: the lazy frames that count its failures.

    Collect them together with any other work on the same ``derived`` frame (one
    ``polars.collect_all``), and read the results with :func:`read_checks`.

    Args:
        derived: The slice with the coded columns of :attr:`CheckPlan.concepts` (and the
            nativity of each country of birth) added to its data columns, lazily.
        plan: The checks' plan.

    Returns:
        One frame of counts, then with ``show_ids`` one frame of identifiers per counted rule.
    """
    counted = plan.counted
    flagged = derived.with_columns(
        rule.flag.fill_null(False).alias(rule.column) for rule in counted if rule.flag is not None
    )
    if plan.show_ids:
        flagged = flagged.cache()
    summary = flagged.select(
        pl.len().cast(pl.Int64).alias(_RECORDS),
        *(pl.col(rule.column).sum().cast(pl.Int64).alias(rule.id) for rule in counted),
        *(
            _unknown_codes(mapping, _is_unknown(name)).alias(f"_d_{name}")
            for name, mapping in plan.unknown.items()
        ),
        *_order_exprs(plan.ordered_ids),
    )
    if not plan.show_ids:
        return [summary]
    return [
        summary,
        *(
            flagged.filter(pl.col(rule.column)).select(_id_expr(plan.profile)).head(plan.max_ids)
            for rule in counted
        ),
    ]


def read_checks(plan: CheckPlan, found: Sequence[pl.DataFrame]) -> CheckPartial:
    """The collected frames of :func:`check_frames` as one slice's :class:`CheckPartial`."""
    summary, *listed = found
    row = summary.row(0, named=True)
    counted = plan.counted
    order = None
    if plan.ordered_ids:
        empty = row[_RECORDS] == 0
        order = IdOrder(
            first=None if empty else _id_values(row, "first", plan.ordered_ids),
            last=None if empty else _id_values(row, "last", plan.ordered_ids),
            increasing=bool(row[_INCREASING]),
        )
    return CheckPartial(
        counts=summary.select(_RECORDS, *(rule.id for rule in counted)),
        unknown_codes={
            name: {entry["code"]: int(entry["records"]) for entry in row[f"_d_{name}"] or []}
            for name in plan.unknown
        },
        ids={
            rule.id: tuple(part[_ID].to_list()) for rule, part in zip(counted, listed, strict=True)
        }
        if plan.show_ids
        else {},
        order=order,
    )


def merge_checks(parts: Sequence[CheckPartial], plan: CheckPlan) -> CheckPartial:
    """Stage 3 of the checks: the partials of the slices, in file order, as one.

    Args:
        parts: One per slice, in file order (at least one).
        plan: The checks' plan.

    Returns:
        Counts summed, unknown codes summed, identifiers joined and cut to
        :attr:`CheckPlan.max_ids`, and the ids' increase looked at across the slices.
    """
    if len(parts) == 1:
        return parts[0]
    counts = pl.concat([part.counts for part in parts]).select(pl.all().sum())
    unknown: dict[str, dict[str, int]] = {name: {} for name in plan.unknown}
    for part in parts:
        for name, codes in part.unknown_codes.items():
            for code, records in codes.items():
                unknown[name][code] = unknown[name].get(code, 0) + records
    ids = {
        rule.id: tuple(i for part in parts for i in part.ids.get(rule.id, ()))[: plan.max_ids]
        for rule in plan.counted
    }
    order = None
    if all(part.order is not None for part in parts):
        order = parts[0].order
        for part in parts[1:]:
            assert order is not None and part.order is not None
            order = order.then(part.order)
    return CheckPartial(counts, unknown, ids if plan.show_ids else {}, order)


def finish_checks(plan: CheckPlan, merged: CheckPartial, frame: pl.LazyFrame) -> CheckReport:
    """Stage 4 of the checks: the report, after the rules on repeated ids.

    Args:
        plan: The checks' plan.
        merged: What every slice found, merged (:func:`merge_checks`).
        frame: The whole person file, lazily: read again (its id columns only) when a
            person id may repeat (:func:`_repeated_ids`); not read when the ids increase.

    Returns:
        The report, one result per rule.
    """
    counts: dict[str, int] = {k: int(v) for k, v in merged.counts.row(0, named=True).items()}
    ids: dict[str, tuple[str, ...]] = dict(merged.ids)
    pending = [rule for rule in plan.rules if rule.flag is not None and rule.stage != "scan"]
    if pending:
        found: Mapping[str, tuple[int, tuple[str, ...]]] = {}
        if merged.order is None or not merged.order.increasing:
            found = _repeated_ids(frame, plan, counts[_RECORDS])
        for rule in pending:
            counts[rule.id], ids[rule.id] = found.get(rule.id, (0, ()))

    detail: dict[str, int] = {}
    for codes in merged.unknown_codes.values():
        for code, records in shown_unknown_codes(codes).items():
            # A column read by two concepts (CH16 for residence and as the gate of the country
            # five years ago) reports the same records twice: count them once.
            detail[code] = max(detail.get(code, 0), records)
    results = tuple(
        CheckResult(
            id=rule.id,
            title=rule.title,
            severity=rule.severity,
            records=counts[rule.id] if rule.flag is not None else 0,
            detail=dict(sorted(detail.items())) if rule.id == "unknown_code" else {},
            ids=ids.get(rule.id, ()) if plan.show_ids else (),
            skipped=rule.skipped,
        )
        for rule in plan.rules
    )
    return CheckReport(results=results, records=counts[_RECORDS])


def run_checks(
    frame: pl.LazyFrame,
    profile: Profile,
    *,
    show_ids: bool = False,
    max_ids: int = 100,
    batch_rows: int | None = None,
) -> CheckReport:
    """Run every edit rule on a person file, in one read (sliced when asked).

    The checks alone, for the ``check`` command; :func:`censusmig.tables.engine.compute_tables`
    runs them in the tables' read instead.

    Args:
        frame: The person file, lazily; it must have every column the profile names
            (see :meth:`censusmig.profiles.model.Profile.check_columns`).
        profile: Validated profile.
        show_ids: List the identifiers of failing records.
        max_ids: Most identifiers listed per rule.
        batch_rows: Read the file in slices of this many records (memory bounded by the
            slice), or None to read it in one go; the report is the same.

    Returns:
        The report, one result per rule.

    Raises:
        ValueError: ``max_ids`` is negative.
    """
    plan = plan_checks(profile, frame.collect_schema(), show_ids=show_ids, max_ids=max_ids)
    return scan_checks(frame, plan, batch_rows)


def scan_checks(frame: pl.LazyFrame, plan: CheckPlan, batch_rows: int | None) -> CheckReport:
    """The checks of a plan in a read of their own, slice by slice (see :func:`run_checks`)."""
    if plan.numbers_records:
        frame = frame.with_row_index(RECORD_NUMBER, offset=1)
    profile = plan.profile
    schema = frame.collect_schema()
    parts = []
    for part in slices(frame, batch_rows):
        derived = part.with_columns(concept_exprs(profile, schema, plan.concepts)).with_columns(
            nativity_exprs(profile, plan.concepts)
        )
        parts.append(read_checks(plan, pl.collect_all(check_frames(derived, plan))))
    return finish_checks(plan, merge_checks(parts, plan), frame)


def _rules(
    profile: Profile,
    schema: pl.Schema,
    unknown: Mapping[str, pl.Expr],
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
        # Counted over the records whose id may repeat (see _repeated_ids), not per slice.
        return _Rule(
            "duplicate_person_id",
            title,
            ERROR,
            pl.struct(profile.person_id).is_duplicated(),
            stage="ids",
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
        if not varying:
            return _Rule(id_, title, ERROR, pl.lit(False))
        # Two households differ in at least one column: one window per column, keyed on
        # plain columns (a struct of the household columns costs twice as much). A person
        # found in two households is a repeated person id, so this runs only on the records
        # whose id repeats, and only when there are some (the window then holds every record
        # of each such person, so it finds what it would find over the whole file).
        complete = pl.all_horizontal(pl.col(name).is_not_null() for name in person)
        spread = pl.any_horizontal(pl.col(name).n_unique().over(person) > 1 for name in varying)
        return _Rule(id_, title, ERROR, complete & spread, stage="repeated_ids")

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


def _repeated_ids(
    frame: pl.LazyFrame, plan: CheckPlan, records: int
) -> dict[str, tuple[int, tuple[str, ...]]]:
    """The rules on repeated person ids: records whose id repeats, persons in two households.

    Whether an id repeats cannot be told one slice at a time without holding every id, so
    this is a read of its own, of the person-id columns only, run only when the ids do not
    increase down the file. Memory stays bounded: each id is hashed to 64 bits and the
    hashes that repeat are found by Polars' streaming engine, in rounds of at most
    :data:`HASHES_PER_ROUND` records' hashes each (one round per remainder of the hash);
    then only the records with a repeated hash are read whole (their id and household
    columns), in a second read, and compared exactly, so two ids that share a hash cost a few
    records read, never a wrong count. The cost, at 10 million records of one whole-number
    id: one round, about 0.8 s and 0.6 GiB peak (the whole-file ``is_duplicated`` it
    replaces took about 2 s and 0.9 GiB); at 100 million, ten rounds of about the same
    memory, each reading the id columns again.

    Args:
        frame: The whole person file, lazily.
        plan: The checks' plan (its profile names a person id).
        records: Records in the file.

    Returns:
        Rule id -> (failing records, their first ids when asked), for the rules of the
        ``ids`` and ``repeated_ids`` stages.
    """
    profile = plan.profile
    person = list(profile.person_id)
    hashed = pl.col(person[0]).hash() if len(person) == 1 else pl.struct(person).hash()
    rounds = max(1, -(-records // HASHES_PER_ROUND))
    hashes = frame.select(hashed.alias(_HASH))
    repeated = pl.concat(
        [
            (hashes.filter(pl.col(_HASH) % rounds == round_) if rounds > 1 else hashes)
            .group_by(_HASH)
            .agg(pl.len().alias("n"))
            .filter(pl.col("n") > 1)
            .select(_HASH)
            .collect(engine="streaming")
            for round_ in range(rounds)
        ]
    )[_HASH]
    rules = [rule for rule in plan.rules if rule.flag is not None and rule.stage != "scan"]
    found: dict[str, tuple[int, tuple[str, ...]]] = {rule.id: (0, ()) for rule in rules}
    if repeated.is_empty():
        return found
    household = [name for name in profile.household_id if name not in person]
    candidates = (
        frame.with_row_index(_ROW)
        .filter(hashed.is_in(repeated.implode()))
        .select(_ROW, *person, *household)
        .collect(engine="streaming")
        .sort(_ROW)
    )
    # Every record of an id that repeats is among the candidates: the flags over them are
    # those over the whole file (duplicates, and the window over each person's records).
    for rule in rules:
        assert rule.flag is not None
        failing = candidates.filter(rule.flag.fill_null(False))
        listed: tuple[str, ...] = ()
        if plan.show_ids:
            listed = tuple(failing.head(plan.max_ids).select(_id_expr(profile))[_ID].to_list())
        found[rule.id] = (failing.height, listed)
    return found


def _order_exprs(person: Sequence[str]) -> list[pl.Expr]:
    """Whether the ids increase within the slice, and its first and last id (per column).

    Compared column by column (the first column, then the next where it ties), so an id of
    household number and person number increases as a file sorted on both does.
    """
    if not person:
        return []
    greater: pl.Expr = pl.lit(False)
    tied: pl.Expr = pl.lit(True)
    for name in person:
        column, before = pl.col(name), pl.col(name).shift(1)
        greater = greater | (tied & (column > before))
        tied = tied & (column == before)
    # The first record has none before it (null, ignored by all()); a missing id is no order.
    complete = pl.all_horizontal(pl.col(name).is_not_null().all() for name in person)
    return [
        (greater.all() & complete).alias(_INCREASING),
        *(pl.col(name).first().alias(f"_first_{i}") for i, name in enumerate(person)),
        *(pl.col(name).last().alias(f"_last_{i}") for i, name in enumerate(person)),
    ]


def _id_values(row: Mapping[str, Any], which: str, person: Sequence[str]) -> tuple[Any, ...]:
    """The first or last id of a slice, from its summary row (see :func:`_order_exprs`)."""
    return tuple(row[f"_{which}_{i}"] for i in range(len(person)))


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
