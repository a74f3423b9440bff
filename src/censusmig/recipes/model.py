"""The recipe model: what a table is (universe, stub, spanners, notes), read from TOML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from censusmig.classifications.codes import NOT_STATED, UNKNOWN_CODE
from censusmig.concepts import DIMENSIONS, NUMERIC_FIELDS
from censusmig.specfile import Checker, load_toml

OPERATORS = ("=", "!=", ">=", "<=", ">", "<", "in")
_CONDITION = re.compile(r"^\s*([a-z_0-9]+)\s*(!=|>=|<=|=|>|<|\bin\b)\s*(.+?)\s*$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ORDERS = ("size", "alphabetical")


@dataclass(frozen=True)
class Condition:
    """One universe condition, such as ``nativity = foreign_born`` or ``age >= 15``.

    Attributes:
        field: A dimension or numeric concept name.
        operator: One of :data:`OPERATORS`.
        values: Category codes (for dimensions) or one integer as text (numeric fields).
    """

    field: str
    operator: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        """Write the condition back as a recipe author writes it."""
        return f"{self.field} {self.operator} {', '.join(self.values)}"


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
            needed += spec.requires if spec else NUMERIC_FIELDS[condition.field]
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
)


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
    check.unknown_keys(options, ("country_order",), "options")
    country_order = options.get("country_order", "size")
    if country_order not in _ORDERS:
        check.add("options.country_order", "unknown order", country_order, _ORDERS)

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
    )


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
        if operator == "in" or len(values) != 1 or not values[0].lstrip("-").isdigit():
            check.add(key, f"{field} compares with one whole number, e.g. '{field} >= 15'", text)
            return None
        return Condition(field, operator, values)
    spec = DIMENSIONS.get(field)
    if spec is None:
        check.add(key, "unknown field", field, (*DIMENSIONS, *NUMERIC_FIELDS))
        return None
    if operator not in ("=", "!=", "in"):
        check.add(key, f"{field} is a category: use =, != or in", operator, ("=", "!=", "in"))
        return None
    if spec.categories is not None:
        valid = (*spec.categories.codes, NOT_STATED, UNKNOWN_CODE)
        for value in values:
            if value not in valid:
                check.add(key, f"unknown {field} category", value, valid)
    return Condition(field, operator, values)
