"""Hypothesis invariants of every table on generated person files.

Margins equal the sum of their inner cells at every level (region subtotals included), every
record of the universe is in exactly one inner cell, weighted totals are preserved, row order
does not matter, and one more record changes exactly one inner cell per table by its weight.
"""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from censusmig.readers.profile import Profile
from censusmig.recipes.model import Recipe
from censusmig.tables.engine import compute_tables
from censusmig.tables.table import Table
from helpers import people

SEXES = st.sampled_from([1, 2, 9, 3])
AGES = st.one_of(st.integers(0, 110), st.sampled_from([999, 150, -1]))
BIRTHPLACES = st.sampled_from([900, 900, 900, 320, 340, 484, 724, 156, 810, 891, 998, 999, 4])
RECORD = st.tuples(SEXES, AGES, BIRTHPLACES)
WEIGHT = st.floats(0.5, 500.0, allow_nan=False)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def run(frame: pl.DataFrame, profile: Profile, catalog: dict[str, Recipe]) -> tuple[Table, ...]:
    return compute_tables(frame.lazy(), profile, list(catalog.values())).tables


def inner_cells(table: Table) -> pl.DataFrame:
    return table.cells.filter(pl.all_horizontal(pl.col(c) != "_T" for c in table.level_columns))


def assert_margins_add_up(table: Table) -> None:
    inner = inner_cells(table)
    for row in table.cells.iter_rows(named=True):
        kept = [pl.col(c) == row[c] for c in table.level_columns if row[c] != "_T"]
        part = inner.filter(*kept) if kept else inner
        assert part["n_unweighted"].sum() == row["n_unweighted"], (table.recipe_id, row)
        assert abs(part["value"].sum() - row["value"]) < 1e-6 * max(1.0, abs(row["value"]))


def grand_total(table: Table) -> dict[str, float]:
    rows = table.cells.filter(pl.all_horizontal(pl.col(c) == "_T" for c in table.level_columns))
    assert rows.height == 1
    return rows.row(0, named=True)


def universe_mask(frame: pl.DataFrame, recipe_id: str) -> pl.Series:
    everyone = pl.Series([True] * frame.height)
    if recipe_id == "nativity_age_sex":
        return everyone
    foreign = ~frame["POB"].is_in([900, 998, 999])
    return foreign


@SETTINGS
@given(records=st.lists(RECORD, min_size=1, max_size=60), data=st.data())
def test_every_record_once_and_margins_add_up(
    records: list[tuple[int, int, int]],
    data: st.DataObject,
    weighted_profile: Profile,
    catalog: dict[str, Recipe],
) -> None:
    weights = data.draw(st.lists(WEIGHT, min_size=len(records), max_size=len(records)))
    frame = people(records, weights)
    for table in run(frame, weighted_profile, catalog):
        mask = universe_mask(frame, table.recipe_id)
        total = grand_total(table)
        assert total["n_unweighted"] == int(mask.sum()) == table.accounting.universe
        assert inner_cells(table)["n_unweighted"].sum() == total["n_unweighted"]
        expected = float(frame.filter(mask)["WEIGHT"].sum())
        assert abs(total["value"] - expected) < 1e-6 * max(1.0, expected)
        assert table.accounting.reconciles
        assert_margins_add_up(table)


@SETTINGS
@given(records=st.lists(RECORD, min_size=2, max_size=40), seed=st.integers(0, 2**16))
def test_row_order_is_irrelevant(
    records: list[tuple[int, int, int]],
    seed: int,
    profile: Profile,
    catalog: dict[str, Recipe],
) -> None:
    frame = people(records)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    for first, second in zip(
        run(frame, profile, catalog), run(shuffled, profile, catalog), strict=True
    ):
        assert first.cells.equals(second.cells)


@SETTINGS
@given(
    records=st.lists(RECORD, min_size=1, max_size=40),
    extra=RECORD,
    weight=WEIGHT,
)
def test_one_more_record_changes_one_inner_cell_by_its_weight(
    records: list[tuple[int, int, int]],
    extra: tuple[int, int, int],
    weight: float,
    weighted_profile: Profile,
    catalog: dict[str, Recipe],
) -> None:
    before = people(records, [1.0] * len(records))
    after = people([*records, extra], [1.0] * len(records) + [weight])
    in_universe = {table_id: bool(universe_mask(after, table_id)[-1]) for table_id in catalog}
    for old, new in zip(
        run(before, weighted_profile, catalog), run(after, weighted_profile, catalog), strict=True
    ):
        keys = list(old.level_columns)
        joined = inner_cells(new).join(
            inner_cells(old), on=keys, how="full", coalesce=True, suffix="_old"
        )
        changed = joined.with_columns(pl.col("value_old").fill_null(0.0)).filter(
            (pl.col("value") - pl.col("value_old")).abs() > 1e-9
        )
        if in_universe[new.recipe_id]:
            assert changed.height == 1, new.recipe_id
            assert abs(changed["value"][0] - changed["value_old"][0] - weight) < 1e-6
        else:
            assert changed.height == 0, new.recipe_id
