"""``profile init`` drafts a survey's [design]: replicate weights it finds, else a choice."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from censusmig import api
from censusmig.profiles.draft import replicate_guess
from censusmig.profiles.model import read_profile


def _draft(tmp_path: Path, frame: pl.DataFrame) -> str:
    data = tmp_path / "survey.parquet"
    frame.write_parquet(data)
    out = tmp_path / "draft.toml"
    api.init_profile(data, out)
    return out.read_text(encoding="utf-8")


def test_acs_replicate_weights_are_drafted_as_sdr(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "SERIALNO": [1, 2, 3, 4],
            "SPORDER": [1, 1, 1, 1],
            "SEX": [1, 2, 1, 2],
            "AGEP": [30, 40, 5, 70],
            "PWGTP": [10, 20, 30, 40],
            **{f"PWGTP{i}": [10, 21, 29, 40] for i in range(1, 81)},
        }
    )
    text = _draft(tmp_path, frame)
    assert 'method = "sdr"\nreplicate_weights = "PWGTP1..PWGTP80"' in text
    assert "PWGTP17" not in text.split("Columns not used above")[-1]
    design = read_profile(tmp_path / "draft.toml").design
    assert design is not None and len(design.replicates) == 80
    assert design.scale == 4 / 80


def test_a_weight_without_replicates_gets_a_commented_choice(tmp_path: Path) -> None:
    frame = pl.DataFrame({"SEX": [1, 2], "AGE": [30, 40], "PONDERA": [100, 200]})
    text = _draft(tmp_path, frame)
    assert '# method = "taylor"' in text and '# method = "none"' in text
    profile = read_profile(tmp_path / "draft.toml")
    assert profile.weight == "PONDERA" and profile.design is None


def test_replicate_guess() -> None:
    names = ["PERWT", *(f"REPWTP{i}" for i in range(1, 81)), "X1", "X2", "X3", "X4"]
    assert replicate_guess("PERWT", names) == ("REPWTP1..REPWTP80", 80)
    assert replicate_guess("W", ["W1", "W2", "W3"]) is None  # fewer than 4
    assert replicate_guess("W", ["W1", "W2", "W4", "W5"]) is None  # a gap
    assert replicate_guess("W", ["X1", "X2", "X3", "X4"]) is None  # not named as a weight
    assert replicate_guess("WGT", ["RWGT1", "RWGT2", "RWGT3", "RWGT4"]) == ("RWGT1..RWGT4", 4)
