"""Fixed-width text microdata read through its codebook: IPUMS DDI XML or a CSPro dictionary.

A codebook says where each variable sits on a line (1-based start column and width), whether it
is numeric, its implied decimals, its labels and, in a hierarchical file, which lines are the
person records. :func:`read_codebook` turns one into a :class:`Layout`; :func:`scan_fixed_width`
slices the lines lazily (a 10 GB file is streamed, never held whole); :func:`check_layout` reads
the first lines and says, in one message, everything on which the codebook and the data disagree.

Codes in value labels and missing-value lists are text, the way the frame's values print:
``"7"`` for a numeric item whose columns hold ``07``, ``"07"`` for an alpha item.
"""

from __future__ import annotations

import json
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from censusmig.errors import InputError, nearest
from censusmig.readers.meta import Metadata, code_text

__all__ = [
    "FixedField",
    "Layout",
    "check_layout",
    "layout_metadata",
    "read_codebook",
    "scan_fixed_width",
]

CODEBOOK_KINDS = {".xml": "ddi", ".dcf": "cspro"}
"""Codebook file suffix -> layout kind."""

PERSON_WORDS = ("person", "population", "individual", "member")
"""Words in a CSPro record's name or label that mark the person record."""

CSPRO_SPECIALS = frozenset({"MISSING", "NOTAPPL", "DEFAULT", "REFUSED"})
"""CSPro special values; codes carrying one are missing values."""

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


def read_codebook(path: Path, record: str | None = None) -> Layout:
    """Read the layout of one record type from an IPUMS DDI (``.xml``) or CSPro (``.dcf``) file.

    Args:
        path: The codebook.
        record: Which record type to read in a hierarchical file: a CSPro record name such as
            ``POP_REC`` or an IPUMS record type such as ``"P"``. By default IPUMS gives the
            person records (``"P"``) and CSPro the record whose name or label says person,
            population, individual or member, or else the only record.

    Returns:
        The layout of the chosen records.

    Raises:
        InputError: The codebook is missing, unreadable or malformed (the message names the
            file and the line or key), or the record is unknown or cannot be chosen.
    """
    kind = CODEBOOK_KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unsupported codebook type {path.suffix!r}; censusmig reads IPUMS DDI"
            " codebooks (.xml) and CSPro dictionaries (.dcf)"
        )
    if not path.is_file():
        raise InputError(f"codebook not found: {path}")
    if kind == "ddi":
        return _read_ddi(path, record)
    return _read_cspro(path, record)


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
        raise InputError(f"{data}: cannot read as fixed-width text: {_first_line(error)}") from None
    line = pl.col("line")
    every = lines.filter(line.is_not_null() & (line != ""))
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
    try:
        for number, text in _read_lines(data):
            if not text:
                continue
            read += 1
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
        raise InputError(f"{data}: cannot read: {error}") from None
    if read == 0:
        raise InputError(f"{data}: the data file is empty (it has no non-blank line)")
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


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# --------------------------------------------------------------------------- IPUMS DDI


