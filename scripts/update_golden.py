"""Regenerate tests/golden/<recipe-id>.csv: every bundled recipe on the sample census.

Run with `make golden`, then review the diff: a change in a golden table is a change in what
censusmig publishes.
"""

from pathlib import Path

from censusmig import api

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"


def main() -> None:
    run = api.tabulate(
        ROOT / "sample_microdata" / "census.parquet",
        ROOT / "sample_microdata" / "census.profile.toml",
        command=["scripts/update_golden.py"],
    )
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for table in run.tables:
        path = GOLDEN / f"{table.recipe_id}.csv"
        table.cells.write_csv(path)
        print(path.relative_to(ROOT), table.cells.height, "cells")


if __name__ == "__main__":
    main()
