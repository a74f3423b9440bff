"""The workbook's look: named fonts, fitted widths, wrapped heights, print setup, sheet names.

Every styled cell gets a font with a name (a bold font without one falls back to a serif
font in LibreOffice). Widths and heights are estimated from the text in characters of the
default font, which is what Excel's column width counts.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

FONT_NAME = "Arial"
"""A sans-serif font every spreadsheet application has or maps (LibreOffice: Liberation
Sans, metric-compatible), as the UK Government Analysis Function recommends."""
PLAIN = Font(name=FONT_NAME, size=10)
BOLD = Font(name=FONT_NAME, size=10, bold=True)
HEADING = Font(name=FONT_NAME, size=12, bold=True)
TITLE = Font(name=FONT_NAME, size=14, bold=True)
LINK = Font(name=FONT_NAME, size=10, color="0563C1", underline="single")
WRAP = Alignment(wrap_text=True, vertical="top")
WRAP_LEFT = Alignment(horizontal="left", wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="bottom", wrap_text=True)


@functools.cache
def wrapped(indent: int = 0, vertical: str | None = None) -> Alignment:
    """Wrapped text, indented by ``indent`` (one object per indent, so styles can share it)."""
    return Alignment(indent=indent, vertical=vertical, wrap_text=True)


NUMBER_FORMAT = '#,##0;-#,##0;"-"'
PERCENT_FORMAT = '0.0;-0.0;"-"'
COUNT_FORMAT = "#,##0"
"""Counts outside the tables (data quality): thousands separators, zero as 0."""
UNMARKED = "_ _E"
"""What a number without a reliability flag ends with in a table that has flags: blank room
as wide as " E", so that its digits line up with those of the flagged numbers."""


@functools.cache
def marked_format(number_format: str, mark: str | None) -> str:
    """A number format that shows a reliability flag after the number: ``#,##0" E"``.

    The cell keeps its number (it stays computable); the flag is part of how it is shown.

    Args:
        number_format: The format without a flag (its sections: positive, negative, zero).
        mark: The flag ("E", "F"), or None for a number without one in a table with flags
            (then blank room as wide as a flag, :data:`UNMARKED`).
    """
    suffix = UNMARKED if mark is None else f'" {mark}"'
    return ";".join(section + suffix for section in number_format.split(";"))


TEXT_PER_WIDTH = 1.1
"""Characters of average text per unit of column width (estimated on the low side, so a
wrapped cell gets a line too many rather than one too few)."""
LINE_HEIGHT = 12.75
"""Points per line of 10-point text."""
STUB_WIDTH = (14, 45)
"""Narrowest and widest stub column (characters); longer labels wrap."""
VALUE_WIDTH = (9, 16)
"""Narrowest and widest value column; longer headings wrap on whole words."""
PAGE_WIDTH = 110
"""Landscape A4 inside the margins, in units of column width at 100%, on the safe side:
LibreOffice printed 134 units at 85% on one page for one sheet and on two for another, so
about 114 fit; Excel's metrics differ a little."""
MIN_FIT_SCALE = 0.7
"""Fit a table to one page wide only when that prints it at 70% or more; a wider table
prints on several pages across, each with the stub and headings, at :data:`WIDE_SCALE` or
less (down to :data:`MIN_WIDE_SCALE`) so that the columns under one spanner share a page."""
WIDE_SCALE = 85
MIN_WIDE_SCALE = 60

