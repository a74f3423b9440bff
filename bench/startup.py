"""Time the commands that only talk: censusmig --version, --help and recipes list.

Each command is run as a whole process (interpreter start included), several times; the best
and the median wall times are printed. The target for ``--version`` is 0.25 s (issue 10).

Usage: python bench/startup.py [--runs 7] [--censusmig PATH]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (["--version"], ["--help"], ["recipes", "list"], ["recipes", "list", "--json"])


def time_command(executable: list[str], command: list[str], runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*executable, *command], capture_output=True, check=True)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--censusmig", type=Path, default=None, help="the console script")
    args = parser.parse_args()
    script = args.censusmig or shutil.which("censusmig")
    executable = [str(script)] if script else [sys.executable, "-m", "censusmig"]
    print(f"{' '.join(executable)}, {args.runs} runs each (best / median, seconds)")
    for command in COMMANDS:
        seconds = time_command(executable, command, args.runs)
        print(f"  {' '.join(command):<22} {min(seconds):.3f} / {statistics.median(seconds):.3f}")


if __name__ == "__main__":
    main()
