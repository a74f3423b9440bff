"""Converting any supported data file to Parquet, streaming, with its metadata kept.

Later runs on the Parquet file are the fast path: it is scanned lazily, read column by column,
and the value labels, missing codes and column labels of the original file travel in its schema
metadata (key :data:`censusmig.readers.meta.PARQUET_KEY`), where ``inspect`` and ``profile
init`` find them again.

With ``partition_by``, a folder is written instead: one ``COLUMN=value`` sub-folder per value
of the column (hive-style, as Spark and data lakes keep a census), each file holding every
column, the partition column included (so it keeps its type), and the metadata. The folder is
written beside the target and renamed into place whole.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from censusmig.errors import CensusmigError, InputError, Setting, nearest
from censusmig.readers.cleanup import remove_surely, removed_unless_done
from censusmig.readers.dataset import NULL_PARTITION, SKIPPED_PREFIXES, dataset_files
from censusmig.readers.formats import (
    detect_kind,
    open_microdata,
    unpack,
)
from censusmig.readers.meta import PARQUET_KEY, Metadata
from censusmig.readers.options import Progress, ReadOptions
from censusmig.readers.stat_child import write_stat_file_isolated

ROW_GROUP_ROWS = 500_000
"""Records per Parquet row group: big enough for fast scans, small enough to stream."""

MAX_PARTITIONS = 10_000
"""The most values a ``partition_by`` column may have: one folder (and file) each."""


@dataclass(frozen=True)
class Conversion:
    """What :func:`convert_to_parquet` did.

    Attributes:
        source: The file (or folder) read.
        target: The Parquet file written, or the folder with ``partition_by``.
        records: Records written.
        columns: Columns written.
        labelled_columns: Columns whose value labels were kept.
        files: Parquet files written: one, or one a value of the ``partition_by`` column.
    """

    source: Path
    target: Path
    records: int
    columns: int
    labelled_columns: int
    files: int = 1


def convert_to_parquet(
    source: Path,
    target: Path,
    options: ReadOptions | None = None,
    *,
    columns: Sequence[str] | None = None,
    check_columns: Callable[[tuple[str, ...], str], None] | None = None,
    partition_by: str | None = None,
    progress: Progress | None = None,
) -> Conversion:
    """Stream a data file into a Parquet file, or a hive-partitioned folder, keeping its metadata.

    Args:
        source: Any file (or folder of Parquet files) that
            :func:`censusmig.readers.formats.open_microdata` reads.
        target: The ``.parquet`` file to write (replaced if it exists); with
            ``partition_by``, the folder to write (replaced if it holds only a Parquet
            dataset, such as an earlier conversion).
        options: How to read the source.
        columns: Keep only these columns (those a profile names); all when None.
        check_columns: Called with the source's column names and its path before anything
            is written, to raise when they lack a column
            (:meth:`censusmig.profiles.model.Profile.check_columns`).
        partition_by: Write a folder with one ``COLUMN=value`` sub-folder per value of this
            column (at most :data:`MAX_PARTITIONS`), each holding one Parquet file.
        progress: Called with (records written, records in all) as the conversion goes.

    Returns:
        What was written.

    Raises:
        InputError: The source cannot be read, or a column asked for is absent.
        CensusmigError: The target is not a ``.parquet`` path (a folder that holds other
            files, with ``partition_by``), lies inside the source or holds it, the partition
            column is not written or has too many values, or the target cannot be written.
    """
    options = options or ReadOptions()
    _check_target(source, target, partition_by)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        kind = "parquet" if source.is_dir() else detect_kind(source, options)
        if columns is None and kind in ("sav", "dta") and partition_by is None:
            return _convert_stat_file(source, target, kind, progress)
        with open_microdata(source, options, progress) as opened:
            names = opened.frame.collect_schema().names()
            if check_columns is not None:
                check_columns(tuple(names), str(source))
            if columns is not None:
                missing = [c for c in columns if c not in names]
                if missing:
                    raise InputError(
                        f"{source}: column(s) named in the profile are not in the data: "
                        + ", ".join(missing)
                    )
            keep = list(columns) if columns is not None else names
            meta = opened.meta if columns is None else _only(opened.meta, keep)
            # Parquet's footer holds the record count: the display can show the size at once
            known = _footer_records(opened.frame) if kind == "parquet" else None
            if partition_by is not None:
                _check_partition_column(partition_by, keep, source, columns is not None)
                column = partition_by
                records, files = opened.run(
                    lambda frame: _sink_partitioned(
                        frame.select(keep), target, column, meta.to_json(), progress, known
                    )
                )
                return Conversion(source, target, records, len(keep), len(meta.value_labels), files)
            records = opened.run(
                lambda frame: _sink(frame.select(keep), target, meta.to_json(), progress, known)
            )
            return Conversion(source, target, records, len(keep), len(meta.value_labels))
    except OSError as error:
        raise CensusmigError(f"cannot write {target}: {error.strerror or error}") from None


def _check_target(source: Path, target: Path, partition_by: str | None) -> None:
    """Refuse a target of the wrong kind, or one that is, holds or lies in the source.

    A partitioned target replaces a folder whole, so one holding the source (or anything but
    a Parquet dataset) is refused before the data are read.
    """
    if partition_by is not None and partition_by.startswith(SKIPPED_PREFIXES):
        raise InputError(
            Setting("partition_by", partition_by),
            ": its folders would be skipped when read, as names starting with _ or . are "
            "(Spark's and Hive's rule); rename the column first, or partition by another",
        )
    if partition_by is None and target.suffix.lower() not in (".parquet", ".pq"):
        raise CensusmigError(Setting("to"), f" must name a .parquet file (got {target})")
    real, read = target.resolve(), source.resolve()
    if real == read:
        raise CensusmigError(
            Setting("to"), f" {target} is the input file itself; choose another name"
        )
    if source.is_dir() and real.is_relative_to(read):
        raise CensusmigError(
            Setting("to"),
            f" {target} lies inside the folder read ({source}), whose every Parquet file is "
            "data; write it elsewhere",
        )
    if partition_by is None:
        return
    if read.is_relative_to(real):
        raise CensusmigError(
            Setting("to"),
            f" {target} holds the input {source}, and a partitioned conversion replaces the "
            "folder whole; choose another folder",
        )
    if Path.cwd().resolve().is_relative_to(real):
        raise CensusmigError(
            Setting("to"),
            f" {target} holds the current folder, and a partitioned conversion replaces the "
            "folder whole; choose another folder, or run from outside it",
        )
    if target.exists() and not target.is_dir():
        raise CensusmigError(
            Setting("to"),
            f" {target} is a file; with ",
            Setting("partition_by", partition_by),
            " it names the folder to write",
        )
    if target.is_dir() and any(target.iterdir()):
        try:
            dataset_files(target)
        except InputError:
            raise CensusmigError(
                Setting("to"),
                f" {target} is a folder that holds files other than a Parquet dataset, and "
                "a partitioned conversion replaces the folder whole; choose a new or empty "
                "folder (or an earlier conversion's)",
            ) from None


def _check_partition_column(
    column: str, keep: Sequence[str], source: Path, profile_columns: bool
) -> None:
    """The partition column must be one of the columns written, named as a folder can say.

    Polars writes the column's name into every folder name as it is (``NAME=value``), so a
    name that the folder cannot carry back is refused: one with ``=``, ``/`` or ``%`` (read
    back as another column, or a folder inside a folder). A name starting with ``_`` or
    ``.`` is refused before (:func:`_check_target`).
    """
    if column not in keep:
        match = nearest(column, keep)
        hint = f" (nearest: {match!r})" if match else ""
        among = "the columns the profile names" if profile_columns else f"the columns of {source}"
        raise InputError(Setting("partition_by", column), f": no such column among {among}{hint}")
    if not column or any(c in column for c in "=/%"):
        raise CensusmigError(
            Setting("partition_by", column),
            ": a partition folder is named COLUMN=value, and this column's name would not be "
            "read back from it (a name with '=', '/' or '%' reads back as another column); "
            "rename the column first, or partition by another",
        )


_FOLDER_NAME_BYTES = 255
"""The longest file or folder name most file systems take (bytes)."""


def _check_partition_values(frame: pl.LazyFrame, column: str) -> int:
    """Refuse a column a folder per value cannot hold faithfully; return the records.

    Too many values, a value too long to name a folder, or one spelt as the null folder.

    Raises:
        CensusmigError: More than :data:`MAX_PARTITIONS` values, a ``COLUMN=value``
            folder name longer than the file system takes (the value is not shown), or the
            text ``__HIVE_DEFAULT_PARTITION__``, whose folder is the nulls' (Polars writes
            both to one file, the one over the other).
    """
    text = pl.col(column).cast(pl.String)
    found = frame.select(
        pl.len().alias("records"),
        pl.col(column).n_unique().alias("values"),
        text.str.len_bytes().max().alias("longest"),
        (text == NULL_PARTITION).any().alias("null_text"),
    ).collect()
    values, longest = int(found["values"].item()), found["longest"].item()
    if found["null_text"].item():
        raise CensusmigError(
            Setting("partition_by", column),
            f": the column holds the text {NULL_PARTITION}, the name of the folder of its "
            "nulls, which other readers (Spark, Hive) read as null; partition by a column "
            "without it",
        )
    if values > MAX_PARTITIONS:
        raise CensusmigError(
            Setting("partition_by", column),
            f": the column has {values:,} distinct values, which would make as many folders "
            f"(at most {MAX_PARTITIONS:,}); partition by a coarser column, such as a region",
        )
    name = len(column.encode()) + 1 + (longest or 0)
    if name > _FOLDER_NAME_BYTES:
        raise CensusmigError(
            Setting("partition_by", column),
            f": a value of the column is {longest:,} bytes long, and a folder named "
            f"COLUMN=value may be {_FOLDER_NAME_BYTES} bytes at most; partition by a column of "
            "short codes, such as a region",
        )
    return int(found["records"].item())


def _sink_partitioned(
    frame: pl.LazyFrame,
    target: Path,
    column: str,
    metadata: bytes,
    progress: Progress | None,
    total: int | None = None,
) -> tuple[int, int]:
    """Stream a lazy frame into a hive-partitioned folder of Parquet files, metadata kept.

    The column's distinct values are counted first (one more read of that column). The
    folder is written beside the target (a hidden ``.partial`` folder) and renamed into place
    when complete; an earlier target is removed only then. Records keep their order within
    each file. Returns the records and the files written.

    Raises:
        CensusmigError: The column has more than :data:`MAX_PARTITIONS` values.
    """
    expected = _check_partition_values(frame, column)
    if progress is not None:
        progress(0, total)
    stored = {PARQUET_KEY.decode(): metadata.decode("utf-8")}
    partial = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    )
    with removed_unless_done(partial):
        try:
            frame.sink_parquet(
                pl.PartitionBy(partial, key=column, include_key=True),
                compression="zstd",
                row_group_size=ROW_GROUP_ROWS,
                metadata=stored,
                mkdir=True,
            )
        except BaseException as error:
            # Polars' writers of the other partitions may still be finishing their files
            # after the failure is raised: the folder is removed once they are done.
            _wait_for_writers(partial)
            if isinstance(error, OSError):  # its text may end in a folder named by a value
                raise CensusmigError(f"cannot write {target}: {_os_reason(error)}") from None
            raise
        if not any(partial.iterdir()):  # no records: no partition, but the columns are kept
            frame.head(0).collect().write_parquet(
                partial / "part-0.parquet", compression="zstd", metadata=stored
            )
        try:
            written = [file.path for file in dataset_files(partial)]
        except InputError as error:  # never name the temporary folder
            raise InputError(f"{target}: the folder written cannot be read back") from error
        records = int(  # from the footers
            pl.scan_parquet(written, glob=False, hive_partitioning=False)
            .select(pl.len())
            .collect()
            .item()
        )
        if records != expected:  # two values' files of one name, the one over the other
            raise CensusmigError(
                f"cannot write {target}: {expected:,} records read but {records:,} written "
                f"(two values of {column} named one folder?); nothing was written. Please "
                "report it, with the column's type"
            )
        _replace_folder(partial, target)
    if progress is not None:
        progress(records, records)
    return records, len(written)


def _wait_for_writers(folder: Path, quiet: float = 0.2, longest: float = 10.0) -> None:
    """Wait until nothing under ``folder`` has changed for ``quiet`` s (``longest`` at most)."""
    deadline = time.monotonic() + longest
    seen: list[tuple[str, int]] | None = None
    while time.monotonic() < deadline:
        try:
            now = sorted((str(path), path.lstat().st_size) for path in folder.rglob("*"))
        except OSError:  # a file renamed or removed while listed: not settled yet
            now = None
        if now is not None and now == seen:
            return
        seen = now
        time.sleep(quiet)


_OS_ERROR = re.compile(r"^(.*?\(os error \d+\))")


def _os_reason(error: OSError) -> str:
    """An operating-system error's reason without the path it names (a partition value)."""
    if error.strerror:
        return error.strerror
    found = _OS_ERROR.match(str(error))
    return found.group(1) if found else "the file system refused a file"


