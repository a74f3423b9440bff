"""Random rounding to base 3 or 5: multiples of the base, unbiased, the same cell the same way."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from cellkey_helpers import KEY, counted, table_of
from censusmig.errors import CensusmigError
from censusmig.protection.keys import RECORD_KEYS
from censusmig.protection.rounding import round_randomly
from censusmig.tables.table import N_UNWEIGHTED, VALUE, Table

SEED = 20261203


def many_cells(n: int, seed: int = 1) -> Table:
    """n cells with counts 0..60 and random record-key sums (a table of one dimension)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 61, n)
    return table_of(
        pl.DataFrame(
            {
                "cell": [f"C{i:06d}" for i in range(n)],
                N_UNWEIGHTED: counts,
                RECORD_KEYS: np.where(counts > 0, rng.integers(0, 256 * 60, n), 0),
            }
        ),
        ["cell"],
    )


@pytest.mark.parametrize("base", [3, 5])
def test_every_cell_is_a_multiple_of_the_base_next_to_its_count(base: int) -> None:
    table = many_cells(5000)
    out = round_randomly(table, base, SEED).cells
    before = table.cells[N_UNWEIGHTED].to_numpy()
    after = out[N_UNWEIGHTED].to_numpy()
    assert (after % base == 0).all()
    assert (np.abs(after - before) < base).all()
    assert (after[before % base == 0] == before[before % base == 0]).all()
    assert out[VALUE].to_list() == [float(v) for v in after]
    # no count of 1 or 2 is ever published; 1..base-1 become 0 or base
    assert not np.isin(after, [1, 2]).any()
    small = (before > 0) & (before < base)
    assert set(after[small].tolist()) == {0, base}
    assert out.select(pl.exclude(N_UNWEIGHTED, VALUE)).equals(
        table.cells.select(pl.exclude(N_UNWEIGHTED, VALUE))
    )


@pytest.mark.parametrize("base", [3, 5])
def test_rounding_is_unbiased_within_four_binomial_standard_deviations(base: int) -> None:
    n = 40_000
    table = many_cells(n, seed=2)
    before = table.cells[N_UNWEIGHTED].to_numpy()
    after = round_randomly(table, base, SEED).cells[N_UNWEIGHTED].to_numpy()
    remainder = before % base
    for r in range(1, base):
        cells = remainder == r
        up = int((after[cells] > before[cells]).sum())
        k, p = int(cells.sum()), r / base
        # the share rounded up: binomial(k, r/base)
        assert abs(up - k * p) <= 4 * math.sqrt(k * p * (1 - p)), (r, up, k * p)
    # the total change: a sum of independent errors with variance r (base - r) each
    sd = math.sqrt(float((remainder * (base - remainder)).sum()))
    assert abs(int((after - before).sum())) <= 4 * sd


def test_the_same_records_round_the_same_way_in_every_table_and_run() -> None:
    rng = np.random.default_rng(3)
    data = pl.DataFrame(
        {
            "a": rng.integers(0, 6, 4000),
            "b": rng.integers(0, 4, 4000),
            "c": rng.integers(0, 5, 4000),
            KEY: rng.integers(0, 256, 4000),
        }
    )
    ab = round_randomly(counted(data, ["a", "b"]), 3, SEED).cells
    ac = round_randomly(counted(data, ["a", "c"], "other"), 3, SEED).cells
    assert (
        ab.filter(pl.col("b") == "_T")
        .select("a", N_UNWEIGHTED)
        .equals(ac.filter(pl.col("c") == "_T").select("a", N_UNWEIGHTED))
    )
    assert round_randomly(counted(data, ["a", "b"]), 3, SEED).cells.equals(ab)
    # another seed draws again
    other = round_randomly(counted(data, ["a", "b"]), 3, SEED + 1).cells
    assert not other[N_UNWEIGHTED].equals(ab[N_UNWEIGHTED])


def test_totals_are_rounded_on_their_own() -> None:
    rng = np.random.default_rng(4)
    data = pl.DataFrame({"a": rng.integers(0, 40, 2003), KEY: rng.integers(0, 256, 2003)})
    table = counted(data, ["a"])
    cells = round_randomly(table, 5, SEED).cells
    total = cells.filter(pl.col("a") == "_T")[N_UNWEIGHTED].item()
    assert total in (2000, 2005)
    # rounded from its own count, not added up from the rounded parts (here they differ)
    assert cells.filter(pl.col("a") != "_T")[N_UNWEIGHTED].sum() != total
    only_total = table_of(table.cells.filter(pl.col("a") == "_T"), ["a"])
    assert round_randomly(only_total, 5, SEED).cells[N_UNWEIGHTED].item() == total


def test_rounding_refuses_weighted_tables_and_a_base_below_2() -> None:
    table = many_cells(10)
    with pytest.raises(CensusmigError, match="is weighted: rounding to base 3"):
        round_randomly(replace(table, weighted=True), 3, SEED)
    with pytest.raises(ValueError, match="a rounding base is 2 or more"):
        round_randomly(table, 1, SEED)
