"""Every output of a survey shows its sampling errors: tidy CSV, workbook, report, run.json.

The tables are the sample census's, given made-up sampling errors by a protection method
(tests/variance_helpers.py), so these tests need no design and no variance engine: the
renderers only read the columns. A full count's outputs are unchanged (checked against
main's demo by scripts/compare_outputs.py, and here: no survey key, class or row appears).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import load_workbook

from censusmig import api
from censusmig.classifications.codes import NOT_STATED, TOTAL, UNKNOWN_CODE
from censusmig.protection.record import RunRecord
from censusmig.renderers.formatting import format_cell, reliability_legend, sampling_note
from censusmig.renderers.layout import Grids
from censusmig.renderers.presentation import present
from censusmig.renderers.quality import FLAGGED, quality_sections
from censusmig.renderers.workbook_style import marked_format
from censusmig.tables.table import MEASURES, MOE, RELIABILITY, VALUE
from helpers import SAMPLE_DIR, SAMPLE_PROFILE
from variance_helpers import ERRORS, NOTE, sampling_columns, survey_run, with_variance_note

RECIPES = ("nativity_age_sex", "foreign_born_country_of_birth_age_sex")
"""A table with percentages and merged unknown codes, and a wide one (print panels)."""


@pytest.fixture(scope="module")
def survey(tmp_path_factory: pytest.TempPathFactory) -> tuple[api.Tabulation, Path]:
    out = tmp_path_factory.mktemp("survey")
    return survey_run(out, RECIPES, edit_checks=False), out


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> tuple[api.Tabulation, Path]:
    out = tmp_path_factory.mktemp("census")
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, out=out, recipes=RECIPES, edit_checks=False
    )
    return run, out


def flagged_cells(run: api.Tabulation) -> dict[str, int]:
    """Flag -> cells with a value that carry it, over the run's tables."""
    cells = pl.concat([t.cells.select(VALUE, RELIABILITY) for t in run.tables])
    shown = cells.filter(pl.col(VALUE).is_not_null())
    return {flag: shown.filter(pl.col(RELIABILITY) == flag).height for flag in ("E", "F")}


# --- tidy CSV -----------------------------------------------------------------------------


def test_tidy_csv_holds_every_sampling_error_in_measures_order(
    survey: tuple[api.Tabulation, Path],
) -> None:
    run, out = survey
    for table in run.tables:
        header = pl.read_csv(out / "csv" / f"{table.recipe_id}.csv", n_rows=0).columns
        labels = [c for level in table.level_columns for c in (level, f"{level}_label")]
        measures = [m for m in MEASURES if m in table.cells.columns]
        assert header == [*labels, *measures]
        assert {"se", "moe", "ci_lower", "ci_upper", "cv", "reliability"} <= set(header)
    percent = pl.read_csv(out / "csv" / "nativity_age_sex.csv", n_rows=0).columns
    assert percent[-3:] == ["reliability", "percent_se", "percent_moe"]


# --- layout -------------------------------------------------------------------------------


def test_flags_sit_beside_estimates_and_percentages_never_beside_symbols(
    survey: tuple[api.Tabulation, Path],
) -> None:
    table = survey[0].tables[0]
    grids = Grids()
    value, percent = grids.grid(table, "value"), grids.grid(table, "percent")
    marks = [cell.mark for row in value.values for cell in row]
    assert {"E", "F"} <= set(marks)
    for grid in (value, percent):
        for row in grid.values:
            for cell in row:
                assert cell.mark is None or cell.symbol is None
    # A total's 100% has no sampling error: no flag, though its count has one.
    assert percent.values[0][0].value == 100.0 and percent.values[0][0].mark is None
    assert value.values[1][-1].mark == "F" and percent.values[1][0].mark is None
    flagged = [(v.mark, p.mark) for r, q in zip(value.values, percent.values, strict=True)
               for v, p in zip(r, q, strict=True) if p.mark is not None]  # fmt: skip
    assert flagged and all(v == p for v, p in flagged)
    for measure in ("moe", "cv", "percent_moe"):
        error = grids.grid(table, measure)
        assert error.rows == value.rows and error.header_rows == value.header_rows
        assert all(cell.mark is None for row in error.values for cell in row)


