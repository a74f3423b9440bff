"""The engine's stages: plan, aggregate (a backend), merge, finish; measures as a parameter."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from censusmig import api
from censusmig.errors import CensusmigError
from censusmig.profiles.model import Profile
from censusmig.protection import Computed
from censusmig.recipes.model import Recipe
from censusmig.tables.backend import POLARS, Backend
from censusmig.tables.derive import WEIGHT
from censusmig.tables.engine import RunResult, compute_tables, plan_run
from censusmig.tables.plan import (
    CELL_MEASURES,
    ESTIMATE,
    TOTALS,
    Measure,
    Partial,
    Plan,
    cells_name,
    merge,
    universe_name,
)
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

# A measure that is not a count or a weight: what replicate-weight sums will be.
REPLICATE = Measure("rep_1", "REPW1")


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet").head(6000)
    # Every record's replicate weight is three times its (full-count) weight of 1.
    return frame.with_columns(pl.lit(3.0).alias("REPW1"))


@pytest.fixture(scope="module")
def recipes(catalog: dict[str, Recipe]) -> list[Recipe]:
    chosen = list(catalog.values())
    # Top-N recodes cells into "other countries": the extra measure must follow.
    chosen[1] = dataclasses.replace(chosen[1], top={"country_of_birth": 4})
    return chosen


def _tables(result: RunResult) -> dict[str, pl.DataFrame]:
    return {table.recipe_id: table.cells for table in result.tables}


def test_plan_names_every_aggregation(profile: Profile, recipes: list[Recipe]) -> None:
    plan = plan_run(profile, recipes)
    names = [aggregate.name for aggregate in plan.aggregates]
    expected = [TOTALS]
    for recipe in recipes:
        expected += [cells_name(recipe), universe_name(recipe)]
    assert names == expected
    cells = next(a for a in plan.aggregates if a.name == cells_name(recipes[0]))
    assert cells.measures == CELL_MEASURES
    assert cells.where == recipes[0].universe
    assert [key.name for key in cells.keys] == ["age_group", "sex", "nativity"]


def test_an_extra_measure_goes_through_every_stage(
    sample: pl.DataFrame, profile: Profile, recipes: list[Recipe]
) -> None:
    result = compute_tables(
        sample.lazy(), profile, recipes, measures=(*CELL_MEASURES, REPLICATE), batch_rows=2500
    )
    plain = compute_tables(sample.lazy(), profile, recipes)
    for table, base in zip(result.tables, plain.tables, strict=True):
        cells = table.cells
        # Margins, zero cells and top-N carry it exactly as they carry the count.
        assert cells["rep_1"].to_list() == [3.0 * n for n in cells["n_unweighted"].to_list()]
        assert_frame_equal(cells.drop("rep_1"), base.cells)
        assert table.accounting == base.accounting


def test_slices_merge_to_the_whole(
    sample: pl.DataFrame, profile: Profile, recipes: list[Recipe]
) -> None:
    whole = _tables(compute_tables(sample.lazy(), profile, recipes))
    sliced = compute_tables(sample.lazy(), profile, recipes, batch_rows=997)
    for recipe_id, cells in _tables(sliced).items():
        assert_frame_equal(cells, whole[recipe_id])


class PartitionedBackend:
    """A second engine in miniature: aggregates each region's records apart, then merges.

    It implements aggregation only (through the Polars backend, one partition at a time), as a
    cluster engine would per partition; the engine's merge and finish do the rest.
    """

    name = "partitioned"

    def __init__(self) -> None:
        self.partitions = 0

    def aggregate(self, frame: pl.LazyFrame, plan: Plan) -> Partial:
        regions = frame.select(pl.col("REGION").unique()).collect()["REGION"].to_list()
        parts = [POLARS.aggregate(frame.filter(pl.col("REGION") == r), plan) for r in regions]
        self.partitions += len(parts)
        return merge(parts, plan)


def test_another_backend_implements_aggregation_only(
    sample: pl.DataFrame, profile: Profile, recipes: list[Recipe]
) -> None:
    backend = PartitionedBackend()
    assert isinstance(backend, Backend)
    result = compute_tables(sample.lazy(), profile, recipes, backend=backend)
    plain = compute_tables(sample.lazy(), profile, recipes)
    assert backend.partitions > 1
    for recipe_id, cells in _tables(result).items():
        assert_frame_equal(cells, _tables(plain)[recipe_id])
    assert result.records == plain.records == sample.height
    assert result.unknown_codes == plain.unknown_codes


def test_merge_sums_named_results(profile: Profile, recipes: list[Recipe]) -> None:
    plan = plan_run(profile, recipes[:1])
    cells = cells_name(recipes[0])

    def partial(n: int, value: float) -> Partial:
        frame = pl.DataFrame(
            {"age_group": ["Y0T4"], "sex": ["M"], "nativity": ["native_born"]},
        ).with_columns(pl.lit(n).alias("n_unweighted"), pl.lit(value).alias("value"))
        single = pl.DataFrame({"records": [n], "weighted": [value]})
        return Partial(
            aggregates={TOTALS: single, cells: frame, universe_name(recipes[0]): single},
            unknown_codes={
                name: pl.DataFrame({"code": ["SEX=7"], "records": [n]}) for name in plan.reported
            },
            weight_problems=pl.DataFrame({"missing": [n], "zero_or_negative": [0]}),
        )

    merged = merge([partial(2, 2.5), partial(3, 1.0)], plan)
    assert merged.aggregates[cells].row(0, named=True)["n_unweighted"] == 5
    assert merged.aggregates[cells].row(0, named=True)["value"] == 3.5
    assert merged.aggregates[TOTALS].row(0, named=True) == {"records": 5, "weighted": 3.5}
    assert all(found["records"].to_list() == [5] for found in merged.unknown_codes.values())
    assert merged.weight_problems.row(0, named=True) == {"missing": 5, "zero_or_negative": 0}


def test_the_weight_column_is_the_estimate(profile: Profile, recipes: list[Recipe]) -> None:
    plan = plan_run(profile, recipes[:1])
    assert [m.column for m in plan.measures] == [WEIGHT, None]
    assert WEIGHT in plan.columns


def test_measures_must_hold_the_count_and_the_estimate(
    profile: Profile, recipes: list[Recipe]
) -> None:
    with pytest.raises(CensusmigError, match="'n_unweighted' .the record count. is missing"):
        plan_run(profile, recipes, (ESTIMATE,))
    with pytest.raises(CensusmigError, match="'value' is named twice"):
        plan_run(profile, recipes, (*CELL_MEASURES, Measure("value", "REPW1")))
    with pytest.raises(CensusmigError, match="'sex' is already a table column"):
        plan_run(profile, recipes, (*CELL_MEASURES, Measure("sex", "REPW1")))
    with pytest.raises(CensusmigError, match="'percent' is already a table column"):
        plan_run(profile, recipes, (*CELL_MEASURES, Measure("percent", "REPW1")))


def test_the_api_takes_measures_and_a_backend(
    sample: pl.DataFrame, tmp_path: Path, recipes: list[Recipe]
) -> None:
    data = tmp_path / "with_replicates.parquet"
    sample.write_parquet(data)
    seen: list[Computed] = []

    def spy(computed: Computed) -> Computed:
        seen.append(computed)
        return computed

    backend = PartitionedBackend()
    run = api.tabulate(
        data,
        SAMPLE_PROFILE,
        recipes=[recipes[0].id],
        measures=(*CELL_MEASURES, REPLICATE),
        backend=backend,
        protection=spy,
        edit_checks=False,
    )
    plain = api.tabulate(data, SAMPLE_PROFILE, recipes=[recipes[0].id], edit_checks=False)
    assert backend.partitions > 1
    (computed,) = seen
    cells = computed.result.tables[0].cells
    # The protection sees the internal measure; the publication does not carry it.
    assert cells["rep_1"].to_list() == [3.0 * n for n in cells["n_unweighted"].to_list()]
    assert "rep_1" not in run.tables[0].cells.columns
    assert_frame_equal(run.tables[0].cells, plain.tables[0].cells)
    with pytest.raises(CensusmigError, match=r"column 'REPW2' is not in .*nearest column: 'REPW1'"):
        api.tabulate(data, SAMPLE_PROFILE, measures=(*CELL_MEASURES, Measure("r2", "REPW2")))
