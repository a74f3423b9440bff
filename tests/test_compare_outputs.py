"""scripts/compare_outputs.py, the check that a refactor publishes the same outputs."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from censusmig import api
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare", ROOT / "scripts/compare_outputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("outputs") / "a"
    api.tabulate(
        SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, out=out, recipes=["nativity_age_sex"]
    )
    return out


def test_the_same_outputs_compare_identical(outputs: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(outputs, tmp_path / "b")
    assert _script().compare(outputs, copy) == []


def test_a_changed_cell_or_a_missing_folder_is_a_difference(outputs: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(outputs, tmp_path / "b")
    table = copy / "csv" / "nativity_age_sex.csv"
    table.write_text(table.read_text().replace("20000", "20001", 1))
    assert _script().compare(outputs, copy) == ["csv/nativity_age_sex.csv: bytes differ"]
    assert "not an output folder" in _script().compare(outputs, tmp_path / "nowhere")[0]
