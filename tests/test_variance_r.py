"""Survey estimates against the reference implementation, R's survey package (Lumley).

tests/r/survey_reference.R runs once per session (a few seconds): it exports the package's own
``api`` data (apistrat, apiclus1, apiclus2 and a paired design built from apistrat for BRR
and Fay) as CSV, builds the designs (Taylor: stratified with and without fpc, one-stage
cluster with fpc, two-stage cluster as an ultimate cluster; replicate: JK1, bootstrap, JKn,
BRR, Fay from ``as.svrepdesign``; a lonely PSU under each ``survey.lonely.psu`` option) and
writes svytotal, svymean, svyratio and svyby estimates and SEs. Each design is then tabulated
by censusmig's public API from the same CSV with a profile written here, and every cell R
computed must agree to 1e-6 relative.

How the schools are persons to censusmig (it counts persons by categorical dimensions): the
school type stype (E, H, M) is the geography ``region``, sch.wide (met the school-wide target,
Yes/No) is ``sex`` (Yes -> M, No -> F) and comp.imp (Yes/No) is ``disability`` (Yes ->
with_disability); the mapping is made in the R script, whose header says more.

CI sets CENSUSMIG_REQUIRE_REAL_APPS=1 (.ci/run installs r-base-core and r-cran-survey), so a
missing R fails there; elsewhere the comparison is skipped with a reason that says so.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.errors import CensusmigError

R_SCRIPT = Path(__file__).parent / "r" / "survey_reference.R"
RSCRIPT = shutil.which("Rscript")
REQUIRED = os.environ.get("CENSUSMIG_REQUIRE_REAL_APPS") == "1"
TOLERANCE = 1e-6
"""Largest relative difference allowed between R's number and censusmig's."""

DESIGNS = (
    "strat", "strat_fpc", "clus1", "clus2", "paired",
    "jk1", "bootstrap", "jkn", "brr", "fay",
    "lonely_certainty", "lonely_remove", "lonely_adjust", "lonely_average",
)  # fmt: skip
"""The designs compared (designs.csv also has lonely_fail, an error in both)."""

DEFAULT_SCALES = {
    "brr": lambda replicates, rho: 1 / replicates,
    "fay": lambda replicates, rho: 1 / (replicates * (1 - rho) ** 2),
    "jk1": lambda replicates, rho: (replicates - 1) / replicates,
    "jkn": lambda replicates, rho: 1.0,
    "bootstrap": lambda replicates, rho: 1 / (replicates - 1),
    "sdr": lambda replicates, rho: 4 / replicates,
}
"""censusmig's default scale by method (prompt15's interface): the profile states R's scale
only where it differs (the fpc folded into JK1's and the bootstrap's), so the defaults are
tested wherever R's equal them (BRR, Fay)."""

ZERO_SE = 1e-2
"""An SE is compared relative to at least this fraction of its estimate (a CV of 1%).

Only the cells a design fixes exactly come near it: under JKn each school type is a stratum
whose total every replicate reproduces, so its true SE is 0; R computes 0 to 1e-11 and
censusmig about 1e-6 (1e-9 of the estimate), as it sums replicate weights in fixed-point
units of 1e-8 (each replicate weight rounded to 8 decimals, REPLICATE_DECIMALS) and, with
R's default mse = FALSE, centres them on their own mean. Every other SE here is above 2% of
its estimate, so this floor loosens no other comparison."""

ROW_DIMENSION = {"api_region_sex": "region", "api_disability_sex": "disability"}
"""Recipe -> the dimension of R's ``row`` column (the other one is always ``sex``)."""

RECIPES = {
    "api_region_sex": """
title = "Schools by school type and school-wide growth target"
rows = ["region"]
columns = ["sex"]
[options]
percent_of = ["sex"]   # svyby(~sch.wide, ~stype, svymean): a share within each school type
""",
    "api_disability_sex": """
title = "Schools by comparable-improvement and school-wide growth targets"
rows = ["disability"]
columns = ["sex"]
[options]
percent_of = ["disability", "sex"]   # svymean of the cell indicators: a share of all schools
""",
}