def _read_ddi(path: Path, record: str | None) -> Layout:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        line, column = error.position
        raise InputError(
            f"{path}: not well-formed XML at line {line}, column {column}"
            f" ({_first_line(error)}); is it the DDI codebook IPUMS sent with the extract?"
        ) from None
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    names = {"ddi": namespace} if namespace else {}
    prefix = "ddi:" if namespace else ""
    for required in ("fileDscr/fileTxt", "dataDscr/var"):
        steps = "/".join(prefix + step for step in required.split("/"))
        if root.find(f"./{steps}", names) is None:
            raise InputError(
                f"{path}: not an IPUMS DDI codebook: it has no <{required.replace('/', '><')}>"
                " element; use the .xml codebook IPUMS sent with the extract"
            )
    try:
        from ipumspy import readers  # type: ignore[import-untyped]
    except ImportError:
        raise InputError(
            f"{path}: reading an IPUMS DDI codebook needs the ipumspy package;"
            " install it with: pip install ipumspy"
        ) from None
    try:
        with warnings.catch_warnings():
            # ipumspy warns that IPUMS data must be cited; the citation is the user's to make.
            warnings.simplefilter("ignore")
            ddi: Any = readers.read_ipums_ddi(path)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, NotImplementedError) as e:
        raise InputError(
            f"{path}: ipumspy cannot read this DDI codebook ({type(e).__name__}: {_first_line(e)});"
            " use the .xml codebook IPUMS sent with the extract"
        ) from None
    # ipumspy keys categories by label, so codes that share a label are lost (IPUMS ATUS
    # ACTIVITY has seven); the categories are read from the XML instead.
    categories = _ddi_categories(root, names, prefix)
    description = ddi.file_description
    variables = list(ddi.data_description)
    record_type: tuple[int, int, str] | None = None
    chosen: str | None = None
    household: Layout | None = None
    keys: tuple[str, ...] = ()
    every = variables
    if description.structure == "hierarchical":
        rectypes = [str(value) for value in description.rectypes]
        chosen = _choose_ipums_record(path, record, rectypes)
        idvar = [v for v in variables if v.name == description.rectype_idvar]
        if not idvar:
            raise InputError(
                f"{path}: the hierarchical DDI codebook names the record type variable"
                f" {description.rectype_idvar!r} but does not describe it"
            )
        record_type = (idvar[0].start + 1, idvar[0].end - idvar[0].start, chosen)
        variables = [v for v in variables if chosen in str(v.rectype or "").split()]
        if chosen == "P" and "H" in rectypes:
            # Person records carry only the household's linking keys (YEAR, SERIAL); the
            # household's own variables (state, household weight) are joined on them.
            on_h = [v for v in every if "H" in str(v.rectype or "").split()]
            person_names = {v.name for v in variables}
            keys = tuple(
                str(v.name)
                for v in on_h
                if v.name in person_names and v.name != description.rectype_idvar
            )
            if keys:
                household = Layout(
                    codebook=path,
                    kind="ddi",
                    fields=tuple(_ddi_fields(on_h, categories)),
                    record_type=(record_type[0], record_type[1], "H"),
                    record_length=None,
                    data_file=None,
                    record="H",
                )
    elif record is not None and record.strip().upper() != "P":
        raise InputError(
            f"{path}: the extract is rectangular (one record per person), so there is no"
            f" record type {record!r} to choose; leave the record unset"
        )
    fields = _ddi_fields(variables, categories)
    _check_fields(path, fields)
    return Layout(
        codebook=path,
        kind="ddi",
        fields=tuple(fields),
        record_type=record_type,
        record_length=None,
        data_file=_ddi_data_file(path, description.filename),
        record=chosen,
        household=household,
        keys=keys,
    )


def _ddi_fields(
    variables: list[Any], categories: Mapping[str, tuple[dict[str, str], tuple[str, ...]]]
) -> list[FixedField]:
    fields = []
    for variable in variables:
        numeric = variable.vartype in ("numeric", "integer", "float")
        decimals = int(variable.shift or 0)
        codes, missing = categories.get(variable.id, ({}, ()))
        if numeric:
            codes = {_ddi_number(code, decimals): label for code, label in codes.items()}
            missing = tuple(_ddi_number(code, decimals) for code in missing)
        fields.append(
            FixedField(
                name=str(variable.name),
                start=int(variable.start) + 1,
                width=int(variable.end) - int(variable.start),
                numeric=numeric,
                decimals=decimals if numeric else 0,
                label=str(variable.label or ""),
                value_labels=codes,
                missing=missing,
            )
        )
    return fields


def _ddi_categories(
    root: ET.Element, names: dict[str, str], prefix: str
) -> dict[str, tuple[dict[str, str], tuple[str, ...]]]:
    result: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {}
    for var in root.iterfind(f"./{prefix}dataDscr/{prefix}var", names):
        labels: dict[str, str] = {}
        missing: list[str] = []
        for category in var.iterfind(f"./{prefix}catgry", names):
            code = (category.findtext(f"{prefix}catValu", "", names) or "").strip()
            if not code:
                continue
            labels.setdefault(code, (category.findtext(f"{prefix}labl", "", names) or "").strip())
            if category.get("missing", "").upper() == "Y":
                missing.append(code)
        result[var.get("ID", var.get("name", ""))] = (labels, tuple(missing))
    return result


def _ddi_number(code: str, decimals: int) -> str:
    try:
        whole = int(code)
    except ValueError:
        return code
    return code_text(whole / 10**decimals) if decimals else str(whole)


def _choose_ipums_record(path: Path, record: str | None, rectypes: Sequence[str]) -> str:
    wanted = (record or "P").strip().upper()
    if wanted in rectypes:
        return wanted
    match = nearest(wanted, rectypes)
    hint = f" Did you mean {match!r}?" if match else ""
    asked = "the person record type 'P'" if record is None else f"record type {record!r}"
    raise InputError(
        f"{path}: the hierarchical extract has no {asked}.{hint} Its record types are:"
        f" {', '.join(rectypes) or '(none)'}; choose one of them."
    )


