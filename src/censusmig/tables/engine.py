"""The table engine: every table of a run in four stages, with typed values between them.

1. **plan** (:func:`plan_run`): recipes and profile compiled into a :class:`Plan`: the derived
   columns, and per recipe a filter (its universe) and a plain "group by cell keys, sum the
   additive measures"; with the edit checks' plan (:mod:`censusmig.tables.checks`).
2. **aggregate** (a :class:`~censusmig.tables.backend.Backend`): each slice or partition of the
   data read once, every aggregation run together (Polars' ``collect_all`` shares the scan),
   the edit checks counted in the same read, giving a
   :class:`~censusmig.tables.plan.Partial` of small keyed sums.
3. **merge** (:func:`~censusmig.tables.plan.merge`): partials summed, exact whatever the cut.
4. **finish** (:func:`finish`): margins, zero cells, top-N, order, labels and percentages,
   built from the small aggregated cells only; the checks' report
   (:func:`~censusmig.tables.checks.finish_checks`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from censusmig.classifications.codes import NOT_STATED, TRAILING_ORDER, UNKNOWN_CODE
from censusmig.concepts import CONCEPTS, NUMERIC_FIELDS
from censusmig.dimensions import DIMENSIONS, Coding
from censusmig.dimensions.columns import concept_column
from censusmig.errors import CensusmigError, InputError, Setting
from censusmig.profiles.design import TAYLOR
from censusmig.profiles.model import Profile
from censusmig.recipes.model import Recipe
from censusmig.tables.backend import POLARS, Backend, ClusterBackend
from censusmig.tables.checks import (
    RECORD_NUMBER,
    CheckPlan,
    CheckReport,
    finish_checks,
    scan_checks,
)
from censusmig.tables.derive import (
    IN_POPULATION,
    WEIGHT,
    ColumnRequest,
    concepts_of,
    dimension_exprs,
    region_mapping,
    shown_unknown_codes,
    unknown_code_text,
)
from censusmig.tables.margins import INNER, complete, memberships
from censusmig.tables.plan import (
    CELL_MEASURES,
    COUNT,
    DESIGN,
    ESTIMATE,
    POPULATION,
    RECORDS,
    REPLICATE_DECIMALS,
    REPLICATE_LIMIT,
    TOTALS,
    WEIGHT_DECIMALS,
    WEIGHTED,
    Aggregate,
    GroupKey,
    Measure,
    Partial,
    Plan,
    cells_name,
    in_value,
    in_values,
    merge,
    universe_name,
)
from censusmig.tables.slicing import slices
from censusmig.tables.table import MEASURES, N_UNWEIGHTED, VALUE, Accounting, Table
from censusmig.tables.variance import (
    DESIGN_KEYS,
    FPC,
    Strata,
    add_sampling_errors,
    replicate_name,
    strata_of,
)


@dataclass(frozen=True)
class OutsidePopulation:
    """The records of the file outside the profile's population: in no table.

    Attributes:
        label: The population, in words ("usual residents").
        records: Records outside it.
        weighted_records: Sum of their weights (= records for a full count).
    """

    label: str
    records: int | None
    weighted_records: float | None


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
        seconds: Wall time of the run's stages (aggregate, merge, finish).
        outside_population: The records outside the profile's population, or None when the
            profile defines none (every record is then in it).
        checks: The edit checks' report, when the run was asked for them (else None).
    """

    tables: tuple[Table, ...]
    records: int
    weighted_records: float
    unknown_codes: Mapping[str, Mapping[str, int | None]]
    seconds: Mapping[str, float] = field(default_factory=dict)
    weight_problems: Mapping[str, int | None] = field(default_factory=dict)
    outside_population: OutsidePopulation | None = None
    checks: CheckReport | None = None


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


@dataclass(frozen=True)
class TableSize:
    """How many cells a recipe's complete table has: the product of its dimensions' rows.

    Attributes:
        recipe: The recipe.
        categories: Dimension -> the most categories the table has along it (every level,
            the total and the special codes included), or None where only the data tell
            (areas a profile does not label), in the recipe's order.
    """

    recipe: Recipe
    categories: tuple[tuple[str, int | None], ...]

    @property
    def cells(self) -> int:
        """The estimated cells: the product of the known category counts."""
        return math.prod(count or 1 for _, count in self.categories)

    def describe(self) -> str:
        """The product as a message writes it: ``age_group 23 x sex 7``."""
        return " x ".join(
            f"{name} {'?' if count is None else f'{count:,}'}" for name, count in self.categories
        )


