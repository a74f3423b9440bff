"""The benchmark's national layout: a deterministic generator, a profile that tabulates it,
and a floor that computes exactly censusmig's inner cells (bench/national.py,
bench/national.profile.toml, bench/floor_national.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from censusmig import api

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import check_equal  # noqa: E402
import floor_national  # noqa: E402
import national  # noqa: E402

PROFILE = BENCH / "national.profile.toml"


@pytest.fixture(scope="module")
def national_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000-person national file (seed 13)."""
    return national.write_national(tmp_path_factory.mktemp("national") / "n.parquet", 2000, 13)


def test_the_generator_is_deterministic_and_seeded(national_file: Path, tmp_path: Path) -> None:
    again = national.write_national(tmp_path / "again.parquet", 2000, 13)
    other = national.write_national(tmp_path / "other.parquet", 2000, 14)
    first = pl.read_parquet(national_file)
    assert first.equals(pl.read_parquet(again))
    assert not first.equals(pl.read_parquet(other))
    assert first.columns == list(national.COLUMNS) and first.height == 2000
    assert first["PERSNR"].is_unique().all()
    born = first["COB"].value_counts()
    assert born.filter(pl.col("COB") == national.OWN)["count"][0] > 1000  # own country 900


def test_the_national_profile_tabulates_and_reconciles(national_file: Path) -> None:
    run = api.tabulate(national_file, PROFILE)
    assert run.reconciles
    assert not run.skipped
    assert [table.recipe_id for table in run.tables] == list(floor_national.RECIPE_IDS)


def test_the_floor_computes_censusmig_inner_cells(national_file: Path) -> None:
    reference = check_equal.censusmig_inner_cells(national_file, PROFILE)
    floor = floor_national.floor_cells(str(national_file))
    check_equal.assert_same(floor, reference, "floor vs censusmig")
    assert reference["generation_age_sex"]["value"].sum() == pytest.approx(
        pl.read_parquet(national_file)["PWGT"].sum()
    )  # weighted: every record once, with its weight
