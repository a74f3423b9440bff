"""Progress displays (tabulate's stages, convert's bar, check's and inspect's spinners).

They appear on a terminal's stderr only, never on a pipe nor with --quiet.

The command runs in a child process whose stderr is a pseudo-terminal (or a pipe); its
stdout is always a pipe, and must hold the same lines whatever stderr is.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from censusmig import api
from censusmig.cli.main import records_done
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE

DATA = SAMPLE_DIR / "census.parquet"
RECIPE = "migratory_status_sex_age_region"
STAGES = ("Reading census.parquet", "Computing tables", "Writing outputs")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
HIDE_CURSOR = "\x1b[?25l"  # what a live display sends first


def child_env(**extra: str) -> dict[str, str]:
    """The test's environment without what makes rich pretend or deny a terminal."""
    env = dict(os.environ, TERM="xterm-256color")
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        env.pop(name, None)
    return {**env, **extra}


def tabulate(
    out: Path, *options: str, terminal: bool, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``censusmig [options] tabulate`` with stderr on a pseudo-terminal or a pipe.

    Returns:
        The exit code, stdout, and stderr as text (terminal control sequences kept).
    """
    command = [*options, "tabulate", str(DATA), "--profile", str(SAMPLE_PROFILE), "--out",
               str(out), "--recipe", RECIPE, "--format", "csv"]  # fmt: skip
    return censusmig(*command, terminal=terminal, env=env)


def censusmig(
    *args: str, terminal: bool, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``censusmig ARGS`` with stderr on a pseudo-terminal or a pipe, stdout on a pipe.

    Returns:
        The exit code, stdout, and stderr as text (terminal control sequences kept).
    """
    command = [sys.executable, "-m", "censusmig", *args]
    if not terminal:
        done = subprocess.run(
            command,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env=env or child_env(),
            check=False,
        )
        return done.returncode, done.stdout.decode(), done.stderr.decode()
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env or child_env(),
    ) as child:
        os.close(secondary)
        received = bytearray()
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            received += chunk
        os.close(primary)
        assert child.stdout is not None
        stdout = child.stdout.read().decode()
        code = child.wait(timeout=120)
    return code, stdout, received.decode(errors="replace")


def test_a_terminal_shows_the_stages(tmp_path: Path) -> None:
    code, stdout, stderr = tabulate(tmp_path / "out", terminal=True)
    assert code == 0, stderr
    assert HIDE_CURSOR in stderr
    plain = ANSI.sub("", stderr)
    positions = [plain.find(stage) for stage in STAGES]
    assert -1 not in positions, plain
    assert positions == sorted(positions)  # in the order they happen
    assert "1 table(s) from 20,000 records" in plain  # the status line after the display
    assert stdout == f"{tmp_path / 'out' / 'csv' / RECIPE}.csv\n{tmp_path / 'out' / 'run.json'}\n"


def test_a_pipe_and_quiet_show_no_progress(tmp_path: Path) -> None:
    shown = tabulate(tmp_path / "shown", terminal=True)
    piped = tabulate(tmp_path / "piped", terminal=False)
    quiet = tabulate(tmp_path / "quiet", "--quiet", terminal=True)
    # CI services set FORCE_COLOR, which makes rich take a pipe for a terminal
    forced = tabulate(tmp_path / "forced", terminal=False, env=child_env(FORCE_COLOR="1"))
    for code, _, stderr in (piped, quiet, forced):
        assert code == 0, stderr
        assert HIDE_CURSOR not in stderr and "\x1b" not in stderr
        assert not any(stage in stderr for stage in STAGES)
    assert piped[2].startswith("Tabulating ")  # the status lines stay
    assert "table(s) from 20,000 records" not in quiet[2]
    # stdout holds the same lines, the outputs the same bytes, whatever stderr is
    runs = {"shown": shown, "piped": piped, "quiet": quiet, "forced": forced}
    for name, (_, stdout, _) in runs.items():
        assert stdout.replace(str(tmp_path / name), "OUT") == shown[1].replace(
            str(tmp_path / "shown"), "OUT"
        )
        compared = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "compare_outputs.py"), str(tmp_path / "shown"),
             str(tmp_path / name)],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        assert compared.returncode == 0, compared.stdout


