"""Labelled areas no record uses: listed only when the profile asks for all its labels."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.errors import CensusmigError
from censusmig.profiles.model import read_profile
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

RECIPE = "migratory_status_sex_age_region"
LABELS = ", ".join(f'"{code}" = "State {code}"' for code in range(1, 61))


def _profile(folder: Path, extra: str = "") -> Path:
    """The sample profile with 60 labelled region codes (a codebook for the whole country)."""
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    text, found = re.subn(
        r'(column = "REGION", )labels = \{[^}]*\}', rf"\1labels = {{ {LABELS} }}{extra}", text
    )
    assert found == 1
    path = folder / "states.profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sample records of five regions only (an extract of five states)."""
    path = tmp_path_factory.mktemp("states") / "five.parquet"
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet").head(4000)
    frame.filter(pl.col("REGION") <= 5).write_parquet(path)
    return path


def _regions(data: Path, profile: Path) -> list[str]:
    tabulation = api.tabulate(data, profile, recipes=[RECIPE], formats=(), edit_checks=False)
    cells = tabulation.tables[0].cells
    return list(dict.fromkeys(cells["region"].to_list()))


def test_only_the_observed_labelled_codes_are_listed(data: Path, tmp_path: Path) -> None:
    assert _regions(data, _profile(tmp_path)) == ["_T", "1", "2", "3", "4", "5", "_U"]


def test_all_labels_lists_every_labelled_code(data: Path, tmp_path: Path) -> None:
    regions = _regions(data, _profile(tmp_path, ", all_labels = true"))
    assert regions == ["_T", *(str(code) for code in range(1, 61)), "_U"]


def test_all_labels_must_be_true_or_false(tmp_path: Path) -> None:
    with pytest.raises(CensusmigError, match=r"geography\.levels\[0\]\.all_labels"):
        read_profile(_profile(tmp_path, ', all_labels = "yes"'))
