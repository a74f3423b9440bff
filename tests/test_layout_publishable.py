"""The published layout shared by the report and the workbook (issue 14).

Tables that fit (sex as blocks of rows, at most about 12 value columns), "Unknown code" shown
with "Not stated", empty "Not stated" left out, not-applicable cells, bounded age labels, UN
M49 country names, the symbols legend and the data-quality content.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.classifications import countries
from censusmig.errors import SpecError
from censusmig.recipes.model import Condition, read_recipe
from censusmig.renderers.arrangement import MAX_COLUMNS, arrange
from censusmig.renderers.formatting import (
    NOT_APPLICABLE,
    SYMBOLS,
    format_cell,
    format_count,
    format_percent,
    legend,
)
from censusmig.renderers.layout import Cell, Grid, grid
from censusmig.renderers.presentation import age_bounds, present
from censusmig.renderers.quality import (
    ACCOUNTING_HEADER,
    CHECKS_HEADER,
    quality_rows,
    quality_sections,
    quality_text,
)
from censusmig.tables.table import Table
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

ROOT = Path(__file__).resolve().parents[1]
GRIDS = ROOT / "tests" / "golden" / "grids"

WIDTHS = {
    "nativity_age_sex": 4,
    "foreign_born_country_of_birth_age_sex": 20,
    "foreign_born_country_of_birth_education_sex": 8,
    "citizenship_status_age_sex": 7,
    "foreign_citizens_citizenship_age_sex": 20,
    "foreign_citizens_citizenship_education_sex": 8,
    "foreign_born_period_of_arrival_country_of_birth": 8,
    "residence_1_year_ago_age_sex": 6,
    "residence_5_years_ago_age_sex": 11,
    "reason_for_migration_sex_age": 6,
    "migratory_status_sex_age_region": 6,
    "internal_lifetime_origin_destination": 7,
    "internal_5_years_origin_destination": 7,
    "generation_age_sex": 6,
}
"""Value columns of every standard table on the sample census (each was 8 to 100 before)."""
WIDER = {"foreign_born_country_of_birth_age_sex", "foreign_citizens_citizenship_age_sex"}
"""Tables whose one spanner, 5-year age groups, is wider than 12 and has no narrower stub to
swap with (the countries): DYB lays these out the same way."""


@pytest.fixture(scope="module")
def run() -> api.Tabulation:
    return api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE)


@pytest.fixture(scope="module")
def tables(run: api.Tabulation) -> dict[str, Table]:
    return {table.recipe_id: table for table in run.tables}


def labels_of(layout: Grid) -> list[tuple[str, ...]]:
    return [row.labels for row in layout.rows]


def snapshot(layout: Grid) -> str:
    """A grid as text: stub titles, header rows, then each row's stub and formatted cells."""
    lines = [" | ".join(layout.stub_titles)]
    lines += [" | ".join(f"{c.label} ({c.span})" for c in row) for row in layout.header_rows]
    for stub, values in zip(layout.rows, layout.values, strict=True):
        label = " / ".join(
            ("  " * indent) + text for text, indent in zip(stub.labels, stub.indents, strict=True)
        )
        cells = " ".join(format_cell(cell, layout.measure) for cell in values)
        lines.append(f"{'*' if stub.total else ' '} {label}: {cells}")
    lines += [f"Note: {note}" for note in layout.notes]
    return "\n".join(lines) + "\n"


# --- layout that fits ---------------------------------------------------------------------


def test_every_standard_table_fits(tables: dict[str, Table]) -> None:
    assert {key: len(grid(t).values[0]) for key, t in tables.items()} == WIDTHS
    for key, table in tables.items():
        if key not in WIDER:
            assert len(grid(table).values[0]) <= MAX_COLUMNS, key


