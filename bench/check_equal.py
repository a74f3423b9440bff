"""Check that the benchmark scripts compute exactly censusmig's inner cells.

Usage: ``python bench/check_equal.py FILE.parquet [--layout national] [--pandas]`` prints one
line per recipe and exits 1 if the layout's floor (Polars), or with ``--pandas`` the pandas
script (sample layout only), differs from censusmig on any recipe. Record counts must be
equal; weighted values (the national layout) equal to 1e-9 relative.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PROFILE = ROOT / "sample_microdata" / "census.profile.toml"
COUNTS = ("n_unweighted", "value")
TOTAL = "_T"
RELATIVE = 1e-9
"""Largest relative difference allowed between two weighted values."""


def censusmig_inner_cells(
    path: str | Path, profile: str | Path = PROFILE, recipes: Iterable[str] = ()
) -> dict[str, pl.DataFrame]:
    """censusmig's inner cells of every table: no ``_T`` in any level, no empty cell.

    Columns: each dimension's inner level (String), then ``n_unweighted`` and ``value``.
    """
    from censusmig import api

    run = api.tabulate(path, profile, recipes=recipes)
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
    """A polars frame of String dimensions, Int64 records, Float64 value, zero rows dropped."""
    if not isinstance(frame, pl.DataFrame):  # pandas
        frame = pl.from_pandas(frame.reset_index(drop=True))
    keys = [name for name in frame.columns if name not in COUNTS]
    return (
        frame.select(
            *(pl.col(key).cast(pl.String) for key in keys),
            pl.col("n_unweighted").cast(pl.Int64),
            pl.col("value").cast(pl.Float64),
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
    value, other = pl.col("value"), pl.col("value_right")
    differing = joined.filter(
        pl.col("n_unweighted").ne_missing(pl.col("n_unweighted_right"))
        | value.is_null()
        | other.is_null()
        | ((value - other).abs() > RELATIVE * pl.max_horizontal(value.abs(), other.abs()))
    )
    if differing.is_empty():
        return  # the weighted values differ in their last bits only
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


def main(path: str, layout_name: str = "sample", with_pandas: bool = False) -> int:
    """Check the floor (and pandas) against censusmig for every recipe of ``path``."""
    sys.path.insert(0, str(BENCH))
    from layouts import LAYOUTS

    layout = LAYOUTS[layout_name]
    reference = censusmig_inner_cells(path, layout.profile, layout.recipes)
    candidates = {"floor": layout.floor_cells()(path)}
    if with_pandas:
        if layout.name != "sample":
            raise SystemExit("the pandas script knows the sample layout only")
        from pandas_alt import pandas_cells

        candidates["pandas"] = pandas_cells(path)
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
    print(f"ALL EQUAL ({len(reference)} tables)" if not failures else f"{failures} DIFFERENCES")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--layout", choices=("sample", "national"), default="sample")
    parser.add_argument("--pandas", action="store_true", help="check the pandas script too")
    args = parser.parse_args()
    sys.exit(main(args.file, args.layout, args.pandas))
