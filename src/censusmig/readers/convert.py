"""Converting any supported data file to Parquet, streaming, with its metadata kept.

Later runs on the Parquet file are the fast path: it is scanned lazily, read column by column,
and the value labels, missing codes and column labels of the original file travel in its schema
metadata (key :data:`censusmig.readers.meta.PARQUET_KEY`), where ``inspect`` and ``profile
init`` find them again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from censusmig.errors import CensusmigError, InputError, Setting
from censusmig.readers.cleanup import remove_surely, removed_unless_done
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


@dataclass(frozen=True)
class Conversion:
    """What :func:`convert_to_parquet` did.

    Attributes:
        source: The file read.
        target: The Parquet file written.
        records: Records written.
        columns: Columns written.
        labelled_columns: Columns whose value labels were kept.
    """

    source: Path
    target: Path
    records: int
    columns: int
    labelled_columns: int


def convert_to_parquet(
    source: Path,
    target: Path,
    options: ReadOptions | None = None,
    *,
    columns: Sequence[str] | None = None,
    check_columns: Callable[[tuple[str, ...], str], None] | None = None,
    progress: Progress | None = None,
) -> Conversion:
    """Stream a data file into a Parquet file, keeping its metadata.

    Args:
        source: Any file :func:`censusmig.readers.formats.open_microdata` reads.
        target: The ``.parquet`` file to write (replaced if it exists).
        options: How to read the source.
        columns: Keep only these columns (those a profile names); all when None.
        check_columns: Called with the source's column names and its path before anything
            is written, to raise when they lack a column
            (:meth:`censusmig.profiles.model.Profile.check_columns`).
        progress: Called with (records written, records in all) as the conversion goes.

    Returns:
        What was written.

    Raises:
        InputError: The source cannot be read, or a column asked for is absent.
        CensusmigError: The target is not a ``.parquet`` path or cannot be written.
    """
    options = options or ReadOptions()
    if target.suffix.lower() not in (".parquet", ".pq"):
        raise CensusmigError(Setting("to"), f" must name a .parquet file (got {target})")
    if target.resolve() == source.resolve():
        raise CensusmigError(
            Setting("to"), f" {target} is the input file itself; choose another name"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        kind = detect_kind(source, options)
        if columns is None and kind in ("sav", "dta"):
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
            records = opened.run(
                lambda frame: _sink(frame.select(keep), target, meta.to_json(), progress, known)
            )
            return Conversion(source, target, records, len(keep), len(meta.value_labels))
    except OSError as error:
        raise CensusmigError(f"cannot write {target}: {error.strerror or error}") from None


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
    written = pl.scan_parquet(target)
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
    total = int(pl.scan_parquet(target).select(pl.len()).collect().item())  # from the footer
    if progress is not None:
        progress(total, total)
    return total
