"""Scanning microdata files lazily (CSV and Parquet for now)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from censusmig.errors import InputError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class FileFacts:
    """Facts about an input file for the run manifest.

    Attributes:
        path: The file.
        size: Size in bytes.
        sha256: Hash of its bytes.
    """

    path: Path
    size: int
    sha256: str


def scan_microdata(path: Path) -> pl.LazyFrame:
    """Open a person file lazily; nothing is read until the plan is collected.

    Args:
        path: A ``.csv`` or ``.parquet`` file.

    Returns:
        A lazy frame over the file.

    Raises:
        InputError: The file is missing, of an unsupported format, or unreadable.
    """
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unsupported file type {path.suffix!r}; censusmig reads "
            + ", ".join(sorted(FORMATS))
        )
    if not path.is_file():
        raise InputError(f"data file not found: {path}")
    try:
        if kind == "csv":
            frame = pl.scan_csv(path, infer_schema_length=10_000)
        else:
            frame = pl.scan_parquet(path)
        frame.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise InputError(f"{path}: cannot read as {kind}: {first_line}") from None
    return frame


def file_facts(path: Path) -> FileFacts:
    """Size and sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return FileFacts(path, path.stat().st_size, digest.hexdigest())
