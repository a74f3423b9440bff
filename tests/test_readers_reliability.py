"""Readers on damaged and odd inputs (issue 12): one verdict in every command, no value shown.

Every input is generated here from the sample census with a free-text column holding the marker
``ZQXMARKER`` in every row; no message may carry it. Each test is one cause of issue 12 and
failed before its fix.
"""

from __future__ import annotations

import gzip
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyreadstat
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.errors import CensusmigError, InputError
from censusmig.readers.formats import open_microdata, polars_message
from censusmig.readers.options import ReadOptions
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE

MARKER = "ZQXMARKER"
RECORDS = 400
LABELLED = ("SEX", "REGION", "RES1", "RES5", "DISABILITY", "CIT_ACQ", "EDUC", "REASON")


def sample(records: int = RECORDS) -> pl.DataFrame:
    """The sample's first records, with a free-text NOTE column carrying the marker."""
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet").head(records)
    return frame.with_columns(
        pl.format("note {} {} free text", pl.lit(MARKER), pl.int_range(pl.len())).alias("NOTE")
    )


def csv_lines(tmp_path: Path) -> list[bytes]:
    """The sample as CSV lines, without their line ends (the header first)."""
    path = tmp_path / "clean.csv"
    sample().write_csv(path)
    return path.read_bytes().splitlines()


def write(path: Path, lines: list[bytes], end: bytes = b"\n") -> Path:
    path.write_bytes(end.join(lines) + end)
    return path


def commands(data: Path, tmp_path: Path, *extra: str) -> Iterator[tuple[str, list[str]]]:
    """Every command that reads a data file, with its arguments."""
    out = tmp_path / "out"
    yield "inspect", ["inspect", str(data), *extra]
    yield "convert", ["convert", str(data), "--to", str(out / "x.parquet"), *extra]
    yield "check", ["check", str(data), "-p", str(SAMPLE_PROFILE), *extra]
    yield (
        "tabulate",
        ["tabulate", str(data), "-p", str(SAMPLE_PROFILE), "-r", "nativity_age_sex",
         "--out", str(out / "tab"), "--json", *extra],
    )  # fmt: skip
    yield "profile init", ["profile", "init", str(data), "--out", str(out / "p.toml"), *extra]


def invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def assert_every_command_fails(data: Path, tmp_path: Path, *words: str) -> str:
    """Every command exits 2 with the same clean message holding ``words``, never the marker."""
    messages = set()
    for name, args in commands(data, tmp_path):
        code, stdout, stderr = invoke(args)
        assert code == 2, (name, stdout, stderr)
        assert MARKER not in stdout + stderr, name
        assert "Traceback" not in stderr, name
        for word in words:
            assert word in stderr, (name, word, stderr)
        messages.update(line for line in stderr.splitlines() if line.startswith("censusmig:"))
    assert len(messages) == 1, messages  # one reader, one verdict
    return messages.pop()


# --- 1. damaged SPSS, Stata and Parquet metadata ------------------------------------------


def labelled(tmp_path: Path, kind: str, labels: int = 3) -> Path:
    frame = sample().to_pandas()
    tables = {c: {i: f"label {c} {i}" for i in range(1, labels + 1)} for c in LABELLED}
    path = tmp_path / f"base.{kind}"
    writer = pyreadstat.write_dta if kind == "dta" else pyreadstat.write_sav
    writer(frame, str(path), variable_value_labels=tables, column_labels={"SEX": "Sex"})
    return path


@pytest.mark.parametrize("kind", ["dta", "sav", "parquet"])
def test_a_byte_flipped_metadata_block_is_a_clear_error(tmp_path: Path, kind: str) -> None:
    if kind == "parquet":
        base = tmp_path / "base.parquet"
        sample().write_parquet(base)
    else:
        base = labelled(tmp_path, kind)
    data = base.read_bytes()
    rnd = random.Random(12)
    # The metadata sit at the start (.dta, .sav) and the end (.dta labels, Parquet footer).
    # ReadStat crashes the process (segfault) on some flips in a .sav's variable records that
    # look sane (a numeric type made a 1-byte string): there, only its header and data are
    # flipped; test_an_spss_variable_type_out_of_range_is_a_clear_error covers what is caught.
    head = 176 if kind == "sav" else 1500
    offsets = [*range(0, head, 3), *range(len(data) - 1500, len(data), 11)]
    # Each SPSS/Stata read starts a child process (readers/stat_child.py): 24 flips of them.
    offsets = sorted(rnd.sample(offsets, min(24, len(offsets))))
    outcomes = {"read": 0, "refused": 0}
    for offset in offsets:
        flipped = bytearray(data)
        flipped[offset] ^= rnd.choice((0xFF, 0x80, 0x20))
        path = tmp_path / f"flip.{kind}"
        path.write_bytes(bytes(flipped))
        try:
            report = api.inspect(path)
        except CensusmigError as error:
            assert MARKER not in str(error)
            outcomes["refused"] += 1
        else:
            assert MARKER not in str(report)
            outcomes["read"] += 1
    assert outcomes["refused"] > 0


