"""Sampling errors of weighted tables: the profile's [design], the engine, hand-computed cases.

The comparison with R's survey package is in test_variance_r.py; here the formulas are checked
on cases small enough to work out by hand, and the design's validation and the invariances
(slices, repeated runs) that the engine must keep.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from censusmig import api
from censusmig.errors import CensusmigError, InputError, SpecError
from censusmig.profiles.design import Estimates
from censusmig.profiles.model import read_profile

RECIPE = """
schema_version = 1
id = "region_sex"
title = "Persons by region and sex"
description = "Test table."
standard = ["test"]
universe = { label = "All persons", where = [] }
rows = ["region"]
columns = ["sex"]
[options]
percent_of = ["sex"]
"""

PROFILE = """
schema_version = 2
[census]
name = "Test survey"
country = "USA"
reference_date = 2020-01-01
[data]
weight = "W"
%s
[geography]
levels = [ { name = "region", column = "R", labels = { "1" = "North", "2" = "South" } } ]
[concepts]
sex = { column = "S", codes = { "1" = "M", "2" = "F" } }
"""

# Two strata (H), each with PSUs (P); region R and sex S per record; weight W.
DATA = {
    "H": [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2],
    "P": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6],
    "R": [1, 1, 1, 2, 2, 2, 1, 2, 1, 2, 1, 1],
    "S": [1, 2, 1, 1, 2, 2, 1, 1, 2, 1, 1, 2],
    "W": [10.0, 10.0, 12.0, 12.0, 8.0, 8.0, 20.0, 20.0, 15.0, 15.0, 25.0, 25.0],
}


def _run(tmp_path: Path, design: str, data: dict[str, list[float]] | None = None, **options):
    return _tabulate(tmp_path, design, data, **options).tables[0]


def _tabulate(
    tmp_path: Path, design: str, data: dict[str, list[float]] | None = None, **options
) -> api.Tabulation:
    (tmp_path / "recipes").mkdir(parents=True, exist_ok=True)
    (tmp_path / "recipes" / "region_sex.toml").write_text(RECIPE)
    profile = tmp_path / "p.toml"
    profile.write_text(PROFILE % design)
    path = tmp_path / "d.csv"
    pl.DataFrame(data or DATA).write_csv(path)
    result = api.tabulate(
        path,
        profile,
        recipes=["region_sex"],
        recipes_dirs=[tmp_path / "recipes"],
        formats=(),
        edit_checks=False,
        **options,
    )
    return result


def _cell(table, region: str, sex: str) -> dict[str, object]:
    found = table.cells.filter((pl.col("region") == region) & (pl.col("sex") == sex))
    assert found.height == 1
    return found.row(0, named=True)


def _taylor_variance(y: np.ndarray) -> float:
    """The with-replacement variance of a total, worked out stratum by stratum."""
    frame = pl.DataFrame({**DATA, "y": y})
    total = 0.0
    for stratum in (1, 2):
        psus = (
            frame.filter(pl.col("H") == stratum)
            .group_by("P")
            .agg((pl.col("W") * pl.col("y")).sum().alias("z"))
        )
        z = psus["z"].to_numpy()
        n = len(z)
        total += n / (n - 1) * float(((z - z.mean()) ** 2).sum())
    return total


def test_taylor_totals_and_shares_by_hand(tmp_path: Path) -> None:
    table = _run(tmp_path, '[design]\nmethod = "taylor"\nstrata = "H"\npsu = "P"')
    region = np.array(DATA["R"])
    sex = np.array(DATA["S"])
    weight = np.array(DATA["W"])
    # North men: a domain; PSUs without a North man count as zero.
    y = ((region == 1) & (sex == 1)).astype(float)
    cell = _cell(table, "1", "M")
    assert cell["value"] == pytest.approx(float((weight * y).sum()))
    assert cell["se"] == pytest.approx(math.sqrt(_taylor_variance(y)), rel=1e-12)
    assert cell["moe"] == pytest.approx(Estimates().z * cell["se"], rel=1e-12)
    assert cell["cv"] == pytest.approx(100 * cell["se"] / cell["value"], rel=1e-12)
    # Share of men among the North: linearised z = (y_c - p y_d) / Y_d.
    d = (region == 1).astype(float)
    p = (weight * y).sum() / (weight * d).sum()
    linear = (y - p * d) / (weight * d).sum()
    assert cell["percent_se"] == pytest.approx(100 * math.sqrt(_taylor_variance(linear)), rel=1e-12)
    # The grand total of a design with equal PSU totals per stratum has no sampling error
    # only if they are equal; here they are not, and the margin is computed over the design.
    total = _cell(table, "_T", "_T")
    assert total["se"] == pytest.approx(math.sqrt(_taylor_variance(np.ones(12))), rel=1e-12)
    assert table.sampling_errors is not None
    assert "Taylor" in table.sampling_errors.method
    assert "2 strata, 6 PSUs" in table.sampling_errors.method


def test_replicate_formula_by_hand(tmp_path: Path) -> None:
    # Four replicate columns, successive difference: variance = 4/4 x sum (Y_r - Y)^2.
    factors = [[1.5, 0.5, 1.0, 1.2], [0.5, 1.5, 1.0, 0.8]]
    data: dict[str, list[float]] = {k: list(v) for k, v in DATA.items()}
    for r in range(4):
        data[f"RW{r + 1}"] = [w * factors[i % 2][r] for i, w in enumerate(DATA["W"])]
    table = _run(tmp_path, '[design]\nmethod = "sdr"\nreplicate_weights = "RW1..RW4"', data)
    weight = np.array(DATA["W"])
    y = ((np.array(DATA["R"]) == 2) & (np.array(DATA["S"]) == 2)).astype(float)
    full = float((weight * y).sum())
    reps = [float((np.array(data[f"RW{r + 1}"]) * y).sum()) for r in range(4)]
    expected = math.sqrt(4 / 4 * sum((rep - full) ** 2 for rep in reps))
    cell = _cell(table, "2", "F")
    assert cell["value"] == pytest.approx(full)
    assert cell["se"] == pytest.approx(expected, rel=1e-12)
    assert "successive difference" in table.sampling_errors.method


def test_reliability_flags(tmp_path: Path) -> None:
    estimates = "[estimates]\ncv_caution = 5\ncv_unreliable = 20\nmin_unweighted = 3"
    table = _run(tmp_path, f'[design]\nmethod = "taylor"\nstrata = "H"\npsu = "P"\n{estimates}')
    for row in table.cells.iter_rows(named=True):
        if row["n_unweighted"] == 0:
            assert row["reliability"] is None
        elif row["n_unweighted"] < 3 or row["cv"] is None or row["cv"] > 20:
            assert row["reliability"] == "F", row
        elif row["cv"] > 5:
            assert row["reliability"] == "E", row
        else:
            assert row["reliability"] is None, row
    flags = set(table.cells["reliability"].drop_nulls().to_list())
    assert flags == {"E", "F"}, "the case must exercise both flags"
    assert table.sampling_errors.legend()[0][0] == "E"


def test_slices_and_runs_give_the_same_bytes(tmp_path: Path) -> None:
    design = '[design]\nmethod = "taylor"\nstrata = "H"\npsu = "P"'
    whole = _run(tmp_path, design).cells
    sliced = _run(tmp_path, design, batch_rows=5).cells
    again = _run(tmp_path, design).cells
    assert whole.equals(sliced)
    assert whole.write_csv() == again.write_csv()


def test_lonely_psu_options(tmp_path: Path) -> None:
    data = {k: list(v) for k, v in DATA.items()}
    data["H"] = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3]  # stratum 3 has one PSU
    base = '[design]\nmethod = "taylor"\nstrata = "H"\npsu = "P"\n'
    with pytest.raises(InputError, match="1 of the design's 3 strata have a single PSU"):
        _run(tmp_path, base, data)
    certainty = _cell(_run(tmp_path, base + 'lonely_psu = "certainty"', data), "_T", "_T")
    remove = _cell(_run(tmp_path, base + 'lonely_psu = "remove"', data), "_T", "_T")
    adjust = _cell(_run(tmp_path, base + 'lonely_psu = "adjust"', data), "_T", "_T")
    average = _cell(_run(tmp_path, base + 'lonely_psu = "average"', data), "_T", "_T")
    assert certainty["se"] == remove["se"]
    # adjust adds the lonely PSU's total squared (50 = 25 + 25); average scales by 3/2.
    assert adjust["se"] ** 2 == pytest.approx(certainty["se"] ** 2 + 50.0**2, rel=1e-12)
    assert average["se"] ** 2 == pytest.approx(certainty["se"] ** 2 * 3 / 2, rel=1e-12)


def test_design_weights_must_be_positive(tmp_path: Path) -> None:
    data = {k: list(v) for k, v in DATA.items()}
    data["W"][3] = 0.0
    with pytest.raises(InputError, match="1 with a weight of zero or less"):
        _run(tmp_path, '[design]\nmethod = "taylor"\nstrata = "H"\npsu = "P"', data)


def test_missing_replicate_columns_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        _run(tmp_path, '[design]\nmethod = "sdr"\nreplicate_weights = "RW1..RW4"')
    message = str(raised.value)
    assert "4 column(s) named in the profile are not in the data" in message
    assert "design.replicate_weights" in message


def test_weighted_without_design_says_so(tmp_path: Path) -> None:
    table = _run(tmp_path, "")
    assert table.sampling_errors is None
    assert "no sampling design" in (table.variance_note or "")
    assert "se" not in table.cells.columns
    none = _run(tmp_path, '[design]\nmethod = "none"\nnote = "The public file has no design."')
    assert none.variance_note == "The public file has no design."


@pytest.mark.parametrize(
    ("design", "key", "words"),
    [
        ('method = "taylr"', "design.method", "valid: taylor"),
        ('method = "jkn"\nreplicate_weights = "RW1..RW4"', "design.rscales", "required"),
        ('method = "fay"\nreplicate_weights = "RW1..RW4"', "design.rho", "required"),
        ('method = "sdr"\nreplicate_weights = "RW1-RW4"', "design.replicate_weights", "range"),
        (
            'method = "sdr"\nreplicate_weights = "RW1..RW4"\nrscales = [1, 2]',
            "design.rscales",
            "one number per replicate",
        ),
        ('method = "taylor"\nreplicate_weights = "RW1..RW4"', "design.replicate_weights", "not"),
        ('method = "taylor"\nlonely_psu = "drop"', "design.lonely_psu", "certainty"),
        ('method = "none"', "design.note", "required"),
    ],
)
def test_design_problems(tmp_path: Path, design: str, key: str, words: str) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text(PROFILE % f"[design]\n{design}")
    with pytest.raises(SpecError) as raised:
        read_profile(profile)
    text = str(raised.value)
    assert key in text and words in text, text


def test_estimates_problems(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text(
        PROFILE % "[estimates]\nconfidence = 1.5\ncv_caution = 40\nmin_unweighted = -1"
    )
    with pytest.raises(SpecError) as raised:
        read_profile(profile)
    text = str(raised.value)
    for key in ("estimates.confidence", "estimates.min_unweighted", "estimates.cv_caution"):
        assert key in text, text


def test_design_needs_a_weight(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text((PROFILE % '[design]\nmethod = "taylor"').replace('weight = "W"', ""))
    with pytest.raises(CensusmigError, match="needs the weight column"):
        read_profile(profile)


def test_design_parsed(tmp_path: Path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text(
        PROFILE % '[design]\nmethod = "fay"\nreplicate_weights = "RW01..RW04"\nrho = 0.5\n'
        'center = "replicate_mean"\n[estimates]\nconfidence = 0.95'
    )
    design = read_profile(profile).design
    assert design is not None
    assert design.replicates == ("RW01", "RW02", "RW03", "RW04")
    assert design.scale == pytest.approx(1 / (4 * 0.25))
    assert design.centre == "replicate_mean"
    assert read_profile(profile).estimates.z == pytest.approx(1.959963984540054)


def test_no_design_needs_attention(tmp_path: Path) -> None:
    found = _tabulate(tmp_path, "").attention
    assert [item.kind for item in found] == ["sampling_errors"]
    assert "states no sampling design" in found[0].message
    stated = _tabulate(tmp_path, '[design]\nmethod = "none"\nnote = "No design in this file."')
    assert not stated.attention
    taylor = _tabulate(tmp_path, '[design]\nmethod = "taylor"\nstrata = "H"\npsu = "P"')
    assert not taylor.attention


def test_design_columns_must_hold_numbers_and_codes(tmp_path: Path) -> None:
    data: dict[str, list[object]] = {k: list(v) for k, v in DATA.items()}
    for r in range(1, 3):
        data[f"RW{r}"] = [str(w) for w in DATA["W"]]
    data["RW2"][5] = "n/a value"
    with pytest.raises(InputError, match=r"column 'RW2' holds 1 value that is not a number"):
        _run(tmp_path, '[design]\nmethod = "jk1"\nreplicate_weights = "RW1..RW2"', data)
    data["RW2"][5] = "8.0"  # text that reads as numbers is summed as numbers
    table = _run(tmp_path, '[design]\nmethod = "jk1"\nreplicate_weights = "RW1..RW2"', data)
    assert _cell(table, "_T", "_T")["se"] == pytest.approx(0.0, abs=1e-9)
    gaps = {k: list(v) for k, v in DATA.items()}
    gaps["P"][0] = None
    with pytest.raises(InputError, match=r"1 record\(s\) have no value in 'P' \(\[design\] psu\)"):
        _run(tmp_path, '[design]\nmethod = "taylor"\nstrata = "H"\npsu = "P"', gaps)


def test_survey_headlines_carry_their_margin_of_error() -> None:
    from censusmig.renderers.headlines import headlines

    root = Path(__file__).resolve().parents[1] / "sample_microdata"
    survey = api.tabulate(
        root / "survey.parquet", root / "survey.profile.toml", formats=(), edit_checks=False
    )
    figures = {h.label: h for h in headlines(survey.tables)}
    born = figures["Foreign-born population"]
    cell = _cell_of(survey.tables, "nativity_age_sex", nativity="foreign_born")
    assert born.margin is not None and born.margin.startswith(f"± {round(cell['moe']):,} (90%")
    assert "not computed" in (figures["Non-citizens (foreign citizens and stateless)"].margin or "")
    census = api.tabulate(
        root / "census.parquet", root / "census.profile.toml", formats=(), edit_checks=False
    )
    assert all(h.margin is None for h in headlines(census.tables))


def _cell_of(tables, recipe_id: str, **codes: str) -> dict[str, object]:
    table = next(t for t in tables if t.recipe_id == recipe_id)
    chosen = table.cells
    for level in table.level_columns:
        chosen = chosen.filter(pl.col(level) == codes.get(level, "_T"))
    assert chosen.height == 1
    return chosen.row(0, named=True)


@pytest.mark.parametrize(
    "design",
    [
        '[design]\nmethod = "taylor"\nstrata = "H"\npsu = "P"',
        '[design]\nmethod = "jk1"\nreplicate_weights = "RW1..RW3"',
    ],
)
def test_the_order_of_the_records_changes_no_byte(tmp_path: Path, design: str) -> None:
    data: dict[str, list[float]] = {k: list(v) for k, v in DATA.items()}
    for r in range(3):  # weights with many decimals, so that any order-dependent sum shows
        data[f"RW{r + 1}"] = [w * (1 + (i * 7 + r * 3) % 5 / 3) for i, w in enumerate(DATA["W"])]
    data["W"] = [w + 1 / 3 for w in DATA["W"]]
    first = _run(tmp_path / "a", design, data).cells
    order = np.random.default_rng(15).permutation(len(DATA["W"]))
    shuffled = {k: [v[i] for i in order] for k, v in data.items()}
    second = _run(tmp_path / "b", design, shuffled, batch_rows=5).cells
    assert first.write_csv() == second.write_csv()


def test_a_single_psu_stratum_sampled_whole_is_no_lonely_stratum(tmp_path: Path) -> None:
    # Stratum 3 has one PSU out of one: sampled whole, no variance (R's onestrat), so "fail"
    # does not stop and "average" counts it among the strata with a variance.
    data: dict[str, list[float]] = {k: list(v) for k, v in DATA.items()}
    data["H"] = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3]
    data["N"] = [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 1, 1]
    base = '[design]\nmethod = "taylor"\nstrata = "H"\npsu = "P"\nfpc = "N"\n'
    fail = _cell(_run(tmp_path, base, data), "_T", "_T")
    certainty = _cell(_run(tmp_path, base + 'lonely_psu = "certainty"', data), "_T", "_T")
    average = _cell(_run(tmp_path, base + 'lonely_psu = "average"', data), "_T", "_T")
    assert fail["se"] == certainty["se"] == average["se"] > 0