def test_sex_becomes_the_outer_block_of_the_stub(tables: dict[str, Table]) -> None:
    layout = grid(tables["nativity_age_sex"])
    assert layout.stub_titles == ("Sex", "Age (years)")
    assert layout.spanner_titles == ("Nativity",)
    blocks = [row.labels[0] for row in layout.rows if not row.repeated[0]]
    assert blocks == ["Both sexes", "Male", "Female", "Not stated"]
    assert labels_of(layout)[:2] == [("Both sexes", "Total, all ages"), ("Both sexes", "0-4")]
    assert [row.total for row in layout.rows[:2]] == [True, False]
    # The tidy cells keep the recipe's order: rows, then columns.
    assert tables["nativity_age_sex"].cells.columns[:6] == [
        "age_group", "age_group_label", "sex", "sex_label", "nativity", "nativity_label",
    ]  # fmt: skip


def test_a_too_wide_spanner_swaps_with_a_stub_that_fits(tables: dict[str, Table]) -> None:
    arranged = arrange(present(tables["residence_5_years_ago_age_sex"]).table)
    assert [d.name for d in arranged.stub] == ["sex", "age_group"]
    assert [d.name for d in arranged.spanners] == ["residence_5_years_ago"]
    assert arranged.blocks == 1


def test_the_recipe_states_its_layout(tables: dict[str, Table]) -> None:
    table = tables["reason_for_migration_sex_age"]
    auto = arrange(table)
    assert [d.name for d in auto.stub] == ["sex", "reason_for_migration"]
    stated = replace(
        table,
        layout=replace(
            table.layout, stub=("reason_for_migration",), spanners=("sex", "broad_age_group")
        ),
    )
    layout = grid(stated)
    assert layout.stub_titles == ("Reason for migration",)
    assert [c.label for c in layout.header_rows[0]] == [
        "Both sexes", "Male", "Female", "Not stated",
    ]  # fmt: skip
    assert len(layout.values[0]) == 4 * 6


def test_a_stated_layout_in_the_old_order_gives_the_old_rows(tables: dict[str, Table]) -> None:
    """Per-dimension ordering gives the order of the tidy cells when nothing moves."""
    table = tables["foreign_born_country_of_birth_education_sex"]
    stated = replace(
        table,
        layout=replace(table.layout, stub=("country_of_birth",), spanners=("sex", "education")),
    )
    layout = grid(stated)
    shown = present(table).table.cells
    countries_in_order = (
        shown.select("region_of_birth", "country_of_birth").unique(maintain_order=True).rows()
    )
    assert len(layout.rows) == len(countries_in_order)
    assert layout.rows[0].labels == ("Total",)
    assert layout.rows[1].labels == ("Africa",) and layout.rows[1].indent == 0
    assert layout.rows[2].indent == 1  # a country under its region


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ('stub = ["sex"]', "", "give both stub and spanners"),
        ('stub = ["sex"]\nspanners = ["nativity"]', "", "every dimension of rows and columns"),
        ('stub = ["age"]\nspanners = ["sex", "nativity"]', "", "not a dimension of this table"),
        ('keep_not_stated = ["region"]', "", "not a dimension of this table"),
        ('titles = { sex = "" }', "", "must be a non-empty string"),
        ("colour = 1", "", "unknown key"),
    ],
)
def test_a_bad_layout_is_refused(tmp_path: Path, key: str, value: str, message: str) -> None:
    text = (ROOT / "recipes" / "nativity_age_sex.toml").read_text(encoding="utf-8")
    text = text.split("\n[layout]")[0] + f"\n[layout]\n{key}{value}\n"
    path = tmp_path / "nativity_age_sex.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        read_recipe(path)
    assert message in str(raised.value)


def test_a_good_layout_is_read(tmp_path: Path) -> None:
    text = (ROOT / "recipes" / "nativity_age_sex.toml").read_text(encoding="utf-8")
    text = text.split("\n[layout]")[0] + (
        '\n[layout]\nstub = ["sex", "age_group"]\nspanners = ["nativity"]\n'
        'titles = { nativity = "Born" }\n'
    )
    path = tmp_path / "nativity_age_sex.toml"
    path.write_text(text, encoding="utf-8")
    layout = read_recipe(path).layout
    assert (layout.stub, layout.spanners) == (("sex", "age_group"), ("nativity",))
    assert layout.titles == {"nativity": "Born"}


