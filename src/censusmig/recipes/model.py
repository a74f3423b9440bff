"""The recipe model: what a table is (universe, stub, spanners, notes), read from TOML."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from censusmig.classifications.categories import CategorySet
from censusmig.classifications.codes import NOT_APPLICABLE, NOT_STATED, UNKNOWN_CODE
from censusmig.concepts import CONCEPTS, NUMERIC_FIELDS, ConceptKind
from censusmig.dimensions import DIMENSIONS
from censusmig.disclosure import METHODS
from censusmig.specfile import Checker, load_toml

OPERATORS = ("=", "!=", ">=", "<=", ">", "<", "in")
_CONDITION = re.compile(r"^\s*([a-z_0-9]+)\s*(!=|>=|<=|=|>|<|\bin\b)\s*(.+?)\s*$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
COUNTRY_ORDERS = ("size", "alphabetical")
"""How countries are ordered within their region (``[options] country_order``)."""
_WHOLE_NUMBER = re.compile(r"^-?[0-9]{1,12}$")
"""A whole number in a condition: ASCII digits, at most one leading minus sign."""

CONDITION_RANGES: dict[str, tuple[int, int]] = {
    "age": (0, 150),
    "year_of_arrival": (1800, 2200),
}
"""Numeric field -> the range a condition may compare it with (ages in years, calendar years)."""
MAX_TOP = 1000
"""Largest ``top`` of a recipe: more than every country of the world (about 250)."""


@dataclass(frozen=True)
class Condition:
    """One universe condition, such as ``nativity = foreign_born`` or ``age >= 15``.

    Attributes:
        field: A dimension, or a concept a profile can map (tested on its coded value).
        operator: One of :data:`OPERATORS`.
        values: Category codes (dimensions, category concepts), ISO alpha-3 codes (country
            concepts), the profile's area codes (area concepts), or one integer as text
            (numeric fields).
    """

    field: str
    operator: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        """Write the condition back as a recipe author writes it."""
        return f"{self.field} {self.operator} {', '.join(self.values)}"


@dataclass(frozen=True)
class TableLayout:
    """How a recipe asks its table to be laid out in the report and the workbook.

    The tidy CSV keeps every cell in the recipe's ``rows`` and ``columns`` order whatever
    this says; only the published layout follows it.

    Attributes:
        stub: Dimensions down the stub, outer first; empty: the automatic rule chooses
            (:func:`censusmig.renderers.arrangement.arrange`).
        spanners: Dimensions across, outer first (given with ``stub``: together they hold
            every dimension of the recipe once).
        titles: Dimension -> heading used in this table instead of the dimension's title
            (``region = "Region of usual residence now"`` in an origin-destination table).
        keep_not_stated: Dimensions whose "Not stated" row or column is shown even when it
            is zero everywhere (where the standard's table has one).
    """

    stub: tuple[str, ...] = ()
    spanners: tuple[str, ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)
    keep_not_stated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    """A validated recipe.

    Attributes:
        id: Stable identifier (file name without ``.toml``).
        path: File it was read from.
        sha256: Hash of the file's bytes.
        title: Table title.
        description: Plain-words explanation for trainers.
        standard: Citations (document and topic).
        universe_label: Who is counted, in words.
        universe: Conditions a record must meet to be counted (all of them).
        rows: Dimensions in the stub, outer first.
        columns: Dimensions in the column spanners, outer first.
        notes: Footnotes printed under the table.
        country_order: Order of countries within their region: "size" or "alphabetical".
        categories: Dimension -> category set replacing its default (other age groups...).
        top: Dimension -> keep only its N largest categories, the rest as "other".
        percent_of: Dimensions totalled in the denominator of a ``percent`` measure (each cell
            as a share of its total over them; all dimensions: percent of the grand total), or
            empty for counts only.
        allow_coarser: When the profile holds a number as bands (age bands) that cannot give
            the groups asked for, use the nearest groups they can give (the bands merged
            wherever a group splits them) instead of stopping.
        layout: How the report and the workbook lay the table out (``[layout]``).
        protection: The table's protection method (``protection = "suppress"``), or None to
            follow the profile; a profile's ``[protection.recipes]`` and ``--protect`` win.
    """

    id: str
    path: Path
    sha256: str
    title: str
    description: str
    standard: tuple[str, ...]
    universe_label: str
    universe: tuple[Condition, ...]
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    notes: tuple[str, ...]
    country_order: str = "size"
    categories: Mapping[str, CategorySet] = field(default_factory=dict)
    top: Mapping[str, int] = field(default_factory=dict)
    percent_of: tuple[str, ...] = ()
    allow_coarser: bool = False
    layout: TableLayout = field(default_factory=TableLayout)
    protection: str | None = None

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Every dimension of the table: stub first, then spanners."""
        return self.rows + self.columns

    def requires(self) -> tuple[str, ...]:
        """Concepts the profile must map for this recipe to run."""
        needed: list[str] = []
        for name in self.dimensions:
            needed += DIMENSIONS[name].requires
        for condition in self.universe:
            spec = DIMENSIONS.get(condition.field)
            needed += (
                spec.requires if spec else NUMERIC_FIELDS.get(condition.field, (condition.field,))
            )
        return tuple(dict.fromkeys(needed))


_KEYS = (
    "schema_version",
    "id",
    "title",
    "description",
    "standard",
    "universe",
    "rows",
    "columns",
    "notes",
    "options",
    "categories",
    "layout",
    "protection",
)
_LAYOUT_KEYS = ("stub", "spanners", "titles", "keep_not_stated")


def read_recipe(path: Path) -> Recipe:
    """Read and validate one recipe file.

    Args:
        path: The TOML file; its stem must equal its ``id``.

    Returns:
        The validated recipe.

    Raises:
        InputError: The file cannot be read.
        SpecError: The recipe is invalid; every problem is listed.
    """
    document, sha256 = load_toml(path, "recipe")
    check = Checker(path)
    check.schema_version(document)
    check.unknown_keys(document, _KEYS, "")
    recipe_id = check.string(document, "id", "") or path.stem
    if not _ID.match(recipe_id):
        check.add("id", "must be lower-case letters, digits and underscores", recipe_id)
    elif recipe_id != path.stem:
        check.add("id", f"must equal the file name {path.stem!r}", recipe_id)
    title = check.string(document, "title", "") or ""
    description = check.string(document, "description", "") or ""
    standard = check.string_list(document, "standard", "")
    if not standard:
        check.add("standard", "cite at least one standard (document and topic)")
    notes = check.string_list(document, "notes", "")

    universe = check.table(document, "universe", "")
    check.unknown_keys(universe, ("label", "where"), "universe")
    universe_label = check.string(universe, "label", "universe") or ""
    conditions = tuple(
        condition
        for index, text in enumerate(check.string_list(universe, "where", "universe"))
        if (condition := _parse_condition(check, f"universe.where[{index}]", text))
    )

    rows = _dimension_list(check, document, "rows")
    columns = _dimension_list(check, document, "columns")
    repeated = sorted({name for name in rows + columns if (rows + columns).count(name) > 1})
    for name in repeated:
        check.add("columns", "a dimension may appear only once in rows and columns", name)
    if not rows:
        check.add("rows", "needs at least one dimension")

    options = check.table(document, "options", "", required=False)
    check.unknown_keys(options, ("country_order", "percent_of", "allow_coarser"), "options")
    percent_of = check.string_list(options, "percent_of", "options")
    for index, name in enumerate(percent_of):
        if name not in rows + columns:
            check.add(
                f"options.percent_of[{index}]",
                "not a dimension of this table",
                name,
                rows + columns,
            )
    country_order = options.get("country_order", "size")
    if country_order not in COUNTRY_ORDERS:
        check.add("options.country_order", "unknown order", country_order, COUNTRY_ORDERS)
    allow_coarser = options.get("allow_coarser", False)
    if not isinstance(allow_coarser, bool):
        check.add("options.allow_coarser", "must be true or false", allow_coarser)

    categories, top = _read_categories(check, document, rows + columns)
    layout = _read_layout(check, document, rows + columns)
    protection = document.get("protection")
    if protection is not None and protection not in METHODS:
        check.add("protection", "unknown protection method", protection, METHODS)
    check.raise_if_any(f"invalid recipe {path}")
    return Recipe(
        id=recipe_id,
        path=path,
        sha256=sha256,
        title=title,
        description=description,
        standard=standard,
        universe_label=universe_label,
        universe=conditions,
        rows=rows,
        columns=columns,
        notes=notes,
        country_order=str(country_order),
        percent_of=percent_of,
        categories=categories,
        top=top,
        allow_coarser=allow_coarser is True,
        layout=layout,
        protection=None if protection is None else str(protection),
    )


def _read_layout(
    check: Checker, document: dict[str, Any], dimensions: tuple[str, ...]
) -> TableLayout:
    """Read ``[layout]``: ``stub`` and ``spanners`` (together), ``titles``, ``keep_not_stated``."""
    table = check.table(document, "layout", "", required=False)
    check.unknown_keys(table, _LAYOUT_KEYS, "layout")
    stub = check.string_list(table, "stub", "layout")
    spanners = check.string_list(table, "spanners", "layout")
    keep = check.string_list(table, "keep_not_stated", "layout")
    for key, names in (("stub", stub), ("spanners", spanners), ("keep_not_stated", keep)):
        for index, name in enumerate(names):
            if name not in dimensions:
                check.add(
                    f"layout.{key}[{index}]", "not a dimension of this table", name, dimensions
                )
    if stub or spanners:
        given = stub + spanners
        if not stub or not spanners:
            check.add("layout", "give both stub and spanners (each at least one dimension)")
        elif sorted(given) != sorted(dimensions):
            check.add(
                "layout",
                "stub and spanners must hold every dimension of rows and columns once",
                ", ".join(given),
                dimensions,
            )
    titles: dict[str, str] = {}
    for name, title in check.table(table, "titles", "layout", required=False).items():
        if name not in dimensions:
            check.add(f"layout.titles.{name}", "not a dimension of this table", name, dimensions)
        elif not isinstance(title, str) or not title.strip():
            check.add(f"layout.titles.{name}", "must be a non-empty string", title)
        else:
            titles[name] = title.strip()
    return TableLayout(stub, spanners, titles, keep)


def _read_categories(
    check: Checker, document: dict[str, Any], dimensions: tuple[str, ...]
) -> tuple[dict[str, CategorySet], dict[str, int]]:
    """Read ``[categories.<dimension>]``: ``breaks = [0, 15, 65]``, ``top = 20`` or ``level``."""
    table = check.table(document, "categories", "", required=False)
    sets: dict[str, CategorySet] = {}
    top: dict[str, int] = {}
    regroupable = tuple(name for name, spec in DIMENSIONS.items() if spec.regroupable)
    cut = tuple(name for name, spec in DIMENSIONS.items() if spec.keeps_top)
    levelled = tuple(name for name, spec in DIMENSIONS.items() if spec.detail_levels)
    for name, entry in table.items():
        path = f"categories.{name}"
        if name not in (*regroupable, *cut, *levelled):
            valid = (*regroupable, *cut, *levelled)
            check.add(path, "categories of this dimension cannot be redefined", name, valid)
            continue
        if name not in dimensions:
            check.add(path, "the recipe does not use this dimension", name, dimensions)
        if not isinstance(entry, dict):
            check.add(path, "must be a table such as { breaks = [0, 15, 65] }", entry)
            continue
        if name in levelled:
            check.unknown_keys(entry, ("level",), path)
            level = entry.get("level")
            choices = DIMENSIONS[name].detail_levels
            if level not in choices:
                check.add(f"{path}.level", "unknown level of detail", level, choices)
            else:
                sets[name] = DIMENSIONS[name].at_level(str(level))
            continue
        if name in cut:
            check.unknown_keys(entry, ("top",), path)
            value = entry.get("top")
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOP:
                check.add(f"{path}.top", f"must be a whole number from 1 to {MAX_TOP}", value)
            else:
                top[name] = value
            continue
        check.unknown_keys(entry, ("breaks",), path)
        breaks = entry.get("breaks")
        if (
            not isinstance(breaks, list)
            or len(breaks) < 2
            or not all(isinstance(b, int) and not isinstance(b, bool) and b >= 0 for b in breaks)
            or breaks != sorted(set(breaks))
        ):
            check.add(f"{path}.breaks", "must be increasing whole numbers, at least two", breaks)
            continue
        try:
            sets[name] = DIMENSIONS[name].regrouped(tuple(breaks), f"{name}_custom")
        except ValueError as error:
            check.add(f"{path}.breaks", str(error), breaks)
    return sets, top


def _dimension_list(check: Checker, document: dict[str, Any], key: str) -> tuple[str, ...]:
    names = check.string_list(document, key, "")
    for index, name in enumerate(names):
        if name not in DIMENSIONS:
            check.add(f"{key}[{index}]", "unknown dimension", name, tuple(DIMENSIONS))
    return tuple(name for name in names if name in DIMENSIONS)


def _parse_condition(check: Checker, key: str, text: str) -> Condition | None:
    match = _CONDITION.match(text)
    if match is None:
        check.add(key, "not a condition like 'nativity = foreign_born' or 'age >= 15'", text)
        return None
    field, operator, raw = match.groups()
    values = tuple(value.strip() for value in raw.strip("[]").split(",") if value.strip())
    if field in NUMERIC_FIELDS:
        low, high = CONDITION_RANGES[field]
        if operator == "in" or len(values) != 1 or not _WHOLE_NUMBER.match(values[0]):
            check.add(
                key,
                f"{field} compares with one whole number written in digits 0-9, from {low} "
                f"to {high}, e.g. '{field} >= 15'",
                text,
            )
            return None
        if not low <= int(values[0]) <= high:
            check.add(key, f"{field} compares with a number from {low} to {high}", text)
            return None
        return Condition(field, operator, values)
    spec = DIMENSIONS.get(field)
    if spec is None and field in CONCEPTS:
        return _concept_condition(check, key, Condition(field, operator, values))
    if spec is None:
        check.add(key, "unknown field", field, (*DIMENSIONS, *NUMERIC_FIELDS, *CONCEPTS))
        return None
    if operator not in ("=", "!=", "in"):
        check.add(key, f"{field} is a category: use =, != or in", operator, ("=", "!=", "in"))
        return None
    concept = CONCEPTS.get(field)
    categories = spec.categories or (concept.categories if concept else None)
    if categories is not None:
        valid = (*categories.codes, NOT_STATED, NOT_APPLICABLE, UNKNOWN_CODE)
        for value in values:
            if value not in valid:
                check.add(key, f"unknown {field} category", value, valid)
    return Condition(field, operator, values)


_COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")


def _concept_condition(check: Checker, key: str, condition: Condition) -> Condition | None:
    """A condition on a concept that is no dimension, tested on its coded value.

    Category concepts take their category codes, country concepts ISO alpha-3 codes (or a
    user-assigned code such as ``QUE``) and area concepts the profile's own area codes; each
    also ``_U``, ``_Z`` and ``_X``.
    """
    field = condition.field
    if condition.operator not in ("=", "!=", "in"):
        check.add(key, f"{field} is coded: use =, != or in", condition.operator, ("=", "!=", "in"))
        return None
    spec = CONCEPTS[field]
    special = (NOT_STATED, NOT_APPLICABLE, UNKNOWN_CODE)
    for value in condition.values:
        if spec.categories is not None and value not in (*spec.categories.codes, *special):
            check.add(key, f"unknown {field} category", value, (*spec.categories.codes, *special))
        elif spec.kind is ConceptKind.COUNTRY and not (
            value in special or _COUNTRY_CODE.match(value)
        ):
            check.add(key, f"{field} is a country: write ISO alpha-3 codes such as MEX", value)
    return condition