SHEET_NAME_LENGTH = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class CellStyles:
    """Each distinct cell style of one workbook computed once, then copied to the cells.

    Setting a cell's font, alignment or number format in openpyxl hashes the style object to
    find its index in the workbook's list, for every cell (tens of thousands on the table
    sheets). Here the first cell with a combination of font, alignment and format is styled
    the ordinary way and its indexes (openpyxl's ``StyleArray``) are copied to every later
    cell of that combination. The workbook's lists of fonts, alignments and formats fill in
    the same order either way, so the file written is the same, byte for byte.

    Combinations are told apart by the identity of their font and alignment objects (cheap,
    where equality hashes every attribute): the memo keeps a reference to each, so an
    identity is never reused while it lives. Pass shared objects (the module's constants,
    :func:`wrapped`); a fresh but equal object only costs one more ordinary styling.
    """

    def __init__(self) -> None:
        """An empty memo, for one workbook."""
        self._arrays: dict[
            tuple[int, int, str | None], tuple[StyleArray, Font, Alignment | None]
        ] = {}

    def apply(
        self,
        cell: Any,
        font: Font,
        alignment: Alignment | None = None,
        number_format: str | None = None,
    ) -> None:
        """Style a cell that has no style yet: its font, and its alignment and format if given.

        Args:
            cell: A cell of the workbook this memo belongs to, not styled before.
            font: Its font.
            alignment: Its alignment (None: the default).
            number_format: Its number format (None: General).
        """
        key = (id(font), id(alignment), number_format)
        found = self._arrays.get(key)
        if found is not None:
            cell._style = StyleArray(found[0])
            return
        if number_format is not None:
            cell.number_format = number_format
        cell.font = font
        if alignment is not None:
            cell.alignment = alignment
        self._arrays[key] = (StyleArray(cell._style), font, alignment)


def lines(text: str, width: float) -> int:
    """Lines ``text`` takes when wrapped on whole words in a column ``width`` characters wide."""
    # A width counts zeros of the default font; text of 10-point Arial averages narrower.
    room = max(int(width * TEXT_PER_WIDTH) - 1, 1)
    count, used = 1, 0
    for word in text.split():
        size = len(word)
        if used and used + 1 + size > room:
            count += 1
            used = 0
        if size > room:
            count += math.ceil(size / room) - 1
            used = size % room
        else:
            used = used + 1 + size if used else size
    return count


def height(line_count: int) -> float:
    """Row height (points) of ``line_count`` lines of 10-point text."""
    return round(LINE_HEIGHT * line_count + 2.25, 2)


def fitted(text_widths: Iterable[int], bounds: tuple[int, int]) -> int:
    """A column width: the longest text plus room, within ``bounds``."""
    longest = max(text_widths, default=0) + 2
    return max(bounds[0], min(bounds[1], longest))


