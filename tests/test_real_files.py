"""Files written by others, end to end: SPSS/Stata from pyreadstat's test data, an IPUMS DDI
extract with its fixed-width data, and the EPH survey (inspect, profile init, check, convert,
tabulate). Sources and licences: tests/data/README.md and tests/data/spss/README.md."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pyreadstat
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.profiles.model import read_profile
from censusmig.readers.formats import open_microdata
from helpers import ROOT, SHARED

DATA = ROOT / "tests" / "data"
SPSS = DATA / "spss" / "sample_missing.sav"

SEX_BY_AGE = """
schema_version = 1
id = "sex_by_age_group"
title = "Persons by sex and broad age group"
description = "A small recipe for files that carry only sex and age."
standard = ["test recipe"]
universe = { label = "Everyone", where = [] }
rows = ["sex"]
columns = ["broad_age_group"]
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def recipes(tmp_path: Path) -> Path:
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "sex_by_age_group.toml").write_text(SEX_BY_AGE)
    return folder


# --- SPSS file written by others -------------------------------------------------------------


def test_spss_by_others_inspect_shows_labels_and_missing_codes() -> None:
    report = api.inspect(SPSS)
    assert report["records"] == 7 and report["format"] == "sav"
    columns = {c["name"]: c for c in report["columns"]}
    codes = {c["code"]: (c["count"], c.get("label")) for c in columns["mylabl"]["codes"]}
    assert codes["1"] == (3, "Male") and codes["2"] == (2, "Female")
    assert codes["-1"] == (1, "undetermined")  # a user-missing code stays a code
    assert columns["mychar"]["kind"] == "text" and "codes" not in columns["mychar"]


def test_spss_by_others_end_to_end(tmp_path: Path, recipes: Path) -> None:
    draft = tmp_path / "draft.toml"
    code, _, stderr = invoke("profile", "init", str(SPSS), "--out", str(draft), "--country", "GBR")
    assert code == 0, stderr
    read_profile(draft)  # the draft validates as written

    profile = tmp_path / "reviewed.toml"
    profile.write_text(
        'schema_version = 2\n[census]\nname = "pyreadstat sample"\ncountry = "GBR"\n'
        "reference_date = 2018-05-06\n[concepts]\n"
        'sex = { column = "mylabl", codes = { "1" = "M", "2" = "F" }, not_stated = ["-1"] }\n'
        'age = { column = "myord" }\n'
    )
    target = tmp_path / "converted.parquet"
    assert api.convert(SPSS, target).records == 7
    direct = api.tabulate(SPSS, profile, recipes=["sex_by_age_group"], recipes_dirs=[recipes])
    via_parquet = api.tabulate(
        target, profile, recipes=["sex_by_age_group"], recipes_dirs=[recipes]
    )
    assert direct.tables[0].cells.equals(via_parquet.tables[0].cells)

    # the oracle: pyreadstat's own reading of the file
    frame, _ = pyreadstat.read_sav(str(SPSS), user_missing=True, output_format="polars")
    expected = frame.group_by("mylabl").len().sort("mylabl")
    cells = direct.tables[0].cells.filter(pl.col("broad_age_group") == "_T")
    found = dict(zip(cells["sex"], cells["n_unweighted"], strict=True))
    by_code = {row["mylabl"]: row["len"] for row in expected.iter_rows(named=True)}
    assert found["M"] == by_code[1.0] and found["F"] == by_code[2.0]
    assert found["_U"] == by_code[-1.0] + by_code[None]  # declared missing and empty
    assert found["_T"] == 7

    # myord's -1 and -3 are SPSS missing codes the reviewed profile did not declare for age
    report = {r.id: r for r in api.check(SPSS, profile).results}
    assert report["age_out_of_range"].records == frame.filter(pl.col("myord") < 0).height == 2
    assert report["unknown_code"].detail == {"myord=-1": 1, "myord=-3": 1}


def test_stata_by_others_labels_survive_conversion(tmp_path: Path) -> None:
    target = tmp_path / "stata.parquet"
    api.convert(DATA / "spss" / "sample.dta", target)
    with open_microdata(target) as source:
        assert source.meta.value_labels["myord"] == {"1": "low", "2": "medium", "3": "high"}
        assert source.frame.select(pl.len()).collect().item() == 5


# --- EPH Argentina -----------------------------------------------------------------------------

EPH = SHARED / "real_microdata" / "eph-argentina-2016" / "eph_individual_2016_q4.csv"
EPH_PROFILE = ROOT / "profiles" / "eph_argentina_2016.toml"


