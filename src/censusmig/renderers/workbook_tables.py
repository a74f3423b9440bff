"""The workbook's table sheets, in the accessible layout or the classic one.

Accessible (the default), as the UK Government Analysis Function asks of statistics released
in spreadsheets: the title in A1, a few lines saying what the table is, then the table as an
Excel table object with one header row (each column's spanners joined into its heading), no
merged cells and no blank rows; notes are referenced by number and written on the Notes
sheet; counts and percentages are two tables on two sheets.

Classic: the printed presentation, spanners merged over the columns they head, the stub
indented, counts and percentages on one sheet, notes under the table.

A survey's table (one with sampling errors) shows the reliability flag of each estimate and
percentage beside it through the cell's number format (``1,234 E``: the cell keeps its
number), and under each measure the grids of its sampling errors: the margins of error and
coefficients of variation of the estimates, the margins of error of the percentages, each
headed by what it is and its confidence level (accessible: an Excel table object each).

Both only lay out what :func:`censusmig.renderers.layout.grid` returns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.worksheet.table import TableStyleInfo

from censusmig.renderers.formatting import (
    DECIMAL_MEASURES,
    legend,
    measures,
    no_sampling_errors_note,
    reliability_legend,
    sampling_errors_of,
    sampling_heading,
    survey_notes,
    symbol,
)
from censusmig.renderers.layout import Cell, Grid, Grids
from censusmig.renderers.protection_report import protection_notes
from censusmig.renderers.workbook_style import (
    BOLD,
    HEADER_ALIGNMENT,
    NUMBER_FORMAT,
    PERCENT_FORMAT,
    PLAIN,
    STUB_WIDTH,
    TITLE,
    VALUE_WIDTH,
    CellStyles,
    height,
    lines,
    marked_format,
    print_setup,
    set_widths,
    sheet_name,
    unique_headings,
    words_of,
    wrapped,
)
from censusmig.tables.table import PERCENT, VALUE, Table

RIGHT = Alignment(horizontal="right")
TABLE_STYLE = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)


def add_excel_table(sheet: Any, name: str, ref: str, headings: Sequence[str]) -> None:
    """Make the cells ``ref`` of ``sheet`` an Excel table object, headed by ``headings``.

    The columns are named here, from the headings written in the first row of ``ref``:
    openpyxl would otherwise read them back on saving, through every cell of the range.
    """
    table = ExcelTable(displayName=name, ref=ref)
    table.tableStyleInfo = TABLE_STYLE
    table._initialise_columns()
    for column, heading in zip(table.tableColumns, headings, strict=True):
        column.name = heading
    sheet.add_table(table)


@dataclass(frozen=True)
class TableSheet:
    """One sheet that shows a table.

    Attributes:
        name: Sheet name.
        number: Table number (1 for the first table).
        table: The table.
        measures: What its body shows (``value``, ``percent``), in order.
        caption: ``Table 1`` or ``Table 1 (percent)``.
    """

    name: str
    number: int
    table: Table
    measures: tuple[str, ...]
    caption: str

    @property
    def title(self) -> str:
        """The sheet's title, in A1 and in every page header."""
        return f"{self.caption}: {self.table.title}"

    @property
    def object_name(self) -> str:
        """The Excel table object's name: unique, a valid name, no cell reference."""
        suffix = "_percent" if self.measures == (PERCENT,) else ""
        return f"Table_{self.number}{suffix}"


def plan_sheets(tables: Sequence[Table], layout: str, taken: set[str]) -> list[TableSheet]:
    """The table sheets, named ``1 Nativity age sex`` (``1 Percent nativity age sex``).

    Accessible: a sheet per measure. Classic: a sheet per table.
    """
    sheets = []
    for number, table in enumerate(tables, start=1):
        shown = measures(bool(table.percent_of))
        words = words_of(table.recipe_id)
        if layout == "classic":
            name = sheet_name(str(number), words, taken)
            sheets.append(TableSheet(name, number, table, shown, f"Table {number}"))
            continue
        for measure in shown:
            if measure == PERCENT:
                name = sheet_name(str(number), f"Percent {words.lower()}", taken)
                caption = f"Table {number} (percent)"
            else:
                name = sheet_name(str(number), words, taken)
                caption = f"Table {number}"
            sheets.append(TableSheet(name, number, table, (measure,), caption))
    return sheets


