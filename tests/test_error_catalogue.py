"""The error catalogue: every bad input a user is likely to give, through the real command line.

One table of cases, side by side, so that a reader sees every message the way a user meets it:
``python -m censusmig`` in a subprocess (stdout and stderr apart, the real exit code, the real
signal handling). Each case asserts its exit code, the key phrase of its message and what the
message must name (file, key, value, valid choices, nearest match), that stderr holds no
traceback, that no microdata value is printed, and that stdout is empty when the run failed.

Every data file carries sentinels: a NAME column whose every value is a person's name with
SECRETVALUE123 in it, and (where a code column is spoilt) a person's name written into a code
column. Neither may ever reach stdout or stderr. docs/troubleshooting.md explains each message
(tests/test_troubleshooting.py checks that it names every phrase asserted here).
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from censusmig import api
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE

SENTINEL = "SECRETVALUE123"
"""In every record's NAME column, a column no profile names: never printed."""
NAME_IN_CODES = "Maria Secreta Gonzalez"
"""A person's name keyed into the SEX column of a few records: not a code, never printed."""
RECORDS = 200
PROFILE = "census.profile.toml"
RECIPE = "nativity_age_sex"
CSV_ONLY = ("-r", RECIPE, "-f", "csv")

# --- the workspace: small files, every one with its sentinels ---------------------------------


def _rows() -> tuple[list[str], list[list[str]]]:
    with (SAMPLE_DIR / "census.csv").open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        rows = [next(reader) for _ in range(RECORDS)]
    return [*header, "NAME"], [[*row, f"{SENTINEL} José Pérez"] for row in rows]


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _recipe(folder: Path, recipe_id: str, edit: Callable[[str], str]) -> None:
    folder.mkdir()
    text = (ROOT / "recipes" / f"{RECIPE}.toml").read_text(encoding="utf-8")
    text = text.replace(f'id = "{RECIPE}"', f'id = "{recipe_id}"')
    (folder / f"{recipe_id}.toml").write_text(edit(text), encoding="utf-8")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of bad (and a few good) inputs; the cases run with it as the current folder."""
    ws = tmp_path_factory.mktemp("catalogue")
    header, rows = _rows()
    _write(ws / "small.csv", header, rows)
    _write(ws / "latin1.csv", header, rows, encoding="latin-1")
    sex = header.index("SEX")
    spoilt = [row[:] for row in rows]
    for row in spoilt[:3]:
        row[sex] = "7"  # a code the profile's code map lacks: shown with its count
    spoilt[3][sex] = NAME_IN_CODES  # text that cannot be a code: counted, never shown
    _write(ws / "unknown_code.csv", header, spoilt)
    _write(ws / "header_only.csv", header, [])
    (ws / "empty.csv").write_bytes(b"")
    (ws / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (ws / "picture.csv").write_bytes((ws / "picture.png").read_bytes())
    parquet = (SAMPLE_DIR / "census.parquet").read_bytes()
    (ws / "truncated.parquet").write_bytes(parquet[: len(parquet) // 3])
    (ws / "a_folder").mkdir()

    profile = SAMPLE_PROFILE.read_text(encoding="utf-8")
    (ws / PROFILE).write_text(profile, encoding="utf-8")
    misspelt = profile.replace("country_of_birth = {", "country_of_brith = {").replace(
        'age = { column = "AGE"', 'age = { colunm = "AGE"'
    )
    (ws / "misspelt.toml").write_text(misspelt, encoding="utf-8")
    (ws / "no_column.toml").write_text(
        profile.replace('column = "POB"', 'column = "POBB"'), encoding="utf-8"
    )
    (ws / "draft.toml").write_text(
        profile.replace('country = "QUE"', 'country = "REVIEW"'), encoding="utf-8"
    )
    (ws / "latin1.toml").write_bytes(
        profile.replace("Costa Pacifica", "Costa Pacífica").encode("latin-1")
    )
    (ws / "version.toml").write_text(
        profile.replace("schema_version = 1", "schema_version = 9"), encoding="utf-8"
    )

    _recipe(ws / "syntax", "syntax", lambda t: t.replace('rows = ["age_group"]', 'rows = ["age'))
    _recipe(ws / "dimension", "dimension", lambda t: t.replace('["age_group"]', '["age_grop"]'))
    _recipe(ws / "renamed", "renamed", lambda t: t.replace('id = "renamed"', 'id = "other"'))
    _recipe(
        ws / "nobody",
        "nobody",
        lambda t: t.replace("where = []", 'where = ["country_of_birth = ATA"]'),
    )

    (ws / "a_file").write_text("not a folder\n", encoding="utf-8")
    (ws / "foreign").mkdir()
    (ws / "foreign" / "notes.txt").write_text("the analyst's own notes\n", encoding="utf-8")
    return ws


def cli(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m censusmig ARGS`` in the workspace, as a user would from a shell."""
    return subprocess.run(
        [sys.executable, "-m", "censusmig", *args],
        cwd=workspace,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "200"},
        timeout=120,
    )


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    """No traceback, and no microdata value on either stream."""
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream and 'File "' not in stream, stream
        for secret in (SENTINEL, "José", "Pérez", "Jos\ufffd", NAME_IN_CODES, "Secreta"):
            assert secret not in stream, (secret, stream)


