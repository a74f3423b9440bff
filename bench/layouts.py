"""The benchmark's two layouts: the sample census and a national file, each with its floor.

A layout is a way a census file is laid out (its columns and codes), the profile that tells
censusmig about it, the hand-written Polars floor computing the same inner cells, and how a
file of N persons is made (generated once into ``bench/cache/`` with the size in its name).
Files are generated in a child process, so that the process timing the runs stays small.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the benchmark's parent process imports no Polars (see run_bench.py)
    import polars as pl

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / "cache"


@dataclass(frozen=True)
class Layout:
    """One layout of the benchmark.

    Attributes:
        name: ``sample`` or ``national``.
        description: One line for RESULTS.md.
        profile: The profile censusmig reads it with.
        floor: Module (in ``bench/``) whose ``floor_cells(path)`` computes the inner cells.
        recipes: Recipe ids censusmig runs (the ones the floor reproduces); empty = all.
        weighted: Whether ``value`` is a sum of weights (compared to 1e-9 relative).
        file_stem: Cached files are ``bench/cache/<file_stem>_<persons>.parquet``.
    """

    name: str
    description: str
    profile: Path
    floor: str
    recipes: tuple[str, ...]
    weighted: bool
    file_stem: str

    def path(self, persons: int) -> Path:
        """The cached Parquet file of ``persons`` persons (not necessarily generated yet)."""
        return CACHE / f"{self.file_stem}_{persons}.parquet"

    def floor_script(self) -> Path:
        """The floor as a script: ``python <this> FILE`` computes and prints the cells."""
        return BENCH / f"{self.floor}.py"

    def floor_cells(self) -> Callable[[str], dict[str, pl.DataFrame]]:
        """The floor's ``floor_cells`` function."""
        if str(BENCH) not in sys.path:
            sys.path.insert(0, str(BENCH))
        module = importlib.import_module(self.floor)
        function: Callable[[str], dict[str, pl.DataFrame]] = module.floor_cells
        return function


SAMPLE = Layout(
    name="sample",
    description="the sample census of Quetzalia (`censusmig sample`, seed = persons), "
    "unweighted, 14 standard tables",
    profile=ROOT / "sample_microdata" / "census.profile.toml",
    floor="floor_polars",
    recipes=(),
    weighted=False,
    file_stem="persons",
)

NATIONAL = Layout(
    name="national",
    description="a national office's numeric layout (`bench/national.py`, seed 13): Austria "
    "coded 900, ISO numeric origins with historic codes, 9/99/999/9999 not stated, "
    "weight PWGT, 14 standard tables",
    profile=BENCH / "national.profile.toml",
    floor="floor_national",
    recipes=(),  # the floor reproduces all 14 standard recipes
    weighted=True,
    file_stem="national",
)

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (SAMPLE, NATIONAL)}

NATIONAL_SEED = 13


def generate(layout: Layout, persons: int, say: Callable[[str], None] = print) -> Path:
    """The layout's file of ``persons`` persons, generated into the cache if absent."""
    path = layout.path(persons)
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    say(f"generating {path.name}")
    if layout is NATIONAL:
        command = [sys.executable, str(BENCH / "national.py"), "--persons", str(persons)]
        command += ["--seed", str(NATIONAL_SEED), "--out", str(path)]
        subprocess.run(command, check=True)
        return path
    partial = path.with_name(path.stem + ".partial.parquet")
    command = [sys.executable, "-m", "censusmig", "--quiet", "sample", "--persons", str(persons)]
    command += ["--seed", str(persons), "--out", str(partial)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    partial.rename(path)
    return path
