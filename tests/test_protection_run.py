"""Disclosure control on whole runs of the sample census: every recipe, every method."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.classifications.codes import TOTAL
from censusmig.protection.equations import margin_equations
from censusmig.tables.table import CONFIDENTIAL, FLAG, N_UNWEIGHTED, VALUE, Table
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

DATA = SAMPLE_DIR / "census.parquet"
DISTRICT_RECIPES = SAMPLE_DIR / "recipes"
METHODS = ("suppress", "round3", "round5", "cell-key")


@cache
def _run(method: str | None, batch_rows: int | None = None) -> api.Tabulation:
    dirs = [DISTRICT_RECIPES] if DISTRICT_RECIPES.is_dir() else []
    return api.tabulate(
        DATA, SAMPLE_PROFILE, recipes_dirs=dirs, protect=method, batch_rows=batch_rows
    )


def _computed() -> dict[str, Table]:
    return {table.recipe_id: table for table in _run(None).tables}


@pytest.mark.parametrize("method", METHODS)
def test_every_recipe_is_protected(method: str) -> None:
    run = _run(method)
    computed = _computed()
    assert len(run.tables) >= 14
    for table in run.tables:
        report = table.protection
        assert report is not None and report.method == method, table.recipe_id
        assert report.cells == table.cells.height
        assert not [c for c in table.cells.columns if c.startswith("_")]
        values = table.cells[VALUE]
        # A protected count is still a count: written 2375, never 2375.0.
        assert values.dtype == computed[table.recipe_id].cells[VALUE].dtype, table.recipe_id
        published = table.cells.filter(pl.col(VALUE).is_not_null())
        # No published count from 1 to 2, whatever the method (threshold 3).
        assert published.filter(pl.col(VALUE).is_between(1, 2)).height == 0, table.recipe_id
        # n_unweighted never tells more than the value.
        assert published[N_UNWEIGHTED].cast(pl.Float64).equals(published[VALUE].cast(pl.Float64)), (
            table.recipe_id
        )
        if method.startswith("round"):
            base = int(method[-1])
            assert values.null_count() == 0
            assert (values.cast(pl.Int64) % base == 0).all(), table.recipe_id


def test_suppressed_cells_are_marked_and_small_cells_withheld() -> None:
    computed = _computed()
    for table in _run("suppress").tables:
        before = computed[table.recipe_id].cells
        withheld = table.cells[VALUE].is_null()
        assert (table.cells.filter(withheld)[FLAG] == CONFIDENTIAL).all()
        assert table.cells.filter(~withheld)[FLAG].null_count() == (~withheld).sum()
        small = before[N_UNWEIGHTED].is_between(1, 2)
        assert not (small & ~withheld).any(), table.recipe_id
        # What is published is what was computed.
        kept = before.filter(~withheld)[VALUE].cast(pl.Float64)
        assert kept.equals(table.cells.filter(~withheld)[VALUE].cast(pl.Float64))
        report = table.protection
        assert report is not None
        assert report.primary == int(small.sum())
        assert report.primary + report.secondary == int(withheld.sum())
        assert report.changed == 0 and report.margins_not_additive == 0


def test_no_margin_equation_reveals_a_withheld_cell_alone() -> None:
    for table in _run("suppress").tables:
        values = table.cells[VALUE].to_list()
        for equation in margin_equations(table):
            rows = (equation.total, *equation.parts)
            assert sum(values[r] is None for r in rows) != 1, table.recipe_id


def test_the_attack_finds_every_withheld_cell_protected() -> None:
    from censusmig.disclosure import ProtectionSettings
    from censusmig.protection.suppression import attack

    computed = _computed()
    published = _run("suppress").tables
    before = [computed[t.recipe_id] for t in published]
    intervals = attack(before, published, [ProtectionSettings("suppress")] * len(published))
    withheld = sum(t.cells[VALUE].null_count() for t in published)
    assert withheld > 0
    assert len(intervals) == withheld
    assert all(cell.holds for cell in intervals)
    narrowest = {t.recipe_id: t.protection.narrowest_interval for t in published if t.protection}
    for cell in intervals:
        found = narrowest[cell.recipe_id]
        assert found is not None and found <= cell.upper - cell.lower + 1e-9


def test_cell_key_gives_the_same_cell_the_same_value_in_every_table() -> None:
    run = _run("cell-key")
    everyone = [t for t in run.tables if not t.universe]
    assert len(everyone) >= 2
    grand = {
        t.recipe_id: t.cells.filter(pl.all_horizontal(pl.col(c) == TOTAL for c in t.level_columns))[
            VALUE
        ][0]
        for t in everyone
    }
    assert len(set(grand.values())) == 1, grand
    by_sex = {}
    for table in everyone:
        if "sex" not in table.level_columns:
            continue
        others = [c for c in table.level_columns if c != "sex"]
        cells = table.cells.filter(*(pl.col(c) == TOTAL for c in others)).sort("sex")
        by_sex[table.recipe_id] = cells.select("sex", VALUE).rows()
    assert len(by_sex) >= 2 and len({tuple(v) for v in by_sex.values()}) == 1, by_sex
    computed = _computed()
    changed = sum(t.protection.changed for t in run.tables if t.protection)
    assert changed > 0
    assert any(
        not t.cells[VALUE]
        .cast(pl.Float64)
        .equals(computed[t.recipe_id].cells[VALUE].cast(pl.Float64))
        for t in run.tables
    )


@pytest.mark.parametrize("method", METHODS)
def test_protection_does_not_depend_on_slices(method: str) -> None:
    whole = _run(method)
    sliced = _run(method, 3_333)
    for a, b in zip(whole.tables, sliced.tables, strict=True):
        assert a.cells.equals(b.cells), (method, a.recipe_id)


def test_protected_outputs_are_the_same_bytes_twice(tmp_path: Path) -> None:
    for name in ("a", "b"):
        api.tabulate(
            DATA,
            SAMPLE_PROFILE,
            out=tmp_path / name,
            recipes=["foreign_born_country_of_birth_age_sex"],
            protect="cell-key",
        )
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file() and path.name != "run.json":
            assert (
                path.read_bytes()
                == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()
            ), path
    records = [json.loads((tmp_path / n / "run.json").read_text()) for n in ("a", "b")]
    for record in records:
        record.pop("timings_seconds", None)
        record.pop("command", None)
    assert records[0]["tables"] == records[1]["tables"]


def test_region_and_district_tables_cannot_be_differenced() -> None:
    from censusmig.disclosure import ProtectionSettings
    from censusmig.protection.suppression import attack, suppress

    computed = _computed()
    pair = [computed["migratory_status_sex_age_region"], computed["migratory_status_age_district"]]
    settings = [ProtectionSettings("suppress")] * 2
    # Suppressed each on its own, the region table publishes cells the district table
    # withholds (its region subtotals): together they give some withheld cells away.
    alone = [suppress([table], settings[:1])[0] for table in pair]
    leaks = [cell for cell in attack(pair, alone, settings) if not cell.holds]
    assert leaks
    # Suppressed together, they withhold their shared cells alike and nothing leaks.
    together = suppress(pair, settings)
    intervals = attack(pair, together, settings)
    assert intervals and all(cell.holds for cell in intervals)
    region, district = together
    shared = district.cells.filter(pl.col("district") == TOTAL, pl.col("region") != TOTAL)
    assert shared[VALUE].null_count() > 0  # some region subtotals are withheld in both


def test_a_survey_is_suppressed_on_its_sample_records(tmp_path: Path) -> None:
    profile = SAMPLE_DIR / "survey.profile.toml"
    run = api.tabulate(
        SAMPLE_DIR / "survey.parquet", profile, recipes=["nativity_age_sex"], protect="suppress"
    )
    plain = api.tabulate(SAMPLE_DIR / "survey.parquet", profile, recipes=["nativity_age_sex"])
    [table], [before] = run.tables, plain.tables
    withheld = table.cells[VALUE].is_null()
    small = before.cells[N_UNWEIGHTED].is_between(1, 2)
    assert small.any() and not (small & ~withheld).any()
    hidden = table.cells.filter(withheld)
    for column in ("se", "cv", "reliability", N_UNWEIGHTED):
        assert hidden[column].null_count() == hidden.height, column
    kept = table.cells.filter(~withheld)
    assert kept["se"].equals(before.cells.filter(~withheld)["se"])  # errors beside the values
