"""Check that the benchmark scripts compute exactly censusmig's inner cells.

Usage: ``python bench/check_equal.py FILE.parquet`` prints one line per recipe and exits 1 if
the floor (Polars) or the pandas script differs from censusmig on any recipe.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "sample_microdata" / "census.profile.toml"
COUNTS = ("n_unweighted", "value")
TOTAL = "_T"


def censusmig_inner_cells(path: str | Path) -> dict[str, pl.DataFrame]:
    """censusmig's inner cells of every table: no ``_T`` in any level, no empty cell.

    Columns: each dimension's inner level (String), then ``n_unweighted`` and ``value``.
    """
    from censusmig import api

    run = api.tabulate(path, PROFILE)
    cells: dict[str, pl.DataFrame] = {}
    for table in run.tables:
        inner = [dimension.levels[-1] for dimension in table.dimensions]
        cells[table.recipe_id] = (
            table.cells.filter(*(pl.col(level) != TOTAL for level in table.level_columns))
            .filter(pl.col("n_unweighted") != 0)
            .select(*inner, *COUNTS)
        )
    return cells


def _normalised(frame: Any) -> pl.DataFrame:
    """A polars frame of String dimensions and Int64 counts, zero rows dropped, sorted."""
    if not isinstance(frame, pl.DataFrame):  # pandas
        frame = pl.from_pandas(frame.reset_index(drop=True))
    keys = [name for name in frame.columns if name not in COUNTS]
    return (
        frame.select(
            *(pl.col(key).cast(pl.String) for key in keys),
            *(pl.col(name).cast(pl.Int64) for name in COUNTS),
        )
        .filter(pl.col("n_unweighted") != 0)
        .sort(keys)
    )


def _compare(recipe: str, left: Any, right: Any, name: str) -> None:
    a, b = _normalised(left), _normalised(right)
    if sorted(a.columns) != sorted(b.columns):
        raise AssertionError(f"{recipe} ({name}): columns differ: {a.columns} vs {b.columns}")
    b = b.select(a.columns)
    if a.equals(b):
        return
    keys = [column for column in a.columns if column not in COUNTS]
    joined = a.join(b, on=keys, how="full", coalesce=True, suffix="_right", nulls_equal=True)
    differing = joined.filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_right")) for c in COUNTS)
    )
    with pl.Config(tbl_rows=10, tbl_cols=-1, tbl_width_chars=200):
        shown = str(differing.head(10))
    raise AssertionError(
        f"{recipe} ({name}): {differing.height} differing cells "
        f"(left {a.height} cells, {a['n_unweighted'].sum()} records; "
        f"right {b.height} cells, {b['n_unweighted'].sum()} records):\n{shown}"
    )


def assert_same(a: Mapping[str, Any], b: Mapping[str, Any], name: str) -> None:
    """Raise AssertionError unless ``a`` and ``b`` hold the same inner cells for every recipe.

    ``name`` says what is compared (e.g. "floor vs censusmig"); the error names the recipe and
    shows a few differing rows (``*_right`` columns are ``b``'s counts, null = cell absent).
    """
    if set(a) != set(b):
        raise AssertionError(f"{name}: recipes differ: {sorted(set(a) ^ set(b))}")
    for recipe in a:
        _compare(recipe, a[recipe], b[recipe], name)


def main(path: str) -> int:
    """Check floor == censusmig and pandas == censusmig for every recipe of ``path``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from floor_polars import floor_cells
    from pandas_alt import pandas_cells

    reference = censusmig_inner_cells(path)
    candidates = {"floor": floor_cells(path), "pandas": pandas_cells(path)}
    failures = 0
    for recipe, cells in reference.items():
        verdicts = []
        for label, computed in candidates.items():
            if recipe not in computed:
                failures += 1
                verdicts.append(f"{label} MISSING")
                continue
            try:
                assert_same({recipe: computed[recipe]}, {recipe: cells}, label)
            except AssertionError as error:
                failures += 1
                verdicts.append(f"{label} DIFFERS")
                print(error, file=sys.stderr)
            else:
                verdicts.append(f"{label} ==")
        records = int(cells["n_unweighted"].sum())
        print(f"{recipe:50s} {cells.height:6d} cells {records:9d} records  {', '.join(verdicts)}")
    extra = {r for computed in candidates.values() for r in computed} - set(reference)
    if extra:
        failures += 1
        print(f"recipes not in censusmig: {sorted(extra)}")
    print("ALL EQUAL" if not failures else f"{failures} DIFFERENCES")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python bench/check_equal.py FILE.parquet")
    sys.exit(main(sys.argv[1]))
