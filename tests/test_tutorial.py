"""docs/tutorial.md runs as written: every command, every edit, every output shown.

The tutorial is executed block by block, in order, in a temporary workshop folder (a copy of
the reader's checkout: ``sample_microdata`` is linked into it). The conventions the tutorial
follows, so that a reader sees plain markdown and the test can act on it:

- A ```` ```console ```` block holds commands, each on a line starting with ``$ ``, each followed
  by its expected output. Commands run are ``censusmig ...`` (the CLI as a subprocess, stdout and
  stderr interleaved as a terminal shows them), ``mkdir``, ``cp``, ``cd`` and ``echo $?``; any
  other command fails the test, so the tutorial cannot show a step nobody checks.
- Expected output matches the actual output line by line, from the first line to the last: a line
  ``...`` stands for any number of lines (none included), and ``...`` inside a line for any text
  on that line. Everything else, numbers included, must be exactly what the command printed
  (trailing blanks ignored).
- Every command must exit 0 unless the next command is ``echo $?``, whose output line is the
  exit code expected.
- A ```` ```diff file=PATH ```` block is an edit the reader makes: lines starting with ``-`` are
  removed, ``+`` added, a space kept (to find the place); the kept and removed lines must occur
  exactly once, together, in the file. ``@@`` separates several such changes in one block.
- A ```` ```toml file=PATH ```` block is what the file holds now: the test compares the parsed
  TOML of the block with that of the file.
- A ```` ```LANG excerpt=PATH ```` block shows lines of a file, matched like command output but
  anywhere in the file (leading blanks ignored); ``excerpt=BOOK.xlsx#SHEET`` shows rows of a
  workbook sheet, its cells joined by `` | ``.
- Other blocks are for reading only.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from censusmig.profiles.model import read_profile
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE

TUTORIAL = ROOT / "docs" / "tutorial.md"
ANSWERS = ROOT / "docs" / "tutorial"
FENCE = re.compile(r"^```(\S*)(.*)$")
ELLIPSIS = "..."


@dataclasses.dataclass(frozen=True)
class Block:
    """One fenced block of the tutorial: its language, its attributes and its lines."""

    language: str
    attributes: dict[str, str]
    lines: tuple[str, ...]
    line_number: int

    def where(self) -> str:
        """Where the block starts, for failure messages."""
        return f"docs/tutorial.md:{self.line_number}"


def read_blocks(text: str) -> list[Block]:
    """Every fenced block of a markdown text, in order."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        start = index
        attributes = dict(item.split("=", 1) for item in shlex.split(match.group(2)) if "=" in item)
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].startswith("```"):
            body.append(lines[index])
            index += 1
        blocks.append(Block(match.group(1), attributes, tuple(body), start + 1))
        index += 1
    return blocks


def line_pattern(expected: str) -> re.Pattern[str]:
    """An expected line as a pattern: ``...`` inside it matches any text."""
    pieces = expected.rstrip().split(ELLIPSIS)
    return re.compile(".*".join(re.escape(piece) for piece in pieces))


def matches(expected: Sequence[str], actual: Sequence[str]) -> bool:
    """Whether every line of ``actual`` is accounted for by ``expected`` (``...`` lines skip)."""
    reached = {0}  # how many actual lines the expected lines so far can account for
    for line in expected:
        if line.strip() == ELLIPSIS:
            reached = set(range(min(reached), len(actual) + 1)) if reached else set()
        else:
            pattern = line_pattern(line)
            reached = {
                done + 1
                for done in reached
                if done < len(actual) and pattern.fullmatch(actual[done].rstrip())
            }
    return len(actual) in reached


def contains(expected: Sequence[str], actual: Sequence[str]) -> bool:
    """Whether the expected lines occur somewhere in ``actual``, in order (leading blanks aside)."""
    wanted = [line.strip() for line in expected]
    return matches([ELLIPSIS, *wanted, ELLIPSIS], [line.strip() for line in actual])


