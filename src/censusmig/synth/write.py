"""The sample census written to a file: CSV or Parquet in chunks, SPSS or Stata with labels.

:func:`write_census` generates the census with :func:`censusmig.synth.iter_census_chunks` and
writes it in the format the file's suffix names (one of :data:`SAMPLE_SUFFIXES`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from censusmig.synth import iter_census_chunks

__all__ = ["SAMPLE_SUFFIXES", "write_census", "write_chunks", "write_labelled"]

SAMPLE_SUFFIXES = (".csv", ".parquet", ".sav", ".dta")
"""File suffixes the sample is written as."""


def write_census(persons: int, seed: int, path: Path) -> None:
    """Generate the sample census and write it as the suffix of ``path`` says.

    CSV and Parquet are written chunk by chunk (any size); SPSS and Stata whole, with labels.
    The parent folder is made if needed.

    Args:
        persons: Number of person records.
        seed: Random seed; the same seed gives the same file.
        path: A file whose suffix (any case) is one of :data:`SAMPLE_SUFFIXES`.

    Raises:
        OSError: The file or its folder cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".sav", ".dta"):
        write_labelled(pl.concat(iter_census_chunks(persons, seed)), path)
    else:
        write_chunks(iter_census_chunks(persons, seed), path)


def write_labelled(frame: pl.DataFrame, path: Path) -> None:
    """Write SPSS or Stata with the sample's value labels (and SPSS user-missing codes).

    pyreadstat writes a whole frame at once, so these formats are held in memory; they are
    meant for the sample and workshop files, not for a full census.
    """
    import pyreadstat

    from censusmig.synth.labels import COLUMN_LABELS, MISSING_CODES, value_labels

    labels: dict[str, dict[int | float, str]] = {
        column: {code: label for code, label in codes.items()}
        for column, codes in value_labels().items()
    }
    column_labels: dict[str, str | None] = dict(COLUMN_LABELS)
    if path.suffix.lower() == ".sav":
        pyreadstat.write_sav(
            frame,
            path,
            file_label="Sample census of Quetzalia (fictional, synthetic)",
            row_compress=True,
            column_labels=column_labels,
            variable_value_labels=labels,
            missing_ranges={k: list(v) for k, v in MISSING_CODES.items()},
        )
    else:
        pyreadstat.write_dta(
            frame,
            path,
            file_label="Sample census of Quetzalia (synthetic)",
            column_labels=column_labels,
            variable_value_labels=labels,
        )


def write_chunks(chunks: Iterable[pl.DataFrame], path: Path) -> None:
    """Write frames one after the other, never holding more than one in memory.

    Parquet gets one row group per chunk (through pyarrow's writer, which can append); CSV
    gets one header, then the rows of every chunk.
    """
    if path.suffix.lower() == ".csv":
        with path.open("wb") as handle:
            for index, chunk in enumerate(chunks):
                chunk.write_csv(handle, include_header=index == 0)
        return
    import pyarrow.parquet as pq

    writer: pq.ParquetWriter | None = None
    try:
        for chunk in chunks:
            table = chunk.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
