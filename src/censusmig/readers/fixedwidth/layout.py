"""The layout of a fixed-width record, and reading, slicing and checking the lines it describes.

A codebook says where each variable sits on a line (1-based start column and width), whether it
is numeric, its implied decimals, its labels and, in a hierarchical file, which lines are the
person records. The codebook readers (:mod:`.ddi`, :mod:`.cspro`) turn one into a
:class:`Layout`; :func:`scan_fixed_width` slices the lines lazily (a 10 GB file is streamed, never
held whole); :func:`check_layout` reads the first lines and says, in one message, everything on
which the codebook and the data disagree; :func:`count_layout_problems` counts them over the whole
file.

Codes in value labels and missing-value lists are text, the way the frame's values print:
``"7"`` for a numeric item whose columns hold ``07``, ``"07"`` for an alpha item.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from censusmig.errors import Foreign, InputError, nearest
from censusmig.readers.meta import Metadata

__all__ = [
    "FixedField",
    "Layout",
    "check_fields",
    "check_layout",
    "count_layout_problems",
    "first_line",
    "layout_metadata",
    "scan_fixed_width",
]

_INT64_DIGITS = 18
"""Widest numeric field that always fits in an Int64; wider ones are read as Float64."""

_INTEGER_TEXT = r"^-?[0-9]+$"
_DECIMAL_TEXT = r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$"


@dataclass(frozen=True)
class FixedField:
    """One variable of a fixed-width record."""

    name: str
    """Column name in the frame."""
    start: int
    """First column of the field on the line, 1-based."""
    width: int
    """Number of characters the field occupies."""
    numeric: bool
    """True when the field holds a number (read as Int64, or Float64 with decimals)."""
    decimals: int
    """Number of decimal places; 0 for integers."""
    label: str = ""
    """Variable label (the question text, where the codebook has one)."""
    value_labels: Mapping[str, str] = field(default_factory=dict)
    """Code -> label; codes are text as the frame's values print (``"7"``, alpha ``"07"``)."""
    missing: tuple[str, ...] = ()
    """Codes the codebook declares missing (CSPro special values, DDI ``missing="Y"``)."""
    decimal_char: bool = False
    """True when the data write the decimal point (CSPro ``DecimalChar=Yes``); otherwise
    ``decimals`` are implied and the digits are divided by ``10**decimals``."""

    @property
    def end(self) -> int:
        """Last column of the field on the line, 1-based and inclusive."""
        return self.start + self.width - 1


@dataclass(frozen=True)
class Layout:
    """Where each variable of one record type sits on a line, read from a codebook."""

    codebook: Path
    """The codebook file this layout was read from."""
    kind: str
    """``"ddi"`` (IPUMS DDI XML) or ``"cspro"`` (CSPro dictionary)."""
    fields: tuple[FixedField, ...]
    """The record's variables, in codebook order (CSPro id items first)."""
    record_type: tuple[int, int, str] | None
    """(start, width, value) selecting the chosen records in a hierarchical file, else None."""
    record_length: int | None
    """Line length the codebook states (CSPro ``RecordLen``), else None."""
    data_file: Path | None
    """Data file the codebook names (DDI ``<fileName>``), next to the codebook, if any."""
    record: str | None = None
    """The chosen record: its CSPro name, or the IPUMS record type of a hierarchical extract;
    None for a rectangular IPUMS extract."""
    household: Layout | None = None
    """In a hierarchical IPUMS extract read for persons, the household record, whose variables
    (state, household weight...) are joined onto each person; else None."""
    keys: tuple[str, ...] = ()
    """Variables on both the person and the household record that link them (YEAR, SERIAL)."""


