"""Profiles: TOML files that map a data file's columns and codes onto censusmig's concepts.

A profile is validated whole; :class:`censusmig.errors.SpecError` lists every problem with its
key path, the bad value, the valid choices and the nearest match.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from censusmig.classifications import countries
from censusmig.concepts import CONCEPTS, ConceptKind
from censusmig.errors import InputError, nearest
from censusmig.specfile import Checker, join, load_toml

RESIDENCE_RULES = (12, 6)


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
class ConceptMapping:
    """How one concept is read from the data.

    Attributes:
        concept: Concept name (see :data:`censusmig.concepts.CONCEPTS`).
        column: Source column in the data file.
        code_system: For country concepts, the ISO code system of the column, or None when
            ``codes`` is a table.
        codes: Source code -> standard code (category code, ISO alpha-3, area code, or a number
            for numeric concepts), from the profile's ``codes`` table plus ``extra_codes``.
        not_stated: Source codes that mean "not stated" (coded ``_U``).
        not_applicable: Source codes that mean "not applicable" (coded ``_Z``), such as a
            year of arrival for a person who never lived abroad.
        case_insensitive: Compare text codes without regard to case ("bol" = "BOL").
        gate: A gate column deciding when ``column`` is read, if any.
        other: Standard code for every source code the profile does not list (instead of
            ``_X``, "unknown code"); for code lists that end in "any other code".
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

    def columns(self) -> tuple[str, ...]:
        """Every data column the profile names, in a stable order."""
        names = [*self.person_id, *self.household_id, self.weight]
        names += [level.column for level in self.geography]
        names += [name for mapping in self.concepts.values() for name in mapping.columns()]
        return tuple(dict.fromkeys(name for name in names if name))

    def _keys(self) -> dict[str, str]:
        """Each column -> the first key of the profile that names it (``data.household_id``)."""
        keys: dict[str, str] = {}
        for key, names in (("person_id", self.person_id), ("household_id", self.household_id)):
            for name in names:
                keys.setdefault(name, f"data.{key}")
        if self.weight:
            keys.setdefault(self.weight, "data.weight")
        for index, level in enumerate(self.geography):
            keys.setdefault(level.column, f"geography.levels[{index}].column")
        for concept, mapping in self.concepts.items():
            keys.setdefault(mapping.column, f"concepts.{concept}.column")
            if mapping.gate:
                keys.setdefault(mapping.gate.column, f"concepts.{concept}.gate.column")
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


_TOP_KEYS = ("schema_version", "census", "data", "geography", "concepts")
_CENSUS_KEYS = ("name", "country", "country_name", "reference_date", "residence_rule_months")
_DATA_KEYS = ("person_id", "household_id", "weight")
_CONCEPT_KEYS = (
    "column",
    "codes",
    "extra_codes",
    "not_stated",
    "not_applicable",
    "case_insensitive",
    "gate",
    "other",
)
_ALPHA3 = re.compile(r"^[A-Z]{3}$")


def read_profile(path: Path) -> Profile:
    """Read and validate a profile file.

    Args:
        path: The TOML file.

    Returns:
        The validated profile.

    Raises:
        InputError: The file cannot be read.
        SpecError: The file is invalid; every problem is listed.
    """
    document, sha256 = load_toml(path, "profile")
    check = Checker(path)
    check.schema_version(document)
    check.unknown_keys(document, _TOP_KEYS, "")

    census = check.table(document, "census", "")
    check.unknown_keys(census, _CENSUS_KEYS, "census")
    census_name = check.string(census, "name", "census") or ""
    country = check.string(census, "country", "census") or ""
    if country and not _ALPHA3.match(country):
        check.add("census.country", "must be an ISO 3166 alpha-3 code in capitals", country)
    country_name = check.string(census, "country_name", "census", required=False)
    if country_name is None:
        known = countries.countries().get(country)
        country_name = known.name if known else country
    reference_date = census.get("reference_date")
    if not isinstance(reference_date, dt.date) or isinstance(reference_date, dt.datetime):
        check.add("census.reference_date", "must be a TOML date such as 2025-03-15", reference_date)
        reference_date = dt.date(1970, 1, 1)
    rule = census.get("residence_rule_months", 12)
    if rule not in RESIDENCE_RULES:
        check.add(
            "census.residence_rule_months",
            "unsupported residence rule",
            rule,
            tuple(map(str, RESIDENCE_RULES)),
        )

    data = check.table(document, "data", "", required=False)
    check.unknown_keys(data, _DATA_KEYS, "data")
    person_id = _read_id(check, data, "person_id", '("ID" or ["HH", "LINE"])')
    household_id = _read_id(check, data, "household_id", '("HH_ID" or ["DWELLING", "HH"])')
    weight = check.string(data, "weight", "data", required=False)

    geography = _read_geography(check, document)
    concepts = _read_concepts(check, document)
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
        if name and column:
            texts = {k: str(v) for k, v in labels.items()}
            result.append(GeographyLevel(name, column, texts, all_labels is True))
    return tuple(result)