def column_headings(layout: Grid, measure: str) -> list[str]:
    """One heading per body column: its spanners, outer first, joined by ``": "``."""
    count = len(layout.values[0]) if layout.values else 0
    parts: list[list[str]] = [[] for _ in range(count)]
    for header in layout.header_rows:
        column = 0
        for cell in header:
            for offset in range(cell.span):
                if column + offset < count:
                    parts[column + offset].append(cell.label)
            column += cell.span
    fallback = "Percent" if measure == PERCENT else "Number"
    return [": ".join(part) or fallback for part in parts]


def write_accessible(
    sheet: Any,
    spec: TableSheet,
    note_numbers: Sequence[int],
    grids: Grids | None = None,
    styles: CellStyles | None = None,
) -> None:
    """Write one measure of a table as an accessible sheet with one Excel table object.

    Args:
        sheet: The empty worksheet.
        spec: The sheet to write (one measure).
        note_numbers: Numbers of the table's notes on the Notes sheet.
        grids: Where the table's grid is laid out once (None: laid out here).
        styles: The workbook's memo of cell styles (None: one for this sheet).
    """
    (measure,) = spec.measures
    table = spec.table
    grids = grids or Grids()
    layout = grids.grid(table, measure)
    styles = styles or CellStyles()
    lead = [spec.title, f"Universe: {table.universe_label}"]
    if measure == PERCENT:
        lead.append(_percent_line(table))
    if note_numbers:
        marks = " ".join(f"[note {number}]" for number in note_numbers)
        lead.append(f"Notes for this table are on the Notes sheet: {marks}")
    errors = sampling_errors_of(table, measure)
    lead += [legend([layout, *(grids.grid(table, name) for name in errors)])]
    lead += [reliability_legend(table.sampling_errors)] if table.sampling_errors else []
    lead += [no_sampling_errors_note(table.variance_note)] if table.variance_note else []
    lead.append(table.source)
    for row, text in enumerate(lead, start=1):
        sheet.cell(row=row, column=1, value=text).font = TITLE if row == 1 else PLAIN
    header_row = len(lead) + 1
    stub_width = len(layout.stub_titles)
    headings = unique_headings([*layout.stub_titles, *column_headings(layout, measure)])
    widths = _widths(layout, headings, measure)
    set_widths(sheet, widths)
    header_height = height(
        max(lines(text, width) for text, width in zip(headings, widths, strict=True))
    )
    last = get_column_letter(len(headings))
    row = _write_rows(sheet, layout, header_row, headings, styles, marked=bool(errors))
    sheet.row_dimensions[header_row].height = header_height
    add_excel_table(sheet, spec.object_name, f"A{header_row}:{last}{row}", headings)
    assert table.sampling_errors is not None or not errors
    for name in errors:
        # Each sampling error is a table of its own under the estimates, headed by what it
        # is and its confidence level, with the estimates' columns.
        heading = sampling_heading(name, table.sampling_errors)  # type: ignore[arg-type]
        sheet.cell(row=row + 1, column=1, value=heading).font = BOLD
        top = row + 2
        row = _write_rows(sheet, grids.grid(table, name), top, headings, styles)
        sheet.row_dimensions[top].height = header_height
        add_excel_table(sheet, f"Table_{spec.number}_{name}", f"A{top}:{last}{row}", headings)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=stub_width + 1)
    print_setup(sheet, spec.title, widths, (header_row, header_row), stub_width, _groups(layout))


def _write_rows(
    sheet: Any,
    layout: Grid,
    header_row: int,
    headings: Sequence[str],
    styles: CellStyles,
    *,
    marked: bool = False,
) -> int:
    """Write a grid's header row at ``header_row`` and its body under it; return its last row.

    Args:
        sheet: The worksheet.
        layout: The grid.
        header_row: The row of the headings.
        headings: One heading per column, stub first.
        styles: The workbook's memo of cell styles.
        marked: Whether the body's numbers show their reliability flags (a survey's
            estimates and percentages).
    """
    stub_width = len(layout.stub_titles)
    for column, heading in enumerate(headings, start=1):
        styles.apply(
            sheet.cell(row=header_row, column=column, value=heading),
            BOLD,
            wrapped(vertical="bottom") if column <= stub_width else HEADER_ALIGNMENT,
        )
    number_format = PERCENT_FORMAT if layout.measure in DECIMAL_MEASURES else NUMBER_FORMAT
    row = header_row
    for stub, values in zip(layout.rows, layout.values, strict=True):
        row += 1
        font = BOLD if stub.total else PLAIN
        for column, label in enumerate(stub.labels, start=1):
            indent = 2 * stub.indent if column == stub_width else 0
            styles.apply(sheet.cell(row=row, column=column, value=label), font, wrapped(indent))
        _write_values(sheet, row, stub_width + 1, values, number_format, font, styles, marked)
    return row


