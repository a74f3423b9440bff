"""The data-quality summary of a run (what needs attention), strict runs, and unreviewed drafts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from censusmig import api
from censusmig.errors import EXIT_CANNOT_RUN, EXIT_PROBLEMS, SpecError
from censusmig.profiles.model import PLACEHOLDER, read_profile
from censusmig.protection.attention import UNKNOWN_CODE_SHARE, Attention, attention
from helpers import SAMPLE_DIR, SAMPLE_PROFILE, people

CLEAN = [(1, 30, 900), (2, 40, 900), (1, 70, 320), (2, 8, 900)]
RECIPES = ("nativity_age_sex",)


def tabulate(tmp_path: Path, rows: list[tuple[int, int, int]], **kwargs: object) -> api.Tabulation:
    data = tmp_path / "people.csv"
    people(rows).write_csv(data)
    return api.tabulate(data, SAMPLE_PROFILE, recipes=RECIPES, **kwargs)  # type: ignore[arg-type]


def weighted_profile(tmp_path: Path) -> Path:
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    profile = tmp_path / "weighted.toml"
    profile.write_text(text.replace("[data]\n", '[data]\nweight = "WEIGHT"\n', 1), encoding="utf-8")
    return profile


def test_a_clean_run_needs_no_attention(tmp_path: Path) -> None:
    run = tabulate(tmp_path, CLEAN)
    assert run.attention == ()
    assert run.to_dict()["attention"] == []


def test_failing_edit_checks_and_unknown_codes_need_attention(tmp_path: Path) -> None:
    rows = [*CLEAN, (2, 150, 999)]  # age 150 and country 999 are in no code list
    items = tabulate(tmp_path, rows).attention
    assert [(i.kind, i.subject) for i in items] == [
        ("edit_check", "unknown_code"),
        ("edit_check", "age_out_of_range"),
        ("unknown_codes", "age"),
        ("unknown_codes", "country_of_birth"),
    ]
    birth = items[3]
    assert (birth.records, birth.share) == (1, pytest.approx(1 / 5))
    assert "1 of 5 records (20.0%)" in birth.message and "POB=999: 1" in birth.message


def test_unknown_codes_below_the_threshold_need_no_attention(tmp_path: Path) -> None:
    few = int(1 / UNKNOWN_CODE_SHARE)  # one unknown code in more records than the threshold
    rows = [(1, 30, 900)] * few + [(1, 30, 999)]
    assert tabulate(tmp_path, rows, edit_checks=False).attention == ()
    rows = [(1, 30, 900)] * (few - 2) + [(1, 30, 999)] * 2  # two in as many: above it
    items = tabulate(tmp_path, rows, edit_checks=False).attention
    assert [(i.kind, i.subject, i.records) for i in items] == [
        ("unknown_codes", "country_of_birth", 2)
    ]


def test_missing_and_non_positive_weights_need_attention(tmp_path: Path) -> None:
    data = tmp_path / "weighted.csv"
    people(CLEAN, weights=[10.0, None, 0.0, -1.0]).write_csv(data)  # type: ignore[list-item]
    run = api.tabulate(data, weighted_profile(tmp_path), recipes=RECIPES, edit_checks=False)
    assert [(i.kind, i.subject, i.records) for i in run.attention] == [
        ("weights", "missing", 1),
        ("weights", "zero_or_negative", 2),
        ("sampling_errors", "design", None),  # a weight and no [design]: no standard errors
    ]
    assert run.attention[0].message == "weight WEIGHT: 1 record(s) missing (counted with weight 0)"


def test_a_table_that_does_not_reconcile_needs_attention(tmp_path: Path) -> None:
    record = tabulate(tmp_path, CLEAN).record
    broken = dataclasses.replace(record.tables[0], reconciles=False)
    items = attention(dataclasses.replace(record, tables=(broken,)))
    assert items == (
        Attention(
            "reconciliation",
            "nativity_age_sex",
            broken.universe_records,
            None,
            f"table nativity_age_sex: its records do not add up to its universe "
            f"({broken.universe})",
        ),
    )


def test_strict_fails_after_the_outputs_are_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(api.NeedsAttentionError) as raised:
        tabulate(tmp_path, [*CLEAN, (2, 150, 999)], out=out, formats=("csv",), strict=True)
    error = raised.value
    assert error.exit_code == EXIT_PROBLEMS
    assert (out / "run.json").is_file() and (out / "csv" / "nativity_age_sex.csv").is_file()
    assert error.tabulation.outputs[-1] == out / "run.json"
    assert len(error.tabulation.attention) == 4
    assert "4 data-quality item(s) need attention, a failure with strict" in str(error)
    assert tabulate(tmp_path, CLEAN, strict=True).attention == ()  # nothing to fail on


def draft_of_the_sample(tmp_path: Path, **kwargs: str) -> Path:
    return api.init_profile(SAMPLE_DIR / "census.parquet", tmp_path / "draft.toml", **kwargs)


def test_a_draft_holds_explicit_placeholders_that_tabulate_refuses(tmp_path: Path) -> None:
    draft = draft_of_the_sample(tmp_path)
    text = draft.read_text(encoding="utf-8")
    assert f'country = "{PLACEHOLDER}"' in text and f'reference_date = "{PLACEHOLDER}"' in text
    assert read_profile(draft).placeholders == ("census.country", "census.reference_date")
    out = tmp_path / "out"
    with pytest.raises(SpecError) as raised:
        api.tabulate(SAMPLE_DIR / "census.parquet", draft, out=out)
    assert raised.value.exit_code == EXIT_CANNOT_RUN
    assert [(p.key, p.value) for p in raised.value.problems] == [
        ("census.country", PLACEHOLDER),
        ("census.reference_date", PLACEHOLDER),
    ]
    message = str(raised.value)
    assert 'such as country = "ARG"' in message and "such as reference_date = 2016-10-01" in message
    assert not out.exists()  # nothing published under a placeholder
    # the reviewer's edit check still runs on the draft
    assert api.check(SAMPLE_DIR / "census.parquet", draft).records == 20_000


def test_a_draft_given_country_and_date_tabulates(tmp_path: Path) -> None:
    draft = draft_of_the_sample(tmp_path, country="GTM", reference_date="2025-03-15")
    assert read_profile(draft).placeholders == ()
    run = api.tabulate(SAMPLE_DIR / "census.parquet", draft, recipes=["nativity_age_sex"])
    assert run.record.census.country == "GTM"


def test_a_reviewed_value_is_never_mistaken_for_the_placeholder(tmp_path: Path) -> None:
    draft = draft_of_the_sample(tmp_path, reference_date="2025-03-15")
    with pytest.raises(SpecError) as raised:
        read_profile(draft, reviewed=True)
    assert [p.key for p in raised.value.problems] == ["census.country"]
    reviewed = draft.read_text(encoding="utf-8").replace(f'"{PLACEHOLDER}"', '"QUE"')
    draft.write_text(reviewed, encoding="utf-8")
    assert read_profile(draft, reviewed=True).placeholders == ()


def test_an_edit_check_count_withheld_by_suppression_is_told_without_its_number(
    tmp_path: Path,
) -> None:
    # Two children under 5 with a residence five years ago: the check fails for 2 records, a
    # count the threshold rule withholds; the summary says so instead of crashing on None.
    import polars as pl

    census = pl.read_parquet(SAMPLE_DIR / "census.parquet").with_row_index("_n")
    flagged = census.filter((pl.col("AGE") < 5) & (pl.col("RES5") == 1))["_n"].to_list()
    assert len(flagged) == 6
    kept = census.filter(~pl.col("_n").is_in(flagged[2:])).drop("_n")
    data = tmp_path / "census.parquet"
    kept.write_parquet(data)
    run = api.tabulate(data, SAMPLE_PROFILE, recipes=RECIPES, protect="suppress")
    item = next(i for i in run.attention if i.subject == "residence_5y_under_5")
    assert item.records is None
    assert "failed for a few (withheld: fewer than the threshold) record(s)" in item.message
