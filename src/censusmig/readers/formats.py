"""Opening microdata files of every supported format as one lazy frame plus their metadata.

=====================  ==========================================  ==========================
format                 how it is read                              metadata
=====================  ==========================================  ==========================
CSV / TSV              ``pl.scan_csv`` (lazy); other encodings     none
                       are transcoded to UTF-8 first, streaming;
                       lines checked first (:mod:`.lines`: lone
                       CRs, field counts, quotes), blank lines
                       skipped (a copy without them), blanks
                       around fields and names trimmed
Parquet                ``pl.scan_parquet`` (lazy)                  what ``convert`` stored
folder of Parquet      ``pl.scan_parquet`` of its files, sorted,   what ``convert`` stored
files (hive-           partition keys as columns                   (the first file's)
partitioned or not)    (:func:`open_parquet_folder`)
SPSS ``.sav``          pyreadstat in chunks -> temporary Parquet   value labels, user missing
                       (dictionary checked first: :mod:`.spss`)
Stata ``.dta``         pyreadstat in chunks -> temporary Parquet   value labels
                       (size against header first: :mod:`.stata`)
fixed-width text       a codebook (IPUMS DDI ``.xml`` or CSPro     the codebook's labels and
                       ``.dcf``), sliced lazily line by line       missing codes
=====================  ==========================================  ==========================

The format comes from the file's extension (``.csv``, ``.txt``, ``.tsv``, ``.tab``, ``.parquet``,
``.sav``, ``.dta``; ``.dat`` and any file given a codebook are fixed-width text); a file named
otherwise (``.data``, ``.asc``, no extension) is read with ``ReadOptions(data_format=...)``,
which overrides the name. A delimited file without a header line takes its column names from
``ReadOptions(columns=...)``. Any of them may be compressed as ``.gz`` or inside a ``.zip``; the
member is unpacked to a temporary file in blocks. Temporary files live as long as the
:class:`Source` (a context manager), so memory stays bounded whatever the size of the input.
"""

from __future__ import annotations

import codecs
import gzip
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, TypeVar

import polars as pl

from censusmig.errors import CensusmigError, Foreign, InputError, Setting, nearest
from censusmig.readers.cleanup import remove_surely
from censusmig.readers.meta import PARQUET_KEY, Metadata, code_text
from censusmig.readers.options import DATA_FORMATS, Progress, ReadOptions
from censusmig.readers.spss import check_spss_dictionary
from censusmig.readers.stat_child import write_stat_file_isolated
from censusmig.readers.stata import check_stata_file

# The fixed-width readers (codebook parsers) and the line checks of text files are imported by
# the functions that open those formats: a run on Parquet never loads them.
if TYPE_CHECKING:
    from censusmig.readers.fixedwidth import Layout

T = TypeVar("T")

KINDS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".sav": "sav",
    ".zsav": "sav",
    ".dta": "dta",
    ".dat": "fixed-width",
    ".xml": "ddi",
}
COMPRESSION = (".gz", ".zip")

ENCODINGS = ("utf-8", "latin-1", "cp1252", "utf-16", "iso-8859-15", "cp850", "mac-roman")
"""Encodings suggested in messages; any encoding Python knows is accepted."""

CHUNK_ROWS = 200_000
"""Records per chunk when a file has to be read by a library that is not lazy (pyreadstat)."""

_UNPARSED = re.compile(r"could not parse .* at column '(?P<column>[^']+)'")
_UNCAST = re.compile(
    r"conversion from `(?P<source>[^`]+)` to `(?P<target>[^`]+)` failed in column "
    r"'(?P<column>[^']+)' for (?P<bad>\d+) out of (?P<all>\d+) values"
)
_BLOCK = 1 << 22
_SNIFF_BYTES = 1 << 22


