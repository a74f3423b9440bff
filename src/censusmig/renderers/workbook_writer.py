"""Writing the workbook's sheets: openpyxl's writer, with the cells serialised directly.

openpyxl writes each cell by building an XML element and serialising it through et_xmlfile,
in pure Python: for the 30,000 cells of the sample's workbook that was most of the time spent
saving it. :class:`ExcelWriter` is openpyxl's own writer, except that the ordinary cells
(text, numbers, booleans and empty styled cells) are written as the text et_xmlfile would
make of them, character for character: the same file, byte for byte (a test compares the
two). Any other cell (a formula, a date, rich text, a hyperlink, text with leading or
trailing spaces) and any other XML library (openpyxl uses lxml when it is installed) goes
through openpyxl's own code.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import _escape_attrib, _escape_cdata  # type: ignore[attr-defined]

from openpyxl import LXML
from openpyxl.cell._writer import write_cell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter as OpenpyxlExcelWriter

_PLAIN_TYPES = {"s": "inlineStr", "n": "n", "b": "b", "e": "e"}
"""openpyxl's data type -> the ``t`` attribute it writes, for the cells written here."""


class ExcelWriter(OpenpyxlExcelWriter):  # type: ignore[misc]
    """openpyxl's ``ExcelWriter``, writing worksheets with :class:`_WorksheetWriter`."""

    def write_worksheet(self, ws: Any) -> None:
        """Write one worksheet into the archive (openpyxl 3.1's method, with the writer here)."""
        if self.workbook.write_only:  # never here: the workbook is built in memory
            super().write_worksheet(ws)
            return
        from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing

        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _WorksheetWriter(ws)
        writer.write()
        ws._rels = writer._rels
        self._archive.write(writer.out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()


class _WorksheetWriter(WorksheetWriter):  # type: ignore[misc]
    """openpyxl's worksheet writer, with :func:`_write_plain_cell` for the ordinary cells."""

    def write_row(self, xf: Any, row: Any, row_idx: int) -> None:
        """Write a row as openpyxl's ``WorksheetWriter.write_row`` does."""
        write = getattr(xf, "_file", None)
        if LXML or write is None:
            super().write_row(xf, row, row_idx)
            return
        attrs = {"r": f"{row_idx}"}
        attrs.update(self.ws.row_dimensions.get(row_idx, {}))
        with xf.element("row", attrs):
            for cell in row:
                if cell._comment is not None:
                    self.ws._comments.append(CommentRecord.from_cell(cell))
                if cell._value is None and not cell.has_style and not cell._comment:
                    continue
                styled = cell.has_style
                if not _write_plain_cell(write, cell, styled):
                    write_cell(xf, self.ws, cell, styled)


def _write_plain_cell(write: Any, cell: Any, styled: bool) -> bool:
    """Write an ordinary cell as et_xmlfile serialises openpyxl's element for it.

    Args:
        write: et_xmlfile's function that writes text into the sheet's XML.
        cell: The cell.
        styled: Whether the cell has a style (its ``s`` attribute).

    Returns:
        False, having written nothing, for a cell this does not write.
    """
    kind = _PLAIN_TYPES.get(cell.data_type)
    value = cell._value
    if kind is None or cell.hyperlink is not None:
        return False
    if kind == "inlineStr" and (not isinstance(value, str) or value != value.strip()):
        return False  # rich text; spaces kept with xml:space
    # The order of the attributes and of the style ids is openpyxl's (_set_attributes).
    start = f'<c r="{_escape_attrib(cell.coordinate)}"'
    if styled:
        start += f' s="{cell.style_id}"'
    start += f' t="{kind}"'
    if value is None or value == "":
        write(start + " />")
    elif kind == "inlineStr":
        write(f"{start}><is><t>{_escape_cdata(value)}</t></is></c>")
    else:
        text = safe_string(value)
        content = f"<v>{_escape_cdata(text)}</v>" if text else "<v />"
        write(f"{start}>{content}</c>")
    return True
