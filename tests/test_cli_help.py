"""Help text: every command and option explained, readable at any width, and in docs/cli.md.

The command tree is walked the way scripts/docs_cli.py walks it, so a command added later is
checked without naming it here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from censusmig.cli.main import app, paragraphs
from helpers import ROOT

SCRIPT = ROOT / "scripts" / "docs_cli.py"
CLI_MD = ROOT / "docs" / "cli.md"


def load_script() -> Any:
    """scripts/docs_cli.py as a module (scripts are not a package)."""
    spec = importlib.util.spec_from_file_location("docs_cli", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DOCS_CLI = load_script()
COMMANDS = DOCS_CLI.tree()
PATHS = [ctx.command_path for _, ctx in COMMANDS]


def words(path: str) -> list[str]:
    """The words after ``censusmig`` of a command's path."""
    return path.split()[1:]


def test_the_tree_holds_every_command() -> None:
    named = ["tabulate", "sample", "convert", "inspect", "check", "recipes list", "profile init"]
    assert {"censusmig", *(f"censusmig {name}" for name in named)} <= set(PATHS)


@pytest.mark.parametrize(("command", "ctx"), COMMANDS, ids=PATHS)
def test_every_command_and_parameter_has_help_text(command: Any, ctx: Any) -> None:
    first = command.get_short_help_str(limit=300)
    assert first and first[0].isupper() and first.endswith("."), first
    for param in command.get_params(ctx):
        name = param.opts[0] if param.param_type_name == "option" else param.name
        assert (param.help or "").strip(), f"{ctx.command_path} {name} has no help text"


@pytest.mark.parametrize(("command", "ctx"), COMMANDS, ids=PATHS)
def test_placeholders_are_words_of_the_text(command: Any, ctx: Any) -> None:
    for param in command.get_params(ctx):
        if param.param_type_name == "option" and param.is_flag:
            assert param.metavar == "", (ctx.command_path, param.opts)  # a switch takes no value
        else:
            assert re.fullmatch(r"[A-Z][A-Z_]*", param.metavar or ""), (ctx.command_path, param)
    usage = " ".join(command.collect_usage_pieces(ctx))
    assert "{" not in usage and "<" not in usage, usage


@pytest.mark.parametrize(("command", "ctx"), COMMANDS, ids=PATHS)
def test_help_is_written_in_paragraphs(command: Any, ctx: Any) -> None:
    for paragraph in (command.help or "").split("\n\n"):
        assert "\n" not in paragraph, (ctx.command_path, paragraph)


def test_paragraphs_joins_the_lines_of_a_docstring_paragraph() -> None:
    docstring = """First line.

        A sentence cut
        at the source's width.

        Another paragraph.
        """
    assert paragraphs(docstring) == (
        "First line.\n\nA sentence cut at the source's width.\n\nAnother paragraph."
    )
    assert paragraphs("\b\nkept\nas is") == "\b\nkept\nas is"
    assert paragraphs(None) is None


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize(("command", "ctx"), COMMANDS, ids=PATHS)
def test_help_renders_cleanly_at_any_width(command: Any, ctx: Any, width: int) -> None:
    result = CliRunner().invoke(
        app,
        [*words(ctx.command_path), "--help"],
        env={"COLUMNS": str(width)},
        prog_name="censusmig",
    )
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    shown = result.stdout
    assert "Traceback" not in shown and "Traceback" not in result.stderr
    assert f"Usage: {ctx.command_path} [OPTIONS]" in shown
    assert not re.search(r"<(bool|str|int|list)", shown.split("Options")[-1]), shown
    assert all(len(line) <= width for line in shown.splitlines())
    if width == 200:  # a paragraph of the help fits a wide line: never cut mid-sentence
        lines = [" ".join(line.strip(" │").split()) for line in shown.splitlines()]
        for paragraph in (command.help or "").split("\n\n"):
            if len(paragraph) < 180:
                assert " ".join(paragraph.split()) in lines, (paragraph, shown)


@pytest.mark.parametrize("command", [["--help"], ["tabulate", "--help"], ["profile", "--help"]])
def test_help_in_a_real_process_on_a_narrow_terminal(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "censusmig", *command],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.lstrip().startswith("Usage: ")
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


def test_docs_cli_md_is_what_the_script_writes() -> None:
    wanted = DOCS_CLI.render()
    current = CLI_MD.read_text(encoding="utf-8") if CLI_MD.is_file() else ""
    assert current == wanted, (
        "docs/cli.md is out of date with the commands' help: run `python scripts/docs_cli.py`"
    )


@pytest.mark.parametrize(("command", "ctx"), COMMANDS, ids=PATHS)
def test_every_command_and_option_is_in_docs_cli_md(command: Any, ctx: Any) -> None:
    document = CLI_MD.read_text(encoding="utf-8")
    heading = f"\n## {ctx.command_path}\n"
    assert heading in document, heading
    section = document.split(heading, 1)[1].split("\n## ", 1)[0]
    assert f"Usage: `{ctx.command_path}" in section
    for param in command.get_params(ctx):
        if param is command.get_help_option(ctx):
            continue
        for name in param.opts if param.param_type_name == "option" else [param.metavar]:
            assert f"`{name}`" in section, (ctx.command_path, name)
