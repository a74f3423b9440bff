"""Weighted values are exact decimal sums, written the same bytes whatever the run's cut."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.tables.plan import ESTIMATE, Measure, in_units, in_value
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

# Weights whose float sums carry noise (0.1 + 0.2 != 0.3 in binary).
WEIGHTS = ("0.1", "0.2", "1234.57", "0.3", "17.03", "6315.81")
RECORDS = 6000


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The first records of the sample census with noisy weights, shuffled, and a profile."""
    folder = tmp_path_factory.mktemp("exact")
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet").head(RECORDS)
    weights = [float(WEIGHTS[i % len(WEIGHTS)]) for i in range(frame.height)]
    frame = frame.with_columns(pl.Series("WEIGHT", weights, dtype=pl.Float64))
    frame.write_parquet(folder / "weighted.parquet")
    frame.sample(fraction=1.0, shuffle=True, seed=11).write_parquet(folder / "shuffled.parquet")
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    profile = folder / "weighted.profile.toml"
    profile.write_text(text.replace("[data]\n", '[data]\nweight = "WEIGHT"\n', 1), "utf-8")
    return folder / "weighted.parquet", folder / "shuffled.parquet", profile


def _csvs(data: Path, profile: Path, out: Path, batch_rows: int | None = None) -> dict[str, bytes]:
    api.tabulate(data, profile, out=out, formats=("csv",), batch_rows=batch_rows, edit_checks=False)
    return {path.name: path.read_bytes() for path in sorted((out / "csv").glob("*.csv"))}


def test_the_same_bytes_over_reruns_slices_and_row_orders(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data, shuffled, profile = files
    first = _csvs(data, profile, tmp_path / "first")
    assert len(first) > 5
    assert _csvs(data, profile, tmp_path / "again") == first
    assert _csvs(data, profile, tmp_path / "sliced", batch_rows=1001) == first
    assert _csvs(shuffled, profile, tmp_path / "shuffled", batch_rows=2500) == first


def test_weighted_totals_are_the_exact_decimal_sums(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data, _, profile = files
    frame = pl.read_parquet(data)
    exact = sum((Decimal(WEIGHTS[i % len(WEIGHTS)]) for i in range(frame.height)), Decimal(0))
    assert float(frame["WEIGHT"].sum()) != float(exact) or str(frame["WEIGHT"].sum()) != str(
        exact
    )  # what a float sum gives is not the decimal sum: the test shows the noise
    tabulation = api.tabulate(data, profile, out=tmp_path, formats=("csv",), edit_checks=False)
    assert tabulation.manifest["input"]["weighted_records"] == float(exact)
    text = (tmp_path / "csv" / "nativity_age_sex.csv").read_text(encoding="utf-8")
    total = text.splitlines()[1].split(",")
    assert Decimal(total[-3]) == exact  # value, n_unweighted, percent
    cells = pl.read_csv(tmp_path / "csv" / "nativity_age_sex.csv", infer_schema_length=0)
    for value in cells["value"].to_list():
        # Every written value, margins included, is a sum at the weights' two decimals.
        assert Decimal(value) == Decimal(value).quantize(Decimal("0.01"))


def test_weights_in_units_keep_every_digit() -> None:
    frame = pl.DataFrame({"w": [0.1, 1234.57, 1e12 + 0.5, -0.3, None, 2.0000000004]})
    units = frame.select(in_units("w", pl.Float64, 9))["w"].to_list()
    assert units == [
        100_000_000,
        1_234_570_000_000,
        1_000_000_000_000_500_000_000,
        -300_000_000,
        None,
        2_000_000_000,
    ]
    assert in_value(sum(u for u in units if u is not None), ESTIMATE) == 1_000_000_001_236.87
    ints = pl.DataFrame({"w": [3, 4]}, schema={"w": pl.Int64})
    assert ints.select(in_units("w", pl.Int64, 2))["w"].to_list() == [300, 400]
    assert in_value(7, Measure("n")) == 7