def _replace_folder(partial: Path, target: Path) -> None:
    """Move a written folder into place, removing an earlier one only once the new one is in."""
    if not target.exists():
        partial.rename(target)
        return
    earlier = partial.with_name(partial.name.removesuffix(".partial") + ".old")
    target.rename(earlier)
    try:
        partial.rename(target)
    except BaseException:
        earlier.rename(target)
        raise
    remove_surely(earlier)


def _convert_stat_file(
    source: Path, target: Path, kind: str, progress: Progress | None
) -> Conversion:
    """SPSS or Stata: pyreadstat's chunks go straight to the target (one copy, not two)."""
    partial = target.with_name(target.name + ".partial")
    work = tempfile.TemporaryDirectory(prefix="censusmig-")
    try:
        with removed_unless_done(partial):
            meta = write_stat_file_isolated(
                unpack(source, Path(work.name)), kind, partial, progress, source
            )
    finally:
        remove_surely(work.cleanup)
    partial.replace(target)
    written = pl.scan_parquet(target, glob=False)
    records = int(written.select(pl.len()).collect().item())  # from the footer
    return Conversion(
        source, target, records, len(written.collect_schema()), len(meta.value_labels)
    )


def _only(meta: Metadata, columns: Sequence[str]) -> Metadata:
    keep = set(columns)
    return replace(
        meta,
        column_labels={k: v for k, v in meta.column_labels.items() if k in keep},
        value_labels={k: v for k, v in meta.value_labels.items() if k in keep},
        missing={k: v for k, v in meta.missing.items() if k in keep},
        missing_ranges={k: v for k, v in meta.missing_ranges.items() if k in keep},
    )


def _footer_records(frame: pl.LazyFrame) -> int | None:
    """The record count of a scanned Parquet file, read from its footer (no records read)."""
    try:
        return int(frame.select(pl.len()).collect().item())
    except pl.exceptions.PolarsError:  # told properly by the conversion itself
        return None


def _sink(
    frame: pl.LazyFrame,
    target: Path,
    metadata: bytes,
    progress: Progress | None,
    total: int | None = None,
) -> int:
    """Stream a lazy frame into Parquet with Polars' sink (its fastest path), metadata kept.

    The sink gives no progress of its own: ``progress`` hears (0, the record count when the
    source's metadata tell it, else None) before and (records, records) after. A partial file
    is written beside the target and renamed only when complete.
    """
    partial = target.with_name(target.name + ".partial")
    if progress is not None:
        progress(0, total)
    with removed_unless_done(partial):
        frame.sink_parquet(
            partial,
            compression="zstd",
            row_group_size=ROW_GROUP_ROWS,
            metadata={PARQUET_KEY.decode(): metadata.decode("utf-8")},
        )
    partial.replace(target)
    total = int(pl.scan_parquet(target, glob=False).select(pl.len()).collect().item())  # footer
    if progress is not None:
        progress(total, total)
    return total