def test_a_stata_name_that_does_not_decode_is_a_clear_error(tmp_path: Path) -> None:
    """The flip that gave UnicodeDecodeError from pyreadstat's metadata reader."""
    data = bytearray(labelled(tmp_path, "dta").read_bytes())
    at = data.index(b"<varnames>") + len(b"<varnames>")
    data[at] = 0xBE  # the first column's name starts with a byte that is no UTF-8
    path = tmp_path / "names.dta"
    path.write_bytes(bytes(data))
    code, _, stderr = invoke(["inspect", str(path)])
    assert code == 2
    assert f"{path}: cannot read it as a Stata file" in stderr
    assert "damaged, truncated or not a Stata file" in stderr
    assert "Traceback" not in stderr


def test_an_spss_variable_type_out_of_range_is_a_clear_error(tmp_path: Path) -> None:
    """A variable type of 8192 (one flipped bit) crashed the process inside ReadStat."""
    data = bytearray(labelled(tmp_path, "sav").read_bytes())
    at = data.index(b"\x02\x00\x00\x00\x00\x00\x00\x00", 176)  # first variable record
    data[at + 5] ^= 0x20
    path = tmp_path / "types.sav"
    path.write_bytes(bytes(data))
    code, _, stderr = invoke(["inspect", str(path)])
    assert code == 2
    assert "its dictionary is damaged (a variable has type 8192, not -1 to 255)" in stderr


# --- 2. truncated Stata files -------------------------------------------------------------


@pytest.mark.parametrize("version", [114, 117, 118, 119])
def test_a_truncated_stata_file_stops_with_its_record_counts(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.dta"
    if version == 119:
        path = labelled(tmp_path, "dta", labels=60)  # pyreadstat writes release 119
    else:
        frame = sample().drop("NOTE").to_pandas()
        value_labels = {c: {i: f"label {c} {i}" * 3 for i in range(1, 60)} for c in LABELLED}
        extra = {"value_labels": value_labels} if version >= 117 else {}
        frame.to_stata(path, version=version, write_index=False, **extra)
    data = path.read_bytes()
    assert api.inspect(path)["records"] == RECORDS
    cut = tmp_path / "cut.dta"
    for share in (0.999, 0.9, 0.62):
        cut.write_bytes(data[: int(len(data) * share)])
        with pytest.raises(InputError) as raised:
            api.inspect(cut)
        message = str(raised.value)
        assert message.startswith(f"{cut}: truncated: the header says 400 records, the file holds")
    if version >= 117:  # cut inside the value labels: every record, labels gone
        cut.write_bytes(data[:-40])
        with pytest.raises(InputError, match="holds 400 but its value-label table is cut"):
            api.inspect(cut)
    code, _, stderr = invoke(["check", str(cut), "-p", str(SAMPLE_PROFILE)])
    assert code == 2 and "truncated: the header says 400 records" in stderr


# --- 3. blank lines -----------------------------------------------------------------------


@pytest.mark.parametrize("packing", ["plain", "gz", "zip"])
def test_blank_lines_are_skipped_and_counted_in_every_command(tmp_path: Path, packing: str) -> None:
    lines = csv_lines(tmp_path)
    blanks = 200_000
    text = lines[0] + b"\n" + b"\n" * blanks + b"\n".join(lines[1:]) + b"\n"
    data = tmp_path / "blank.csv"
    if packing == "gz":
        data = tmp_path / "blank.csv.gz"
        data.write_bytes(gzip.compress(text))
    elif packing == "zip":
        data = tmp_path / "blank.zip"
        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("blank.csv", text)
    else:
        data.write_bytes(text)
    for name, args in commands(data, tmp_path):
        code, stdout, stderr = invoke(args)
        assert code in (0, 1), (name, stderr)
        assert f"skipped {blanks:,} blank lines (not records)" in stderr, name
        assert MARKER not in stdout + stderr
        if name == "tabulate":
            assert '"records": 400' in stdout
    assert api.inspect(data)["records"] == RECORDS


# --- 4. lone CR line ends -----------------------------------------------------------------


@pytest.mark.parametrize("every", [1, 7])
def test_lone_cr_line_ends_are_one_error_in_every_command(tmp_path: Path, every: int) -> None:
    lines = csv_lines(tmp_path)
    text = b"".join(
        line + (b"\r" if i % every == every - 1 else b"\n") for i, line in enumerate(lines)
    )
    data = tmp_path / "cr.csv"
    data.write_bytes(text)
    message = assert_every_command_fails(
        data, tmp_path, "lone carriage return", "Convert its line ends to LF or CRLF"
    )
    # Lines are counted at LF: the 7th and 8th lines glued make line 7, and so on every 6.
    assert ("on line 1:" if every == 1 else "on lines 7, 13, 19, 25, 31 and 52 more:") in message


def test_a_quoted_cr_and_crlf_line_ends_are_fine(tmp_path: Path) -> None:
    frame = sample().with_columns(pl.format("a\r{}", pl.col("NOTE")).alias("NOTE"))
    data = tmp_path / "quoted_cr.csv"
    frame.write_csv(data, line_terminator="\r\n")
    assert api.inspect(data)["records"] == RECORDS


# --- 5. a long last line ------------------------------------------------------------------


def test_a_last_line_longer_than_64_kib_is_not_truncation(tmp_path: Path) -> None:
    frame = sample().with_columns(
        pl.when(pl.int_range(pl.len()) == RECORDS - 1)
        .then(pl.lit(f"{MARKER} " * 10_000))
        .otherwise(pl.col("NOTE"))
        .alias("NOTE")
    )
    data = tmp_path / "long.csv"
    frame.write_csv(data)
    assert api.inspect(data)["records"] == RECORDS
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data.read_bytes()[: -(60_000 + len("free text\n"))])  # a real cut
    cut.write_bytes(cut.read_bytes().replace(f"{MARKER} ".encode(), b"x", 1) + b"\n")
    lines = csv_lines(tmp_path)
    write(cut, [*lines[:-1], b",".join(lines[-1].split(b",")[:20])])
    assert_every_command_fails(cut, tmp_path, "the last line has 20 field(s) where the header")


