"""The progress display of ``tabulate``: on a terminal's stderr only, never with --quiet.

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
    command = [
        sys.executable,
        "-m",
        "censusmig",
        *options,
        "tabulate",
        str(DATA),
        "--profile",
        str(SAMPLE_PROFILE),
        "--out",
        str(out),
        "--recipe",
        RECIPE,
        "--format",
        "csv",
    ]
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