def scan_fixed_width(data: Path, layout: Layout) -> pl.LazyFrame:
    """Open a fixed-width file lazily and cut its lines into the layout's columns.

    Each line is read whole as one string column and sliced per field; nothing is read until
    the plan is collected, and collecting streams. Values are stripped of blanks; a blank value
    is null. Numeric fields become Int64, or Float64 when they have decimals. Text that is not
    a number in a numeric field also becomes null here: :func:`check_layout` is the guard
    against that, and should be run first.

    Args:
        data: The uncompressed data file.
        layout: From :func:`read_codebook`.

    Returns:
        A lazy frame with one column per field, holding only the layout's records.

    Raises:
        InputError: The data file is missing or cannot be opened.
    """
    if not data.is_file():
        raise InputError(f"data file not found: {data}")
    try:
        lines = _scan_lines(data)
        lines.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError(f"{data}: cannot read as fixed-width text: {first_line(error)}") from None
    line = pl.col("line")
    every = lines.filter(line.is_not_null() & (line.str.strip_chars(" \t\r") != ""))
    lines = every
    if layout.record_type is not None:
        start, width, value = layout.record_type
        lines = every.filter(line.str.slice(start - 1, width).str.strip_chars() == value.strip())
    persons = lines.select([_field_expr(item) for item in layout.fields])
    household = layout.household
    if household is None or household.record_type is None:
        return persons
    start, width, value = household.record_type
    own = {item.name for item in layout.fields}
    extra = [item for item in household.fields if item.name not in own or item.name in layout.keys]
    households = every.filter(
        line.str.slice(start - 1, width).str.strip_chars() == value.strip()
    ).select([_field_expr(item) for item in extra])
    return persons.join(
        households, on=list(layout.keys), how="left", maintain_order="left", nulls_equal=False
    )


def count_layout_problems(data: Path, layout: Layout) -> dict[str, int]:
    """Count, over the whole file and lazily, the records that disagree with the codebook.

    :func:`check_layout` judges the first records only, before reading; this is the full
    count that ``censusmig check`` reports: records too short for the fields (IPUMS files,
    whose lines are written full width), and per numeric field the records whose text there is
    not a number (they would read as empty).

    Args:
        data: The uncompressed data file.
        layout: From :func:`read_codebook`.

    Returns:
        Problem -> number of records, only problems that occur (``"short line"``,
        ``"FIELD not a number"``).
    """
    line = pl.col("line")
    lines = _scan_lines(data).filter(line.is_not_null() & (line != ""))
    if layout.record_type is not None:
        start, width, value = layout.record_type
        lines = lines.filter(line.str.slice(start - 1, width).str.strip_chars() == value.strip())
    counts: list[pl.Expr] = []
    if layout.kind == "ddi":
        needed = max((item.end for item in layout.fields), default=0)
        counts.append((line.str.len_chars() < needed).sum().alias("short line"))
    for item in layout.fields:
        if not item.numeric:
            continue
        raw = line.str.slice(item.start - 1, item.width).str.strip_chars()
        bad = (raw != "") & ~raw.str.contains(r"^[+-]?[0-9]*\.?[0-9]*$") | (raw == ".")
        counts.append(bad.sum().alias(f"{item.name} not a number"))
    if not counts:
        return {}
    row = lines.select(counts).collect().row(0, named=True)
    return {name: int(count) for name, count in row.items() if count}


def layout_metadata(layout: Layout) -> Metadata:
    """The labels and missing codes a layout carries, as reader :class:`Metadata`.

    Args:
        layout: From :func:`read_codebook`.

    Returns:
        Metadata whose format is the layout's kind (``ddi`` or ``cspro``).
    """
    unique: dict[str, FixedField] = {}
    for item in (*layout.fields, *(layout.household.fields if layout.household else ())):
        unique.setdefault(item.name, item)
    fields = unique.values()
    return Metadata(
        format=layout.kind,
        column_labels={item.name: item.label for item in fields if item.label},
        value_labels={item.name: dict(item.value_labels) for item in fields if item.value_labels},
        missing={item.name: item.missing for item in fields if item.missing},
    )