# --- 6. rows with the wrong number of fields ----------------------------------------------


def test_rows_with_the_wrong_number_of_fields_are_counted_by_line(tmp_path: Path) -> None:
    lines = csv_lines(tmp_path)
    lines[9] = lines[9].replace(b",", b"", 1)  # a missing separator: line 10
    lines[49] = lines[49].replace(b",", b"\xc3\xa9", 3)  # flipped separators: line 50
    lines[99] = lines[99] + b",extra"  # line 100
    for number in range(200, 208):
        lines[number - 1] = lines[number - 1].replace(b",", b";", 1)
    data = write(tmp_path / "fields.csv", lines)
    message = assert_every_command_fails(
        data, tmp_path, "11 record(s) do not have the 25 fields of the first line"
    )
    assert "line(s) 10 (24), 50 (22), 100 (26), 200 (24), 201 (24), and 6 more" in message
    assert "values not shown" in message


# --- 7. duplicated column names -----------------------------------------------------------


def test_a_duplicated_column_name_is_an_error_naming_it(tmp_path: Path) -> None:
    lines = csv_lines(tmp_path)
    lines[0] = lines[0].replace(b"AGE", b"SEX")
    data = write(tmp_path / "dup.csv", lines)
    assert_every_command_fails(
        data, tmp_path, "the header line names 1 column(s) more than once: 'SEX' in columns 6, 7"
    )


# --- 8. unbalanced quotes -----------------------------------------------------------------


def test_an_unbalanced_quote_names_its_line_not_its_value(tmp_path: Path) -> None:
    lines = csv_lines(tmp_path)
    lines[29] = lines[29].replace(b"note ", b'"note ', 1)
    data = write(tmp_path / "quote.csv", lines)
    assert_every_command_fails(
        data, tmp_path, "unbalanced quote: the quoted field that starts on line 30 is never closed"
    )


def test_a_quote_that_does_not_fill_its_field_is_one_verdict(tmp_path: Path) -> None:
    """Quoted from line 30 to line 34 with text after the closing quote: tabulate read 396."""
    lines = csv_lines(tmp_path)
    lines[29] = lines[29].replace(b"note ", b'"note ', 1)
    lines[33] = lines[33].replace(b"note ", b'note"', 1)
    lines[99] = lines[99].replace(b"note ", b'no"te ', 1).replace(b"free", b'fr"ee', 1)
    data = write(tmp_path / "quote.csv", lines)
    assert_every_command_fails(
        data, tmp_path, "2 record(s) hold a quote that does not fill its field, on lines 34, 100"
    )


def test_polars_messages_lose_values_spanning_lines() -> None:
    error = Exception(f"could not parse `\"{MARKER},6\n7,8\n` as dtype `str` at column 'b'\n\nx")
    assert MARKER not in polars_message(error)
    assert MARKER not in polars_message(Exception(f'could not parse `"{MARKER} open'))
    assert MARKER not in polars_message(Exception(f'failed: ["a]b", "{MARKER}"] after'))


