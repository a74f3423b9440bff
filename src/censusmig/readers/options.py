"""How to read a data file, as a value: the options every reading command shares.

Kept apart from :mod:`censusmig.readers.formats` so that the command line can build one without
importing Polars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DATA_FORMATS", "Note", "Progress", "ReadOptions"]

Progress = Callable[[int, int | None], None]
"""Called with (records done, records in all or None) while a file is read in chunks."""

Note = Callable[[str], None]
"""Called with a sentence about how a file was read (blank lines skipped), never data values."""


DATA_FORMATS = ("csv", "tsv", "parquet", "sav", "dta", "fixed-width")
"""Formats :attr:`ReadOptions.data_format` may name, to read a file whatever its name."""


@dataclass(frozen=True)
class ReadOptions:
    """How to read a data file; the defaults suit most files.

    Attributes:
        delimiter: Field separator of a text file; None means tab for ``.tsv`` and a comma
            otherwise.
        encoding: Text encoding of CSV and fixed-width files (any name Python knows).
        header: Whether the first line of a CSV holds the column names.
        codebook: The codebook of a fixed-width file: IPUMS DDI ``.xml`` or CSPro ``.dcf``.
        record: Record type to read from a hierarchical fixed-width file (CSPro record name,
            IPUMS record type); by default the person record.
        keep_blanks: Keep the leading and trailing blanks of CSV fields and column names;
            by default they are trimmed, so ``" 105363"`` is the number 105363 and ``" Male"``
            the code ``"Male"``.
        data_format: Read the file as this format (one of :data:`DATA_FORMATS`) whatever
            its name says; by default the format comes from the file's extension, so a CSV
            named ``.data``, ``.asc``, ``.dat`` or without an extension needs it.
        columns: Names of the columns of a text file without a header line (with
            ``header=False``), in file order; as many as the file has fields. By default
            such columns are named ``column_1``, ``column_2``...
        text_columns: Columns of a text file (CSV, TSV) to read as text whatever they look
            like: identifiers such as ``"1978.1"`` and ``"1978.10"``, which as numbers would
            be one value. Set from the profile (its person and household ids) by the commands
            that have one; names not in the file are ignored here (the profile check names
            them). Other formats keep the types they store.
        note: Called with what the reader did that changes the records read (blank lines
            skipped); the command line prints it on stderr. The count is also kept on the
            :class:`~censusmig.readers.formats.Source`.
    """

    delimiter: str | None = None
    encoding: str = "utf-8"
    header: bool = True
    codebook: Path | None = None
    record: str | None = None
    keep_blanks: bool = False
    data_format: str | None = None
    columns: tuple[str, ...] = ()
    text_columns: tuple[str, ...] = ()
    note: Note | None = field(default=None, compare=False)