def test_margins_of_error_are_the_tidy_ones_cell_by_cell(
    survey: tuple[api.Tabulation, Path],
) -> None:
    table = survey[0].tables[0]
    moe = Grids().grid(table, MOE)
    cells = table.cells
    grand = cells.filter(pl.all_horizontal(pl.col(c) == TOTAL for c in table.level_columns))
    assert moe.values[0][0].value == pytest.approx(grand[MOE][0])
    assert format_cell(moe.values[0][0], MOE) == f"{round(grand[MOE][0]):,}"
    assert format_cell(Grids().grid(table, "cv").values[0][0], "cv") == f"{grand['cv'][0]:.1f}"


def test_an_unknown_code_merged_into_not_stated_keeps_errors_only_when_alone(
    survey: tuple[api.Tabulation, Path],
) -> None:
    table = survey[0].tables[0]
    shown = present(table)
    sex = next(d for d in table.dimensions if d.name == "sex").levels[0]
    others = [c for c in table.level_columns if c != sex]
    cells = table.cells.filter(pl.col(sex).is_in([NOT_STATED, UNKNOWN_CODE]))
    for key, parts in cells.group_by(others):
        merged = shown.table.cells.filter(
            pl.col(sex) == NOT_STATED, *(pl.col(c) == k for c, k in zip(others, key, strict=True))
        )
        if merged.is_empty():
            continue  # a row of zeros left out
        estimates = parts.filter(pl.col(VALUE) != 0)
        if estimates.height > 1:
            assert merged["se"][0] is None
            # The sum's CV is at most its parts' largest: that bounds its flag; and its records.
            largest = estimates["cv"].max()
            records = int(estimates["n_unweighted"].sum())
            expected = (
                "F"
                if largest is None
                or records < ERRORS.min_unweighted
                or largest > ERRORS.cv_unreliable  # type: ignore[operator]
                else "E"
                if largest > ERRORS.cv_caution  # type: ignore[operator]
                else None
            )
            assert merged[RELIABILITY][0] == expected
        elif estimates.height == 1:
            assert merged["se"][0] == estimates["se"][0]
            assert merged[RELIABILITY][0] == estimates[RELIABILITY][0]
    assert any("sampling errors of their sum are not available" in n for n in shown.notes)
    assert any("its reliability flag follows the larger" in n for n in shown.notes)


# --- workbook -----------------------------------------------------------------------------


def test_workbook_sheet_shows_flags_as_formats_and_errors_under_the_estimates(
    survey: tuple[api.Tabulation, Path],
) -> None:
    run, out = survey
    book = load_workbook(out / "tables.xlsx")
    sheet = book["1 Nativity age sex"]
    assert set(sheet.tables) == {"Table_1", "Table_1_moe", "Table_1_cv"}
    lead = [sheet.cell(row=r, column=1).value for r in range(1, 8)]
    assert reliability_legend(ERRORS) in lead
    grid = Grids().grid(run.tables[0], "value")
    top = int(sheet.tables["Table_1"].ref.split(":")[0][1:])
    stub = len(grid.stub_titles)
    seen: dict[str | None, int] = {}
    for offset, row in enumerate(grid.values, start=1):
        for column, cell in enumerate(row, start=stub + 1):
            written = sheet.cell(row=top + offset, column=column)
            if cell.symbol is not None:
                assert written.value == cell.symbol
                continue
            assert isinstance(written.value, int | float)  # computable, flag or not
            assert written.number_format == marked_format('#,##0;-#,##0;"-"', cell.mark)
            seen[cell.mark] = seen.get(cell.mark, 0) + 1
    assert set(seen) == {None, "E", "F"}
    assert marked_format('#,##0;-#,##0;"-"', "E") == '#,##0" E";-#,##0" E";"-"" E"'
    for name, heading in (
        ("Table_1_moe", "Margins of error (±) of the estimated numbers, at the 90% confidence"),
        ("Table_1_cv", "Coefficients of variation of the estimated numbers (%)"),
    ):
        first = int(sheet.tables[name].ref.split(":")[0][1:])
        assert str(sheet.cell(row=first - 1, column=1).value).startswith(heading)
        assert sheet.cell(row=first + 1, column=stub + 1).number_format in (
            '#,##0;-#,##0;"-"',
            '0.0;-0.0;"-"',
        )
    percent = book["1 Percent nativity age sex"]
    assert set(percent.tables) == {"Table_1_percent", "Table_1_percent_moe"}
    notes = [row[1] for row in book["Notes"].iter_rows(values_only=True) if row[0]]
    assert sampling_note(ERRORS) in notes and reliability_legend(ERRORS) in notes
    symbols = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row[0]}
    assert symbols["E"].startswith("use with caution") and symbols["F"].startswith("too unrel")
    methods = next(r[1] for r in book["Cover"].iter_rows(values_only=True) if r[0] == "Methods")
    assert sampling_note(ERRORS) in methods and "90% confidence level" in methods


