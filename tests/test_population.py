"""Population filters on source columns (issue 11, class 6).

A profile's ``[population]`` keeps usual residents (``POPBASE = 1``) out of every table while
the file totals still count every record; the run record, the data-quality rows and, above a
threshold, the attention summary report the records outside. Recipe universes may test any
concept a profile maps. Each test failed before: ``[population]`` was an unknown key and
``citizenship_acquisition`` an unknown universe field.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.classifications.codes import TOTAL
from censusmig.cli.main import app
from censusmig.errors import SpecError
from censusmig.profiles.model import read_profile
from censusmig.protection import attention
from censusmig.renderers.quality import quality_rows
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

RECORDS = 400
OUTSIDE = (5, 50, 300)


def grand_total(cells: pl.DataFrame) -> int:
    levels = [c for c in cells.columns if cells[c].dtype == pl.String and not c.endswith("_label")]
    grand = cells.filter(pl.all_horizontal(pl.col(c) == TOTAL for c in levels))
    return int(grand["n_unweighted"].item())


def with_population(tmp_path: Path, population: str, name: str = "pop") -> Path:
    """The sample profile with a ``[population]`` table before ``[geography]``."""
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    text = text.replace("[geography]", f"[population]\n{population}\n\n[geography]", 1)
    path = tmp_path / f"{name}.profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """The first records of the sample with POPBASE (1 usual resident, 2 not) and a text flag."""
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet").head(RECORDS)
    outside = pl.int_range(pl.len()).is_in(OUTSIDE)
    frame = frame.with_columns(
        pl.when(outside).then(2).otherwise(1).alias("POPBASE"),
        pl.when(outside).then(pl.lit("V")).otherwise(pl.lit(" P ")).alias("Record type"),
    )
    path = tmp_path / "census.parquet"
    frame.write_parquet(path)
    frame.filter(~outside).drop("POPBASE", "Record type").write_parquet(tmp_path / "inside.parquet")
    return path


@pytest.mark.parametrize(
    "population",
    [
        'label = "usual residents"\nconditions = ["POPBASE = 1"]',
        'label = "usual residents"\n'
        'conditions = ["POPBASE in 1, 3", "POPBASE != 2", "POPBASE < 2"]',
        'label = "usual residents"\n'
        'conditions = [{ column = "Record type", operator = "in", values = ["P", "Q, not V"] }]',
    ],
    ids=["equals", "in-not-ordering", "table-form-text"],
)
def test_every_table_counts_the_population_and_the_record_reports_the_rest(
    tmp_path: Path, data: Path, population: str
) -> None:
    profile = with_population(tmp_path, population)
    run = api.tabulate(data, profile)
    assert run.reconciles and len(run.tables) >= 10
    alone = api.tabulate(tmp_path / "inside.parquet", SAMPLE_PROFILE)
    for table, expected in zip(run.tables, alone.tables, strict=True):
        assert table.cells.equals(expected.cells), table.recipe_id
    for table_id in ("nativity_age_sex", "citizenship_status_age_sex", "generation_age_sex"):
        table = next(t for t in run.tables if t.recipe_id == table_id)
        assert grand_total(table.cells) == RECORDS - len(OUTSIDE)

    facts = run.manifest["input"]
    assert facts["records"] == RECORDS  # the file totals count every record
    assert facts["population"] == "usual residents"
    assert facts["records_outside_population"] == len(OUTSIDE)
    assert facts["weighted_outside_population"] == len(OUTSIDE)
    row = ["Records outside the population (usual residents), in no table", "note", 3, ""]
    assert row in quality_rows(run.record)
    assert not [item for item in run.attention if item.kind == "population"]


def test_a_population_leaving_out_half_the_file_needs_attention(tmp_path: Path, data: Path) -> None:
    profile = with_population(tmp_path, 'label = "usual residents"\nconditions = ["POPBASE = 2"]')
    run = api.tabulate(data, profile, recipes=["nativity_age_sex"])
    assert run.manifest["input"]["records_outside_population"] == RECORDS - len(OUTSIDE)
    (item,) = [item for item in run.attention if item.kind == "population"]
    assert item.records == RECORDS - len(OUTSIDE)
    assert item.share is not None and item.share >= attention.OUTSIDE_POPULATION_SHARE
    assert "usual residents" in item.message

    # Without a population, run.json keeps its keys and the quality rows theirs.
    run = api.tabulate(data, SAMPLE_PROFILE, recipes=["nativity_age_sex"])
    assert "records_outside_population" not in run.manifest["input"]
    assert not any("outside the population" in str(row[0]) for row in quality_rows(run.record))


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_an_unknown_population_column_stops_with_the_key_and_nearest_column(
    tmp_path: Path, data: Path
) -> None:
    profile = with_population(tmp_path, 'label = "usual residents"\nconditions = ["POPBASF = 1"]')
    code, _, stderr = invoke("tabulate", str(data), "-p", str(profile), "-o", str(tmp_path / "o"))
    assert code == 2
    text = " ".join(stderr.split())
    assert "population.conditions[0]" in text and "'POPBASF'" in text
    assert "nearest column: 'POPBASE'" in text


@pytest.mark.parametrize(
    ("population", "key", "words"),
    [
        ('conditions = ["POPBASE == 1"]', "population.conditions[0]", "unknown operator"),
        ('conditions = ["POPBASE >= usual"]', "population.conditions[0]", "one number"),
        ('conditions = ["POPBASE"]', "population.conditions[0]", "not a condition"),
        (
            'conditions = [{ column = "POPBASE", operator = "=>", values = ["1"] }]',
            "population.conditions[0]",
            "unknown operator",
        ),
        ("conditions = []", "population.conditions", "list of conditions"),
        ('conditions = ["POPBASE = 1"]\nwhere = 1', "population.where", "unknown key"),
    ],
)
def test_a_bad_population_is_a_clean_error_naming_the_key(
    tmp_path: Path, data: Path, population: str, key: str, words: str
) -> None:
    profile = with_population(tmp_path, f'label = "usual residents"\n{population}')
    with pytest.raises(SpecError) as raised:
        read_profile(profile)
    assert key in str(raised.value) and words in str(raised.value)
    code, _, stderr = invoke("tabulate", str(data), "-p", str(profile), "-o", str(tmp_path / "o"))
    assert code == 2 and key in " ".join(stderr.split())


def test_a_bad_operator_names_the_nearest_one(tmp_path: Path) -> None:
    profile = with_population(tmp_path, 'label = "x"\nconditions = ["POPBASE == 1"]')
    with pytest.raises(SpecError) as raised:
        read_profile(profile)
    assert "'='" in str(raised.value) or '"="' in str(raised.value)


RECIPE = """schema_version = 1
id = "{id}"
title = "Test"
description = "Test"
standard = ["test"]
universe = {{ label = "test", where = [{where}] }}
rows = ["sex"]
"""


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('"citizenship_acquisition = by_naturalisation"', pl.col("CIT_ACQ") == 2),
        ('"country_5_years_ago != _Z, _U"', ~pl.col("CNT5").is_in([888, 998])),
        ('"region_1_year_ago in 3, 4"', pl.col("REG1").is_in([3, 4])),
        ('"educational_attainment in ED5, ED6, ED7, ED8"', pl.col("EDUC").is_in([5, 6, 7, 8])),
    ],
    ids=["category", "country", "area", "attainment"],
)
def test_a_universe_may_test_any_concept(
    tmp_path: Path, data: Path, where: str, expected: pl.Expr
) -> None:
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "by_concept.toml").write_text(RECIPE.format(id="by_concept", where=where))
    run = api.tabulate(data, SAMPLE_PROFILE, recipes=["by_concept"], recipes_dirs=[folder])
    wanted = pl.read_parquet(data).filter(expected).height
    assert 0 < wanted < RECORDS
    assert grand_total(run.tables[0].cells) == wanted


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ('"citizenship_acquisition = by_marriage"', "unknown citizenship_acquisition category"),
        ('"country_1_year_ago = Mexico"', "ISO alpha-3"),
        ('"region_1_year_ago >= 3"', "use =, != or in"),
    ],
)
def test_a_bad_concept_condition_is_reported(tmp_path: Path, where: str, words: str) -> None:
    from censusmig.recipes.model import read_recipe

    path = tmp_path / "bad.toml"
    path.write_text(RECIPE.format(id="bad", where=where))
    with pytest.raises(SpecError, match=words):
        read_recipe(path)


@pytest.mark.parametrize("code", ["P", "1.5"])
def test_a_code_that_cannot_be_in_a_number_column_is_refused(
    tmp_path: Path, data: Path, code: str
) -> None:
    # POPBASE holds whole numbers: "P" or "1.5" would match no record and empty every table.
    profile = with_population(
        tmp_path, f'label = "usual residents"\nconditions = ["POPBASE = {code}"]'
    )
    code_out, out, err = invoke(
        "tabulate", str(data), "-p", str(profile), "-o", str(tmp_path / "o")
    )
    assert code_out == 2, err
    assert "population.conditions[0]" in err and f"'{code}' can match no record" in err
    assert not (tmp_path / "o").exists()