@dataclasses.dataclass(frozen=True)
class Command:
    """A command of a console block and the output the tutorial expects of it."""

    words: tuple[str, ...]
    output: tuple[str, ...]


def read_commands(block: Block) -> Iterator[Command]:
    """The commands of a console block, each with its expected output lines."""
    command: str | None = None
    output: list[str] = []
    for line in block.lines:
        if line.startswith("$ "):
            if command is not None:
                yield Command(tuple(shlex.split(command)), tuple(output))
            command, output = line[2:], []
        else:
            assert command is not None, f"{block.where()}: output before any command: {line!r}"
            output.append(line)
    if command is not None:
        yield Command(tuple(shlex.split(command)), tuple(output))


def apply_diff(path: Path, block: Block) -> None:
    """Make the edit a ``diff`` block describes, each change found once in the file."""
    text = path.read_text(encoding="utf-8")
    hunks: list[list[str]] = [[]]
    for line in block.lines:
        if line.startswith("@@"):
            hunks.append([])
        else:
            hunks[-1].append(line)
    for hunk in filter(None, hunks):
        before = [line[1:] for line in hunk if line[:1] in (" ", "-")]
        after = [line[1:] for line in hunk if line[:1] in (" ", "+")]
        assert all(line[:1] in (" ", "-", "+") for line in hunk), block.where()
        old = "\n".join(before) + "\n"
        new = "\n".join(after) + "\n"
        if not before:  # only added lines: they go at the end of the file
            text = text + ("" if text.endswith("\n") else "\n") + new
            continue
        found = text.count(old)
        assert found == 1, f"{block.where()}: the lines to change occur {found} times in {path}"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def sheet_lines(book: Path, sheet: str) -> list[str]:
    """The rows of a workbook sheet as text, cells joined by `` | ``."""
    import openpyxl

    workbook = openpyxl.load_workbook(book, read_only=True)
    try:
        rows = workbook[sheet].iter_rows(values_only=True)
        lines = []
        for row in rows:
            cells = ["" if value is None else str(value) for value in row]
            while cells and not cells[-1]:
                cells.pop()
            lines.append(" | ".join(cells))
        return lines
    finally:
        workbook.close()


class Workshop:
    """The reader's shell: a working folder, the last exit code, the CLI as a subprocess."""

    def __init__(self, home: Path) -> None:
        self.cwd = home
        self.exit_code = 0
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            "PYTHONUNBUFFERED": "1",  # stdout and stderr in the order a terminal shows them
            "COLUMNS": "100",
            "NO_COLOR": "1",
            "TERM": "dumb",
        }

    def run(self, command: Command, block: Block) -> list[str]:
        """Run one command; return its output lines."""
        name, *args = command.words
        if name == "censusmig":
            completed = subprocess.run(
                [sys.executable, "-m", "censusmig", *args],
                cwd=self.cwd,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                check=False,
                timeout=120,
            )
            self.exit_code = completed.returncode
            assert "Traceback" not in completed.stdout, completed.stdout
            return completed.stdout.splitlines()
        if name == "mkdir":
            for folder in args:
                if folder != "-p":
                    (self.cwd / folder).mkdir(parents=True, exist_ok=True)
        elif name == "cp":
            *sources, target = args
            for source in sources:
                shutil.copy(self.cwd / source, self.cwd / target)
        elif name == "cd":
            (folder,) = args
            self.cwd = (self.cwd / folder).resolve()
        elif command.words == ("echo", "$?"):
            return [str(self.exit_code)]
        else:
            pytest.fail(f"{block.where()}: the tutorial runs {name!r}, which this test cannot")
        self.exit_code = 0
        return []