def test_classic_workbook_heads_each_error_grid_with_its_confidence(tmp_path: Path) -> None:
    survey_run(tmp_path, RECIPES[:1], edit_checks=False, formats=["xlsx"], excel_layout="classic")
    sheet = load_workbook(tmp_path / "tables.xlsx")["1 Nativity age sex"]
    column = [str(v) for (v,) in sheet.iter_rows(min_col=1, max_col=1, values_only=True) if v]
    headings = [
        text
        for text in column
        if text.startswith(("Margins of", "Coefficients")) or text == "Percent"
    ]
    assert headings == [
        "Margins of error (±) of the estimated numbers, at the 90% confidence level",
        "Coefficients of variation of the estimated numbers (%)",
        "Percent",
        "Margins of error (±) of the percentages, in percentage points, at the 90% confidence "
        "level",
    ]
    assert any(text.endswith(reliability_legend(ERRORS)) for text in column)
    numbers = {c.number_format for row in sheet.iter_rows() for c in row if c.value is not None}
    assert marked_format('#,##0;-#,##0;"-"', "F") in numbers
    assert marked_format('0.0;-0.0;"-"', "E") in numbers


def test_full_count_workbook_has_no_error_grid_flag_or_legend(
    census: tuple[api.Tabulation, Path],
) -> None:
    book = load_workbook(census[1] / "tables.xlsx")
    assert set(book["1 Nativity age sex"].tables) == {"Table_1"}
    symbols = [row[0] for row in book["Notes"].iter_rows(values_only=True)]
    assert "E" not in symbols and "F" not in symbols
    text = " ".join(str(c) for s in book for row in s.iter_rows(values_only=True) for c in row)
    assert "Reliability flags" not in text and "Sampling errors" not in text


# --- report -------------------------------------------------------------------------------


def test_report_flags_values_and_shows_errors_legend_and_method(
    survey: tuple[api.Tabulation, Path],
) -> None:
    run, out = survey
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="nativity_age_sex"') :]
    section = section[: section.index("</section>")]
    for block in ("t1-value", "t1-moe", "t1-cv", "t1-percent", "t1-percent_moe"):
        assert f'id="{block}-caption"' in section
    assert "margins of error (±) of the estimated numbers, at the 90% confidence level" in section
    grids = Grids()
    table = run.tables[0]
    marks = sum(
        cell.mark is not None
        for measure in ("value", "percent")
        for row in grids.grid(table, measure).values
        for cell in row
    )
    assert section.count('<span class="flag">') == marks > 0
    assert "<td>1,441</td>" in section  # an estimate without a flag: as a full count's
    assert (
        '<span class="flag">&#160;E</span>' in section
        and '<span class="flag">&#160;F</span>' in section
    )
    assert f"<p>{reliability_legend(ERRORS)}</p>" in section
    assert f"<p>Note: {sampling_note(ERRORS)}</p>" in section
    assert 'class="data stubs-2 marked"' in section
    assert "table.marked td .flag" in html