class TableTooLargeError(CensusmigError):
    """A recipe's table would have more cells than the run allows (``max_cells``)."""

    def __init__(self, size: TableSize, max_cells: int) -> None:
        self.size = size
        recipe = size.recipe
        # The fewest largest dimensions whose removal brings the table under the limit.
        ranked = sorted(((count or 1, name) for name, count in size.categories), reverse=True)
        drop: list[str] = []
        cells = size.cells
        for count, name in ranked:
            if cells <= max_cells or len(drop) == len(ranked) - 1:
                break
            drop.append(name)
            cells //= count
        ways = [f"drop {' and '.join(drop)} from its rows or columns"]
        for name in drop:
            spec = DIMENSIONS[name]
            if spec.keeps_top:
                ways.append(f"keep fewer {name} categories ([categories.{name}] top = 20)")
            elif spec.regroupable:
                ways.append(f"give {name} fewer groups ([categories.{name}] breaks)")
        super().__init__(
            f"recipe {recipe.id!r} ({recipe.path}) would make a table of about "
            f"{size.cells:,} cells, above the limit of {max_cells:,} (",
            Setting("max_cells"),
            f"); categories per dimension, totals and special codes included: "
            f"{size.describe()}. To make it smaller, {'; or '.join(ways)}; or raise ",
            Setting("max_cells"),
            " if the table is meant to be this large.",
        )


def table_size(profile: Profile, recipe: Recipe) -> TableSize:
    """The most cells a recipe's table can have, from the profile and the recipe alone.

    Args:
        profile: Validated profile.
        recipe: A recipe the profile serves.

    Returns:
        Each dimension's most categories (:meth:`~censusmig.dimensions.Coding.most_rows`).
    """
    return TableSize(
        recipe,
        tuple((name, coding(name, profile, recipe).most_rows()) for name in recipe.dimensions),
    )


def check_table_sizes(profile: Profile, recipes: Sequence[Recipe], max_cells: int) -> None:
    """Stop before any data are read when a table would have more than ``max_cells`` cells.

    Dimensions whose categories only the data tell count as one here; :func:`finish`
    checks them again with the categories observed, before it builds the table.

    Args:
        profile: Validated profile.
        recipes: The recipes of the run.
        max_cells: The most cells a table may have.

    Raises:
        TableTooLargeError: A table is too large, naming its dimensions and what to drop.
    """
    for recipe in recipes:
        size = table_size(profile, recipe)
        if size.cells > max_cells:
            raise TableTooLargeError(size, max_cells)


def _inner_source(request: ColumnRequest) -> str:
    return DIMENSIONS[request.dimension].inner_column(request.column)


