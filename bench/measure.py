"""Time one method on one file in a fresh process: one warm-up, then N timed runs.

Usage: ``python bench/measure.py METHOD FILE REPEATS`` with METHOD censusmig, floor or pandas.
Prints one JSON line: the run times, their median and the process's peak RSS (MiB).
Running each method in its own process keeps their memory peaks apart.
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))


def method(name: str) -> Callable[[str], object]:
    """The function that computes the full catalogue with the named method."""
    if name == "censusmig":
        from censusmig import api

        profile = ROOT / "sample_microdata" / "census.profile.toml"
        # The tables only: the same work as the floor (the edit checks are timed apart).
        return lambda path: api.tabulate(path, profile, edit_checks=False)
    if name == "floor":
        from floor_polars import floor_cells

        return floor_cells
    if name == "pandas":
        from pandas_alt import pandas_cells

        return pandas_cells
    raise SystemExit(f"unknown method {name!r}: censusmig, floor or pandas")


def main(name: str, path: str, repeats: int) -> None:
    run = method(name)
    run(path)  # warm-up: imports, file cache, lazy initialisations
    times = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        run(path)
        times.append(time.perf_counter() - started)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "method": name,
                "file": path,
                "times": [round(t, 3) for t in times],
                "median": round(statistics.median(times), 3),
                "peak_rss_mib": round(peak_kib / 1024),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
