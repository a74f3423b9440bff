"""What disclosure control costs, and what it changes.

Two measurements, written to bench/PROTECTION.md:

1. Time: whole-process runs on the benchmark's 1,000,000-person sample-layout file
   (``bench/cache/persons_<n>.parquet``), paired in rotated rounds as in ``run_bench.py``:
   ``censusmig -q tabulate FILE -p PROFILE -o OUT --format csv --no-checks`` with all 14
   standard tables and the district-level example recipes (``sample_microdata/recipes``),
   without protection and with each method (``--protect suppress|round3|round5|cell-key``).
2. Effect: on the bundled sample census (20,000 persons), in process, the share of cells
   each method changes or withholds in the district-level tables (and in all tables).

Usage: python bench/protection_bench.py [--persons 1000000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from layouts import CACHE, SAMPLE, generate  # noqa: E402
from run_bench import (  # noqa: E402
    Config,
    censusmig_command,
    commit,
    load,
    machine,
    paired,
    say,
)

METHODS = ("none", "suppress", "round3", "round5", "cell-key")
DISTRICT_RECIPES = ROOT / "sample_microdata" / "recipes"


def effect_lines() -> list[str]:
    """The share of cells each method changes or withholds on the sample census."""
    from censusmig import api

    data = ROOT / "sample_microdata" / "census.parquet"
    profile = ROOT / "sample_microdata" / "census.profile.toml"
    lines = [
        "| method | tables | cells | withheld (primary + secondary) | changed | share "
        "| district tables: cells | withheld | changed | share | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    dirs = [DISTRICT_RECIPES] if DISTRICT_RECIPES.is_dir() else []
    for method in METHODS[1:]:
        started = time.perf_counter()
        run = api.tabulate(data, profile, recipes_dirs=dirs, protect=method, formats=())
        seconds = time.perf_counter() - started
        totals = {"all": [0, 0, 0, 0], "district": [0, 0, 0, 0]}
        for table in run.tables:
            report = table.protection
            if report is None:
                continue
            kinds = ["all"]
            if any("district" in d.levels for d in table.dimensions):
                kinds.append("district")
            for kind in kinds:
                total = totals[kind]
                total[0] += report.cells
                total[1] += report.primary
                total[2] += report.secondary
                total[3] += report.changed
        a, d = totals["all"], totals["district"]
        share = (a[1] + a[2] + a[3]) / a[0] if a[0] else 0.0
        dshare = (d[1] + d[2] + d[3]) / d[0] if d[0] else 0.0
        lines.append(
            f"| {method} | {len(run.tables)} | {a[0]:,} | {a[1]:,} + {a[2]:,} | {a[3]:,} "
            f"| {share:.1%} | {d[0]:,} | {d[1]:,} + {d[2]:,} | {d[3]:,} | {dshare:.1%} "
            f"| {seconds:.1f} |"
        )
    return lines


def main() -> None:
    """Run the paired rounds and the effect count; write bench/PROTECTION.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=BENCH / "PROTECTION.md")
    args = parser.parse_args()
    started = time.perf_counter()
    start_load = load()
    effects = effect_lines()
    path = generate(SAMPLE, args.persons, say)
    out = CACHE / "out_protection"
    runs = []
    for method in METHODS:
        command = (*censusmig_command(), "-q", "tabulate", str(path), "-p", str(SAMPLE.profile))
        command += ("-o", str(out / method), "--format", "csv", "--no-checks")
        if DISTRICT_RECIPES.is_dir():
            command += ("--recipes-dir", str(DISTRICT_RECIPES))
        if method != "none":
            command += ("--protect", method)
        runs.append(Config(method, method, command, out / method))
    say(f"paired whole-process runs on {path.name}: {args.rounds} rounds + warm-up")
    samples = paired(runs, args.rounds)
    base = [s.seconds for s in samples["none"]]
    lines = [
        "# Disclosure control: what it costs and what it changes",
        "",
        f"- Date: {dt.date.today().isoformat()}; commit measured: {commit()}",
        f"- Machine: {machine()}",
        f"- Load average (1 / 5 / 15 min): {start_load} at the start, {load()} at the end",
        f"- Command: `python bench/protection_bench.py --persons {args.persons} --rounds "
        f"{args.rounds}` (`make bench`); {(time.perf_counter() - started) / 60:.0f} min in all",
        "",
        "## Time on a 1,000,000-person run",
        "",
        f"File `bench/cache/{path.name}` (sample layout). Each run: `censusmig -q tabulate FILE "
        "-p PROFILE -o OUT --format csv --no-checks --recipes-dir sample_microdata/recipes "
        "[--protect METHOD]`: the 14 standard tables and the district-level example recipes; "
        "paired rounds after a discarded warm-up, the order rotated; ratio = median of the "
        "per-round ratios to the run without protection.",
        "",
        "| protection | median s | fastest - slowest s | added s (median) | ratio | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for config in runs:
        seconds = [s.seconds for s in samples[config.key]]
        ratio = statistics.median(s / b for s, b in zip(seconds, base, strict=True))
        added = statistics.median(s - b for s, b in zip(seconds, base, strict=True))
        lines.append(
            f"| {config.key} | {statistics.median(seconds):.2f} | {min(seconds):.2f} - "
            f"{max(seconds):.2f} | {added:+.2f} | {ratio:.2f}x "
            f"| {max(s.peak_rss_mib for s in samples[config.key]):,.0f} |"
        )
    lines += [
        "",
        "## What each method changes on the sample census",
        "",
        "`api.tabulate(sample_microdata/census.parquet, census.profile.toml, recipes_dirs="
        "[sample_microdata/recipes], protect=METHOD)`, in process. Cells include margins; "
        "share = (withheld + changed) / cells. District tables: those with a district level.",
        "",
        *effects,
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