@dataclass
class Source:
    """An opened data file: a lazy frame over its records and what the file says about them.

    Use it as a context manager; temporary files made while opening it are removed on exit.

    Attributes:
        path: The file (or folder of Parquet files) the user named.
        frame: Lazy frame over the records.
        meta: Value labels, missing codes and column labels from the file.
        text_file: For text formats, the UTF-8 file Polars reads (for error messages).
        layout: For fixed-width files, the codebook's layout (``check`` counts the records
            that disagree with it over the whole file).
        blank_lines: Blank lines of a text file that were skipped: they are not records.
    """

    path: Path
    frame: pl.LazyFrame
    meta: Metadata
    text_file: Path | None = None
    layout: Layout | None = None
    blank_lines: int = 0
    _workdir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _rescan: Callable[[dict[str, pl.DataType]], pl.LazyFrame] | None = field(
        default=None, repr=False
    )
    _as_text: dict[str, pl.DataType] = field(default_factory=dict, repr=False)
    _cast: Mapping[str, pl.DataType] = field(default_factory=dict, repr=False)

    def run(self, work: Callable[[pl.LazyFrame], T]) -> T:
        """Run ``work`` on the frame; reading failures become clean errors.

        A CSV column found not to be numeric past the rows its type was guessed from is read
        again as text (so "12.5" or "abc" late in an integer column becomes an unknown code
        instead of a failure), and the work is redone; so is a column of padded numbers
        (``" 105363"``) that the reader casts once trimmed.

        Raises:
            InputError: Reading failed for another reason (the message says where and why).
        """
        while True:
            try:
                return work(self.frame)
            except pl.exceptions.PolarsError as error:
                if not self._widen(error):
                    raise self.explain(error) from None
            except pl.exceptions.PanicException as error:
                raise _damaged(self.path, error) from None

    def _widen(self, error: pl.exceptions.PolarsError) -> bool:
        if self._rescan is None:
            return False
        found = _UNPARSED.search(str(error))
        if found is not None:
            columns = [found["column"]]
        elif _UNCAST.search(str(error)) is not None:
            columns = self._failing_casts()
        else:
            return False
        if not columns or any(column in self._as_text for column in columns):
            return False
        self._as_text.update(dict.fromkeys(columns, pl.String()))
        self.frame = self._rescan(self._as_text)
        return True

    def _failing_casts(self) -> list[str]:
        """The padded-number columns the reader casts that hold a value that is not a number.

        Polars does not always name the column of a failed cast (it may name an internal
        column), so every cast column is checked, in one pass over the file read as text.
        """
        pending = {c: kind for c, kind in self._cast.items() if c not in self._as_text}
        if not pending or self._rescan is None:
            return []
        text = self._rescan({**self._as_text, **dict.fromkeys(pending, pl.String())})
        found = text.select(
            _not_numbers(pl.col(column), kind).alias(column) for column, kind in pending.items()
        ).collect()
        return [column for column in pending if found[column].item() > 0]

    def read_decimal_codes_as_text(self) -> dict[str, tuple[int, int]]:
        """Read as text the number columns of a text file that lose values as numbers.

        A CSV column such as ``id`` holding ``1978.1`` and ``1978.10`` looks like decimals
        and is read as one number, 1978.1: two records become one value. The rule: a column
        read as a decimal number whose values, as written, have more distinct texts than
        distinct numbers is a column of codes, and is read as text from then on. A column of
        measurements (a weight) keeps its numbers, since its texts and its numbers are as
        many; only a file that writes one number two ways (``1.5`` and ``1.50``) in one
        column is read as text too, and the caller says so. It costs one pass over the file,
        so it is for commands that describe a file without a profile (``inspect``, ``profile
        init``); with a profile, its ids are read as text (``ReadOptions.text_columns``).

        Returns:
            Each column now read as text -> (distinct texts, distinct numbers); empty for
            other formats, whose types are stored in the file.
        """
        if self._rescan is None:
            return {}
        schema = self.frame.collect_schema()
        floats = [name for name, kind in schema.items() if kind == pl.Float64()]
        if not floats:
            return {}
        text = self._rescan({**self._as_text, **dict.fromkeys(floats, pl.String())})
        counts = (
            text.select(
                *(
                    pl.col(name).drop_nulls().n_unique().alias(f"t{i}")
                    for i, name in enumerate(floats)
                ),
                *(
                    pl.col(name)
                    .cast(pl.Float64, strict=False)
                    .drop_nulls()
                    .n_unique()
                    .alias(f"n{i}")
                    for i, name in enumerate(floats)
                ),
            )
            .collect()
            .row(0, named=True)
        )
        lossy = {
            name: (counts[f"t{i}"], counts[f"n{i}"])
            for i, name in enumerate(floats)
            if counts[f"t{i}"] > counts[f"n{i}"]
        }
        if lossy:
            self._as_text.update(dict.fromkeys(lossy, pl.String()))
            self.frame = self._rescan(self._as_text)
        return lossy

    def close(self) -> None:
        """Remove temporary files."""
        if self._workdir is not None:
            remove_surely(self._workdir.cleanup)
            self._workdir = None

    def __enter__(self) -> Source:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def explain(self, error: pl.exceptions.PolarsError) -> InputError:
        """Turn a Polars error raised while reading into a message that says where and why.

        A column that should hold numbers but holds text is named with the count of its
        values that are not numbers; the values themselves are never shown.
        """
        text = str(error)
        if self.text_file is not None and ("utf-8" in text.lower() or "`" in text):
            found = find_decode_error(self.text_file, "utf-8")
            if found is not None:
                return _decode_error(self.path, "utf-8", *found)
        cast = _UNCAST.search(text)
        if cast is not None and cast["column"] in self.frame.collect_schema():
            column = cast["column"]
            kind = pl.Int64() if cast["target"].startswith(("i", "u")) else pl.Float64()
            try:
                bad, records = (
                    self.frame.select(_not_numbers(pl.col(column), kind), pl.len()).collect().row(0)
                )
            except pl.exceptions.PolarsError:
                pass
            else:
                return InputError(
                    f"{self.path}: column {column!r} should hold numbers, but {bad:,} of its "
                    f"{records:,} values are not numbers (values not shown)"
                )
        return InputError(f"{self.path}: cannot read the data: {polars_message(error)}")


def open_microdata(
    path: Path, options: ReadOptions | None = None, progress: Progress | None = None
) -> Source:
    """Open a person file lazily, whatever its format.

    Args:
        path: The data file (see the module docstring for formats); an IPUMS DDI ``.xml``
            may be given instead of its data file; a folder of Parquet files is read as one
            dataset (:func:`open_parquet_folder`).
        options: How to read it.
        progress: Called while formats that cannot be scanned lazily are unpacked.

    Returns:
        The opened source; close it (or use ``with``) to remove temporary files.

    Raises:
        InputError: The file is missing, unreadable, or disagrees with its codebook.
        CensusmigError: An option is invalid (unknown encoding, bad delimiter).
    """
    options = options or ReadOptions()
    encoding = check_encoding(options.encoding)
    if path.is_dir():
        return open_parquet_folder(path, options)
    if not path.is_file():
        raise InputError(f"data file not found: {path}")
    kind = detect_kind(path, options)
    _check_columns(path, kind, options)
    if options.record is not None and kind not in ("fixed-width", "ddi"):
        raise CensusmigError(
            Setting("record"),
            f" chooses a record type of a fixed-width file; {path} is read as {kind}",
        )
    workdir = tempfile.TemporaryDirectory(prefix="censusmig-")
    try:
        plain = unpack(path, Path(workdir.name), any_name=options.data_format is not None)
        source = _open_kind(kind, path, plain, options, encoding, Path(workdir.name), progress)
    except BaseException:
        remove_surely(workdir.cleanup)
        raise
    source._workdir = workdir
    return source


_FILE_COLUMN = "__censusmig_file__"
"""The column naming each record's file while partition keys are added (dropped after)."""


