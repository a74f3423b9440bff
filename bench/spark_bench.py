"""The Spark engine beside the default (Polars) engine: time and ratio on one machine.

Whole-process runs on the benchmark's sample-layout files (``bench/cache/persons_<n>.parquet``,
1,000,000 and 10,000,000 persons by default), paired in rotated rounds as in ``run_bench.py``:
``censusmig -q tabulate FILE -p PROFILE -o OUT --format csv --no-checks --engine ENGINE``
with all 14 standard tables; Spark in local mode on every core of this machine
(``--spark-master local[*]``). Before anything is timed, the two engines' tidy CSVs of each
file are compared byte for byte: a benchmark of an engine that gives other numbers would
measure nothing. Written to bench/SPARK.md.

Usage: python bench/spark_bench.py [--sizes 1000000,10000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from layouts import CACHE, SAMPLE, generate  # noqa: E402
from run_bench import Config, censusmig_command, commit, load, machine, paired, say  # noqa: E402

ENGINES = ("polars", "spark")


def command(path: Path, engine: str, out: Path) -> tuple[str, ...]:
    """The timed command line: the 14 standard tables, tidy CSV only, no edit checks."""
    line = (*censusmig_command(), "-q", "tabulate", str(path), "-p", str(SAMPLE.profile))
    line += ("-o", str(out), "--format", "csv", "--no-checks", "--engine", engine)
    return line


def same_tables(path: Path, out: Path) -> int:
    """Run both engines once on ``path``; the number of tidy CSVs, all byte-identical."""
    folders = {}
    for engine in ENGINES:
        folder = out / f"check_{engine}"
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(command(path, engine, folder), check=True, stdout=subprocess.DEVNULL)
        folders[engine] = folder
    names = sorted(p.name for p in (folders["polars"] / "csv").glob("*.csv"))
    spark_names = sorted(p.name for p in (folders["spark"] / "csv").glob("*.csv"))
    if names != spark_names or not names:
        raise SystemExit(f"{path.name}: the engines wrote different tables: {spark_names}")
    for name in names:
        polars = (folders["polars"] / "csv" / name).read_bytes()
        if polars != (folders["spark"] / "csv" / name).read_bytes():
            raise SystemExit(f"{path.name}: {name} differs between the engines")
    return len(names)


def tree_peak_mib(config: Config) -> float:
    """Peak RSS of a run's whole process tree (censusmig, Spark's JVM, its Python workers).

    Sampled every 0.1 s with psutil during one extra run: ``os.wait4`` in the paired rounds
    sees only the processes the command waited for, which leaves out Spark's JVM and workers.
    """
    import psutil

    if config.out is not None:
        shutil.rmtree(config.out, ignore_errors=True)
    child = subprocess.Popen(config.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        total = 0
        try:
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        peak = max(peak, total)
        time.sleep(0.1)
    if child.wait() != 0:
        raise SystemExit(f"{' '.join(config.command)} failed")
    return peak / 2**20


def main() -> None:
    """Check that the engines agree, time them in paired rounds, write bench/SPARK.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=BENCH / "SPARK.md")
    args = parser.parse_args()
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        raise SystemExit("the Spark bench needs pyspark and java: pip install '.[spark]'")
    sizes = [int(size) for size in args.sizes.split(",")]
    started = time.perf_counter()
    start_load = load()
    out = CACHE / "out_spark"
    rows = []
    for persons in sizes:
        path = generate(SAMPLE, persons, say)
        tables = same_tables(path, out)
        say(f"{path.name}: the {tables} tidy CSVs are the same bytes with both engines")
        runs = [
            Config(engine, engine, command(path, engine, out / engine), out / engine)
            for engine in ENGINES
        ]
        say(f"paired whole-process runs on {path.name}: {args.rounds} rounds + warm-up")
        samples = paired(runs, args.rounds)
        base = [s.seconds for s in samples["polars"]]
        for config in runs:
            seconds = [s.seconds for s in samples[config.key]]
            ratio = statistics.median(s / b for s, b in zip(seconds, base, strict=True))
            tree = tree_peak_mib(config)
            rows.append(
                f"| {persons:,} | {config.key} | {statistics.median(seconds):.2f} "
                f"| {min(seconds):.2f} - {max(seconds):.2f} | {ratio:.2f}x | {tree:,.0f} |"
            )
    lines = [
        "# The Spark engine beside the default engine",
        "",
        f"- Date: {dt.date.today().isoformat()}; commit measured: {commit()}",
        f"- Machine: {machine()}",
        f"- Load average (1 / 5 / 15 min): {start_load} at the start, {load()} at the end",
        f"- Command: `python bench/spark_bench.py --sizes {args.sizes} --rounds {args.rounds}` "
        f"(`make bench-spark`); {(time.perf_counter() - started) / 60:.0f} min in all",
        "",
        "Each run: `censusmig -q tabulate FILE -p sample_microdata/census.profile.toml -o OUT "
        "--format csv --no-checks --engine ENGINE` (the 14 standard tables; Spark in local mode, "
        "`local[*]`, with its JVM start-up inside the time), on one Parquet file of the sample "
        "layout (`bench/cache/persons_<n>.parquet`). Before the rounds, both engines' tidy CSVs "
        "of each file were compared and are the same bytes. Paired rounds after a discarded "
        "warm-up, the order rotated; ratio = median of the per-round ratios to the default "
        "engine. Peak RSS: of the whole process tree (censusmig, and for Spark its JVM and "
        "Python workers), sampled every 0.1 s during one more run of each.",
        "",
        "| persons | engine | median s | fastest - slowest s | ratio | peak RSS of the tree MiB |",
        "|---:|---|---:|---:|---:|---:|",
        *rows,
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