def write_classic(
    sheet: Any,
    spec: TableSheet,
    note_numbers: Sequence[int],
    grids: Grids | None = None,
    styles: CellStyles | None = None,
) -> None:
    """Write a table as printed: spanners over merged cells, indented stub, notes under it.

    Args:
        sheet: The empty worksheet.
        spec: The sheet to write (every measure of the table).
        note_numbers: Numbers of the table's notes on the Notes sheet (cited under it).
        grids: Where the table's grids are laid out once (None: laid out here).
        styles: The workbook's memo of cell styles (None: one for this sheet).
    """
    table = spec.table
    grids = grids or Grids()
    styles = styles or CellStyles()
    layouts = {measure: grids.grid(table, measure) for measure in spec.measures}
    first = layouts[VALUE]
    headings = unique_headings([*first.stub_titles, *column_headings(first, VALUE)])
    widths = _widths(first, headings, VALUE, spanned=True)
    set_widths(sheet, widths)
    sheet.cell(row=1, column=1, value=spec.title).font = TITLE
    sheet.cell(row=2, column=1, value=f"Universe: {table.universe_label}").font = PLAIN
    row = 4
    title_rows: tuple[int, int] | None = None
    shown: list[Grid] = []
    for measure, layout in layouts.items():
        if measure == PERCENT:
            sheet.cell(row=row, column=1, value="Percent").font = BOLD
            sheet.cell(row=row + 1, column=1, value=_percent_line(table)).font = PLAIN
            row += 2
        errors = sampling_errors_of(table, measure)
        body_row = _write_spanned(sheet, layout, row, widths, styles, marked=bool(errors))
        title_rows = title_rows or (row, body_row - 1)
        row = body_row + len(layout.rows) + 1
        shown.append(layout)
        for name in errors:
            heading = sampling_heading(name, table.sampling_errors)  # type: ignore[arg-type]
            sheet.cell(row=row, column=1, value=heading).font = BOLD
            error_grid = grids.grid(table, name)
            body_row = _write_spanned(sheet, error_grid, row + 1, widths, styles)
            row = body_row + len(error_grid.rows) + 1
            shown.append(error_grid)
    notes = table_notes(table, grids)
    texts = [f"Note {n}: {note}" for n, note in zip(note_numbers, notes, strict=True)]
    texts += [legend(shown), table.source]
    for text in texts:
        sheet.cell(row=row, column=1, value=text).font = PLAIN
        row += 1
    stub_width = len(first.stub_titles)
    assert title_rows is not None
    sheet.freeze_panes = sheet.cell(row=title_rows[1] + 1, column=stub_width + 1)
    print_setup(sheet, spec.title, widths, title_rows, stub_width, _groups(first))


def _groups(layout: Grid) -> tuple[int, ...]:
    """The body columns under each outer spanner (none when there is one heading row)."""
    if len(layout.header_rows) < 2:
        return ()
    return tuple(cell.span for cell in layout.header_rows[0])


def table_notes(table: Table, grids: Grids | None = None) -> tuple[str, ...]:
    """A table's notes as published, and those of weighted estimates.

    The layout's notes: the recipe's, then what the published layout merged or left out;
    then, for a weighted table, that it is, and how its sampling errors were estimated with
    the meaning of its reliability flags (or why they could not be); then, for a protected
    table, how protection changed its values (see
    :func:`censusmig.renderers.protection_report.protection_notes`).

    Args:
        table: The table.
        grids: Where the table's grid is laid out once (None: laid out here).
    """
    weighted = ("Weighted estimates.",) if table.weighted else ()
    return (
        *(grids or Grids()).grid(table).notes,
        *weighted,
        *survey_notes(table),
        *protection_notes(table),
    )


def _percent_line(table: Table) -> str:
    titles = [d.title for d in table.dimensions if d.name in table.percent_of]
    of = " and ".join(titles) if titles else "the total"
    return f"Percentages: each cell as a share of its total over {of.lower()} (that total = 100)."


