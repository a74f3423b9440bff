"""The table engine: every table of a run from one lazy plan, executed together.

The microdata are scanned once: derived columns are computed once in a shared plan, each recipe
adds a filter (its universe) and a plain "group by cell keys, sum counts and weights", and
``polars.collect_all`` runs them together so the common scan is shared. Because the aggregation
is a plain sum, partial results of data partitions can be merged by summing again. Margins,
zeros, order and labels are then built from the small aggregated cells.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from censusmig.classifications import countries
from censusmig.classifications.codes import (
    NOT_STATED,
    OTHER,
    SPECIAL_LABELS,
    TOTAL,
    TRAILING_ORDER,
    UNKNOWN_CODE,
)
from censusmig.concepts import DIMENSIONS, NUMERIC_FIELDS
from censusmig.readers.profile import Profile
from censusmig.recipes.model import Condition, Recipe
from censusmig.tables.derive import WEIGHT, derive
from censusmig.tables.margins import Coding, complete
from censusmig.tables.table import Accounting, Dimension, Table

# Which coded column shows a concept's unknown codes, for the data-quality report.
_CODED_COLUMN = {"sex": "sex", "age": "age_group", "country_of_birth": "country_of_birth"}


@dataclass(frozen=True)
class RunResult:
    """Everything one engine run produced.

    Attributes:
        tables: The computed tables, in recipe order.
        records: Records in the input file.
        weighted_records: Sum of weights over the input (= records for a full count).
        unknown_codes: Concept -> (source code -> records): codes in no code list.
        seconds: Wall time of the run's phases.
    """

    tables: tuple[Table, ...]
    records: int
    weighted_records: float
    unknown_codes: Mapping[str, Mapping[str, int]]
    seconds: Mapping[str, float] = field(default_factory=dict)


def compute_tables(frame: pl.LazyFrame, profile: Profile, recipes: Sequence[Recipe]) -> RunResult:
    """Compute every recipe's table in one pass over the data.

    Args:
        frame: The person file, lazily; it must have every column the profile names.
        profile: Validated profile.
        recipes: Recipes the profile can serve.

    Returns:
        The tables and the run-level record accounting.
    """
    started = time.perf_counter()
    dimensions = {name for recipe in recipes for name in recipe.dimensions}
    dimensions |= {c.field for recipe in recipes for c in recipe.universe if c.field in DIMENSIONS}
    # Every concept a run reads gets its coded column, so its unknown codes are reported.
    concepts = {name for recipe in recipes for name in recipe.requires()}
    dimensions |= {_CODED_COLUMN[name] for name in concepts if name in _CODED_COLUMN}
    derived = derive(frame, profile, dimensions)

    plans = [derived.select(pl.len().alias("records"), pl.col(WEIGHT).sum().alias("weighted"))]
    for recipe in recipes:
        inner = [DIMENSIONS[name].levels[-1] for name in recipe.dimensions]
        universe = derived.filter(*(_condition(c) for c in recipe.universe))
        plans.append(
            universe.group_by(inner).agg(
                pl.len().cast(pl.Int64).alias("n_unweighted"), pl.col(WEIGHT).sum().alias("value")
            )
        )
        # Counted apart from the cells, so that the accounting is a real check.
        plans.append(universe.select(pl.len().alias("records"), pl.col(WEIGHT).sum()))
    checked = [
        (concept, column)
        for concept, column in _CODED_COLUMN.items()
        if column in dimensions and concept in profile.concepts
    ]
    for concept, column in checked:
        source = profile.concepts[concept].column
        plans.append(
            derived.filter(pl.col(column) == UNKNOWN_CODE)
            .group_by(pl.col(source).cast(pl.String).alias("code"))
            .agg(pl.len().alias("records"))
            .sort("code")
        )
    results = pl.collect_all(plans)
    scanned = time.perf_counter()

    totals = results[0].row(0, named=True)
    per_recipe = results[1 : 1 + 2 * len(recipes)]
    tables = tuple(
        _table(recipe, cells, universe, profile)
        for recipe, cells, universe in zip(recipes, per_recipe[0::2], per_recipe[1::2], strict=True)
    )
    unknown = {
        concept: dict(zip(found["code"].to_list(), found["records"].to_list(), strict=True))
        for (concept, _), found in zip(checked, results[1 + 2 * len(recipes) :], strict=True)
        if found.height
    }
    finished = time.perf_counter()
    return RunResult(
        tables=tables,
        records=int(totals["records"]),
        weighted_records=float(totals["weighted"] or 0),
        unknown_codes=unknown,
        seconds={"scan_and_aggregate": scanned - started, "margins": finished - scanned},
    )


def _condition(condition: Condition) -> pl.Expr:
    column = pl.col(condition.field)
    if condition.field in NUMERIC_FIELDS:
        value = int(condition.values[0])
        return {
            "=": column == value,
            "!=": column != value,
            ">=": column >= value,
            "<=": column <= value,
            ">": column > value,
            "<": column < value,
        }[condition.operator]
    text = column.cast(pl.String)
    if condition.operator == "!=":
        return ~text.is_in(condition.values)
    return text.is_in(condition.values)


def coding(name: str, profile: Profile) -> Coding:
    """How a dimension is completed, ordered and labelled for this profile."""
    spec = DIMENSIONS[name]
    dimension = Dimension(name, spec.title, spec.levels)
    if spec.categories is not None:
        labels = spec.categories.labels()
        return Coding(dimension, spec.categories.codes, labels={spec.levels[0]: labels})
    # Open classification: countries grouped by their M49 region.
    outer, inner = spec.levels
    known = countries.countries()
    specials = {code: code for code in TRAILING_ORDER}
    region_of = {code: country.region or OTHER for code, country in known.items()}
    country_labels = {code: country.name for code, country in known.items()}
    country_labels[profile.country] = profile.country_name
    region_labels = {**countries.region_labels(), OTHER: "Other or unclassified areas"}
    return Coding(
        dimension,
        parents={outer: {**region_of, **specials}},
        labels={
            outer: {**SPECIAL_LABELS, **region_labels, TOTAL: "Total"},
            inner: {**SPECIAL_LABELS, **country_labels, TOTAL: "Total"},
        },
        outer_order={outer: tuple(countries.M49_REGIONS)},
    )


def _table(recipe: Recipe, cells: pl.DataFrame, universe: pl.DataFrame, profile: Profile) -> Table:
    codings = [coding(name, profile) for name in recipe.dimensions]
    inner = [c.inner for c in codings]
    cells = cells.with_columns(pl.col(name).cast(pl.String) for name in inner)
    weighted = profile.weight is not None
    if not weighted:
        cells = cells.with_columns(pl.col("value").cast(pl.Int64))
    full = complete(cells, codings, by_size=recipe.country_order == "size")
    rows = len(recipe.rows)
    return Table(
        recipe_id=recipe.id,
        title=recipe.title,
        description=recipe.description,
        universe_label=recipe.universe_label,
        standard=recipe.standard,
        rows=tuple(c.dimension for c in codings[:rows]),
        columns=tuple(c.dimension for c in codings[rows:]),
        cells=full,
        notes=recipe.notes,
        source=_source_line(profile),
        weighted=weighted,
        accounting=_accounting(cells, universe, inner),
    )


def _accounting(cells: pl.DataFrame, universe: pl.DataFrame, inner: Sequence[str]) -> Accounting:
    def records(name: str, code: str) -> int:
        return int(cells.filter(pl.col(name) == code)["n_unweighted"].sum())

    return Accounting(
        universe=int(universe["records"][0]),
        weighted_universe=float(universe[WEIGHT][0] or 0),
        inner_cells_total=int(cells["n_unweighted"].sum()),
        not_stated={name: records(name, NOT_STATED) for name in inner},
        unknown_code={name: records(name, UNKNOWN_CODE) for name in inner},
    )


def _source_line(profile: Profile) -> str:
    rule = f"usual residence rule {profile.residence_rule_months} months"
    return (
        f"Source: {profile.census_name}, reference date {profile.reference_date.isoformat()}; "
        f"{rule}."
    )
