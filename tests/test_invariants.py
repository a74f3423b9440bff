"""Hypothesis invariants of every standard table on generated person files.

Person files come from the sample-census generator (any size and seed, with its dirt) plus
handmade records with extreme codes, and random weights. For every table: margins equal the sum
of their inner cells at every level (region subtotals included), every record of the universe
is in exactly one inner cell, weighted totals are preserved, row order does not matter, and one
more record changes exactly one inner cell by its weight, or none if it is outside the universe.
The same file written as a CSV with blank lines and padded fields gives the same tables.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from censusmig.profiles.model import Profile
from censusmig.readers.formats import open_microdata
from censusmig.recipes.model import Recipe
from censusmig.synth import generate_census
from censusmig.tables.engine import compute_tables
from censusmig.tables.table import Table
from helpers import people

SEXES = st.sampled_from([1, 2, 9, 3])
AGES = st.one_of(st.integers(0, 110), st.sampled_from([999, 150, -1]))
BIRTHPLACES = st.sampled_from([900, 900, 900, 320, 340, 484, 724, 156, 810, 891, 998, 999, 4])
RECORD = st.tuples(SEXES, AGES, BIRTHPLACES)
WEIGHT = st.floats(0.5, 500.0, allow_nan=False)
SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def person_files(draw: st.DrawFn) -> pl.DataFrame:
    """A generated census (with its dirt) plus handmade records with extreme codes, weighted."""
    generated = generate_census(draw(st.integers(1, 150)), draw(st.integers(0, 10_000)))
    extra = people(draw(st.lists(RECORD, max_size=8)))
    frame = pl.concat([generated.cast(pl.Int64), extra]).with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("PERSON_ID")
    )
    weights = draw(st.lists(WEIGHT, min_size=frame.height, max_size=frame.height))
    return frame.with_columns(pl.Series("WEIGHT", weights, dtype=pl.Float64))


def run(frame: pl.DataFrame, profile: Profile, catalog: dict[str, Recipe]) -> tuple[Table, ...]:
    return compute_tables(frame.lazy(), profile, list(catalog.values())).tables


def inner_cells(table: Table) -> pl.DataFrame:
    return table.cells.filter(pl.all_horizontal(pl.col(c) != "_T" for c in table.level_columns))


def assert_margins_add_up(table: Table) -> None:
    """Every row equals the sum of the inner cells that share its non-total codes."""
    levels = list(table.level_columns)
    inner = inner_cells(table)
    cells = table.cells.with_columns(
        pl.concat_str([(pl.col(c) == "_T").cast(pl.Int8).cast(pl.String) for c in levels]).alias(
            "_p"
        )
    )
    for (pattern,), rows in cells.group_by("_p"):
        kept = [c for c, flag in zip(levels, str(pattern), strict=True) if flag == "0"]
        sums = [pl.col("n_unweighted").sum().alias("n_exp"), pl.col("value").sum().alias("v_exp")]
        expected = inner.group_by(kept).agg(sums) if kept else inner.select(sums)
        joined = (
            rows.join(expected, on=kept, how="left") if kept else rows.join(expected, how="cross")
        )
        joined = joined.with_columns(pl.col("n_exp").fill_null(0), pl.col("v_exp").fill_null(0))
        assert (joined["n_unweighted"] == joined["n_exp"]).all(), (table.recipe_id, pattern)
        assert (
            (joined["value"] - joined["v_exp"]).abs() < 1e-6 * (1 + joined["v_exp"].abs())
        ).all()


def grand_total(table: Table) -> dict[str, float]:
    rows = table.cells.filter(pl.all_horizontal(pl.col(c) == "_T" for c in table.level_columns))
    assert rows.height == 1
    return rows.row(0, named=True)


def known_universe(frame: pl.DataFrame, recipe_id: str) -> pl.Series | None:
    """The universe of two recipes, computed here without censusmig."""
    if recipe_id in ("nativity_age_sex", "citizenship_status_age_sex", "generation_age_sex"):
        return pl.Series([True] * frame.height)
    if recipe_id == "foreign_born_country_of_birth_age_sex":
        return ~frame["POB"].is_in([900, 998, 999])
    return None


@SETTINGS
@given(frame=person_files())
def test_every_record_once_and_margins_add_up(
    frame: pl.DataFrame, weighted_profile: Profile, catalog: dict[str, Recipe]
) -> None:
    for table in run(frame, weighted_profile, catalog):
        total = grand_total(table)
        assert total["n_unweighted"] == table.accounting.universe
        assert inner_cells(table)["n_unweighted"].sum() == total["n_unweighted"]
        assert abs(total["value"] - table.accounting.weighted_universe) < 1e-6 * (
            1 + total["value"]
        )
        assert table.accounting.reconciles
        mask = known_universe(frame, table.recipe_id)
        if mask is not None:
            assert total["n_unweighted"] == int(mask.sum())
            expected = float(frame.filter(mask)["WEIGHT"].sum())
            assert abs(total["value"] - expected) < 1e-6 * max(1.0, expected)
        assert_margins_add_up(table)


@SETTINGS
@given(frame=person_files(), seed=st.integers(0, 2**16))
def test_row_order_is_irrelevant(
    frame: pl.DataFrame, seed: int, profile: Profile, catalog: dict[str, Recipe]
) -> None:
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    pairs = zip(run(frame, profile, catalog), run(shuffled, profile, catalog), strict=True)
    for first, second in pairs:
        assert first.cells.equals(second.cells), first.recipe_id


@SETTINGS
@given(frame=person_files(), pick=st.integers(0, 10_000), weight=WEIGHT)
def test_one_more_record_changes_one_inner_cell_by_its_weight(
    frame: pl.DataFrame,
    pick: int,
    weight: float,
    weighted_profile: Profile,
    catalog: dict[str, Recipe],
) -> None:
    extra = frame[pick % frame.height].with_columns(pl.lit(weight).alias("WEIGHT"))
    before = run(frame, weighted_profile, catalog)
    after = run(pl.concat([frame, extra]), weighted_profile, catalog)
    for old, new in zip(before, after, strict=True):
        keys = list(old.level_columns)
        joined = inner_cells(new).join(
            inner_cells(old), on=keys, how="full", coalesce=True, suffix="_old"
        )
        changed = joined.with_columns(pl.col("value_old").fill_null(0.0)).filter(
            (pl.col("value") - pl.col("value_old")).abs() > 1e-9
        )
        if new.accounting.universe == old.accounting.universe + 1:
            assert changed.height == 1, new.recipe_id
            assert abs(changed["value"][0] - changed["value_old"][0] - weight) < 1e-6
        else:
            assert new.accounting.universe == old.accounting.universe
            assert changed.height == 0, new.recipe_id


@SETTINGS
@given(
    frame=person_files(),
    blanks=st.lists(st.tuples(st.integers(1, 10_000), st.sampled_from(["", "  ", "\t\r"]))),
    pad=st.sampled_from(["", " ", "  "]),
)
def test_blank_lines_and_padded_fields_of_a_csv_change_no_table(
    frame: pl.DataFrame,
    blanks: list[tuple[int, str]],
    pad: str,
    weighted_profile: Profile,
    catalog: dict[str, Recipe],
    tmp_path: Path,
) -> None:
    lines = frame.write_csv().replace(",", "," + pad).splitlines(keepends=True)
    for at, blank in blanks:
        lines.insert(at % (len(lines) + 1) or 1, blank + "\n")  # never before the header
    path = tmp_path / "people.csv"
    path.write_text("".join(lines), encoding="utf-8")
    with open_microdata(path) as source:
        assert source.blank_lines == len(blanks)
        read = source.run(
            lambda lazy: compute_tables(lazy, weighted_profile, list(catalog.values()))
        )
    for mine, theirs in zip(read.tables, run(frame, weighted_profile, catalog), strict=True):
        assert_same_cells(mine, theirs)


def assert_same_cells(mine: Table, theirs: Table) -> None:
    """Equal cells; weighted values up to the float noise of summing in another order."""
    floats = [c for c, kind in theirs.cells.schema.items() if kind.is_float()]
    exact = [c for c in theirs.cells.columns if c not in floats]
    assert mine.cells.select(exact).equals(theirs.cells.select(exact)), mine.recipe_id
    for column in floats:
        a, b = mine.cells[column], theirs.cells[column]
        assert a.is_null().equals(b.is_null()), (mine.recipe_id, column)
        assert ((a - b).abs() <= 1e-9 * (1 + b.abs())).fill_null(True).all(), mine.recipe_id