def open_parquet_folder(folder: Path, options: ReadOptions | None = None) -> Source:
    """Open a folder of Parquet files, hive-partitioned or not, as one lazy person file.

    Which files are read, in which order, and how ``key=value`` folders name columns:
    :mod:`censusmig.readers.dataset`. The records are those of the files in that order (each
    file's in its own order), so record numbers and slices are the same on every machine.

    A partition key's column keeps the type it had before partitioning when the files still
    hold it (``censusmig convert --partition-by`` keeps it in every file): its values are then
    read from the files, not the folder names. A key the files do not hold (Spark's and
    Hive's way) becomes a column after the files' own, read as 64-bit integers when every
    value is written as an integer without leading zeros (``REGION=12``), else as text
    (``DISTRICT=0801``, ``AREA=north``), so that no code changes on the way; a null key
    (``__HIVE_DEFAULT_PARTITION__``) is null. Every file must hold the same columns with the
    same types. The value labels and missing codes are those stored in the first file.

    Args:
        folder: The folder.
        options: How to read it: only its defaults apply to Parquet (a ``data_format``
            other than ``parquet``, a ``codebook``, ``columns`` or a ``record`` is refused).

    Returns:
        The opened dataset; nothing to clean up, but usable as a context manager.

    Raises:
        InputError: The folder holds no Parquet files or other files besides, its files
            disagree on their columns or partition keys, or one cannot be read.
        CensusmigError: An option that does not apply to Parquet files.
    """
    from censusmig.readers.dataset import check_stored_keys, dataset_files, key_type

    options = options or ReadOptions()
    given = check_data_format(options.data_format) if options.data_format is not None else None
    if given not in (None, "parquet") or options.codebook is not None:
        setting = Setting("data_format") if given not in (None, "parquet") else Setting("codebook")
        raise CensusmigError(
            setting,
            f" does not apply: {folder} is a folder, read as one dataset of Parquet files",
        )
    _check_columns(folder, "parquet", options)
    if options.record is not None:
        raise CensusmigError(
            Setting("record"),
            f" chooses a record type of a fixed-width file; {folder} is read as parquet",
        )
    files = dataset_files(folder)
    schema = _same_schema(folder, [file.path for file in files])
    check_stored_keys(folder, files, schema.names())
    paths = [str(file.path) for file in files]
    added = [key for key, _ in files[0].keys if key not in schema]
    if not added:
        frame = pl.scan_parquet(paths, hive_partitioning=False, glob=False)
    else:
        frame = pl.scan_parquet(
            paths, hive_partitioning=False, glob=False, include_file_paths=_FILE_COLUMN
        )
        for key in added:
            values = {str(file.path): dict(file.keys)[key] for file in files}
            if key_type(list(values.values())) == "integer":
                kind: pl.DataType = pl.Int64()
                mapped: dict[str, int | str | None] = {
                    p: None if v is None else int(v) for p, v in values.items()
                }
            else:
                kind, mapped = pl.String(), dict(values)
            frame = frame.with_columns(
                pl.col(_FILE_COLUMN).replace_strict(mapped, return_dtype=kind).alias(key)
            )
        frame = frame.drop(_FILE_COLUMN)
    return Source(folder, _scan(folder, lambda: frame), parquet_metadata(files[0].path))


def _same_schema(folder: Path, paths: Sequence[Path]) -> pl.Schema:
    """The columns of the first file; every other file must hold the same, with the same types.

    Raises:
        InputError: A file cannot be read, or holds other columns or types than the first.
    """
    first: pl.Schema | None = None
    for path in paths:
        try:
            # glob=False: a file named "x[1].parquet" is that file, not a pattern
            found = pl.scan_parquet(path, glob=False, hive_partitioning=False).collect_schema()
        except (pl.exceptions.PolarsError, OSError) as error:
            raise InputError(f"{path}: cannot read: {polars_message(error)}") from None
        except pl.exceptions.PanicException as error:
            raise _damaged(path, error) from None
        if first is None:
            first = found
            continue
        if dict(found) != dict(first):
            raise InputError(
                f"{folder}: its files hold different columns: {_schema_difference(first, found)} "
                f"in {path.relative_to(folder).as_posix()} than in "
                f"{paths[0].relative_to(folder).as_posix()}; every file of a folder dataset "
                "must hold the same columns with the same types"
            )
    assert first is not None  # dataset_files returns at least one file
    return first


def _schema_difference(first: pl.Schema, other: pl.Schema) -> str:
    """The first column whose presence or type differs between two files' schemas, in words."""
    for name in dict.fromkeys([*first, *other]):
        if name not in other:
            return f"no column {name!r}"
        if name not in first:
            return f"an extra column {name!r}"
        if first[name] != other[name]:
            return f"column {name!r} as {other[name]} instead of {first[name]}"
    return "other columns"


def check_encoding(name: str) -> str:
    """Normalise an encoding name, or raise naming the nearest known one."""
    try:
        info = codecs.lookup(name)
        if not getattr(info, "_is_text_encoding", True):
            raise LookupError(name)  # rot13, base64...: codecs, not text encodings
        return info.name
    except LookupError:
        match = nearest(name.lower(), ENCODINGS)
        hint = f" Did you mean {match!r}?" if match else ""
        raise CensusmigError(
            f"unknown encoding {name!r}.{hint} Common ones: {', '.join(ENCODINGS)}.",
            parameter="encoding",
        ) from None


def detect_kind(path: Path, options: ReadOptions) -> str:
    """The format of a file: the options' ``data_format``, else its name and codebook.

    Compression suffixes are ignored (``people.csv.gz`` is a CSV).

    Raises:
        InputError: The name says no format censusmig reads (the message names
            ``data_format``), or says fixed-width text and no codebook is given.
        CensusmigError: ``data_format`` is not a known format, or contradicts the codebook.
    """
    if options.data_format is not None:
        given = check_data_format(options.data_format)
        if options.codebook is not None and given != "fixed-width":
            raise CensusmigError(
                Setting("codebook"),
                " reads a fixed-width text file, but ",
                Setting("data_format"),
                f" says {given!r}; give one of them",
            )
        if given == "fixed-width" and options.codebook is None:
            raise InputError(
                f"{path}: a fixed-width file needs its codebook: add ",
                Setting("codebook", "FILE.xml"),
                " (IPUMS DDI) or ",
                Setting("codebook", "FILE.dcf"),
                " (CSPro dictionary)",
            )
        return given
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in COMPRESSION:
        suffixes.pop()
    if path.suffix.lower() == ".zip":
        inner = _zip_member(path).filename
        suffixes = [s.lower() for s in Path(inner).suffixes]
    suffix = suffixes[-1] if suffixes else ""
    if options.codebook is not None and suffix != ".xml":
        return "fixed-width"
    kind = KINDS.get(suffix)
    if kind == "fixed-width":
        raise InputError(
            f"{path}: a {suffix} file is read as fixed-width text, which needs its codebook: add ",
            Setting("codebook", "FILE.xml"),
            " (IPUMS DDI) or ",
            Setting("codebook", "FILE.dcf"),
            " (CSPro dictionary); if it is a delimited text file, add ",
            Setting("data_format", "csv"),
        )
    if kind is None:
        known = ", ".join(sorted(KINDS))
        raise InputError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; censusmig reads {known} "
            "(optionally .gz or .zip). For a file named otherwise, name its format with ",
            Setting("data_format", "csv"),
            f" (one of {', '.join(DATA_FORMATS)}), or give a fixed-width text file's ",
            Setting("codebook", "FILE"),
        )
    return kind