# --- not stated and unknown codes ----------------------------------------------------------


def test_unknown_code_is_shown_with_not_stated_and_a_note(tables: dict[str, Table]) -> None:
    table = tables["nativity_age_sex"]
    cells = table.cells
    grand = cells.filter(pl.col("age_group") == "_T", pl.col("sex") == "_T")
    by_code = dict(zip(grand["nativity"], grand["value"], strict=True))
    layout = grid(table)
    header = [c.label for c in layout.header_rows[-1]]
    assert "Unknown code" not in header and header[-1] == "Not stated"
    assert layout.values[0][-1].value == by_code["_U"] + by_code["_X"]
    note = f"Nativity: Not stated includes {by_code['_X']:,} coded with a code"
    assert any(n.startswith(note) for n in layout.notes)
    sex = cells.filter(
        pl.col("age_group") == "_T", pl.col("nativity") == "_T", pl.col("sex") == "_X"
    )
    assert any(n.startswith(f"Sex: Not stated includes {sex['value'][0]:,} ") for n in layout.notes)
    # The tidy cells keep them apart.
    assert {"_U", "_X"} <= set(cells["nativity"])


def test_the_percent_of_a_merged_category_is_of_its_own_total(tables: dict[str, Table]) -> None:
    table = tables["nativity_age_sex"]  # percent of the total over nativity
    cells = table.cells.filter(pl.col("age_group") == "_T", pl.col("sex").is_in(["_U", "_X"]))
    total = cells.filter(pl.col("nativity") == "_T")["value"].sum()
    native = cells.filter(pl.col("nativity") == "native_born")["value"].sum()
    layout = grid(table, "percent")
    row = next(
        i for i, r in enumerate(layout.rows) if r.labels == ("Not stated", "Total, all ages")
    )
    assert layout.values[row][0].value == 100.0
    assert layout.values[row][1].value == pytest.approx(100 * native / total, abs=1e-6)


def test_an_empty_not_stated_is_left_out_with_a_note(tables: dict[str, Table]) -> None:
    table = tables["internal_5_years_origin_destination"]
    cells = table.cells.filter(pl.col("region") == "_U")
    assert cells["value"].sum() == 0  # the sample has none: the column is empty
    layout = grid(table)
    assert "Not stated" not in [c.label for c in layout.header_rows[-1]]
    assert "Region of usual residence now: Not stated is zero everywhere and is left out." in (
        layout.notes
    )
    assert layout.rows[-1].labels == ("Not stated",)  # the rows' not stated has people


def test_the_recipe_keeps_a_not_stated_the_standard_asks_for(tables: dict[str, Table]) -> None:
    table = tables["nativity_age_sex"]
    assert table.layout.keep_not_stated == ("age_group",)
    empty = table.cells.with_columns(
        pl.when(pl.col("age_group") == "_U").then(0).otherwise(pl.col("value")).alias("value")
    )
    kept = grid(replace(table, cells=empty))
    assert ("Both sexes", "Not stated") in labels_of(kept)
    dropped = grid(replace(table, cells=empty, layout=replace(table.layout, keep_not_stated=())))
    assert ("Both sexes", "Not stated") not in labels_of(dropped)
    assert "Age (years): Not stated is zero everywhere and is left out." in dropped.notes


def test_a_sparse_not_stated_block_keeps_only_its_rows_with_people(
    tables: dict[str, Table],
) -> None:
    layout = grid(tables["foreign_born_country_of_birth_age_sex"])
    block = [row for row in layout.rows if row.labels[0] == "Not stated"]
    assert block[0].labels[1] == "Total" and 1 < len(block) < 20  # of 55 countries
    assert "Sex not stated: the rows that are zero everywhere are left out." in layout.notes


# --- symbols and impossible cells -------------------------------------------------------------


