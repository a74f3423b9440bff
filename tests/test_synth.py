"""Tests of the synthetic sample census generator (censusmig.synth)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from censusmig.synth import (
    COLUMNS,
    REFERENCE_DATE,
    REGION_DISTRICTS,
    REGION_NAMES,
    generate_census,
    iter_census_chunks,
    rules,
)

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "sample_microdata" / "CODEBOOK.md"

PERSONS = 20_000
SEED = 2025
MAX_DIRT = 20
"""Most records a deliberate error may touch in 20,000 (each kind)."""

SPECIAL_COUNTRY_CODES = {900, 997, 998, 999, 888}


@pytest.fixture(scope="module")
def census() -> pl.DataFrame:
    return generate_census(PERSONS, SEED)


@pytest.fixture(scope="module")
def stated(census: pl.DataFrame) -> pl.DataFrame:
    """Records whose age, year of birth and country of birth are stated."""
    return census.filter((pl.col("AGE") != 999) & (pl.col("YOB") != 9999) & (pl.col("POB") != 998))


def count(frame: pl.DataFrame, condition: pl.Expr) -> int:
    return frame.filter(condition).height


# ---------------------------------------------------------------------------------------------
# Shape and determinism
# ---------------------------------------------------------------------------------------------


def test_same_seed_gives_same_census() -> None:
    assert generate_census(3_000, 7).equals(generate_census(3_000, 7))


def test_different_seeds_give_different_censuses() -> None:
    assert not generate_census(3_000, 7).equals(generate_census(3_000, 8))


@pytest.mark.parametrize("persons", [0, 1, 2, 17, 999, 4_321])
def test_exact_row_count(persons: int) -> None:
    frame = generate_census(persons, 1)
    assert frame.height == persons
    assert frame.columns == list(COLUMNS)
    assert frame["PERSON_ID"].to_list() == list(range(1, persons + 1))


def test_columns_follow_the_codebook(census: pl.DataFrame) -> None:
    text = CODEBOOK.read_text(encoding="utf-8")
    text = text.split("| # | column |", 1)[1].split("\n\n", 1)[0]  # the column table only
    documented = re.findall(r"^\| \d+ \| ([A-Z_0-9]+) \|", text, re.M)
    assert census.columns == documented == list(COLUMNS)


def test_integer_dtypes_and_no_nulls(census: pl.DataFrame) -> None:
    for name, dtype in census.schema.items():
        assert dtype in (pl.Int32, pl.Int64), name
    assert census.null_count().sum_horizontal().item() == 0


def test_reference_date() -> None:
    assert REFERENCE_DATE.isoformat() == "2025-03-15"


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="persons"):
        generate_census(-1, 1)
    with pytest.raises(ValueError, match="seed"):
        generate_census(10, -1)
    with pytest.raises(ValueError, match="chunk_size"):
        iter_census_chunks(10, 1, chunk_size=0)
    with pytest.raises(TypeError, match="persons"):
        generate_census(10.0, 1)


# ---------------------------------------------------------------------------------------------
# Households and geography
# ---------------------------------------------------------------------------------------------


def test_one_head_per_household_listed_first(census: pl.DataFrame) -> None:
    households = census.group_by("HH_ID", maintain_order=True).agg(
        heads=(pl.col("RELATIONSHIP") == 1).sum(),
        first=pl.col("RELATIONSHIP").first(),
        regions=pl.col("REGION").n_unique(),
        districts=pl.col("DISTRICT").n_unique(),
    )
    assert (households["heads"] == 1).all()
    assert (households["first"] == 1).all()
    assert (households["regions"] == 1).all()
    assert (households["districts"] == 1).all()
    ids = census["HH_ID"]
    assert ids.is_sorted() and ids[0] == 1 and ids.diff().drop_nulls().is_in([0, 1]).all()


def test_household_members(census: pl.DataFrame) -> None:
    shares = census["RELATIONSHIP"].value_counts(normalize=True)
    share = dict(zip(shares["RELATIONSHIP"], shares["proportion"], strict=True))
    assert set(share) == {1, 2, 3, 4, 5, 6, 9}
    assert 0.2 < share[1] < 0.4
    assert share[3] > share[2] > share[5] > share[4]
    assert share[9] < 0.01
    size = census.height / census["HH_ID"].n_unique()
    assert 2.8 < size < 4.0


def test_regions_and_districts(census: pl.DataFrame) -> None:
    assert set(REGION_NAMES) == set(range(1, 7))
    assert set(census["REGION"].unique()) == set(REGION_NAMES)
    assert (census["DISTRICT"] // 100 == census["REGION"]).all()
    for region, districts in REGION_DISTRICTS.items():
        assert 3 <= districts <= 6
        used = census.filter(pl.col("REGION") == region)["DISTRICT"].unique().to_list()
        assert set(used) == {region * 100 + k for k in range(1, districts + 1)}
    sizes = census["REGION"].value_counts().sort("count")["count"]
    assert sizes[-1] > 3 * sizes[0]  # regions of different sizes


def test_age_sex_pyramid(stated: pl.DataFrame) -> None:
    ages = stated.filter(pl.col("SEX") != 9)
    assert ages["AGE"].min() == 0 and 95 <= ages["AGE"].max() <= 105
    under_15 = (ages["AGE"] < 15).mean()
    over_65 = (ages["AGE"] >= 65).mean()
    assert 0.2 < under_15 < 0.3
    assert 0.05 < over_65 < 0.12
    young = ages.filter(pl.col("AGE") < 15)
    ratio = count(young, pl.col("SEX") == 1) / count(young, pl.col("SEX") == 2)
    assert 0.97 < ratio < 1.15  # about 105 boys per 100 girls
    old = ages.filter(pl.col("AGE") >= 75)
    assert count(old, pl.col("SEX") == 2) > count(old, pl.col("SEX") == 1)


# ---------------------------------------------------------------------------------------------
# International migration
# ---------------------------------------------------------------------------------------------


def foreign_born(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(~pl.col("POB").is_in([900, 998]))


def test_foreign_born_share(census: pl.DataFrame) -> None:
    share = foreign_born(census).height / census.height
    assert 0.10 <= share <= 0.14


def test_countries_of_birth(census: pl.DataFrame) -> None:
    counts = foreign_born(census)["POB"].value_counts().sort("count", descending=True)
    top4 = set(counts["POB"].head(4))
    assert top4 == {320, 340, 222, 558}  # the four neighbours lead
    assert counts["count"].head(4).sum() / counts["count"].sum() > 0.55
    assert counts.height >= 35  # and a long tail


def test_country_codes_are_iso(census: pl.DataFrame) -> None:
    columns = ["POB", "CIT", "CNT1", "CNT5", "MOTHER_POB", "FATHER_POB"]
    codes = set(pl.concat([census[c] for c in columns]).unique().to_list())
    for code in codes - SPECIAL_COUNTRY_CODES:
        numeric = f"{code:03d}"
        known = pycountry.countries.get(numeric=numeric) or pycountry.historic_countries.get(
            numeric=numeric
        )
        assert known is not None, code


def test_historic_countries_only_for_old_arrivals(census: pl.DataFrame) -> None:
    historic = census.filter(pl.col("POB").is_in([810, 891, 200, 278]))
    assert historic.height > 0
    arrived = historic.filter(pl.col("YOA") < 9998)
    assert (arrived["YOA"] <= 1991).all()
    assert not census["CIT"].is_in([810, 891, 200, 278]).any()


def test_year_of_birth_matches_age(stated: pl.DataFrame) -> None:
    offset = 2025 - stated["AGE"] - stated["YOB"]
    assert offset.is_in([0, 1]).all()
    assert (stated["YOB"] >= 1919).all() and (stated["YOB"] <= 2025).all()


def test_year_of_arrival(stated: pl.DataFrame) -> None:
    arrived = stated.filter(pl.col("YOA") < 9998)
    assert (arrived["YOA"] <= 2025).all()
    before_birth = count(arrived, pl.col("YOA") < pl.col("YOB"))
    assert 0 < before_birth <= MAX_DIRT
    fb = foreign_born(stated)
    assert count(fb, pl.col("YOA") == 9998) == 0  # every immigrant arrived


def test_citizenship_acquisition_matches_citizenship(census: pl.DataFrame) -> None:
    cit, acq = pl.col("CIT"), pl.col("CIT_ACQ")
    assert count(census, (cit == 900) & ~acq.is_in([1, 2, 9])) == 0
    assert count(census, (cit == 998) & (acq != 9)) == 0
    assert count(census, ~cit.is_in([900, 998]) & (acq != 8)) == 0
    natives = census.filter(pl.col("POB") == 900)
    assert count(natives, acq == 2) == 0  # natives are never naturalised
    assert count(natives, acq == 1) / natives.height > 0.97


def test_citizenship_of_foreign_born(stated: pl.DataFrame) -> None:
    fb = foreign_born(stated).filter(pl.col("YOA") < 9998)
    naturalised = fb.filter(pl.col("CIT_ACQ") == 2)
    foreign = fb.filter(pl.col("CIT_ACQ") == 8)
    assert naturalised.height > 100 and foreign.height > 1000
    # The longer the stay, the more naturalised.
    assert naturalised["YOA"].median() < foreign["YOA"].median()  # type: ignore[operator]
    assert count(foreign, pl.col("CIT") == pl.col("POB")) / foreign.height > 0.85
    assert count(stated, pl.col("CIT") == 997) > 0


def test_residence_5_years_ago_not_applicable_under_5(stated: pl.DataFrame) -> None:
    res5 = stated.filter(pl.col("RES5") != 9)
    wrong = count(res5, (pl.col("AGE") < 5) != (pl.col("RES5") == 8))
    assert 0 < wrong <= MAX_DIRT
    res1 = stated.filter(pl.col("RES1") != 9)
    assert count(res1, (pl.col("AGE") < 1) != (pl.col("RES1") == 8)) == 0


@pytest.mark.parametrize("suffix", ["1", "5"])
def test_region_and_country_follow_residence(census: pl.DataFrame, suffix: str) -> None:
    res, reg, cnt = pl.col(f"RES{suffix}"), pl.col(f"REG{suffix}"), pl.col(f"CNT{suffix}")
    region = pl.col("REGION")
    same = census.filter(res.is_in([1, 2, 3]))
    assert count(same, ~((reg == region) | (reg == 99)) | (cnt != 888)) == 0
    other = census.filter(res == 4)
    assert count(other, ~(reg.is_between(1, 6) & (reg != region) | (reg == 99))) == 0
    abroad = census.filter(res == 5)
    assert count(abroad, (reg != 88) | cnt.is_in([888, 900])) == 0
    assert count(census.filter(res == 8), (reg != 88) | (cnt != 888)) == 0
    assert count(census.filter(res == 9), (reg != 99) | (cnt != 998)) == 0


def test_recent_arrivals_lived_abroad(stated: pl.DataFrame) -> None:
    recent = foreign_born(stated).filter(
        pl.col("YOA").is_between(2021, 2025) & (pl.col("AGE") >= 5) & (pl.col("RES5") != 9)
    )
    assert count(recent, pl.col("RES5") == 5) / recent.height > 0.8
    abroad = recent.filter((pl.col("RES5") == 5) & (pl.col("CNT5") != 998))
    assert count(abroad, pl.col("CNT5") == pl.col("POB")) / abroad.height > 0.7
    long_ago = stated.filter((pl.col("YOA") < 2019) & (pl.col("YOA") >= pl.col("YOB")))
    assert count(long_ago, pl.col("RES5") == 5) == 0


def test_reason_for_migration(census: pl.DataFrame) -> None:
    never_abroad = census.filter(pl.col("YOA") == 9998)
    assert (never_abroad["REASON"] == 8).all()
    movers = census.filter(pl.col("YOA") != 9998)
    assert 0 < count(movers, pl.col("REASON") == 8) <= MAX_DIRT  # the native YOA = YOB error
    reasons = set(movers["REASON"].unique())
    assert {1, 2, 3, 4, 5, 6, 9} <= reasons
    fb = foreign_born(movers).filter(pl.col("REASON").is_between(1, 6))
    refugees = fb.filter(pl.col("POB").is_in([332, 760, 862]))
    neighbours = fb.filter(pl.col("POB").is_in([320, 340, 558, 222]))
    share_refugees = count(refugees, pl.col("REASON") == 4) / refugees.height
    share_neighbours = count(neighbours, pl.col("REASON") == 4) / neighbours.height
    assert share_refugees > 2 * share_neighbours


def test_returning_natives(stated: pl.DataFrame) -> None:
    natives = stated.filter(pl.col("POB") == 900)
    returned = natives.filter((pl.col("YOA") < 9998) & (pl.col("REASON") != 8))
    assert 0.004 < returned.height / natives.height < 0.02
    assert count(returned, pl.col("RES5") == 5) > 0


def test_second_generation(stated: pl.DataFrame) -> None:
    natives = stated.filter(pl.col("POB") == 900)
    mother_abroad = ~pl.col("MOTHER_POB").is_in([900, 998])
    father_abroad = ~pl.col("FATHER_POB").is_in([900, 998])
    both = count(natives, mother_abroad & father_abroad)
    one = count(natives, mother_abroad ^ father_abroad)
    assert both > 100 and one > 100
    # Children living with a foreign-born mother have her country as MOTHER_POB.
    mothers = stated.filter(
        (pl.col("RELATIONSHIP").is_in([1, 2])) & (pl.col("SEX") == 2) & (pl.col("POB") != 900)
    ).select("HH_ID", mother=pl.col("POB"))
    children = stated.filter(pl.col("RELATIONSHIP") == 3).join(mothers, on="HH_ID")
    agree = count(children, pl.col("MOTHER_POB") == pl.col("mother"))
    assert agree / children.height > 0.95


# ---------------------------------------------------------------------------------------------
# Internal migration, education, disability
# ---------------------------------------------------------------------------------------------


def test_region_of_birth(census: pl.DataFrame) -> None:
    pob, birth = pl.col("POB"), pl.col("REGION_BIRTH")
    assert count(census, ~pob.is_in([900, 998]) & (birth != 88)) == 0
    assert count(census, (pob == 998) & (birth != 99)) == 0
    natives = census.filter((pob == 900) & birth.is_between(1, 6))
    assert count(census.filter(pob == 900), ~birth.is_between(1, 6) & (birth != 99)) == 0
    elsewhere = natives.filter(birth != pl.col("REGION"))
    assert 0.15 < elsewhere.height / natives.height < 0.28
    into_capital = count(elsewhere, pl.col("REGION") == 1)
    out_of_capital = count(elsewhere, birth == 1)
    assert into_capital > 1.5 * out_of_capital


def test_internal_moves(census: pl.DataFrame) -> None:
    aged_5 = census.filter(pl.col("RES5").is_between(1, 4))
    between_regions = count(aged_5, pl.col("RES5") == 4) / aged_5.height
    assert 0.01 < between_regions < 0.1


def test_education_and_disability(stated: pl.DataFrame) -> None:
    educ = stated.filter(pl.col("EDUC") != 99)
    assert count(educ, (pl.col("AGE") < 15) != (pl.col("EDUC") == 88)) == 0
    adults = educ.filter(pl.col("EDUC") <= 8)
    assert set(adults["EDUC"].unique()) == set(range(9))
    tertiary = pl.col("EDUC") >= 6
    young = adults.filter(pl.col("AGE").is_between(25, 34))
    old = adults.filter(pl.col("AGE") >= 65)
    assert count(young, tertiary) / young.height > count(old, tertiary) / old.height
    dis = stated.filter(pl.col("DISABILITY") != 9)
    assert count(dis, (pl.col("AGE") < 5) != (pl.col("DISABILITY") == 8)) == 0
    rate_young = count(dis.filter(pl.col("AGE").is_between(5, 39)), pl.col("DISABILITY") == 1)
    rate_old = count(dis.filter(pl.col("AGE") >= 70), pl.col("DISABILITY") == 1)
    assert rate_old / count(dis, pl.col("AGE") >= 70) > 3 * rate_young / count(
        dis, pl.col("AGE").is_between(5, 39)
    )


# ---------------------------------------------------------------------------------------------
# The dirt
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "code"), [("POB", 999), ("CIT", 999), ("EDUC", 77), ("SEX", 3)])
def test_codes_in_no_list_are_few(census: pl.DataFrame, column: str, code: int) -> None:
    assert 1 <= count(census, pl.col(column) == code) <= MAX_DIRT


def test_native_born_with_a_year_of_arrival(stated: pl.DataFrame) -> None:
    odd = stated.filter((pl.col("POB") == 900) & (pl.col("YOA") < 9998) & (pl.col("REASON") == 8))
    assert 1 <= odd.height <= MAX_DIRT
    assert (odd["YOA"] == odd["YOB"]).all()


NOT_STATED_CODES = {
    "SEX": 9,
    "AGE": 999,
    "YOB": 9999,
    "POB": 998,
    "CIT": 998,
    "YOA": 9999,
    "RES1": 9,
    "RES5": 9,
    "REASON": 9,
    "MOTHER_POB": 998,
    "FATHER_POB": 998,
    "EDUC": 99,
    "DISABILITY": 9,
    "RELATIONSHIP": 9,
    "REGION_BIRTH": 99,
    "CIT_ACQ": 9,
}


@pytest.mark.parametrize("column", sorted(NOT_STATED_CODES))
def test_not_stated_is_present_but_rare(census: pl.DataFrame, column: str) -> None:
    share = count(census, pl.col(column) == NOT_STATED_CODES[column]) / census.height
    assert 0 < share < 0.02


def test_every_code_is_in_a_code_list_or_is_known_dirt(census: pl.DataFrame) -> None:
    valid = {
        "RELATIONSHIP": set(range(1, 7)) | {9},
        "SEX": {1, 2, 9, 3},
        "REGION_BIRTH": set(range(1, 7)) | {88, 99},
        "CIT_ACQ": {1, 2, 8, 9},
        "RES1": {1, 2, 3, 4, 5, 8, 9},
        "RES5": {1, 2, 3, 4, 5, 8, 9},
        "REG1": set(range(1, 7)) | {88, 99},
        "REG5": set(range(1, 7)) | {88, 99},
        "REASON": {1, 2, 3, 4, 5, 6, 8, 9},
        "EDUC": set(range(9)) | {88, 99, 77},
        "DISABILITY": {1, 2, 8, 9},
    }
    for column, codes in valid.items():
        assert set(census[column].unique()) <= codes, column
    assert census["AGE"].filter(census["AGE"] != 999).is_between(0, 105).all()


# ---------------------------------------------------------------------------------------------
# Chunks
# ---------------------------------------------------------------------------------------------


def test_chunks_have_unique_ids_and_are_deterministic() -> None:
    chunks = list(iter_census_chunks(2_500, 11, chunk_size=1_000))
    assert [c.height for c in chunks] == [1_000, 1_000, 500]
    whole = pl.concat(chunks)
    assert whole["PERSON_ID"].to_list() == list(range(1, 2_501))
    household_sets = [set(c["HH_ID"].unique()) for c in chunks]
    assert not household_sets[0] & household_sets[1]
    assert not household_sets[1] & household_sets[2]
    assert whole["HH_ID"].is_sorted()
    again = pl.concat(iter_census_chunks(2_500, 11, chunk_size=1_000))
    assert whole.equals(again)
    assert whole.columns == list(COLUMNS)


def test_generate_census_is_the_concatenation_of_chunks() -> None:
    assert generate_census(1_500, 5).equals(pl.concat(iter_census_chunks(1_500, 5)))


def test_no_chunks_for_no_persons() -> None:
    assert list(iter_census_chunks(0, 1)) == []
    assert generate_census(0, 1).columns == list(COLUMNS)


@settings(max_examples=25, deadline=None)
@given(persons=st.integers(0, 400), seed=st.integers(0, 2**32), chunk=st.integers(40, 500))
def test_invariants_for_any_size_seed_and_chunking(persons: int, seed: int, chunk: int) -> None:
    chunks = list(iter_census_chunks(persons, seed, chunk_size=chunk))
    frame = pl.concat(chunks) if chunks else generate_census(0, seed)
    assert frame.height == persons
    assert frame["PERSON_ID"].to_list() == list(range(1, persons + 1))
    heads = frame.group_by("HH_ID").agg(heads=(pl.col("RELATIONSHIP") == 1).sum())
    assert (heads["heads"] == 1).all()
    assert frame["HH_ID"].is_sorted()


# ---------------------------------------------------------------------------------------------
# The rules and the codebook stay in step
# ---------------------------------------------------------------------------------------------


def test_codebook_lists_every_region_and_country() -> None:
    text = CODEBOOK.read_text(encoding="utf-8")
    for code, name in REGION_NAMES.items():
        assert f"| {code} | {name} |" in text
    for country in rules.BIRTH_COUNTRIES:
        assert f"| {country.code} | {country.alpha3} |" in text, country.name
    assert "--persons 20000 --seed 2025" in text


def test_dirt_rates_are_small() -> None:
    assert all(0 < rate <= 0.02 for rate in rules.NOT_STATED_RATE.values())
    assert all(rate < 0.001 for _, rate in rules.INVALID_CODES.values())
    for rate in (
        rules.YOA_BEFORE_YOB_RATE,
        rules.NATIVE_YOA_IS_YOB_RATE,
        rules.RES5_STATED_UNDER_5_RATE,
    ):
        assert 0 < rate * PERSONS <= MAX_DIRT


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".PARQUET"])
def test_write_census_writes_the_generated_census(tmp_path: Path, suffix: str) -> None:
    from censusmig.synth.write import write_census

    path = tmp_path / "deeper" / f"census{suffix}"
    write_census(1_500, 11, path)
    read = pl.read_csv(path) if suffix == ".csv" else pl.read_parquet(path)
    assert read.equals(generate_census(1_500, 11).cast(read.schema))


def test_write_chunks_gives_parquet_one_row_group_per_chunk(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from censusmig.synth.write import write_chunks

    path = tmp_path / "chunks.parquet"
    write_chunks(iter_census_chunks(2_500, 3, chunk_size=1_000), path)
    assert pq.ParquetFile(path).num_row_groups == 3
    expected = pl.concat(iter_census_chunks(2_500, 3, chunk_size=1_000))
    assert pl.read_parquet(path).equals(expected)


def test_write_labelled_keeps_the_value_labels(tmp_path: Path) -> None:
    import pyreadstat

    from censusmig.synth.write import write_labelled

    path = tmp_path / "census.sav"
    write_labelled(generate_census(200, 5), path)
    _, meta = pyreadstat.read_sav(path, metadataonly=True)
    assert meta.number_rows == 200
    assert meta.variable_value_labels["SEX"]