def need_eph() -> None:
    if not EPH.is_file():
        if os.environ.get("CENSUSMIG_REQUIRE_REAL_DATA") == "1":
            pytest.fail(f"real data required but absent: {EPH}")
        pytest.skip("../shared/real_microdata is not beside this clone")


def test_eph_inspect_on_the_command_line() -> None:
    need_eph()
    code, stdout, stderr = invoke("inspect", str(EPH), "--json")
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report == api.inspect(EPH)  # --json is what the API returns
    assert report["records"] == 2_000
    ch15 = next(c for c in report["columns"] if c["name"] == "CH15")
    counts = {c["code"]: c["count"] for c in ch15["codes"]}
    assert counts == {"1": 1475, "2": 183, "3": 269, "4": 52, "5": 20, "9": 1}
    guessed = {g["column"]: g["concept"] for g in report["migration_columns"]}
    assert guessed["CH15"] == "country_of_birth" and guessed["CH16"] == "residence_5_years_ago"


def test_eph_profile_init_drafts_a_valid_profile(tmp_path: Path) -> None:
    need_eph()
    out = tmp_path / "eph.toml"
    code, stdout, stderr = invoke("profile", "init", str(EPH), "--out", str(out))
    assert code == 0, stderr
    assert stdout.strip() == str(out)
    draft = read_profile(out)
    assert draft.weight == "PONDERA"
    assert draft.concepts["sex"].column == "CH04" and draft.concepts["age"].column == "CH06"
    code, _, stderr = invoke("profile", "init", str(EPH), "--out", str(out))
    assert code == 2 and "--force" in stderr


def test_the_committed_eph_draft_is_what_profile_init_writes(tmp_path: Path) -> None:
    need_eph()
    out = tmp_path / "draft.toml"
    api.init_profile(EPH, out)
    committed = ROOT / "profiles" / "drafts" / "eph_argentina_2016_q4.draft.toml"
    assert out.read_text() == committed.read_text()
    # the committed draft is unreviewed: it checks, but no table is published from it
    assert read_profile(committed).placeholders == ("census.country", "census.reference_date")
    code, stdout, stderr = invoke("tabulate", str(EPH), "-p", str(committed), "-o", str(tmp_path))
    assert (code, stdout) == (2, "") and "census.reference_date: still the draft's" in stderr


def test_eph_check_and_convert(tmp_path: Path) -> None:
    need_eph()
    report = api.check(EPH, EPH_PROFILE)
    results = {r.id: r for r in report.results}
    assert report.records == 2_000
    assert results["duplicate_person_id"].records == 0
    nesting = results["person_in_two_households"]
    assert (nesting.records, nesting.skipped) == (0, None)  # CODUSU + NRO_HOGAR in the person id
    assert results["weight_missing"].records == 0 and results["weight_not_positive"].records == 0
    target = tmp_path / "eph.parquet"
    api.convert(EPH, target, profile=EPH_PROFILE)
    direct = api.tabulate(EPH, EPH_PROFILE)
    converted = api.tabulate(target, EPH_PROFILE)
    for a, b in zip(direct.tables, converted.tables, strict=True):
        assert a.cells.equals(b.cells)
    weighted = direct.manifest["input"]["weighted_records"]
    assert weighted == 929_754  # the README's sum of PONDERA for Q4


def test_eph_check_on_the_command_line_is_clean_and_equals_the_api() -> None:
    need_eph()
    code, stdout, stderr = invoke("check", str(EPH), "-p", str(EPH_PROFILE), "--json")
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report == api.check(EPH, EPH_PROFILE).to_dict()
    ran = [r for r in report["results"] if not r["skipped"]]
    assert {r["id"] for r in ran} >= {"unknown_code", "age_out_of_range", "residence_5y_under_5"}
    assert all(r["records"] == 0 for r in ran)
    skipped = {r["id"] for r in report["results"] if r["skipped"]}
    assert "arrival_before_birth" in skipped  # the EPH asks no year of arrival


