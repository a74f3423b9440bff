"""Public microdata written by others, committed in tests/data/public (sources, licences, the
review's edits: tests/data/public/README.md): carData's GSSvocab (US General Social Survey
1978-2016, a yes/no born-in-the-US question, no weight) and laeken's eusilc (synthetic EU-SILC
Austria 2006: weights, households, a grouped citizenship AT / EU / Other).

Each file has a profile drafted by ``censusmig profile init`` (profiles/drafts/) and reviewed
by hand (profiles/). Its headline figures are computed twice: by ``tabulate`` with the reviewed
profile, and by plain Polars from the CSV.

The committed drafts are not compared byte for byte with what ``profile init`` writes today:
the drafter is being improved (banded age, born-abroad labels, geography, country names) and
each improvement would break such a test without anything being wrong. Instead the committed
draft must still be refused by ``tabulate``, and today's draft must validate and be no further
from the reviewed profile, in settings, than the committed draft was (drafts may only get
closer to what a reviewer writes).
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.profiles.model import read_profile
from censusmig.tables.table import MEASURES
from helpers import ROOT

PUBLIC = ROOT / "tests" / "data" / "public"
RECIPES = PUBLIC / "recipes"
GSS = PUBLIC / "gss_vocab.csv.gz"
GSS_PROFILE = ROOT / "profiles" / "gss_vocab_1978_2016.toml"
GSS_DRAFT = ROOT / "profiles" / "drafts" / "gss_vocab.draft.toml"
SILC = PUBLIC / "eusilc_at_2006.csv.gz"
SILC_PROFILE = ROOT / "profiles" / "eusilc_at_2006.toml"
SILC_DRAFT = ROOT / "profiles" / "drafts" / "eusilc_at_2006.draft.toml"


def total(cells: pl.DataFrame, **codes: str) -> pl.DataFrame:
    """The cell with the given codes and ``_T`` in every other level column."""
    levels = [c for c in cells.columns if c not in MEASURES and not c.endswith("_label")]
    wanted = {level: "_T" for level in levels} | codes
    return cells.filter(*(pl.col(k) == v for k, v in wanted.items()))


def settings(path: Path) -> dict[str, Any]:
    """A profile's settings as flat key paths (``concepts.sex.codes.male``) and values."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else key, item)
        else:
            flat[prefix] = value

    walk("", tomllib.loads(path.read_text()))
    return flat


def edits(draft: Path, reviewed: Path) -> set[str]:
    """The settings a review added, removed or changed."""
    a, b = settings(draft), settings(reviewed)
    return {key for key in a.keys() | b.keys() if a.get(key, None) != b.get(key, None)}