@pytest.mark.parametrize("out", [True, False], ids=["with outputs", "without outputs"])
def test_the_api_tells_each_stage_once_in_order(tmp_path: Path, out: bool) -> None:
    seen: list[str] = []
    api.tabulate(
        DATA,
        SAMPLE_PROFILE,
        out=tmp_path / "out" if out else None,
        recipes=[RECIPE],
        formats=("csv",),
        progress=seen.append,
    )
    expected = api.TABULATE_STAGES if out else api.TABULATE_STAGES[:2]
    assert tuple(seen) == expected


def frames(stderr: str) -> list[str]:
    """The lines a live display drew, control sequences removed (one per redraw)."""
    return [line.strip() for line in re.split(r"[\r\n]", ANSI.sub("", stderr)) if line.strip()]


def test_convert_shows_a_bar_with_formatted_counts_on_a_terminal(tmp_path: Path) -> None:
    target = tmp_path / "copy.parquet"
    code, stdout, stderr = censusmig("convert", str(DATA), "--to", str(target), terminal=True)
    assert code == 0, stderr
    assert stdout == f"{target}\n"
    assert HIDE_CURSOR in stderr
    drawn = frames(stderr)
    # the Parquet footer gives the total; numbers have thousands separators, never 20000/20000
    assert any(
        re.search(r"Converting census\.parquet .*20,000 of 20,000 records", f) for f in drawn
    )
    assert not any("0/?" in f or "20000" in f for f in drawn), drawn
    assert drawn[-1] == "20,000 records, 24 columns, value labels of 0 columns kept"


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["check", str(DATA), "--profile", str(SAMPLE_PROFILE)], "Checking census.parquet"),
        (["inspect", str(DATA), "--max-codes", "3"], "Inspecting census.parquet"),
        (["convert", str(DATA), "--to", "OUT/copy.parquet"], "Converting census.parquet"),
        (["profile", "init", str(DATA), "--out", "OUT/draft.toml"], "Reading census.parquet"),
        (["sample", "--persons", "500", "--out", "OUT/sample.csv"], "Generating 500 persons"),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value[:2]),
)
def test_long_steps_show_a_display_on_a_terminal_only(
    tmp_path: Path, args: list[str], shown: str
) -> None:
    runs = {}
    for name, options, terminal, env in (
        ("terminal", [], True, None),
        ("pipe", [], False, None),
        ("quiet", ["--quiet"], True, None),
        ("forced", [], False, child_env(FORCE_COLOR="1")),
    ):
        (tmp_path / name).mkdir()
        command = [arg.replace("OUT", str(tmp_path / name)) for arg in args]
        runs[name] = censusmig(*options, *command, terminal=terminal, env=env)
    code, stdout, stderr = runs["terminal"]
    assert HIDE_CURSOR in stderr
    display = re.compile(rf"\S {re.escape(shown)} .*\d+:\d\d:\d\d$")  # spinner, text, time
    assert any(display.match(frame) for frame in frames(stderr)), stderr
    assert shown not in stdout
    for name in ("pipe", "quiet", "forced"):
        other_code, other_stdout, other_stderr = runs[name]
        assert other_code == code, other_stderr
        assert "\x1b" not in other_stderr
        assert not any(display.match(frame) for frame in frames(other_stderr)), other_stderr
        # stdout carries the same result whatever stderr is
        assert other_stdout.replace(str(tmp_path / name), "OUT") == stdout.replace(
            str(tmp_path / "terminal"), "OUT"
        )


def test_records_done_formats_the_count() -> None:
    assert records_done(250_000, 1_000_000) == "250,000 of 1,000,000 records"
    assert records_done(1_000_000, None) == "1,000,000 records"
    assert records_done(0, None) == ""  # before the first record the spinner says enough


@pytest.mark.parametrize("name", ["census.parquet", "census.sav", "census.csv"])
def test_convert_tells_the_total_when_the_file_knows_it(tmp_path: Path, name: str) -> None:
    heard: list[tuple[int, int | None]] = []
    done = api.convert(
        SAMPLE_DIR / name, tmp_path / "copy.parquet", progress=lambda *a: heard.append(a)
    )
    assert heard[-1] == (done.records, done.records) == (20_000, 20_000)
    done_counts = [count for count, _ in heard]
    assert done_counts == sorted(done_counts)  # never backwards
    if name == "census.csv":  # a text file's size is known only once it is read
        assert heard[0] == (0, None)
    else:  # Parquet metadata and the SPSS header tell it before any record is written
        assert all(total == 20_000 for _, total in heard)
