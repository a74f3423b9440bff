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
- **Partition keys:** each ``key=value`` folder on a file's path is a column of its records
  (value percent-decoded; ``__HIVE_DEFAULT_PARTITION__`` or an empty value is null). Every file
  must lie under the same keys, in the same order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
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
    try:
        for root, folders, names in os.walk(folder, onerror=_raise):
            folders[:] = sorted(name for name in folders if not name.startswith(SKIPPED_PREFIXES))
            inside = Path(root).relative_to(folder)
            for name in names:
                if name.startswith(SKIPPED_PREFIXES):
                    continue
                relative = (inside / name).as_posix()
                if name.lower().endswith(PARQUET_SUFFIXES):
                    found.append(relative)
                else:
                    others.append(relative)
    except OSError as error:
        raise InputError(f"{folder}: cannot list the folder: {error.strerror or error}") from None
    others.sort()
    if not found:
        holds = f"it holds no Parquet files, only {_listed(others)}" if others else "it is empty"
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
        DatasetFile(folder / relative, relative, partition_keys(relative))
        for relative in sorted(found)
    )
    _check_same_keys(folder, files)
    return files


def partition_keys(relative: str) -> tuple[tuple[str, str | None], ...]:
    """The ``key=value`` folders of a file's relative path, values decoded (None for null)."""
    keys: list[tuple[str, str | None]] = []
    for part in relative.split("/")[:-1]:
        key, equals, value = part.partition("=")
        if not equals or not key:
            continue  # a folder that is not a partition: it names no column
        text = unquote(value)
        keys.append((unquote(key), None if text in ("", NULL_PARTITION) else text))
    return tuple(keys)


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
