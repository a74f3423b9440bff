"""Lazy imports: --version, --help and recipes list load no heavy library (Polars and the rest).

Each command runs in a fresh interpreter through ``python -m censusmig``; a wrapper reports
which of the heavy modules ended up in ``sys.modules``. Times are measured in bench/startup.py,
not here. A run on a Parquet file reads its key-value metadata through Polars and never loads
pyarrow (with numpy, 0.1-0.2 s of imports) nor the fixed-width readers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from censusmig import api
from censusmig.readers.formats import parquet_metadata
from censusmig.readers.meta import PARQUET_KEY, Metadata
from helpers import SAMPLE_DIR, SAMPLE_PROFILE, people

HEAVY = ("polars", "openpyxl", "jinja2", "pyarrow", "pycountry", "numpy", "pyreadstat", "ipumspy")

WRAPPER = """
import json, runpy, sys
report, heavy = sys.argv[1], sys.argv[2].split(",")
sys.argv = ["censusmig", *sys.argv[3:]]
code = 0
try:
    runpy.run_module("censusmig", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code or 0
with open(report, "w") as handle:
    json.dump({"code": code, "loaded": [name for name in heavy if name in sys.modules]}, handle)
"""


def loaded_by(tmp_path: Path, *command: str) -> tuple[list[str], str]:
    """Run ``censusmig COMMAND`` in a fresh interpreter; the heavy modules it loaded, stdout."""
    report = tmp_path / "report.json"
    completed = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(report), ",".join(HEAVY), *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(report.read_text())
    assert result["code"] == 0, completed.stderr
    return result["loaded"], completed.stdout


@pytest.mark.parametrize(
    "command",
    [["--version"], ["--help"], ["recipes", "list"], ["recipes", "list", "--json"]],
    ids=" ".join,
)
def test_talking_commands_load_no_heavy_library(tmp_path: Path, command: list[str]) -> None:
    loaded, stdout = loaded_by(tmp_path, *command)
    assert stdout.strip(), "the command printed nothing"
    assert loaded == []


def test_the_wrapper_sees_a_command_that_reads_data(tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    people([(1, 30, 900)]).write_csv(data)
    loaded, stdout = loaded_by(tmp_path, "inspect", str(data))
    assert "1 records" in stdout
    assert "polars" in loaded


TABULATE = """
import json, sys
from pathlib import Path
from censusmig import api
from censusmig.readers.formats import open_microdata
report, data, profile, out, heavy = sys.argv[1:6]
with open_microdata(Path(data)) as source:
    labels = dict(source.meta.value_labels.get("SEX", {}))
run = api.tabulate(data, profile, out=out)
with open(report, "w") as handle:
    json.dump(
        {
            "labels": labels,
            "tables": len(run.tables),
            "loaded": [name for name in heavy.split(",") if name in sys.modules],
        },
        handle,
    )
"""


@pytest.mark.parametrize("source", ["census.sav", "census.csv"])
def test_tabulate_on_parquet_loads_no_pyarrow(tmp_path: Path, source: str) -> None:
    # convert writes the metadata through pyarrow's schema (SPSS) or Polars' sink (CSV)
    data = tmp_path / "census.parquet"
    api.convert(SAMPLE_DIR / source, data)
    report = tmp_path / "report.json"
    watched = ("pyarrow", "numpy", "pyreadstat", "censusmig.readers.fixedwidth")
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            TABULATE,
            str(report),
            str(data),
            str(SAMPLE_PROFILE),
            str(tmp_path / "out"),
            ",".join(watched),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(report.read_text())
    assert result["tables"] > 0
    if source == "census.sav":
        assert result["labels"] == {"1": "Male", "2": "Female", "9": "Not stated"}
    # openpyxl loads numpy when it is installed (to recognise its numbers): only pyarrow,
    # pyreadstat and the fixed-width readers are never needed on Parquet
    assert [name for name in result["loaded"] if name != "numpy"] == []


def test_parquet_metadata_written_by_pyarrow_and_polars(tmp_path: Path) -> None:
    meta = Metadata("sav", {"SEX": "Sex"}, {"SEX": {"1": "Male", "2": "Femme é"}})
    by_pyarrow = tmp_path / "pyarrow.parquet"
    table = pa.table({"SEX": [1, 2]})
    pq.write_table(table.replace_schema_metadata({PARQUET_KEY: meta.to_json()}), by_pyarrow)
    by_polars = tmp_path / "polars.parquet"
    pl.LazyFrame({"SEX": [1, 2]}).sink_parquet(
        by_polars, metadata={PARQUET_KEY.decode(): meta.to_json().decode("utf-8")}
    )
    assert parquet_metadata(by_pyarrow) == meta
    assert parquet_metadata(by_polars) == meta
    plain = tmp_path / "plain.parquet"
    pl.DataFrame({"SEX": [1]}).write_parquet(plain)
    assert parquet_metadata(plain) == Metadata("parquet")


def test_parquet_metadata_beside_bytes_polars_refuses(tmp_path: Path) -> None:
    # Polars reads key-value metadata as text and refuses bytes that are not UTF-8; the
    # file is valid Parquet, so its metadata are read again through pyarrow
    meta = Metadata("dta", value_labels={"SEX": {"1": "Male"}})
    path = tmp_path / "binary.parquet"
    table = pa.table({"SEX": [1]})
    stored = {b"other": b"\xff\xfe\x00", PARQUET_KEY: meta.to_json()}
    pq.write_table(table.replace_schema_metadata(stored), path)
    with pytest.raises(pl.exceptions.ComputeError):
        pl.read_parquet_metadata(path)
    assert parquet_metadata(path) == meta


@pytest.mark.parametrize("damage", ["empty", "truncated", "text"])
def test_parquet_metadata_of_a_damaged_file_are_empty(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "damaged.parquet"
    whole = tmp_path / "whole.parquet"
    pl.DataFrame({"SEX": [1, 2]}).write_parquet(whole)
    content = {
        "empty": b"",
        "truncated": whole.read_bytes()[:-20],
        "text": b"not a Parquet file PAR1",
    }[damage]
    path.write_bytes(content)
    assert parquet_metadata(path) == Metadata("parquet")
