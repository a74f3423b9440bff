"""Lazy imports: --version, --help and recipes list load no heavy library (Polars and the rest).

Each command runs in a fresh interpreter through ``python -m censusmig``; a wrapper reports
which of the heavy modules ended up in ``sys.modules``. Times are measured in bench/startup.py,
not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import people

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
