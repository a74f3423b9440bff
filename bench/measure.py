"""Time one method on one file in a fresh process: one warm-up, then N timed runs.

Usage: ``python bench/measure.py METHOD FILE REPEATS [LAYOUT]`` with METHOD censusmig, floor
or pandas (the sample layout only) and LAYOUT sample (default) or national. Prints one JSON
line: the run times, their median and the process's peak RSS (MiB). Running each method in
its own process keeps their memory peaks apart.
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


def method(name: str, layout_name: str = "sample") -> Callable[[str], object]:
    """The function that computes the layout's tables with the named method."""
    from layouts import LAYOUTS

    layout = LAYOUTS[layout_name]
    if name == "censusmig":
        from censusmig import api

        # The tables only: the same work as the floor (the edit checks are timed apart).
        return lambda path: api.tabulate(
            path, layout.profile, recipes=layout.recipes, edit_checks=False
        )
    if name == "floor":
        return layout.floor_cells()
    if name == "pandas":
        if layout.name != "sample":
            raise SystemExit("the pandas script knows the sample layout only")
        from pandas_alt import pandas_cells

        return pandas_cells
    raise SystemExit(f"unknown method {name!r}: censusmig, floor or pandas")


def main(name: str, path: str, repeats: int, layout: str = "sample") -> None:
    """Time ``repeats`` runs of a method after a warm-up; print them as one JSON line."""
    run = method(name, layout)
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
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), *sys.argv[4:5])
