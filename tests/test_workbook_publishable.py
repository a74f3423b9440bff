"""The workbook an NSO can publish: cover, contents, notes, accessible table sheets, print setup.

Read back with openpyxl. LibreOffice's view of the same file is in test_real_apps.py. The
golden snapshot of one small sheet's cell grid is regenerated with
``CENSUSMIG_UPDATE_GOLDEN=1 pytest tests/test_workbook_publishable.py -k golden`` (review the
diff: a change there is a change in what the workbook shows).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, range_boundaries
from typer.testing import CliRunner

from censusmig import __version__, api
from censusmig.cli.main import app
from censusmig.errors import CensusmigError
from censusmig.renderers.formatting import SYMBOLS
from censusmig.renderers.glossary import GLOSSARY
from censusmig.renderers.quality import quality_rows
from censusmig.renderers.workbook import write_workbook
from censusmig.renderers.workbook_style import PAGE_WIDTH, column_breaks, lines, sheet_name
from censusmig.renderers.workbook_tables import table_notes
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE

GOLDEN = ROOT / "tests" / "golden" / "workbook" / "internal_lifetime_origin_destination.json"
FIRST = ("Cover", "Contents", "Notes")
LAST = "Data quality"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
CELL_REFERENCE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$|^[Rr][0-9]*[Cc][0-9]*$")


@pytest.fixture(scope="module")
def accessible(tmp_path_factory: pytest.TempPathFactory) -> tuple[api.Tabulation, Path]:
    out = tmp_path_factory.mktemp("accessible")
    run = api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, out=out, formats=["xlsx"])
    return run, out / "tables.xlsx"


@pytest.fixture(scope="module")
def book(accessible: tuple[api.Tabulation, Path]) -> Any:
    return load_workbook(accessible[1])


@pytest.fixture(scope="module")
def classic(tmp_path_factory: pytest.TempPathFactory) -> tuple[api.Tabulation, Any]:
    out = tmp_path_factory.mktemp("classic")
    result = CliRunner().invoke(
        app,
        [
            "tabulate",
            str(SAMPLE_DIR / "census.parquet"),
            "--profile",
            str(SAMPLE_PROFILE),
            "--out",
            str(out),
            "--format",
            "xlsx",
            "--excel-layout",
            "classic",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    run = api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, formats=())
    return run, load_workbook(out / "tables.xlsx")


def table_sheets(book: Any) -> list[Any]:
    return [sheet for sheet in book.worksheets if sheet.title not in (*FIRST, LAST)]


def only_table(sheet: Any) -> Any:
    (table,) = sheet.tables.values()
    return table


# --- sheets and names ---------------------------------------------------------------------


def test_sheets_in_order_with_valid_unique_names(book: Any, accessible: Any) -> None:
    run, _ = accessible
    names = book.sheetnames
    assert tuple(names[:3]) == FIRST and names[-1] == LAST
    percent = sum(1 for table in run.tables if table.percent_of)
    assert len(table_sheets(book)) == len(run.tables) + percent  # percent on its own sheet
    assert len({name.lower() for name in names}) == len(names)
    for name in names:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name), name
    assert "1 Nativity age sex" in names and "1 Percent nativity age sex" in names


def test_sheet_names_are_cut_on_words_and_made_unique() -> None:
    taken: set[str] = set()
    long = "Foreign born country of birth educational attainment sex"
    first = sheet_name("3", long, taken)
    assert first == "3 Foreign born attainment sex"  # small words first, last two kept
    assert sheet_name("3", long, taken) == "3 Foreign born attainment (2)"
    assert sheet_name("4", "a[b]:c*d?e/f\\g's", taken) == "4 a b c d e f gs"
    assert all(len(name) <= 31 for name in taken)


# --- accessible layout --------------------------------------------------------------------


def test_accessible_table_sheets_follow_the_guidance(book: Any, accessible: Any) -> None:
    run, _ = accessible
    by_title = {table.title: table for table in run.tables}
    object_names = []
    for sheet in table_sheets(book):
        assert not sheet.merged_cells.ranges, sheet.title
        table = only_table(sheet)  # exactly one table object per sheet
        object_names.append(table.displayName)
        assert NAME.match(table.displayName) and not CELL_REFERENCE.match(table.displayName)
        min_col, header_row, max_col, last_row = range_boundaries(table.ref)
        assert (min_col, max_col) == (1, sheet.max_column) and last_row == sheet.max_row
        title = sheet["A1"].value
        assert re.match(r"^Table \d+( \(percent\))?: ", title), title
        recipe = by_title[title.split(": ", 1)[1]]
        # No blank rows: every row from the title to the last has something in column A.
        assert all(sheet.cell(row=r, column=1).value for r in range(1, last_row + 1))
        headings = [sheet.cell(row=header_row, column=c).value for c in range(1, max_col + 1)]
        assert all(isinstance(h, str) and "\n" not in h for h in headings)
        assert len({h.lower() for h in headings}) == len(headings)
        assert [c.name for c in table.tableColumns] == headings
        assert sheet.freeze_panes is not None
        lead = [sheet.cell(row=r, column=1).value for r in range(2, header_row)]
        assert f"Universe: {recipe.universe_label}" in lead and recipe.source in lead
        assert any(text.startswith("Symbols: ") for text in lead)
        assert not any(text.startswith("Note: ") for text in lead)  # notes are on Notes
    assert len(set(n.lower() for n in object_names)) == len(object_names)


def test_one_header_row_joins_the_spanners(book: Any) -> None:
    sheet = book["1 Nativity age sex"]
    header_row = range_boundaries(only_table(sheet).ref)[1]
    row = [cell.value for cell in sheet[header_row]]
    # Sex is laid out as blocks of rows (the layout that fits); the one spanner is named.
    assert row[:4] == ["Sex", "Age (years)", "Nativity: Total", "Nativity: Native-born"]
    assert sheet.cell(row=header_row + 1, column=1).value == "Both sexes"
    assert sheet.cell(row=header_row + 1, column=2).value == "Total, all ages"
    assert sheet.row_dimensions[header_row].height >= 2 * 12.75  # wrapped headings fit


def test_notes_are_numbered_on_the_notes_sheet(book: Any, accessible: Any) -> None:
    run, _ = accessible
    notes = book["Notes"]
    numbered = {
        row[0]: row[1]
        for row in notes.iter_rows(values_only=True)
        if isinstance(row[0], str) and row[0].startswith("note ")
    }
    texts = {note for table in run.tables for note in table_notes(table)}
    assert set(numbered.values()) == texts and len(numbered) == len(texts)
    for sheet in table_sheets(book):
        title = sheet["A1"].value.split(": ", 1)[1]
        table = next(t for t in run.tables if t.title == title)
        cited = [
            int(n)
            for r in range(2, 6)
            for n in re.findall(r"\[note (\d+)\]", str(sheet.cell(row=r, column=1).value))
        ]
        assert [numbered[f"note {n}"] for n in cited] == list(table_notes(table))
    rows = [row for row in notes.iter_rows(values_only=True)]
    assert [list(r[:2]) for r in rows if r[0] in SYMBOLS] == [[k, v] for k, v in SYMBOLS.items()]
    assert {r[0]: r[1] for r in rows if r[0] in GLOSSARY} == GLOSSARY
    assert set(notes.tables) == {"Notes_table", "Symbols_table", "Standards_table"}


# --- print setup, fonts, widths -----------------------------------------------------------


def test_every_table_sheet_prints_with_its_headings_on_every_page(book: Any) -> None:
    fitted = []
    for sheet in table_sheets(book):
        header_row = range_boundaries(only_table(sheet).ref)[1]
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.print_title_rows == f"${header_row}:${header_row}"
        stub_end = sheet.print_title_cols.split(":")[1].lstrip("$")
        assert sheet.print_title_cols.startswith("$A:")
        assert sheet.cell(row=header_row, column=column_index_from_string(stub_end)).value
        assert sheet.oddHeader.center.text.replace("&&", "&") == sheet["A1"].value
        assert sheet.oddFooter.center.text == "Page &P of &N"
        widths = sum(
            sheet.column_dimensions[cell.column_letter].width for cell in sheet[header_row]
        )
        fit = bool(sheet.sheet_properties.pageSetUpPr.fitToPage)
        assert fit == (widths <= PAGE_WIDTH / 0.7), sheet.title
        if fit:
            assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        else:
            assert 50 <= sheet.page_setup.scale <= 100
        fitted.append(fit)
    assert True in fitted and False in fitted  # the small O-D tables fit, the wide ones do not
    for name in (*FIRST, LAST):  # text sheets: always one page wide
        assert book[name].sheet_properties.pageSetUpPr.fitToPage, name
        assert book[name].oddFooter.center.text == "Page &P of &N"


def test_wide_tables_break_between_spanners(book: Any, classic: Any) -> None:
    name = "2 Foreign born country age sex"  # 20 age columns: wider than a page
    for sheet in (book[name], classic[1][name]):
        breaks = [brk.id for brk in sheet.col_breaks.brk]
        # Two stub columns (sex, country), then the ages: a page never holds the stub alone.
        assert breaks and all(column > 3 for column in breaks), breaks
        assert 60 <= sheet.page_setup.scale <= 85
    assert not book["1 Nativity age sex"].col_breaks.brk  # four columns fit one page


def test_column_breaks_keep_groups_whole_where_they_fit() -> None:
    widths = [20.0] + [10.0] * 9
    assert column_breaks(widths, 1, [3, 3, 3], 65) == [7]  # two groups of 30, then one
    assert column_breaks(widths, 1, [3, 3, 3], 25) == [3, 4, 6, 7, 9]  # too narrow: by column
    assert column_breaks(widths, 1, [9], 1000) == []


def test_every_cell_has_a_named_font(book: Any) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.font.name, (sheet.title, cell.coordinate)


def test_stub_columns_fit_their_labels(book: Any) -> None:
    sheet = book["2 Foreign born country age sex"]
    header_row = range_boundaries(only_table(sheet).ref)[1]
    labels = [sheet.cell(row=r, column=1).value for r in range(header_row, sheet.max_row + 1)]
    width = sheet.column_dimensions["A"].width
    assert width <= 45 and all(len(label) + 2 <= width or width == 45 for label in labels)


def test_lines_wrap_on_words() -> None:
    assert lines("Both sexes: Native-born", 30) == 1
    assert lines("Both sexes: Native-born", 12) == 2
    assert lines("a" * 50, 10) > 1


# --- cover, contents, properties, data quality --------------------------------------------


def test_the_cover_says_what_the_tables_are(book: Any, accessible: Any) -> None:
    run, _ = accessible
    census = run.record.census
    facts = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True) if row[0]}
    assert book["Cover"]["A1"].value == f"{census.name}: tables on international migration"
    assert facts["Reference date"] == census.reference_date.isoformat()
    assert "12 months" in facts["Residence rule"]
    assert facts["Source file"] == "census.parquet"
    assert facts["Source file SHA-256"] == run.record.input.sha256
    assert facts["Release date"] == "2026-06-30"
    assert facts["Publisher"] == census.publisher and facts["Contact"] == census.contact
    assert facts["Generated by"] == f"censusmig {__version__}"
    assert "P&R" not in facts["Methods"] and "Principles and Recommendations" in facts["Methods"]


def test_the_cover_leaves_out_what_the_profile_does_not_say(
    accessible: Any, tmp_path: Path
) -> None:
    run, _ = accessible
    census = replace(run.record.census, publisher=None, contact=None, release_date=None)
    record = replace(run.record, census=census)
    path = write_workbook(run.tables, tmp_path / "t.xlsx", record, quality_rows(record))
    book = load_workbook(path)
    labels = {row[0] for row in book["Cover"].iter_rows(values_only=True)}
    assert not labels & {"Release date", "Publisher", "Contact"}
    assert not any(
        str(row[0]).startswith("Released") for row in book["Contents"].iter_rows(values_only=True)
    )


def test_contents_links_every_sheet(book: Any) -> None:
    contents = book["Contents"]
    targets = []
    for row in contents.iter_rows():
        for cell in row:
            if cell.hyperlink is not None:
                location = cell.hyperlink.location
                match = re.fullmatch(r"'((?:[^']|'')+)'!A1", location)
                assert match, location
                targets.append(match.group(1).replace("''", "'"))
    assert set(targets) == set(book.sheetnames) - {"Contents"}
    assert contents["A1"].value == "Contents"
    lead = [contents.cell(row=r, column=1).value for r in range(2, 6)]
    assert any(str(text).startswith("Source: ") for text in lead)
    assert "Released: 2026-06-30" in lead
    cover = [c.hyperlink.location for row in book["Cover"].iter_rows() for c in row if c.hyperlink]
    assert cover == ["'Contents'!A1"]


def test_document_properties(book: Any, accessible: Any) -> None:
    run, path = accessible
    properties = book.properties
    assert properties.creator == f"censusmig {__version__}"
    assert properties.title == book["Cover"]["A1"].value
    assert run.record.census.name in properties.subject
    assert "international migration" in properties.keywords
    with zipfile.ZipFile(path) as archive:
        for name in ("docProps/core.xml", "docProps/app.xml"):
            assert b"openpyxl" not in archive.read(name), name


def test_data_quality_sheet_formats_its_numbers(book: Any, accessible: Any) -> None:
    run, _ = accessible
    sheet = book["Data quality"]
    expected = quality_rows(run.record, {table.recipe_id: table.title for table in run.tables})
    rows = [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]
    expected = [[None if value == "" else value for value in row] for row in expected]
    assert [r[: len(e)] for r, e in zip(rows, expected, strict=True)] == expected
    counts = [
        cell for row in sheet.iter_rows(min_row=4) for cell in row if isinstance(cell.value, int)
    ]
    assert counts and all(cell.number_format == "#,##0" for cell in counts)
    assert sheet.column_dimensions["A"].width >= 12
    assert all(cell.font.bold for cell in sheet[3] if cell.value is not None)


# --- classic layout and the option --------------------------------------------------------


def test_classic_layout_keeps_spanners_and_percent_on_one_sheet(classic: Any) -> None:
    run, book = classic
    sheets = table_sheets(book)
    assert len(sheets) == len(run.tables)
    first = sheets[0]
    assert first.title == "1 Nativity age sex" and not first.tables
    assert first.merged_cells.ranges  # spanners
    rows = [row[:2] for row in first.iter_rows(values_only=True)]
    assert rows.count(("Both sexes", "Total, all ages")) == 2  # counts and percent
    assert ("Percent", None) in rows
    assert first.print_title_rows == "$4:$5"  # both spanner rows repeat
    assert all(c.font.name for row in first.iter_rows() for c in row if c.value is not None)
    # An outer stub label is shown once per block, not on every row.
    arrival = next(s for s in sheets if s.title.startswith("7 "))
    outer = [row[0] for row in arrival.iter_rows(min_row=6, values_only=True) if row[0]]
    assert outer[:1] == ["Both sexes"] and outer.count("Both sexes") == 1


def test_an_unknown_layout_is_refused_with_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(CensusmigError, match=r"Did you mean 'classic'\? Valid: accessible"):
        api.tabulate(
            SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, out=tmp_path, excel_layout="clasic"
        )
    assert not (tmp_path / "tables.xlsx").exists()
    result = CliRunner().invoke(
        app,
        [
            "tabulate",
            str(SAMPLE_DIR / "census.parquet"),
            "--profile",
            str(SAMPLE_PROFILE),
            "--out",
            str(tmp_path / "o"),
            "--excel-layout",
            "clasic",
        ],
    )
    assert result.exit_code == 2
    assert "--excel-layout: unknown layout 'clasic'. Did you mean 'classic'?" in result.stderr


def test_each_layout_gives_the_same_bytes_twice(accessible: Any, tmp_path: Path) -> None:
    run, _ = accessible
    for layout in ("accessible", "classic"):
        paths = [
            write_workbook(
                run.tables,
                tmp_path / f"{layout}{i}.xlsx",
                run.record,
                quality_rows(run.record),
                layout=layout,
            )
            for i in (1, 2)
        ]
        assert paths[0].read_bytes() == paths[1].read_bytes(), layout


# --- golden snapshot of one small sheet ---------------------------------------------------


def sheet_grid(sheet: Any) -> dict[str, Any]:
    return {
        "name": sheet.title,
        "table": dict(sheet.tables.items()),
        "print_titles": [sheet.print_title_rows, sheet.print_title_cols],
        "rows": [
            [
                [cell.value, cell.number_format, bool(cell.font.bold)]
                if cell.value is not None
                else None
                for cell in row
            ]
            for row in sheet.iter_rows()
        ],
    }


def test_golden_origin_destination_sheet(book: Any) -> None:
    title = api.get_recipe("internal_lifetime_origin_destination").title
    sheet = next(s for s in table_sheets(book) if s["A1"].value.endswith(f": {title}"))
    produced = sheet_grid(sheet)
    if os.environ.get("CENSUSMIG_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(produced, indent=1, ensure_ascii=False) + "\n")
    assert produced == json.loads(GOLDEN.read_text(encoding="utf-8")), (
        "the sheet changed: regenerate with CENSUSMIG_UPDATE_GOLDEN=1 and review the diff"
    )
