"""Identifiers that look like decimals stay distinct (issue 11 follow-up).

A CSV column of ids such as ``"1978.1"`` and ``"1978.10"`` was read as Float64, so both became
1978.1: GSSvocab's ``id`` had 26,810 distinct values for 28,867 records, and a duplicate-person
check counted two different people as one. With a profile, its person and household ids are
read as text; without one (``inspect``, ``profile init``), a decimal column whose texts are more
distinct than its numbers is read as text and said so.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.readers.formats import open_microdata
from censusmig.readers.options import ReadOptions
from helpers import ROOT

GSS = ROOT / "tests" / "data" / "public" / "gss_vocab.csv.gz"


def write_ids(folder: Path) -> Path:
    """The issue's reproduction, with a household id and a weight written as decimals."""
    path = folder / "ids.csv"
    path.write_text(
        '"id","hh","sex","w"\n"1978.1","1.10","1","1.5"\n"1978.10","1.1","2","2.25"\n',
        encoding="utf-8",
    )
    return path


def write_profile(folder: Path) -> Path:
    path = folder / "ids.profile.toml"
    path.write_text(
        "schema_version = 2\n"
        '[census]\nname = "ids"\ncountry = "USA"\nreference_date = 2016-07-01\n'
        'residence_rule_months = 12\n[data]\nperson_id = "id"\nhousehold_id = "hh"\n'
        'weight = "w"\n[concepts.sex]\ncolumn = "sex"\ncodes = { "1" = "M", "2" = "F" }\n',
        encoding="utf-8",
    )
    return path


def test_the_profiles_ids_are_read_as_text(tmp_path: Path) -> None:
    report = api.check(write_ids(tmp_path), write_profile(tmp_path), show_ids=True)
    assert report.result("duplicate_person_id").records == 0
    assert report.result("person_in_two_households").records == 0


def test_text_columns_keep_what_is_written_and_weights_stay_numbers(tmp_path: Path) -> None:
    options = ReadOptions(text_columns=("id", "hh", "absent"))
    with open_microdata(write_ids(tmp_path), options) as source:
        frame = source.frame.collect()
    assert frame.schema["id"] == pl.String and frame["id"].to_list() == ["1978.1", "1978.10"]
    assert frame["hh"].to_list() == ["1.10", "1.1"]
    assert frame.schema["w"] == pl.Float64 and frame.schema["sex"] == pl.Int64


def test_text_columns_by_their_trimmed_names(tmp_path: Path) -> None:
    path = tmp_path / "padded.csv"
    path.write_text(" id , w\n1978.1, 1.5\n1978.10, 2\n", encoding="utf-8")
    with open_microdata(path, ReadOptions(text_columns=("id",))) as source:
        frame = source.frame.collect()
    assert frame["id"].to_list() == ["1978.1", "1978.10"]
    assert frame["w"].to_list() == [1.5, 2.0]


def test_inspect_reads_decimal_codes_as_text_and_says_so(tmp_path: Path) -> None:
    report = api.inspect(write_ids(tmp_path))
    types = {column["name"]: column["type"] for column in report["columns"]}
    distinct = {column["name"]: column["distinct"] for column in report["columns"]}
    assert types["id"] == "String" and distinct["id"] == 2
    assert types["hh"] == "String" and distinct["hh"] == 2
    assert types["w"] == "Float64"  # as many numbers as texts: a quantity, kept a number
    assert report["read_as_text"] == ["id", "hh"]
    result = CliRunner().invoke(app, ["inspect", str(write_ids(tmp_path))])
    assert result.exit_code == 0
    assert "column 'id' read as text: its values are 2 distinct texts but only 1" in (result.stderr)
    assert "1978" not in result.stderr  # no record values in messages


def test_gss_person_ids_are_as_distinct_as_in_the_file() -> None:
    written = pl.read_csv(GSS, infer_schema_length=0)["id"].n_unique()
    assert written == 28_867
    report = api.inspect(GSS)
    column = next(c for c in report["columns"] if c["name"] == "id")
    assert column["type"] == "String" and column["distinct"] == written
    assert report["read_as_text"] == ["id"]