_FORMAT_ALIASES = {"fixed": "fixed-width"}


def check_data_format(name: str) -> str:
    """The format a ``data_format`` option names, or raise naming the valid ones and the nearest.

    Args:
        name: One of :data:`~censusmig.readers.options.DATA_FORMATS` (any case), or
            ``fixed`` for ``fixed-width``.

    Returns:
        The format, as :data:`~censusmig.readers.options.DATA_FORMATS` spells it.

    Raises:
        CensusmigError: The name is no format censusmig reads.
    """
    text = name.strip().lower().lstrip(".")
    text = _FORMAT_ALIASES.get(text, text)
    if text in DATA_FORMATS:
        return text
    match = nearest(text, DATA_FORMATS)
    hint = f"; did you mean {match!r}?" if match else ""
    raise CensusmigError(
        Setting("data_format"),
        f" must be one of {', '.join(DATA_FORMATS)} (got {name!r}){hint}",
    )


def _check_columns(path: Path, kind: str, options: ReadOptions) -> None:
    """``columns`` names the fields of a headerless delimited text file, each once."""
    if not options.columns:
        return
    if kind not in ("csv", "tsv"):
        raise CensusmigError(
            Setting("columns"),
            f" names the columns of a delimited text file without a header line; {path} is "
            f"read as {kind}, which names its own columns",
        )
    if options.header:
        raise CensusmigError(
            Setting("columns"),
            " names the columns of a file without a header line: add ",
            Setting("header", False),
            " (a header line would otherwise be read as a record)",
        )
    blank = [i for i, name in enumerate(options.columns, start=1) if not name.strip()]
    twice = sorted({name for name in options.columns if options.columns.count(name) > 1})
    if blank or twice:
        problems = [f"name {i} is empty" for i in blank]
        problems += [f"{name!r} is given twice" for name in twice]
        raise CensusmigError(Setting("columns"), ": " + "; ".join(problems))


_ENCRYPTED = 0x1
"""The zip general-purpose flag bit of an encrypted member."""


def _zip_member(path: Path, *, any_name: bool = False) -> zipfile.ZipInfo:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as error:
        raise InputError(f"{path}: not a readable zip archive (", Foreign.of(error), ")") from None
    data = [m for m in members if any_name or Path(m.filename).suffix.lower() in KINDS]
    if len(data) == 1:
        if data[0].flag_bits & _ENCRYPTED:
            raise InputError(
                f"{path}: the zip archive's data file is encrypted (password-protected), "
                "which censusmig cannot read; unzip it with its password and name the file "
                "to read (or the archive may be damaged: copy it again)"
            )
        return data[0]
    names = ", ".join(m.filename for m in members) or "(empty)"
    raise InputError(
        f"{path}: the zip archive must hold exactly one data file; it holds: {names}. "
        "Unzip it and name the file to read."
    )


