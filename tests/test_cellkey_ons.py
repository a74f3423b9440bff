"""The reference test: censusmig's cell-key method gives the ONS package's perturbed counts.

The UK Office for National Statistics publishes the cell-key method of its 2021 census outputs
as the Python package ``cell-key-perturbation`` (3.1.0, a test dependency: the ``dev`` extra,
which ``.ci/run`` installs through ``make test``). Given the same record keys (censusmig's,
from ``PERSON_ID`` and a seed) and the same perturbation table (censusmig's default, the
ONS's own ``ptable_10_5_rule.csv``, which depends on the count only, and a table whose
perturbation jumps from cell key to cell key), its ``create_perturbed_table`` and
:func:`censusmig.protection.cellkey.perturb` must publish the same count for every cell of a
set of tables of the sample census.

The deliberate difference: the ONS package has no totals (it perturbs the cells of one
cross-classification); censusmig perturbs every margin as a cell of its own, with the key of
its own records. So a censusmig margin must equal the ONS result of the coarser table (the
same tab_vars without the dimensions at total): that is checked here for every margin.

CI sets CENSUSMIG_REQUIRE_REAL_APPS=1, so a missing package fails there; elsewhere the test
is skipped with a reason that says so.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from cellkey_helpers import KEY, counted
from censusmig.classifications.codes import TOTAL
from censusmig.protection.cellkey import PTable, default_ptable, perturb, read_ptable
from censusmig.protection.keys import record_key
from censusmig.tables.table import N_UNWEIGHTED
from helpers import ROOT, SAMPLE_DIR

REQUIRED = os.environ.get("CENSUSMIG_REQUIRE_REAL_APPS") == "1"
SEED = 20261203
ALL = "_all"
"""A constant column: the ONS tab_var of the grand total (the package needs one variable)."""

TABLES: tuple[tuple[str, ...], ...] = (
    ("REGION", "SEX"),
    ("AGE_BAND", "SEX"),
    ("REGION", "REGION_BIRTH", "SEX"),
    ("DISTRICT", "POB"),  # many cells of 1 and 2
    ("CIT", "RES5"),
)


def ons() -> Any:
    try:
        from cell_key_perturbation.create_perturbed_table import create_perturbed_table
    except ImportError:
        what = "the ONS package cell-key-perturbation is not installed (pip install '.[dev]')"
        if REQUIRED:
            pytest.fail(f"{what}; it is required here (CENSUSMIG_REQUIRE_REAL_APPS=1)")
        pytest.skip(what)
    return create_perturbed_table


def ons_ptable_path() -> Path:
    files = importlib.metadata.files("cell-key-perturbation") or []
    found = [f for f in files if f.name == "ptable_10_5_rule.csv"]
    assert found, "cell-key-perturbation 3.1.0 ships ptable_10_5_rule.csv"
    return Path(str(found[0].locate()))


@pytest.fixture(scope="module")
def census() -> pl.DataFrame:
    data = pl.read_parquet(SAMPLE_DIR / "census.parquet")
    return data.with_columns(
        record_key(["PERSON_ID"], data.schema, SEED).alias(KEY),
        (pl.col("AGE") // 15).alias("AGE_BAND"),
        pl.lit(1).alias(ALL),
    )


def ons_cells(
    create: Any, data: pl.DataFrame, ptable: Any, tab_vars: Sequence[str]
) -> pl.DataFrame:
    """The ONS package's perturbed cells of ``tab_vars`` (codes as text), observed cells."""
    columns = list(tab_vars) or [ALL]
    result = create(
        data=data.select(*columns, KEY).to_pandas(),
        ptable=ptable,
        geog=[],
        tab_vars=columns,
        record_key=KEY,
        threshold=0,
    )
    frame = pl.from_pandas(result[[*columns, "pre_sdc_count", "count"]])
    # the package lists every combination of the codes; unobserved ones stay 0
    assert (frame.filter(pl.col("pre_sdc_count") == 0)["count"] == 0).all()
    return frame.filter(pl.col("pre_sdc_count") > 0).select(
        *([pl.col(ALL)] if not tab_vars else []),
        *(pl.col(c).cast(pl.String) for c in tab_vars),
        pl.col("pre_sdc_count").cast(pl.Int64),
        pl.col("count").cast(pl.Int64),
    )


@pytest.fixture(scope="module")
def scrambled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 750-row table whose perturbation jumps from key to key (a wrong key shows at once)."""
    rng = np.random.default_rng(11)
    pcv = np.repeat(np.arange(1, 751), 256)
    pvalue = np.maximum(rng.integers(-3, 4, pcv.size), -pcv)
    path = tmp_path_factory.mktemp("ptable") / "scrambled.csv"
    pl.DataFrame({"pcv": pcv, "ckey": np.tile(np.arange(256), 750), "pvalue": pvalue}).write_csv(
        path
    )
    return path


@pytest.mark.parametrize("ptable_name", ["default", "ons_10_5", "scrambled"])
@pytest.mark.parametrize("dims", TABLES, ids="-".join)
def test_censusmig_publishes_the_ons_packages_counts(
    census: pl.DataFrame,
    dims: tuple[str, ...],
    ptable_name: str,
    scrambled: Path,
    capsys: Any,
) -> None:
    import pandas as pd

    create = ons()
    path = {
        "default": ROOT / "src/censusmig/protection/data/ptable_default.csv",
        "ons_10_5": ons_ptable_path(),
        "scrambled": scrambled,
    }[ptable_name]
    theirs_ptable = pd.read_csv(path)
    ours_ptable: PTable = default_ptable() if ptable_name == "default" else read_ptable(path)
    computed = counted(census, list(dims))
    published = perturb(computed, ours_ptable).cells.with_columns(
        computed.cells[N_UNWEIGHTED].alias("computed")
    )
    checked = 0
    for size in range(len(dims), -1, -1):
        for kept in combinations(dims, size):
            at_total = [d for d in dims if d not in kept]
            ours = published.filter(
                *(pl.col(d) == TOTAL for d in at_total), *(pl.col(d) != TOTAL for d in kept)
            ).select(*kept, "computed", N_UNWEIGHTED)
            theirs = ons_cells(create, census, theirs_ptable, kept)
            joined = (
                ours.join(theirs, on=list(kept), how="full", nulls_equal=True)
                if kept
                else pl.concat([ours, theirs.drop(ALL)], how="horizontal")
            )
            assert joined.height == ours.height == theirs.height, (kept, "cells differ")
            assert (joined["computed"] == joined["pre_sdc_count"]).all(), kept
            differ = joined.filter(pl.col(N_UNWEIGHTED) != pl.col("count"))
            assert differ.is_empty(), (kept, differ.head())
            checked += joined.height
    capsys.readouterr()  # the ONS package prints "Input validation completed."
    assert checked == published.height
    # the tables are perturbed at all, and the margins too
    assert (published["computed"] != published[N_UNWEIGHTED]).any()
