"""A folder of Parquet files read as one person file: which files, in which order, which keys.

A data lake keeps a census as many Parquet files, often hive-partitioned: one sub-folder per
value of a column (``REGION=1/part-0.parquet``), as ``censusmig convert --partition-by`` and
Spark write them. The rules, shared by the reader (:func:`censusmig.readers.formats.open_microdata`)
and the run manifest's hash (:mod:`censusmig.readers.scan`):

- **Files:** every file under the folder, recursively, whose name ends in ``.parquet`` or
  ``.pq``; files and folders whose names start with ``_`` or ``.`` are skipped, as Hive, Spark
  and Arrow skip them (``_SUCCESS``, ``.part-0.parquet.crc``, ``_temporary/``). Any other file
  is an error naming it, and so is a folder without Parquet files.
- **Order:** the files sorted by their path relative to the folder (``/``-separated, as text):
  the record order of the dataset, hence of slices, record numbers and messages, is the same
  on every machine.
- **Links:** symbolic links to folders and files are followed (a data lake may link a
  partition in from elsewhere); a folder or file reached twice by its real path is an error
  naming both paths, so no record is read twice and no link loop runs forever.
- **Partition keys:** each ``key=value`` folder on a file's path is a column of its records
  (value percent-decoded as UTF-8; a name whose percent-encoding is not UTF-8 is an error
  naming the folder, never two folders merged into one value; ``__HIVE_DEFAULT_PARTITION__``
  or an empty value is null). Every file must lie under the same keys, in the same order. A
  key the files also hold as a column must agree with its folder (checked on each file's
  min/max statistics, or its column when they are missing): a file under ``REGION=1`` whose
  REGION column holds anything else is an error naming the file, the key and the folder's
  value, never the file's values.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from censusmig.errors import InputError

PARQUET_SUFFIXES = (".parquet", ".pq")
"""Names of the files a folder dataset is made of."""

SKIPPED_PREFIXES = ("_", ".")
"""Files and folders whose names start so are not data (Hive's, Spark's and Arrow's rule)."""

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
"""The folder name Hive, Spark and Polars give the records whose key is null."""

_SHOWN = 5
"""File names listed in a message at most."""

_INTEGER = re.compile(r"0|-?[1-9][0-9]*")  # as Python writes it: not "-0", which reads as 0
_INT64 = 1 << 63


@dataclass(frozen=True)
class DatasetFile:
    """One Parquet file of a folder dataset.

    Attributes:
        path: The file (the folder joined with ``relative``).
        relative: Its path inside the folder, ``/``-separated: what it is sorted and hashed by.
        keys: Its partition keys in path order: (column, value as text, None for null).
    """

    path: Path
    relative: str
    keys: tuple[tuple[str, str | None], ...]


def dataset_files(folder: Path) -> tuple[DatasetFile, ...]:
    """The Parquet files of a folder dataset, sorted by relative path, with their keys.

    Args:
        folder: The folder.

    Returns:
        At least one file.

    Raises:
        InputError: The folder holds no Parquet file (the message says what it holds), holds
            other files besides them, cannot be listed, or its files lie under different
            partition keys.
    """
    found: list[str] = []
    others: list[str] = []
    skipped: list[str] = []
    seen: dict[str, str] = {}  # real path -> the path it was first reached by
    try:
        # Symbolic links are followed (a linked partition folder is data, as Spark reads it);
        # a folder or file reached twice by its real path would be read twice: refused.
        for root, folders, names in os.walk(folder, onerror=_raise, followlinks=True):
            inside = Path(root).relative_to(folder)
            _once(folder, Path(root), inside.as_posix(), seen)
            skipped += [
                (inside / name).as_posix()
                for name in folders + names
                if name.startswith(SKIPPED_PREFIXES)
            ]
            folders[:] = sorted(name for name in folders if not name.startswith(SKIPPED_PREFIXES))
            for name in names:
                if name.startswith(SKIPPED_PREFIXES):
                    continue
                relative = (inside / name).as_posix()
                if name.lower().endswith(PARQUET_SUFFIXES):
                    _once(folder, Path(root) / name, relative, seen)
                    found.append(relative)
                else:
                    others.append(relative)
    except OSError as error:
        raise InputError(f"{folder}: cannot list the folder: {error.strerror or error}") from None
    others.sort()
    if not found:
        if others:
            holds = f"it holds no Parquet files, only {_listed(others)}"
        elif skipped:
            holds = (
                f"it holds only {_listed(sorted(skipped))}, and names starting with _ or . "
                "are skipped, as Spark and Hive skip them"
            )
        else:
            holds = "it is empty"
        raise InputError(
            f"{folder} is a folder; name the data file inside it ({holds}; a folder is read "
            "as one dataset when it holds .parquet files)"
        )
    if others:
        raise InputError(
            f"{folder}: a folder is read as one Parquet dataset, but it also holds "
            f"{_listed(others)}, which are not Parquet files (names ending in .parquet or .pq "
            "are read, names starting with _ or . skipped); move them out of the folder"
        )
    files = tuple(
        DatasetFile(folder / relative, relative, partition_keys(relative, folder))
        for relative in sorted(found)
    )
    _check_same_keys(folder, files)
    return files


def partition_keys(relative: str, folder: Path | None = None) -> tuple[tuple[str, str | None], ...]:
    """The ``key=value`` folders of a file's relative path, values decoded (None for null).

    Raises:
        InputError: A key or value is percent-encoded in bytes that are not UTF-8 text
            (``K=%e9``): decoded, two such folders could become one value.
    """
    keys: list[tuple[str, str | None]] = []
    parts = relative.split("/")[:-1]
    for number, part in enumerate(parts):
        key, equals, value = part.partition("=")
        if not equals or not key:
            continue  # a folder that is not a partition: it names no column
        try:
            text = unquote(value, errors="strict")
            name = unquote(key, errors="strict")
        except UnicodeDecodeError:
            where = "/".join(parts[: number + 1])
            raise InputError(
                f"{folder / where if folder is not None else where}: the folder's name is "
                "percent-encoded in bytes that are not UTF-8 text; rename it with the value "
                "encoded as UTF-8 (as convert with a partition column, and Spark, write it)"
            ) from None
        keys.append((name, None if text in ("", NULL_PARTITION) else text))
    return tuple(keys)


def check_stored_keys(folder: Path, files: Sequence[DatasetFile], columns: Sequence[str]) -> None:
    """A partition key that is also a column of the files must hold its folder's value.

    Both engines read such a column from the files; a file whose column disagrees with the
    folder it lies in (folders renamed or swapped) is refused, as other readers (Spark, Hive)
    would read the folder names. A null folder (``KEY=``, ``__HIVE_DEFAULT_PARTITION__``)
    agrees with nulls, empty text and the text ``__HIVE_DEFAULT_PARTITION__`` (the folder
    Polars, and so ``convert --partition-by``, writes each of them to). The files' minimum and
    maximum statistics are compared (the column is read only when a file has none).

    Args:
        folder: The dataset's folder (for messages).
        files: Its files (:func:`dataset_files`).
        columns: The columns the files hold.

    Raises:
        InputError: A file's column disagrees with its folder; the message names the file,
            the key and the folder's value, never the file's values.
    """
    for file in files:
        for key, value in file.keys:
            if key in columns and not _agrees(file.path, key, value):
                shown = NULL_PARTITION if value is None else value
                raise InputError(
                    f"{folder}: {file.relative} lies in the folder {key}={shown}, but its "
                    f"column {key} holds other values; a partition folder must name the "
                    "value its files hold (were folders renamed?)"
                )


def _agrees(path: Path, key: str, value: str | None) -> bool:
    """Every record of the file holds ``value`` in ``key`` (null for None)."""
    import polars as pl
    import pyarrow.parquet as pq

    scan = pl.scan_parquet(path, glob=False, hive_partitioning=False)
    kind = scan.collect_schema()[key]
    if value is None:
        expected: object = None
    else:
        typed = pl.Series([value], dtype=pl.String).cast(kind, strict=False)
        if typed.null_count():
            return False  # the folder's value is not even of the column's type
        expected = typed.item()
    metadata = pq.ParquetFile(path).metadata
    leaves = [metadata.schema.column(i).path for i in range(metadata.num_columns)]
    verdict = (
        _stats_agree(metadata, leaves.index(key), expected) if leaves.count(key) == 1 else None
    )
    if verdict is not None:
        return verdict
    if value is None:
        check = (pl.col(key).is_null() | pl.col(key).cast(pl.String).is_in(_NULL_TEXTS)).all()
    else:
        check = (pl.col(key) == pl.lit(expected).cast(kind)).fill_null(False).all()
    return bool(scan.select(check).collect().item())


_NULL_TEXTS = ("", NULL_PARTITION)
"""Texts written to a null folder as nulls are: Polars names the folder of each so."""


def _stats_agree(metadata: Any, index: int, expected: object) -> bool | None:
    """What the row groups' statistics say (None: they cannot tell, read the column)."""
    for group in range(metadata.num_row_groups):
        rows = metadata.row_group(group).num_rows
        if rows == 0:
            continue
        stats = metadata.row_group(group).column(index).statistics
        if stats is None or not stats.has_null_count:
            return None
        if expected is None:  # null, or a text a null folder names too
            if stats.null_count == rows:
                continue
            if not stats.has_min_max:
                return None
            if stats.min == stats.max and stats.min in _NULL_TEXTS:
                continue
            if stats.min in _NULL_TEXTS and stats.max in _NULL_TEXTS:
                return None  # both texts, or others between them: read the column
            return False
        if stats.null_count:
            return False
        if not stats.has_min_max:
            return None
        low, high = stats.min, stats.max
        if type(low) is not type(expected) or type(high) is not type(expected):
            return None  # another representation (bytes, a logical type): read the column
        if not low == high == expected:
            return False
    return True


def _once(folder: Path, path: Path, relative: str, seen: dict[str, str]) -> None:
    """Refuse a folder or file reached a second time by its real path (through a link)."""
    real = os.path.realpath(path)
    earlier = seen.setdefault(real, relative)
    if earlier != relative:
        earlier = "the folder itself" if earlier == "." else earlier
        raise InputError(
            f"{folder}: {relative} is {earlier} again (through a symbolic link), and would be "
            "read twice; remove the link or the copy"
        )


def key_type(values: Sequence[str | None]) -> str:
    """How a partition key the files do not hold is read: ``integer`` or ``text``.

    Integers (64-bit) when every value that is not null is written as an integer, without
    leading zeros or a plus sign (``-3``, ``0``, ``12``), so that no code changes when read
    as a number; text otherwise (``08``, ``-0``, ``1.5``, ``north``), codes kept as written.
    """
    for value in values:
        if value is None:
            continue
        if _INTEGER.fullmatch(value) is None or not -_INT64 <= int(value) < _INT64:
            return "text"
    return "integer"


def _check_same_keys(folder: Path, files: Sequence[DatasetFile]) -> None:
    first = files[0]
    names = [key for key, _ in first.keys]
    for file in files:
        these = [key for key, _ in file.keys]
        if len(set(these)) != len(these):
            raise InputError(
                f"{folder}: {file.relative} names a partition key twice ({', '.join(these)})"
            )
        if these != names:
            raise InputError(
                f"{folder}: its files are partitioned differently: {first.relative} lies under "
                f"the keys ({', '.join(names) or 'none'}), {file.relative} under "
                f"({', '.join(these) or 'none'}); every file must lie under the same key=value "
                "folders, in the same order"
            )


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return shown + more


def _raise(error: OSError) -> None:
    raise error
