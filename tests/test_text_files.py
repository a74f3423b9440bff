"""CSV files as others write them: blank lines are not records, blanks around fields are trimmed.

Each test builds its file from the sample census in ``tmp_path``; each failed before the fix
(issue 11, classes 3 and 4): a blank last line was one more person with a missing weight, and a
file written with ``", "`` separators gave the weight ``" 105363"`` as text, which failed with
a message quoting the values, and the code ``" Male"``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.errors import InputError
from censusmig.readers.formats import count_blank_lines, open_microdata
from censusmig.readers.options import ReadOptions
from censusmig.renderers.quality import quality_rows
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

RECIPES = ("nativity_age_sex", "foreign_born_country_of_birth_age_sex")
RECORDS = 400


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def sample(records: int = RECORDS) -> pl.DataFrame:
    """The first records of the sample, with a weight of whole numbers and text sex codes."""
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet").head(records)
    return frame.with_columns(
        (100_000 + pl.int_range(pl.len()) * 7).alias("WEIGHT"),
        pl.col("SEX").replace_strict({1: "Male", 2: "Female"}, default="Not stated").alias("SEX"),
    )


@pytest.fixture
def text_profile(tmp_path: Path) -> Path:
    """The sample profile, weighted by WEIGHT, with sex coded as text ("Male", "Female")."""
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    text = text.replace('person_id = "PERSON_ID"', 'person_id = "PERSON_ID"\nweight = "WEIGHT"')
    text = text.replace(
        'sex = { column = "SEX", codes = { "1" = "M", "2" = "F" }, not_stated = ["9"] }',
        'sex = { column = "SEX", codes = { "Male" = "M", "Female" = "F" }, '
        'not_stated = ["Not stated"] }',
    )
    assert 'weight = "WEIGHT"' in text and '"Male" = "M"' in text
    path = tmp_path / "text.profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cells(data: Path, profile: Path, options: ReadOptions | None = None) -> list[pl.DataFrame]:
    run = api.tabulate(data, profile, recipes=RECIPES, read_options=options)
    assert run.reconciles
    return [table.cells for table in run.tables]


def with_blank_lines(clean: Path, target: Path) -> None:
    """The clean file with blank lines before the 11th record, in the middle and at the end."""
    lines = clean.read_text(encoding="utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    lines[middle:middle] = ["  \t\r\n"]  # blanks only: still a blank line
    lines[11:11] = ["\n"]
    target.write_text("".join(lines) + "\n", encoding="utf-8")


# --- class 3: blank lines ------------------------------------------------------------------


def test_blank_lines_are_not_records_and_every_command_agrees(
    tmp_path: Path, text_profile: Path
) -> None:
    clean = tmp_path / "clean.csv"
    sample().write_csv(clean)
    blank = tmp_path / "blank.csv"
    with_blank_lines(clean, blank)
    assert count_blank_lines(blank) == 3

    notes: list[str] = []
    options = ReadOptions(note=notes.append)
    run = api.tabulate(blank, text_profile, recipes=RECIPES, read_options=options)
    assert run.manifest["input"]["records"] == RECORDS
    assert run.manifest["input"]["blank_lines_skipped"] == 3
    assert [t.cells for t in run.tables] == [t.cells for t in run.tables]
    for mine, theirs in zip([t.cells for t in run.tables], cells(clean, text_profile), strict=True):
        assert mine.equals(theirs)
    assert notes == [f"{blank}: skipped 3 blank lines (not records)"]
    assert ["Blank lines skipped (not records)", "note", 3, ""] in quality_rows(run.record)
    assert api.inspect(blank)["records"] == RECORDS
    assert api.check(blank, text_profile).records == RECORDS
    assert api.convert(blank, tmp_path / "blank.parquet").records == RECORDS
    assert pl.read_parquet(tmp_path / "blank.parquet").equals(pl.read_csv(clean))

    # A file without blank lines keeps run.json's keys as they were.
    assert (
        "blank_lines_skipped"
        not in api.tabulate(clean, text_profile, recipes=RECIPES).manifest["input"]
    )


@pytest.mark.parametrize("command", [["inspect"], ["check", "-p", "{profile}"]], ids=str)
def test_the_command_line_says_how_many_blank_lines_it_skipped(
    tmp_path: Path, text_profile: Path, command: list[str]
) -> None:
    clean = tmp_path / "clean.csv"
    sample(20).write_csv(clean)
    blank = tmp_path / "blank.csv"
    clean.write_text(clean.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a blank last
    blank.write_bytes(clean.read_bytes())
    args = [part.format(profile=text_profile) for part in command]
    code, stdout, stderr = invoke("-q", args[0], str(blank), *args[1:])
    assert code in (0, 1), stderr
    assert "note:" in stderr and "skipped 1 blank line (not records)" in stderr
    assert "blank line" not in stdout


def test_a_line_of_separators_is_a_record_and_quoted_blank_lines_are_data(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text('ID,NOTE,W\n1,"two\n\nparagraphs",2\n,,\n\n2,x,3\n', encoding="utf-8")
    with open_microdata(path) as source:
        frame = source.frame.collect()
        assert source.blank_lines == 1
    assert frame.height == 3  # 1, the line of separators (all cells empty), 2
    assert frame["NOTE"].to_list() == ["two\n\nparagraphs", None, "x"]
    assert frame["W"].to_list() == [2, None, 3]

    tabs = tmp_path / "tabs.tsv"
    tabs.write_text("ID\tW\n1\t2\n\t\n\n", encoding="utf-8")  # a line of tabs only is a record
    with open_microdata(tabs) as source:
        assert source.frame.select(pl.len()).collect().item() == 2
        assert source.blank_lines == 1


def test_leading_blank_lines_do_not_hide_the_separator(tmp_path: Path, text_profile: Path) -> None:
    clean = tmp_path / "clean.csv"
    sample().write_csv(clean, separator=";")
    late = tmp_path / "late.csv"
    late.write_text("\n \r\n" + clean.read_text(encoding="utf-8"), encoding="utf-8")

    notes: list[str] = []
    found = cells(late, text_profile, ReadOptions(note=notes.append))
    for mine, theirs in zip(found, cells(clean, text_profile), strict=True):
        assert mine.equals(theirs)
    assert notes == [f"{late}: skipped 2 blank lines (not records)"]
    assert [c["name"] for c in api.inspect(late)["columns"]] == sample().columns

    # The truncation check reads the header after the blank lines too.
    lines = clean.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = tmp_path / "cut.csv"
    cut.write_text("\n\n" + "".join(lines[:-1]) + lines[-1][:5], encoding="utf-8")
    with pytest.raises(InputError, match="the file is probably truncated"):
        open_microdata(cut)


# --- class 4: padded fields ----------------------------------------------------------------


def padded(clean: Path, target: Path) -> None:
    """The clean file as written with ", " separators (names and fields padded)."""
    target.write_text(clean.read_text(encoding="utf-8").replace(",", ", "), encoding="utf-8")


def test_padded_numbers_and_codes_are_read_trimmed(tmp_path: Path, text_profile: Path) -> None:
    clean = tmp_path / "clean.csv"
    sample().write_csv(clean)
    spaced = tmp_path / "spaced.csv"
    padded(clean, spaced)
    assert ", 100000" in spaced.read_text(encoding="utf-8")

    with open_microdata(spaced) as source:
        schema = source.frame.collect_schema()
    assert schema["WEIGHT"] == pl.Int64 and schema["AGE"] == pl.Int64
    assert schema["SEX"] == pl.String
    for mine, theirs in zip(cells(spaced, text_profile), cells(clean, text_profile), strict=True):
        assert mine.equals(theirs)
    sex = next(c for c in api.inspect(spaced)["columns"] if c["name"] == "SEX")
    assert " Male" not in str(sex) and "Male" in str(sex)


def test_keep_blanks_reads_fields_as_written_and_never_quotes_them(
    tmp_path: Path, text_profile: Path
) -> None:
    clean = tmp_path / "clean.csv"
    sample().write_csv(clean)
    spaced = tmp_path / "spaced.csv"
    padded(clean, spaced)
    with open_microdata(spaced, ReadOptions(keep_blanks=True)) as source:
        assert " SEX" in source.frame.collect_schema().names()

    # The padded names still match the profile once given as written; the weight is text.
    spaced_profile = tmp_path / "spaced.profile.toml"
    text = text_profile.read_text(encoding="utf-8")
    for name in sample().columns[1:]:
        text = text.replace(f'"{name}"', f'" {name}"')
    spaced_profile.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        api.tabulate(
            spaced, spaced_profile, recipes=RECIPES, read_options=ReadOptions(keep_blanks=True)
        )
    message = str(raised.value)
    assert "weight column ' WEIGHT' holds 400 values that are not numbers" in message
    assert f"(of {RECORDS} records; values not shown)" in message
    assert "100000" not in message and "values not shown" in message


def test_a_weight_column_of_text_names_the_column_and_the_count_only(
    tmp_path: Path, text_profile: Path
) -> None:
    frame = sample(30).with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0)
        .then(pl.lit("secret-7"))
        .otherwise(pl.col("WEIGHT").cast(pl.String))
        .alias("WEIGHT")
    )
    path = tmp_path / "text_weight.csv"
    frame.write_csv(path)
    out = tmp_path / "out"
    code, stdout, stderr = invoke("tabulate", str(path), "-p", str(text_profile), "-o", str(out))
    assert code == 2 and stdout == ""
    assert "weight column 'WEIGHT' holds 10 values that are not numbers (of 30 records" in " ".join(
        stderr.split()
    )
    assert "secret" not in stderr and "100007" not in stderr


def test_text_late_in_a_padded_number_column_is_an_unknown_code(
    tmp_path: Path, text_profile: Path
) -> None:
    frame = sample(12_000).with_columns(
        pl.when(pl.int_range(pl.len()) == 11_000)
        .then(pl.lit("abc"))
        .otherwise(pl.col("AGE").cast(pl.String))
        .alias("AGE")
    )
    clean = tmp_path / "clean.csv"
    frame.write_csv(clean)
    spaced = tmp_path / "spaced.csv"
    padded(clean, spaced)
    run = api.tabulate(spaced, text_profile, recipes=["nativity_age_sex"])
    assert run.reconciles and run.manifest["input"]["records"] == 12_000
    assert run.manifest["unknown_codes"]["age"]["AGE=abc"] == 1