def _read_concepts(check: Checker, document: Mapping[str, Any]) -> dict[str, ConceptMapping]:
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
        not_stated = expand_codes(check, check.string_list(entry, "not_stated", path), path)
        not_applicable = expand_codes(check, check.string_list(entry, "not_applicable", path), path)
        folded = entry.get("case_insensitive", False)
        if not isinstance(folded, bool):
            check.add(join(path, "case_insensitive"), "must be true or false", folded)
            folded = False
        system, codes = _read_codes(check, entry, path, spec.kind, spec.categories_codes())
        gate = _read_gate(check, entry, path, spec.kind, spec.categories_codes())
        other = entry.get("other")
        if other is not None:
            if spec.kind is ConceptKind.INTEGER:
                check.add(join(path, "other"), "applies to coded concepts, not numbers", other)
            else:
                valid = _valid_targets(spec.kind, spec.categories_codes())
                _check_target(check, join(path, "other"), other, spec.kind, valid)
        mappings[name] = ConceptMapping(
            name,
            column,
            system,
            codes,
            not_stated,
            not_applicable,
            folded,
            gate,
            str(other) if other is not None else None,
        )
    return mappings


_SPECIAL_TARGETS = ("_U", "_Z")


def _valid_targets(kind: ConceptKind, category_codes: tuple[str, ...]) -> tuple[str, ...]:
    if kind is ConceptKind.CATEGORY:
        return (*category_codes, *_SPECIAL_TARGETS)
    if kind is ConceptKind.COUNTRY:
        return (*countries.countries(), *_SPECIAL_TARGETS)
    return _SPECIAL_TARGETS


def _check_target(
    check: Checker, key: str, target: object, kind: ConceptKind, valid: tuple[str, ...]
) -> None:
    if kind is ConceptKind.INTEGER:
        if isinstance(target, bool) or not isinstance(target, int | str):
            check.add(key, "must map to a whole number", target)
        elif isinstance(target, str) and target not in _SPECIAL_TARGETS:
            check.add(key, "must map to a whole number, _U or _Z", target, _SPECIAL_TARGETS)
        return
    if not isinstance(target, str):
        check.add(key, "must map to a string code", target)
    elif kind is ConceptKind.AREA:
        return  # area codes are the profile's own
    elif target not in valid and not (kind is ConceptKind.COUNTRY and _ALPHA3.match(target)):
        check.add(key, "unknown target code", target, valid)


def _read_codes(
    check: Checker,
    entry: Mapping[str, Any],
    path: str,
    kind: ConceptKind,
    category_codes: tuple[str, ...],
) -> tuple[str | None, dict[str, str]]:
    codes = entry.get("codes")
    extra = check.table(entry, "extra_codes", path, required=False)
    system: str | None = None
    table: dict[str, Any] = {}
    if kind is ConceptKind.COUNTRY and isinstance(codes, str):
        if codes not in countries.CODE_SYSTEMS:
            check.add(join(path, "codes"), "unknown code system", codes, countries.CODE_SYSTEMS)
        else:
            system = codes
    elif isinstance(codes, dict):
        table = {str(key): value for key, value in codes.items()}
    elif codes is None:
        if kind in (ConceptKind.CATEGORY, ConceptKind.COUNTRY):
            check.add(join(path, "codes"), "is required (a code system name or a table)")
    else:
        check.add(join(path, "codes"), "must be a code system name or a table", codes)
    table.update({str(key): value for key, value in extra.items()})
    table = {
        code: value
        for key, value in table.items()
        for code in expand_codes(check, (key,), join(path, "codes"))
    }
    valid = _valid_targets(kind, category_codes)
    for source, target in table.items():
        _check_target(check, f"{path}.codes.{source}", target, kind, valid)
    return system, {source: str(target) for source, target in table.items()}


def _read_gate(
    check: Checker,
    entry: Mapping[str, Any],
    path: str,
    kind: ConceptKind,
    category_codes: tuple[str, ...],
) -> Gate | None:
    gate = check.table(entry, "gate", path, required=False)
    if not gate:
        return None
    path = join(path, "gate")
    check.unknown_keys(gate, ("column", "codes", "detail"), path)
    column = check.string(gate, "column", path) or ""
    codes = check.table(gate, "codes", path, required=False)
    detail = expand_codes(check, check.string_list(gate, "detail", path), path)
    if not detail:
        check.add(join(path, "detail"), "list the gate codes for which the column is read")
    valid = _valid_targets(kind, category_codes)
    for source, target in codes.items():
        _check_target(check, f"{path}.codes.{source}", target, kind, valid)
    codes = {
        code: value
        for key, value in codes.items()
        for code in expand_codes(check, (str(key),), join(path, "codes"))
    }
    return Gate(column, {str(k): str(v) for k, v in codes.items()}, detail)


MAX_RANGE = 100_000
"""Most codes one ``"low..high"`` range may stand for."""


def expand_codes(check: Checker, keys: tuple[str, ...], path: str) -> tuple[str, ...]:
    """Expand code lists and ranges: ``"3,4"`` -> 3 and 4; ``"100..199"`` -> 100 to 199.

    A range keeps zero padding when both ends are written with it (``"01..12"`` -> ``"01"``
    ... ``"12"``). Anything else is one code, as written.
    """
    codes: list[str] = []
    for key in keys:
        for part in (p.strip() for p in key.split(",")) if "," in key else (key,):
            low, dots, high = part.partition("..")
            if not dots:
                codes.append(part)
                continue
            if not (_INTEGER.match(low.strip()) and _INTEGER.match(high.strip())):
                check.add(path, "a range is two whole numbers: low..high", part)
                continue
            a, b = int(low), int(high)
            if b < a or b - a >= MAX_RANGE:
                check.add(
                    path, f"a range must go upwards and hold at most {MAX_RANGE:,} codes", part
                )
                continue
            width = len(low.strip()) if low.strip().startswith("0") else 0
            codes += [str(n).zfill(width) for n in range(a, b + 1)]
    return tuple(codes)


_INTEGER = re.compile(r"^-?\d+$")