def plan_run(
    profile: Profile,
    recipes: Sequence[Recipe],
    measures: Sequence[Measure] = CELL_MEASURES,
    checks: CheckPlan | None = None,
) -> Plan:
    """Stage 1: compile the recipes and the profile into the run's plan.

    Args:
        profile: Validated profile.
        recipes: Recipes the profile can serve.
        measures: The additive measures of every table cell; they must include
            :data:`~censusmig.tables.plan.COUNT` (the record accounting) and
            :data:`~censusmig.tables.plan.ESTIMATE` (the published value).
        checks: The edit checks to count in the tables' read, or None. Their concepts are
            coded with the tables' own. They stay out of the plan (and run in a read of
            their own) only when a column they read is replaced by a derived column of the
            same name (a data column called ``sex`` beside the ``sex`` dimension).

    Returns:
        What to derive and what to sum.

    Raises:
        CensusmigError: The measures lack the count or the estimate, repeat a name, or use a
            name that a table column already has.
    """
    _check_measures(measures, recipes)
    design = profile.sampling_design
    if design is not None and design.method != TAYLOR:
        # Every replicate weight summed per cell, exactly, in the same read as the estimate.
        measures = (
            *measures,
            *(
                Measure(replicate_name(index), column, REPLICATE_DECIMALS, small=True)
                for index, column in enumerate(design.replicates)
            ),
        )
    taylor = design is not None and design.method == TAYLOR
    # A Taylor design sums each cell per stratum and PSU; the PSUs are counted over the file.
    by_psu = tuple(GroupKey(key, key) for key in DESIGN_KEYS) if taylor else ()
    requests = _requests(recipes)
    concepts = {c for recipe in recipes for c in recipe.requires() if c in profile.concepts}
    checked = sorted(concepts | concepts_of(requests.values(), profile))
    aggregates = [Aggregate(TOTALS, (), (), (RECORDS, WEIGHTED))]
    # Every table counts the population only; the file totals count every record.
    counted = profile.population is not None
    if counted:
        aggregates.append(Aggregate(POPULATION, (), (), (RECORDS, WEIGHTED), in_population=True))
    if taylor:
        aggregates.append(Aggregate(DESIGN, (*by_psu, GroupKey(FPC, FPC)), (), (RECORDS,)))
    for recipe in recipes:
        keys = []
        for name in recipe.dimensions:
            request = requests.get((recipe.id, name)) or requests[("", name)]
            keys.append(GroupKey(_inner_source(request), DIMENSIONS[name].levels[-1]))
        aggregates.append(
            Aggregate(
                cells_name(recipe), (*keys, *by_psu), recipe.universe, tuple(measures), counted
            )
        )
        # Counted apart from the cells, so that the accounting is a real check.
        aggregates.append(
            Aggregate(universe_name(recipe), (), recipe.universe, (RECORDS, WEIGHTED), counted)
        )
    # Columns summed in units are read through their units column (see the backend).
    summed = [m.column for m in measures if m.column is not None and m.decimals is None]
    written = _written(requests.values(), profile)
    if checks is not None and checks.source_columns() & written:
        checks = None
    reported = {
        name: profile.concepts.get(name) or region_mapping(profile, name) for name in checked
    }
    read_by_report = {
        column
        for mapping in reported.values()
        for column in unknown_code_text(mapping).meta.root_names()
    }
    return Plan(
        profile=profile,
        recipes=tuple(recipes),
        requests=tuple(requests.values()),
        concepts=frozenset(concepts | (checks.concepts if checks is not None else set())),
        reported=reported,
        columns=tuple(
            dict.fromkeys(
                [
                    *_kept_columns(requests, recipes),
                    *summed,
                    *([IN_POPULATION] if counted else []),
                    *((*DESIGN_KEYS, FPC) if taylor else ()),
                ]
            )
        ),
        aggregates=tuple(aggregates),
        measures=tuple(measures),
        checks=checks,
        shadowed=frozenset(read_by_report & written),
    )


def _written(requests: Iterable[ColumnRequest], profile: Profile) -> set[str]:
    """Columns the derivation writes besides the coded concepts: dimensions, weight, population."""
    written = {WEIGHT, IN_POPULATION}
    for request in requests:
        written |= {
            name
            for expr in dimension_exprs(request, profile)
            if (name := expr.meta.output_name(raise_if_undetermined=False)) is not None
        }
    return written


def _check_measures(measures: Sequence[Measure], recipes: Sequence[Recipe]) -> None:
    names = [measure.name for measure in measures]
    problems = [
        f"{required.name!r} ({what}) is missing"
        for required, what in ((ESTIMATE, "the estimate"), (COUNT, "the record count"))
        if required not in measures
    ]
    problems += [
        f"{name!r} is named twice" for name in sorted({n for n in names if names.count(n) > 1})
    ]
    taken = {level for r in recipes for name in r.dimensions for level in DIMENSIONS[name].levels}
    taken |= {f"{level}_label" for level in taken} | (set(MEASURES) - {VALUE, N_UNWEIGHTED})
    problems += [f"{name!r} is already a table column" for name in names if name in taken]
    if problems:
        raise CensusmigError(Setting("measures"), ": " + "; ".join(problems))