def test_one_legend_with_every_symbol_defined() -> None:
    assert list(SYMBOLS) == ["-", "0.0", "..", "x", "z"]
    assert all(SYMBOLS.values())
    assert NOT_APPLICABLE == "z" and NOT_APPLICABLE != "x"


def test_rounding_to_zero_is_not_magnitude_zero() -> None:
    assert format_percent(0.04) == "0.0"
    assert format_percent(-0.04) == "0.0"
    assert format_percent(0) == "-"
    assert format_percent(12.34) == "12.3"
    assert format_count(0) == "-"
    assert format_count(0.3) == "0"  # a weighted estimate under half a person
    assert format_count(1234.6) == "1,235"
    assert format_cell(Cell(0.0, NOT_APPLICABLE), "value") == "z"


def test_impossible_cells_are_not_applicable(tables: dict[str, Table]) -> None:
    layout = grid(tables["residence_5_years_ago_age_sex"])  # aged 5 and over
    young = [v for r, v in zip(layout.rows, layout.values, strict=True) if r.labels[1] == "0-4"]
    assert young and all(cell == Cell(None, "z") for row in young for cell in row)
    assert "z not applicable" in legend([layout])
    assert all(c.symbol != "z" for row in grid(tables["nativity_age_sex"]).values for c in row)


def test_a_category_the_universe_excludes_is_not_applicable(tables: dict[str, Table]) -> None:
    table = tables["nativity_age_sex"]
    born_abroad = replace(
        table,
        universe=(Condition("nativity", "=", ("foreign_born",)),),
        cells=table.cells.with_columns(
            pl.when(pl.col("nativity").is_in(["native_born", "_U", "_X"]))
            .then(0)
            .otherwise(pl.col("value"))
            .alias("value")
        ),
    )
    layout = grid(born_abroad)
    header = [c.label for c in layout.header_rows[-1]]
    native = header.index("Native-born")
    assert {row[native] for row in layout.values} == {Cell(None, "z")}
    assert layout.values[1][header.index("Foreign-born")].symbol is None


def test_age_groups_are_bounded_by_the_universe(tables: dict[str, Table]) -> None:
    layout = grid(tables["residence_1_year_ago_age_sex"])  # aged 1 and over
    ages = [row.labels[1] for row in layout.rows if row.labels[0] == "Both sexes"]
    assert ages[:3] == ["Total, all ages", "1-4", "5-9"]
    assert "0-4" not in ages
    # the tidy CSV keeps the code and its label
    cells = tables["residence_1_year_ago_age_sex"].cells
    assert cells.filter(pl.col("age_group") == "Y0T4")["age_group_label"][0] == "0-4"
    assert age_bounds("Y0T4") == (0, 4) and age_bounds("Y_GE85") == (85, None)
    assert age_bounds("_T") is None


# --- labels ---------------------------------------------------------------------------------


def test_country_names_are_the_un_m49_names() -> None:
    table = countries.countries()
    assert table["KOR"].name == "Republic of Korea"
    assert table["SYR"].name == "Syrian Arab Republic"
    assert table["PSE"].name == "State of Palestine"
    assert table["BOL"].name == "Bolivia (Plurinational State of)"
    assert table["USA"].name == "United States of America"
    assert table["MEX"].name == "Mexico"  # the same in pycountry and M49
    for code in countries.m49_names():
        assert code in table and not table[code].historic, code


def test_published_country_labels_are_the_m49_names(tables: dict[str, Table]) -> None:
    cells = tables["foreign_born_country_of_birth_age_sex"].cells
    labels = set(cells["country_of_birth_label"])
    assert {"Republic of Korea", "Syrian Arab Republic", "State of Palestine"} <= labels
    assert not {"South Korea", "Syria", "Palestine, State of"} & labels


# --- the period-of-arrival and origin-destination tables --------------------------------------