def _ddi_data_file(path: Path, filename: str | None) -> Path | None:
    if not filename:
        return None
    named = path.parent / Path(filename).name
    # IPUMS delivers the data gzipped: cps_00160.dat is downloaded as cps_00160.dat.gz.
    zipped = named.with_name(named.name + ".gz")
    return zipped if not named.exists() and zipped.exists() else named


# --------------------------------------------------------------------------- CSPro


@dataclass
class _Value:
    """One ``Value=`` entry of a CSPro value set, as parsed."""

    pairs: list[tuple[str, str | None]]
    label: str
    special: str | None = None


@dataclass
class _ValueSet:
    """One CSPro value set, as parsed."""

    name: str = ""
    values: list[_Value] = field(default_factory=list)


@dataclass
class _Item:
    """One CSPro item, as parsed (start may be computed later for relative positions)."""

    where: str
    name: str = ""
    label: str = ""
    start: int | None = None
    length: int | None = None
    alpha: bool = False
    binary: bool = False
    subitem: bool = False
    subitem_offset: int | None = None
    occurrences: int = 1
    decimals: int = 0
    decimal_char: bool = False
    occurrence_labels: dict[int, str] = field(default_factory=dict)
    value_sets: list[_ValueSet] = field(default_factory=list)


@dataclass
class _Record:
    """One CSPro record, as parsed."""

    where: str
    level: int
    name: str = ""
    label: str = ""
    type_value: str = ""
    length: int | None = None
    items: list[_Item] = field(default_factory=list)


@dataclass
class _Dictionary:
    """A CSPro dictionary, as parsed from either file format."""

    type_start: int = 1
    type_length: int = 0
    relative: bool = False
    ids: list[list[_Item]] = field(default_factory=list)
    records: list[_Record] = field(default_factory=list)


def _read_cspro(path: Path, record: str | None) -> Layout:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Dictionaries from CSPro before 7.0 are in the Windows ANSI code page.
        text = raw.decode("cp1252", errors="replace")
    if text.lstrip().startswith("{"):
        dictionary = _parse_cspro_json(path, text)
    else:
        dictionary = _parse_cspro_text(path, text)
    if not dictionary.records:
        raise InputError(f"{path}: the CSPro dictionary defines no [Record]")
    chosen = _choose_cspro_record(path, dictionary.records, record)
    ids = [item for level in dictionary.ids[: chosen.level + 1] for item in level]
    fields = _cspro_fields(path, ids) + _cspro_fields(path, chosen.items)
    _check_fields(path, fields)
    record_type = None
    if dictionary.type_length > 0:
        record_type = (dictionary.type_start, dictionary.type_length, chosen.type_value)
    return Layout(
        codebook=path,
        kind="cspro",
        fields=tuple(fields),
        record_type=record_type,
        record_length=chosen.length,
        data_file=None,
        record=chosen.name,
    )


def _choose_cspro_record(path: Path, records: Sequence[_Record], wanted: str | None) -> _Record:
    names = [rec.name for rec in records]
    if wanted is not None:
        for rec in records:
            if rec.name.upper() == wanted.strip().upper():
                return rec
        match = nearest(wanted.strip().upper(), names)
        hint = f" Did you mean {match!r}?" if match else ""
        raise InputError(
            f"{path}: the CSPro dictionary has no record {wanted!r}.{hint}"
            f" Its records are: {', '.join(names)}."
        )
    if len(records) == 1:
        return records[0]
    people = [
        rec
        for rec in records
        if any(word in f"{rec.name} {rec.label}".lower() for word in PERSON_WORDS)
        or "POP" in rec.name.upper().split("_")
    ]
    if len(people) == 1:
        return people[0]
    shown = "; ".join(f"{rec.name} ({rec.label})" if rec.label else rec.name for rec in records)
    reason = "several records look like" if people else "no record looks like"
    raise InputError(
        f"{path}: {reason} the person record, so name the one to read. Its records are: {shown}."
    )