def test_full_count_report_has_no_flags_or_survey_styles(
    census: tuple[api.Tabulation, Path],
) -> None:
    html = (census[1] / "report.html").read_text(encoding="utf-8")
    assert "flag" not in html and "marked" not in html and "Reliability" not in html


# --- run.json and data quality ------------------------------------------------------------


def test_run_json_gives_each_table_its_method_confidence_and_flagged_cells(
    survey: tuple[api.Tabulation, Path], census: tuple[api.Tabulation, Path]
) -> None:
    run, out = survey
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for entry, table in zip(data["tables"], run.tables, strict=True):
        errors = entry["sampling_errors"]
        assert errors["method"] == ERRORS.method
        assert errors["confidence"] == 0.9 and errors["z"] == 1.645
        one = run.__class__(tables=(table,), skipped=(), record=run.record)
        assert errors["cells_flagged"] == flagged_cells(one)
        assert errors["legend"] == dict(ERRORS.legend())  # the tidy CSV's flags explained
        assert "variance_note" not in entry
    assert RunRecord.from_dict(data).to_dict() == {**data, "timings_seconds": {}}
    full = json.loads((census[1] / "run.json").read_text(encoding="utf-8"))
    assert all("sampling_errors" not in e and "variance_note" not in e for e in full["tables"])


def test_data_quality_counts_the_flagged_cells_of_the_run(
    survey: tuple[api.Tabulation, Path], census: tuple[api.Tabulation, Path]
) -> None:
    run, out = survey
    titles = {t.recipe_id: t.title for t in run.tables}
    _, checks = quality_sections(run.record, titles)
    rows = {row[0]: row for row in checks.rows}
    total = flagged_cells(run)
    for flag, (title, severity) in FLAGGED.items():
        assert rows[title][1:3] == (severity, total[flag])
        assert rows[title][3].startswith(f"{run.tables[0].title}: ")
    quality = load_workbook(out / "tables.xlsx")["Data quality"]
    assert FLAGGED["F"][0] in [row[0] for row in quality.iter_rows(values_only=True)]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f'<th scope="row">{FLAGGED["E"][0]}</th>' in html
    _, plain = quality_sections(census[0].record, titles)
    assert not {title for title, _ in FLAGGED.values()} & {row[0] for row in plain.rows}


# --- a weighted table without sampling errors ---------------------------------------------


def test_a_variance_note_is_printed_in_every_output(tmp_path: Path) -> None:
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        out=tmp_path,
        recipes=RECIPES[:1],
        edit_checks=False,
        protection=with_variance_note,
    )
    said = f"Sampling errors are not estimated: {NOTE}"
    assert run.tables[0].variance_note == NOTE
    data = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert data["tables"][0]["variance_note"] == NOTE
    assert "sampling_errors" not in data["tables"][0]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f"<p>Note: {said}</p>" in html and 'class="flag"' not in html
    book = load_workbook(tmp_path / "tables.xlsx")
    lead = [book["1 Nativity age sex"].cell(row=r, column=1).value for r in range(1, 9)]
    assert said in lead
    assert said in [row[1] for row in book["Notes"].iter_rows(values_only=True)]
    assert set(book["1 Nativity age sex"].tables) == {"Table_1"}


def test_made_up_errors_follow_the_cut_offs() -> None:
    """The helper's flags are those the cut-offs give: the tests above test real flags."""
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, recipes=RECIPES[:1], edit_checks=False
    )
    cells: Any = sampling_columns(run.tables[0]).cells
    assert cells.filter(pl.col("cv") > 30, pl.col(RELIABILITY) != "F").is_empty()
    assert cells.filter(pl.col("n_unweighted") < 30, pl.col(RELIABILITY) != "F").is_empty()
    caution = cells.filter(
        pl.col("cv").is_between(15, 30, closed="right"), pl.col("n_unweighted") >= 30
    )
    assert caution.height and (caution[RELIABILITY] == "E").all()
