"""Every key a recipe accepts, as data.

Each key has its type, whether it is required or its default, its allowed values, a description
and a TOML example.

``scripts/docs_reference.py`` writes ``docs/recipe-reference.md`` from :data:`RECIPE_SCHEMA`,
and ``tests/test_reference_docs.py`` checks it against the reader
(:func:`censusmig.recipes.model.read_recipe`): every key the reader accepts is here with a
description, every key here is accepted, and every example reads as a valid recipe. Allowed
values come from the reader's own constants (the dimension catalogue, the protection methods),
so they cannot drift either.
"""

from __future__ import annotations

from censusmig.dimensions import DIMENSIONS
from censusmig.disclosure import METHODS
from censusmig.profiles.schema import Key, Schema
from censusmig.recipes.model import COUNTRY_ORDERS, MAX_TOP, OPERATORS
from censusmig.specfile import SCHEMA_VERSION

REGROUPABLE = tuple(name for name, spec in DIMENSIONS.items() if spec.regroupable)
"""Dimensions whose categories a recipe may redefine with ``breaks``."""
KEEPS_TOP = tuple(name for name, spec in DIMENSIONS.items() if spec.keeps_top)
"""Dimensions of which a recipe may keep only the ``top`` largest categories."""
LEVELLED = tuple(name for name, spec in DIMENSIONS.items() if spec.detail_levels)
"""Dimensions with another ``level`` of detail a recipe may ask for."""
DETAIL_LEVELS = tuple(
    dict.fromkeys(level for spec in DIMENSIONS.values() for level in spec.detail_levels)
)
"""Every level of detail a recipe may name."""


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{name}`" for name in names)


RECIPE_KEYS: tuple[Key, ...] = (
    Key(
        "schema_version",
        "integer",
        "The recipe format the file is written in; it lets the format evolve.",
        f"schema_version = {SCHEMA_VERSION}",
        required=True,
        allowed=(str(SCHEMA_VERSION),),
    ),
    Key(
        "id",
        "string",
        "The recipe's identifier: lower-case letters, digits and underscores, starting with a "
        "letter, and equal to the file name without `.toml`. `tabulate --recipe ID` and "
        "`recipes show ID` name it; a user recipe with a bundled id replaces the bundled one.",
        'id = "foreign_born_country_of_birth_age_sex"',
        required=True,
    ),
    Key(
        "title",
        "string",
        "The table's title, as the report, the workbook and `recipes list` print it.",
        'title = "Foreign-born population by country of birth, age and sex"',
        required=True,
    ),
    Key(
        "description",
        "string",
        "What the table counts, in plain words for trainers and readers (`recipes show`). A "
        'multi-line TOML string (`"""..."""`) may hold several sentences.',
        'description = """\nCounts the people born abroad by the country where they were '
        'born.\n"""',
        required=True,
    ),
    Key(
        "standard",
        "list of strings",
        "The standards the table implements, each cited as `DOCUMENT: topic` (`DYB`, `P&R "
        "Rev.3`, `EGM`, `EU-2021`, `M49`...); at least one.",
        'standard = ["DYB: foreign-born population by country of birth, age and sex"]',
        required=True,
    ),
    Key(
        "universe",
        "table",
        "Who the table counts: a label in words and the conditions a record must meet (all of "
        "them), within the profile's population.",
        '[universe]\nlabel = "Foreign-born usually resident population"\n'
        'where = ["nativity = foreign_born"]',
        required=True,
    ),
    Key(
        "universe.label",
        "string",
        "Who is counted, in words; printed under the title.",
        '[universe]\nlabel = "Usually resident population aged 15 and over"\nwhere = ["age >= 15"]',
        required=True,
    ),
    Key(
        "universe.where",
        "list of strings",
        "Conditions a record must meet to be counted, each `FIELD OPERATOR VALUE` (see "
        '"Universe conditions" below); parsed, never evaluated. An empty list counts the '
        "whole population.",
        '[universe]\nlabel = "Non-citizens aged 15 and over"\n'
        'where = ["citizenship_status in foreign_citizen, stateless", "age >= 15"]',
        default="`[]` (everyone)",
        allowed=OPERATORS,
    ),
    Key(
        "rows",
        "list of strings",
        "The dimensions down the stub, outer first (the dimensions are listed below). A "
        "dimension may appear once in `rows` and `columns` together.",
        'rows = ["country_of_birth"]',
        required=True,
        allowed=tuple(DIMENSIONS),
    ),
    Key(
        "columns",
        "list of strings",
        "The dimensions across, in the column spanners, outer first.",
        'columns = ["sex", "age_group"]',
        default="[]",
        allowed=tuple(DIMENSIONS),
    ),
    Key(
        "notes",
        "list of strings",
        "Footnotes printed under the table, one a string.",
        'notes = ["Regions: UN M49 standard (Africa, Americas, Asia, Europe, Oceania)."]',
        default="[]",
    ),
    Key(
        "options",
        "table",
        "How the table is ordered and what measures it carries besides counts.",
        '[options]\ncountry_order = "alphabetical"',
        default="the defaults below",
    ),
    Key(
        "options.country_order",
        "string",
        "The order of countries within their UN M49 region: `size` (largest first) or "
        "`alphabetical`.",
        '[options]\ncountry_order = "size"',
        default="size",
        allowed=COUNTRY_ORDERS,
    ),
    Key(
        "options.percent_of",
        "list of strings",
        "Dimensions of the table totalled in the denominator of a `percent` measure: each cell "
        "is also given as a share of its total over them (all the table's dimensions: a share "
        "of the grand total).",
        '[options]\npercent_of = ["sex"]',
        default="`[]` (counts only)",
    ),
    Key(
        "options.allow_coarser",
        "boolean",
        "When the profile holds a number as bands (age bands) that cannot give the groups the "
        "table asks for, use the nearest groups they can give (the bands merged wherever a "
        "group splits them) instead of stopping.",
        "[options]\nallow_coarser = true",
        default="false",
        allowed=("true", "false"),
    ),
    Key(
        "categories",
        "table: dimension -> table",
        "Categories replacing a dimension's default ones, one table per dimension of the "
        "recipe: `breaks`, `top` or `level`, whichever the dimension takes.",
        'rows = ["country_of_birth"]\ncolumns = ["sex", "age_group"]\n\n'
        "[categories.age_group]\nbreaks = [0, 15, 65]",
        default="each dimension's default categories",
    ),
    Key(
        "categories.<dimension>",
        "table",
        "The categories of one dimension of the recipe: `breaks` for interval groups, `top` "
        "for the largest categories, `level` for another level of detail.",
        'rows = ["country_of_birth"]\ncolumns = ["sex", "age_group"]\n\n'
        "[categories.country_of_birth]\ntop = 20",
        allowed=tuple(dict.fromkeys((*REGROUPABLE, *KEEPS_TOP, *LEVELLED))),
    ),
    Key(
        "categories.<dimension>.breaks",
        "list of integers",
        "New interval groups from their lower bounds, increasing whole numbers, at least two: "
        "`[0, 15, 65]` gives 0-14, 15-64, 65 and over. Ages go up to 150, periods of arrival "
        f"start at 0 and go up to 200 years. For {_listed(REGROUPABLE)}.",
        'rows = ["period_of_arrival"]\ncolumns = ["sex"]\n\n'
        "[categories.period_of_arrival]\nbreaks = [0, 5, 10]",
        required=True,
    ),
    Key(
        "categories.<dimension>.top",
        "integer",
        f"Keep only the N largest categories (1 to {MAX_TOP}); the rest become the other "
        f"countries of their region. For {_listed(KEEPS_TOP)}.",
        'rows = ["country_of_birth"]\ncolumns = ["sex"]\n\n[categories.country_of_birth]\ntop = 10',
        required=True,
    ),
    Key(
        "categories.<dimension>.level",
        "string",
        "Another level of detail of the categories: `detailed` gives P&R Rev.3's residence "
        "detail (another minor or major civil division of the country). For "
        f"{_listed(LEVELLED)}.",
        'rows = ["residence_5_years_ago"]\ncolumns = ["sex"]\n\n'
        '[categories.residence_5_years_ago]\nlevel = "detailed"',
        required=True,
        allowed=DETAIL_LEVELS,
    ),
    Key(
        "layout",
        "table",
        "How the report and the workbook lay the table out. The tidy CSV keeps every cell in "
        "the order of `rows` and `columns` whatever this says. Without `stub` and `spanners`, "
        "the layout follows `rows` and `columns` and is refitted when too wide (the outer "
        "spanner becomes a block of rows).",
        '[layout]\nkeep_not_stated = ["age_group"]',
        default="the automatic layout",
    ),
    Key(
        "layout.stub",
        "list of strings",
        "The dimensions down the published table, outer first; given with `spanners`, together "
        "they hold every dimension of `rows` and `columns` once.",
        '[layout]\nstub = ["sex", "country_of_birth"]\nspanners = ["age_group"]',
        default="chosen by the automatic layout",
    ),
    Key(
        "layout.spanners",
        "list of strings",
        "The dimensions across the published table, outer first; given with `stub`.",
        '[layout]\nstub = ["country_of_birth"]\nspanners = ["sex", "age_group"]',
        default="chosen by the automatic layout",
    ),
    Key(
        "layout.titles",
        "table: dimension -> heading",
        "Headings used in this table instead of the dimensions' titles, as when an "
        "origin-destination table shows the region twice.",
        '[layout]\ntitles = { country_of_birth = "Country of birth (present-day boundaries)" }',
        default="the dimensions' titles",
    ),
    Key(
        "layout.keep_not_stated",
        "list of strings",
        'Dimensions whose "Not stated" row or column is shown even when it is zero everywhere '
        "(where the standard's table has one, such as the DYB's \"Unknown\" age); otherwise it "
        "is left out with a note.",
        '[layout]\nkeep_not_stated = ["age_group"]',
        default="[]",
    ),
    Key(
        "protection",
        "string",
        "The table's own protection method. The first method stated wins: `tabulate "
        "--protect`, then the profile's `[protection.recipes]`, then this key, then the "
        "profile's `[protection] method`.",
        'protection = "suppress"',
        default="the profile's",
        allowed=METHODS,
    ),
)
"""Every recipe key, a table before its keys, in the reference's order."""

RECIPE_SCHEMA = Schema(
    "recipe",
    RECIPE_KEYS,
    {"<dimension>": "|".join(DIMENSIONS)},
)
"""The recipe schema: :data:`RECIPE_KEYS` and what its placeholder stands for."""

__all__ = ["DETAIL_LEVELS", "KEEPS_TOP", "LEVELLED", "RECIPE_KEYS", "RECIPE_SCHEMA", "REGROUPABLE"]