def _write_values(
    sheet: Any,
    row: int,
    first_column: int,
    values: Sequence[Cell],
    number_format: str,
    font: Font,
    styles: CellStyles,
    marked: bool = False,
) -> None:
    """Write a row's body cells: numbers, or symbols right-aligned.

    ``marked``: each number's format shows its reliability flag after it (numbers without
    one leave the room blank), the cell keeping its number.
    """
    for column, body in enumerate(values, start=first_column):
        if body.value is None:
            target = sheet.cell(row=row, column=column, value=symbol(body))
            styles.apply(target, font, RIGHT, number_format)
        else:
            target = sheet.cell(row=row, column=column, value=body.value)
            shown = marked_format(number_format, body.mark) if marked else number_format
            styles.apply(target, font, None, shown)


def _write_spanned(
    sheet: Any,
    layout: Grid,
    header_top: int,
    widths: Sequence[float],
    styles: CellStyles,
    *,
    marked: bool = False,
) -> int:
    """Write spanners, stub and body from ``header_top``; return the first body row.

    ``marked``: the numbers show their reliability flags (see :func:`_write_values`).
    """
    stub_width = len(layout.stub_titles)
    for offset, header in enumerate(layout.header_rows):
        row = header_top + offset
        column = stub_width + 1
        needed = 1
        for cell in header:
            styles.apply(
                sheet.cell(row=row, column=column, value=cell.label), BOLD, HEADER_ALIGNMENT
            )
            room = sum(widths[column - 1 : column - 1 + cell.span])
            needed = max(needed, lines(cell.label, room))
            if cell.span > 1:
                sheet.merge_cells(
                    start_row=row,
                    start_column=column,
                    end_row=row,
                    end_column=column + cell.span - 1,
                )
            column += cell.span
        sheet.row_dimensions[row].height = height(needed)
    last_header = header_top + max(len(layout.header_rows), 1) - 1
    for index, title in enumerate(layout.stub_titles, start=1):
        styles.apply(
            sheet.cell(row=last_header, column=index, value=title), BOLD, wrapped(vertical="bottom")
        )
    number_format = PERCENT_FORMAT if layout.measure in DECIMAL_MEASURES else NUMBER_FORMAT
    row = last_header + 1
    previous: tuple[str, ...] = ()
    for stub, values in zip(layout.rows, layout.values, strict=True):
        font = BOLD if stub.total else PLAIN
        for index, label in enumerate(stub.labels, start=1):
            outer = index < stub_width
            # An outer label is shown once, on the first row of its block.
            if outer and stub.labels[:index] == previous[:index]:
                continue
            indent = 2 * stub.indent if index == stub_width else 0
            styles.apply(sheet.cell(row=row, column=index, value=label), font, wrapped(indent))
        previous = stub.labels
        _write_values(sheet, row, stub_width + 1, values, number_format, font, styles, marked)
        row += 1
    return last_header + 1


def _widths(
    layout: Grid, headings: Sequence[str], measure: str, *, spanned: bool = False
) -> list[float]:
    """Column widths, in characters.

    The stub fits its longest label (up to a cap, then wraps); value columns fit their
    numbers and their heading's longest word, the heading wrapping on about three lines.
    """
    stub_width = len(layout.stub_titles)
    widths: list[float] = []
    for index in range(stub_width):
        labels = [
            len(row.labels[index]) + (2 * row.indent if index == stub_width - 1 else 0)
            for row in layout.rows
        ]
        widths.append(_bounded(max([*labels, len(headings[index])]) + 2, STUB_WIDTH))
    for index, heading in enumerate(headings[stub_width:]):
        column = [row[index] for row in layout.values]
        numbers = max((len(_shown(cell, measure)) for cell in column), default=1)
        # Classic: the column's own heading is the last spanner row; the others span wider.
        text = _last_heading(layout, index) if spanned and layout.header_rows else heading
        longest_word = max((len(word) for word in text.split()), default=1)
        widths.append(
            _bounded(max(numbers + 2, longest_word + 2, math.ceil(len(text) / 3) + 2), VALUE_WIDTH)
        )
    return widths


def _last_heading(layout: Grid, index: int) -> str:
    column = 0
    for cell in layout.header_rows[-1]:
        if column <= index < column + cell.span:
            return cell.label
        column += cell.span
    return ""


def _bounded(width: int, bounds: tuple[int, int]) -> float:
    return float(max(bounds[0], min(bounds[1], width)))


def _shown(cell: Cell, measure: str) -> str:
    if cell.value is None:
        return symbol(cell)
    number = f"{cell.value:.1f}" if measure == PERCENT else f"{round(cell.value):,}"
    return number if cell.mark is None else f"{number} {cell.mark}"
