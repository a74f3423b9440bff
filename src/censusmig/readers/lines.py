"""The line structure of a delimited text file, checked before any record is read.

Polars' CSV reader forgives a damaged file: a row with too few fields is padded with nulls, a
row with too many is read or refused depending on the columns selected, and a line that ends
in a lone carriage return (CR) glues two records together. Each command would then count a
different number of persons. :func:`check_lines` reads the file once as lines (streaming, at
Polars' speed) and gives one verdict for every command:

* blank lines (outside quoted fields) are not records: they are counted, to be skipped;
* a lone CR outside a quoted field is an error (the file uses old Mac line ends);
* a quote that opens a field and never closes is an error naming the line it opens on, and so
  is a quote that does not fill its field (``1,x"y,3``);
* a record whose field count differs from the header's is an error naming its line numbers
  (the first few) and the count; a short last record says the file is probably truncated.

Messages carry line numbers and counts, never the content of a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from censusmig.errors import InputError

__all__ = ["LineFacts", "check_lines"]

SHOWN_LINES = 5
"""Line numbers named in a message at most; the count says how many there are in all."""

_QUOTE = '"'
_QUOTED = r'("[^"]*")+'
"""A quoted field: quoted spans side by side (an escaped quote, ``""``, splits it in two)."""

_FIELD = "\uffff"
"""What a quoted field becomes in the text outside quotes (a noncharacter: never in data)."""


@dataclass(frozen=True)
class LineFacts:
    """What :func:`check_lines` found in a text file that passed.

    Attributes:
        lines: Lines in the file (a last line without its line end counts).
        blank_lines: Lines that hold only blanks, outside quoted fields: not records.
        fields: Fields of each record (those of the header line, or of the first record).
    """

    lines: int
    blank_lines: int
    fields: int


def check_lines(path: Path, text: Path, separator: str, blanks: str) -> LineFacts:
    """Check that every record of a delimited UTF-8 text file has the header's field count.

    One streaming pass over the lines in the common case (no quoted field holds a line end,
    no damage); the line numbers of a problem are found by a second pass.

    Args:
        path: The file the user named (for messages).
        text: The UTF-8 file read; its line numbers are the user's file's.
        separator: The field separator (one character).
        blanks: The characters a blank line may hold (never the separator).

    Returns:
        The counts, when the file is sound.

    Raises:
        InputError: A lone CR line end, an unbalanced quote, or records whose field count
            differs from the header's (line numbers and counts given, no content).
    """
    lines = pl.scan_lines(text, name="line").with_row_index("number", offset=1)
    line = pl.col("line")
    quotes = line.str.count_matches(_QUOTE, literal=True)
    blank = _blank(line, blanks)
    frame = lines.with_columns(
        blank.alias("blank"),
        pl.col("number").alias("record"),
        line.str.replace_all(_QUOTED, _FIELD).alias("outside"),
    )
    record = ~pl.col("blank")
    facts = (
        _with_counts(frame, separator)
        .select(
            pl.len().alias("lines"),
            (quotes % 2 == 1).any().alias("spanning"),
            pl.col("blank").sum().alias("blank_lines"),
            (pl.col("cr") > 0).and_(record).any().alias("cr"),
            (pl.col("misquoted") & record).any().alias("misquoted"),
            pl.col("separators").filter(record).n_unique().alias("distinct"),
            pl.col("separators").filter(record).first().alias("expected"),
        )
        .collect(engine="streaming")
        .row(0, named=True)
    )
    if facts["lines"] == 0:
        return LineFacts(0, 0, 0)
    if facts["spanning"]:
        return _verdict(path, _with_counts(_spanning(path, lines, quotes, blank), separator))
    if facts["cr"] or facts["misquoted"] or facts["distinct"] > 1:
        return _verdict(path, _with_counts(frame, separator))
    fields = 0 if facts["expected"] is None else int(facts["expected"]) + 1
    return LineFacts(int(facts["lines"]), int(facts["blank_lines"]), fields)


def _blank(line: pl.Expr, blanks: str) -> pl.Expr:
    """Whether a line holds only the characters of ``blanks`` (or nothing)."""
    if not blanks:
        return line == ""
    return line.str.replace_all(f"[{_char_class(blanks)}]", "") == ""


def _with_counts(frame: pl.LazyFrame, separator: str) -> pl.LazyFrame:
    """Each line's separators and lone CRs outside quoted fields, and misplaced quotes.

    A quoted field must fill its field: a quote that opens or closes next to other text
    (``1,x"y,3``, ``"x" ,3``) is misplaced, and Polars would refuse the line or read it
    differently depending on the columns a command selects.
    """
    outside = pl.col("outside")
    other = f"[^{_char_class(separator)}]"
    return frame.with_columns(
        outside.str.count_matches(separator, literal=True).alias("separators"),
        outside.str.count_matches("\r", literal=True).alias("cr"),
        outside.str.contains(f"{other}{_FIELD}|{_FIELD}{other}").alias("misquoted"),
    )


def _spanning(path: Path, lines: pl.LazyFrame, quotes: pl.Expr, blank: pl.Expr) -> pl.LazyFrame:
    """Lines of a file whose quoted fields may hold line ends: each line's text outside quotes.

    A line that starts inside a quoted field belongs to the record of the line before; the
    text outside quotes is found by closing the quote at the line's start or end.

    Raises:
        InputError: The file ends inside a quoted field (a quote never closed).
    """
    after = quotes.cum_sum() % 2 == 1
    frame = lines.with_columns(
        after.shift(1, fill_value=False).alias("inside"), after.alias("open")
    ).with_columns(
        (~pl.col("inside")).cum_sum().alias("record"),
        (~pl.col("inside") & blank).alias("blank"),
        (
            pl.when(pl.col("inside")).then(pl.lit(_QUOTE)).otherwise(pl.lit(""))
            + pl.col("line")
            + pl.when(pl.col("open")).then(pl.lit(_QUOTE)).otherwise(pl.lit(""))
        )
        .str.replace_all(_QUOTED, _FIELD)
        .alias("outside"),
    )
    still_open, opens = (
        frame.select(
            pl.col("open").last(),
            pl.col("number").filter(~pl.col("inside")).last().alias("opens"),
        )
        .collect()
        .row(0)
    )
    if still_open:
        raise InputError(
            f"{path}: unbalanced quote: the quoted field that starts on line {opens:,} is "
            "never closed, so the rest of the file would be read as one value. Close the "
            'quote (a quote inside a quoted field is written twice: "")'
        )
    return frame


def _verdict(path: Path, frame: pl.LazyFrame) -> LineFacts:
    """Judge the lines: lone CRs first, then the field count of each record.

    Raises:
        InputError: See :func:`check_lines`.
    """
    frame = frame.collect().lazy()  # judged more than once: read once
    cr = (
        frame.filter((pl.col("cr") > 0) & ~pl.col("blank"))
        .select(pl.len(), pl.col("number").head(SHOWN_LINES).implode(), pl.col("cr").sum())
        .collect()
        .row(0)
    )
    if cr[0]:
        raise InputError(
            f"{path}: {cr[2]:,} lone carriage return(s) (CR without LF) outside quoted fields, "
            f"on {_lines(cr[1], cr[0])}: the file uses old Mac line ends, which "
            "would glue records together. Convert its line ends to LF or CRLF (for example "
            "with mac2unix, or dos2unix -c mac) and read it again"
        )
    misquoted = (
        frame.filter(pl.col("misquoted") & ~pl.col("blank"))
        .select(pl.len(), pl.col("number").head(SHOWN_LINES).implode())
        .collect()
        .row(0)
    )
    if misquoted[0]:
        raise InputError(
            f"{path}: {misquoted[0]:,} record(s) hold a quote that does not fill its field, on "
            f"{_lines(misquoted[1], misquoted[0])} (values not shown): a quoted field starts "
            "right after a separator and its closing quote comes right before the next one; a "
            'quote inside a quoted field is written twice (""). Correct those lines'
        )
    records = (
        frame.filter(~pl.col("blank"))
        .group_by("record", maintain_order=True)
        .agg(pl.col("number").first(), pl.col("separators").sum())
        .collect()
    )
    lines = int(frame.select(pl.len()).collect().item())
    blank_lines = int(frame.select(pl.col("blank").sum()).collect().item())
    if records.is_empty():
        return LineFacts(lines, blank_lines, 0)
    expected = int(records["separators"][0])
    bad = records.filter(pl.col("separators") != expected)
    if bad.is_empty():
        return LineFacts(lines, blank_lines, expected + 1)
    last_line, last = records.row(-1)[1:]
    if bad.height == 1 and bad["number"][0] == last_line and last < expected:
        raise InputError(
            f"{path}: the last line has {last + 1} field(s) where the header has "
            f"{expected + 1}; the file is probably truncated (copy or download it again)"
        )
    shown = ", ".join(
        f"{number:,} ({fields + 1})"
        for number, fields in bad.head(SHOWN_LINES).select("number", "separators").iter_rows()
    )
    more = f", and {bad.height - SHOWN_LINES:,} more" if bad.height > SHOWN_LINES else ""
    raise InputError(
        f"{path}: {bad.height:,} record(s) do not have the {expected + 1} fields of the first "
        f"line: line(s) {shown}{more} (the fields found in brackets; values not shown). A "
        "missing, extra or damaged separator shifts the fields after it: correct those lines, "
        "or check that the separator and the quoting are the file's"
    )


def _lines(numbers: list[int], count: int) -> str:
    shown = ", ".join(f"{n:,}" for n in numbers)
    word = "line" if count == 1 else "lines"
    more = f" and {count - len(numbers):,} more" if count > len(numbers) else ""
    return f"{word} {shown}{more}"


def _char_class(characters: str) -> str:
    """A regex character class body matching exactly ``characters``."""
    return "".join(f"\\x{ord(c):02x}" for c in characters)
