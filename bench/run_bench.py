"""The censusmig benchmark: whole processes, paired against a hand-written Polars floor.

For each layout (the sample census, and a national office's numeric layout) and each size, it
generates the file once into bench/cache/ (the size in its name), checks that the layout's
floor computes exactly censusmig's inner cells (weighted values to 1e-9 relative), then
times whole processes, as a user runs them, in paired rounds:

    A  python bench/floor_<layout>.py FILE                     (the floor)
    B  censusmig -q tabulate FILE -p PROFILE -o OUT --format csv --no-checks   (tables only)
    C  censusmig -q tabulate FILE -p PROFILE -o OUT --format csv               (checks on)
    D  censusmig -q tabulate FILE -p PROFILE -o OUT            (default outputs and checks)

Each round runs A B C D in a rotated order (A B C D, B C D A, ...); the first round is a
warm-up and is discarded. Wall time (perf_counter around the child) and peak RSS (the child's
own rusage, from ``os.wait4``) per run; the ratio to the floor is the median of the per-round
ratios, set beside the issue's targets. A child's ``ru_maxrss`` starts at the RSS of the
process that spawned it (Linux records the spawning memory at ``exec``), so this process
imports no Polars or NumPy and stays at a few tens of MiB (its own peak is reported). The
in-process figures (``api.tabulate`` without checks or files vs the floor, and pandas with
``--pandas``) are kept beside them.
``--big`` adds the 100,000,000-person memory run (``tabulate --format csv``, checks on, and
``censusmig check``, peak RSS each). Results go to bench/RESULTS.md; text below the line
:data:`KEEP_BELOW` of an existing RESULTS.md is kept (hand-written notes).

Usage: python bench/run_bench.py [--sizes 1000000 10000000] [--rounds 5]
       [--layouts sample national] [--pandas] [--big]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from layouts import CACHE, LAYOUTS, ROOT, Layout, generate  # noqa: E402

KEEP_BELOW = "<!-- run_bench.py keeps the text below this line -->"
GIB = 1024  # MiB

TARGETS: dict[int, dict[str, float]] = {
    10_000_000: {"tables": 1.3, "default": 1.6},
    1_000_000: {"default": 2.5},
}
"""Persons -> run -> the issue's largest ratio to the floor (issue 13)."""

BIG_TARGET_MIB = 2 * GIB
"""Peak RSS allowed for ``tabulate`` and ``check`` on 100,000,000 persons (issue 13)."""


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def censusmig_command() -> list[str]:
    """The ``censusmig`` console script next to this Python, else ``python -m censusmig``."""
    script = Path(sys.executable).with_name("censusmig")
    return [str(script)] if script.exists() else [sys.executable, "-m", "censusmig"]


@dataclass(frozen=True)
class Config:
    """One whole-process command timed in the paired rounds.

    Attributes:
        key: Short name (``floor``, ``tables``, ``checks``, ``default``).
        label: How RESULTS.md names it.
        command: The command line.
        out: Output folder, removed before each run (untimed), or None.
        exit_codes: Exit codes that mean the run worked.
    """

    key: str
    label: str
    command: tuple[str, ...]
    out: Path | None = None
    exit_codes: tuple[int, ...] = (0,)


@dataclass(frozen=True)
class Sample:
    """One run of one command: wall seconds and the child's peak RSS."""

    seconds: float
    peak_rss_mib: float