def test_the_period_of_arrival_table_is_compact(tables: dict[str, Table]) -> None:
    layout = grid(tables["foreign_born_period_of_arrival_country_of_birth"])
    assert layout.stub_titles == ("Sex", "Country of birth", "Age (years)")
    assert len(layout.values[0]) == 8  # was 40
    rows = {row.labels[:2]: row for row in layout.rows if row.labels[2] == "Total, all ages"}
    mexico = next(row for key, row in rows.items() if key[1] == "Mexico")
    assert mexico.indents[1] == 1  # indented under its region
    same_country = [r for r in layout.rows if r.labels[:2] == mexico.labels[:2]]
    assert len(same_country) > 1
    assert [r.repeated[1] for r in same_country] == [False] + [True] * (len(same_country) - 1)
    bold = [row.labels for row in layout.rows if row.total]
    assert bold == [
        (sex, "Total", "Total, all ages") for sex in ("Both sexes", "Male", "Female", "Not stated")
    ]


def test_origin_destination_names_its_column_dimension(tables: dict[str, Table]) -> None:
    for key in ("internal_lifetime_origin_destination", "internal_5_years_origin_destination"):
        layout = grid(tables[key])
        assert layout.header_rows[0] == (
            layout.header_rows[0][0].__class__("Region of usual residence now", 7),
        )
        assert layout.spanner_titles == ("Region of usual residence now",)


def test_golden_grid_of_one_table(tables: dict[str, Table]) -> None:
    """One small rendered piece: the origin-destination grid (regenerate: see GRIDS)."""
    produced = snapshot(grid(tables["internal_5_years_origin_destination"]))
    path = GRIDS / "internal_5_years_origin_destination.txt"
    if os.environ.get("CENSUSMIG_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(produced, encoding="utf-8")
    assert produced == path.read_text(encoding="utf-8")


# --- data quality ---------------------------------------------------------------------------


def test_data_quality_has_two_sections_with_titles_and_numbers(run: api.Tabulation) -> None:
    titles = {table.recipe_id: table.title for table in run.tables}
    accounting, checks = quality_sections(run.record, titles)
    assert accounting.header == ACCOUNTING_HEADER and checks.header == CHECKS_HEADER
    assert [row[0] for row in accounting.rows] == [t.title for t in run.tables]
    assert all(len(row) == len(CHECKS_HEADER) for row in checks.rows)
    assert all(isinstance(row[2], int) for row in checks.rows)  # counts under "Records"
    failing = {row[0]: row[2] for row in checks.rows}
    assert failing["Year of arrival before the year of birth (census year - age - 1)"] == 6
    assert quality_text(20000) == "20,000" and quality_text("yes") == "yes"
    rows = quality_rows(run.record, titles)
    assert rows[0] == list(ACCOUNTING_HEADER)
    assert rows[len(accounting.rows) + 1] == list(CHECKS_HEADER)


def test_a_recipe_without_columns_names_its_value_column(tmp_path: Path) -> None:
    """Found by the generated-input suite (case 22 of seed 12): every dimension down the stub
    left the grid without a header row, and the report failed (IndexError)."""
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    text = (Path(__file__).parents[1] / "recipes" / "nativity_age_sex.toml").read_text()
    text = text.replace('id = "nativity_age_sex"', 'id = "stub_only"')
    text = text.replace('columns = ["sex", "nativity"]', "columns = []")
    text = text.replace('rows = ["age_group"]', 'rows = ["sex", "age_group"]')
    text = text.replace('percent_of = ["nativity"]', 'percent_of = ["age_group"]')
    (recipes / "stub_only.toml").write_text(text, encoding="utf-8")
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        out=tmp_path / "out",
        recipes=["stub_only"],
        recipes_dirs=[recipes],
    )
    layout = grid(run.tables[0])
    assert [[cell.label for cell in row] for row in layout.header_rows] == [["Number"]]
    assert len(layout.values[0]) == 1
    assert [[c.label for c in row] for row in grid(run.tables[0], "percent").header_rows] == [
        ["Percent"]
    ]
    assert '<th scope="col"' in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "tables.xlsx").stat().st_size > 0
