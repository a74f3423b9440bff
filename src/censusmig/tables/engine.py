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

from censusmig.classifications.codes import NOT_STATED, UNKNOWN_CODE
from censusmig.concepts import CONCEPTS, NUMERIC_FIELDS, ConceptKind
from censusmig.dimensions import DIMENSIONS, Coding
from censusmig.dimensions.columns import concept_column, status_column
from censusmig.profiles.model import ConceptMapping, Profile
from censusmig.recipes.model import Condition, Recipe
from censusmig.tables.derive import (
    WEIGHT,
    ColumnRequest,
    concepts_of,
    derive,
    region_mapping,
    unknown_code_text,
)
from censusmig.tables.margins import complete, with_percent
from censusmig.tables.table import Accounting, Table


@dataclass(frozen=True)
class RunResult:
    """Everything one engine run produced.

    Attributes:
        tables: The computed tables, in recipe order.
        records: Records in the input file.
        weighted_records: Sum of weights over the input (= records for a full count).
        unknown_codes: Concept -> (source code -> records): codes in no code list.
        weight_problems: Records whose weight is missing (counted with weight 0) or zero or
            negative; empty for a full count.
        seconds: Wall time of the run's phases.
    """

    tables: tuple[Table, ...]
    records: int
    weighted_records: float
    unknown_codes: Mapping[str, Mapping[str, int]]
    seconds: Mapping[str, float] = field(default_factory=dict)
    weight_problems: Mapping[str, int] = field(default_factory=dict)


def _requests(recipes: Sequence[Recipe]) -> dict[tuple[str, str], ColumnRequest]:
    """The derived columns of a run: (recipe id or "", dimension) -> request."""
    requests: dict[tuple[str, str], ColumnRequest] = {}
    for recipe in recipes:
        for name in recipe.dimensions:
            override = recipe.categories.get(name)
            if override is None:
                requests[("", name)] = ColumnRequest(name, name)
            else:
                requests[(recipe.id, name)] = ColumnRequest(name, f"{name}__{recipe.id}", override)
        for condition in recipe.universe:
            if condition.field in DIMENSIONS:
                requests[("", condition.field)] = ColumnRequest(condition.field, condition.field)
    return requests


def _inner_source(request: ColumnRequest) -> str:
    return DIMENSIONS[request.dimension].inner_column(request.column)


def compute_tables(
    frame: pl.LazyFrame,
    profile: Profile,
    recipes: Sequence[Recipe],
    batch_rows: int | None = None,
) -> RunResult:
    """Compute every recipe's table in one pass over the data.

    The microdata are read once: the derived columns every table needs (compact Enum codes)
    and the source columns of the concepts (for the unknown-code report) are collected, and
    every table's cells are aggregated from that in-memory frame together. With
    ``batch_rows``, the file is read in slices of that many records, each slice aggregated
    the same way, and the partial cells summed: memory then stays bounded by the slice.

    Args:
        frame: The person file, lazily; it must have every column the profile names.
        profile: Validated profile.
        recipes: Recipes the profile can serve.
        batch_rows: Records per slice, or None to read the file in one go.

    Returns:
        The tables and the run-level record accounting.
    """
    started = time.perf_counter()
    requests = _requests(recipes)
    concepts = {c for recipe in recipes for c in recipe.requires() if c in profile.concepts}
    checked = sorted(concepts | concepts_of(requests.values(), profile))
    mappings = [profile.concepts.get(name) or region_mapping(profile) for name in checked]
    columns = _kept_columns(requests, recipes)
    if batch_rows is None:
        parts = [frame]
    else:
        # Slicing the scan itself lets the reader skip to the slice's rows.
        records = int(frame.select(pl.len()).collect().item())
        parts = [frame.slice(start, batch_rows) for start in range(0, max(records, 1), batch_rows)]
    partials: list[list[pl.DataFrame]] = []
    read = 0.0
    for part in parts:
        before = time.perf_counter()
        # One scan: the compact columns the tables need are collected while the source codes
        # in no code list are counted from the same cached derivation.
        derived = derive(part, profile, requests.values(), concepts).cache()
        batch, weights, *found = pl.collect_all(
            [
                derived.select(columns),
                _weight_problems(derived, profile.weight),
                *(_unknown_codes(derived, m) for m in mappings),
            ]
        )
        read += time.perf_counter() - before
        plans = pl.collect_all(_plans(batch.lazy(), requests, recipes))
        partials.append([*plans, *found, weights])
        del batch
    results = [_merge([partial[i] for partial in partials]) for i in range(len(partials[0]))]
    aggregated = time.perf_counter()

    totals = results[0].row(0, named=True)
    per_recipe = results[1 : 1 + 2 * len(recipes)]
    tables = tuple(
        _table(recipe, cells, universe, profile)
        for recipe, cells, universe in zip(recipes, per_recipe[0::2], per_recipe[1::2], strict=True)
    )
    unknown = {
        concept: dict(zip(found["code"].to_list(), found["records"].to_list(), strict=True))
        for concept, found in zip(checked, results[1 + 2 * len(recipes) : -1], strict=True)
        if found.height
    }
    weight_counts = results[-1].row(0, named=True)
    finished = time.perf_counter()
    return RunResult(
        tables=tables,
        records=int(totals["records"]),
        weighted_records=float(totals["weighted"] or 0),
        unknown_codes=unknown,
        weight_problems={k: int(v) for k, v in weight_counts.items()} if profile.weight else {},
        seconds={
            "scan_and_derive": read,
            "aggregate": aggregated - started - read,
            "margins": finished - aggregated,
        },
    )