def _cspro_fields(path: Path, items: Sequence[_Item]) -> list[FixedField]:
    fields: list[FixedField] = []
    parent: tuple[int, int] | None = None
    for item in items:
        if item.binary:
            continue
        if not item.name:
            raise InputError(f"{path}: {item.where}: the item has no Name")
        if item.start is None or item.length is None:
            key = "Start" if item.start is None else "Len"
            raise InputError(f"{path}: {item.where}: item {item.name} has no {key}")
        if item.start < 1 or item.length < 1 or item.occurrences < 1:
            raise InputError(
                f"{path}: {item.where}: item {item.name} has Start={item.start},"
                f" Len={item.length}, Occurrences={item.occurrences}; each must be 1 or more"
            )
        first, last = item.start, item.start + item.length * item.occurrences - 1
        # A subitem is a part of its parent item's columns; the parent is kept.
        if item.subitem and parent is not None and first <= parent[1] and last >= parent[0]:
            continue
        if not item.subitem:
            parent = (first, last)
        numeric = not item.alpha
        labels, missing = _cspro_codes(item, numeric)
        for occurrence in range(item.occurrences):
            name, label = item.name, item.label
            if item.occurrences > 1:
                name = f"{item.name}_{occurrence + 1}"
                extra = item.occurrence_labels.get(occurrence + 1, str(occurrence + 1))
                label = f"{item.label} ({extra})" if item.label else extra
            fields.append(
                FixedField(
                    name=name,
                    start=item.start + occurrence * item.length,
                    width=item.length,
                    numeric=numeric,
                    decimals=item.decimals if numeric else 0,
                    label=label,
                    value_labels=labels,
                    missing=missing,
                    decimal_char=numeric and item.decimals > 0 and item.decimal_char,
                )
            )
    return fields


def _cspro_codes(item: _Item, numeric: bool) -> tuple[dict[str, str], tuple[str, ...]]:
    labels: dict[str, str] = {}
    missing: list[str] = []
    # The first value set is the item's own (CSPro's default); later ones are alternatives
    # such as recode groupings, whose labels would overwrite the item's.
    for position, value_set in enumerate(item.value_sets):
        for value in value_set.values:
            for low, high in value.pairs:
                if high is not None:
                    continue
                code = _cspro_code(low, numeric)
                if not code:
                    # A blank code is NOTAPPL: the frame holds null there.
                    continue
                if position == 0 and value.label:
                    labels.setdefault(code, value.label)
                if value.special in CSPRO_SPECIALS and code not in missing:
                    missing.append(code)
    return labels, tuple(missing)


def _cspro_code(text: str, numeric: bool) -> str:
    code = text.strip()
    if numeric and code:
        try:
            return code_text(float(code))
        except ValueError:
            return code
    return code


def _check_fields(path: Path, fields: Sequence[FixedField]) -> None:
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


# CSPro 7 (and earlier) text dictionaries: [Section] headers and Key=value lines.