def test_eph_with_planted_errors_reports_each_once_with_ids(tmp_path: Path) -> None:
    need_eph()
    frame = pl.read_csv(EPH, infer_schema_length=10_000)
    first_child = frame.with_row_index().filter(pl.col("CH06").is_between(1, 4))["index"][0]
    row = pl.int_range(pl.len())
    dirty = frame.with_columns(
        pl.when(row == 10).then(7).otherwise(pl.col("CH16")).alias("CH16"),  # no such answer
        pl.when(row == 20).then(130).otherwise(pl.col("CH06")).alias("CH06"),  # age 130
    ).with_columns(
        pl.when(row == first_child).then(1).otherwise(pl.col("CH16")).alias("CH16")
    )  # a child under 5 "living here five years ago"
    path = tmp_path / "dirty.csv"
    dirty.write_csv(path)
    report = api.check(path, EPH_PROFILE, show_ids=True)
    results = {r.id: r for r in report.results}
    # CH16 feeds two concepts (residence and the gate of the country): counted once
    assert results["unknown_code"].detail == {"CH06=130": 1, "CH16=7": 1}
    assert results["unknown_code"].records == 2
    assert results["age_out_of_range"].records == 1
    assert results["residence_5y_under_5"].records == 1
    key = dirty.row(first_child, named=True)
    assert results["residence_5y_under_5"].ids == (
        f"{key['CODUSU']}-{key['NRO_HOGAR']}-{key['COMPONENTE']}",
    )
    assert report.problems


# --- IPUMS DDI + fixed-width extract --------------------------------------------------------

IPUMS = DATA / "ipums" / "cps_00160.xml"
IPUMS_PROFILE = """
schema_version = 2
[census]
name = "IPUMS CPS ASEC 2016 extract cps_00160 (ipumsr example data)"
country = "USA"
reference_date = 2016-03-01
[data]
person_id = ["SERIAL", "PERNUM"]
weight = "ASECWT"
[geography]
levels = [{ name = "region", column = "STATEFIP" }]   # state names come from the DDI labels
[concepts]
age = { column = "AGE" }
# MIGRATE1: 0 NIU (under 1), 1 same house, 2 moved (place not reported), 3 within county,
# 4 within state, 5 between states, 6 abroad, 9 unknown
residence_1_year_ago = { column = "MIGRATE1", codes = { "1" = "same_dwelling", "3" = "same_area", "6" = "abroad" }, code_groups = [{ codes = ["4", "5"], standard = "other_area" }], not_applicable = ["0"], not_stated = ["2", "9"] }
"""  # noqa: E501

RESIDENCE_BY_STATE = """
schema_version = 1
id = "residence_1_year_ago_by_state"
title = "Persons by place of residence one year ago and state"
description = "Residence one year ago by state of residence, weighted."
standard = ["test recipe"]
universe = { label = "Everyone", where = [] }
rows = ["region"]
columns = ["residence_1_year_ago"]
"""


@pytest.mark.filterwarnings("ignore:Use of data from IPUMS")  # cited in tests/data/README.md
def test_ipums_ddi_extract_end_to_end(tmp_path: Path) -> None:
    from ipumspy import readers

    profile = tmp_path / "cps.toml"
    profile.write_text(IPUMS_PROFILE)
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "residence_1_year_ago_by_state.toml").write_text(RESIDENCE_BY_STATE)

    code, stdout, stderr = invoke("inspect", str(IPUMS), "--json")
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["records"] == 10_883 and report["format"] == "ddi"

    run = api.tabulate(
        IPUMS, profile, recipes=["residence_1_year_ago_by_state"], recipes_dirs=[folder]
    )
    assert run.reconciles
    cells = run.tables[0].cells

    # the oracle: ipumspy's own reader on the same extract
    ddi = readers.read_ipums_ddi(IPUMS)
    oracle = pl.from_pandas(readers.read_microdata(ddi, DATA / "ipums" / "cps_00160.dat.gz"))
    total = cells.filter((pl.col("region") == "_T") & (pl.col("residence_1_year_ago") == "_T"))
    assert total["n_unweighted"].item() == oracle.height == 10_883
    assert total["value"].item() == pytest.approx(oracle["ASECWT"].sum(), abs=0.01)
    by_answer = cells.filter(pl.col("region") == "_T")
    found = dict(zip(by_answer["residence_1_year_ago"], by_answer["n_unweighted"], strict=True))
    counts = oracle.group_by("MIGRATE1").len()
    expected = dict(zip(counts["MIGRATE1"].cast(pl.Int64), counts["len"], strict=True))
    assert found["same_dwelling"] == expected[1] and found["abroad"] == expected[6]
    assert found["other_area"] == expected[4] + expected[5]
    assert found["_Z"] == expected[0]
    # The DDI labels every state; the table lists only the states of the extract's records.
    states = set(cells["region_label"]) - {"Total", "Not stated"}
    assert "Minnesota" in states and "California" not in states
    assert len(states) == oracle["STATEFIP"].n_unique()

    report_checks = api.check(IPUMS, profile)
    ids = {r.id: r for r in report_checks.results}
    assert ids["duplicate_person_id"].records == 0
    assert ids["weight_missing"].records == 0