def run_child(config: Config) -> Sample:
    """Run a command as a child process; its wall time and own peak RSS (``os.wait4``)."""
    if config.out is not None:
        shutil.rmtree(config.out, ignore_errors=True)
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(config.command, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in config.exit_codes:
            stderr.seek(0)
            tail = stderr.read().decode("utf-8", "replace")[-3000:]
            raise SystemExit(f"exit {child.returncode}: {shlex.join(config.command)}\n{tail}")
    return Sample(seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def configs(layout: Layout, path: Path, out: Path) -> list[Config]:
    """The floor and the three censusmig runs of the issue, for one file."""
    censusmig = censusmig_command()
    recipes = [item for recipe in layout.recipes for item in ("--recipe", recipe)]

    def tabulate(key: str, *options: str) -> tuple[str, ...]:
        folder = out / key
        return (
            *censusmig,
            "-q",
            "tabulate",
            str(path),
            "-p",
            str(layout.profile),
            "-o",
            str(folder),
            *options,
            *recipes,
        )

    return [
        Config("floor", "floor script", (sys.executable, str(layout.floor_script()), str(path))),
        Config(
            "tables",
            "tables only (`--format csv --no-checks`)",
            tabulate("tables", "--format", "csv", "--no-checks"),
            out / "tables",
        ),
        Config(
            "checks",
            "checks on (`--format csv`)",
            tabulate("checks", "--format", "csv"),
            out / "checks",
        ),
        Config(
            "default",
            "default outputs (csv, xlsx, html, checks)",
            tabulate("default"),
            out / "default",
        ),
    ]


def paired(runs: list[Config], rounds: int) -> dict[str, list[Sample]]:
    """``rounds`` paired rounds after one warm-up round; the order rotates every round."""
    samples: dict[str, list[Sample]] = {config.key: [] for config in runs}
    for number in range(rounds + 1):
        order = runs[number % len(runs) :] + runs[: number % len(runs)]
        for config in order:
            sample = run_child(config)
            if number > 0:
                samples[config.key].append(sample)
        kind = "warm-up" if number == 0 else f"round {number}/{rounds}"
        say(f"  {kind}: " + " ".join(c.key for c in order))
    return samples


def summarise(
    runs: list[Config], samples: dict[str, list[Sample]], persons: int
) -> list[dict[str, object]]:
    """Median, range, paired ratio to the floor, peak RSS and target of each run."""
    floor = [sample.seconds for sample in samples["floor"]]
    targets = TARGETS.get(persons, {})
    rows: list[dict[str, object]] = []
    for config in runs:
        seconds = [sample.seconds for sample in samples[config.key]]
        ratio = statistics.median(s / f for s, f in zip(seconds, floor, strict=True))
        target = targets.get(config.key)
        rows.append(
            {
                "key": config.key,
                "label": config.label,
                "median_s": round(statistics.median(seconds), 3),
                "min_s": round(min(seconds), 3),
                "max_s": round(max(seconds), 3),
                "ratio": round(ratio, 2),
                "peak_rss_mib": round(max(sample.peak_rss_mib for sample in samples[config.key])),
                "target": target,
                "met": None if target is None else ratio <= target,
            }
        )
    return rows


def check_equal(layout: Layout, path: Path, with_pandas: bool) -> str:
    """Stop unless the floor (and pandas) give censusmig's inner cells; the verdict line."""
    say(f"checking identical cells on {path.name} ({layout.name} layout)")
    command = [sys.executable, str(BENCH / "check_equal.py"), str(path), "--layout", layout.name]
    done = subprocess.run(
        command + (["--pandas"] if with_pandas else []), capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"the floor differs from censusmig on {path}: no timing would mean much")
    return done.stdout.strip().splitlines()[-1]


def in_process(method: str, layout: Layout, path: Path, repeats: int) -> dict[str, object]:
    """``bench/measure.py``: one warm-up then ``repeats`` runs in one fresh process."""
    say(f"in-process {method} on {path.name} ({repeats} runs after a warm-up)")
    done = subprocess.run(
        [sys.executable, str(BENCH / "measure.py"), method, str(path), str(repeats), layout.name],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def big_run(persons: int, layout: Layout) -> dict[str, object]:
    """Peak memory of ``tabulate`` (csv, checks on) and ``check`` on ``persons`` persons."""
    started = time.perf_counter()
    existed = layout.path(persons).exists()
    path = generate(layout, persons, say)
    generated = None if existed else round(time.perf_counter() - started, 1)
    censusmig = censusmig_command()
    recipes = [item for recipe in layout.recipes for item in ("--recipe", recipe)]
    out = CACHE / f"out_big_{layout.name}"
    runs = [
        Config(
            "tabulate",
            "`tabulate --format csv` (checks on)",
            (*censusmig, "-q", "tabulate", str(path), "-p", str(layout.profile), "-o", str(out))
            + ("--format", "csv", *recipes),
            out,
        ),
        # check exits 1 when an error-level check fails, which the national file's dirt does
        Config(
            "check",
            "`check`",
            (*censusmig, "-q", "check", str(path), "-p", str(layout.profile)),
            exit_codes=(0, 1),
        ),
    ]
    results = []
    for config in runs:
        say(f"big run: {config.key} on {path.name}")
        sample = run_child(config)
        results.append(
            {
                "label": config.label,
                "command": shlex.join(config.command),
                "seconds": round(sample.seconds, 1),
                "peak_rss_mib": round(sample.peak_rss_mib),
                "met": sample.peak_rss_mib <= BIG_TARGET_MIB,
            }
        )
    shutil.rmtree(out, ignore_errors=True)
    return {
        "persons": persons,
        "layout": layout.name,
        "file": _relative(path),
        "file_mb": round(path.stat().st_size / 1e6),
        "generated_s": generated,
        "runs": results,
    }


# --- the report ----------------------------------------------------------------------------


def machine() -> str:
    """Cores, memory, CPU model and system."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, {model}, {platform.system()}"


def own_peak_mib() -> float:
    """This process's peak RSS: no child's measured peak can read below it."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def versions(with_pandas: bool) -> str:
    """Python and the packages that do the work."""
    names = ["censusmig", "polars", "numpy", "pyarrow", *(["pandas"] if with_pandas else [])]
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return f"Python {platform.python_version()}; " + ", ".join(found)


def commit() -> str:
    """The git commit measured, marked when the work tree differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{head} ({branch}{', with uncommitted changes' if dirty else ''})"


def _met(row: dict[str, object]) -> str:
    target, met = row["target"], row["met"]
    if target is None:
        return ""
    assert isinstance(target, float) and isinstance(row["ratio"], float)
    return "met" if met else f"missed by {row['ratio'] - target:.2f}x"


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def report(results: dict[str, object], args: argparse.Namespace) -> str:
    """RESULTS.md: the conditions of the run, then the figures."""
    blocks = results["blocks"]
    assert isinstance(blocks, list)
    command = shlex.join(["python", "bench/run_bench.py", *sys.argv[1:]])
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {results['date']}; commit measured: {results['commit']}",
        f"- Machine: {machine()}",
        f"- Load average (1 / 5 / 15 min): {results['load_start']} at the start, "
        f"{results['load_end']} at the end",
        f"- {versions(args.pandas)}",
        f"- Command: `{command}` (`make bench`); {results['elapsed_min']:.0f} min in all",
        "- Layouts:",
    ]
    for name in args.layouts:
        lines.append(f"  - {name}: {LAYOUTS[name].description}")
    lines += [
        "- Whole processes, as a user runs them (interpreter start, imports, reading, files "
        "written), with FILE the layout's cached Parquet file:",
        "  - floor: `python bench/floor_<layout>.py FILE` (hand-written Polars: the same inner "
        "cells, one scan, `collect_all`)",
        "  - tables only: `censusmig -q tabulate FILE -p PROFILE -o OUT --format csv --no-checks`",
        "  - checks on: `censusmig -q tabulate FILE -p PROFILE -o OUT --format csv`",
        "  - default outputs: `censusmig -q tabulate FILE -p PROFILE -o OUT` (csv, xlsx, html, "
        "edit checks)",
        f"- Paired: {args.rounds} rounds after one discarded warm-up round, each round running "
        "the four in a rotated order; median wall time, fastest and slowest; ratio = median of "
        "the per-round ratios to the floor; peak RSS = the largest of the child's own "
        "`ru_maxrss` (`os.wait4`; it starts at the spawning process's RSS, here "
        f"{results['harness_mib']:.0f} MiB, so no figure can read below that).",
        "- Before any timing, the floor's inner cells are checked equal to censusmig's "
        "(`bench/check_equal.py`: records exactly, weighted values to 1e-9 relative).",
        "",
        "## Targets (issue 13)",
        "",
        "| layout | persons | run | ratio to floor | target | verdict |",
        "|---|---:|---|---:|---:|---|",
    ]
    for block in blocks:
        for row in block["rows"]:
            if row["target"] is not None:
                lines.append(
                    f"| {block['layout']} | {block['persons']:,} | {row['label']} "
                    f"| {row['ratio']:.2f}x | <= {row['target']}x | {_met(row)} |"
                )
    big = results.get("big")
    if isinstance(big, dict):
        for run in big["runs"]:
            lines.append(
                f"| {big['layout']} | {big['persons']:,} | {run['label']}: peak RSS "
                f"| {run['peak_rss_mib']:,} MiB | <= {BIG_TARGET_MIB:,} MiB "
                f"| {'met' if run['met'] else 'missed'} |"
            )
    if not any(row["target"] is not None for block in blocks for row in block["rows"]):
        lines.append("| | | (no size with a target measured: 1,000,000 and 10,000,000) | | | |")
    lines += ["", "## Whole processes, paired", ""]
    for block in blocks:
        lines += [
            f"### {block['layout']} layout, {block['persons']:,} persons",
            "",
            f"File `{block['file']}` ({block['file_mb']:,} MB); cells: {block['equal']}.",
            "",
            "| run | median s | fastest - slowest s | ratio to floor | target | verdict "
            "| peak RSS MiB |",
            "|---|---:|---:|---:|---:|---|---:|",
        ]
        for row in block["rows"]:
            target = f"<= {row['target']}x" if row["target"] is not None else ""
            lines.append(
                f"| {row['label']} | {row['median_s']:.2f} | {row['min_s']:.2f} - "
                f"{row['max_s']:.2f} | {row['ratio']:.2f}x | {target} | {_met(row)} "
                f"| {row['peak_rss_mib']:,} |"
            )
        lines.append("")
    inproc = [block for block in blocks if block.get("in_process")]
    if inproc:
        lines += [
            "## In process",
            "",
            "`bench/measure.py`: each method in a fresh process, one warm-up then "
            f"{args.rounds} run(s), median; censusmig is `api.tabulate(FILE, PROFILE, "
            "edit_checks=False)` (no files, no checks: the same work as the floor); peak RSS "
            "of that process.",
            "",
            "| layout | persons | censusmig s | floor s | censusmig / floor "
            "| censusmig RSS MiB | floor RSS MiB |"
            + (" pandas s | pandas / censusmig | pandas RSS MiB |" if args.pandas else ""),
            "|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if args.pandas else ""),
        ]
        for block in inproc:
            measured = block["in_process"]
            c, f = measured["censusmig"], measured["floor"]
            line = (
                f"| {block['layout']} | {block['persons']:,} | {c['median']} | {f['median']} "
                f"| {c['median'] / f['median']:.2f} | {c['peak_rss_mib']:,} "
                f"| {f['peak_rss_mib']:,} |"
            )
            p = measured.get("pandas")
            if args.pandas:
                line += (
                    f" {p['median']} | {p['median'] / c['median']:.1f} | {p['peak_rss_mib']:,} |"
                    if p
                    else " | | |"
                )
            lines.append(line)
        lines.append("")
    if isinstance(big, dict):
        made = (
            f"generated in {big['generated_s']} s for this run"
            if big["generated_s"] is not None
            else "taken from the cache"
        )
        lines += [
            f"## Memory, {big['persons']:,} persons ({big['layout']} layout)",
            "",
            f"File `{big['file']}` ({big['file_mb']:,} MB, {made}); one run each, whole process.",
            "",
            "| run | wall s | peak RSS MiB | target | verdict |",
            "|---|---:|---:|---:|---|",
        ]
        for run in big["runs"]:
            lines.append(
                f"| {run['label']} | {run['seconds']} | {run['peak_rss_mib']:,} "
                f"| <= {BIG_TARGET_MIB:,} | {'met' if run['met'] else 'missed'} |"
            )
        lines += ["", *(f"- `{run['command']}`" for run in big["runs"]), ""]
    return "\n".join(lines).rstrip() + "\n"


def kept_notes(path: Path) -> str:
    """The hand-written text below :data:`KEEP_BELOW` in an existing RESULTS.md."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    return text[text.index(KEEP_BELOW) :] if KEEP_BELOW in text else ""


def main() -> None:
    """Run the benchmark and write RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds after a warm-up")
    parser.add_argument(
        "--layouts", nargs="+", choices=tuple(LAYOUTS), default=list(LAYOUTS), metavar="LAYOUT"
    )
    parser.add_argument("--pandas", action="store_true", help="add pandas (sample layout)")
    parser.add_argument("--no-in-process", action="store_true", help="skip the in-process figures")
    parser.add_argument("--big", action="store_true", help="add the 100M-person memory run")
    parser.add_argument("--big-persons", type=int, default=100_000_000)
    parser.add_argument("--big-layout", choices=tuple(LAYOUTS), default="national")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    started = time.perf_counter()
    results: dict[str, object] = {
        "date": dt.date.today().isoformat(),
        "commit": commit(),
        "load_start": load(),
    }
    say(f"load average at the start: {results['load_start']}")
    blocks = []
    for name in args.layouts:
        layout = LAYOUTS[name]
        for persons in args.sizes:
            path = generate(layout, persons, say)
            pandas = args.pandas and layout.name == "sample"
            equal = check_equal(layout, path, pandas)
            out = CACHE / f"out_{layout.name}_{persons}"
            runs = configs(layout, path, out)
            say(f"paired whole-process runs on {path.name}: {args.rounds} rounds + warm-up")
            rows = summarise(runs, paired(runs, args.rounds), persons)
            shutil.rmtree(out, ignore_errors=True)
            block: dict[str, object] = {
                "layout": layout.name,
                "persons": persons,
                "file": _relative(path),
                "file_mb": round(path.stat().st_size / 1e6),
                "equal": equal,
                "rows": rows,
            }
            if not args.no_in_process:
                methods = ["censusmig", "floor", *(["pandas"] if pandas else [])]
                block["in_process"] = {
                    method: in_process(method, layout, path, args.rounds) for method in methods
                }
            say(json.dumps(block))
            blocks.append(block)
    results["blocks"] = blocks
    if args.big:
        results["big"] = big_run(args.big_persons, LAYOUTS[args.big_layout])
    results["load_end"] = load()
    results["harness_mib"] = own_peak_mib()
    results["elapsed_min"] = (time.perf_counter() - started) / 60
    say(f"load average at the end: {results['load_end']}")
    notes = kept_notes(args.out)
    text = report(results, args) + (f"\n{notes}" if notes else "")
    args.out.write_text(text, encoding="utf-8")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
