"""What survey estimates cost: 80 replicate weights and a Taylor design against an unweighted run.

The issue's goal (issue 15): the standard errors of 80 replicate weights cost at most 3x an
unweighted run of the same tables on the same 1,000,000-person file. The file is the
benchmark's sample-layout file (``bench/cache/persons_<n>.parquet``) with survey columns
added once into ``bench/cache/survey_<n>.parquet``: an integer weight ``WGT``, 80
integer replicate weights ``RWGT1..RWGT80`` (as the ACS stores them; successive-difference
factors 1 +- 2^-1.5 per cluster of 40 households), a stratum (``REGION``) and a PSU
(``PSU``: clusters of 40 households). Four whole-process runs, paired in rotated rounds as in
``run_bench.py``, each ``censusmig -q tabulate FILE -p PROFILE -o OUT --format csv --no-checks``:

    unweighted   the census profile (no weight)
    weighted     [data] weight only: weighted estimates, no standard errors
    sdr80        [design] method = "sdr", 80 replicate weights
    taylor       [design] method = "taylor", strata REGION, PSUs PSU

Results go to bench/SURVEY.md. Usage: python bench/survey_bench.py [--persons 1000000]
[--rounds 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
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

REPLICATES = 80
TARGET = 3.0
"""Largest ratio of the 80-replicate run to the unweighted run (issue 15)."""
CLUSTER_HOUSEHOLDS = 40


def survey_file(persons: int) -> Path:
    """The sample-layout file with survey columns, made once (in a child process)."""
    path = CACHE / f"survey_{persons}.parquet"
    if path.exists():
        return path
    source = generate(SAMPLE, persons, say)
    say(f"adding survey columns: {path.name}")
    subprocess.run(
        [sys.executable, str(Path(__file__)), "--make", str(source), str(path)], check=True
    )
    return path


def make(source: Path, path: Path) -> None:
    """Write ``path``: ``source`` with WGT, RWGT1..RWGT80 and PSU (deterministic)."""
    import numpy as np
    import polars as pl

    frame = pl.read_parquet(source)
    rng = np.random.default_rng(15)
    households = frame["HH_ID"].to_numpy()
    cluster = households // CLUSTER_HOUSEHOLDS
    clusters = int(cluster.max()) + 1
    weight = (50 + rng.integers(0, 100, clusters))[cluster]
    # Successive-difference factors per cluster: 1 + 2^-1.5 (h1 - h2), h = +-1 at random.
    signs = rng.choice([-1.0, 1.0], size=(clusters, REPLICATES, 2))
    factors = 1 + 2**-1.5 * (signs[..., 0] - signs[..., 1])
    columns = {
        f"RWGT{r + 1}": np.rint(weight * factors[cluster, r]).astype(np.int32)
        for r in range(REPLICATES)
    }
    frame = frame.with_columns(
        pl.Series("WGT", weight.astype(np.int32)),
        pl.Series("PSU", cluster.astype(np.int32)),
        *(pl.Series(name, values) for name, values in columns.items()),
    )
    partial = path.with_name(path.stem + ".partial.parquet")
    frame.write_parquet(partial)
    partial.rename(path)


def profiles(folder: Path) -> dict[str, Path]:
    """The four profiles: the census profile with a weight and each design added."""
    census = SAMPLE.profile.read_text(encoding="utf-8")
    designs = {
        "unweighted": None,
        "weighted": "",
        "sdr80": f'[design]\nmethod = "sdr"\nreplicate_weights = "RWGT1..RWGT{REPLICATES}"\n',
        "taylor": '[design]\nmethod = "taylor"\nstrata = "REGION"\npsu = "PSU"\n',
    }
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, design in designs.items():
        if design is None:
            written[name] = SAMPLE.profile
            continue
        text = census.replace('household_id = "HH_ID"', 'household_id = "HH_ID"\nweight = "WGT"')
        path = folder / f"{name}.profile.toml"
        path.write_text(text.replace("[geography]", f"{design}\n[geography]", 1), "utf-8")
        written[name] = path
    return written


def main() -> None:
    """Run the paired rounds and write bench/SURVEY.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=BENCH / "SURVEY.md")
    parser.add_argument("--make", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make(*args.make)
        return
    started = time.perf_counter()
    start_load = load()
    path = survey_file(args.persons)
    folder = CACHE / "survey_profiles"
    out = CACHE / "out_survey"
    runs = []
    for name, profile in profiles(folder).items():
        command = (*censusmig_command(), "-q", "tabulate", str(path), "-p", str(profile))
        command += ("-o", str(out / name), "--format", "csv", "--no-checks")
        runs.append(Config(name, name, command, out / name))
    say(f"paired whole-process runs on {path.name}: {args.rounds} rounds + warm-up")
    samples = paired(runs, args.rounds)
    base = [s.seconds for s in samples["unweighted"]]
    lines = [
        "# Survey estimates: what standard errors cost",
        "",
        f"- Date: {dt.date.today().isoformat()}; commit measured: {commit()}",
        f"- Machine: {machine()}",
        f"- Load average (1 / 5 / 15 min): {start_load} at the start, {load()} at the end",
        f"- Command: `python bench/survey_bench.py --persons {args.persons} --rounds "
        f"{args.rounds}` (`make bench`); {(time.perf_counter() - started) / 60:.0f} min in all",
        f"- File: `bench/cache/{path.name}`: the sample layout's {args.persons:,} persons with "
        f"an integer weight, {REPLICATES} integer replicate weights (successive-difference "
        f"factors per cluster of {CLUSTER_HOUSEHOLDS} households), strata REGION and PSU.",
        "- Each run: `censusmig -q tabulate FILE -p PROFILE -o OUT --format csv --no-checks`, "
        "all 14 standard tables; paired rounds after a discarded warm-up, the order rotated; "
        "ratio = median of the per-round ratios to the unweighted run.",
        "",
        "| run | profile | median s | fastest - slowest s | ratio to unweighted | target "
        "| peak RSS MiB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    described = {
        "unweighted": "census profile, no weight",
        "weighted": "`[data] weight`, no design",
        "sdr80": f"`[design]` sdr, {REPLICATES} replicate weights",
        "taylor": "`[design]` taylor, strata REGION, PSUs PSU",
    }
    for config in runs:
        seconds = [s.seconds for s in samples[config.key]]
        ratio = statistics.median(s / b for s, b in zip(seconds, base, strict=True))
        target = ""
        if config.key == "sdr80":
            target = f"<= {TARGET}x: {'met' if ratio <= TARGET else 'missed'}"
        lines.append(
            f"| {config.key} | {described[config.key]} | {statistics.median(seconds):.2f} "
            f"| {min(seconds):.2f} - {max(seconds):.2f} | {ratio:.2f}x | {target} "
            f"| {max(s.peak_rss_mib for s in samples[config.key]):,.0f} |"
        )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