def set_widths(sheet: Any, widths: Sequence[float]) -> None:
    """Set the width of columns A, B, ... in order."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def header_footer_text(text: str) -> str:
    """Text for a page header: ``&`` doubled (a single one starts a code), cut to fit."""
    text = text if len(text) <= 200 else text[:199] + "…"
    return text.replace("&", "&&")


def print_setup(
    sheet: Any,
    title: str,
    widths: Sequence[float],
    title_rows: tuple[int, int] | None = None,
    title_columns: int = 0,
    groups: Sequence[int] = (),
    *,
    text: bool = False,
) -> None:
    """Landscape A4, the title on top and the page number below every page.

    A sheet of ``text`` (cover, contents, notes, data quality: wrapped words, no table to
    split) is always fitted to one page wide.

    A table that fits one page wide at :data:`MIN_FIT_SCALE` or more is fitted to it;
    a wider one prints across several pages, broken between ``groups`` (the value columns
    under each outer spanner, in order), at the scale (at most :data:`WIDE_SCALE`, at least
    :data:`MIN_WIDE_SCALE`) that puts the stub and the widest group on one page, so that a
    spanner is not split across pages. Either way ``title_rows`` (its headings) and the
    first ``title_columns`` (its stub) repeat on every page.
    """
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = sheet.PAPERSIZE_A4
    if text or sum(widths) <= PAGE_WIDTH / MIN_FIT_SCALE:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        setup.fitToWidth = 1
        setup.fitToHeight = 0
    else:
        sheet.sheet_properties.pageSetUpPr.fitToPage = False
        stub = sum(widths[:title_columns])
        spans = groups or [1] * (len(widths) - title_columns)
        starts = [title_columns + sum(spans[:index]) for index in range(len(spans))]
        widest = max(
            (sum(widths[start : start + span]) for start, span in zip(starts, spans, strict=True)),
            default=0.0,
        )
        # Small enough that the stub and the widest spanner's columns share a page.
        scale = int(100 * PAGE_WIDTH / (stub + widest)) if stub + widest else WIDE_SCALE
        setup.scale = max(MIN_WIDE_SCALE, min(WIDE_SCALE, scale))
        setup.pageOrder = "overThenDown"
        room = PAGE_WIDTH * 100 / setup.scale - stub
        for column in column_breaks(widths, title_columns, spans, room):
            sheet.col_breaks.append(Break(id=column))
    if title_rows is not None:
        sheet.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    if title_columns:
        sheet.print_title_cols = f"A:{get_column_letter(title_columns)}"
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.75
    sheet.oddHeader.center.text = header_footer_text(title)
    sheet.oddHeader.center.size = 9
    sheet.oddHeader.center.font = f"{FONT_NAME},Regular"
    sheet.oddFooter.center.text = "Page &P of &N"
    sheet.oddFooter.center.size = 9
    sheet.oddFooter.center.font = f"{FONT_NAME},Regular"


def column_breaks(
    widths: Sequence[float], stub: int, groups: Sequence[int], room: float
) -> list[int]:
    """Where to start a new page across: 0-based indexes of the columns that begin one.

    Whole groups go on a page while they fit in ``room`` (the page's width less the
    repeated stub); a group wider than a page is broken between its columns.
    """
    breaks: list[int] = []
    used, column = 0.0, stub
    for span in groups:
        group = sum(widths[column : column + span])
        if used and used + group > room:
            breaks.append(column)
            used = 0.0
        if group <= room:
            used += group
        else:
            for index in range(column, column + span):
                if used and used + widths[index] > room:
                    breaks.append(index)
                    used = 0.0
                used += widths[index]
        column += span
    return breaks


def sheet_name(prefix: str, words: str, taken: set[str]) -> str:
    """A valid, unique sheet name of at most 31 characters: ``prefix`` and ``words``.

    Characters a sheet name cannot hold (brackets, colon, star, question mark, slashes) are
    dropped. Words that do not fit are left out from the middle, small words (of, by, and)
    first, so that the last two words, which tell tables of one subject apart, stay. The
    name is added to ``taken``.
    """
    kept = " ".join(_FORBIDDEN.sub(" ", words).replace("'", "").split()).split()
    room = SHEET_NAME_LENGTH - len(prefix)
    if len(" ".join(kept)) + 1 > room:
        kept = [word for word in kept if word.lower() not in _SMALL_WORDS] or kept
    while len(kept) > 2 and len(" ".join(kept)) + 1 > room:
        del kept[-3]
    name = f"{prefix} {' '.join(kept)}"[:SHEET_NAME_LENGTH].rstrip()
    base, count = name, 1
    while name.lower() in {each.lower() for each in taken}:
        count += 1
        suffix = f" ({count})"
        room = SHEET_NAME_LENGTH - len(suffix)
        cut = base if len(base) <= room else base[: base.rfind(" ", 0, room + 1)]
        name = (cut or base[:room]) + suffix
    taken.add(name)
    return name


_SMALL_WORDS = frozenset({"of", "by", "and", "the", "in", "ago"})


def words_of(recipe_id: str) -> str:
    """A recipe id in words, first letter capital: ``nativity_age_sex`` -> ``Nativity age sex``."""
    text = " ".join(recipe_id.replace("_", " ").replace("-", " ").split())
    return text[:1].upper() + text[1:]


def unique_headings(labels: Sequence[str]) -> list[str]:
    """Column headings of an Excel table: text, one line, unique ignoring case."""
    found: list[str] = []
    seen: set[str] = set()
    for label in labels:
        text = " ".join(str(label).split()) or "Column"
        candidate, count = text, 1
        while candidate.lower() in seen:
            count += 1
            candidate = f"{text} ({count})"
        seen.add(candidate.lower())
        found.append(candidate)
    return found
