"""inspect_data, guess_concepts and draft_profile on real, sample and handmade files."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig.cli.main import app
from censusmig.errors import CensusmigError
from censusmig.profiles.draft import (
    category_code,
    draft_profile,
    match_country,
    special_code,
)
from censusmig.profiles.inspect import Guess, guess_concepts, inspect_data
from censusmig.profiles.model import PLACEHOLDER, Profile, read_profile
from censusmig.readers.meta import Metadata
from helpers import SAMPLE_DIR, SHARED

EPH_Q4 = SHARED / "real_microdata" / "eph-argentina-2016" / "eph_individual_2016_q4.csv"


@pytest.fixture(scope="module")
def eph() -> pl.LazyFrame:
    if not EPH_Q4.is_file():
        if os.environ.get("CENSUSMIG_REQUIRE_REAL_DATA") == "1":
            pytest.fail(f"{EPH_Q4} is required here (CENSUSMIG_REQUIRE_REAL_DATA=1) but missing")
        pytest.skip("../shared/real_microdata is not beside the repo")
    return pl.scan_csv(EPH_Q4, infer_schema_length=10_000)


@pytest.fixture(scope="module")
def eph_report(eph: pl.LazyFrame) -> dict[str, Any]:
    return inspect_data(eph, Metadata("csv"))


def column(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in report["columns"] if c["name"] == name)


def validated(text: str, tmp_path: Path) -> Profile:
    path = tmp_path / "draft.profile.toml"
    path.write_text(text, encoding="utf-8")
    return read_profile(path)


def concepts_of(guesses: list[Guess]) -> dict[str, str]:
    """Column -> concept."""
    return {g.column: g.concept for g in guesses}


# --- the EPH, Argentina 2016 Q4 ---------------------------------------------------------------


def test_eph_inspect_counts_records_and_ch15_codes(eph_report: dict[str, Any]) -> None:
    assert eph_report["records"] == 2000
    assert eph_report["format"] == "csv"
    ch15 = column(eph_report, "CH15")
    assert ch15["kind"] == "code"
    assert {c["code"]: c["count"] for c in ch15["codes"]} == {
        "1": 1475, "2": 183, "3": 269, "4": 52, "5": 20, "9": 1
    }  # fmt: skip
    assert [c["code"] for c in ch15["codes"]] == ["1", "3", "2", "4", "5", "9"]
    json.dumps(eph_report)  # JSON-able


def test_eph_inspect_kinds(eph_report: dict[str, Any]) -> None:
    ch15_cod = column(eph_report, "CH15_COD")
    assert ch15_cod["kind"] == "code"  # three-letter abbreviations are codes
    assert ch15_cod["nulls"] == 1659
    assert {"code": "BUE", "count": 55, "label": None} in ch15_cod["codes"]
    assert len(ch15_cod["codes"]) == 30  # max_codes
    assert column(eph_report, "PONDERA")["kind"] == "number"
    for name in ("PP09A_ESP", "PP09C_ESP"):  # free-text answers ("specify")
        assert column(eph_report, name)["kind"] == "text"
    for name in ("CODUSU", "CH05"):  # dwelling code, date of birth
        assert column(eph_report, name)["kind"] == "identifier"
    for entry in eph_report["columns"]:
        assert ("codes" in entry) == (entry["kind"] == "code")


def test_eph_inspect_lists_no_amounts(eph_report: dict[str, Any]) -> None:
    # the reviewer's find: P21 (income of the main job) and V9_M (an income source that is 0
    # for all but two persons: 0, -9 and one amount) listed amounts with count 1
    names = {entry["name"] for entry in eph_report["columns"]}
    for name in ("P21", "V9_M", "P47T", "T_VI", "PP08D1", "PP08D4"):
        if name in names:
            entry = column(eph_report, name)
            assert entry["kind"] == "number" and "codes" not in entry, name
    assert "V9_M" in names  # the file of the reviewer's report
    # the coded questions still list their codes
    ch15 = column(eph_report, "CH15")
    assert {c["code"]: c["count"] for c in ch15["codes"]} == {
        "1": 1475, "2": 183, "3": 269, "4": 52, "5": 20, "9": 1
    }  # fmt: skip
    ch15_cod = {c["code"]: c["count"] for c in column(eph_report, "CH15_COD")["codes"]}
    assert ch15_cod["BUE"] == 55 and len(ch15_cod) == 30
    assert [c["code"] for c in column(eph_report, "CH04")["codes"]] == ["2", "1"]
    assert column(eph_report, "NIVEL_ED")["kind"] == "code"  # unguessed, unlabelled 1-7
    # no column lists a number of three digits or more: no amount, year or date
    for entry in eph_report["columns"]:
        for code in entry.get("codes", []):
            text = code["code"].lstrip("-")
            assert not (text.isdigit() and len(text) >= 3), (entry["name"], code)


def test_eph_inspect_guesses_the_migration_columns(eph_report: dict[str, Any]) -> None:
    guessed = {(g["column"], g["concept"]) for g in eph_report["migration_columns"]}
    expected = {
        ("CH15", "country_of_birth"),
        ("CH16", "residence_5_years_ago"),
        ("CH04", "sex"),
        ("CH06", "age"),
        ("PONDERA", "weight"),
        ("CODUSU", "person_id"),
        ("NRO_HOGAR", "person_id"),
        ("COMPONENTE", "person_id"),
    }
    assert expected <= guessed
    why = {g["column"]: g["why"] for g in eph_report["migration_columns"]}
    assert "EPH place-of-birth" in why["CH15"]
    assert "CH15" in why["CH15_COD"]  # a second country_of_birth column says why


def test_eph_draft_validates_and_reads_the_country_through_a_gate(
    eph: pl.LazyFrame, tmp_path: Path
) -> None:
    text = draft_profile(eph, Metadata("csv"), EPH_Q4)
    profile = validated(text, tmp_path)
    assert profile.weight == "PONDERA"
    assert profile.person_id == ("CODUSU", "NRO_HOGAR", "COMPONENTE")
    assert profile.household_id == ("CODUSU", "NRO_HOGAR")
    assert "# GUESS: CODUSU + NRO_HOGAR, the household part of the EPH person id" in text
    assert profile.country == PLACEHOLDER  # no ISO code tells it is Argentina
    assert profile.placeholders == ("census.country", "census.reference_date")
    # no file holds the date: the year in the file name is only a hint for the reviewer
    assert 'reference_date = "REVIEW"' in text and "the year 2016 is in the file name" in text
    birth = profile.concepts["country_of_birth"]
    assert (birth.column, birth.case_insensitive) == ("CH15_COD", True)
    assert birth.gate is not None and birth.gate.column == "CH15"
    assert {"4", "5"} <= set(birth.gate.detail)
    assert profile.concepts["sex"].codes == {"1": "M", "2": "F"}
    assert profile.concepts["residence_5_years_ago"].column == "CH16"
    assert profile.concepts["age"].column == "CH06"
    assert "codes outside 0-120" in text and '"-1" (20)' in text
    lines = text.splitlines()
    assert any("GUESS" in line and "PONDERA" in line for line in lines)
    assert any(line.startswith("# Columns not used above") for line in lines)
    # local abbreviations that clash with ISO (EST = Estados Unidos) are only suggested
    assert '# "EST" = "EST"' in text and "EST" not in birth.codes


def test_eph_draft_takes_the_country_and_date_given(eph: pl.LazyFrame, tmp_path: Path) -> None:
    text = draft_profile(
        eph, Metadata("csv"), EPH_Q4, country="ar", reference_date=dt.date(2016, 9, 30)
    )
    profile = validated(text, tmp_path)
    assert (profile.country, profile.reference_date) == ("ARG", dt.date(2016, 9, 30))
    assert profile.placeholders == ()


# --- the sample census, with value labels given by hand ---------------------------------------

SAMPLE_META = Metadata(
    "parquet",
    column_labels={"POB": "Country of birth", "RES5": "Where did you live 5 years ago?"},
    value_labels={
        "POB": {
            "320": "Guatemala",
            "222": "El Salvador",
            "340": "Honduras",
            "484": "Méjico",
            "999": "Atlantis",
            "997": "Other Africa",
            "998": "Not stated",
        },
        "SEX": {"1": "Varón", "2": "Mujer", "9": "NS/NR"},
        "RES5": {
            "1": "Same dwelling",
            "2": "Same municipality",
            "3": "Other region",
            "5": "Abroad",
            "8": "Not in universe (under 5)",
            "9": "Unknown",
        },
    },
    missing={"AGE": ("999",)},
)


@pytest.fixture(scope="module")
def sample_draft() -> str:
    path = SAMPLE_DIR / "census.parquet"
    return draft_profile(pl.scan_parquet(path), SAMPLE_META, path)


def test_sample_draft_checks_country_labels_against_iso(sample_draft: str, tmp_path: Path) -> None:
    profile = validated(sample_draft, tmp_path)
    birth = profile.concepts["country_of_birth"]
    # the labels GTM, SLV, HND, MEX agree with the ISO numeric codes, so the draft names the system
    assert (birth.code_system, dict(birth.codes)) == ("iso3166-numeric", {})
    assert "the labels agree: 4 of 4 labels" in sample_draft
    assert birth.not_stated == ("998",)
    not_matched = next(line for line in sample_draft.splitlines() if "not matched" in line)
    assert "999 'Atlantis'" in not_matched and "997 'Other Africa'" in not_matched


def test_draft_maps_country_labels_to_iso_codes(tmp_path: Path) -> None:
    frame = pl.LazyFrame({"POB": [1] * 5 + [2] * 3 + [3, 9, 4]})
    meta = Metadata(
        "sav",
        value_labels={
            "POB": {
                "1": "Guatemala",
                "2": "El Salvador",
                "3": "Atlantis",
                "4": "Korea",
                "9": "No sabe",
            }
        },
    )
    text = draft_profile(frame, meta, tmp_path / "pob.sav")
    birth = validated(text, tmp_path).concepts["country_of_birth"]
    assert birth.code_system is None
    assert birth.codes["1"] == "GTM" and birth.codes["2"] == "SLV"
    assert birth.codes["4"] in ("KOR", "PRK") and "GUESS: 'Korea' fuzzy-matched" in text
    assert "3" not in birth.codes and "# not matched" in text and "3 'Atlantis'" in text
    assert birth.not_stated == ("9",)
    assert validated(text, tmp_path).country == "GTM"  # the most frequent country of birth
    assert "# GUESS: Guatemala (GTM) is the most frequent country_of_birth" in text


def test_sample_draft_maps_categories_and_missing_codes(sample_draft: str, tmp_path: Path) -> None:
    profile = validated(sample_draft, tmp_path)
    sex = profile.concepts["sex"]
    assert (dict(sex.codes), sex.not_stated) == ({"1": "M", "2": "F"}, ("9",))
    res5 = profile.concepts["residence_5_years_ago"]
    assert dict(res5.codes) == {
        "1": "same_dwelling", "2": "same_area", "3": "other_area", "5": "abroad"
    }  # fmt: skip
    assert (res5.not_applicable, res5.not_stated) == (("8",), ("9",))
    assert profile.concepts["age"].not_stated == ("999",)  # declared missing in the file
    # unlabelled ISO numeric columns use the code system
    assert profile.concepts["citizenship"].code_system == "iso3166-numeric"
    assert '"1" = "M"   # GUESS' in sample_draft


def test_sample_draft_points_at_the_unmapped_native_code(sample_draft: str) -> None:
    # 900 (Quetzalia) is the most frequent country of birth but no ISO country
    assert f'country = "{PLACEHOLDER}"' in sample_draft
    assert "in POB, 900 (" in sample_draft


# --- handmade frames --------------------------------------------------------------------------

PRIVATE = [
    "María José Pérez",
    "Calle Falsa 123, Springfield",
    "John Smith",
    "Av. Corrientes 1234 3B",
    "Jean-Pierre Dupont",
    "12 rue des Lilas, Lyon",
]


def test_free_text_values_never_appear_in_inspect() -> None:
    frame = pl.LazyFrame(
        {
            "NAME": PRIVATE[0::2] * 5,
            "ADDRESS": PRIVATE[1::2] * 5,
            "NOTE": [f"{v} says hello" for v in PRIVATE] * 2 + PRIVATE[:3],
            "SEX": [1, 2, 1] * 5,
        }
    )
    report = inspect_data(frame, Metadata("csv"))
    dumped = json.dumps(report, ensure_ascii=False)
    for value in PRIVATE:
        assert value not in dumped
        for word in value.replace(",", " ").split():
            if len(word) > 3 and not word.isdigit():
                assert word not in dumped, word
    assert {c["name"]: c["kind"] for c in report["columns"]} == {
        "NAME": "text", "ADDRESS": "text", "NOTE": "text", "SEX": "code"
    }  # fmt: skip
    assert column(report, "NAME")["distinct"] == 3


def test_codes_are_ordered_by_count_then_code_and_cut_at_max_codes() -> None:
    frame = pl.LazyFrame({"C": [10, 9, 9, 2, 2, 10, 1, None]})
    report = inspect_data(frame, Metadata("csv", value_labels={"C": {"9": "Nine"}}), max_codes=3)
    entry = column(report, "C")
    assert entry["codes"] == [
        {"code": "2", "count": 2, "label": None},
        {"code": "9", "count": 2, "label": "Nine"},
        {"code": "10", "count": 2, "label": None},
    ]
    assert (entry["distinct"], entry["nulls"], entry["value_labels"]) == (4, 1, 1)


def test_float_codes_and_numbers() -> None:
    frame = pl.LazyFrame(
        {
            "SPSS_CODE": [1.0, 2.0, 2.0, None],
            "INCOME": [1.5, 2.25, 3.0, 4.0],
            "ID": list(range(1000, 1004)),
        }
    )
    report = inspect_data(frame, Metadata("sav"))
    assert column(report, "SPSS_CODE")["codes"][0] == {"code": "2", "count": 2, "label": None}
    assert column(report, "INCOME")["kind"] == "number"
    assert "codes" not in column(report, "INCOME")
    assert "codes" not in column(report, "ID")  # every value once: not a code list


def test_big_identifier_column_is_an_identifier() -> None:
    frame = pl.LazyFrame({"PERSON_ID": list(range(1000)), "AGE": [i % 90 for i in range(1000)]})
    report = inspect_data(frame, Metadata("csv"))
    assert column(report, "PERSON_ID")["kind"] == "identifier"
    assert "codes" not in column(report, "PERSON_ID")
    assert column(report, "AGE")["kind"] == "code"


FIRST_NAMES = ["Miguel", "Lucía", "Jean-Pierre", "Akosua", "Dmitri", "Guadalupe", "Xiomara"]


def reviewers_frame(records: int = 250) -> pl.LazyFrame:
    """Ids, names, phones and incomes beside real code columns, as in the reviewer's repro."""
    rows = range(records)
    return pl.LazyFrame(
        {
            "PERSON_ID": [700_001 + i for i in rows],
            "HH_ID": [900_001 + i // 3 for i in rows],
            "CASE_NUMBER": [5_000_003 + 7 * i for i in rows],  # an id nothing guesses
            "FIRST_NAME": [FIRST_NAMES[(i * 5) % 7] for i in rows],
            "PHONE": [40_000_000 + 104_729 * i for i in rows],  # 8 digits
            "INCOME": [12_000 + 37 * (i % 120) for i in rows],  # 120 distinct amounts
            "BONUS": [0] * (records - 2) + [15_000, 30_000],  # mostly 0, as EPH's V9_M
            "RENT": [0] * (records - 3) + [-9, 850, 450],  # small amounts, still amounts
            "BIRTH_DATE": [f"19{50 + i % 50}-0{1 + i % 9}-{10 + i % 18}" for i in rows],
            "SEX": [1 + i % 2 for i in rows],
            "POB": [900] * (records - 10) + [320] * 6 + [484] * 4,
            "EDUC": [i % 7 for i in rows],  # a code list nothing guesses
            # three-letter codes in a column nothing guesses (PROV is now guessed as geography)
            "LOCALITY": [("BUE", "COR", "bol")[i % 3] for i in rows],
        }
    )


REVIEWER_PRIVATE = {
    "PERSON_ID": [700_001, 700_125, 700_250],
    "HH_ID": [900_001, 900_042],
    "CASE_NUMBER": [5_000_003, 5_000_010],
    "PHONE": [40_000_000, 40_104_729],
    "INCOME": [12_000, 12_037, 16_403],
    "BONUS": [15_000, 30_000],
    "RENT": [850, 450],
    "BIRTH_DATE": ["1950-01-10", "1999-09-27"],
}


def test_reviewers_repro_lists_no_ids_names_phones_or_incomes() -> None:
    report = inspect_data(reviewers_frame(), Metadata("csv"))
    dumped = json.dumps(report, ensure_ascii=False)
    for name in FIRST_NAMES:
        assert name not in dumped, name
    for name, values in REVIEWER_PRIVATE.items():
        for value in values:
            assert str(value) not in dumped, (name, value)
    kinds = {c["name"]: c["kind"] for c in report["columns"]}
    assert kinds == {
        "PERSON_ID": "identifier",  # guessed as the person id
        "HH_ID": "identifier",  # guessed as the household id
        "CASE_NUMBER": "identifier",  # near-unique
        "FIRST_NAME": "text",
        "PHONE": "identifier",
        "INCOME": "number",
        "BONUS": "number",
        "RENT": "number",
        "BIRTH_DATE": "identifier",
        "SEX": "code",
        "POB": "code",
        "EDUC": "code",
        "LOCALITY": "text",  # undescribed text is never listed, codes or not
    }
    for entry in report["columns"]:
        assert ("codes" in entry) == (entry["kind"] == "code")
    codes = {
        c["name"]: {x["code"]: x["count"] for x in c.get("codes", [])} for c in report["columns"]
    }
    assert codes["SEX"] == {"1": 125, "2": 125}
    assert codes["POB"] == {"900": 240, "320": 6, "484": 4}
    assert codes["EDUC"] == {str(i): 36 if i < 5 else 35 for i in range(7)}
    assert codes["LOCALITY"] == {} and "BUE" not in dumped
    assert column(report, "FIRST_NAME")["distinct"] == 7  # counts only


def test_reviewers_repro_on_the_sample_census() -> None:
    # the reviewer's 250 persons: PERSON_ID is guessed as the person id, so no id is listed
    frame = pl.scan_parquet(SAMPLE_DIR / "census.parquet").head(250)
    report = inspect_data(frame, Metadata("parquet"))
    assert column(report, "PERSON_ID")["kind"] == "identifier"
    assert "codes" not in column(report, "PERSON_ID")
    assert "codes" not in column(report, "HH_ID")
    assert column(report, "SEX")["kind"] == column(report, "POB")["kind"] == "code"
    assert sum(c["count"] for c in column(report, "SEX")["codes"]) == 250


def test_small_files_labels_and_roles_are_classified_conservatively() -> None:
    frame = pl.LazyFrame(
        {
            "PONDERA": [120, 120, 95, 95, 95, 120],  # guessed weight: never codes
            "HHID": [1, 1, 2, 2, 2, 3],  # guessed household id
            "UNIQUE": [11, 12, 13, 14, 15, 16],  # every value once: not a code list
            "FLAG": [True, False, True, True, False, True],
            "Q1": [1, 2, 2, 1, 9, 1],  # labelled
            "WAGE": [0, 0, 0, 350, 99_999, 0],  # its only label is the missing code
            "CODE4": ["ABCD", "EFGH", "ABCD", "ABCD", "EFGH", "ABCD"],  # 4 characters
            "CODE3": ["ABC", "EFG", "ABC", "ABC", "EFG", "ABC"],
        }
    )
    meta = Metadata(
        "sav",
        value_labels={
            "Q1": {"1": "Yes", "2": "No", "9": "No answer"},
            "WAGE": {"99999": "No answer"},
        },
    )
    report = inspect_data(frame, meta)
    kinds = {c["name"]: c["kind"] for c in report["columns"]}
    assert kinds == {
        "PONDERA": "number",
        "HHID": "identifier",
        "UNIQUE": "number",
        "FLAG": "code",
        "Q1": "code",
        "WAGE": "number",
        "CODE4": "text",
        "CODE3": "text",
    }
    assert "350" not in json.dumps(report)
    assert {c["code"]: c["label"] for c in column(report, "Q1")["codes"]}["9"] == "No answer"


def test_max_codes_below_one_is_an_error() -> None:
    frame = pl.LazyFrame({"SEX": [1, 2, 2]})
    for bad in (0, -3):
        with pytest.raises(CensusmigError, match=rf"^max_codes must be at least 1 \(got {bad}\)$"):
            inspect_data(frame, Metadata("csv"), max_codes=bad)
    assert len(column(inspect_data(frame, Metadata("csv"), max_codes=1), "SEX")["codes"]) == 1


def test_max_codes_below_one_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text("SEX\n1\n2\n")
    result = CliRunner().invoke(app, ["inspect", str(path), "--max-codes", "0"])
    assert result.exit_code == 2
    assert "--max-codes must be at least 1 (got 0)" in result.stderr
    assert "Traceback" not in result.stderr


def test_guess_concepts_from_labels_in_three_languages() -> None:
    labels = {
        "P1": "¿Dónde nació?",
        "P2": "Nacionalidad",
        "P3": "Año de llegada al país",
        "P4": "Où habitiez-vous il y a 5 ans ?",
        "P5": "Pays de naissance de la mère",
        "P6": "Main reason for migration",
        "P7": "Sexo",
        "P8": "Edad en años cumplidos",
        "P9": "Factor de expansión",
        "P10": "Percentage of time worked",
        "P11": "Country of residence one year ago",
        "P12": "Lugar de residencia hace 5 años",
    }
    guesses = guess_concepts(list(labels), Metadata("sav", column_labels=labels))
    assert concepts_of(guesses) == {
        "P1": "country_of_birth",
        "P2": "citizenship",
        "P3": "year_of_arrival",
        "P4": "residence_5_years_ago",
        "P5": "country_of_birth_mother",
        "P6": "reason_for_migration",
        "P7": "sex",
        "P8": "age",
        "P9": "weight",
        "P11": "country_1_year_ago",
        "P12": "residence_5_years_ago",
    }
    assert next(g for g in guesses if g.column == "P1").why == "label '¿Dónde nació?'"


def test_guess_concepts_names_win_and_second_candidates_say_so() -> None:
    columns = ["SEXO", "SEX", "BPL", "PERWT", "SERIAL", "PERNUM", "YRIMMIG", "MIGRATE1"]
    meta = Metadata("ddi", column_labels={"SEXO": "Edad"})  # the name wins over the label
    guesses = guess_concepts(columns, meta)
    assert concepts_of(guesses) == {
        "SEXO": "sex",
        "SEX": "sex",
        "BPL": "country_of_birth",
        "PERWT": "weight",
        "SERIAL": "person_id",
        "PERNUM": "person_id",
        "YRIMMIG": "year_of_arrival",
        "MIGRATE1": "residence_1_year_ago",
    }
    sex = [g for g in guesses if g.concept == "sex"]
    assert [g.column for g in sex] == ["SEXO", "SEX"]
    assert "second candidate for sex: the draft uses SEXO" in sex[1].why
    assert guesses[0].concept == "weight"  # data roles first, then concepts in catalogue order


def test_match_country() -> None:
    exact = {
        label: match_country(label)
        for label in ("Estados Unidos", "Bolivia (Plurinational State of)", "Pérou", "Burma")
    }
    assert {label: m and (m.alpha3, m.fuzzy) for label, m in exact.items()} == {
        "Estados Unidos": ("USA", False),
        "Bolivia (Plurinational State of)": ("BOL", False),
        "Pérou": ("PER", False),
        "Burma": ("MMR", False),
    }
    texas = match_country("Texas")  # pycountry's fuzzy search knows subdivisions
    assert texas is not None and (texas.alpha3, texas.fuzzy) == ("USA", True)
    korea = match_country("Korea")
    assert korea is not None and korea.fuzzy  # ambiguous: both Koreas are offered
    assert {korea.alpha3, *korea.alternatives} == {"KOR", "PRK"}
    assert match_country("Corea del Sur") == match_country("South Korea")
    for residual in ("Other Africa", "Otros países de América", "Atlantis", ""):
        assert match_country(residual) is None


def test_sav_style_metadata_prefers_the_label_to_the_declared_missing_code(tmp_path: Path) -> None:
    frame = pl.LazyFrame({"RES5": [1, 2, 3, 5, 8, 9, 1], "CIT": [32, 76, 68, 600, 997, 998, 152]})
    labels = {
        "RES5": {
            "1": "Same dwelling",
            "2": "Another dwelling, same district",
            "3": "Another district, same region",
            "5": "Abroad",
            "8": "Not applicable",
        },
        "CIT": {"32": "Argentina", "68": "Bolivia", "76": "Brasil", "997": "Stateless"},
    }
    meta = Metadata("sav", value_labels=labels, missing={"RES5": ("8", "9"), "CIT": ("998",)})
    profile = validated(draft_profile(frame, meta, tmp_path / "c.sav"), tmp_path)
    res5 = profile.concepts["residence_5_years_ago"]
    assert (res5.not_stated, res5.not_applicable) == (("9",), ("8",))
    assert dict(res5.codes) == {
        "1": "same_dwelling", "2": "same_area", "3": "other_area", "5": "abroad"
    }  # fmt: skip
    citizenship = profile.concepts["citizenship"]
    assert citizenship.code_system == "iso3166-numeric"
    assert dict(citizenship.codes) == {"997": "XXA"}  # extra_codes: stateless


def test_special_and_category_codes() -> None:
    assert special_code("No sabe / no responde") == "_U"
    assert special_code("NS/NR") == "_U"
    assert special_code("Not in universe") == "_Z"
    assert special_code("N/A") == "_Z"
    assert special_code("Guatemala") is None
    assert category_code("sex", "Varón") == "M"
    assert category_code("sex", "Female") == "F"
    assert category_code("sex", "Masculin") == "M"
    assert category_code("residence_1_year_ago", "Moved between states") == "other_area"
    assert category_code("residence_1_year_ago", "Abroad one year ago") == "abroad"
    assert category_code("reason_for_migration", "Por trabajo") == "employment"
    assert category_code("reason_for_migration", "Something unusual") is None


def test_draft_uses_iso_codes_and_guesses_the_census_country(tmp_path: Path) -> None:
    frame = pl.LazyFrame(
        {
            "POB": ["032"] * 20 + ["068", "600", "600", "76", "999"],
            "CIUDADANIA": ["AR"] * 22 + ["BO", "PY", "ar"],
            "EDAD": [30] * 24 + [99],
        }
    )
    meta = Metadata(
        "csv",
        column_labels={"CIUDADANIA": "Ciudadanía"},
        value_labels={"EDAD": {"99": "Ignorado"}},
    )
    text = draft_profile(frame, meta, tmp_path / "censo1991.csv")
    profile = validated(text, tmp_path)
    assert profile.country == "ARG"
    assert "# GUESS: Argentina (ARG) is the most frequent country_of_birth" in text
    # the year in the file name is a hint; the date stays a placeholder that tabulate refuses
    assert profile.placeholders == ("census.reference_date",)
    assert "(the year 1991 is in the file name)" in text
    assert profile.concepts["country_of_birth"].code_system == "iso3166-numeric"
    assert '"999" (1)' in text  # not an ISO code: listed for review
    citizenship = profile.concepts["citizenship"]
    assert (citizenship.code_system, citizenship.case_insensitive) == ("iso3166-alpha2", True)
    assert profile.concepts["age"].not_stated == ("99",)


def test_sample_draft_names_the_household_id(sample_draft: str, tmp_path: Path) -> None:
    profile = validated(sample_draft, tmp_path)
    assert (profile.person_id, profile.household_id) == (("PERSON_ID",), ("HH_ID",))
    assert 'household_id = "HH_ID"   # GUESS: name HH_ID' in sample_draft


@pytest.mark.parametrize(
    ("columns", "household"),
    [
        (["pernum", "serial", "AGE"], ("serial",)),  # IPUMS, in any order and case
        (["SERIALNO", "SPORDER"], ("SERIALNO",)),  # ACS PUMS
        (["SERIAL", "PERNUM", "HHID"], ("HHID",)),  # a household id of its own wins
        (["PERSON_ID", "SEX"], ()),  # nothing says where the household is
    ],
)
def test_draft_household_id_from_a_composite_person_id(
    columns: list[str], household: tuple[str, ...], tmp_path: Path
) -> None:
    frame = pl.LazyFrame({name: [1, 2, 3] for name in columns})
    text = draft_profile(frame, Metadata("csv"), tmp_path / "data.csv")
    assert validated(text, tmp_path).household_id == household


def test_draft_of_a_file_without_recognisable_columns(tmp_path: Path) -> None:
    frame = pl.LazyFrame({"X1": [1, 2], "X2": ["a", "b"]})
    text = draft_profile(frame, Metadata("csv"), tmp_path / "data.csv")
    assert validated(text, tmp_path).concepts == {}
    assert "REVIEW: no column was recognised" in text
    assert "Columns not used above (2): X1, X2" in text


def test_draft_rejects_an_unknown_country(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown census country"):
        draft_profile(pl.LazyFrame({"SEX": [1]}), Metadata("csv"), tmp_path / "x.csv", country="??")
