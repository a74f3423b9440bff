"""Secondary suppression and its attack test on small tables worked out by hand."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace

import polars as pl
import pytest

from censusmig.classifications.codes import TOTAL
from censusmig.dimensions.coding import Dimension
from censusmig.protection.equations import margin_equations
from censusmig.protection.settings import (
    COUNT_OR_MARGIN,
    PRIMARY,
    SECONDARY,
    SUPPRESS,
    SUPPRESSED,
    ProtectionSettings,
)
from censusmig.protection.suppression import CellInterval, attack, suppress
from censusmig.tables.table import CONFIDENTIAL, FLAG, N_UNWEIGHTED, VALUE, Accounting, Table

K3 = ProtectionSettings(method=SUPPRESS, threshold=3)

Codes = tuple[str, ...]


def table(
    recipe_id: str,
    dimensions: Sequence[tuple[str, Sequence[str], Sequence[Codes]]],
    inner: Mapping[tuple[Codes, ...], float],
    counts: Mapping[tuple[Codes, ...], int] | None = None,
) -> Table:
    """A complete table: (name, levels, inner code tuples) per dimension, inner cell values.

    Every margin is added (per level of a hierarchy, deeper levels at ``_T``); a margin is
    the sum of the inner cells under it. ``counts`` (weighted tables) default to the values.
    """
    options: list[list[Codes]] = []
    for _, levels, codes in dimensions:
        found: list[Codes] = [tuple([TOTAL] * len(levels))]
        for depth in range(1, len(levels)):
            found += sorted({c[:depth] + (TOTAL,) * (len(levels) - depth) for c in codes})
        found += list(codes)
        options.append(found)
    weighted = counts is not None
    counted = counts if counts is not None else {k: int(v) for k, v in inner.items()}
    rows = []
    for combination in itertools.product(*options):
        under = [
            key
            for key in inner
            if all(
                all(c == TOTAL or c == k for c, k in zip(codes, part, strict=True))
                for codes, part in zip(combination, key, strict=True)
            )
        ]
        row: dict[str, object] = {}
        for (_, levels, _), codes in zip(dimensions, combination, strict=True):
            for level, code in zip(levels, codes, strict=True):
                row[level] = code
                row[f"{level}_label"] = code
        row[VALUE] = float(sum(inner[k] for k in under))
        row[N_UNWEIGHTED] = sum(counted[k] for k in under)
        rows.append(row)
    cells = pl.DataFrame(rows)
    grand = int(cells[N_UNWEIGHTED].max() or 0)
    return Table(
        recipe_id=recipe_id,
        title=recipe_id,
        description="",
        universe_label="Everybody",
        standard=(),
        rows=tuple(Dimension(name, name, tuple(levels)) for name, levels, _ in dimensions[:1]),
        columns=tuple(Dimension(name, name, tuple(levels)) for name, levels, _ in dimensions[1:]),
        cells=cells,
        notes=(),
        source="",
        weighted=weighted,
        accounting=Accounting(grand, float(cells[VALUE].max() or 0), grand),
    )


def status(result: Table, **codes: str) -> str | None:
    found = result.cells.filter(*(pl.col(k) == v for k, v in codes.items()))
    assert found.height == 1, codes
    return found[SUPPRESSED][0]


def withheld(result: Table) -> set[tuple[str, ...]]:
    levels = list(result.level_columns)
    return set(result.cells.filter(pl.col(SUPPRESSED).is_not_null()).select(levels).rows())


ROWS = ("row", ["row"], [("a",), ("b",), ("c",)])
SEXES = ("sex", ["sex"], [("M",), ("F",), ("O",)])
GRID = {
    (("a",), ("M",)): 1, (("a",), ("F",)): 20, (("a",), ("O",)): 30,
    (("b",), ("M",)): 8, (("b",), ("F",)): 25, (("b",), ("O",)): 40,
    (("c",), ("M",)): 50, (("c",), ("F",)): 60, (("c",), ("O",)): 70,
}  # fmt: skip


def test_one_small_cell_forces_a_rectangle_in_its_row_and_column() -> None:
    [result] = suppress([table("grid", [ROWS, SEXES], GRID)], [K3])
    assert withheld(result) == {("a", "M"), ("a", "F"), ("b", "M"), ("b", "F")}
    assert status(result, row="a", sex="M") == PRIMARY
    assert status(result, row="b", sex="F") == SECONDARY
    hidden = result.cells.filter(pl.col(SUPPRESSED).is_not_null())
    assert hidden[FLAG].to_list() == [CONFIDENTIAL] * 4
    assert hidden[VALUE].null_count() == 4 and hidden[N_UNWEIGHTED].null_count() == 4
    shown = result.cells.filter(pl.col(SUPPRESSED).is_null())
    assert shown[FLAG].null_count() == shown.height


def test_attack_gives_the_bounds_worked_out_by_hand() -> None:
    computed = table("grid", [ROWS, SEXES], GRID)
    hide = pl.col("row").is_in(["a", "b"]) & pl.col("sex").is_in(["M", "F"])
    published = replace(
        computed,
        cells=computed.cells.with_columns(
            pl.when(hide).then(None).otherwise(pl.col(VALUE)).alias(VALUE)
        ),
    )
    found = {
        tuple(computed.cells.row(i.row, named=True)[c] for c in ("row", "sex")): i
        for i in attack([computed], [published], [K3])
    }
    # aM + aF = 21, bM + bF = 33, aM + bM = 9, aF + bF = 45: aM = t, 0 <= t <= 9.
    assert found[("a", "M")] == CellInterval("grid", found[("a", "M")].row, 0, 9, 3)
    assert (found[("a", "F")].lower, found[("a", "F")].upper) == (12, 21)
    assert (found[("b", "M")].lower, found[("b", "M")].upper) == (0, 9)
    assert (found[("b", "F")].lower, found[("b", "F")].upper) == (24, 33)
    assert all(interval.holds for interval in found.values())
    # A published partner gives the cell away: its range is a single value.
    leaky = replace(
        computed,
        cells=computed.cells.with_columns(
            pl.when((pl.col("row") == "a") & pl.col("sex").is_in(["M", "F"]))
            .then(None)
            .otherwise(pl.col(VALUE))
            .alias(VALUE)
        ),
    )
    exposed = attack([computed], [leaky], [K3])
    assert [(i.lower, i.upper, i.holds) for i in exposed] == [(1, 1, False), (20, 20, False)]


DISTRICTS = (
    "district",
    ["region", "district"],
    [("R1", "D1"), ("R1", "D2"), ("R2", "D3"), ("R2", "D4")],
)


def test_a_small_region_is_protected_at_the_region_level() -> None:
    inner = {(("R1", "D1"),): 1, (("R1", "D2"),): 1, (("R2", "D3"),): 10, (("R2", "D4"),): 12}
    [result] = suppress([table("districts", [DISTRICTS], inner)], [K3])
    # D1, D2 and their region (2) are small; the region total discloses R1 unless R2 goes
    # too, and R2 = D3 + D4 discloses R2 unless D3 (cheaper than D4) goes as well.
    assert {k: status(result, district=k[1], region=k[0]) for k in withheld(result)} == {
        ("R1", "D1"): PRIMARY,
        ("R1", "D2"): PRIMARY,
        ("R1", TOTAL): PRIMARY,
        ("R2", TOTAL): SECONDARY,
        ("R2", "D3"): SECONDARY,
    }
    intervals = attack([table("districts", [DISTRICTS], inner)], [result], [K3])
    assert all(interval.holds for interval in intervals)
    region = next(i for i in intervals if result.cells.row(i.row, named=True)["district"] == "D1")
    assert (region.lower, region.upper) == (0, 12)  # R1 <= 24 - D4


REGIONS = ("region", ["region"], [("R1",), ("R2",)])
SEX2 = ("sex", ["sex"], [("M",), ("F",)])


def test_two_tables_sharing_cells_are_suppressed_alike_and_attacked_together() -> None:
    by_district = {
        (("R1", "D1"), ("M",)): 1, (("R1", "D1"), ("F",)): 9,
        (("R1", "D2"), ("M",)): 1, (("R1", "D2"), ("F",)): 9,
        (("R2", "D3"), ("M",)): 20, (("R2", "D3"), ("F",)): 30,
        (("R2", "D4"), ("M",)): 40, (("R2", "D4"), ("F",)): 50,
    }  # fmt: skip
    by_region: dict[tuple[Codes, ...], float] = {}
    for (district, sex), value in by_district.items():
        key = ((district[0],), sex)
        by_region[key] = by_region.get(key, 0) + value
    districts = table("by_district", [DISTRICTS, SEX2], by_district)
    regions = table("by_region", [REGIONS, SEX2], by_region)
    # The region x sex cells of one are the region subtotals x sex of the other: R1 x M is
    # 2, small in both; everything withheld in common is withheld in both.
    both = suppress([regions, districts], [K3, K3])
    in_regions = withheld(both[0])
    in_districts = {(r, s) for r, d, s in withheld(both[1]) if d == TOTAL}
    assert in_regions == in_districts
    assert ("R1", "M") in in_regions
    assert all(i.holds for i in attack([regions, districts], both, [K3, K3]))
    # The attack reads both tables together: the region table published in full gives
    # away the region subtotals the district table withholds (differencing).
    assert all(i.holds for i in attack([districts], both[1:], [K3]))
    differenced = attack([regions, districts], [regions, both[1]], [K3, K3])
    assert not all(i.holds for i in differenced)


def test_count_or_margin_withholds_a_cell_close_to_its_margin() -> None:
    inner = {(("a",), ("M",)): 40, (("a",), ("F",)): 1, (("b",), ("M",)): 30, (("b",), ("F",)): 30}
    sexes = ("sex", ["sex"], [("M",), ("F",)])
    rows = ("row", ["row"], [("a",), ("b",)])
    counted = table("near", [rows, sexes], inner)
    margin = replace(K3, rule=COUNT_OR_MARGIN)
    [plain] = suppress([counted], [K3])
    [strict] = suppress([counted], [margin])
    assert status(plain, row="a", sex="M") == SECONDARY  # a x F's row partner
    assert status(strict, row="a", sex="M") == PRIMARY  # a total - a x M = 1


def test_weighted_thresholds_on_records_and_intervals_in_weights() -> None:
    inner = {(("a",), ("M",)): 50.0, (("a",), ("F",)): 200.0, (("b",), ("M",)): 300.0}
    inner[(("b",), ("F",))] = 400.0
    counts = {(("a",), ("M",)): 2, (("a",), ("F",)): 8, (("b",), ("M",)): 12, (("b",), ("F",)): 16}
    rows = ("row", ["row"], [("a",), ("b",)])
    weighted = table("weighted", [rows, SEX2], inner, counts)
    [result] = suppress([weighted], [K3])
    assert status(result, row="a", sex="M") == PRIMARY  # 2 records, though a value of 50
    intervals = {i.row: i for i in attack([weighted], [result], [K3])}
    small = weighted.cells.with_row_index().filter(pl.col("row") == "a", pl.col("sex") == "M")
    interval = intervals[int(small["index"][0])]
    assert interval.required == pytest.approx(3 * 50.0 / 2)  # 3 records at the mean weight
    assert interval.holds


@pytest.fixture(scope="module")
def sample_tables() -> tuple[Table, ...]:
    from censusmig import api
    from helpers import SAMPLE_DIR

    run = api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_DIR / "census.profile.toml")
    chosen = {"nativity_age_sex", "reason_for_migration_sex_age", "residence_1_year_ago_age_sex"}
    return tuple(t for t in run.tables if t.recipe_id in chosen)


def test_sample_census_tables_hold_against_the_attack(sample_tables: tuple[Table, ...]) -> None:
    settings = [K3] * len(sample_tables)
    published = suppress(sample_tables, settings)
    assert suppress(sample_tables, settings)[0].cells.equals(published[0].cells)  # determinism
    intervals = attack(sample_tables, published, settings)
    assert intervals and all(interval.holds for interval in intervals)
    for before, after in zip(sample_tables, published, strict=True):
        shown = after.cells[SUPPRESSED].is_null()
        assert before.cells.filter(shown)[VALUE].equals(after.cells.filter(shown)[VALUE])
        hidden = after.cells[VALUE].is_null().to_list()
        small = ((before.cells[N_UNWEIGHTED] > 0) & (before.cells[N_UNWEIGHTED] < 3)).to_list()
        assert all(h for h, s in zip(hidden, small, strict=True) if s)
        for equation in margin_equations(before):
            members = (equation.total, *equation.parts)
            assert sum(hidden[m] for m in members) != 1
