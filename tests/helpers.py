"""Helpers shared by tests: paths and small handmade person files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from censusmig.synth import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_microdata"
SAMPLE_PROFILE = SAMPLE_DIR / "census.profile.toml"
SHARED = ROOT.parent / "shared"

# A plain native-born adult who never moved: every column of the sample census.
DEFAULTS = {
    "RELATIONSHIP": 1, "REGION": 1, "DISTRICT": 101, "YOB": 1990, "REGION_BIRTH": 1,
    "CIT": 900, "CIT_ACQ": 1, "YOA": 9998, "RES1": 1, "REG1": 1, "CNT1": 888, "RES5": 1,
    "REG5": 1, "CNT5": 888, "REASON": 8, "MOTHER_POB": 900, "FATHER_POB": 900, "EDUC": 3,
    "DISABILITY": 2,
}  # fmt: skip


def people(
    rows: Sequence[tuple[int, int, int]],
    weights: Sequence[float] | None = None,
    **columns: Sequence[int],
) -> pl.DataFrame:
    """A person file with the sample's columns from (SEX, AGE, POB) triples.

    Other columns take :data:`DEFAULTS` unless given as keyword arguments (one value a row).
    """
    n = len(rows)
    data: dict[str, Sequence[int]] = {
        "PERSON_ID": list(range(1, n + 1)),
        "HH_ID": list(range(1, n + 1)),
        "SEX": [r[0] for r in rows],
        "AGE": [r[1] for r in rows],
        "POB": [r[2] for r in rows],
    }
    for name, value in DEFAULTS.items():
        data[name] = list(columns.get(name, [value] * n))
    frame = pl.DataFrame(
        {name: data[name] for name in COLUMNS}, schema=dict.fromkeys(COLUMNS, pl.Int64)
    )
    if weights is not None:
        frame = frame.with_columns(pl.Series("WEIGHT", list(weights), dtype=pl.Float64))
    return frame
