"""The command line: outputs, stdout/stderr split, exit codes, no tracebacks, --json = API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli import main
from censusmig.cli.main import app, reads_data
from censusmig.errors import CensusmigError, Setting
from helpers import ROOT, SAMPLE_PROFILE, people

ROWS = [(1, 3, 900), (2, 40, 320), (2, 88, 724), (1, 70, 810), (9, 30, 998), (2, 150, 999)]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    people(ROWS).write_csv(path)
    return path


def test_tabulate_writes_the_four_outputs(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = invoke(
        "tabulate", str(data), "--profile", str(SAMPLE_PROFILE), "--out", str(out)
    )
    assert code == 0, stderr
    for name in ("run.json", "tables.xlsx", "report.html", "csv/nativity_age_sex.csv",
                 "csv/foreign_born_country_of_birth_age_sex.csv"):  # fmt: skip
        assert (out / name).is_file(), name
        assert str(out / name) in stdout
    assert "Tabulating" in stderr and "Tabulating" not in stdout
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["input"]["records"] == len(ROWS)
    assert all(entry["reconciles"] for entry in manifest["tables"])
    assert manifest["unknown_codes"] == {"age": {"AGE=150": 1}, "country_of_birth": {"POB=999": 1}}


def test_quiet_hides_status_but_not_results(data: Path, tmp_path: Path) -> None:
    code, stdout, stderr = invoke(
        "--quiet",
        "tabulate",
        str(data),
        "-p",
        str(SAMPLE_PROFILE),
        "-o",
        str(tmp_path / "o"),
        "-f",
        "csv",
        "-r",
        "foreign_born_country_of_birth_age_sex",
        "-r",
        "nativity_age_sex",
    )
    assert code == 0
    # no status; the data-quality summary is a diagnostic, not a status: it stays
    assert stderr.startswith("censusmig: data quality: ") and "Tabulating" not in stderr
    assert stdout.strip().splitlines() == [  # in the order asked for
        str(tmp_path / "o" / "csv" / "foreign_born_country_of_birth_age_sex.csv"),
        str(tmp_path / "o" / "csv" / "nativity_age_sex.csv"),
        str(tmp_path / "o" / "run.json"),
    ]


def test_json_output_equals_the_api_manifest(data: Path, tmp_path: Path) -> None:
    code, stdout, _ = invoke(
        "-q",
        "tabulate",
        str(data),
        "-p",
        str(SAMPLE_PROFILE),
        "-o",
        str(tmp_path / "a"),
        "--json",
        "-f",
        "csv",
    )
    assert code == 0
    from_cli = json.loads(stdout)
    from_api = api.tabulate(data, SAMPLE_PROFILE, formats=("csv",)).to_dict()
    assert from_cli["attention"] and from_cli["attention"] == from_api["attention"]
    for manifest in (from_cli, from_api):
        manifest.pop("timings_seconds")
        manifest.pop("command")
    assert from_cli == from_api


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["tabulate", "absent.csv", "-p", str(SAMPLE_PROFILE), "-o", "x"],
            "data file not found: absent.csv",
        ),
        (
            ["tabulate", "{data}", "-p", "absent.toml", "-o", "x"],
            "profile file not found: absent.toml",
        ),
        (
            ["tabulate", "{data}", "-p", str(SAMPLE_PROFILE), "-o", "x", "-r", "nativity_age"],
            "Did you mean 'nativity_age_sex'?",
        ),
        (
            ["tabulate", "{data}", "-p", str(SAMPLE_PROFILE), "-o", "x", "-f", "xslx"],
            "Did you mean 'xlsx'?",
        ),
        (
            ["tabulate", "{bad_profile}", "-p", "{bad_profile}", "-o", "x"],
            "concepts.sexx: unknown concept",
        ),
        (["tabulate", "{no_pob}", "-p", str(SAMPLE_PROFILE), "-o", "x"], "column 'POB', named in"),
        (
            ["tabulate", "{text}", "-p", str(SAMPLE_PROFILE), "-o", "x"],
            "unsupported file type '.xlsx'",
        ),
        (["recipes", "show", "nativity"], "unknown recipe id 'nativity'"),
        (["sample", "--persons", "0", "--out", "x.csv"], "--persons must be at least 1"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    args: list[str], expected: str, data: Path, tmp_path: Path
) -> None:
    bad_profile = tmp_path / "bad.toml"
    bad_profile.write_text(SAMPLE_PROFILE.read_text().replace("sex = {", "sexx = {"))
    no_pob = tmp_path / "no_pob.csv"
    people(ROWS).drop("POB").write_csv(no_pob)
    text = tmp_path / "data.xlsx"
    text.write_text("x")
    paths = {"data": data, "bad_profile": bad_profile, "no_pob": no_pob, "text": text}
    args = [arg.format(**paths) if arg.startswith("{") else arg for arg in args]
    if args[1].startswith("{"):
        args[1] = str(paths[args[1].strip("{}")])
    code, stdout, stderr = invoke(*args)
    assert code == 2, stderr
    assert expected in stderr
    assert "Traceback" not in stderr + stdout
    assert stdout == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["tabulate", "{data}", "-p", str(SAMPLE_PROFILE), "-o", "x", "--batch-rows", "0"],
            "censusmig: error: --batch-rows must be at least 1 (got 0)",
        ),
        (["inspect", "{data}", "--delimiter", "ab"], "--delimiter must be one character"),
        (["inspect", "{data}", "--record", "P"], "--record chooses a record type"),
        (["inspect", "{latin1}"], "try --encoding latin-1 or --encoding cp1252."),
        (["inspect", "{dat}"], "add --codebook FILE.xml (IPUMS DDI) or --codebook FILE.dcf"),
        (["convert", "{data}", "--to", "x.csv"], "--to must name a .parquet file (got x.csv)"),
        (["profile", "init", "{data}", "-o", "p.toml", "--country", "AR"], "--country must be"),
        (
            ["profile", "init", "{data}", "-o", "p.toml", "--reference-date", "2016"],
            "--reference-date must be a date such as 2016-10-01 (got '2016')",
        ),
        (["profile", "init", "{data}", "-o", "{data}"], "is the data file itself"),
        (["profile", "init", "{data}", "-o", "{profile}"], "exists; use --force to replace it"),
        (["inspect", "{data}", "--max-codes", "0"], "--max-codes must be at least 1 (got 0)"),
    ],
)
def test_library_parameters_are_printed_as_options(
    args: list[str], expected: str, data: Path, tmp_path: Path
) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("NAME,SEX\nJosé,1\n".encode("latin-1"))
    dat = tmp_path / "persons.dat"
    dat.write_text("12345\n")
    paths = {"data": data, "latin1": latin1, "dat": dat, "profile": SAMPLE_PROFILE}
    args = [str(paths[arg.strip("{}")]) if arg.startswith("{") else arg for arg in args]
    code, stdout, stderr = invoke(*args)
    assert (code, stdout) == (2, ""), stderr
    assert expected in stderr and "Traceback" not in stderr
    assert "='" not in stderr and "=True" not in stderr  # no Python spelling on the CLI


def test_missing_column_message_names_the_nearest_column(tmp_path: Path) -> None:
    path = tmp_path / "renamed.csv"
    people(ROWS).rename({"POB": "POB_"}).write_csv(path)
    code, _, stderr = invoke(
        "tabulate", str(path), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "o")
    )
    assert code == 2
    assert "nearest column: 'POB_'" in stderr


def test_a_missing_household_column_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "no_household.csv"
    people(ROWS).rename({"HH_ID": "HH_NO"}).write_csv(path)
    out, to = str(tmp_path / "o"), tmp_path / "x.parquet"
    for args in (
        ("tabulate", str(path), "-o", out),
        ("check", str(path)),
        ("convert", str(path), "--to", str(to)),
    ):
        code, stdout, stderr = invoke(*args, "-p", str(SAMPLE_PROFILE))
        assert (code, stdout) == (2, ""), stderr
        assert f"column 'HH_ID', named in {SAMPLE_PROFILE} at data.household_id" in stderr
        assert "(nearest column: 'HH_NO')" in stderr and "Traceback" not in stderr
    assert not to.exists()


def test_recipes_list_json_and_show(tmp_path: Path) -> None:
    code, stdout, _ = invoke("recipes", "list", "--json")
    assert code == 0
    assert json.loads(stdout) == api.list_recipes()
    code, stdout, _ = invoke("recipes", "show", "foreign_born_country_of_birth_age_sex")
    assert code == 0
    assert "Who is counted: Foreign-born usually resident population" in stdout
    assert "[concepts.country_of_birth]  country of birth" in stdout


def test_every_command_has_help_text_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = (["tabulate"], ["sample"], ["recipes", "list"], ["recipes", "show"], ["inspect"],
                ["profile", "init"], ["check"], ["convert"])  # fmt: skip
    for command in commands:
        code, stdout, _ = invoke(*command, "--help")
        assert code == 0
        assert len(stdout.strip().splitlines()) > 3
        assert f"censusmig {' '.join(command)}" in readme, command


def test_python_dash_m_runs_and_keeps_stderr_apart(data: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "censusmig",
            "tabulate",
            str(data),
            "-p",
            "nope.toml",
            "-o",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "profile file not found: nope.toml" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_an_unwritable_manifest_is_a_clean_error(data: Path, tmp_path: Path) -> None:
    (tmp_path / "o" / "run.json").mkdir(parents=True)
    code, _, stderr = invoke(
        "tabulate", str(data), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "o"), "-f", "csv"
    )
    assert code == 2
    assert "cannot write" in stderr and "Traceback" not in stderr


READING_OPTIONS = {
    "--delimiter": "Field separator of a text file: one character, or tab, semicolon, pipe.",
    "--encoding": "Text encoding: utf-8 (default), latin-1, cp1252...",
    "--no-header": "The CSV has no header line (columns are named column_1, column_2... unless "
    "--columns names them).",
    "--codebook": "Codebook of a fixed-width file: IPUMS DDI .xml or CSPro .dcf.",
    "--record": "Record type to read from a hierarchical fixed-width file.",
    "--keep-blanks": "Keep the blanks around CSV fields and column names (by default ' 105363' "
    "is read as the number 105363 and ' Male' as the code Male).",
    "--data-format": "Read DATA as this format whatever its name says: csv, tsv, parquet, sav, "
    "dta, fixed-width (for .data, .asc, .dat or files without an extension). Not --format, "
    "which chooses what tabulate writes.",
    "--columns": "Column names of a text file without a header line, comma-separated in file "
    "order (with --no-header): one name a field.",
}


@pytest.mark.parametrize(
    "command",
    [["tabulate"], ["convert"], ["inspect"], ["check"], ["profile", "init"]],
    ids=" ".join,
)
def test_every_command_that_reads_data_offers_the_reading_options(command: list[str]) -> None:
    group = typer.main.get_command(app)
    for name in command:
        group = group.commands[name]  # type: ignore[attr-defined]
    options = {param.opts[0]: param.help for param in group.params}
    assert {flag: options.get(flag) for flag in READING_OPTIONS} == READING_OPTIONS
    assert list(options)[-len(READING_OPTIONS) :] == list(READING_OPTIONS)  # after its own
    code, stdout, _ = invoke(*command, "--help")
    assert code == 0
    assert all(flag in stdout for flag in READING_OPTIONS)


def test_reads_data_hands_the_command_one_read_options() -> None:
    seen: list[api.ReadOptions] = []
    demo = typer.Typer()

    @demo.command()
    @reads_data
    def show(data: Path, limit: int = 3, *, read_options: api.ReadOptions) -> None:
        """Record what the command was given."""
        seen.append(read_options)
        assert (data, limit) == (Path("x.dat"), 5)

    runner = CliRunner()
    flags = ["--delimiter", ";", "--encoding", "latin-1", "--no-header", "--codebook", "c.dcf"]
    more = ["--record", "POP", "--keep-blanks", "--data-format", "csv", "--columns", "A, B"]
    result = runner.invoke(demo, ["x.dat", "--limit", "5", *flags, *more])
    assert result.exit_code == 0, result.output
    result = runner.invoke(demo, ["x.dat", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert seen == [
        api.ReadOptions(
            ";",
            "latin-1",
            header=False,
            codebook=Path("c.dcf"),
            record="POP",
            keep_blanks=True,
            data_format="csv",
            columns=("A", "B"),
        ),
        api.ReadOptions(),
    ]
    assert all(options.note is not None for options in seen)  # the reader's notes: stderr


def test_version_is_the_packaged_version() -> None:
    from importlib.metadata import version

    code, stdout, _ = invoke("--version")
    assert code == 0
    assert stdout.strip() == f"censusmig {version('censusmig')}"


def test_describe_dimension_is_what_recipes_show_prints() -> None:
    description = api.describe_dimension("country_of_birth")
    assert description
    code, _, _ = invoke("recipes", "show", "foreign_born_country_of_birth_age_sex")
    assert code == 0
    with pytest.raises(CensusmigError, match="Did you mean 'country_of_birth'"):
        api.describe_dimension("country_of_brith")


def test_an_error_no_command_caught_is_printed_with_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def escapes() -> None:
        raise CensusmigError(Setting("batch_rows"), " must be at least 1 (got 0)")

    monkeypatch.setattr(main, "app", escapes)
    with pytest.raises(SystemExit) as exit:
        main.run()
    assert exit.value.code == 2
    assert capsys.readouterr().err == "censusmig: error: --batch-rows must be at least 1 (got 0)\n"


CLEAN_ROWS = [(1, 30, 900), (2, 40, 900), (1, 70, 320), (2, 8, 900)]


def test_the_data_quality_summary_goes_to_stderr_only_when_needed(
    data: Path, tmp_path: Path
) -> None:
    args = ("-q", "tabulate", "-p", str(SAMPLE_PROFILE), "-f", "csv", "-r", "nativity_age_sex")
    code, stdout, stderr = invoke(*args, str(data), "-o", str(tmp_path / "a"))
    assert code == 0  # a diagnostic: without --strict the run succeeds
    assert stderr.splitlines() == [
        "censusmig: data quality: 5 item(s) need attention (see run.json):",
        "  - edit check unknown_code failed for 1 record(s): Code in no code list of the profile",
        "  - edit check age_out_of_range failed for 1 record(s): Age outside 0-120 or not a number",
        "  - edit check residence_5y_under_5 failed for 1 record(s): Residence 5 years ago stated "
        "for a child under 5",
        "  - age: 1 of 6 records (16.7%) have a code in no code list (AGE=150: 1); map them in "
        "the profile",
        "  - country_of_birth: 1 of 6 records (16.7%) have a code in no code list (POB=999: 1); "
        "map them in the profile",
    ]
    assert "data quality" not in stdout
    clean = tmp_path / "clean.csv"
    people(CLEAN_ROWS).write_csv(clean)
    code, _, stderr = invoke(*args, str(clean), "-o", str(tmp_path / "b"))
    assert (code, stderr) == (0, "")  # all is well: nothing


def test_strict_exits_1_after_writing_the_outputs(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("tabulate", "-p", str(SAMPLE_PROFILE), "-f", "csv", "-r", "nativity_age_sex")
    code, stdout, stderr = invoke(*args, str(data), "-o", str(out), "--strict")
    assert code == 1
    assert stdout.strip().splitlines() == [str(out / "csv" / "nativity_age_sex.csv"),
                                           str(out / "run.json")]  # fmt: skip
    assert (out / "run.json").is_file()
    assert stderr.strip().endswith(
        "censusmig: error: 5 data-quality item(s) need attention, a failure with --strict; "
        "the outputs are written"
    )
    assert "Traceback" not in stderr
    clean = tmp_path / "clean.csv"
    people(CLEAN_ROWS).write_csv(clean)
    code, _, stderr = invoke(*args, str(clean), "-o", str(tmp_path / "b"), "--strict")
    assert code == 0, stderr
    code, stdout, _ = invoke("tabulate", "--help")
    assert "--strict" in stdout and "after the outputs are written" in " ".join(stdout.split())


def test_tabulate_refuses_a_draft_naming_each_placeholder(data: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.toml"
    code, _, stderr = invoke("profile", "init", str(data), "-o", str(draft))
    assert code == 0, stderr
    out = tmp_path / "out"
    code, stdout, stderr = invoke("tabulate", str(data), "-p", str(draft), "-o", str(out))
    assert (code, stdout) == (2, "")
    assert "census.country: still the draft's placeholder" in stderr
    assert "census.reference_date: still the draft's placeholder" in stderr
    assert "such as reference_date = 2016-10-01" in stderr and "Traceback" not in stderr
    assert not out.exists()
    code, stdout, stderr = invoke("check", str(data), "-p", str(draft))
    assert code in (0, 1) and "records checked" in stdout  # a reviewer checks the draft first
