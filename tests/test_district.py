"""The district dimension: region > district, each district under the region its records give."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.classifications.codes import NOT_STATED, TOTAL, UNKNOWN_CODE
from censusmig.cli.main import app
from censusmig.errors import InputError, RecipeNotServedError
from censusmig.protection.equations import margin_equations
from censusmig.tables.table import Table
from helpers import SAMPLE_DIR, SAMPLE_PROFILE, people

RECIPES = SAMPLE_DIR / "recipes"
DISTRICT_RECIPES = (
    "nativity_sex_district",
    "foreign_born_region_of_birth_district",
    "migratory_status_age_district",
)
DISTRICT_LINE = '    { name = "district", column = "DISTRICT" },\n'


@pytest.fixture(scope="module")
def tables() -> dict[str, Table]:
    """The example district recipes and the table by region, on the sample census."""
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        recipes=[*DISTRICT_RECIPES, "migratory_status_sex_age_region"],
        recipes_dirs=[RECIPES],
        edit_checks=False,
    )
    return {table.recipe_id: table for table in run.tables}


def _profile(tmp_path: Path, district_line: str) -> Path:
    """The sample profile with its district level replaced by ``district_line``."""
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    assert DISTRICT_LINE in text
    path = tmp_path / "census.profile.toml"
    path.write_text(text.replace(DISTRICT_LINE, district_line), encoding="utf-8")
    return path


def _at_margin(table: Table, *levels: str) -> pl.DataFrame:
    """The cells with every level but ``levels`` at its total."""
    others = [name for name in table.level_columns if name not in levels]
    return table.cells.filter(*(pl.col(name) == TOTAL for name in others))


@pytest.mark.parametrize("recipe_id", DISTRICT_RECIPES)
def test_every_margin_equation_holds(tables: dict[str, Table], recipe_id: str) -> None:
    table = tables[recipe_id]
    assert table.level_columns[:2] == ("region", "district")
    values = table.cells["value"].to_list()
    counts = table.cells["n_unweighted"].to_list()
    equations = margin_equations(table)
    assert equations
    for equation in equations:
        assert values[equation.total] == sum(values[row] for row in equation.parts)
        assert counts[equation.total] == sum(counts[row] for row in equation.parts)
    # Among them: each region's subtotal = its districts, the country = its regions.
    region, district = table.cells["region"].to_list(), table.cells["district"].to_list()
    others = [name for name in table.level_columns if name not in ("region", "district")]
    grand = table.cells.with_row_index().filter(*(pl.col(name) == TOTAL for name in others))
    by_row = {int(r): (region[r], district[r]) for r in grand["index"]}
    hierarchy = [e for e in equations if {e.total, *e.parts} <= set(by_row)]
    country = [e for e in hierarchy if by_row[e.total] == (TOTAL, TOTAL)]
    assert any({by_row[r][1] for r in e.parts} == {TOTAL} for e in country)  # the regions
    subtotals = [e for e in hierarchy if by_row[e.total][0] != TOTAL]
    assert {by_row[e.total][0] for e in subtotals} == set(map(str, range(1, 7)))
    for equation in subtotals:
        assert {by_row[r][0] for r in equation.parts} == {by_row[equation.total][0]}


def test_cells_count_the_records_of_each_district_and_region(tables: dict[str, Table]) -> None:
    data = pl.read_parquet(SAMPLE_DIR / "census.parquet", columns=["REGION", "DISTRICT"])
    table = tables["nativity_sex_district"]
    districts = _at_margin(table, "region", "district").filter(pl.col("district") != TOTAL)
    expected = data.group_by("REGION", "DISTRICT").len().sort("REGION", "DISTRICT")
    assert districts.select("region", "district", "value").rows() == [
        (str(r), str(d), n) for r, d, n in expected.rows()
    ]
    regions = _at_margin(table, "region").filter(~pl.col("region").is_in([TOTAL, NOT_STATED]))
    expected = data.group_by("REGION").len().sort("REGION")
    assert regions.select("region", "value").rows() == [(str(r), n) for r, n in expected.rows()]


def test_region_subtotals_are_the_cells_of_the_table_by_region(tables: dict[str, Table]) -> None:
    """The district table shares its region subtotals with the table by region (differencing)."""
    by_district = tables["migratory_status_age_district"].cells.filter(pl.col("district") == TOTAL)
    by_region = tables["migratory_status_sex_age_region"].cells.filter(pl.col("sex") == TOTAL)
    keys = ["region", "broad_age_group", "migratory_status"]
    joined = by_district.select(*keys, "value").join(
        by_region.select(*keys, pl.col("value").alias("by_region")), on=keys, how="full"
    )
    assert joined.height == by_district.height == by_region.height
    assert joined.filter(pl.col("value") != pl.col("by_region")).is_empty()
    assert joined.null_count().sum_horizontal().item() == 0


def test_labels_and_order(tables: dict[str, Table]) -> None:
    cells = tables["nativity_sex_district"].cells
    rows = _at_margin(tables["nativity_sex_district"], "region", "district")
    pairs = rows.select("region", "region_label", "district", "district_label").rows()
    assert pairs[0] == (TOTAL, "Total", TOTAL, "Total")
    assert pairs[1] == ("1", "Quetzal Capital", TOTAL, "Total")
    assert pairs[2] == ("1", "Quetzal Capital", "101", "101")  # no district labels: the code
    assert ("6", "Selva Norte", "603", "603") in pairs
    regions = list(dict.fromkeys(code for code, *_ in pairs))
    assert regions == [TOTAL, "1", "2", "3", "4", "5", "6", NOT_STATED]
    # "Not stated" is always shown (a subtotal of zero here), as in the table by region.
    assert pairs[-1] == (NOT_STATED, "Not stated", TOTAL, "Total")
    assert cells["district"].str.contains(r"\x1f").sum() == 0  # the pairs are split


def test_district_labels_from_the_profile(tmp_path: Path) -> None:
    profile = _profile(
        tmp_path,
        '    { name = "district", column = "DISTRICT", '
        'labels = { "102" = "Lago", "101" = "Centro" } },\n',
    )
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        profile,
        recipes=["nativity_sex_district"],
        recipes_dirs=[RECIPES],
        edit_checks=False,
    )
    (table,) = run.tables
    rows = _at_margin(table, "region", "district").filter(pl.col("region") == "1")
    # Labelled districts in the profile's order; a code the labels do not list is unknown.
    assert rows.select("district", "district_label").rows()[:3] == [
        (TOTAL, "Total"),
        ("102", "Lago"),
        ("101", "Centro"),
    ]
    assert rows["district"].to_list()[3:] == [UNKNOWN_CODE]
    assert rows.filter(pl.col("district") == UNKNOWN_CODE)["district_label"].item() == (
        "Unknown code"
    )


def _run(tmp_path: Path, regions: list[int], districts: list[int | None]) -> Table:
    data = tmp_path / "people.parquet"
    rows = [(1, 30, 900)] * len(regions)
    people(rows, REGION=regions, DISTRICT=districts).write_parquet(data)  # type: ignore[arg-type]
    run = api.tabulate(
        data,
        SAMPLE_PROFILE,
        recipes=["nativity_sex_district"],
        recipes_dirs=[RECIPES],
        edit_checks=False,
    )
    return run.tables[0]


def test_a_district_in_two_regions_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        _run(tmp_path, [1, 1, 2, 3, 3, 4], [101, 102, 101, 301, 401, 401])
    message = str(raised.value)
    assert "2 district code(s) found in more than one region" in message
    assert "district '101' under regions '1', '2'" in message
    assert "district '401' under regions '3', '4'" in message
    assert "PERSON_ID" not in message


def test_not_stated_and_unknown_areas_are_no_second_region(tmp_path: Path) -> None:
    # Region 9 is in no label list (_X); a missing district is not stated (_U) in each region.
    table = _run(tmp_path, [1, 9, 1, 2], [101, 101, None, None])
    rows = _at_margin(table, "region", "district")
    assert rows.select("region", "district", "value").rows() == [
        (TOTAL, TOTAL, 4),
        ("1", TOTAL, 2),
        ("1", "101", 1),
        ("1", NOT_STATED, 1),
        ("2", TOTAL, 1),
        ("2", NOT_STATED, 1),
        (NOT_STATED, TOTAL, 0),
        (UNKNOWN_CODE, TOTAL, 1),
        (UNKNOWN_CODE, "101", 1),
    ]
    assert rows.filter(pl.col("district") == NOT_STATED)["district_label"].unique().to_list() == [
        "Not stated"
    ]


def test_a_profile_without_a_second_level_skips_or_refuses(tmp_path: Path) -> None:
    profile = _profile(tmp_path, "")
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet", profile, recipes_dirs=[RECIPES], edit_checks=False
    )
    skipped = {s.recipe_id: s.reason for s in run.skipped}
    assert set(skipped) == set(DISTRICT_RECIPES)
    expected = (
        f"profile {profile} maps no district: add [[geography.levels]] entries down to the "
        "district (level 2 of the areas; the profile has 1)"
    )
    assert all(reason == expected for reason in skipped.values())
    assert "migratory_status_sex_age_region" in {t.recipe_id for t in run.tables}
    with pytest.raises(
        RecipeNotServedError, match="'nativity_sex_district' cannot run: .* maps no district"
    ):
        api.tabulate(
            SAMPLE_DIR / "census.parquet",
            profile,
            recipes=["nativity_sex_district"],
            recipes_dirs=[RECIPES],
        )


def test_the_example_recipes_run_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "-q",
            "tabulate",
            str(SAMPLE_DIR / "census.parquet"),
            "--profile",
            str(SAMPLE_PROFILE),
            "--recipes-dir",
            str(RECIPES),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    for recipe_id in DISTRICT_RECIPES:
        cells = pl.read_csv(out / "csv" / f"{recipe_id}.csv", infer_schema=False)
        assert cells.columns[:4] == ["region", "region_label", "district", "district_label"]
        assert cells.filter(pl.col("district") == "603").height > 0
    workbook = (out / "tables.xlsx").read_bytes()
    assert workbook
    report = (out / "report.html").read_text(encoding="utf-8")
    for recipe_id in DISTRICT_RECIPES:
        assert re.search(re.escape(recipe_id), report)
