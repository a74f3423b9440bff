"""Weighted values are exact decimal sums, written the same bytes whatever the run's cut."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.tables.plan import ESTIMATE, Measure, in_units, in_value, in_values
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


def _weighted(frame: pl.DataFrame, weights: pl.Series, folder: Path, profile: Path) -> Path:
    """The records with a weight column, written to Parquet."""
    path = folder / f"{weights.dtype}.parquet"
    frame.with_columns(weights.alias("WEIGHT")).write_parquet(path)
    return path


def _grand_total(data: Path, profile: Path, out: Path) -> tuple[str, object]:
    """The written grand total of nativity by age and sex, and the manifest's weighted records."""
    tabulation = api.tabulate(
        data, profile, out=out, formats=("csv",), recipes=["nativity_age_sex"], edit_checks=False
    )
    text = (out / "csv" / "nativity_age_sex.csv").read_text(encoding="utf-8")
    return text.splitlines()[1].split(",")[-3], tabulation.manifest["input"]["weighted_records"]


def test_a_float32_weight_counts_as_its_shortest_decimal(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, _, profile = files
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet").head(RECORDS)
    single = _weighted(frame, pl.Series([105.3] * RECORDS, dtype=pl.Float32), tmp_path, profile)
    double = _weighted(frame, pl.Series([105.3] * RECORDS, dtype=pl.Float64), tmp_path, profile)
    assert pl.read_parquet(single)["WEIGHT"].dtype == pl.Float32
    assert float(pl.read_parquet(single)["WEIGHT"][0]) != 105.3  # 105.30000305175781
    expected = ("631800.0", 631_800.0)  # 6000 x 105.3, as a Float64 or a text weight gives
    assert _grand_total(double, profile, tmp_path / "double") == expected
    assert _grand_total(single, profile, tmp_path / "single") == expected


def test_weighted_values_are_stated_at_six_decimals(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, _, profile = files
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet").head(RECORDS)
    texts = ("0.123456789123", "17.000000001499", "3.141592653589")  # more than 9 decimals
    weights = pl.Series([float(texts[i % 3]) for i in range(RECORDS)], dtype=pl.Float64)
    data = _weighted(frame, weights, tmp_path, profile)
    written, manifest = _grand_total(data, profile, tmp_path / "out")
    exact = sum((Decimal(texts[i % 3]) for i in range(RECORDS)), Decimal(0))
    assert Decimal(written) == Decimal(written).quantize(Decimal("0.000001"))
    assert float(written) == manifest
    # each weight rounded to 9 decimals (at most 0.5e-9 off), the sum to 6
    assert abs(Decimal(written) - exact) <= RECORDS * Decimal("0.5e-9") + Decimal("0.5e-6")
    cells = pl.read_csv(tmp_path / "out" / "csv" / "nativity_age_sex.csv", infer_schema_length=0)
    for value in cells["value"].to_list():
        assert Decimal(value) == Decimal(value).quantize(Decimal("0.000001"))


def test_a_sum_in_units_is_stated_once_rounded_half_to_even() -> None:
    # the eusilc total of 12-decimal weights, each taken to 9 decimals (exact: 8182222.0000000012)
    assert in_value(8_182_221_999_999_321, ESTIMATE) == 8_182_221.999999
    assert in_value(8_182_221_999_999_500, ESTIMATE) == 8_182_222.0  # a tie: to the even
    assert in_value(6_315_810_000_000, ESTIMATE) == 6315.81  # fewer decimals: exact
    six = Measure("m", "c", 9, 6)
    assert [in_value(u, six) for u in (2_500, 3_500, 2_501, -2_500, -3_500, -2_501)] == [
        0.000002,
        0.000004,
        0.000003,
        -0.000002,
        -0.000004,
        -0.000003,
    ]
    assert in_value(1_234_567_891, Measure("m", "c", 9)) == 1.234567891  # stated as summed
    assert in_value(1_234_567_891, Measure("m", "c", 9, 12)) == 1.234567891  # at most summed


def test_whole_columns_convert_as_each_cell_does() -> None:
    # The column conversion (integers, then one float division) equals in_value cell by cell:
    # ties to even, negatives, nulls, and sums too large for one exact float division.
    half = 500  # ESTIMATE keeps 9 decimals and states 6: a step of 1000 units
    units = [0, 1, 499, half, 1500, 2500, -half, -1500, 123456789012345, None, 7 * 10**20 + half]
    units += [random.Random(seed).randrange(-(10**18), 10**18) for seed in range(200)]
    frame = pl.DataFrame({"value": pl.Series(units, dtype=pl.Int128)})
    converted = in_values(frame, [ESTIMATE])["value"].to_list()
    expected = [None if u is None else in_value(u, ESTIMATE) for u in units]
    assert converted == expected
    small = pl.DataFrame({"value": pl.Series(units[:9], dtype=pl.Int128)})
    assert in_values(small, [ESTIMATE])["value"].to_list() == expected[:9]
