"""A first Excel workbook: contents, a sheet per table and a data-quality sheet.

Each table sheet has a title, the universe, column spanners, the stub with totals first,
notes, symbols and the source line. The same tables give the same bytes: see :func:`save`.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from censusmig.protection import Publication
from censusmig.renderers.formatting import legend, measures, symbol
from censusmig.renderers.layout import Grid, grid
from censusmig.renderers.quality import quality_rows
from censusmig.tables.table import Table

BOLD = Font(bold=True)
PLAIN = Font(bold=False)
TITLE = Font(bold=True, size=13)
NUMBER_FORMAT = '#,##0;-#,##0;"-"'
PERCENT_FORMAT = '0.0;-0.0;"-"'
FIXED_TIME = dt.datetime(1980, 1, 1)
"""The workbook's creation and modification time, and every zip entry's: the earliest time a
zip entry can hold, a constant, so that the same tables give the same bytes on every run (the
run's date is in run.json's inputs, not in the workbook)."""


def render(publication: Publication, out: Path) -> tuple[Path, ...]:
    """Write ``<out>/tables.xlsx``: the published tables and the run record's data quality."""
    return (
        write_workbook(
            publication.tables,
            out / "tables.xlsx",
            quality_rows(publication.record, {t.recipe_id: t.title for t in publication.tables}),
        ),
    )


def write_workbook(
    tables: Sequence[Table], path: Path, quality: Sequence[Sequence[object]]
) -> Path:
    """Write the workbook.

    Args:
        tables: Published tables, one sheet each.
        path: The ``.xlsx`` file to write.
        quality: Rows of the data-quality sheet, header first.

    Returns:
        The file written.
    """
    book = Workbook()
    contents = book.active
    contents.title = "Contents"
    contents.append(["Table", "Sheet", "Title", "Universe"])
    for cell in contents[1]:
        cell.font = BOLD
    for number, table in enumerate(tables, start=1):
        sheet_name = f"T{number}"
        contents.append([number, sheet_name, table.title, table.universe_label])
        _write_table(book.create_sheet(sheet_name), number, table)
    sheet = book.create_sheet("Data quality")
    for row in quality:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = BOLD
    contents.column_dimensions["C"].width = 70
    contents.column_dimensions["D"].width = 45
    for each in book.worksheets:
        _print_setup(each)
    path.parent.mkdir(parents=True, exist_ok=True)
    save(book, path)
    return path


def save(book: Workbook, path: Path) -> None:
    """Save a workbook so that the same contents give the same bytes.

    openpyxl stamps the save time into ``docProps/core.xml`` and every zip entry: the
    properties' times are set to :data:`FIXED_TIME`, and the archive openpyxl writes is
    copied entry by entry, in its order, with that time, fixed permissions and the same
    compression (deflate).

    Args:
        book: The workbook.
        path: The ``.xlsx`` file to write.
    """
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()  # unlike Workbook.save, keeps ``modified``
    with (
        zipfile.ZipFile(buffer) as written,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as fixed,
    ):
        for entry in written.infolist():
            stamped = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            stamped.compress_type = zipfile.ZIP_DEFLATED
            stamped.create_system = 3  # Unix, wherever it runs
            stamped.external_attr = 0o644 << 16
            fixed.writestr(stamped, written.read(entry))


def _print_setup(sheet: Any) -> None:
    """Print landscape, one page wide, as published tables are."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _write_table(sheet: Any, number: int, table: Table) -> None:
    sheet.append([f"Table {number}. {table.title}"])
    sheet.cell(row=1, column=1).font = TITLE
    sheet.append([f"Universe: {table.universe_label}"])
    row = 4
    first_body_row = 0
    layouts = {measure: grid(table, measure) for measure in measures(bool(table.percent_of))}
    for measure, layout in layouts.items():
        if measure == "percent":
            sheet.cell(row=row, column=1, value="Percent").font = BOLD
            row += 1
        body_row = _write_grid(
            sheet, layout, row, PERCENT_FORMAT if measure == "percent" else NUMBER_FORMAT
        )
        first_body_row = first_body_row or body_row
        row = body_row + len(layout.rows) + 1
    for note in layouts["value"].notes:
        sheet.cell(row=row, column=1, value=f"Note: {note}")
        row += 1
    if table.weighted:
        sheet.cell(row=row, column=1, value="Note: weighted estimates.")
        row += 1
    sheet.cell(row=row, column=1, value=legend(layouts.values()))
    sheet.cell(row=row + 1, column=1, value=table.source)
    layout = layouts["value"]
    stub_width = len(layout.stub_titles)
    sheet.column_dimensions["A"].width = 34
    for index in range(
        stub_width + 1, stub_width + 1 + len(layout.values[0] if layout.values else ())
    ):
        sheet.column_dimensions[get_column_letter(index)].width = 11
    sheet.freeze_panes = sheet.cell(row=first_body_row, column=stub_width + 1)


def _write_grid(sheet: Any, layout: Grid, header_top: int, number_format: str) -> int:
    """Write spanners, stub and body from ``header_top``; return the first body row."""
    stub_width = len(layout.stub_titles)
    for offset, header in enumerate(layout.header_rows):
        row = header_top + offset
        column = stub_width + 1
        for cell in header:
            target = sheet.cell(row=row, column=column, value=cell.label)
            target.font = BOLD
            target.alignment = Alignment(horizontal="center", wrap_text=True)
            if cell.span > 1:
                sheet.merge_cells(
                    start_row=row,
                    start_column=column,
                    end_row=row,
                    end_column=column + cell.span - 1,
                )
            column += cell.span
    last_header = header_top + max(len(layout.header_rows), 1) - 1
    for index, title in enumerate(layout.stub_titles, start=1):
        sheet.cell(row=last_header, column=index, value=title).font = BOLD
    row = last_header + 1
    for stub, values in zip(layout.rows, layout.values, strict=True):
        for index, label in enumerate(stub.labels, start=1):
            target = sheet.cell(row=row, column=index, value=label)
            target.alignment = Alignment(indent=2 * stub.indent if index == stub_width else 0)
            target.font = BOLD if stub.total else PLAIN
        for index, body in enumerate(values, start=stub_width + 1):
            target = sheet.cell(
                row=row, column=index, value=symbol(body) if body.value is None else body.value
            )
            target.number_format = number_format
            if stub.total:
                target.font = BOLD
            if body.value is None:
                target.alignment = Alignment(horizontal="right")
        row += 1
    return last_header + 1
