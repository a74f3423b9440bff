"""Run the generated-input suite: N seeded cases through the real CLI, failures grouped by cause.

    python scripts/fuzz.py --cases 1000 --seed 12 [--workers 2] [--keep] [--only 17,42]

Prints a summary (cases, passes, failures by signature with the kinds of input behind each)
and keeps each failing case under out/fuzz/failures/<signature>/case_<id>/ (inputs, command,
stdout, stderr, repro.sh). Exit 0 when every case passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fuzz.generators import generate_case  # noqa: E402
from fuzz.oracle import TIMEOUT_SECONDS, Outcome, run_case, save_failure  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="number of cases")
    parser.add_argument("--seed", type=int, default=12, help="seed of the generator")
    parser.add_argument("--start", type=int, default=0, help="index of the first case")
    parser.add_argument("--only", default="", help="comma-separated case indices to run")
    parser.add_argument("--workers", type=int, default=2, help="cases run at once")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds a case")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "fuzz", help="output folder")
    parser.add_argument("--keep", action="store_true", help="keep every case folder")
    args = parser.parse_args()

    indices = (
        [int(i) for i in args.only.split(",") if i.strip()]
        if args.only
        else list(range(args.start, args.start + args.cases))
    )
    failures = args.out / "failures"
    shutil.rmtree(failures, ignore_errors=True)
    failures.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="censusmig-fuzz-", dir=args.out))
    start = time.monotonic()

    def one(index: int) -> Outcome:
        case = generate_case(args.seed, index)
        try:
            outcome = run_case(case, work, timeout=args.timeout)
        except Exception as error:  # a bug of the harness must not end the whole run
            problem = f"harness_error_{type(error).__name__}"
            folder = work / f"case_{case.case_id:05d}"
            outcome = Outcome(case, None, 0.0, [problem], b"", repr(error).encode(), folder)
        if not outcome.passed:
            save_failure(outcome, failures)
        if not args.keep and outcome.folder.parent == work:
            shutil.rmtree(outcome.folder, ignore_errors=True)
        return outcome

    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        for done, outcome in enumerate(pool.map(one, indices), 1):
            outcomes.append(outcome)
            mark = "." if outcome.passed else "F"
            print(mark, end="" if done % 80 else f" {done}\n", flush=True)
    print()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - start
    report = summarise(outcomes, elapsed, args.seed)
    (args.out / "summary.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_summary(report, failures, work if args.keep else None)
    return 0 if report["failures"] == 0 else 1


def summarise(outcomes: list[Outcome], elapsed: float, seed: int) -> dict[str, object]:
    """Counts by family and failures by signature (with the kinds of input behind each)."""
    groups: dict[str, list[Outcome]] = collections.defaultdict(list)
    for outcome in outcomes:
        if not outcome.passed:
            groups[outcome.signature].append(outcome)
    families = collections.Counter(o.case.family for o in outcomes)
    problems = collections.Counter(p for o in outcomes for p in o.problems)
    return {
        "seed": seed,
        "cases": len(outcomes),
        "passes": sum(o.passed for o in outcomes),
        "failures": sum(not o.passed for o in outcomes),
        "seconds": round(elapsed, 1),
        "slowest_seconds": round(max((o.seconds for o in outcomes), default=0.0), 1),
        "families": dict(families),
        "problems": dict(problems.most_common()),
        "signatures": {
            signature: {
                "count": len(members),
                "cases": [o.case.case_id for o in members],
                "kinds": dict(collections.Counter(o.case.kind for o in members).most_common(8)),
            }
            for signature, members in sorted(groups.items(), key=lambda g: -len(g[1]))
        },
    }


def print_summary(report: dict[str, object], failures: Path, kept: Path | None) -> None:
    print(
        f"censusmig fuzz: seed {report['seed']}: {report['cases']} cases, {report['passes']} "
        f"passed, {report['failures']} failed in {report['seconds']} s "
        f"(slowest case {report['slowest_seconds']} s); families {report['families']}"
    )
    signatures = report["signatures"]
    assert isinstance(signatures, dict)
    for signature, group in signatures.items():
        cases = ", ".join(str(c) for c in group["cases"][:8])
        print(f"  {group['count']:4d}  {signature}  (cases {cases})")
        for kind, count in group["kinds"].items():
            print(f"          {count:3d} x {kind}")
    if signatures:
        print(f"Failing cases kept under {failures}/<signature>/case_<id>/ (repro.sh in each)")
    if kept:
        print(f"Every case folder kept under {kept}")


if __name__ == "__main__":
    sys.exit(main())