class _TextParser:
    """Parse a CSPro text dictionary line by line, keeping line numbers for messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dictionary = _Dictionary()
        self.section = ""
        self.levels = 0
        self.in_ids = False
        self.record: _Record | None = None
        self.item: _Item | None = None
        self.value_set: _ValueSet | None = None
        self.value: _Value | None = None
        self.line = 0

    def fail(self, message: str) -> InputError:
        return InputError(f"{self.path}, line {self.line}: {message}")

    def integer(self, key: str, argument: str) -> int:
        try:
            return int(argument.strip())
        except ValueError:
            raise self.fail(f"{key}={argument.strip()!r} is not a whole number") from None

    def header(self, name: str) -> None:
        self.section = name.lower()
        where = f"line {self.line}"
        if self.section == "level":
            self.levels += 1
            self.dictionary.ids.append([])
            self.in_ids, self.record = False, None
        elif self.section in ("iditems", "record", "item") and self.levels == 0:
            raise self.fail(f"[{name}] comes before any [Level]")
        elif self.section == "iditems":
            self.in_ids, self.record = True, None
        elif self.section == "record":
            self.in_ids = False
            self.record = _Record(where=where, level=self.levels - 1)
            self.dictionary.records.append(self.record)
        elif self.section == "item":
            self.item = _Item(where=where)
            if self.record is not None:
                self.record.items.append(self.item)
            elif self.in_ids:
                self.dictionary.ids[-1].append(self.item)
            else:
                raise self.fail("[Item] is neither under [IdItems] nor under a [Record]")
            self.value_set = None
        elif self.section == "valueset":
            if self.item is None:
                raise self.fail("[ValueSet] comes before any [Item]")
            self.value_set = _ValueSet()
            self.item.value_sets.append(self.value_set)
            self.value = None

    def entry(self, key: str, argument: str) -> None:
        name = key.strip().lower()
        if self.section == "dictionary":
            if name == "recordtypestart":
                self.dictionary.type_start = self.integer(key, argument)
            elif name == "recordtypelen":
                self.dictionary.type_length = self.integer(key, argument)
            elif name == "positions":
                self.dictionary.relative = argument.strip().lower() == "relative"
        elif self.section == "record" and self.record is not None:
            if name == "name":
                self.record.name = argument.strip().upper()
            elif name == "label":
                self.record.label = _first_label(argument)
            elif name == "recordtypevalue":
                self.record.type_value = _unquote(argument)
            elif name == "recordlen":
                self.record.length = self.integer(key, argument)
        elif self.section == "item" and self.item is not None:
            self.item_entry(name, key, argument)
        elif self.section == "valueset" and self.value_set is not None:
            self.value_set_entry(name, argument)

    def item_entry(self, name: str, key: str, argument: str) -> None:
        item = self.item
        assert item is not None
        value = argument.strip()
        if name == "name":
            item.name = value.upper()
        elif name == "label":
            item.label = _first_label(argument)
        elif name == "start":
            item.start = self.integer(key, argument)
        elif name == "len":
            item.length = self.integer(key, argument)
        elif name == "datatype":
            item.alpha = value.lower() == "alpha"
        elif name == "itemtype":
            item.subitem = value.lower() == "subitem"
        elif name == "occurrences":
            item.occurrences = self.integer(key, argument)
        elif name == "decimal":
            item.decimals = self.integer(key, argument)
        elif name == "decimalchar":
            item.decimal_char = value.lower().startswith("y")
        elif name in ("occurrencelabel", "occurencelabel"):
            number, _, label = value.partition(",")
            if number.strip().isdigit():
                item.occurrence_labels[int(number)] = _first_label(label)

    def value_set_entry(self, name: str, argument: str) -> None:
        value_set = self.value_set
        assert value_set is not None
        if name == "value":
            text, _, label = argument.partition(";")
            self.value = _Value(pairs=self.pairs(text), label=_first_label(label))
            value_set.values.append(self.value)
        elif name == "name" and self.value is None:
            value_set.name = argument.strip()
        elif name == "name" and self.value is not None:
            # After a Value line, "Name=MISSING,Special" marks that value as a special one.
            special, _, marker = argument.partition(",")
            if marker.strip().lower() == "special":
                self.value.special = special.strip().upper()

    def pairs(self, text: str) -> list[tuple[str, str | None]]:
        pairs: list[tuple[str, str | None]] = []
        position = 0

        def atom() -> str:
            nonlocal position
            if position < len(text) and text[position] in "'\"":
                quote = text[position]
                close = text.find(quote, position + 1)
                if close < 0:
                    raise self.fail(f"Value={text.strip()!r} has an unclosed {quote} quote")
                found = text[position + 1 : close]
                position = close + 1
                return found
            begin = position
            while position < len(text) and text[position] not in " :":
                position += 1
            return text[begin:position]

        while position < len(text):
            if text[position] == " ":
                position += 1
                continue
            low = atom()
            if position < len(text) and text[position] == ":":
                position += 1
                pairs.append((low, atom()))
            else:
                pairs.append((low, None))
        return pairs


def _parse_cspro_text(path: Path, text: str) -> _Dictionary:
    parser = _TextParser(path)
    seen_dictionary = False
    for number, raw in enumerate(text.splitlines(), start=1):
        parser.line = number
        line = raw.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            seen_dictionary = seen_dictionary or line.lower() == "[dictionary]"
            parser.header(line[1:-1].strip())
            continue
        if not seen_dictionary:
            raise parser.fail(
                "a CSPro dictionary starts with [Dictionary]; this is not a CSPro .dcf file"
            )
        key, equals, argument = line.partition("=")
        if not equals:
            raise parser.fail(f"expected Key=value or a [Section] header, got {line[:60]!r}")
        parser.entry(key, argument)
    if not seen_dictionary:
        raise InputError(f"{path}: empty file; a CSPro dictionary starts with [Dictionary]")
    return parser.dictionary


def _first_label(text: str) -> str:
    # Multilingual labels are written "English|Français"; the first language is kept.
    return text.split("|")[0].strip()


def _unquote(text: str) -> str:
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


# CSPro 8 JSON dictionaries.


def _parse_cspro_json(path: Path, text: str) -> _Dictionary:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})"
        ) from None
    try:
        return _cspro_json_dictionary(path, document)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(
            f"{path}: not a CSPro 8 dictionary: {type(error).__name__} {_first_line(error)}"
        ) from None


def _cspro_json_dictionary(path: Path, document: Any) -> _Dictionary:
    if not isinstance(document, dict) or document.get("fileType") != "dictionary":
        raise InputError(f'{path}: a JSON CSPro dictionary has "fileType": "dictionary"')
    record_type = document.get("recordType", {})
    dictionary = _Dictionary(
        type_start=int(record_type.get("start", 1)),
        type_length=int(record_type.get("length", 0)),
        relative=bool(document.get("relativePositions", False)),
    )
    levels = document.get("levels") or []
    if not levels:
        raise InputError(f"{path}: key levels: the CSPro dictionary has no level")
    ids_end = dictionary.type_start + dictionary.type_length - 1 if dictionary.type_length else 0
    for level_number, level in enumerate(levels):
        where = f"levels[{level_number}]"
        id_items = [
            _json_item(node, f"{where}.ids.items[{index}]")
            for index, node in enumerate((level.get("ids") or {}).get("items") or [])
        ]
        _place_items(id_items, 0)
        dictionary.ids.append(id_items)
        for item in id_items:
            if item.start is not None and item.length is not None and not item.subitem:
                ids_end = max(ids_end, item.start + item.length * item.occurrences - 1)
        for index, node in enumerate(level.get("records") or []):
            rec_where = f"{where}.records[{index}]"
            items = [
                _json_item(item, f"{rec_where}.items[{number}]")
                for number, item in enumerate(node.get("items") or [])
            ]
            # With relative positions CSPro 8 leaves out the start of record items: they
            # follow one another from the column after the id items.
            _place_items(items, ids_end + 1 if dictionary.relative else 0)
            dictionary.records.append(
                _Record(
                    where=rec_where,
                    level=level_number,
                    name=str(node["name"]).upper(),
                    label=_json_label(node),
                    type_value=str(node.get("recordType", "")),
                    items=items,
                )
            )
    return dictionary


def _json_item(node: Mapping[str, Any], where: str) -> _Item:
    content = str(node.get("contentType", "numeric")).lower()
    item = _Item(
        where=where,
        name=str(node.get("name", "")).upper(),
        label=_json_label(node),
        start=int(node["start"]) if "start" in node else None,
        length=int(node.get("length", 1)),
        alpha=content == "alpha",
        binary=content not in ("numeric", "alpha"),
        subitem=bool(node.get("subitem", False)),
        subitem_offset=int(node["subitemOffset"]) if "subitemOffset" in node else None,
        occurrences=int((node.get("occurrences") or {}).get("maximum", 1)),
        decimals=int(node.get("decimals", 0)),
        decimal_char=bool(node.get("decimalMark", False)),
    )
    if item.binary:
        item.length = 1
    # Occurrence labels are [{"occurrence": 1, "labels": [{"text": ...}]}, ...].
    for position, entry in enumerate((node.get("occurrences") or {}).get("labels") or [], 1):
        if isinstance(entry, Mapping):
            number = int(entry.get("occurrence", position))
            text = _json_label(entry)
        else:
            number, text = position, str(entry or "")
        if text:
            item.occurrence_labels[number] = text
    for value_set in node.get("valueSets") or []:
        parsed = _ValueSet(name=str(value_set.get("name", "")))
        for value in value_set.get("values") or []:
            pairs: list[tuple[str, str | None]] = []
            for pair in value.get("pairs") or []:
                if "range" in pair:
                    low, high = pair["range"]
                    pairs.append((_json_code(low), _json_code(high)))
                elif "value" in pair:
                    pairs.append((_json_code(pair["value"]), None))
            special = value.get("special")
            parsed.values.append(
                _Value(
                    pairs=pairs,
                    label=_json_label(value),
                    special=str(special).upper() if special else None,
                )
            )
        item.value_sets.append(parsed)
    return item


def _place_items(items: Sequence[_Item], start: int) -> None:
    position, parent_start = start, start
    for item in items:
        if item.start is None and start > 0:
            if item.subitem:
                item.start = parent_start + (item.subitem_offset or 0)
            else:
                item.start = position
        if not item.subitem:
            parent_start = item.start if item.start is not None else position
            position += (item.length or 0) * item.occurrences


def _json_label(node: Mapping[str, Any]) -> str:
    labels = node.get("labels")
    if isinstance(labels, list) and labels and isinstance(labels[0], Mapping):
        return str(labels[0].get("text", "")).strip()
    return str(node.get("label", "") or "").strip()


def _json_code(value: Any) -> str:
    if isinstance(value, float):
        return code_text(value)
    return str(value)