# --- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A bad input and what the user must be told.

    Attributes:
        id: The case's name.
        args: The command line after ``censusmig``, run in the workspace.
        exit_code: 0 ran fine, 1 ran but found problems, 2 could not run.
        says: Phrases stderr must hold: the key phrase first, then what it must name.
        stdout: Phrases stdout must hold; empty means stdout must be empty.
        group: The section of docs/troubleshooting.md that explains it.
    """

    id: str
    args: tuple[str, ...]
    exit_code: int
    says: tuple[str, ...]
    stdout: tuple[str, ...] = ()
    group: str = "Reading data"


def tabulate(data: str, *extra: str, profile: str = PROFILE, out: str = "out") -> tuple[str, ...]:
    return ("-q", "tabulate", data, "-p", profile, "-o", out, *extra)


CASES = (
    # --- reading data ---
    Case("data file missing", tabulate("nope.csv", *CSV_ONLY), 2,
         ("data file not found: nope.csv",)),
    Case("a folder as data", tabulate("a_folder", *CSV_ONLY), 2,
         ("is a folder; name the data file inside it", "a_folder")),
    Case("a picture as data", tabulate("picture.png", *CSV_ONLY), 2,
         ("unsupported file type '.png'", "picture.png", ".csv, .dat, .dta, .parquet",
          "--data-format csv")),
    Case("the profile as data", tabulate(PROFILE, *CSV_ONLY), 2,
         ("unsupported file type '.toml'", PROFILE)),
    Case("a picture named .csv", tabulate("picture.csv", *CSV_ONLY), 2,
         ("is not valid utf-8", "picture.csv: line 1, byte 1 (0x89)", "--encoding latin-1")),
    Case("latin-1 bytes read as UTF-8", tabulate("latin1.csv", *CSV_ONLY), 2,
         ("is not valid utf-8", "latin1.csv: line 2, byte", "(0xE9)",
          "try --encoding latin-1 or --encoding cp1252")),
    Case("unknown encoding", tabulate("small.csv", "--encoding", "latin-9x", *CSV_ONLY), 2,
         ("unknown encoding 'latin-9x'", "Did you mean 'latin-1'?", "utf-8, latin-1, cp1252")),
    Case("empty CSV", tabulate("empty.csv", *CSV_ONLY), 2,
         ("cannot read: empty CSV", "empty.csv")),
    Case("truncated parquet", tabulate("truncated.parquet", *CSV_ONLY), 2,
         ("cannot read: parquet", "truncated.parquet", "File out of specification")),
    Case("unknown data format", tabulate("small.csv", "--data-format", "xls", *CSV_ONLY), 2,
         ("--data-format", "'xls'", "csv, tsv, parquet, sav, dta, fixed-width")),
    Case("a quote as delimiter", tabulate("small.csv", "--delimiter", '"', *CSV_ONLY), 2,
         ("--delimiter must be one character other than a quote",)),
    # --- profiles ---
    Case("profile missing", tabulate("small.csv", *CSV_ONLY, profile="nope.toml"), 2,
         ("profile file not found: nope.toml",), group="Profiles"),
    Case("the data as profile", tabulate("small.csv", *CSV_ONLY, profile="small.csv"), 2,
         ("invalid profile", "small.csv: (syntax): not valid TOML", "(at line 1, column"),
         group="Profiles"),
    Case("misspelt concept and key", tabulate("small.csv", *CSV_ONLY, profile="misspelt.toml"),
         2, ("invalid profile misspelt.toml: 3 problem(s)",
             "misspelt.toml: concepts.country_of_brith: unknown concept",
             "did you mean 'country_of_birth'?",
             "misspelt.toml: concepts.age.colunm: unknown key; (got 'colunm')",
             "valid: column, codes,", "did you mean 'column'?",
             "concepts.age.column: is required"), group="Profiles"),
    Case("a column the data lacks", tabulate("small.csv", *CSV_ONLY, profile="no_column.toml"),
         2, ("column(s) named in the profile are not in the data",
             "column 'POBB', named in no_column.toml at concepts.country_of_birth.column",
             "(nearest column: 'POB')"), group="Profiles"),
    Case("a draft's REVIEW placeholder", tabulate("small.csv", *CSV_ONLY, profile="draft.toml"),
         2, ("still the draft's placeholder", "draft.toml: census.country",
             "(got 'REVIEW')"), group="Profiles"),
    Case("profile not UTF-8", tabulate("small.csv", *CSV_ONLY, profile="latin1.toml"), 2,
         ("is not UTF-8 text", "latin1.toml: (file)"), group="Profiles"),
    Case("unsupported schema_version", tabulate("small.csv", *CSV_ONLY, profile="version.toml"),
         2, ("schema_version: unsupported version", "(got '9')", "valid: 2, 1"), group="Profiles"),
    Case("profile init over a file", ("-q", "profile", "init", "small.csv", "-o", PROFILE), 2,
         ("exists; use --force to replace it", PROFILE), group="Profiles"),
    # --- recipes ---
    Case("unknown recipe id", tabulate("small.csv", "-r", "nativity_age_sx"), 2,
         ("unknown recipe id 'nativity_age_sx'", "Did you mean 'nativity_age_sex'?",
          "Known recipes: citizenship_status_age_sex,", "See 'censusmig recipes list'"),
         group="Recipes"),
    Case("recipes show an unknown id", ("recipes", "show", "nativity_age_sx"), 2,
         ("unknown recipe id 'nativity_age_sx'", "Did you mean 'nativity_age_sex'?"),
         group="Recipes"),
    Case("recipe TOML syntax error", tabulate("small.csv", "--recipes-dir", "syntax",
                                              "-r", "syntax"), 2,
         ("invalid recipes", "syntax.toml: (syntax): not valid TOML", "(at line"),
         group="Recipes"),
    Case("recipe with an unknown dimension", tabulate("small.csv", "--recipes-dir", "dimension",
                                                      "-r", "dimension"), 2,
         ("rows[0]: unknown dimension; (got 'age_grop')", "dimension.toml",
          "valid: sex, age_group,", "did you mean 'age_group'?"), group="Recipes"),
    Case("recipe id unlike its file name", tabulate("small.csv", "--recipes-dir", "renamed",
                                                    "-r", "renamed"), 2,
         ("id: must equal the file name 'renamed'; (got 'other')", "renamed.toml"),
         group="Recipes"),
    Case("recipe folder missing", tabulate("small.csv", "--recipes-dir", "nowhere"), 2,
         ("nowhere: (folder): recipe folder not found",), group="Recipes"),
    # --- running tabulate: options ---
    Case("bad --format", tabulate("small.csv", "-r", RECIPE, "-f", "xlsxx"), 2,
         ("unknown output format 'xlsxx'", "Did you mean 'xlsx'?", "Valid: csv, xlsx, html"),
         group="Running tabulate"),
    Case("bad --protect", tabulate("small.csv", *CSV_ONLY, "--protect", "supress"), 2,
         ("--protect: unknown protection method 'supress'", "Did you mean 'suppress'?",
          "Valid: none, suppress, round3, round5, cell-key"), group="Disclosure control"),
    Case("bad --excel-layout", tabulate("small.csv", *CSV_ONLY, "--excel-layout", "clasic"), 2,
         ("--excel-layout: unknown layout 'clasic'", "Did you mean 'classic'?",
          "Valid: accessible, classic"), group="Running tabulate"),
    Case("--max-cells out of range", tabulate("small.csv", *CSV_ONLY, "--max-cells", "0"), 2,
         ("--max-cells must be at least 1 (got 0)",), group="Running tabulate"),
    Case("--batch-rows out of range", tabulate("small.csv", *CSV_ONLY, "--batch-rows", "0"), 2,
         ("--batch-rows must be at least 1 (got 0)",), group="Running tabulate"),
    Case("--max-codes out of range", ("-q", "inspect", "small.csv", "--max-codes", "0"), 2,
         ("--max-codes must be at least 1 (got 0)",), group="Running tabulate"),
    Case("--max-ids out of range", ("-q", "check", "small.csv", "-p", PROFILE, "--max-ids",
                                    "-1"), 2,
         ("--max-ids must be 0 or more (got -1)",), group="Running tabulate"),
    Case("--persons out of range", ("-q", "sample", "-o", "s.csv", "-n", "0"), 2,
         ("--persons must be at least 1 (got 0)",), group="Running tabulate"),
    Case("a table too large", tabulate("small.csv", *CSV_ONLY, "--max-cells", "10"), 2,
         ("would make a table of about 1,127 cells, above the limit of 10 (--max-cells)",
          "age_group 23 x sex 7 x nativity 7", "drop age_group and sex"),
         group="Running tabulate"),
    Case("an unknown option", tabulate("small.csv", "--bogus"), 2,
         ("No such option: --bogus",), group="Running tabulate"),
    Case("a required option left out", ("-q", "tabulate", "small.csv", "-o", "out"), 2,
         ("Missing option '--profile'",), group="Running tabulate"),
    # --- edit checks and data quality ---
    Case("a code missing from a code map", tabulate("unknown_code.csv", *CSV_ONLY, out="o1"), 0,
         ("censusmig: data quality: 2 item(s) need attention (see run.json)",
          "edit check unknown_code failed for 4 record(s)",
          "sex: 4 of 200 records (2.0%) have a code in no code list",
          "SEX=7: 3", "SEX=(1 value of 22 characters, not shown): 1", "map them in the profile"),
         stdout=("o1/csv/nativity_age_sex.csv", "o1/run.json"),
         group="Edit checks and data quality"),
    Case("the same with --strict", tabulate("unknown_code.csv", *CSV_ONLY, "--strict", out="o2"),
         1, ("have a code in no code list", "SEX=7: 3",
             "2 data-quality item(s) need attention, a failure with --strict; the outputs are "
             "written"), stdout=("o2/run.json",), group="Edit checks and data quality"),
    Case("edit checks that fail", ("-q", "check", "unknown_code.csv", "-p", PROFILE), 1, (),
         stdout=("ERROR    unknown_code: 4 record(s)", "SEX=7: 3",
                 "Problems found: see the errors above."),
         group="Edit checks and data quality"),
    # --- outputs ---
    Case("output folder under a file", tabulate("small.csv", *CSV_ONLY, out="a_file/out"), 2,
         ("cannot write outputs to a_file/out", "a_file is a file, not a folder",
          "choose another --out"), group="Outputs"),
    Case("output folder is a file", tabulate("small.csv", *CSV_ONLY, out="a_file"), 2,
         ("cannot write outputs to a_file: it is a file, not a folder",), group="Outputs"),
    Case("output folder holding foreign files", tabulate("small.csv", *CSV_ONLY, out="foreign"),
         2, ("cannot write outputs to foreign: it holds 'notes.txt', which censusmig did not "
             "write", "choose another --out or move those away"), group="Outputs"),
    Case("output folder holding the data", tabulate("small.csv", *CSV_ONLY, out="."), 2,
         ("cannot write outputs to .",), group="Outputs"),
)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_catalogue(workspace: Path, case: Case) -> None:
    before = sorted(p.name for p in workspace.iterdir())
    result = cli(workspace, *case.args)
    assert result.returncode == case.exit_code, result.stderr
    for phrase in case.says:
        assert phrase in result.stderr, (phrase, result.stderr)
    for phrase in case.stdout:
        assert phrase in result.stdout, (phrase, result.stdout)
    if not case.stdout:
        assert result.stdout == ""
    assert_clean(result)
    if case.exit_code == 2:  # could not run: nothing new in the workspace
        assert sorted(p.name for p in workspace.iterdir()) == before
        assert not (workspace / "foreign" / "run.json").exists()


def test_a_text_value_in_a_code_column_is_counted_never_shown(workspace: Path) -> None:
    result = cli(workspace, "-q", "tabulate", "unknown_code.csv", "-p", PROFILE, "-o", "o3",
                 "--json", *CSV_ONLY)  # fmt: skip
    assert result.returncode == 0
    assert_clean(result)
    run_json = (workspace / "o3" / "run.json").read_text(encoding="utf-8")
    assert '"SEX=7": 3' in run_json
    assert NAME_IN_CODES not in run_json and SENTINEL not in run_json


def test_an_empty_universe_is_a_visible_empty_table(workspace: Path) -> None:
    result = cli(workspace, "-q", "tabulate", "small.csv", "-p", PROFILE, "-o", "o4",
                 "--recipes-dir", "nobody", "-r", "nobody", "-f", "csv")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert_clean(result)
    assert "table nobody counts no one: none of the 200 records is in its universe" in (
        result.stderr
    )
    with (workspace / "o4" / "csv" / "nobody.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert rows and {row["value"] for row in rows} == {"0"}


def test_a_file_of_a_header_line_alone_says_it_has_no_records(workspace: Path) -> None:
    result = cli(workspace, "-q", "tabulate", "header_only.csv", "-p", PROFILE, "-o", "o5",
                 *CSV_ONLY)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert_clean(result)
    assert "the data file holds no records: every table is empty" in result.stderr
    strict = cli(workspace, "-q", "tabulate", "header_only.csv", "-p", PROFILE, "-o", "o6",
                 "--strict", *CSV_ONLY)  # fmt: skip
    assert strict.returncode == 1


# --- an interrupted run leaves nothing that looks complete -----------------------------------


@pytest.fixture(scope="module")
def larger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("larger") / "larger.parquet"
    api.write_sample(200_000, 3, path)
    return path


@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [
        (signal.SIGINT, 130, "censusmig: interrupted"),
        (signal.SIGTERM, 143, "censusmig: terminated"),
    ],
)
def test_an_interrupted_run_leaves_no_output_folder_and_no_temporary_one(
    tmp_path: Path, larger: Path, signum: int, code: int, word: str
) -> None:
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "censusmig", "-q", "tabulate", str(larger), "-p",
         str(SAMPLE_PROFILE), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        # A shell's background job ignores SIGINT, and Python then never raises on it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any("censusmig-tmp" in p.name for p in tmp_path.iterdir()):
        assert process.poll() is None, "the run ended before it staged its outputs"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    assert word in stderr and "Traceback" not in stderr
    assert stdout == ""
    assert not out.exists()  # no half-written tables.xlsx that looks complete
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no temporary folder, no lock