def test_multi_line_quoted_fields_are_one_record(tmp_path: Path) -> None:
    frame = sample().with_columns(
        pl.format('multi "line"\n{}, with a comma\n\n', pl.col("NOTE")).alias("NOTE")
    )
    data = tmp_path / "multi.csv"
    frame.write_csv(data)
    assert api.inspect(data)["records"] == RECORDS
    quoted = tmp_path / "quoted.csv"
    sample().write_csv(quoted, quote_style="always")
    assert api.inspect(quoted)["records"] == RECORDS


# --- 9. interrupted runs leave no temporary file ------------------------------------------


def _run_and_interrupt(args: list[str], tmp_path: Path, ready: str) -> int:
    """Start the CLI, wait until a file matching ``ready`` (under ``tmp_path``), SIGINT it."""
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "censusmig", "-q", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if any(tmp_path.glob(ready)):
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert b"Traceback" not in stderr
    return process.returncode


@pytest.mark.parametrize("command", ["inspect", "convert"])
def test_an_interrupted_run_removes_its_temporary_files(tmp_path: Path, command: str) -> None:
    (tmp_path / "tmp").mkdir()
    frame = pl.concat([sample()] * 2500)  # 1,000,000 records: a few seconds of work
    data = tmp_path / "big.csv.gz"
    with gzip.open(data, "wb", compresslevel=1) as sink:
        frame.write_csv(sink)
    target = tmp_path / "out.parquet"
    args = ["inspect", str(data)] if command == "inspect" else ["convert", str(data), "--to"]
    if command == "convert":
        args.append(str(target))
        ready = "out.parquet.partial"
    else:
        ready = "tmp/censusmig-*/*.csv"
    code = _run_and_interrupt(args, tmp_path, ready)
    assert code != 0  # interrupted, not finished
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "out.parquet.partial").exists()


def test_a_source_removes_its_folder_on_keyboard_interrupt(tmp_path: Path) -> None:
    data = tmp_path / "small.csv.gz"
    data.write_bytes(gzip.compress(b"\n".join(csv_lines(tmp_path)) + b"\n"))
    with pytest.raises(KeyboardInterrupt), open_microdata(data) as source:
        assert source.text_file is not None and source.text_file.exists()
        folder = source.text_file.parent
        raise KeyboardInterrupt
    assert not folder.exists()


# --- 10. the separator of a TSV -----------------------------------------------------------


def test_a_comma_file_read_as_tsv_is_refused_naming_both_ways_out(tmp_path: Path) -> None:
    data = write(tmp_path / "PERSONS", csv_lines(tmp_path))
    with pytest.raises(InputError) as raised:
        open_microdata(data, ReadOptions(data_format="tsv"))
    assert str(raised.value) == (
        f"{data} is read as tsv (tab-separated), but its first line holds no tab and 24 "
        "comma(s): read it as data_format='csv' or give its separator with delimiter=','"
    )
    code, _, stderr = invoke(["inspect", str(data), "--data-format", "tsv"])
    assert code == 2 and "--data-format csv or give its separator with --delimiter ," in stderr
    tabs = write(tmp_path / "tabs.tsv", [line.replace(b",", b"\t") for line in csv_lines(tmp_path)])
    assert api.inspect(tabs)["records"] == RECORDS
    with_comma = tmp_path / "PERSONS2"
    with_comma.write_bytes(data.read_bytes())
    report = api.inspect(with_comma, read_options=ReadOptions(data_format="tsv", delimiter=","))
    assert report["records"] == RECORDS


def test_an_spss_file_that_crashes_its_reader_is_a_clear_error(tmp_path: Path) -> None:
    """A string width of 255 on a numeric variable makes ReadStat crash (SIGSEGV): the file
    is read in a child process, so the crash is told as a damaged file, exit 2."""
    import struct

    body = bytearray((SAMPLE_DIR / "census.sav").read_bytes())
    first = 176  # the first variable record: rec_type 2, then the type (0 numeric)
    assert body[first : first + 8] == struct.pack("<ii", 2, 0)
    body[first + 4 : first + 8] = struct.pack("<i", 255)
    damaged = tmp_path / "damaged.sav"
    damaged.write_bytes(bytes(body))
    for args in (
        ["inspect", str(damaged)],
        ["convert", str(damaged), "--to", str(tmp_path / "x.parquet")],
        ["tabulate", str(damaged), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "o")],
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "the file is damaged, truncated or not an SPSS file" in result.stderr
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.sav"]