_SUMMED = ("records", "weighted", "n_unweighted", "value", WEIGHT, "missing", "zero_or_negative")


def _merge(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Sum the partial results of one aggregation over data slices."""
    if len(parts) == 1:
        return parts[0]
    combined = pl.concat(parts)
    keys = [name for name in combined.columns if name not in _SUMMED]
    sums = [pl.col(name).sum() for name in combined.columns if name in _SUMMED]
    if not keys:
        return combined.select(sums)
    return combined.group_by(keys).agg(sums).sort(keys)


def _kept_columns(
    requests: dict[tuple[str, str], ColumnRequest], recipes: Sequence[Recipe]
) -> list[str]:
    """Columns the aggregations read: dimensions, numeric conditions and the weight."""
    names = [WEIGHT]
    for request in requests.values():
        names += [request.column, _inner_source(request)]
    for recipe in recipes:
        names += [concept_column(c.field) for c in recipe.universe if c.field in NUMERIC_FIELDS]
    return list(dict.fromkeys(names))


def _plans(
    source: pl.LazyFrame,
    requests: dict[tuple[str, str], ColumnRequest],
    recipes: Sequence[Recipe],
) -> list[pl.LazyFrame]:
    """Every aggregation of a run: totals, then per recipe its cells and its universe.

    Each is a plain "group by cell keys, sum counts and weights", so partial results of data
    partitions can be merged by summing again.
    """
    plans = [source.select(pl.len().alias("records"), pl.col(WEIGHT).sum().alias("weighted"))]
    for recipe in recipes:
        keys = []
        for name in recipe.dimensions:
            request = requests.get((recipe.id, name)) or requests[("", name)]
            keys.append(pl.col(_inner_source(request)).alias(DIMENSIONS[name].levels[-1]))
        universe = source.filter(*(_condition(c) for c in recipe.universe))
        plans.append(
            universe.group_by(keys).agg(
                pl.len().cast(pl.Int64).alias("n_unweighted"), pl.col(WEIGHT).sum().alias("value")
            )
        )
        # Counted apart from the cells, so that the accounting is a real check.
        plans.append(universe.select(pl.len().alias("records"), pl.col(WEIGHT).sum()))
    return plans


def _weight_problems(derived: pl.LazyFrame, weight: str | None) -> pl.LazyFrame:
    """Records whose weight is missing, or zero or negative (all zero for a full count)."""
    if weight is None:
        return derived.select(pl.lit(0).alias("missing"), pl.lit(0).alias("zero_or_negative"))
    column = pl.col(weight)
    return derived.select(
        column.is_null().sum().alias("missing"), (column <= 0).sum().alias("zero_or_negative")
    )


def _unknown_codes(derived: pl.LazyFrame, mapping: ConceptMapping) -> pl.LazyFrame:
    """Source codes of a concept that are in no code list, as "COLUMN=code" with counts."""
    name = mapping.concept
    numeric = name in CONCEPTS and CONCEPTS[name].kind is ConceptKind.INTEGER
    # Compared as an Enum (every coded column's Enum has _X): no string work per record.
    coded = pl.col(status_column(name) if numeric else concept_column(name))

    return (
        derived.filter(coded == UNKNOWN_CODE)
        .group_by(unknown_code_text(mapping))
        .agg(pl.len().alias("records"))
        .sort("code")
    )


def _condition(condition: Condition) -> pl.Expr:
    if condition.field in NUMERIC_FIELDS:
        column = pl.col(concept_column(condition.field))
    else:
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
    # Fixed category sets are Enums holding every valid value (checked when the recipe was
    # read), so they are compared as they are; open classifications are compared as text.
    text = column if DIMENSIONS[condition.field].categories is not None else column.cast(pl.String)
    if condition.operator == "!=":
        return ~text.is_in(condition.values)
    return text.is_in(condition.values)


def coding(name: str, profile: Profile, recipe: Recipe) -> Coding:
    """How a dimension is completed, ordered and labelled in a recipe's table."""
    return DIMENSIONS[name].coding(
        profile,
        categories=recipe.categories.get(name),
        top=recipe.top.get(name),
        by_size=recipe.country_order == "size",
    )


def _table(recipe: Recipe, cells: pl.DataFrame, universe: pl.DataFrame, profile: Profile) -> Table:
    codings = [coding(name, profile, recipe) for name in recipe.dimensions]
    inner = [c.inner for c in codings]
    cells = cells.with_columns(pl.col(name).cast(pl.String) for name in inner)
    weighted = profile.weight is not None
    if not weighted:
        cells = cells.with_columns(pl.col("value").cast(pl.Int64))
    full = complete(cells, codings)
    if recipe.percent_of:
        full = with_percent(full, codings, recipe.percent_of)
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
        percent_of=recipe.percent_of,
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