def unpack(path: Path, workdir: Path, *, any_name: bool = False) -> Path:
    """The file itself, or its decompressed copy in ``workdir`` (copied in blocks).

    Args:
        path: The file the user named.
        workdir: Where a decompressed copy goes.
        any_name: A zip archive's one member is the data whatever its name (the format was
            given); by default only a member named like a data file is.
    """
    suffix = path.suffix.lower()
    if suffix not in COMPRESSION:
        return path
    try:
        if suffix == ".gz":
            target = workdir / path.with_suffix("").name
            with gzip.open(path, "rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink, _BLOCK)
            return target
        member = _zip_member(path, any_name=any_name)
        target = workdir / Path(member.filename).name
        with zipfile.ZipFile(path) as archive:
            try:
                inner = archive.open(member)
            except OSError as error:  # an offset before the file's start: a damaged archive
                raise zipfile.BadZipFile(str(error)) from None
            with inner, target.open("wb") as sink:
                shutil.copyfileobj(inner, sink, _BLOCK)
        return target
    except (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile) as error:
        raise InputError(
            f"{path}: the compressed file is damaged or truncated (",
            Foreign.of(error),
            "); download or copy it again",
        ) from None
    except NotImplementedError:
        # zipfile's word for a compression method it does not know (or a damaged header).
        raise InputError(
            f"{path}: the zip archive's data file uses a compression method censusmig cannot "
            "read (only stored and deflate, bzip2 and lzma); unzip it with another tool, or "
            "copy it again if it may be damaged"
        ) from None


def _open_kind(
    kind: str,
    path: Path,
    plain: Path,
    options: ReadOptions,
    encoding: str,
    workdir: Path,
    progress: Progress | None,
) -> Source:
    if kind in ("csv", "tsv"):
        return _open_text(path, plain, options, encoding, workdir, kind)
    if kind == "parquet":
        frame = _scan(path, lambda: pl.scan_parquet(plain, glob=False))
        return Source(path, frame, parquet_metadata(plain))
    if kind in ("sav", "dta"):
        parquet = workdir / "data.parquet"
        meta = write_stat_file_isolated(plain, kind, parquet, progress, source_name=path)
        return Source(path, pl.scan_parquet(parquet), meta)
    return _open_fixed_width(kind, path, plain, options, encoding, workdir)


def _open_text(
    path: Path, plain: Path, options: ReadOptions, encoding: str, workdir: Path, kind: str
) -> Source:
    """Open a CSV or TSV file: blank lines skipped, blanks around fields trimmed (by default)."""
    _check_not_binary(path, plain, kind, forced=options.data_format is not None)
    text = _as_utf8(path, plain, encoding, workdir)
    from censusmig.readers.lines import check_lines

    separator = _separator(options.delimiter, kind, text, path)
    blanks = _blank_characters(separator)
    try:
        skipped = check_lines(path, text, separator, blanks.decode()).blank_lines
    except pl.exceptions.PolarsError as error:
        # Only the file's start was checked for UTF-8 (_as_utf8): a bad byte later shows here.
        found = find_decode_error(text, "utf-8") if "utf8" in str(error).lower() else None
        if found is not None:
            raise _decode_error(path, "utf-8", *found) from None
        raise InputError(f"{path}: cannot read: {polars_message(error)}") from None
    if skipped:
        target = workdir / (text.stem + ".records" + text.suffix)
        write_without_blank_lines(text, target, blanks)
        text = target
        if options.note is not None:
            lines = "line" if skipped == 1 else "lines"
            options.note(f"{path}: skipped {skipped:,} blank {lines} (not records)")
    if options.header:
        _check_header(path, text, separator)
    trim = not options.keep_blanks
    numeric: dict[str, pl.DataType] = {}

    def scan(as_text: dict[str, pl.DataType]) -> pl.LazyFrame:
        # A name in as_text is a column the CSV reader could not parse as a number (named as
        # in the file), or one named as read: whose trimmed values could not be cast, or
        # asked for as text (the reader's overrides take the name in the file).
        overrides = {
            in_file.get(name, name): kind
            for name, kind in as_text.items()
            if in_file.get(name, name) in raw
        }
        frame = pl.scan_csv(
            text,
            separator=separator,
            has_header=options.header,
            infer_schema_length=10_000,
            schema_overrides=overrides or None,
            encoding="utf8",
        )
        if not options.header:
            # The names given, or numbers from 1, as codebooks and questionnaires count.
            names = options.columns or [f"column_{i}" for i in range(1, len(raw) + 1)]
            frame = frame.rename(dict(zip(raw, names, strict=True)))
        elif trim:
            frame = frame.rename(_trimmed_names(raw))
        if trim:
            frame = _trimmed(frame, {c: t for c, t in numeric.items() if c not in as_text})
        return frame

    raw: list[str] = []
    raw.extend(_scan(path, lambda: _plain_scan(text, separator, options.header)).collect_schema())
    if options.columns and len(options.columns) != len(raw):
        raise InputError(
            f"{path}: {len(options.columns)} column name(s) given in ",
            Setting("columns"),
            f", but the file's first line has {len(raw)} field(s); give one name a field, "
            "in file order",
        )
    in_file = dict(zip(_names_as_read(raw, options, trim), raw, strict=True))
    as_text: dict[str, pl.DataType] = {
        name: pl.String() for name in options.text_columns if name in in_file
    }
    frame = _scan(path, lambda: scan(as_text))
    if trim:
        numeric.update(_padded_numbers(frame))
        frame = scan(as_text)
    return Source(
        path,
        frame,
        Metadata(kind),
        text_file=text,
        blank_lines=skipped,
        _rescan=scan,
        _as_text=dict(as_text),
        _cast=numeric,
    )


def _names_as_read(raw: list[str], options: ReadOptions, trim: bool) -> list[str]:
    """The names the columns of a text file get, in file order (given, numbered or trimmed)."""
    if not options.header:
        return list(options.columns) or [f"column_{i}" for i in range(1, len(raw) + 1)]
    renamed = _trimmed_names(raw) if trim else {}
    return [renamed.get(name, name) for name in raw]


_BLANKS = (" ", "\t", "\r")


def _blank_characters(separator: str) -> bytes:
    """What a blank line may hold: spaces, tabs and carriage returns, but never the separator.

    A line of separators only (``,,,,``) is a record whose cells are all empty, not a blank line.
    """
    return "".join(c for c in _BLANKS if c != separator).encode()


def _blank_spans(text: Path, blanks: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) byte offsets of the blank lines of a text file, with their line ends.

    Blank lines inside quoted fields (a quote count that is odd so far) are data, not blank.
    """
    # A line end followed by blanks up to the next line end: found at C speed, a block at a time.
    pattern = re.compile(rb"\n[" + re.escape(blanks) + rb"]*(?=\n|\Z)")
    offset = -1  # file offset of data[0]; the file itself starts after a virtual line end
    quotes = 0  # quote characters before data[0]
    carry = b"\n"
    with text.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            final = not block
            data = carry + block
            # Judge whole lines only: the line after the last line end waits for the next block.
            end = len(data) if final else data.rfind(b"\n")
            seen = 0
            for found in pattern.finditer(data, 0, end):
                if found.end() == len(data) and found.end() - found.start() == 1:
                    continue  # the end of a file that ends with a line end: no line
                quotes += data.count(b'"', seen, found.start())
                seen = found.start()
                if quotes % 2 == 0:
                    stop = found.end() + (found.end() < len(data))  # with its line end
                    yield offset + found.start() + 1, offset + stop
            quotes += data.count(b'"', seen, end)
            offset += end
            carry = data[end:]
            if final:
                return


def count_blank_lines(text: Path, blanks: bytes = b" \t\r") -> int:
    """How many blank lines a text file has (outside quoted fields).

    Args:
        text: A UTF-8 text file.
        blanks: The characters a blank line may hold (see :func:`_blank_characters`).

    Returns:
        The number of lines that are empty or hold only those characters.
    """
    return sum(1 for _ in _blank_spans(text, blanks))


def write_without_blank_lines(text: Path, target: Path, blanks: bytes = b" \t\r") -> None:
    """Copy a text file without its blank lines, in blocks."""
    done = 0
    with text.open("rb") as source, target.open("wb") as sink:
        for start, end in _blank_spans(text, blanks):
            _copy_range(source, sink, done, start)
            done = end
        _copy_range(source, sink, done, None)


def _copy_range(source: IO[bytes], sink: IO[bytes], start: int, end: int | None) -> None:
    source.seek(start)
    left = None if end is None else end - start
    while left is None or left > 0:
        block = source.read(_BLOCK if left is None else min(_BLOCK, left))
        if not block:
            return
        sink.write(block)
        if left is not None:
            left -= len(block)


def _trimmed_names(names: list[str]) -> dict[str, str]:
    """Column names without surrounding blanks, unless trimming would make two names equal."""
    stripped = [name.strip() for name in names]
    if len(set(stripped)) < len(stripped) or "" in stripped:
        return {}
    return dict(zip(names, stripped, strict=True))


def _trimmed(frame: pl.LazyFrame, numeric: dict[str, pl.DataType]) -> pl.LazyFrame:
    """Text columns without surrounding blanks (only-blank cells are empty); padded numbers cast."""
    schema = frame.collect_schema()
    text = [name for name, kind in schema.items() if kind == pl.String()]
    if not text:
        return frame
    exprs = []
    for name in text:
        # One expression per column, used once: Polars then names the column in cast errors.
        cell = pl.col(name).str.strip_chars(" \t").replace("", None)
        exprs.append(cell.cast(numeric[name]) if name in numeric else cell)
    return frame.with_columns(exprs)


def _not_numbers(column: pl.Expr, kind: pl.DataType) -> pl.Expr:
    """How many values of a column are not missing and yet not numbers of ``kind``."""
    return (column.is_not_null() & column.cast(kind, strict=False).is_null()).sum()


def _plain_scan(text: Path, separator: str, header: bool) -> pl.LazyFrame:
    return pl.scan_csv(text, separator=separator, has_header=header, encoding="utf8")


def _padded_numbers(frame: pl.LazyFrame) -> dict[str, pl.DataType]:
    """Text columns whose values, trimmed, are all numbers in the rows types are guessed from."""
    try:
        sample = frame.head(10_000).collect()
    except pl.exceptions.PolarsError:
        return {}  # reading fails later with its own message
    found: dict[str, pl.DataType] = {}
    for name in sample.columns:
        values = sample[name]
        if values.dtype != pl.String() or values.null_count() == len(values):
            continue
        for kind in (pl.Int64(), pl.Float64()):
            if values.cast(kind, strict=False).null_count() == values.null_count():
                found[name] = kind
                break
    return found


def _scan(path: Path, scan: Callable[[], pl.LazyFrame]) -> pl.LazyFrame:
    try:
        frame = scan()
        frame.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError(f"{path}: cannot read: {polars_message(error)}") from None
    except pl.exceptions.PanicException as error:
        raise _damaged(path, error) from None
    return frame


def _damaged(path: Path, error: BaseException) -> InputError:
    """A file that made Polars panic (a damaged Parquet footer, for one): its reason, no values."""
    return InputError(
        f"{path}: cannot read: the file is damaged or truncated ({polars_message(error)}); "
        "copy or download it again"
    )


def polars_message(error: BaseException) -> str:
    """The first line of a reading error, with the data values Polars quotes taken out.

    A failed conversion (Polars lists the values it could not convert) is told as the column
    and the two types; any other message is scrubbed (:func:`censusmig.errors.scrub`: a
    quoted value becomes "a value", even one that never closes, a list of them "values not
    shown").
    """
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    cast = _UNCAST.search(first)
    if cast is not None:
        return (
            f"column {cast['column']!r}: values could not be converted from {cast['source']} to "
            f"{cast['target']} (values not shown)"
        )
    return Foreign.of(error).shown()


_SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


_MAGIC: tuple[tuple[bytes, str, str | None], ...] = (
    (b"PAR1", "a Parquet file", "parquet"),
    (b"$FL2", "an SPSS .sav file", "sav"),
    (b"$FL3", "an SPSS .sav file", "sav"),
    (b"<stata_dta>", "a Stata .dta file", "dta"),
    (b"PK\x03\x04", "a zip archive", ".zip"),
    (b"\x1f\x8b", "a gzip file", ".gz"),
)
"""A file's first bytes, what they say it is, and the data format (or suffix) that reads it."""


def _looks_like(head: bytes) -> tuple[str, str] | None:
    """What a file whose first bytes are ``head`` is, when it is no text file: (what, how)."""
    for magic, what, how in _MAGIC:
        if head.startswith(magic):
            assert how is not None
            return what, how
    # Stata before release 117: release byte (113-119), byte order (1 or 2), file type 1, 0.
    # The release byte alone is a letter (q-w), so the three bytes after it must agree too.
    if len(head) >= 4 and 113 <= head[0] <= 119 and head[1] in (1, 2) and head[2:4] == b"\x01\x00":
        return "a Stata .dta file", "dta"
    return None


def _check_not_binary(path: Path, plain: Path, kind: str, *, forced: bool) -> None:
    """A file read as text must not be a Parquet, SPSS, Stata or compressed file.

    Without this, such a file fails as text in the wrong encoding (or, in latin-1, reads as
    garbage columns); its first bytes say what it is.

    Args:
        path: The file the user named (for the message).
        plain: The file read (``path`` or its unpacked member).
        kind: The text format it is read as (``csv``, ``tsv``).
        forced: ``data_format`` chose the format (else the file's name did).

    Raises:
        InputError: The file starts like a binary format; the message names ``data_format``.
    """
    with plain.open("rb") as handle:
        head = handle.read(16)
    found = _looks_like(head)
    if found is None:
        return
    what, how = found
    said = f"not {kind}" if forced else f"though its name says {kind}"
    if how.startswith("."):
        raise InputError(
            f"{path} looks like {what}, {said}: name it {path.name}{how} (censusmig unpacks "
            ".gz and .zip files)"
        )
    if forced:
        raise InputError(
            f"{path} looks like {what}, {said}: drop ",
            Setting("data_format"),
            " or use ",
            Setting("data_format", how),
        )
    raise InputError(
        f"{path} looks like {what}, {said}: rename it or use ", Setting("data_format", how)
    )


def _first_record_line(text: Path) -> bytes:
    """The first line of a text file that is not blank (spaces, tabs, CRs), without its end."""
    with text.open("rb") as handle:
        for line in iter(lambda: handle.readline(1 << 20), b""):
            if line.strip(b" \t\r\n"):
                return line.rstrip(b"\r\n")
    return b""


def _separator(delimiter: str | None, kind: str, text: Path, path: Path | None = None) -> str:
    """The given separator; a TSV's tab; else the one the header line uses most (or a comma).

    The header line is the first line that is not blank: blank lines before it are skipped
    like any other. A file read as TSV (its name or ``data_format`` says so) is split at tabs:
    when its header line holds no tab but another separator, reading it would give one column
    of glued fields, so it is refused, naming the separator found.

    Raises:
        CensusmigError: The delimiter is not one character, or a TSV has no tab (see above).
    """
    if delimiter is None:
        header = _first_record_line(text).decode("utf-8", "replace")
        counts = {sep: header.count(sep) for sep in _SEPARATORS}
        best = max(_SEPARATORS, key=lambda sep: counts[sep])
        if kind == "tsv":
            if counts["\t"] == 0 and counts[best] > 0:
                raise InputError(
                    f"{path or text} is read as tsv (tab-separated), but its first line holds "
                    f"no tab and {counts[best]} {_SEPARATOR_NAMES[best]}(s): read it as ",
                    Setting("data_format", "csv"),
                    " or give its separator with ",
                    Setting("delimiter", best),
                )
            return "\t"
        if counts[best] == 0:
            return ","
        return best
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    separator = named.get(delimiter.lower(), delimiter)
    if len(separator.encode("utf-8")) != 1 or separator in ('"', "\n", "\r"):
        raise CensusmigError(
            Setting("delimiter"),
            " must be one character other than a quote or a line end (or tab, comma, "
            f"semicolon, pipe); got {delimiter!r}",
        )
    return separator


def _check_header(path: Path, text: Path, separator: str) -> None:
    """Each column of a text file's header line has its own name.

    Polars would rename a second ``AGE`` to ``AGE_duplicated_0``, and the profile's ``AGE``
    would then read whichever copy came first, silently.

    Raises:
        InputError: A name is given more than once (each is named, with its positions).
    """
    try:
        header = pl.read_csv(
            text, separator=separator, has_header=False, n_rows=1, infer_schema=False
        ).row(0)
    except pl.exceptions.PolarsError:
        return  # reading the records fails later with its own message
    positions: dict[str, list[int]] = {}
    for number, name in enumerate(header, start=1):
        positions.setdefault(str(name if name is not None else ""), []).append(number)
    twice = {name: where for name, where in positions.items() if len(where) > 1}
    if twice:
        named = "; ".join(
            f"{name!r} in columns {', '.join(map(str, where))}" for name, where in twice.items()
        )
        raise InputError(
            f"{path}: the header line names {len(twice)} column(s) more than once: {named}. "
            "Each column needs its own name: rename the copies (or drop them) and read it again"
        )


def _as_utf8(path: Path, plain: Path, encoding: str, workdir: Path) -> Path:
    """A UTF-8 version of a text file: the file itself when it is UTF-8 (checked at its start)."""
    if encoding in ("utf-8", "utf-8-sig"):
        with plain.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
        found = _first_decode_error(head, "utf-8", final=len(head) < _SNIFF_BYTES)
        if found is not None:
            raise _decode_error(path, "utf-8", *found)
        return plain
    target = workdir / (plain.stem + ".utf8" + plain.suffix)
    found = transcode(plain, target, encoding)
    if found is not None:
        raise _decode_error(path, encoding, *found)
    return target


def _decode_error(path: Path, encoding: str, line: int, column: int, byte: int) -> InputError:
    others = [name for name in ("utf-8", "latin-1", "cp1252") if name != encoding]
    return InputError(
        f"{path}: line {line}, byte {column} (0x{byte:02X}) is not valid {encoding}. "
        "The file is probably in another encoding: try ",
        Setting("encoding", others[0]),
        " or ",
        Setting("encoding", others[1]),
        ".",
    )


def _first_decode_error(data: bytes, encoding: str, *, final: bool) -> tuple[int, int, int] | None:
    """(line, column, byte) of the first undecodable byte in ``data``, if any."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        if not final and error.start >= len(data) - 4 and error.reason.startswith("unexpected end"):
            return None  # a character cut by the end of the block
        start = error.start
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        return line, column, data[start]
    return None


def find_decode_error(path: Path, encoding: str) -> tuple[int, int, int] | None:
    """Scan a whole file in blocks for the first byte ``encoding`` cannot decode.

    Returns:
        (line number, byte position in the line, byte value), or None if the file decodes.
    """
    return transcode(path, None, encoding)


def transcode(source: Path, target: Path | None, encoding: str) -> tuple[int, int, int] | None:
    """Copy a text file to UTF-8 in blocks (or only check it when ``target`` is None).

    Returns:
        Where the first undecodable byte is, as in :func:`find_decode_error`, or None.
    """
    lines_before = 0
    carry = b""
    sink: IO[bytes] | None = target.open("wb") if target is not None else None
    try:
        with source.open("rb") as handle:
            while True:
                block = handle.read(_BLOCK)
                data = carry + block
                final = not block
                try:
                    text = data.decode(encoding)
                    carry = b""
                except UnicodeDecodeError as error:
                    found = _first_decode_error(data, encoding, final=final)
                    if found is not None:
                        line, column, byte = found
                        return lines_before + line, column, byte
                    text = data[: error.start].decode(encoding)
                    carry = data[error.start :]
                    data = data[: error.start]
                lines_before += data.count(b"\n")
                if sink is not None:
                    sink.write(text.encode("utf-8"))
                if final:
                    return None
    finally:
        if sink is not None:
            sink.close()


def parquet_metadata(path: Path) -> Metadata:
    """The metadata ``censusmig convert`` stored in a Parquet file (empty if none).

    They are in the footer's key-value metadata, written by pyarrow (schema metadata) and
    Polars alike. Polars reads them without loading pyarrow (about 0.1-0.2 s of imports, with
    numpy); a footer Polars refuses, such as one whose other keys hold bytes that are not
    UTF-8, is read again with pyarrow.
    """
    try:
        stored = pl.read_parquet_metadata(path)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError):
        return _parquet_metadata_pyarrow(path)
    raw = stored.get(PARQUET_KEY.decode())
    return Metadata.from_json(raw.encode("utf-8")) if raw else Metadata("parquet")


def _parquet_metadata_pyarrow(path: Path) -> Metadata:
    """:func:`parquet_metadata` through pyarrow, for footers Polars cannot read as text."""
    import pyarrow.parquet as pq

    try:
        stored = pq.ParquetFile(path).metadata.metadata or {}
    except (OSError, ValueError):
        return Metadata("parquet")
    raw = stored.get(PARQUET_KEY)
    return Metadata.from_json(raw) if raw else Metadata("parquet")


# --- SPSS and Stata ------------------------------------------------------------------------


def _stat_reader(kind: str) -> Callable[..., Any]:
    import pyreadstat

    return pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta


def stat_metadata(meta: Any, kind: str) -> Metadata:
    """Value labels, user-missing values and column labels from pyreadstat's metadata."""
    labels = {
        column: {code_text(code): str(label) for code, label in table.items()}
        for column, table in (meta.variable_value_labels or {}).items()
    }
    missing: dict[str, tuple[str, ...]] = {}
    ranges: dict[str, tuple[tuple[float, float], ...]] = {}
    for column, spans in (getattr(meta, "missing_ranges", None) or {}).items():
        points = [code_text(s["lo"]) for s in spans if s["lo"] == s["hi"]]
        wide = [(float(s["lo"]), float(s["hi"])) for s in spans if s["lo"] != s["hi"]]
        if points:
            missing[column] = tuple(points)
        if wide:
            ranges[column] = tuple(wide)
    for column, values in (getattr(meta, "missing_user_values", None) or {}).items():
        missing[column] = tuple(dict.fromkeys((*missing.get(column, ()), *map(code_text, values))))
    column_labels = {
        name: str(label)
        for name, label in zip(meta.column_names, meta.column_labels or [], strict=False)
        if label
    }
    return Metadata(kind, column_labels, labels, missing, ranges)


def iter_stat_chunks(
    path: Path, kind: str, chunk_rows: int = CHUNK_ROWS, source_name: Path | None = None
) -> Iterator[tuple[pl.DataFrame, Any]]:
    """Read an SPSS or Stata file in chunks of ``chunk_rows`` records, as Polars frames.

    SPSS user-missing values are kept as their codes (so the profile decides what they
    mean); empty strings become nulls, since SPSS and Stata have no null text.

    Raises:
        InputError: The file cannot be read (damaged, truncated, not that format).
    """
    import pyreadstat

    reader = _stat_reader(kind)
    extra = {"user_missing": True} if kind == "sav" else {}
    name = source_name or path
    try:
        chunks = pyreadstat.read_file_in_chunks(
            reader,
            path,
            chunksize=chunk_rows,
            disable_datetime_conversion=True,
            output_format="polars",
            **extra,
        )
        for chunk, meta in chunks:
            frame = chunk.with_columns(pl.col(pl.String).replace("", None).str.strip_chars_end())
            yield frame, meta
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as error:
        raise _stat_damage(name, kind, error) from None
    except _STAT_DAMAGE:
        # A flipped byte in a name, label or type: pyreadstat fails decoding or converting it.
        raise _stat_damage(name, kind, None) from None
    except OSError as error:
        raise InputError(f"{name}: cannot read: ", Foreign.of(error)) from None


def stat_file_info(path: Path, kind: str, source_name: Path | None = None) -> tuple[int, Metadata]:
    """Record count and metadata of an SPSS or Stata file, without reading its records."""
    import pyreadstat

    name = source_name or path
    if kind == "dta":
        check_stata_file(path, name)
    else:
        check_spss_dictionary(path, name)
    try:
        extra = {"user_missing": True} if kind == "sav" else {}
        _, meta = _stat_reader(kind)(path, metadataonly=True, **extra)
        return int(meta.number_rows or 0), stat_metadata(meta, kind)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as error:
        raise _stat_damage(name, kind, error) from None
    except _STAT_DAMAGE:
        raise _stat_damage(name, kind, None) from None


_STAT_DAMAGE = (ValueError, OverflowError, TypeError, AttributeError, KeyError, IndexError)
"""What pyreadstat raises on a damaged file besides its own errors (UnicodeDecodeError is a
ValueError; a column name that does not decode becomes None, which Polars refuses)."""


def _stat_damage(name: Path, kind: str, error: Exception | None) -> InputError:
    """The message for an SPSS or Stata file pyreadstat cannot read (its reason, if clean)."""
    what = "an SPSS" if kind == "sav" else "a Stata"
    reason = (" (", Foreign.of(error), ")") if error is not None else ()
    return InputError(
        f"{name}: cannot read it as {what} file",
        *reason,
        f": the file is damaged, truncated or not {what} file (copy or download it again)",
    )


def write_stat_file_as_parquet(
    path: Path,
    kind: str,
    target: Path,
    progress: Progress | None = None,
    source_name: Path | None = None,
) -> Metadata:
    """Copy an SPSS or Stata file to Parquet chunk by chunk; the metadata go in its schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    total, meta = stat_file_info(path, kind, source_name)
    writer: pq.ParquetWriter | None = None
    done = 0
    try:
        for frame, _ in iter_stat_chunks(path, kind, source_name=source_name):
            table = frame.to_arrow()
            if writer is None:
                schema = table.schema.with_metadata({PARQUET_KEY: meta.to_json()})
                writer = pq.ParquetWriter(target, schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
            done += frame.height
            if progress is not None:
                progress(done, total)
        if writer is None:
            empty = pa.schema([], metadata={PARQUET_KEY: meta.to_json()})
            pq.write_table(pa.table({}, schema=empty), target)
    except pa.ArrowInvalid as error:
        raise InputError(
            f"{source_name or path}: columns change type between chunks: ", Foreign.of(error)
        ) from None
    finally:
        if writer is not None:
            writer.close()
    if total and done < total:
        raise InputError(
            f"{source_name or path}: the file header announces {total:,} records but only "
            f"{done:,} could be read; the file is probably truncated"
        )
    return meta


# --- fixed-width ---------------------------------------------------------------------------


def _open_fixed_width(
    kind: str, path: Path, plain: Path, options: ReadOptions, encoding: str, workdir: Path
) -> Source:
    from censusmig.readers.fixedwidth import (
        check_layout,
        layout_metadata,
        read_codebook,
        scan_fixed_width,
    )

    if kind == "ddi":
        layout = read_codebook(plain, options.record)
        data = _exists_maybe_gz(layout.data_file) if layout.data_file else None
        if data is None:
            raise InputError(
                f"{path}: the DDI codebook names no data file found beside it "
                f"({layout.data_file}); give the data file and ",
                Setting("codebook", str(path)),
            )
        path, plain = data, unpack(data, workdir)
    else:
        assert options.codebook is not None
        if not options.codebook.is_file():
            raise InputError(f"codebook not found: {options.codebook}")
        layout = read_codebook(options.codebook, options.record)
    text = _as_utf8(path, plain, encoding, workdir)
    check_layout(text, layout)
    _check_tail(path, text, layout)
    frame = scan_fixed_width(text, layout)
    return Source(path, frame, layout_metadata(layout), text_file=text, layout=layout)


def _exists_maybe_gz(path: Path) -> Path | None:
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _check_tail(path: Path, text: Path, layout: Layout) -> None:
    """The last lines must be as long as the codebook says: a short one means truncation.

    CSPro writes records without their trailing blanks, so a short CSPro line is normal and
    only IPUMS-style files (full-width lines) are checked.
    """
    if layout.kind == "cspro":
        return
    needed = max((f.start + f.width - 1 for f in layout.fields), default=0)
    size = text.stat().st_size
    with text.open("rb") as handle:
        handle.seek(max(0, size - 65_536))
        tail = handle.read().splitlines()
    if size > 65_536:
        tail = tail[1:]  # the first line of the window may be cut
    record_type = layout.record_type
    for line in reversed(tail[-50:]):
        if not line.strip():
            continue
        if record_type is not None:
            start, width, value = record_type
            found = line[start - 1 : start - 1 + width].decode("utf-8", "replace").strip()
            if found != value.strip():
                continue
        if len(line.decode("utf-8", "replace")) < needed:
            raise InputError(
                f"{path}: the last record is {len(line)} characters long but the codebook "
                f"{layout.codebook} places fields up to column {needed}; the file is probably "
                "truncated (or the codebook is not this file's)"
            )
        return
