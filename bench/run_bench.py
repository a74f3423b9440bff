"""The censusmig benchmark: speed and memory against the floor and the usual alternative.

For each size it generates (once, cached in bench/cache/) a sample-census Parquet file with
``censusmig sample``, checks that censusmig, the hand-written Polars floor and the pandas
version give identical inner cells for all 14 standard tables, then times each (median of
REPEATS runs after one warm-up, each method in its own process) and records its peak RSS.
``--big`` adds the 100,000,000-person streaming run and the 10,000,000-person CSV -> Parquet
conversion. Results go to bench/RESULTS.md.

Usage: python bench/run_bench.py [--sizes 1000000 10000000] [--repeats 5] [--big]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / "cache"
CENSUSMIG = [sys.executable, "-m", "censusmig", "--quiet"]
METHODS = ("censusmig", "floor", "pandas")
PROFILE = ROOT / "sample_microdata" / "census.profile.toml"


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sample(persons: int, suffix: str = "parquet") -> Path:
    """The cached sample-census file of ``persons`` persons (seed = persons, for variety)."""
    path = CACHE / f"persons_{persons}.{suffix}"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        say(f"generating {path.name}")
        partial = path.with_suffix(".partial")
        cmd = [*CENSUSMIG, "sample", "--persons", str(persons), "--seed", str(persons), "--out"]
        subprocess.run([*cmd, str(partial) + path.suffix], check=True, stdout=subprocess.DEVNULL)
        Path(str(partial) + path.suffix).rename(path)
    return path


def measure(method: str, path: Path, repeats: int) -> dict[str, object]:
    say(f"timing {method} on {path.name} ({repeats} runs after a warm-up)")
    done = subprocess.run(
        [sys.executable, str(BENCH / "measure.py"), method, str(path), str(repeats)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def check_equal(path: Path) -> str:
    say(f"checking identical cells on {path.name}")
    done = subprocess.run(
        [sys.executable, str(BENCH / "check_equal.py"), str(path)], capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"the three methods differ on {path}: the benchmark would be worthless")
    return "identical (14 tables)"


def timed_command(command: list[str]) -> dict[str, float]:
    """Wall time and peak RSS of a command, measured by GNU time (Debian package ``time``)."""
    if not Path("/usr/bin/time").exists():
        raise SystemExit("--big measures peak memory with GNU time: apt-get install time")
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    peak = next(
        int(line.split(":")[1]) for line in done.stderr.splitlines() if "Maximum resident" in line
    )
    return {"seconds": round(seconds, 1), "peak_rss_mib": round(peak / 1024)}


def streaming_run(persons: int) -> dict[str, float]:
    path = sample(persons)
    say(f"streaming censusmig over {path.name}")
    out = CACHE / f"out_{persons}"
    command = [*CENSUSMIG, "tabulate", str(path), "-p", str(PROFILE), "-o", str(out), "-f", "csv"]
    return timed_command(command)


def conversion(persons: int) -> dict[str, float]:
    """CSV -> Parquet with `censusmig convert` (streaming, labels kept), whole process."""
    csv = sample(persons, "csv")
    target = CACHE / f"converted_{persons}.parquet"
    say(f"converting {csv.name} to Parquet")
    result = timed_command([*CENSUSMIG, "convert", str(csv), "--to", str(target)])
    megabytes = csv.stat().st_size / 1e6
    result["csv_mb"] = round(megabytes)
    result["mb_per_s"] = round(megabytes / result["seconds"], 1)
    return result


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.machine()}, {platform.system()}"


def report(
    rows: list[dict[str, object]], extra: dict[str, object], args: argparse.Namespace
) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {dt.date.today().isoformat()}",
        f"- Machine: {machine()}",
        f"- Python {platform.python_version()}; censusmig {version('censusmig')}, "
        f"polars {version('polars')}, pandas {version('pandas')}, numpy {version('numpy')}",
        f"- Command: `{' '.join(['python', 'bench/run_bench.py', *sys.argv[1:]])}` (`make bench`)",
        "- Work: the 14 standard tables of the sample-census profile, unweighted (the sample",
        "  is a full count; replicate weights do not exist in censusmig yet). censusmig computes",
        "  the tables with every margin, zero cell, order and label (`api.tabulate`, no files",
        "  written); the floor and pandas compute the same inner cells, checked identical first.",
        f"- Times: median of {args.repeats} runs after one warm-up, each method in its own"
        " process;",
        "  peak RSS of that process.",
        "",
        "| persons | cells | censusmig s | floor s | pandas s | censusmig / floor "
        "| pandas / censusmig | censusmig RSS MiB | floor RSS MiB | pandas RSS MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        c, f, p = (row[m] for m in METHODS)
        assert isinstance(c, dict) and isinstance(f, dict) and isinstance(p, dict)
        lines.append(
            f"| {row['persons']:,} | {row['equal']} | {c['median']} | {f['median']} "
            f"| {p['median']} "
            f"| {c['median'] / f['median']:.2f} | {p['median'] / c['median']:.1f} "
            f"| {c['peak_rss_mib']:,} | {f['peak_rss_mib']:,} | {p['peak_rss_mib']:,} |"
        )
    if "streaming" in extra:
        s = extra["streaming"]
        assert isinstance(s, dict)
        lines += [
            "",
            f"Streaming run, {s['persons']:,} persons (Parquet read in slices of 5,000,000"
            " records): "
            f"{s['seconds']} s, peak RSS {s['peak_rss_mib']:,} MiB "
            "(`censusmig tabulate ... -f csv`, whole process, /usr/bin/time).",
        ]
    for key in ("conversion_1m", "conversion"):
        if key not in extra:
            continue
        c = extra[key]
        assert isinstance(c, dict)
        lines += [
            "",
            f"CSV -> Parquet, {c['persons']:,} persons ({c['csv_mb']:,} MB of CSV): "
            f"{c['seconds']} s, {c['mb_per_s']} MB/s, peak RSS {c['peak_rss_mib']:,} MiB"
            " (`censusmig -q convert CSV --to PARQUET`, whole process).",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--big", action="store_true", help="add the 100M streaming run")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    for persons in args.sizes:
        path = sample(persons)
        row: dict[str, object] = {"persons": persons, "equal": check_equal(path)}
        for method in METHODS:
            row[method] = measure(method, path, args.repeats)
        rows.append(row)
        say(json.dumps(row))
    extra: dict[str, object] = {}
    if args.big:
        extra["conversion"] = {"persons": 10_000_000, **conversion(10_000_000)}
        extra["conversion_1m"] = {"persons": 1_000_000, **conversion(1_000_000)}
        extra["streaming"] = {"persons": 100_000_000, **streaming_run(100_000_000)}
    args.out.write_text(report(rows, extra, args), encoding="utf-8")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
