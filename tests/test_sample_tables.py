"""The standard tables of the bundled sample census: golden files, reconciliation, formats."""

from __future__ import annotations

import polars as pl
import pytest

from censusmig import api
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE

GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="module")
def run() -> api.Tabulation:
    return api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE)


def test_golden_tables(run: api.Tabulation) -> None:
    assert {t.recipe_id for t in run.tables} == {p.stem for p in GOLDEN.glob("*.csv")}
    for table in run.tables:
        golden = pl.read_csv(GOLDEN / f"{table.recipe_id}.csv", infer_schema_length=0)
        produced = pl.read_csv(table.cells.write_csv().encode(), infer_schema_length=0)
        assert produced.equals(golden), f"{table.recipe_id} differs: run `make golden` and review"


def test_every_table_reconciles_with_the_input(run: api.Tabulation) -> None:
    records = run.manifest["input"]["records"]
    assert records == 20_000
    for entry, table in zip(run.manifest["tables"], run.tables, strict=True):
        assert entry["reconciles"]
        assert (
            entry["grand_total_records"]
            == entry["universe_records"]
            == entry["inner_cells_records"]
        )
        inner = table.cells.filter(
            pl.all_horizontal(pl.col(c) != "_T" for c in table.level_columns)
        )
        assert inner["value"].sum() == entry["universe_records"]
    nativity = next(t for t in run.tables if t.recipe_id == "nativity_age_sex")
    assert nativity.accounting.universe == records


def test_foreign_born_universe_equals_the_foreign_born_column(run: api.Tabulation) -> None:
    tables = {t.recipe_id: t.cells for t in run.tables}
    foreign = tables["nativity_age_sex"].filter(
        pl.col("age_group") == "_T", pl.col("sex") == "_T", pl.col("nativity") == "foreign_born"
    )["value"][0]
    by_country = tables["foreign_born_country_of_birth_age_sex"].filter(
        pl.col("region_of_birth") == "_T", pl.col("country_of_birth") == "_T",
        pl.col("sex") == "_T", pl.col("age_group") == "_T",
    )["value"][0]  # fmt: skip
    assert foreign == by_country


def test_csv_and_parquet_give_identical_tables(run: api.Tabulation) -> None:
    from_csv = api.tabulate(SAMPLE_DIR / "census.csv", SAMPLE_PROFILE)
    for a, b in zip(run.tables, from_csv.tables, strict=True):
        assert a.cells.equals(b.cells), a.recipe_id


def test_sample_files_match_the_generator() -> None:
    from censusmig.synth import generate_census

    committed = pl.read_parquet(SAMPLE_DIR / "census.parquet")
    assert committed.equals(generate_census(20_000, 2025))


def test_reading_in_slices_gives_identical_tables(run: api.Tabulation) -> None:
    sliced = api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, batch_rows=7_000)
    for a, b in zip(run.tables, sliced.tables, strict=True):
        assert a.cells.equals(b.cells), a.recipe_id
    assert sliced.manifest["unknown_codes"] == run.manifest["unknown_codes"]
    assert sliced.manifest["input"]["records"] == 20_000