PROFILE_HEAD = """schema_version = 2
[census]
name = "California Academic Performance Index, R survey's api data"
country = "USA"
reference_date = 2000-01-01
residence_rule_months = 12
[data]
person_id = "id"
weight = "pw"
[geography]
levels = [{ name = "region", column = "region", labels = { "E" = "Elementary", "H" = "High", "M" = "Middle" } }]
[concepts]
sex = { column = "sex", codes = { "1" = "M", "2" = "F" } }
disability = { column = "disability", codes = { "1" = "with_disability", "2" = "without_disability" } }
"""  # noqa: E501


def need_r() -> None:
    """Skip (fail in CI) unless Rscript and R's survey package are installed."""
    problem = None
    if RSCRIPT is None:
        problem = "Rscript is not installed"
    else:
        loaded = subprocess.run(
            [RSCRIPT, "-e", "suppressPackageStartupMessages(library(survey))"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if loaded.returncode != 0:
            problem = "R's survey package is not installed"
    if problem is None:
        return
    what = (
        f"{problem}: the comparison of censusmig's survey estimates with R's survey package "
        "DID NOT RUN (install Debian's r-base-core and r-cran-survey, as .ci/run does)"
    )
    if REQUIRED:
        pytest.fail(f"{what}; it is required here (CENSUSMIG_REQUIRE_REAL_APPS=1)")
    pytest.skip(what)


@dataclass(frozen=True)
class Design:
    """One design of designs.csv: what R built, for the profile's [design] table."""

    name: str
    data: Path
    method: str
    strata: str
    psu: str
    fpc: str
    lonely_psu: str
    replicates: int
    scale: float | None
    mse: bool
    rho: float | None
    rscales: tuple[float, ...]

    def design_toml(self) -> str:
        """The profile's [design] table that describes this design to censusmig."""
        lines = ["[design]", f'method = "{self.method}"']
        if self.method == "taylor":
            lines += [f'{key} = "{value}"' for key, value in self.columns().items()]
            lines.append(f'lonely_psu = "{self.lonely_psu or "fail"}"')
            return "\n".join(lines) + "\n"
        lines.append(f'replicate_weights = "RW1..RW{self.replicates}"')
        if self.method == "fay":
            assert self.rho is not None
            lines.append(f"rho = {self.rho!r}")
        default = DEFAULT_SCALES[self.method](self.replicates, self.rho or 0.0)
        assert self.scale is not None
        if not math.isclose(self.scale, default, rel_tol=1e-15):
            lines.append(f"scale = {self.scale!r}")
        if any(rscale != 1.0 for rscale in self.rscales):
            lines.append(f"rscales = [{', '.join(repr(rscale) for rscale in self.rscales)}]")
        # R's mse = FALSE (its default) centres the replicates at their mean.
        lines.append(f'center = "{"estimate" if self.mse else "replicate_mean"}"')
        return "\n".join(lines) + "\n"

    def columns(self) -> dict[str, str]:
        """The design's strata, PSU and fpc columns (Taylor), by profile key."""
        named = {"strata": self.strata, "psu": self.psu, "fpc": self.fpc}
        return {key: column for key, column in named.items() if column}


@dataclass(frozen=True)
class Reference:
    """What the R script wrote: the designs and R's results."""

    folder: Path
    designs: Mapping[str, Design]
    results: tuple[dict[str, str], ...]
    version: str

    def of(self, design: str) -> list[dict[str, str]]:
        """R's results on one design."""
        return [row for row in self.results if row["design"] == design]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def number(text: str) -> float | None:
    return None if text == "NA" else float(text)


def read_reference(folder: Path) -> Reference:
    designs = {}
    for row in read_csv(folder / "designs.csv"):
        replicates = int(row["replicates"])
        rscales: tuple[float, ...] = ()
        if replicates:
            rscales = tuple(
                float(r["rscale"]) for r in read_csv(folder / f"rscales_{row['design']}.csv")
            )
        designs[row["design"]] = Design(
            name=row["design"],
            data=folder / row["data"],
            method=row["method"],
            strata=row["strata"],
            psu=row["psu"],
            fpc=row["fpc"],
            lonely_psu=row["lonely_psu"],
            replicates=replicates,
            scale=number(row["scale"]),
            mse=row["mse"] == "TRUE",
            rho=number(row["rho"]),
            rscales=rscales,
        )
    return Reference(
        folder=folder,
        designs=designs,
        results=tuple(read_csv(folder / "results.csv")),
        version=(folder / "VERSION").read_text(encoding="utf-8").strip(),
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """R's designs and results: one run of the R script for the whole module."""
    need_r()
    assert RSCRIPT is not None
    folder = tmp_path_factory.mktemp("survey_r")
    completed = subprocess.run(
        [RSCRIPT, "--vanilla", str(R_SCRIPT), str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return read_reference(folder)


@pytest.fixture(scope="module")
def recipes_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two recipes the comparison tabulates."""
    folder = tmp_path_factory.mktemp("recipes")
    for recipe_id, body in RECIPES.items():
        (folder / f"{recipe_id}.toml").write_text(
            f'schema_version = 1\nid = "{recipe_id}"\n'
            'description = "Compared with R\'s survey package in tests/test_variance_r.py."\n'
            'standard = ["R survey package, api data (Lumley)"]\n'
            'universe = { label = "Schools", where = [] }\nnotes = []\n' + body,
            encoding="utf-8",
        )
    return folder


def write_profile(folder: Path, design: Design) -> Path:
    path = folder / f"{design.name}.profile.toml"
    path.write_text(PROFILE_HEAD + design.design_toml(), encoding="utf-8")
    return path


def tabulate(design: Design, folder: Path, recipes_dir: Path) -> dict[str, pl.DataFrame]:
    """censusmig's tables of one design, by recipe id (nothing written)."""
    run = api.tabulate(
        design.data,
        write_profile(folder, design),
        recipes=list(RECIPES),
        recipes_dirs=[recipes_dir],
        out=None,
    )
    return {table.recipe_id: table.cells for table in run.tables}


@dataclass(frozen=True)
class Comparison:
    """One number compared: R's and censusmig's."""

    design: str
    quantity: str
    r: float
    censusmig: float | None
    floor: float = 0.0
    """Smallest denominator of the relative difference (see :data:`ZERO_SE`)."""

    @property
    def difference(self) -> float:
        """Relative difference (absolute when R's number is 0); inf when censusmig has none."""
        if self.censusmig is None or math.isnan(self.censusmig):
            return math.inf
        scale = max(abs(self.r), self.floor)
        if scale == 0:
            return abs(self.censusmig)
        return abs(self.censusmig - self.r) / scale

    def line(self) -> str:
        shown = "-" if self.censusmig is None else f"{self.censusmig:.12g}"
        return (
            f"{self.design:<17} {self.quantity:<58} {self.r:>20.12g} {shown:>20} "
            f"{self.difference:>9.2e}"
        )


def comparisons(
    design: str, rows: list[dict[str, str]], tables: Mapping[str, pl.DataFrame]
) -> Iterator[Comparison]:
    """Every number R computed on a design, beside censusmig's for the same cell."""
    for row in rows:
        cells = tables[row["recipe"]]
        dimension = ROW_DIMENSION[row["recipe"]]
        cell = cells.filter((pl.col(dimension) == row["row"]) & (pl.col("sex") == row["sex"]))
        assert cell.height == 1, (row, cell)
        percent = row["measure"] == "percent"
        factor = 100.0 if percent else 1.0  # censusmig's percent and percent_se are x100
        name = f"{row['recipe']}[{row['row']},{row['sex']}] {row['fun']}"
        estimate = factor * float(row["estimate"])
        for measure, r_column, floor in (
            ("percent" if percent else "value", "estimate", 0.0),
            ("percent_se" if percent else "se", "se", ZERO_SE * abs(estimate)),
        ):
            value = cell[measure][0] if measure in cell.columns else None
            r = factor * float(row[r_column])
            yield Comparison(design, f"{name} {measure}", r, value, floor)


SUBSET_FIRST = ("svyby_svytotal", "svyby_svymean")
"""R's functions that subset the design to the domain before estimating (svyby)."""

LONELY_AVERAGE_STRATA = {"E": (10, 10), "H": (5, 5), "M": (5, 4)}
"""School type -> (strata with its schools, those with more than one PSU) in lonely_average.

Under ``survey.lonely.psu = "average"`` R's svyby scales a domain's variance by the strata
left after subsetting (those with records in the domain) over those of them with more than
one PSU, while svytotal of the domain's indicator on the full design (and svyratio) scales by
the file's 20 strata over 19. The issue asks for the full design ("never by subsetting the
records first"), as prompt15's formula says: censusmig is compared with svytotal and svyratio
there, and R's svyby is checked to differ by exactly that factor."""


@dataclass(frozen=True)
class Compared:
    """One design's comparisons, or the error censusmig raised on it."""

    design: Design
    comparisons: tuple[Comparison, ...] = ()
    error: Exception | None = None

    @property
    def largest(self) -> float:
        """The largest relative difference (inf when censusmig failed)."""
        return max((c.difference for c in self.comparisons), default=math.inf)

    @property
    def largest_se(self) -> float:
        """The largest relative difference of an SE (inf when censusmig failed)."""
        errors = [c.difference for c in self.comparisons if c.quantity.endswith("se")]
        return max(errors, default=math.inf)

    def table(self, version: str) -> str:
        """The comparison table printed in the test log."""
        lines = [f"R survey {version}, design {self.design.name}:", self.design.design_toml()]
        lines.append(f"{'design':<17} {'quantity':<58} {'R':>20} {'censusmig':>20} {'rel.diff':>9}")
        lines += [comparison.line() for comparison in self.comparisons]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def compared(
    reference: Reference, recipes_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Compared]:
    """Every design tabulated by censusmig once, beside R's numbers."""
    folder = tmp_path_factory.mktemp("profiles")
    found = {}
    for name in DESIGNS:
        design = reference.designs[name]
        rows = reference.of(name)
        assert len(rows) == 49  # 32 numbers on api_region_sex's cells, 17 on api_disability_sex's
        if name == "lonely_average":
            rows = [row for row in rows if row["fun"] not in SUBSET_FIRST]
        try:
            tables = tabulate(design, folder, recipes_dir)
        except CensusmigError as error:
            found[name] = Compared(design, error=error)
            continue
        found[name] = Compared(design, tuple(comparisons(name, rows, tables)))
    return found


@pytest.mark.parametrize("name", DESIGNS)
def test_censusmig_agrees_with_r_survey(
    name: str, compared: dict[str, Compared], reference: Reference
) -> None:
    result = compared[name]
    if result.error is not None:
        raise result.error
    print(result.table(reference.version))
    wrong = [c.line() for c in result.comparisons if c.difference > TOLERANCE]
    assert not wrong, "censusmig differs from R's survey package:\n" + "\n".join(wrong)


def test_summary_of_the_largest_differences(
    compared: dict[str, Compared], reference: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    """Show, for the closing note, the largest relative difference on each design."""
    lines = [
        f"censusmig vs R {reference.version}: largest relative difference by design",
        f"  {'design':<17} {'numbers':>7} {'any':>9} {'of an SE':>9}",
    ]
    for name in DESIGNS:
        result = compared[name]
        lines.append(
            f"  {name:<17} {len(result.comparisons):>7} {result.largest:>9.2e} "
            f"{result.largest_se:>9.2e}"
        )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert all(compared[name].largest <= TOLERANCE for name in DESIGNS)


def test_the_designs_are_the_ones_r_built(reference: Reference) -> None:
    assert set(reference.designs) == {*DESIGNS, "lonely_fail"}
    assert {row["design"] for row in reference.results} == set(reference.designs)
    # The replicate designs have their replicate weights, and JKn its per-replicate rscales.
    jkn = reference.designs["jkn"]
    assert jkn.replicates == 200 and len(set(jkn.rscales)) == 3
    header = (reference.folder / "data_jkn.csv").read_text(encoding="utf-8").split("\n")[0]
    assert header.endswith(",RW1,RW2," + ",".join(f"RW{i}" for i in range(3, 201)))


def test_r_svyby_averages_a_lonely_stratum_over_the_domains_strata(reference: Reference) -> None:
    rows = reference.of("lonely_average")
    full_design = Fraction(20, 19)
    for fun, same in (("svyby_svytotal", "svytotal"), ("svyby_svymean", "svyratio")):
        for row in (row for row in rows if row["fun"] == fun):
            (other,) = (
                o["se"]
                for o in rows
                if o["fun"] == same and (o["row"], o["sex"]) == (row["row"], row["sex"])
            )
            strata, ok = LONELY_AVERAGE_STRATA[row["row"]]
            factor = math.sqrt(Fraction(strata, ok) / full_design)
            assert float(row["se"]) == pytest.approx(float(other) * factor, rel=1e-12), row


def test_a_lonely_psu_with_fail_is_an_error_in_both(
    reference: Reference, recipes_dir: Path, tmp_path: Path
) -> None:
    (r_error,) = (row["message"] for row in reference.of("lonely_fail"))
    assert r_error == "Stratum (M4) has only one PSU at stage 1"
    design = reference.designs["lonely_fail"]
    with pytest.raises(CensusmigError) as raised:
        tabulate(design, tmp_path, recipes_dir)
    assert raised.value.exit_code == 2
    message = str(raised.value)
    assert "1 of the design's 20 strata have a single PSU" in message, message
    assert 'lonely_psu = "certainty", "remove", "adjust" or "average"' in message, message


# --- successive difference replication, against the formula by hand (no R) ---

SDR_DATA = """id,sex,w,RW1,RW2,RW3,RW4,RW5
1,1,10,12,8,10,11,10
2,1,20,20,22,17,20,18
3,2,30,33,30,30,27,30
4,2,40,40,40,44,40,42
"""
"""Four persons, two men (totals 30 | 32 30 27 31 28) and two women (70 | 73 70 74 67 72)."""

SDR_PROFILE = """schema_version = 2
[census]
name = "A hand-computed successive-difference example"
country = "USA"
reference_date = 2020-04-01
residence_rule_months = 12
[data]
person_id = "id"
weight = "w"
[concepts]
sex = { column = "sex", codes = { "1" = "M", "2" = "F" } }
[design]
method = "sdr"
replicate_weights = "RW1..RW5"
"""

SDR_RECIPE = """schema_version = 1
id = "sdr_sex"
title = "Persons by sex"
description = "A hand-computed successive-difference example."
standard = ["ACS Design and Methodology, chapter 12: successive difference replication"]
universe = { label = "Persons", where = [] }
rows = ["sex"]
columns = []
notes = []
[options]
percent_of = ["sex"]
"""


def write_sdr(folder: Path, data: str = SDR_DATA, design: str = "") -> tuple[Path, Path, Path]:
    (folder / "recipes").mkdir(exist_ok=True)
    (folder / "recipes" / "sdr_sex.toml").write_text(SDR_RECIPE, encoding="utf-8")
    (folder / "sdr.csv").write_text(data, encoding="utf-8")
    profile = SDR_PROFILE if not design else SDR_PROFILE.split("[design]")[0] + design
    (folder / "sdr.profile.toml").write_text(profile, encoding="utf-8")
    return folder / "sdr.csv", folder / "sdr.profile.toml", folder / "recipes"


def sdr_cells(folder: Path) -> dict[str, dict[str, object]]:
    data, profile, recipes = write_sdr(folder)
    run = api.tabulate(data, profile, recipes=["sdr_sex"], recipes_dirs=[recipes], out=None)
    return {row["sex"]: row for row in run.tables[0].cells.to_dicts()}


def test_successive_difference_replication_by_hand(tmp_path: Path) -> None:
    # Variance = 4/R x sum of squared deviations from the full-sample estimate, R = 5 (4/80
    # with the ACS's 80). Men: 30 | 32 30 27 31 28, deviations 2 0 -3 1 -2, squares 18;
    # women: 70 | 73 70 74 67 72, deviations 3 0 4 -3 2, squares 38; everyone: 100 |
    # 105 100 101 98 100, deviations 5 0 1 -2 0, squares 30.
    cells = sdr_cells(tmp_path)
    expected = {"M": (30, 4 / 5 * 18), "F": (70, 4 / 5 * 38), "_T": (100, 4 / 5 * 30)}
    for sex, (value, variance) in expected.items():
        assert cells[sex]["value"] == pytest.approx(value, rel=1e-12)
        assert cells[sex]["se"] == pytest.approx(math.sqrt(variance), rel=1e-12), sex
    # The share of men, a ratio: 30/100 | 32/105 30/100 27/101 31/98 28/100; deviations
    # 1/210, 0, -33/1010, 4/245, -1/50 (exact fractions).
    deviations = [
        Fraction(1, 210),
        Fraction(0),
        Fraction(-33, 1010),
        Fraction(4, 245),
        Fraction(-1, 50),
    ]
    assert [
        Fraction(32, 105),
        Fraction(30, 100),
        Fraction(27, 101),
        Fraction(31, 98),
        Fraction(28, 100),
    ] == [Fraction(3, 10) + deviation for deviation in deviations]
    variance = Fraction(4, 5) * sum(deviation**2 for deviation in deviations)
    assert cells["M"]["percent"] == pytest.approx(30.0, rel=1e-12)
    assert cells["M"]["percent_se"] == pytest.approx(100 * math.sqrt(variance), rel=1e-12)
    assert cells["F"]["percent_se"] == pytest.approx(100 * math.sqrt(variance), rel=1e-12)


# --- invalid designs: a clear error (exit 2), never a traceback ---


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "censusmig", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(api.__file__).parents[1])},
    )


def refused(folder: Path, data: str, design: str) -> str:
    """The message of the error a design gives, from the API and the command line alike."""
    paths = write_sdr(folder, data, design)
    with pytest.raises(CensusmigError) as raised:
        api.tabulate(paths[0], paths[1], recipes=["sdr_sex"], recipes_dirs=[paths[2]], out=None)
    assert raised.value.exit_code == 2
    completed = cli(
        "tabulate", str(paths[0]), "--profile", str(paths[1]), "--recipes-dir", str(paths[2]),
        "--recipe", "sdr_sex", "--out", str(folder / "out"),
    )  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
    return str(raised.value)


def test_missing_replicate_weights_are_named(tmp_path: Path) -> None:
    design = '[design]\nmethod = "sdr"\nreplicate_weights = "RW1..RW7"\n'
    message = refused(tmp_path, SDR_DATA, design)
    assert "RW6" in message and "RW7" in message, message


def test_a_non_positive_weight_is_refused(tmp_path: Path) -> None:
    data = SDR_DATA.replace("2,1,20,", "2,1,0,").replace("3,2,30,", "3,2,-30,")
    message = refused(tmp_path, data, '[design]\nmethod = "sdr"\nreplicate_weights = "RW1..RW5"\n')
    assert "2 with a weight of zero or less in 'w' ([data] weight)" in message, message
    assert "values not shown" in message, message


def test_a_lonely_psu_with_fail_is_refused(tmp_path: Path) -> None:
    data = "id,sex,w,stratum,psu\n1,1,10,1,1\n2,1,20,1,2\n3,2,30,2,1\n4,2,40,2,1\n"
    design = '[design]\nmethod = "taylor"\nstrata = "stratum"\npsu = "psu"\nlonely_psu = "fail"\n'
    message = refused(tmp_path, data, design)
    assert "1 of the design's 2 strata have a single PSU" in message, message
    assert "lonely_psu" in message, message