def compute_tables(
    frame: pl.LazyFrame,
    profile: Profile,
    recipes: Sequence[Recipe],
    batch_rows: int | None = None,
    *,
    measures: Sequence[Measure] = CELL_MEASURES,
    backend: Backend | ClusterBackend = POLARS,
    max_cells: int | None = None,
    checks: CheckPlan | None = None,
) -> RunResult:
    """Compute every recipe's table, and the edit checks, in one pass over the data.

    The stages: plan (:func:`plan_run`), aggregate each slice (the backend), merge the
    partial sums (:func:`~censusmig.tables.plan.merge`), finish (:func:`finish`: margins,
    zero cells, top-N, order, labels, percentages). With ``batch_rows``, the file is read in
    slices of that many records, each aggregated the same way: memory then stays bounded by
    the slice, and the merged sums are those of the whole file. The edit checks are counted
    in the same read; only repeated person ids may cost one more read, of the id columns,
    when the ids do not increase down the file (see
    :func:`~censusmig.tables.checks.finish_checks`).

    Args:
        frame: The person file, lazily; it must have every column the profile names.
        profile: Validated profile.
        recipes: Recipes the profile can serve.
        batch_rows: Records per slice, or None to read the file in one go.
        measures: The additive measures of every cell (see :func:`plan_run`).
        backend: The engine that aggregates records: slice by slice of ``frame``, or a
            cluster backend that reads the stored records itself, partition by partition.
        max_cells: The most cells a table may have (see :func:`finish`), or None for no
            limit.
        checks: The edit checks to run (:func:`~censusmig.tables.checks.plan_checks`, on
            this frame's schema), or None for none.

    Returns:
        The tables, the run-level record accounting, and the checks' report when asked.

    Raises:
        TableTooLargeError: A table would have more than ``max_cells`` cells.
        InputError: The weight column holds values that are not numbers.
    """
    started = time.perf_counter()
    check_weight(frame, profile)
    plan = plan_run(profile, recipes, measures, checks)
    read = frame
    design = profile.sampling_design
    numbered = plan.checks is not None and plan.checks.numbers_records
    if numbered or (design is not None and design.method == TAYLOR and design.psu is None):
        # Numbered before it is sliced: the checks' record numbers, or a design's PSUs.
        read = frame.with_row_index(RECORD_NUMBER, offset=1)

    if isinstance(backend, ClusterBackend):
        partials = backend.partials(read, plan, batch_rows)
    else:
        partials = [backend.aggregate(part, plan) for part in slices(read, batch_rows)]
    aggregated = time.perf_counter()
    merged = merge(partials, plan)
    merged_at = time.perf_counter()
    result = finish(plan, merged, max_cells)
    finished = time.perf_counter()
    report = None
    if checks is not None:
        if merged.checks is not None:
            report = finish_checks(checks, merged.checks, frame)
        else:  # the backend does not run checks, or they read a column the tables replace
            report = scan_checks(frame, checks, batch_rows)
    seconds = {
        "aggregate": aggregated - started,
        "merge": merged_at - aggregated,
        "finish": finished - merged_at,
        "checks": time.perf_counter() - finished,
    }
    return replace(result, seconds=seconds, checks=report)


def check_weight(frame: pl.LazyFrame, profile: Profile) -> None:
    """Stop when the profile's weight (or a design's weight or fpc) holds values not numbers.

    A column stored as numbers needs no look. One stored as text (a text column named as the
    weight, a CSV weight with a stray word) is looked at in one pass: a value that is not a
    number would otherwise fail deep in the computation with Polars' list of the values.

    Args:
        frame: The person file, lazily.
        profile: Validated profile.

    Raises:
        InputError: Values of the weight, a replicate weight or the fpc are not numbers
            (counted, never shown).
    """
    weight = profile.weight
    if weight is None:
        return
    design = profile.sampling_design
    keys = {weight: "[data] weight"}
    if design is not None:
        keys.update({name: "[design] replicate_weights" for name in design.replicates})
        if design.fpc:
            keys[design.fpc] = "[design] fpc"
    schema = frame.collect_schema()
    texts = [c for c in keys if not (schema[c].is_numeric() or schema[c] == pl.Boolean())]
    if not texts:
        return
    checks = []
    for column in texts:
        text = pl.col(column).cast(pl.String)
        bad = text.is_not_null() & text.cast(pl.Float64, strict=False).is_null()
        checks.append(bad.sum().alias(column))
    counts = frame.select(*checks, pl.len().alias("_records")).collect().row(0, named=True)
    records = counts.pop("_records")
    for column, found in counts.items():
        if found:
            raise InputError(
                f"{'weight ' if keys[column] == '[data] weight' else ''}column {column!r} "
                f"holds {found:,} "
                + ("value that is not a number" if found == 1 else "values that are not numbers")
                + f" (of {records:,} records; values not shown); name a column of numbers in "
                f"{profile.path} ({keys[column]}) or correct the data"
            )