def run_tutorial(home: Path) -> Workshop:
    """Run every block of the tutorial in ``home``; fail at the first output that differs."""
    (home / "sample_microdata").symlink_to(SAMPLE_DIR, target_is_directory=True)
    shell = Workshop(home)
    unchecked: Command | None = None
    for block in read_blocks(TUTORIAL.read_text(encoding="utf-8")):
        if block.language == "console":
            for command in read_commands(block):
                if command.words != ("echo", "$?") and unchecked is not None:
                    assert shell.exit_code == 0, (
                        f"{block.where()}: {shlex.join(unchecked.words)} exited "
                        f"{shell.exit_code}; the tutorial shows no exit code"
                    )
                actual = shell.run(command, block)
                assert matches(command.output, actual), (
                    f"{block.where()}: $ {shlex.join(command.words)}\n--- expected:\n"
                    + "\n".join(command.output)
                    + "\n--- printed:\n"
                    + "\n".join(actual)
                )
                unchecked = None if command.words == ("echo", "$?") else command
        elif block.language == "diff" and "file" in block.attributes:
            apply_diff(shell.cwd / block.attributes["file"], block)
        elif "file" in block.attributes and block.language == "toml":
            shown = tomllib.loads("\n".join(block.lines))
            path = shell.cwd / block.attributes["file"]
            assert shown == tomllib.loads(path.read_text(encoding="utf-8")), block.where()
        elif "excerpt" in block.attributes:
            name, _, sheet = block.attributes["excerpt"].partition("#")
            path = shell.cwd / name
            lines = (
                sheet_lines(path, sheet) if sheet else path.read_text(encoding="utf-8").splitlines()
            )
            assert contains(block.lines, lines), (
                f"{block.where()}: not found in {block.attributes['excerpt']}; it starts:\n"
                + "\n".join(lines[:30])
            )
    assert unchecked is None or shell.exit_code == 0
    return shell


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Workshop:
    """The tutorial, run once from start to end."""
    return run_tutorial(tmp_path_factory.mktemp("tutorial"))


def test_the_tutorial_runs_as_written(workshop: Workshop) -> None:
    assert (workshop.cwd / "out" / "tables.xlsx").is_file()


def test_the_reviewed_profile_is_the_sample_census_profile(workshop: Workshop) -> None:
    # The edits the tutorial makes to the draft must give the profile the sample census ships
    # with, and the answer key in docs/tutorial/ must be that profile too.
    reference = read_profile(SAMPLE_PROFILE)
    for path in (workshop.cwd / "quetzalia.toml", ANSWERS / "quetzalia.toml"):
        reviewed = read_profile(path)
        assert dataclasses.replace(reviewed, path=reference.path, sha256="") == (
            dataclasses.replace(reference, sha256="")
        ), path


def test_the_custom_recipe_is_the_answer_key(workshop: Workshop) -> None:
    written = workshop.cwd / "my_recipes" / "foreign_born_country_district.toml"
    answer = ANSWERS / "foreign_born_country_district.toml"
    assert tomllib.loads(written.read_text(encoding="utf-8")) == tomllib.loads(
        answer.read_text(encoding="utf-8")
    )


def test_output_matching_follows_the_conventions() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "b"], ["a", "b"])
    assert matches(["...", "c", "..."], ["a", "b", "c"])
    assert not matches(["a", "...", "d"], ["a", "b", "c"])
    assert not matches(["a", "c"], ["a", "b", "c"])
    assert not matches(["a"], ["a", "b"])
    assert matches(["in ... s; done"], ["in 2.52 s; done"])
    assert not matches(["20,000 records"], ["20,001 records"])
    assert contains(["b", "c"], ["a", "  b", "c", "d"])
    assert not contains(["c", "b"], ["a", "b", "c"])


def test_a_diff_block_changes_the_lines_it_names(tmp_path: Path) -> None:
    path = tmp_path / "profile.toml"
    path.write_text('[census]\ncountry = "REVIEW"\nname = "x"\n', encoding="utf-8")
    block = Block(
        "diff",
        {"file": "profile.toml"},
        (" [census]", '-country = "REVIEW"', '+country = "QUE"'),
        1,
    )
    apply_diff(path, block)
    assert path.read_text(encoding="utf-8") == '[census]\ncountry = "QUE"\nname = "x"\n'
    with pytest.raises(AssertionError, match="occur 0 times"):
        apply_diff(path, block)
