"""``--json`` prints on stdout what the Python API returns for the same inputs.

Each command runs as a user runs it (``python -m censusmig`` in a child process, stdout and
stderr apart); its stdout must parse as strict JSON (no NaN) on its own and equal the API's
value, run timings excepted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from censusmig import api
from censusmig.api import ReadOptions
from helpers import SAMPLE_DIR, SAMPLE_PROFILE, people

DATA = SAMPLE_DIR / "census.parquet"
RECIPES = ("nativity_age_sex", "foreign_born_country_of_birth_age_sex")


def run_json(*args: str, code: int = 0) -> Any:
    """Run ``censusmig ARGS``, check its exit code, and parse its stdout as strict JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "censusmig", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr

    def not_json(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(done.stdout, parse_constant=not_json)


def without_timings(manifest: dict[str, Any]) -> dict[str, Any]:
    """A tabulate manifest without the run's timings, which differ from run to run."""
    timings = manifest.pop("timings_seconds")
    assert set(timings) >= {"total"} and all(value >= 0 for value in timings.values())
    return manifest


def test_tabulate_json_is_the_api_manifest(tmp_path: Path) -> None:
    args = ["tabulate", str(DATA), "--profile", str(SAMPLE_PROFILE), "--out", str(tmp_path / "a"),
            "--format", "csv", "--json"]  # fmt: skip
    for recipe in RECIPES:
        args += ["--recipe", recipe]
    from_cli = run_json("--quiet", *args)
    from_api = api.tabulate(
        DATA,
        SAMPLE_PROFILE,
        out=tmp_path / "b",
        recipes=RECIPES,
        formats=("csv",),
        command=["censusmig", "--quiet", *args],
    ).to_dict()
    assert [table["id"] for table in from_cli["tables"]] == list(RECIPES)
    assert from_cli["command"][:3] == ["censusmig", "--quiet", "tabulate"]
    assert without_timings(from_cli) == without_timings(from_api)


def test_tabulate_strict_prints_the_run_that_needs_attention(tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    people([(1, 30, 900), (2, 40, 999), (9, 150, 320)]).write_csv(data)
    args = ["tabulate", str(data), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "a"),
            "-f", "csv", "-r", RECIPES[0], "--strict", "--json"]  # fmt: skip
    from_cli = run_json(*args, code=1)
    with pytest.raises(api.NeedsAttentionError) as raised:
        api.tabulate(
            data,
            SAMPLE_PROFILE,
            out=tmp_path / "b",
            recipes=[RECIPES[0]],
            formats=("csv",),
            strict=True,
            command=["censusmig", *args],
        )
    from_api = raised.value.tabulation.to_dict()
    assert from_cli["attention"]  # the items that make the run fail are in the JSON
    assert without_timings(from_cli) == without_timings(from_api)


def test_check_json_is_the_api_report(tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    people([(1, 30, 900), (2, 40, 999), (9, 150, 320), (1, 2, 320)]).write_csv(data)
    args = ["check", str(data), "--profile", str(SAMPLE_PROFILE), "--json", "--show-ids",
            "--max-ids", "1"]  # fmt: skip
    from_cli = run_json(*args, code=1)  # errors found: exit 1, the report still printed
    from_api = api.check(data, SAMPLE_PROFILE, show_ids=True, max_ids=1).to_dict()
    assert from_cli["problems"] and from_cli["records"] == 4
    assert any(result["ids"] for result in from_cli["results"])
    assert from_cli == from_api


def test_inspect_json_is_the_api_inspection() -> None:
    data = SAMPLE_DIR / "census.sav"  # value labels and missing codes
    from_cli = run_json("inspect", str(data), "--json", "--max-codes", "5")
    from_api = api.inspect(data, max_codes=5)
    assert any(column.get("codes") for column in from_cli["columns"])
    assert from_cli == from_api


def test_inspect_json_follows_the_reading_options(tmp_path: Path) -> None:
    data = tmp_path / "people.txt"
    data.write_bytes("1;Bogotá;10\n2;Lima;11\n3;Bogotá;12\n".encode("latin-1"))
    options = ["--data-format", "csv", "--delimiter", ";", "--encoding", "latin-1",
               "--no-header", "--columns", "ID,CITY,AGE"]  # fmt: skip
    from_cli = run_json("inspect", str(data), "--json", *options)
    from_api = api.inspect(
        data,
        read_options=ReadOptions(
            delimiter=";",
            encoding="latin-1",
            header=False,
            data_format="csv",
            columns=("ID", "CITY", "AGE"),
        ),
    )
    assert [column["name"] for column in from_cli["columns"]] == ["ID", "CITY", "AGE"]
    assert from_cli == from_api


def test_recipes_list_json_is_the_api_list() -> None:
    extra = SAMPLE_DIR / "recipes"
    from_cli = run_json("recipes", "list", "--json", "--recipes-dir", str(extra))
    from_api = api.list_recipes([extra])
    assert len(from_cli) > len(api.list_recipes())  # the extra folder's recipes are there
    assert from_cli == from_api