def check_layout(data: Path, layout: Layout, sample_lines: int = 10_000) -> None:
    """Check that the codebook describes the data, judged on the first records of the file.

    Reads until ``sample_lines`` records of the layout's type are found (or ten times as many
    lines were read) and collects every disagreement into one message: no line carries the
    record type; lines too short for the fields (IPUMS) or longer than the record length
    (CSPro, which trims trailing blanks, so its short lines are fine); numeric fields holding
    something else than a number (the field, how many lines, the first line number; never the
    values).

    Args:
        data: The uncompressed data file.
        layout: From :func:`read_codebook`.
        sample_lines: How many records to judge on.

    Raises:
        InputError: The data file is missing or empty, or disagrees with the codebook.
    """
    if not data.is_file():
        raise InputError(f"data file not found: {data}")
    header = f"{data}: does not match the {_kind_name(layout.kind)} {layout.codebook}"
    same = "the same extract" if layout.kind == "ddi" else "the same dictionary version"
    fix = f"Check that {layout.codebook.name} is the codebook of {data.name} ({same})"
    numbers: list[int] = []
    records: list[str] = []
    type_counts: Counter[str] = Counter()
    read = 0
    glued: list[int] = []
    try:
        for number, text in _read_lines(data):
            if not text.strip(" \t\r"):
                continue
            read += 1
            if "\r" in text:
                glued.append(number)
            if layout.record_type is not None:
                start, width, value = layout.record_type
                found = text[start - 1 : start - 1 + width].strip()
                type_counts[found] += 1
                if found != value.strip():
                    if read >= 10 * sample_lines:
                        break
                    continue
            numbers.append(number)
            records.append(text)
            if len(records) >= sample_lines:
                break
    except OSError as error:
        raise InputError(f"{data}: cannot read: ", Foreign.of(error)) from None
    if read == 0:
        raise InputError(f"{data}: the data file is empty (it has no non-blank line)")
    if glued:
        raise InputError(
            f"{data}: {len(glued):,} line(s) hold a carriage return (CR) without a line feed "
            f"(first at line {glued[0]:,}), which glues records together: the file uses old Mac "
            "line ends or is damaged. Convert its line ends to LF or CRLF (mac2unix, or "
            "dos2unix -c mac) and run again"
        )
    if not records and layout.record_type is not None:
        raise InputError(_no_record_message(header, fix, layout, type_counts, read))
    problems = _length_problems(layout, numbers, records) + _numeric_problems(
        layout, numbers, records
    )
    if problems:
        what = f" {layout.record}" if layout.record else ""
        lines = [f"{header} (judged on its first {len(records):,}{what} records):"]
        lines += [f"  - {problem}" for problem in problems]
        lines.append(f"{fix}.")
        raise InputError("\n".join(lines))


# --------------------------------------------------------------------------- scanning


def _scan_lines(data: Path) -> pl.LazyFrame:
    # A separator and no quote character that never occur in census text make each line one
    # string; utf8-lossy turns a Latin-1 byte into one replacement character, so the columns
    # of every other character stay in place.
    return pl.scan_csv(
        data,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        schema={"line": pl.String},
        encoding="utf8-lossy",
        raise_if_empty=False,
        truncate_ragged_lines=True,
    )


def _field_expr(item: FixedField) -> pl.Expr:
    raw = pl.col("line").str.slice(item.start - 1, item.width).str.strip_chars()
    text = pl.when(raw != "").then(raw)
    if not item.numeric:
        return text.alias(item.name)
    if item.decimal_char or (item.decimals == 0 and item.width > _INT64_DIGITS):
        return text.cast(pl.Float64, strict=False).alias(item.name)
    if item.decimals > 0:
        # The decimal point goes into the text before parsing: polars divides a long column by
        # multiplying with the reciprocal, so 16523700 / 10**4 would give 1652.3700000000001.
        digits = pl.when(raw.str.contains("[0-9]")).then(raw).str.zfill(item.decimals + 1)
        point = digits.str.head(-item.decimals) + "." + digits.str.tail(item.decimals)
        return point.cast(pl.Float64, strict=False).alias(item.name)
    return text.cast(pl.Int64, strict=False).alias(item.name)


def _read_lines(data: Path) -> Iterator[tuple[int, str]]:
    # Binary lines split on "\n" only, as the lazy scan does; a bare "\r" is data.
    with data.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text


# --------------------------------------------------------------------------- checking


def _kind_name(kind: str) -> str:
    return "IPUMS DDI codebook" if kind == "ddi" else "CSPro dictionary"


