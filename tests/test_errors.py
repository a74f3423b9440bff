"""Library errors name their parameters; the command line writes them as its options."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli import hints
from censusmig.cli.main import app
from censusmig.errors import Call, CensusmigError, InputError, Setting
from censusmig.readers.formats import open_microdata
from censusmig.readers.options import ReadOptions
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "censusmig"


def latin1_csv(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.csv"
    path.write_bytes("NAME,SEX\nJosé,1\n".encode("latin-1"))
    return path


def raised(call: Callable[[], object]) -> CensusmigError:
    with pytest.raises(CensusmigError) as caught:
        call()
    return caught.value


def test_an_error_reads_as_python_and_as_options() -> None:
    error = CensusmigError(Setting("batch_rows"), " must be at least 1 (got 0)")
    assert str(error) == "batch_rows must be at least 1 (got 0)"
    assert error.parameter == "batch_rows" and error.suggestions == ()
    assert hints.message(error) == "--batch-rows must be at least 1 (got 0)"

    tip = InputError("try ", Setting("encoding", "latin-1"), " or ", Setting("force", True))
    assert str(tip) == "try encoding='latin-1' or force=True"
    assert hints.message(tip) == "try --encoding latin-1 or --force"
    assert tip.suggestions == (Setting("encoding", "latin-1"), Setting("force", True))
    assert tip.exit_code == 2

    plain = CensusmigError("no parameter here")
    assert (str(plain), plain.parameter, hints.message(plain)) == ("no parameter here",) + (
        None,
        "no parameter here",
    )
    assert CensusmigError("unknown encoding 'x'", parameter="encoding").parameter == "encoding"


def test_options_spell_switches_values_and_unknown_parameters() -> None:
    assert hints.option(Setting("header", False)) == "--no-header"
    assert hints.option(Setting("codebook", "my codebook.xml")) == "--codebook 'my codebook.xml'"
    assert hints.option(Setting("to")) == "--to"
    assert hints.option(Setting("measures")) == "measures"  # no option: Python spelling stays


def test_every_reading_option_has_its_command_line_option() -> None:
    # A field left out of comparisons (the note callback) is not a setting of the reading.
    # text_columns is set by the API from the profile's ids, never typed by a user.
    fields = {field.name for field in dataclasses.fields(ReadOptions) if field.compare}
    assert fields - {"text_columns"} <= set(hints.OPTIONS)
    assert hints.option(Setting("keep_blanks", True)) == "--keep-blanks"


def _calls_in_the_library() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if "cli" not in path.relative_to(PACKAGE).parts:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Call":
                    found.add(str(ast.literal_eval(node.args[0])))
    return found


def _settings_in_the_library() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Setting"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(str(node.args[0].value))
            if isinstance(node, ast.Call):  # CensusmigError(..., parameter="encoding")
                for keyword in node.keywords:
                    if keyword.arg == "parameter" and isinstance(keyword.value, ast.Constant):
                        found.add(str(keyword.value.value))
    return found


PYTHON_ONLY = {"measures"}
"""Parameters of the Python API that no command-line option sets."""


def test_every_parameter_a_message_names_has_an_option_on_the_command_line() -> None:
    named = _settings_in_the_library()
    assert {"batch_rows", "encoding", "codebook", "record", "to", "measures"} <= named
    assert named - PYTHON_ONLY <= set(hints.OPTIONS), named - PYTHON_ONLY - set(hints.OPTIONS)
    declared: set[str] = set()
    commands: list[Any] = [typer.main.get_command(app)]
    while commands:
        command = commands.pop()
        commands += list(getattr(command, "commands", {}).values())
        for param in command.params:
            declared.update(param.opts + param.secondary_opts)
    assert set(hints.OPTIONS.values()) <= declared, set(hints.OPTIONS.values()) - declared


def test_every_parameter_a_message_names_exists_in_the_api() -> None:
    parameters = {field.name for field in dataclasses.fields(ReadOptions)}
    for name, function in vars(api).items():
        if inspect.isfunction(function) and function.__module__ == api.__name__:
            if not name.startswith("_"):
                parameters.update(inspect.signature(function).parameters)
    named = _settings_in_the_library()
    assert named <= parameters, named - parameters


def test_a_library_error_names_an_api_function_the_cli_its_command() -> None:
    error = raised(lambda: api.get_recipe("nativity_age_sx"))
    assert "See censusmig.api.list_recipes() for" in str(error)
    assert "censusmig recipes" not in str(error)
    assert "See 'censusmig recipes list' for" in hints.message(error)
    result = CliRunner().invoke(app, ["recipes", "show", "nativity_age_sx"])
    assert result.exit_code == 2
    assert "Did you mean 'nativity_age_sex'?" in result.stderr
    assert "See 'censusmig recipes list' for" in result.stderr
    assert hints.command(Call("inspect")) == "censusmig.api.inspect()"  # no command: Python


def test_every_api_function_an_error_names_exists_and_has_its_command() -> None:
    named = _calls_in_the_library()
    assert "list_recipes" in named
    assert named <= set(hints.COMMANDS) <= set(vars(api))
    words = {" ".join(command.split()[1:]) for command in hints.COMMANDS.values()}
    group = typer.main.get_command(app)
    for word in words:
        command: Any = group
        for name in word.split():
            command = command.commands[name]  # KeyError: the command does not exist
        assert command.name == word.split()[-1]


def test_no_library_message_names_an_option() -> None:
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id.endswith("Error")
            ):
                for text in ast.walk(node):
                    if isinstance(text, ast.Constant) and isinstance(text.value, str):
                        assert " --" not in f" {text.value}", (path.name, text.value)


@pytest.mark.parametrize(
    ("call", "parameter", "expected"),
    [
        (
            lambda tmp: api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, batch_rows=0),
            "batch_rows",
            "batch_rows must be at least 1 (got 0)",
        ),
        (
            lambda tmp: api.check(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, max_ids=-1),
            "max_ids",
            "max_ids must be 0 or more (got -1)",
        ),
        (
            lambda tmp: api.inspect(SAMPLE_DIR / "census.parquet", max_codes=0),
            "max_codes",
            "max_codes must be at least 1 (got 0)",
        ),
        (
            lambda tmp: api.write_sample(0, 1, tmp / "s.csv"),
            "persons",
            "persons must be at least 1 (got 0)",
        ),
        (
            lambda tmp: api.init_profile(SAMPLE_DIR / "census.csv", tmp / "p.toml", country="AR"),
            "country",
            "country must be an ISO 3166 alpha-3 code such as ARG (got 'AR')",
        ),
        (
            lambda tmp: api.init_profile(
                SAMPLE_DIR / "census.csv", tmp / "p.toml", reference_date="March 2016"
            ),
            "reference_date",
            "reference_date must be a date such as 2016-10-01 (got 'March 2016')",
        ),
        (
            lambda tmp: api.init_profile(SAMPLE_DIR / "census.csv", SAMPLE_DIR / "census.csv"),
            "out",
            f"out {SAMPLE_DIR / 'census.csv'} is the data file itself",
        ),
        (
            lambda tmp: api.init_profile(SAMPLE_DIR / "census.csv", SAMPLE_PROFILE),
            "force",
            f"{SAMPLE_PROFILE} exists; use force=True to replace it",
        ),
        (
            lambda tmp: api.convert(SAMPLE_DIR / "census.csv", tmp / "c.csv"),
            "to",
            "to must name a .parquet file",
        ),
        (
            lambda tmp: api.inspect(
                SAMPLE_DIR / "census.csv", read_options=ReadOptions(delimiter="ab")
            ),
            "delimiter",
            "delimiter must be one character other than a quote",
        ),
        (
            lambda tmp: api.inspect(
                SAMPLE_DIR / "census.csv", read_options=ReadOptions(record="P")
            ),
            "record",
            "record chooses a record type of a fixed-width file",
        ),
        (
            lambda tmp: api.inspect(latin1_csv(tmp)),
            "encoding",
            "try encoding='latin-1' or encoding='cp1252'.",
        ),
    ],
)
def test_the_api_names_its_parameters(
    call: Callable[[Path], object], parameter: str, expected: str, tmp_path: Path
) -> None:
    error = raised(lambda: call(tmp_path))
    assert expected in str(error)
    assert error.parameter == parameter
    assert "--" not in str(error)


def test_a_fixed_width_file_without_its_codebook(tmp_path: Path) -> None:
    path = tmp_path / "persons.dat"
    path.write_text("12345\n")
    error = raised(lambda: open_microdata(path))
    assert "add codebook='FILE.xml' (IPUMS DDI) or codebook='FILE.dcf'" in str(error)
    assert error.suggestions == (
        Setting("codebook", "FILE.xml"),
        Setting("codebook", "FILE.dcf"),
        Setting("data_format", "csv"),  # a .dat file may be delimited text
    )
    assert "add --codebook FILE.xml (IPUMS DDI) or --codebook FILE.dcf" in hints.message(error)
    assert "if it is a delimited text file, add --data-format csv" in hints.message(error)


def test_a_decode_error_suggests_encodings_as_data(tmp_path: Path) -> None:
    error = raised(lambda: open_microdata(latin1_csv(tmp_path)))
    assert [(s.parameter, s.value) for s in error.suggestions] == [
        ("encoding", "latin-1"),
        ("encoding", "cp1252"),
    ]
    assert "try --encoding latin-1 or --encoding cp1252." in hints.message(error)
    cp1252 = raised(lambda: open_microdata(latin1_csv(tmp_path), ReadOptions(encoding="ascii")))
    assert "try encoding='utf-8' or encoding='latin-1'." in str(cp1252)
