"""The writing and finishing stages do their work once, and write what openpyxl would write.

Each table is laid out once per publication for every renderer; cell styles are set once per
combination; the sheets' cells are serialised directly, byte for byte as openpyxl does; the
margins are a few frame operations per table. None of it may change an output.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import math
import weakref
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.writer.excel import ExcelWriter as OpenpyxlExcelWriter

import censusmig.renderers.layout as layout
import censusmig.renderers.workbook as workbook
import censusmig.tables.engine as engine
import censusmig.tables.margins as margins
from censusmig import api
from censusmig.protection import Publication
from censusmig.renderers.registry import RenderOptions, render
from censusmig.renderers.workbook_style import BOLD, PLAIN, CellStyles, wrapped
from censusmig.renderers.workbook_tables import TABLE_STYLE, add_excel_table
from censusmig.renderers.workbook_writer import ExcelWriter
from helpers import SAMPLE_DIR, SAMPLE_PROFILE


@pytest.fixture(scope="module")
def run() -> api.Tabulation:
    return api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, edit_checks=False)


def publication(run: api.Tabulation) -> Publication:
    """A new publication of the run (each has its own memo of grids)."""
    return Publication(run.tables, run.record)


@pytest.mark.parametrize("excel_layout", ["accessible", "classic"])
def test_every_renderer_shares_one_layout_of_each_table(
    run: api.Tabulation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, excel_layout: str
) -> None:
    presented: list[str] = []
    original = layout.present

    def counted(table: Any) -> Any:
        presented.append(table.recipe_id)
        return original(table)

    monkeypatch.setattr(layout, "present", counted)
    render(publication(run), tmp_path, ("xlsx", "html"), RenderOptions(excel_layout))
    # The workbook's sheets, its notes and the report: each table presented once in all.
    assert sorted(presented) == sorted(table.recipe_id for table in run.tables)


def test_the_grids_of_a_publication_go_with_it(run: api.Tabulation) -> None:
    shown = publication(run)
    grids = layout.grids_of(shown)
    assert layout.grids_of(shown) is grids
    table = run.tables[0]
    assert grids.grid(table) is grids.grid(table)
    assert grids.grid(table) == layout.grid(table)
    assert layout.grids_of(publication(run)) is not grids
    gone = weakref.ref(grids)
    del shown, grids
    gc.collect()
    assert gone() is None


def test_a_table_without_cells_lays_out_without_body(run: api.Tabulation) -> None:
    table = run.tables[0]
    empty = layout.grid(replace(table, cells=table.cells.clear()))
    assert empty.values == () and empty.rows == ()


def _styled_cells(book: Workbook, styles: CellStyles | None) -> None:
    """The same cells, styled one by one (``styles`` None) or through the memo."""
    sheet = book.active
    assert sheet is not None
    right = Alignment(horizontal="right")
    combinations: list[tuple[Font, Alignment | None, str | None]] = [
        (PLAIN, None, '#,##0;-#,##0;"-"'),
        (BOLD, wrapped(), None),
        (PLAIN, wrapped(4), None),
        (BOLD, right, "0.0"),
        (PLAIN, None, None),
        (Font(name="Arial", size=10), wrapped(vertical="bottom"), "General"),
    ]
    for index in range(60):
        font, alignment, number_format = combinations[(index * 7) % len(combinations)]
        cell = sheet.cell(row=index // 6 + 1, column=index % 6 + 1, value=index)
        if styles is not None:
            styles.apply(cell, font, alignment, number_format)
            continue
        if number_format is not None:
            cell.number_format = number_format
        cell.font = font
        if alignment is not None:
            cell.alignment = alignment


def _saved(book: Workbook, writer: type[Any] = OpenpyxlExcelWriter) -> dict[str, bytes]:
    """Every entry of the saved workbook, by name."""
    book.properties.created = book.properties.modified = dt.datetime(1980, 1, 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        writer(book, archive).save()
    with zipfile.ZipFile(buffer) as written:
        return {name: written.read(name) for name in written.namelist()}


def test_styles_copied_from_a_memo_are_the_styles_set_one_by_one() -> None:
    plain, memo = Workbook(), Workbook()
    _styled_cells(plain, None)
    styles = CellStyles()
    _styled_cells(memo, styles)
    cells = [(c.coordinate, tuple(c._style)) for row in plain.active.iter_rows() for c in row]
    assert cells == [
        (c.coordinate, tuple(c._style)) for row in memo.active.iter_rows() for c in row
    ]
    assert list(plain._fonts) == list(memo._fonts)
    assert list(plain._alignments) == list(memo._alignments)
    assert list(plain._number_formats) == list(memo._number_formats)
    assert _saved(plain) == _saved(memo)
    # Each cell has its own copy: restyling one leaves the others of its combination.
    sheet = memo.active
    first, second = sheet["A1"], sheet["A2"]  # one column, one combination
    assert tuple(first._style) == tuple(second._style)
    first.font = Font(name="Arial", size=20)
    assert tuple(first._style) != tuple(second._style)
    assert second.font.size == 10


def _assorted(book: Workbook) -> None:
    """Cells of every kind a sheet may hold, some the fast writer leaves to openpyxl."""
    sheet = book.active
    assert sheet is not None
    values: list[object] = [
        "Plain text",
        "Ampersand & <angle> \"quotes\" and 'apostrophes'",
        "  leading and trailing spaces  ",
        "   ",
        "",
        "Ünïcödé — Côte d’Ivoire, 中国",
        "line\nbreak\tand tab",
        0,
        -12345,
        10**15 + 1,
        1 / 3,
        -0.0,
        1e20,
        2.5e-7,
        math.nan,
        math.inf,
        True,
        False,
        "=SUM(H1:H2)",
        dt.date(2025, 3, 15),
        dt.datetime(2025, 3, 15, 12, 30),
        None,
    ]
    for row, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=1, value=value)
        if row % 3:
            cell.font = BOLD
        sheet.cell(row=row, column=2).font = PLAIN  # styled, no value
    link = sheet.cell(row=1, column=3, value="Contents")
    link.hyperlink = "#'Sheet'!A1"
    sheet.merge_cells("D1:F1")
    sheet.row_dimensions[2].height = 30
    other = book.create_sheet("Numbers & text")
    for row in range(1, 40):
        for column in range(1, 8):
            other.cell(row=row, column=column, value=row * column / 7 if column % 2 else "x")


def test_the_sheet_writer_writes_what_openpyxl_writes() -> None:
    ours, theirs = Workbook(), Workbook()
    _assorted(ours)
    _assorted(theirs)
    assert _saved(ours, ExcelWriter) == _saved(theirs, OpenpyxlExcelWriter)


def test_the_sample_workbook_is_the_one_openpyxl_writes(
    run: api.Tabulation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for excel_layout in ("accessible", "classic"):
        ours = render(publication(run), tmp_path / f"ours-{excel_layout}", ("xlsx",))
        monkeypatch.setattr(workbook, "ExcelWriter", OpenpyxlExcelWriter)
        options = RenderOptions(excel_layout)
        theirs = render(publication(run), tmp_path / f"theirs-{excel_layout}", ("xlsx",), options)
        monkeypatch.undo()
        ours = render(publication(run), tmp_path / f"ours-{excel_layout}", ("xlsx",), options)
        assert ours[0].read_bytes() == theirs[0].read_bytes()


def test_an_excel_table_named_from_its_headings_is_the_one_openpyxl_names() -> None:
    headings = ["Sheet", "Table & notes", "Title (2)"]
    named, read_back = Workbook(), Workbook()
    for book in (named, read_back):
        for column, heading in enumerate(headings, start=1):
            book.active.cell(row=3, column=column, value=heading)
            book.active.cell(row=4, column=column, value=column)
    add_excel_table(named.active, "Contents_table", "A3:C4", headings)
    table = ExcelTable(displayName="Contents_table", ref="A3:C4")
    table.tableStyleInfo = TABLE_STYLE
    read_back.active.add_table(table)
    assert _saved(named) == _saved(read_back)


def test_margins_summed_apart_equal_margins_summed_together(
    run: api.Tabulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(margins, "EXPLODED_ROWS", 0)  # every table: one group-by per margin
    apart = api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, edit_checks=False)
    for together, alone in zip(run.tables, apart.tables, strict=True):
        assert together.cells.equals(alone.cells), together.recipe_id
        assert together.cells.schema == alone.cells.schema


def test_a_table_is_completed_in_a_few_frame_operations(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    counting = {"on": False}

    def counted(method: Any) -> Any:
        def run_counted(*args: Any, **kwargs: Any) -> Any:
            if counting["on"]:
                calls[-1] += 1
            return method(*args, **kwargs)

        return run_counted

    for name in ("collect", "_collect_eager"):
        monkeypatch.setattr(pl.LazyFrame, name, counted(getattr(pl.LazyFrame, name)))
    monkeypatch.setattr(pl, "collect_all", counted(pl.collect_all))
    original = engine.complete

    def complete(*args: Any) -> pl.DataFrame:
        calls.append(0)
        counting["on"] = True
        try:
            return original(*args)
        finally:
            counting["on"] = False

    monkeypatch.setattr(engine, "complete", complete)
    api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, edit_checks=False)
    assert calls and max(calls) <= 6, calls  # one a margin and a step was ~50 a table