def finish(plan: Plan, merged: Partial, max_cells: int | None = None) -> RunResult:
    """Last stage: from the merged sums to complete, labelled tables and the run accounting.

    Works on the aggregated cells only (a few thousand rows), never on microdata, so it is
    the same whatever backend aggregated them.

    Args:
        plan: The run's plan.
        merged: The merged sums of every slice or partition.
        max_cells: The most cells a table may have, or None for no limit: checked before
            each table is completed, with the categories observed where only the data tell
            them (see :func:`check_table_sizes`).

    Returns:
        The tables, in recipe order, and the run-level accounting.

    Raises:
        TableTooLargeError: A table would have more than ``max_cells`` cells.
    """
    profile = plan.profile
    _check_design_weights(profile, merged.weight_problems)
    design = profile.sampling_design
    strata = None
    if design is not None and design.method == TAYLOR:
        strata = strata_of(merged.aggregates[DESIGN], design, str(profile.path))
    tables = tuple(
        _table(
            recipe,
            merged.aggregates[cells_name(recipe)],
            merged.aggregates[universe_name(recipe)],
            plan,
            max_cells,
            strata,
        )
        for recipe in plan.recipes
    )
    unknown = {
        concept: shown_unknown_codes(
            dict(zip(found["code"].to_list(), found["records"].to_list(), strict=True))
        )
        for concept, found in merged.unknown_codes.items()
        if found.height
    }
    totals = merged.aggregates[TOTALS].row(0, named=True)
    weight_counts = merged.weight_problems.row(0, named=True)
    outside = None
    if profile.population is not None:
        inside = merged.aggregates[POPULATION].row(0, named=True)
        outside = OutsidePopulation(
            label=profile.population.label,
            records=int(totals[RECORDS.name]) - int(inside[RECORDS.name]),
            weighted_records=float(
                in_value(
                    int(totals[WEIGHTED.name] or 0) - int(inside[WEIGHTED.name] or 0), WEIGHTED
                )
            ),
        )
    return RunResult(
        tables=tables,
        records=int(totals[RECORDS.name]),
        weighted_records=float(in_value(totals[WEIGHTED.name], WEIGHTED)),
        unknown_codes=unknown,
        weight_problems={
            k: int(v) for k, v in weight_counts.items() if k != "replicate_largest_total"
        }
        if profile.weight
        else {},
        outside_population=outside,
    )


NO_DESIGN_NOTE = (
    "Weighted estimates without standard errors: the profile states no sampling design "
    "([design]), so their sampling error is unknown."
)
"""The note of a weighted table whose profile has no ``[design]``."""


def _check_design_weights(profile: Profile, problems: pl.DataFrame) -> None:
    """Stop when a survey design's weights are missing or not positive (counted, not shown)."""
    design = profile.sampling_design
    if design is None:
        return
    counts = problems.row(0, named=True)
    found = []
    if counts["missing"] or counts["zero_or_negative"]:
        found.append(
            f"{int(counts['missing']):,} record(s) without a weight and "
            f"{int(counts['zero_or_negative']):,} with a weight of zero or less in "
            f"{profile.weight!r} ([data] weight)"
        )
    if counts.get("replicate_missing") or counts.get("replicate_negative"):
        found.append(
            f"{int(counts['replicate_missing']):,} missing and "
            f"{int(counts['replicate_negative']):,} negative replicate weight(s) in the "
            "columns of [design] replicate_weights"
        )
    largest = counts.get("replicate_largest_total") or 0.0
    if largest > REPLICATE_LIMIT:
        raise InputError(
            f"the replicate weights of {profile.path} ([design] replicate_weights) total up "
            f"to {largest:.3g}, more than censusmig sums exactly ({REPLICATE_LIMIT:.3g}); "
            "check that they are person weights, not weights multiplied by a constant"
        )
    if found:
        raise InputError(
            "the sampling design needs a positive weight on every record: "
            + "; ".join(found)
            + f" (values not shown); correct the data or the profile {profile.path}"
        )


def _kept_columns(
    requests: dict[tuple[str, str], ColumnRequest], recipes: Sequence[Recipe]
) -> list[str]:
    """Columns the aggregations read: dimensions, conditions on concepts and the weight."""
    names = [WEIGHT]
    for request in requests.values():
        names += [request.column, _inner_source(request)]
    for recipe in recipes:
        names += [
            concept_column(c.field)
            for c in recipe.universe
            if c.field in NUMERIC_FIELDS or (c.field in CONCEPTS and c.field not in DIMENSIONS)
        ]
    return list(dict.fromkeys(names))


def coding(name: str, profile: Profile, recipe: Recipe) -> Coding:
    """How a dimension is completed, ordered and labelled in a recipe's table."""
    return DIMENSIONS[name].coding(
        profile,
        categories=recipe.categories.get(name),
        top=recipe.top.get(name),
        by_size=recipe.country_order == "size",
    )


