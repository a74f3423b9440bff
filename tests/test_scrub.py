"""No data value leaves censusmig unasked, and no run ends in a traceback (issue 12).

One named test per cause: the scrubber at the message boundary (another library's message
is shown without the values it quotes), a text column named as the weight, unknown codes
that cannot be codes, the last-resort handler of the command line, SIGINT and SIGTERM; then a
planted marker run through every command, with and without ``--json``.
"""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.classifications.codes import could_be_code
from censusmig.cli import hints
from censusmig.errors import Foreign, InputError, scrub
from censusmig.readers.formats import polars_message
from censusmig.tables.derive import shown_unknown_codes
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

MARKER = "ZQXMARKER"
INTERNAL = (
    "censusmig: internal error ({kind}) while running {command}; this is a bug: please report "
    "it with the command you ran (set CENSUSMIG_DEBUG=1 to see the traceback)"
)


def censusmig(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line in a fresh process, as a user does."""
    return subprocess.run(
        [sys.executable, "-m", "censusmig", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def polars_error(action: object) -> pl.exceptions.PolarsError:
    """The Polars error that ``action`` raises."""
    with pytest.raises(pl.exceptions.PolarsError) as caught:
        action()  # type: ignore[operator]
    return caught.value


# --- the scrubber -------------------------------------------------------------------------


def test_polars_list_of_failing_values_is_not_shown() -> None:
    error = polars_error(
        lambda: pl.DataFrame({"w": [f"{MARKER} a", f"{MARKER}b", "1"]}).select(
            pl.col("w").cast(pl.Float64)
        )
    )
    text = scrub(str(error))
    assert MARKER not in text
    assert "conversion from str to f64 failed in column 'w' for 2 out of 3 values" in text
    assert "[values not shown]" in text


def test_unclosed_quote_hides_the_rest_of_the_message(tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("a,b\n" + "3,4\n" * 200 + f'5,"{MARKER} runs\nover lines\n')
    error = polars_error(lambda: pl.read_csv(data))
    assert MARKER in str(error)  # Polars quotes the value
    message = polars_message(error)
    assert MARKER not in message
    assert message == "could not parse a value as dtype i64 at column 'b' (column number 2)"
    assert scrub(f'could not parse "{MARKER} never closed') == (
        "could not parse a value (rest of the message not shown)"
    )
    assert scrub(f"could not parse `{MARKER} never closed") == (
        "could not parse a value (rest of the message not shown)"
    )


def test_backtick_and_double_quoted_values_are_not_shown() -> None:
    assert scrub(f"could not parse `{MARKER}`x` as dtype `i64` at column 'a'") == (
        "could not parse a value as dtype i64 at column 'a'"
    )
    assert scrub(f"value \"{MARKER}\" in column 'a'") == "value a value in column 'a'"
    assert scrub(f'values: ["{MARKER}", "{MARKER}\\"2", ...]') == "values: [values not shown]"
    assert scrub(f"invalid literal for int() with base 10: '{MARKER}'") == (
        "invalid literal for int() with base 10: a value"
    )
    assert scrub("increasing `infer_schema_length` (e.g. `infer_schema_length=10000`)") == (
        "increasing infer_schema_length (e.g. infer_schema_length=10000)"
    )


def test_foreign_text_is_scrubbed_at_the_boundary_for_python_and_the_cli() -> None:
    error = InputError("data.csv: cannot read: ", Foreign(f'could not parse "{MARKER}', "E"))
    assert MARKER not in str(error)
    assert MARKER not in hints.message(error)
    assert (
        str(error)
        == "data.csv: cannot read: could not parse a value (rest of the message not shown)"
    )
    assert str(InputError("x: ", Foreign("", "OSError"))) == "x: OSError"


def test_unclosed_quote_never_reaches_inspect_convert_or_profile_init(tmp_path: Path) -> None:
    data = tmp_path / "quote.csv"
    data.write_text("A,B\n" + "1,2\n" * 300 + f'1,"{MARKER} never closed\n')
    for args in (
        ("inspect", data),
        ("convert", data, "--to", tmp_path / "out.parquet"),
        ("profile", "init", data, "--out", tmp_path / "draft.toml"),
    ):
        done = censusmig(*args)
        assert MARKER not in done.stdout + done.stderr, args
        assert "Traceback" not in done.stderr


# --- a text column named as the weight ----------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_text_weight_column_is_a_clear_error_without_values(tmp_path: Path, suffix: str) -> None:
    frame = pl.read_csv(SAMPLE_DIR / "census.csv", n_rows=50).with_columns(
        pl.lit(f"{MARKER} note").alias("NOTE")
    )
    data = tmp_path / f"notes{suffix}"
    frame.write_csv(data) if suffix == ".csv" else frame.write_parquet(data)
    profile = tmp_path / "weighted.profile.toml"
    profile.write_text(
        SAMPLE_PROFILE.read_text().replace("[data]\n", '[data]\nweight = "NOTE"\n', 1)
    )
    done = censusmig("tabulate", data, "-p", profile, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "weight column 'NOTE' holds 50 values that are not numbers" in done.stderr
    assert "values not shown" in done.stderr
    assert MARKER not in done.stdout + done.stderr


# --- unknown codes that cannot be codes ---------------------------------------------------


def test_unknown_codes_that_cannot_be_codes_are_counted_not_shown() -> None:
    found = {
        "SEX=7": 3,
        f"DISABILITY={MARKER} free text of forty characters...": 2,
        f"DISABILITY={MARKER}{'x' * 200}": 1,
        f"DISABILITY={MARKER}\x00": 4,
        "DISABILITY=3": 1,
    }
    shown = shown_unknown_codes(found)
    assert shown == {
        "SEX=7": 3,
        "DISABILITY=3": 1,
        "DISABILITY=(3 values of 10-209 characters, not shown)": 7,
    }
    assert could_be_code("999") and could_be_code("12.5") and could_be_code("ARG")
    assert could_be_code(" 1 ")
    assert not could_be_code("a b")
    assert could_be_code("Outlying-US(Guam-USVI-etc)")
    assert not could_be_code("x" * 33)
    assert not could_be_code("1\x00")


def test_shifted_free_text_is_not_shown_by_check_run_json_report_or_workbook(
    tmp_path: Path,
) -> None:
    data = _marked_csv(tmp_path)
    done = censusmig("check", data, "-p", SAMPLE_PROFILE)
    assert done.returncode == 1
    assert "DISABILITY=(8 values of " in done.stdout
    assert "characters, not shown): 8" in done.stdout
    assert "SEX=7: 4" in done.stdout  # a code that could be one stays shown
    assert MARKER not in done.stdout + done.stderr
    out = tmp_path / "out"
    done = censusmig("tabulate", data, "-p", SAMPLE_PROFILE, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "characters, not shown" in (out / "run.json").read_text()
    _assert_no_marker(out)


# --- the last resort ----------------------------------------------------------------------


def _broken_inspect(kind: str) -> list[str]:
    """A command line whose ``inspect`` raises ``kind`` carrying the marker."""
    code = (
        "import sys, censusmig.api as api\n"
        "from censusmig.cli import main\n"
        f"def boom(*args, **kwargs): raise {kind}('{MARKER} secret')\n"
        "api.inspect = boom\n"
        f"sys.argv = ['censusmig', 'inspect', {str(SAMPLE_DIR / 'census.csv')!r}]\n"
        "main.run()\n"
    )
    return [sys.executable, "-c", code]


@pytest.mark.parametrize("kind", ["ValueError", "OverflowError", "MemoryError", "RecursionError"])
def test_internal_error_is_one_line_without_its_message(kind: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CENSUSMIG_DEBUG"}
    done = subprocess.run(
        _broken_inspect(kind), capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2
    assert done.stderr == INTERNAL.format(kind=kind, command="inspect") + "\n"
    assert MARKER not in done.stdout + done.stderr


def test_internal_error_traceback_only_with_debug() -> None:
    env = {**os.environ, "CENSUSMIG_DEBUG": "1"}
    done = subprocess.run(
        _broken_inspect("ValueError"), capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2
    assert "Traceback" in done.stderr
    assert done.stderr.endswith(INTERNAL.format(kind="ValueError", command="inspect") + "\n")


@pytest.fixture(scope="module")
def big_census(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample census of 300,000 persons, as Parquet and as gzipped CSV."""
    folder = tmp_path_factory.mktemp("big")
    parquet = api.write_sample(300_000, 1, folder / "big.parquet")
    packed = folder / "big.csv.gz"
    with gzip.open(packed, "wb", compresslevel=1) as sink:
        pl.read_parquet(parquet).write_csv(sink)
    return {"parquet": parquet, "csv.gz": packed}


def _stop_mid_run(
    data: Path, out: Path, signum: int, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Tabulate ``data``, send ``signum`` once the command runs, return exit code and stderr."""
    run = subprocess.Popen(
        [sys.executable, "-m", "censusmig", "tabulate", data, "-p", SAMPLE_PROFILE, "--out", out],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert run.stderr is not None
    first = run.stderr.readline()  # "Tabulating ...": the command (and its handlers) runs
    assert first.startswith("Tabulating"), first
    time.sleep(1.0)
    run.send_signal(signum)
    rest = run.stderr.read()
    return run.wait(timeout=120), first + rest


def test_sigterm_mid_run_exits_143_and_removes_temporary_files(
    big_census: dict[str, Path], tmp_path: Path
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    code, stderr = _stop_mid_run(big_census["csv.gz"], tmp_path / "out", signal.SIGTERM, env)
    assert code == 143
    assert stderr.rstrip().endswith("censusmig: terminated")
    assert "Traceback" not in stderr
    assert list(temporary.iterdir()) == []  # the unpacked CSV went with its TemporaryDirectory


def test_sigint_mid_run_exits_130(big_census: dict[str, Path], tmp_path: Path) -> None:
    code, stderr = _stop_mid_run(big_census["parquet"], tmp_path / "out", signal.SIGINT)
    assert code == 130
    assert stderr.rstrip().endswith("censusmig: interrupted")
    assert "Traceback" not in stderr


# --- a planted marker through every command -----------------------------------------------


def _marked_csv(folder: Path) -> Path:
    """400 sample records with a free-text NOTE and marker text shifted into code columns.

    Every 50th record has free text in DISABILITY (as a missing separator leaves it), every
    90th a marker with a tab in POB; every 100th an offending but short code (SEX 7), which
    stays shown. Every marker is longer than a code could be.
    """
    with (SAMPLE_DIR / "census.csv").open(newline="") as source:
        rows = list(csv.reader(source))
    head, body = rows[0], rows[1:401]
    lines = [[*head, "NOTE"]]
    for index, row in enumerate(body):
        row = list(row)
        if index % 50 == 0:
            row[head.index("DISABILITY")] = f"{MARKER} shifted text {index}"
        if index % 90 == 0:
            row[head.index("POB")] = f"{MARKER}\tpob"
        if index % 100 == 1:
            row[head.index("SEX")] = "7"
        lines.append([*row, f'{MARKER} note {index}, with "quotes" and more'])
    data = folder / "marked.csv"
    with data.open("w", newline="") as sink:
        csv.writer(sink).writerows(lines)
    return data


def _assert_no_marker(folder: Path) -> None:
    """No file under ``folder`` holds the marker; a workbook is looked at unzipped."""
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as workbook:
                for name in workbook.namelist():
                    assert MARKER.encode() not in workbook.read(name), (path, name)
        else:
            assert MARKER.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_planted_marker_never_leaves_any_command(tmp_path: Path, as_json: bool) -> None:
    data = _marked_csv(tmp_path)
    json = ("--json",) if as_json else ()
    out = tmp_path / "out"
    runs = {
        "inspect": censusmig("inspect", data, *json),
        "check": censusmig("check", data, "-p", SAMPLE_PROFILE, *json),
        "tabulate": censusmig("tabulate", data, "-p", SAMPLE_PROFILE, "--out", out, *json),
        "convert": censusmig("convert", data, "--to", tmp_path / "converted.parquet"),
        "profile init": censusmig("profile", "init", data, "--out", tmp_path / "draft.toml"),
    }
    for command, done in runs.items():
        assert done.returncode in (0, 1), (command, done.stderr)
        assert "Traceback" not in done.stderr, command
        assert MARKER not in done.stdout, command
        assert MARKER not in done.stderr, command
    assert (out / "tables.xlsx").is_file() and (out / "run.json").is_file()
    _assert_no_marker(out)
    assert MARKER not in (tmp_path / "draft.toml").read_text()
    # The converted file is the data itself: it keeps every value, as asked.
    assert MARKER in pl.read_parquet(tmp_path / "converted.parquet")["NOTE"][0]