def changed_lines(draft: Path, reviewed: Path) -> int:
    """Lines only in one of the two files, as ``diff draft reviewed | grep -c '^[<>]'``."""
    import difflib

    diff = difflib.unified_diff(draft.read_text().splitlines(), reviewed.read_text().splitlines())
    return sum(1 for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---")))


# --- GSSvocab: US General Social Survey, 1978-2016 ---------------------------------------------


@pytest.fixture(scope="module")
def gss() -> pl.DataFrame:
    return pl.read_csv(GSS, infer_schema_length=0).with_columns(pl.col("age").cast(pl.Int64))


@pytest.fixture(scope="module")
def gss_run() -> api.Tabulation:
    return api.tabulate(
        GSS,
        GSS_PROFILE,
        recipes=["nativity_age_sex", "nativity_gss_age_band_sex"],
        recipes_dirs=[RECIPES],
    )


def test_gss_nativity_by_sex_equals_plain_polars(
    gss: pl.DataFrame, gss_run: api.Tabulation
) -> None:
    cells = gss_run.tables[0].cells
    answer = {"yes": "native_born", "no": "foreign_born", None: "_U"}
    sex = {"male": "M", "female": "F"}
    counts = gss.group_by("gender", "nativeBorn").len()
    for row in counts.iter_rows(named=True):
        cell = total(cells, sex=sex[row["gender"]], nativity=answer[row["nativeBorn"]])
        assert cell["n_unweighted"].item() == cell["value"].item() == row["len"]
    assert total(cells, nativity="foreign_born")["value"].item() == 2_556  # carData's summary
    assert total(cells, nativity="native_born")["value"].item() == 26_224
    assert total(cells)["value"].item() == gss.height == 28_867
    assert gss_run.tables[0].accounting.reconciles
    assert gss_run.manifest["unknown_codes"] == {}


def test_gss_five_year_groups_equal_plain_polars(
    gss: pl.DataFrame, gss_run: api.Tabulation
) -> None:
    cells = gss_run.tables[0].cells
    group = (
        pl.when(pl.col("age").is_null())
        .then(pl.lit("_U"))
        .when(pl.col("age") >= 85)
        .then(pl.lit("Y_GE85"))
        .otherwise(pl.format("Y{}T{}", pl.col("age") // 5 * 5, pl.col("age") // 5 * 5 + 4))
    )
    expected = gss.filter(pl.col("nativeBorn") == "no").group_by(group.alias("g")).len()
    for row in expected.iter_rows(named=True):
        cell = total(cells, age_group=row["g"], nativity="foreign_born")
        assert cell["value"].item() == row["len"], row["g"]
    assert total(cells, age_group="Y0T4")["value"].item() == 0  # adults only


def test_gss_nativity_by_the_authors_age_bands(gss: pl.DataFrame, gss_run: api.Tabulation) -> None:
    # censusmig's bands from single years equal the ageGroup column carData's authors wrote
    table = next(t for t in gss_run.tables if t.recipe_id == "nativity_gss_age_band_sex")
    found = {
        (row["age_group_label"], row["nativity"]): row["value"]
        for row in table.cells.filter(
            pl.col("sex") == "_T", pl.col("age_group") != "_T", pl.col("nativity") != "_T"
        ).iter_rows(named=True)
    }
    answer = {"yes": "native_born", "no": "foreign_born", None: "_U"}
    expected = gss.group_by("ageGroup", "nativeBorn").len()
    assert len(expected) == 18  # five bands and not stated, by three answers
    for row in expected.iter_rows(named=True):
        band = row["ageGroup"] if row["ageGroup"] is not None else "Not stated"
        assert found[(band, answer[row["nativeBorn"]])] == row["len"]
    assert [found[("0-17", n)] for n in ("native_born", "foreign_born", "_U")] == [0, 0, 0]


def test_gss_one_round_through_a_subset_file_or_a_population(
    gss: pl.DataFrame, tmp_path: Path
) -> None:
    # One round (2016): a subset file, or the pooled file with a [population] on `year`.
    subset = tmp_path / "gss_2016.csv"
    pl.read_csv(GSS, infer_schema_length=0).filter(pl.col("year") == "2016").write_csv(subset)
    cells = api.tabulate(subset, GSS_PROFILE, recipes=["nativity_age_sex"]).tables[0].cells
    round_2016 = gss.filter(pl.col("year") == "2016")
    assert total(cells)["value"].item() == round_2016.height == 1_888
    foreign = round_2016.filter(pl.col("nativeBorn") == "no").height
    assert total(cells, nativity="foreign_born")["value"].item() == foreign
    text = GSS_PROFILE.read_text(encoding="utf-8")
    population = '[population]\nlabel = "2016 round"\nconditions = ["year = 2016"]\n\n[census]'
    profile = tmp_path / "gss_2016.toml"
    profile.write_text(text.replace("[census]", population, 1), encoding="utf-8")
    run = api.tabulate(GSS, profile, recipes=["nativity_age_sex"])
    assert run.tables[0].cells.equals(cells)
    assert run.record.input.records_outside_population == gss.height - 1_888


def test_gss_born_abroad_is_abroad_country_not_stated(gss: pl.DataFrame) -> None:
    # nativeBorn "no" maps to abroad_U: the foreign-born by country table shows every one of
    # them as "Abroad, country not stated", in no region; the total is unchanged.
    run = api.tabulate(GSS, GSS_PROFILE, recipes=["foreign_born_country_of_birth_age_sex"])
    cells = run.tables[0].cells
    assert set(cells["country_of_birth"]) == {"_T", "abroad_U"}
    foreign = total(cells, region_of_birth="_U", country_of_birth="abroad_U")
    assert foreign["country_of_birth_label"].item() == "Abroad, country not stated"
    assert foreign["value"].item() == gss.filter(pl.col("nativeBorn") == "no").height == 2_556
    assert total(cells)["value"].item() == 2_556
    assert run.manifest["unknown_codes"] == {}


def test_gss_person_ids_are_distinct_as_written(gss: pl.DataFrame) -> None:
    # id ("1978.1", "1978.10") is the profile's person id, read as text: no duplicates
    report = api.check(GSS, GSS_PROFILE)
    assert gss["id"].n_unique() == gss.height == 28_867
    assert report.result("duplicate_person_id").records == 0
    assert report.result("duplicate_person_id").skipped is None


# --- eusilc: synthetic EU-SILC, Austria 2006 ---------------------------------------------------


@pytest.fixture(scope="module")
def silc() -> pl.DataFrame:
    return pl.read_csv(SILC, infer_schema_length=None)


@pytest.fixture(scope="module")
def silc_run() -> api.Tabulation:
    return api.tabulate(
        SILC, SILC_PROFILE, recipes=["citizenship_sex_region"], recipes_dirs=[RECIPES]
    )


def test_silc_weighted_citizenship_by_sex_equals_plain_polars(
    silc: pl.DataFrame, silc_run: api.Tabulation
) -> None:
    cells = silc_run.tables[0].cells
    country = {"AT": "AUT", "EU": "XEU", "Other": "XXX", None: "_U"}
    sex = {"male": "M", "female": "F"}
    sums = silc.group_by("pb220a", "rb090").agg(pl.col("rb050").sum(), pl.len())
    assert len(sums) == 8
    for row in sums.iter_rows(named=True):
        cell = cells.filter(  # the country's own row, in whatever region M49 puts it
            pl.col("region") == "_T",
            pl.col("citizenship") == country[row["pb220a"]],
            pl.col("sex") == sex[row["rb090"]],
        )
        assert cell["n_unweighted"].item() == row["len"]
        assert cell["value"].item() == pytest.approx(row["rb050"], abs=1e-6)
    grand = total(cells)
    assert grand["n_unweighted"].item() == silc.height == 14_827
    # 14,827 weights of 12 decimals, each summed at 9 (6.8e-7 below the exact sum
    # 8182222.0000000012), stated at 6 decimals: 8182221.999999
    assert grand["value"].item() == pytest.approx(silc["rb050"].sum(), abs=2e-6)
    assert grand["value"].item() == 8_182_221.999999
    assert round(grand["value"].item()) == 8_182_222  # R: sum(eusilc$rb050)
    # the citizenship of children under 16 is not asked: empty, counted as not stated
    children = silc.filter(pl.col("age") < 16)
    assert (
        total(cells, citizenship="_U", region_of_citizenship="_U")["n_unweighted"].item()
        == children.height
        == silc["pb220a"].null_count()
    )
    assert silc_run.tables[0].accounting.reconciles


def test_silc_weighted_totals_by_region_equal_plain_polars(
    silc: pl.DataFrame, silc_run: api.Tabulation
) -> None:
    cells = silc_run.tables[0].cells
    by_region = silc.group_by("db040").agg(pl.col("rb050").sum(), pl.len())
    assert len(by_region) == 9  # the nine federal states
    for row in by_region.iter_rows(named=True):
        cell = total(cells, region=row["db040"])
        assert cell["n_unweighted"].item() == row["len"]
        assert cell["value"].item() == pytest.approx(row["rb050"], abs=1e-6)


def test_silc_check_is_clean_and_age_minus_one_is_under_five(silc: pl.DataFrame) -> None:
    results = {r.id: r for r in api.check(SILC, SILC_PROFILE).results}
    for rule in ("unknown_code", "age_out_of_range", "weight_missing", "weight_not_positive"):
        assert results[rule].records == 0, rule
    assert results["duplicate_person_id"].records == 0
    assert results["person_in_two_households"].records == 0
    run = api.tabulate(SILC, SILC_PROFILE, recipes=["age_sex"], recipes_dirs=[RECIPES])
    cells = run.tables[0].cells
    young = silc.filter(pl.col("age") <= 4)  # the 64 persons aged -1 counted as 0
    assert silc.filter(pl.col("age") == -1).height == 64
    cell = total(cells, age_group="Y0T4")
    assert cell["n_unweighted"].item() == young.height
    assert cell["value"].item() == pytest.approx(young["rb050"].sum(), abs=1e-6)


# --- drafts and reviews -------------------------------------------------------------------------

REVIEWS = {
    "gss": (
        GSS,
        GSS_DRAFT,
        GSS_PROFILE,
        {
            "census.name",
            "census.country",
            "census.reference_date",
            "data.person_id",
            "concepts.country_of_birth.column",
            "concepts.country_of_birth.codes.yes",
            "concepts.country_of_birth.codes.no",
        },
        32,
    ),
    "eusilc": (
        SILC,
        SILC_DRAFT,
        SILC_PROFILE,
        {
            "census.name",
            "census.country",
            "census.reference_date",
            "concepts.age.codes.-1",
            "concepts.citizenship.case_insensitive",
            "concepts.citizenship.codes.AT",
            "concepts.citizenship.codes.EU",
            "concepts.citizenship.codes.Other",
            "design.method",
            "design.strata",
            "design.psu",
        },
        66,
    ),
}


@pytest.mark.parametrize("name", sorted(REVIEWS))
def test_the_review_edits_are_the_ones_listed(name: str) -> None:
    _, draft, reviewed, listed, lines = REVIEWS[name]
    # the figures of tests/data/public/README.md
    assert edits(draft, reviewed) == listed
    assert changed_lines(draft, reviewed) == lines
    assert read_profile(reviewed).placeholders == ()


@pytest.mark.parametrize("name", sorted(REVIEWS))
def test_the_committed_draft_is_refused_and_todays_draft_is_no_further(
    name: str, tmp_path: Path
) -> None:
    data, draft, reviewed, listed, _ = REVIEWS[name]
    assert read_profile(draft).placeholders == ("census.country", "census.reference_date")
    result = CliRunner().invoke(
        app, ["tabulate", str(data), "-p", str(draft), "-o", str(tmp_path / "out")]
    )
    assert (result.exit_code, result.stdout) == (2, "")
    assert "census.reference_date: still the draft's" in result.stderr

    fresh = api.init_profile(data, tmp_path / "draft.toml")
    read_profile(fresh)  # today's draft validates
    assert len(edits(fresh, reviewed)) <= len(listed)


def test_todays_drafts_find_eusilc_names_and_word_codes(tmp_path: Path) -> None:
    silc = settings(api.init_profile(SILC, tmp_path / "silc.toml"))
    assert (silc["data.person_id"], silc["data.household_id"], silc["data.weight"]) == (
        "rb030",
        "db030",
        "rb050",
    )
    assert silc["concepts.sex.codes.male"] == "M" and silc["concepts.sex.codes.female"] == "F"
    assert silc["concepts.citizenship.column"] == "pb220a"
    assert silc["geography.levels"][0]["column"] == "db040"
    gss = settings(api.init_profile(GSS, tmp_path / "gss.toml"))
    assert (gss["concepts.sex.codes.female"], gss["concepts.sex.codes.male"]) == ("F", "M")


def test_silc_standard_errors_equal_r_survey(silc_run: api.Tabulation, tmp_path: Path) -> None:
    """The real file's SEs by region and sex, against R's svyby on the same design."""
    from test_variance_r import RSCRIPT, need_r

    need_r()
    assert RSCRIPT is not None
    script = tmp_path / "silc.R"
    out = tmp_path / "silc_r.csv"
    script.write_text(
        "suppressPackageStartupMessages(library(survey))\n"
        f"d <- read.csv(gzfile('{SILC}'))\n"
        "des <- svydesign(ids = ~db030, strata = ~db040, weights = ~rb050, data = d)\n"
        "t <- svyby(~factor(rb090), ~db040, des, svytotal)\n"
        "r <- data.frame(region = rep(t$db040, 2),\n"
        "  sex = rep(c('female', 'male'), each = nrow(t)),\n"
        "  value = c(t[[2]], t[[3]]), se = c(SE(t)[, 1], SE(t)[, 2]))\n"
        "g <- svytotal(~factor(rb090), des)\n"
        "r <- rbind(r, data.frame(region = '_T', sex = c('female', 'male'), value = coef(g),\n"
        "  se = SE(g)))\n"
        "write.csv(r, '" + str(out) + "', row.names = FALSE)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [RSCRIPT, "--vanilla", str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    expected = pl.read_csv(out)
    cells = silc_run.tables[0].cells
    assert silc_run.tables[0].sampling_errors is not None
    sexes = {"female": "F", "male": "M"}
    for row in expected.iter_rows(named=True):
        cell = total(cells, region=row["region"], sex=sexes[row["sex"]])
        assert cell["value"].item() == pytest.approx(row["value"], rel=1e-9)
        assert cell["se"].item() == pytest.approx(row["se"], rel=1e-6)
    assert expected.height == 2 * 9 + 2