def _no_record_message(
    header: str, fix: str, layout: Layout, type_counts: Counter[str], read: int
) -> str:
    assert layout.record_type is not None
    start, width, value = layout.record_type
    seen = ", ".join(f"{code!r} ({count} lines)" for code, count in type_counts.most_common(10))
    match = nearest(value, [code for code in type_counts if code])
    hint = f" The nearest value seen is {match!r}." if match else ""
    where = f"columns {start}-{start + width - 1}" if width > 1 else f"column {start}"
    what = f" ({layout.record})" if layout.record and layout.record != value else ""
    return (
        f"{header}: no line has the record type {value!r}{what} in {where}; the record types"
        f" in its first {read:,} lines are {seen}.{hint} {fix}; if the records you want carry"
        " another type, choose that record."
    )


def _length_problems(layout: Layout, numbers: Sequence[int], records: Sequence[str]) -> list[str]:
    if not layout.fields or not records:
        return []
    last = max(layout.fields, key=lambda item: item.end)
    lengths = [len(text) for text in records]
    problems = []
    if layout.kind == "ddi":
        need = max(last.end, layout.record_length or 0)
        short = [(number, n) for number, n in zip(numbers, lengths, strict=True) if n < need]
        if short:
            problems.append(
                f"{len(short)} of {len(records)} lines are shorter than the {need} characters"
                f" the codebook needs (its last field {last.name} ends in column {last.end});"
                f" line {short[0][0]} has {short[0][1]} characters"
            )
    # CSPro drops trailing blanks from the records it writes, so only a line longer than the
    # stated record length shows that the dictionary does not fit.
    limit = layout.record_length
    if limit is not None:
        long = [(number, n) for number, n in zip(numbers, lengths, strict=True) if n > limit]
        if long:
            problems.append(
                f"{len(long)} of {len(records)} lines are longer than the record length of"
                f" {limit} characters the codebook states; line {long[0][0]} has"
                f" {long[0][1]} characters"
            )
    return problems


def _numeric_problems(layout: Layout, numbers: Sequence[int], records: Sequence[str]) -> list[str]:
    numeric = [item for item in layout.fields if item.numeric]
    if not numeric or not records:
        return []
    frame = pl.DataFrame(
        {"number": numbers, "line": records}, schema={"number": pl.Int64, "line": pl.String}
    )
    exprs: list[pl.Expr] = []
    for index, item in enumerate(numeric):
        raw = pl.col("line").str.slice(item.start - 1, item.width).str.strip_chars()
        pattern = _DECIMAL_TEXT if item.decimal_char else _INTEGER_TEXT
        bad = (raw != "") & ~raw.str.contains(pattern)
        exprs.append(bad.sum().alias(f"count{index}"))
        exprs.append(pl.col("number").filter(bad).min().alias(f"first{index}"))
    row = frame.select(exprs).row(0)
    problems = []
    for index, item in enumerate(numeric):
        count, first = row[2 * index], row[2 * index + 1]
        if count:
            kind = "a number" if item.decimal_char else "whole-number digits"
            where = f"columns {item.start}-{item.end}" if item.width > 1 else f"column {item.start}"
            problems.append(
                f"numeric field {item.name} ({where}) holds something other than {kind} on"
                f" {count} of {len(records)} lines, first on line {first}"
            )
    return problems


def first_line(error: BaseException) -> str:
    """The first line of an error's text (its type's name when it has none), for messages.

    Scrubbed of the data values it may quote (:func:`censusmig.errors.scrub`).
    """
    return Foreign.of(error).shown()


def check_fields(path: Path, fields: Sequence[FixedField]) -> None:
    """Check the fields a codebook reader found: unique names, at least one, positive places.

    Args:
        path: The codebook, for messages.
        fields: The fields of the chosen record.

    Raises:
        InputError: A name repeats, there is no field, or a start or width is below 1.
    """
    counts = Counter(item.name for item in fields)
    twice = sorted(name for name, count in counts.items() if count > 1)
    if twice:
        raise InputError(f"{path}: the codebook names more than one field {', '.join(twice)}")
    if not fields:
        raise InputError(f"{path}: the chosen record has no fields")
    for item in fields:
        if item.start < 1 or item.width < 1:
            raise InputError(
                f"{path}: field {item.name} starts in column {item.start} with width"
                f" {item.width}; both must be 1 or more"
            )