def _table(
    recipe: Recipe,
    cells: pl.DataFrame,
    universe: pl.DataFrame,
    plan: Plan,
    max_cells: int | None = None,
    strata: Strata | None = None,
) -> Table:
    profile = plan.profile
    codings = [coding(name, profile, recipe) for name in recipe.dimensions]
    inner = [c.inner for c in codings]
    cells = cells.with_columns(pl.col(name).cast(pl.String) for name in inner)
    by_psu = None
    if strata is not None:  # a Taylor design: the cells come per stratum and PSU
        by_psu = cells.select(*inner, *DESIGN_KEYS, VALUE)
        sums = [pl.col(name).sum() for name in plan.measure_names]
        cells = cells.group_by(inner).agg(sums).sort(inner) if inner else cells.select(sums)
    if max_cells is not None:
        _check_observed_size(recipe, codings, cells, max_cells)
    weighted = profile.weight is not None
    # Margins are summed in the measures' integer units (exact), converted back once here.
    full = complete(cells, codings, plan.measure_names)
    design = profile.sampling_design
    errors = None
    if design is not None:
        full, errors = add_sampling_errors(
            full,
            dimensions=[c.dimension for c in codings],
            percent_of=recipe.percent_of,
            design=design,
            estimates=profile.estimates,
            decimals=WEIGHT_DECIMALS,
            replicate_decimals=REPLICATE_DECIMALS,
            psu_totals=None if by_psu is None else _psu_totals(cells, by_psu, codings),
            strata=strata,
        )
    full = in_values(full, plan.measures)
    note = None
    if weighted and errors is None:
        note = profile.design.note if profile.design is not None else NO_DESIGN_NOTE
    if not weighted:
        full = full.with_columns(pl.col(VALUE).cast(pl.Int64))
    # Percentages are derived from published values, after protection (censusmig.protection).
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
        universe=recipe.universe,
        layout=recipe.layout,
        sampling_errors=errors,
        variance_note=note,
    )


def _psu_totals(
    cells: pl.DataFrame, by_psu: pl.DataFrame, codings: Sequence[Coding]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A Taylor design's inner cells per PSU, and the complete table's cells holding each.

    Returns:
        The inner cells' totals per stratum and PSU (:data:`INNER`, the design keys,
        ``value`` in units), and :func:`~censusmig.tables.margins.memberships`.
    """
    inner = [c.inner for c in codings]
    numbered = cells.select(*inner, VALUE).with_row_index(INNER)
    if not inner:
        return by_psu.with_columns(pl.lit(0, pl.UInt32).alias(INNER)), memberships(
            numbered, codings
        )
    totals = by_psu.join(numbered.select(*inner, INNER), on=inner, how="inner")
    return totals.select(INNER, *DESIGN_KEYS, VALUE), memberships(numbered, codings)


def _check_observed_size(
    recipe: Recipe, codings: Sequence[Coding], cells: pl.DataFrame, max_cells: int
) -> None:
    """The size check of the categories only the data tell, before the table is completed."""
    counts = tuple((c.dimension.name, c.most_rows()) for c in codings)
    if all(count is not None for _, count in counts):
        return  # checked before the data were read
    size = TableSize(
        recipe,
        tuple(
            (name, 1 + cells[c.inner].n_unique() + len(TRAILING_ORDER) if count is None else count)
            for (name, count), c in zip(counts, codings, strict=True)
        ),
    )
    if size.cells > max_cells:
        raise TableTooLargeError(size, max_cells)


def _accounting(cells: pl.DataFrame, universe: pl.DataFrame, inner: Sequence[str]) -> Accounting:
    def records(name: str, code: str) -> int:
        return int(cells.filter(pl.col(name) == code)[N_UNWEIGHTED].sum())

    return Accounting(
        universe=int(universe[RECORDS.name][0]),
        weighted_universe=float(in_value(universe[WEIGHTED.name][0], WEIGHTED)),
        inner_cells_total=int(cells[N_UNWEIGHTED].sum()),
        not_stated={name: records(name, NOT_STATED) for name in inner},
        unknown_code={name: records(name, UNKNOWN_CODE) for name in inner},
    )


def _source_line(profile: Profile) -> str:
    rule = f"usual residence rule {profile.residence_rule_months} months"
    return (
        f"Source: {profile.census_name}, reference date {profile.reference_date.isoformat()}; "
        f"{rule}."
    )
