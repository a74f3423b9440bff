"""Helpers shared by tests: paths and small handmade person files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "sample_microdata"
SAMPLE_PROFILE = SAMPLE_DIR / "census.profile.toml"
SHARED = ROOT.parent / "shared"

COLUMNS = ("PERSON_ID", "HH_ID", "REGION", "DISTRICT", "SEX", "AGE", "POB", "CIT", "MOTHER_POB",
           "FATHER_POB", "YOA")  # fmt: skip


def people(
    rows: Sequence[tuple[int, int, int]], weights: Sequence[float] | None = None
) -> pl.DataFrame:
    """A person file with the sample's columns from (SEX, AGE, POB) triples."""
    n = len(rows)
    frame = pl.DataFrame(
        {
            "PERSON_ID": list(range(1, n + 1)),
            "HH_ID": list(range(1, n + 1)),
            "REGION": [1] * n,
            "DISTRICT": [101] * n,
            "SEX": [r[0] for r in rows],
            "AGE": [r[1] for r in rows],
            "POB": [r[2] for r in rows],
            "CIT": [900] * n,
            "MOTHER_POB": [900] * n,
            "FATHER_POB": [900] * n,
            "YOA": [9998] * n,
        },
        schema={name: pl.Int64 for name in COLUMNS},
    )
    if weights is not None:
        frame = frame.with_columns(pl.Series("WEIGHT", list(weights), dtype=pl.Float64))
    return frame
