"""The Excel workbook: cover, contents, notes, a sheet per table and the data quality.

Sheets in order: **Cover** (what the tables are, their source file and its hash, methods,
release, publisher and contact), **Contents** (a link to every sheet), **Notes** (every
table's notes numbered, the symbols, the standards cited), the table sheets (see
:mod:`censusmig.renderers.workbook_tables` for the accessible and the classic layout),
**Protection** when a table was protected before publication (the methods, what they changed
and the attack test, as :mod:`censusmig.renderers.protection_report` gives them) and
**Data quality** (the run record's accounting, as :mod:`censusmig.renderers.quality` gives
it). The same tables give the same bytes: see :func:`save`.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from censusmig.disclosure import SUPPRESS
from censusmig.protection import Publication
from censusmig.protection.record import RunRecord
from censusmig.renderers.formatting import survey_notes, symbols
from censusmig.renderers.glossary import GLOSSARY
from censusmig.renderers.layout import Grids, grids_of
from censusmig.renderers.protection_report import (
    METHODS_HEADER,
    TABLES_HEADER,
    ProtectionReport,
    protection_report,
    run_notes,
)
from censusmig.renderers.quality import quality_rows
from censusmig.renderers.registry import RenderOptions
from censusmig.renderers.workbook_style import (
    BOLD,
    COUNT_FORMAT,
    HEADING,
    LINK,
    PLAIN,
    TITLE,
    WRAP,
    WRAP_LEFT,
    CellStyles,
    height,
    lines,
    print_setup,
    set_widths,
    unique_headings,
)
from censusmig.renderers.workbook_tables import (
    TableSheet,
    add_excel_table,
    plan_sheets,
    table_notes,
    write_accessible,
    write_classic,
)
from censusmig.renderers.workbook_writer import ExcelWriter
from censusmig.tables.table import Table

FIXED_TIME = dt.datetime(1980, 1, 1)
"""The workbook's creation and modification time, and every zip entry's: the earliest time a
zip entry can hold, a constant, so that the same tables give the same bytes on every run (the
run's date is in run.json's inputs, not in the workbook)."""

COVER, CONTENTS, NOTES, QUALITY = "Cover", "Contents", "Notes", "Data quality"
PROTECTION = "Protection"
DECIMAL_FORMAT = "#,##0.0"
"""A measure that is not a whole number (a relative change in percent, a weighted gap)."""
PUBLICATION = "tables on international migration"
"""What the workbook is, after the census name (as the report's title says)."""


def render(publication: Publication, out: Path, options: RenderOptions) -> tuple[Path, ...]:
    """Write ``<out>/tables.xlsx``: the published tables and the run record's data quality.

    Args:
        publication: What the run publishes.
        out: The output folder.
        options: ``excel_layout`` chooses the table sheets' layout.

    Returns:
        The workbook written.
    """
    return (
        write_workbook(
            publication.tables,
            out / "tables.xlsx",
            publication.record,
            quality_rows(publication.record, {t.recipe_id: t.title for t in publication.tables}),
            layout=options.excel_layout,
            grids=grids_of(publication),
        ),
    )


def write_workbook(
    tables: Sequence[Table],
    path: Path,
    record: RunRecord,
    quality: Sequence[Sequence[object]],
    *,
    layout: str = "accessible",
    grids: Grids | None = None,
) -> Path:
    """Write the workbook.

    Args:
        tables: Published tables.
        path: The ``.xlsx`` file to write.
        record: The run record (census, source file, release, version).
        quality: Rows of the data-quality sheet, header first.
        layout: ``accessible`` or ``classic`` (see :mod:`censusmig.renderers.workbook_tables`).
        grids: Where each table's grid is laid out once, shared with the other renderers of
            the publication (None: laid out for this workbook).

    Returns:
        The file written.
    """
    grids = grids or Grids()
    styles = CellStyles()
    book = Workbook()
    protection = protection_report(tables)
    taken = {COVER, CONTENTS, NOTES, QUALITY} | ({PROTECTION} if protection else set())
    sheets = plan_sheets(tables, layout, taken)
    notes, numbers = _number_notes(tables, grids)
    cover = book.active
    cover.title = COVER
    contents = book.create_sheet(CONTENTS)
    _write_notes(
        book.create_sheet(NOTES), notes, sheets, styles, _flags(tables), protection is not None
    )
    for spec in sheets:
        sheet = book.create_sheet(spec.name)
        (write_classic if layout == "classic" else write_accessible)(
            sheet, spec, numbers[spec.number - 1], grids, styles
        )
    if protection is not None:
        _write_protection(book.create_sheet(PROTECTION), protection, styles)
    _write_quality(book.create_sheet(QUALITY), quality, styles)
    _write_cover(cover, record, tables)
    _write_contents(contents, record, tables, sheets, styles, protection is not None)
    _set_properties(book, record, tables)
    path.parent.mkdir(parents=True, exist_ok=True)
    save(book, path)
    return path


def _flags(tables: Sequence[Table]) -> list[tuple[str, str]]:
    """The reliability flags the tables use and their meanings, each flag once.

    Tables with other cut-offs would give one flag two meanings: each is listed.
    """
    found = (
        flag
        for table in tables
        if table.sampling_errors is not None
        for flag in table.sampling_errors.legend()
    )
    return list(dict.fromkeys(found))


def publication_title(record: RunRecord) -> str:
    """The workbook's title: the census name and what it holds."""
    return f"{record.census.name}: {PUBLICATION}"


def save(book: Workbook, path: Path) -> None:
    """Save a workbook so that the same contents give the same bytes.

    openpyxl stamps the save time into ``docProps/core.xml`` and every zip entry: the
    properties' times are set to :data:`FIXED_TIME`, and the archive openpyxl writes is
    copied entry by entry, in its order, with that time, fixed permissions and the same
    compression (deflate). The sheets are written by
    :class:`censusmig.renderers.workbook_writer.ExcelWriter` (openpyxl's, faster on cells).

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


def _number_notes(
    tables: Sequence[Table], grids: Grids
) -> tuple[list[tuple[str, list[int]]], list[list[int]]]:
    """Number every distinct note once, in order of first use.

    Returns:
        The notes (text, numbers of the tables it belongs to) and each table's note numbers.
    """
    found: dict[str, list[int]] = {}
    numbers: list[list[int]] = []
    for number, table in enumerate(tables, start=1):
        own = []
        for note in table_notes(table, grids):
            found.setdefault(note, []).append(number)
            own.append(list(found).index(note) + 1)
        numbers.append(own)
    return list(found.items()), numbers


def _lead(sheet: Any, texts: Sequence[str]) -> int:
    """Write the title (A1) and lines under it; return the next row."""
    for row, text in enumerate(texts, start=1):
        sheet.cell(row=row, column=1, value=text).font = TITLE if row == 1 else PLAIN
    return len(texts) + 1


def _write_block(
    sheet: Any,
    top: int,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    styles: CellStyles,
    name: str | None = None,
) -> int:
    """Write a header row and its rows from ``top``; return the next free row.

    With ``name``, the block is an Excel table object of that name.
    """
    headings = unique_headings(header)
    for column, text in enumerate(headings, start=1):
        styles.apply(sheet.cell(row=top, column=column, value=text), BOLD, WRAP)
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if value == "":
                continue  # an empty cell, not an empty string
            count = isinstance(value, int) and not isinstance(value, bool)
            measure = isinstance(value, float) and not float(value).is_integer()
            number = COUNT_FORMAT if count or isinstance(value, float) else None
            styles.apply(
                sheet.cell(row=top + offset, column=column, value=value),
                PLAIN,
                WRAP,
                DECIMAL_FORMAT if measure else number,
            )
    last = top + len(rows)
    if name is not None and rows:
        ref = f"A{top}:{get_column_letter(len(header))}{last}"
        add_excel_table(sheet, name, ref, headings)
    return last + 1


def _fit_heights(sheet: Any, widths: Sequence[float], first_row: int) -> None:
    """Row heights for wrapped text from ``first_row`` down."""
    for row in sheet.iter_rows(min_row=first_row):
        needed = max(
            (
                lines(str(cell.value), widths[cell.column - 1])
                for cell in row
                if cell.value is not None and cell.column <= len(widths)
            ),
            default=1,
        )
        if needed > 1:
            sheet.row_dimensions[row[0].row].height = height(needed)


def _write_cover(sheet: Any, record: RunRecord, tables: Sequence[Table]) -> None:
    census = record.census
    weighting = (
        f"The values are weighted estimates (weight: {census.weight})."
        if census.weight is not None
        else "The values are counts of persons (a full count, not weighted)."
    )
    changed = any(t.protection is not None and t.protection.method != SUPPRESS for t in tables)
    additive = (
        "every total and subtotal was computed as the sum of its cells, before protection "
        "changed the values (see below)"
        if changed
        else "every total and subtotal is the sum of its cells"
    )
    methods = (
        "Each table counts the usually resident persons of its universe (named under its "
        "title) by the categories of its dimensions. Every person of a universe is counted in "
        f"exactly one inner cell, and {additive}. "
        f"{weighting}{_sampling_methods(tables)}{_protection_methods(tables)} Answers that "
        "are not stated, or hold a code in no code list, are counted, not dropped: the notes "
        "say how each table shows them and the Data quality sheet gives their numbers. The "
        "tables follow the United Nations Principles and Recommendations for Population and "
        "Housing Censuses (Revision 3) and the other standards listed on the Notes sheet, "
        "where the symbols are also explained."
    )
    facts: list[tuple[str, object]] = [
        ("Country", _country(census.country)),
        ("Reference date", census.reference_date.isoformat()),
        (
            "Residence rule",
            f"Usual residence: persons who have lived in the country for at least "
            f"{census.residence_rule_months} months, or intend to.",
        ),
        ("Tables", len(tables)),
        ("Source file", PurePath(record.input.path).name),
        ("Source file SHA-256", record.input.sha256),
        ("Methods", methods),
    ]
    facts += [
        (label, value)
        for label, value in (
            ("Release date", census.release_date and census.release_date.isoformat()),
            ("Publisher", census.publisher),
            ("Contact", census.contact),
        )
        if value is not None
    ]
    facts.append(("Generated by", f"censusmig {record.censusmig_version}"))
    top = _lead(sheet, [publication_title(record), f"Census: {census.name}"])
    for offset, (label, value) in enumerate(facts):
        sheet.cell(row=top + offset, column=1, value=label).font = BOLD
        cell = sheet.cell(row=top + offset, column=2, value=value)
        cell.font = PLAIN
        cell.alignment = WRAP_LEFT
        sheet.cell(row=top + offset, column=1).alignment = WRAP
    link_row = top + len(facts)
    sheet.cell(row=link_row, column=1, value="Contents").font = BOLD
    _link(sheet.cell(row=link_row, column=2), CONTENTS, "Go to the list of tables")
    widths = [22.0, 95.0]
    set_widths(sheet, widths)
    _fit_heights(sheet, widths, top)
    print_setup(sheet, publication_title(record), widths, text=True)


def _sampling_methods(tables: Sequence[Table]) -> str:
    """The cover's sentences on sampling errors (empty for a full count), each said once."""
    notes = [note for table in tables for note in survey_notes(table)]
    if any(table.sampling_errors is not None for table in tables):
        notes.append(
            "Each table shows the margins of error and coefficients of variation of its "
            "estimates under them; the tidy CSV files also give the standard errors and the "
            "confidence intervals."
        )
    return "".join(f" {note}" for note in dict.fromkeys(notes))


def _protection_methods(tables: Sequence[Table]) -> str:
    """The cover's sentences on disclosure control (empty when no table was protected)."""
    notes = run_notes(tables)
    if not notes:
        return ""
    lead = (
        " Before publication the tables were protected against the disclosure of persons "
        "(statistical disclosure control):"
    )
    tail = (
        f" The {PROTECTION} sheet gives the methods, their parameters and, for every "
        "protected table, the cells suppressed or changed and the attack test."
    )
    return lead + "".join(f" {note}" for note in notes) + tail


def _country(code: str) -> str:
    """The country's name and ISO code, or the code when it is no ISO country."""
    import pycountry

    found = pycountry.countries.get(alpha_3=code)
    return f"{found.name} ({code})" if found is not None else code


def _link(cell: Any, sheet_name: str, text: str) -> None:
    """Make ``cell`` a link to A1 of a sheet of this workbook."""
    quoted = sheet_name.replace("'", "''")
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{quoted}'!A1", display=text)
    cell.value = text
    cell.font = LINK


def _write_contents(
    sheet: Any,
    record: RunRecord,
    tables: Sequence[Table],
    sheets: Sequence[TableSheet],
    styles: CellStyles,
    protected: bool = False,
) -> None:
    sources = list(dict.fromkeys(table.source for table in tables))
    lead = ["Contents", publication_title(record), *sources]
    if record.census.release_date is not None:
        lead.append(f"Released: {record.census.release_date.isoformat()}")
    lead.append("Select a sheet name to go to that sheet.")
    top = _lead(sheet, lead)
    rows: list[Sequence[object]] = [
        (COVER, "", "About these tables: source, methods, release and contact", ""),
        (NOTES, "", "Notes on the tables, the symbols used and the standards cited", ""),
        *[(s.name, s.caption, s.table.title, s.table.universe_label) for s in sheets],
        *(
            [(PROTECTION, "", "How the tables were protected, what it changed, attack test", "")]
            if protected
            else []
        ),
        (QUALITY, "", "Record accounting, edit checks and codes in no code list", ""),
    ]
    end = _write_block(
        sheet, top, ["Sheet", "Table", "Title", "Universe"], rows, styles, "Contents_table"
    )
    for row in range(top + 1, end):
        cell = sheet.cell(row=row, column=1)
        _link(cell, str(cell.value), str(cell.value))
    widths = [32.0, 18.0, 70.0, 50.0]
    set_widths(sheet, widths)
    _fit_heights(sheet, widths, top + 1)
    print_setup(sheet, "Contents", widths, (top, top), text=True)


def _write_notes(
    sheet: Any,
    notes: Sequence[tuple[str, list[int]]],
    sheets: Sequence[TableSheet],
    styles: CellStyles,
    flags: Sequence[tuple[str, str]] = (),
    protected: bool = False,
) -> None:
    """Write the Notes sheet: the tables' notes, the symbols and the standards cited.

    ``flags``: the reliability flags of the survey estimates and their meanings, listed with
    the symbols (none for a full count). ``protected``: a table was protected, and ``x``
    has its full meaning (see :func:`censusmig.renderers.formatting.symbols`).
    """
    top = _lead(
        sheet,
        [
            "Notes",
            "This sheet has three tables: the notes on the tables, the symbols the tables use "
            "and the standards they cite.",
        ],
    )
    names: dict[int, list[str]] = {}
    for spec in sheets:
        names.setdefault(spec.number, []).append(spec.name)
    rows: list[list[object]] = [
        [f"note {number}", text, "; ".join(name for t in used for name in names[t])]
        for number, (text, used) in enumerate(notes, start=1)
    ]
    sheet.cell(row=top, column=1, value="Notes on the tables").font = HEADING
    top = _write_block(
        sheet, top + 1, ["Note number", "Note text", "Sheets"], rows, styles, "Notes_table"
    )
    sheet.cell(row=top, column=1, value="Symbols").font = HEADING
    listed = [[mark, meaning] for mark, meaning in symbols(protected).items()]
    listed += [[flag, f"{meaning} (shown beside the value)"] for flag, meaning in flags]
    top = _write_block(sheet, top + 1, ["Symbol", "Meaning"], listed, styles, "Symbols_table")
    sheet.cell(row=top, column=1, value="Standards cited").font = HEADING
    glossary = [[short, title] for short, title in GLOSSARY.items()]
    _write_block(sheet, top + 1, ["Abbreviation", "Standard"], glossary, styles, "Standards_table")
    widths = [16.0, 90.0, 40.0]
    set_widths(sheet, widths)
    _fit_heights(sheet, widths, 3)
    print_setup(sheet, "Notes", widths, text=True)


def _write_protection(sheet: Any, report: ProtectionReport, styles: CellStyles) -> None:
    """Write the Protection sheet: the methods, each protected table's report, the notes."""
    top = _lead(
        sheet,
        [
            PROTECTION,
            "How the tables were protected before publication (statistical disclosure "
            "control), what it changed and the attack test, as in run.json. This sheet has "
            "three tables: the methods, the protected tables and the notes.",
            "Attack test: for every suppressed cell, the smallest and the largest value "
            "consistent with everything published must lie at least the protection interval "
            "apart.",
        ],
    )
    sheet.cell(row=top, column=1, value="Methods").font = HEADING
    top = _write_block(
        sheet, top + 1, list(METHODS_HEADER), report.methods, styles, "Protection_methods"
    )
    sheet.cell(row=top, column=1, value="Protected tables").font = HEADING
    top = _write_block(
        sheet, top + 1, list(TABLES_HEADER), report.tables, styles, "Protection_tables"
    )
    sheet.cell(row=top, column=1, value="Notes on protection").font = HEADING
    _write_block(
        sheet, top + 1, ["Note"], [[note] for note in report.notes], styles, "Protection_notes"
    )
    widths = [50.0, 30.0, 14.0, 45.0, *[14.0] * (len(TABLES_HEADER) - 4)]
    set_widths(sheet, widths)
    _fit_heights(sheet, widths, 2)
    print_setup(sheet, PROTECTION, widths, text=True)


def _write_quality(sheet: Any, quality: Sequence[Sequence[object]], styles: CellStyles) -> None:
    top = _lead(
        sheet,
        [
            "Data quality",
            "Where the records of every table went, the edit checks and the codes in no code "
            "list, as in run.json.",
        ],
    )
    header, *rows = [list(row) for row in quality] or [["Item"]]
    _write_block(sheet, top, [str(text) for text in header], rows, styles)
    columns = max(len(row) for row in [header, *rows])
    widths = [
        float(
            max(
                12,
                min(
                    60 if column == 0 else 40,
                    max(len(_text(row[column])) for row in [header, *rows] if column < len(row))
                    + 2,
                ),
            )
        )
        for column in range(columns)
    ]
    set_widths(sheet, widths)
    _fit_heights(sheet, widths, top)
    sheet.freeze_panes = sheet.cell(row=top + 1, column=2)
    print_setup(sheet, "Data quality", widths, (top, top), 1, text=True)


def _text(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _set_properties(book: Workbook, record: RunRecord, tables: Sequence[Table]) -> None:
    properties = book.properties
    generator = f"censusmig {record.censusmig_version}"
    properties.title = publication_title(record)
    properties.subject = (
        f"Census tables on international migration, {record.census.name}, "
        f"reference date {record.census.reference_date.isoformat()}"
    )
    properties.creator = generator
    properties.lastModifiedBy = generator
    properties.keywords = "; ".join(
        ["census", "international migration", record.census.country, *_keywords(tables)]
    )
    properties.description = f"{len(tables)} tables; source file sha256 {record.input.sha256}"
    properties.language = "en"


def _keywords(tables: Sequence[Table]) -> list[str]:
    return list(dict.fromkeys(d.title.lower() for t in tables for d in t.dimensions))
