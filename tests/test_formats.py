"""Readers: every format and packing of the sample census gives the same tables; bad files fail
cleanly (exit 2, a message naming the file and the fix, never a traceback)."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.errors import CensusmigError, InputError
from censusmig.protection.record import RunRecord
from censusmig.readers.formats import find_decode_error, open_microdata
from censusmig.readers.meta import Metadata
from censusmig.readers.options import ReadOptions
from censusmig.renderers.quality import quality_rows
from helpers import SAMPLE_DIR, SAMPLE_PROFILE, people

RECIPES = (
    "nativity_age_sex",
    "foreign_born_country_of_birth_age_sex",
    "migratory_status_sex_age_region",
)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def cells(data: Path, options: ReadOptions | None = None) -> list[pl.DataFrame]:
    run = api.tabulate(data, SAMPLE_PROFILE, recipes=RECIPES, read_options=options)
    assert run.reconciles
    return [table.cells for table in run.tables]


@pytest.fixture(scope="module")
def reference() -> list[pl.DataFrame]:
    return cells(SAMPLE_DIR / "census.parquet")


def assert_same(found: list[pl.DataFrame], reference: list[pl.DataFrame]) -> None:
    assert len(found) == len(reference)
    for mine, theirs in zip(found, reference, strict=True):
        assert mine.equals(theirs)


@pytest.mark.parametrize("name", ["census.csv", "census.sav", "census.dta"])
def test_every_committed_format_gives_the_parquet_tables(
    name: str, reference: list[pl.DataFrame]
) -> None:
    assert_same(cells(SAMPLE_DIR / name), reference)


def test_all_fourteen_tables_agree_between_spss_and_parquet() -> None:
    spss = api.tabulate(SAMPLE_DIR / "census.sav", SAMPLE_PROFILE)
    parquet = api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE)
    assert len(spss.tables) == 14
    assert_same([t.cells for t in spss.tables], [t.cells for t in parquet.tables])
    # SPSS stores codes as floats; reports still show them as the codes written (POB=999)
    assert spss.manifest["unknown_codes"] == parquet.manifest["unknown_codes"]
    assert spss.manifest["edit_checks"] == parquet.manifest["edit_checks"]


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 3,000 records of the sample as CSV, and the tables they give."""
    path = tmp_path_factory.mktemp("small") / "small.csv"
    pl.read_parquet(SAMPLE_DIR / "census.parquet").head(3_000).write_csv(path)
    return path


def test_packings_and_separators_give_the_same_tables(small_csv: Path, tmp_path: Path) -> None:
    expected = cells(small_csv)
    packed = tmp_path / "small.csv.gz"
    with small_csv.open("rb") as source, gzip.open(packed, "wb") as sink:
        shutil.copyfileobj(source, sink)
    assert_same(cells(packed), expected)

    zipped = tmp_path / "small.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(small_csv, "inner/small.csv")
    assert_same(cells(zipped), expected)

    tsv = tmp_path / "small.tsv"
    pl.read_csv(small_csv).write_csv(tsv, separator="\t")
    assert_same(cells(tsv), expected)

    semicolons = tmp_path / "small_semicolons.csv"
    pl.read_csv(small_csv).write_csv(semicolons, separator=";")
    assert_same(cells(semicolons, ReadOptions(delimiter="semicolon")), expected)

    bare = tmp_path / "bare.csv"
    pl.read_csv(small_csv).write_csv(bare, include_header=False)
    with open_microdata(bare, ReadOptions(header=False)) as source:
        assert source.frame.collect_schema().names()[:2] == ["column_1", "column_2"]
        assert source.frame.select(pl.len()).collect().item() == 3_000


def latin1_file(tmp_path: Path, encoding: str) -> Path:
    frame = people([(1, 30, 900), (2, 40, 320), (1, 50, 724)]).with_columns(
        pl.Series("NAME", ["José", "Zoë", "Ñandú"])
    )
    text = frame.write_csv()
    path = tmp_path / f"people_{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_other_encodings_are_read_with_the_option(tmp_path: Path, encoding: str) -> None:
    path = latin1_file(tmp_path, encoding)
    with open_microdata(path, ReadOptions(encoding=encoding)) as source:
        names = source.frame.select("NAME").collect()["NAME"].to_list()
    assert names == ["José", "Zoë", "Ñandú"]
    run = api.tabulate(
        path,
        SAMPLE_PROFILE,
        recipes=["nativity_age_sex"],
        read_options=ReadOptions(encoding=encoding),
    )
    assert run.manifest["input"]["records"] == 3


def test_a_decode_error_names_the_line_and_suggests_an_encoding(tmp_path: Path) -> None:
    path = latin1_file(tmp_path, "latin-1")
    code, stdout, stderr = invoke(
        "tabulate", str(path), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "o")
    )
    assert code == 2 and stdout == ""
    assert "line 2," in stderr and "not valid utf-8" in stderr
    assert "--encoding latin-1" in stderr and "Traceback" not in stderr


def test_a_decode_error_far_into_a_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    good = b"A,B\n" + b"1,abc\n" * 1_500_000  # 9 MB: past the part checked when opening
    path.write_bytes(good + b"2,caf\xe9\n")
    assert find_decode_error(path, "utf-8") == (1_500_002, 6, 0xE9)
    # The line check reads every line when the file is opened: the bad byte is found there.
    with pytest.raises(InputError) as raised:
        open_microdata(path)
    message = str(raised.value)
    assert "line 1500002" in message and "try encoding='latin-1'" in message


def test_an_unknown_encoding_names_the_nearest(tmp_path: Path) -> None:
    path = latin1_file(tmp_path, "latin-1")
    code, _, stderr = invoke("inspect", str(path), "--encoding", "latin1x")
    assert code == 2
    assert "unknown encoding 'latin1x'" in stderr and "latin-1" in stderr


@pytest.mark.parametrize(
    ("name", "cut", "words"),
    [
        ("census.parquet", 0.5, "cannot read"),
        ("census.sav", 0.5, "truncated"),
        ("census.dta", 0.5, "truncated"),
    ],
)
def test_truncated_files_fail_cleanly(tmp_path: Path, name: str, cut: float, words: str) -> None:
    source = (SAMPLE_DIR / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(source[: int(len(source) * cut)])
    code, stdout, stderr = invoke(
        "tabulate", str(path), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "o")
    )
    assert code == 2 and stdout == "", stderr
    assert str(path) in stderr and words in stderr and "Traceback" not in stderr


def test_a_truncated_gzip_fails_cleanly(small_csv: Path, tmp_path: Path) -> None:
    packed = tmp_path / "small.csv.gz"
    packed.write_bytes(gzip.compress(small_csv.read_bytes())[:-2_000])
    with pytest.raises(InputError, match="damaged or truncated"):
        open_microdata(packed)


def test_bad_names_and_options_fail_cleanly(tmp_path: Path) -> None:
    odd = tmp_path / "people.xlsx"
    odd.write_text("x")
    with pytest.raises(InputError, match="unsupported file type '.xlsx'"):
        open_microdata(odd)
    dat = tmp_path / "people.dat"
    dat.write_text("x")
    with pytest.raises(InputError, match="needs its codebook"):
        open_microdata(dat)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", "A\n1\n")
        archive.writestr("b.csv", "A\n1\n")
    with pytest.raises(InputError, match="exactly one data file"):
        open_microdata(two)
    with pytest.raises(CensusmigError, match="one character"):
        open_microdata(SAMPLE_DIR / "census.csv", ReadOptions(delimiter=";;"))


def test_spss_metadata_are_read(tmp_path: Path) -> None:
    with open_microdata(SAMPLE_DIR / "census.sav") as source:
        meta = source.meta
        assert meta.format == "sav"
        assert meta.value_labels["SEX"] == {"1": "Male", "2": "Female", "9": "Not stated"}
        assert meta.value_labels["POB"]["320"] == "Guatemala"
        assert meta.missing["YOA"] == ("9998", "9999")
        assert meta.column_labels["POB"] == "Country of birth"
        # user-missing codes stay codes, so the profile decides what they mean
        assert source.frame.filter(pl.col("YOA") == 9998).select(pl.len()).collect().item() > 0
    with open_microdata(SAMPLE_DIR / "census.dta") as source:
        assert source.meta.value_labels["REGION"]["1"] == "Quetzal Capital"


def test_convert_keeps_labels_and_gives_the_same_tables(
    tmp_path: Path, reference: list[pl.DataFrame]
) -> None:
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "from_spss.parquet"
    done = api.convert(
        SAMPLE_DIR / "census.sav", target, progress=lambda n, total: seen.append((n, total))
    )
    assert done.records == 20_000 and done.labelled_columns == 21
    assert seen[-1] == (20_000, 20_000)
    with open_microdata(target) as source:
        assert source.meta.value_labels["SEX"]["2"] == "Female"
        assert source.meta.missing["AGE"] == ("999",)
    assert_same(cells(target), reference)

    slim = tmp_path / "slim.parquet"
    done = api.convert(SAMPLE_DIR / "census.csv", slim, profile=SAMPLE_PROFILE)
    assert done.records == 20_000 and done.columns == 22  # RELATIONSHIP, YOB dropped
    assert_same(cells(slim), reference)


def test_convert_on_the_command_line(tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    code, stdout, stderr = invoke("convert", str(SAMPLE_DIR / "census.dta"), "--to", str(target))
    assert code == 0, stderr
    assert stdout.strip() == str(target)
    assert "20,000 records" in stderr
    code, _, stderr = invoke(
        "convert", str(SAMPLE_DIR / "census.dta"), "--to", str(tmp_path / "x.csv")
    )
    assert code == 2 and ".parquet" in stderr


def test_file_labels_name_the_regions_when_the_profile_does_not(tmp_path: Path) -> None:
    text = SAMPLE_PROFILE.read_text().replace(
        ', labels = { "1" = "Quetzal Capital", "2" = "Altiplano", "3" = "Costa Pacifica", '
        '"4" = "Valle Central", "5" = "Oriente", "6" = "Selva Norte" }',
        "",
    )
    assert "Altiplano" not in text
    profile = tmp_path / "profile.toml"
    profile.write_text(text)
    run = api.tabulate(
        SAMPLE_DIR / "census.sav", profile, recipes=["migratory_status_sex_age_region"]
    )
    labels = run.tables[0].cells["region_label"].unique().to_list()
    assert "Altiplano" in labels


def test_metadata_json_round_trip_and_damage() -> None:
    meta = Metadata(
        "sav", {"A": "Question"}, {"A": {"1": "Yes"}}, {"A": ("9",)}, {"A": ((90.0, 99.0),)}
    )
    assert Metadata.from_json(meta.to_json()) == meta
    assert Metadata.from_json(b"{not json") == Metadata("parquet")


def test_tabulate_writes_the_edit_checks_in_run_json(tmp_path: Path) -> None:
    out = tmp_path / "o"
    code, _, stderr = invoke(
        "-q", "tabulate", str(SAMPLE_DIR / "census.parquet"), "-p", str(SAMPLE_PROFILE),
        "-o", str(out), "-f", "csv", "-r", "nativity_age_sex",
    )  # fmt: skip
    assert code == 0, stderr
    checks = json.loads((out / "run.json").read_text())["edit_checks"]
    found = {r["id"]: r["records"] for r in checks["results"]}
    assert found["arrival_before_birth"] == 6
    assert all(not r["ids"] for r in checks["results"])  # counts only, no ids in run.json
    rows = quality_rows(RunRecord.from_dict(json.loads((out / "run.json").read_text())))
    assert any(row[1] == "error" and row[2] == 6 for row in rows)


def test_a_codebook_that_disagrees_with_its_data_fails_cleanly(tmp_path: Path) -> None:
    ipums = SAMPLE_DIR.parent / "tests" / "data" / "ipums"
    lines = gzip.decompress((ipums / "cps_00160.dat.gz").read_bytes()).decode().splitlines()
    short = tmp_path / "short.dat"
    short.write_text("\n".join(line[:60] for line in lines[:50]) + "\n")
    code, stdout, stderr = invoke("inspect", str(short), "--codebook", str(ipums / "cps_00160.xml"))
    assert code == 2 and stdout == ""
    assert "short.dat" in stderr and "cps_00160.xml" in stderr and "Traceback" not in stderr

    cut = tmp_path / "cut.dat"
    cut.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:40])  # truncated last record
    code, _, stderr = invoke("inspect", str(cut), "--codebook", str(ipums / "cps_00160.xml"))
    assert code == 2 and "truncated" in stderr

    code, _, stderr = invoke(
        "inspect", str(short), "--codebook", str(ipums / "cps_00160.xml"), "--record", "Q"
    )
    assert code == 2 and "Traceback" not in stderr


def test_text_late_in_a_numeric_column_is_an_unknown_code_not_a_failure(tmp_path: Path) -> None:
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet").head(12_000)
    text = frame.with_columns(pl.col("AGE").cast(pl.String))
    text = text.with_columns(
        pl.when(pl.int_range(pl.len()) == 11_000).then(pl.lit("abc")).otherwise(pl.col("AGE"))
        .alias("AGE")
    )  # fmt: skip
    path = tmp_path / "late_text.csv"
    text.write_csv(path)
    run = api.tabulate(path, SAMPLE_PROFILE, recipes=["nativity_age_sex"])
    assert run.reconciles and run.manifest["input"]["records"] == 12_000
    assert run.manifest["unknown_codes"]["age"]["AGE=abc"] == 1
    report = api.inspect(path)
    assert report["records"] == 12_000


def test_more_reading_mistakes_end_cleanly(small_csv: Path, tmp_path: Path) -> None:
    code, _, stderr = invoke("inspect", str(small_csv), "--encoding", "rot13")
    assert code == 2 and "unknown encoding 'rot13'" in stderr

    semicolons = tmp_path / "semi.csv"
    pl.read_csv(small_csv).write_csv(semicolons, separator=";")
    with open_microdata(semicolons) as source:  # the separator is found without --delimiter
        assert "SEX" in source.frame.collect_schema().names()

    cut = tmp_path / "cut.csv"
    body = small_csv.read_bytes()
    cut.write_bytes(body[: len(body) - 20])
    code, stdout, stderr = invoke("check", str(cut), "-p", str(SAMPLE_PROFILE))
    assert code == 2 and stdout == "" and "truncated" in stderr

    code, _, stderr = invoke(
        "check", str(small_csv), "-p", str(SAMPLE_PROFILE), "--show-ids", "--max-ids", "-1"
    )
    assert code == 2 and "--max-ids" in stderr and "Traceback" not in stderr

    code, _, stderr = invoke("profile", "init", str(small_csv), "--out", str(small_csv), "--force")
    assert code == 2 and "the data file itself" in stderr
    assert small_csv.read_bytes() == body


def test_check_counts_codebook_problems_past_the_first_records(tmp_path: Path) -> None:
    ipums = SAMPLE_DIR.parent / "tests" / "data" / "ipums"
    lines = gzip.decompress((ipums / "cps_00160.dat.gz").read_bytes()).decode().splitlines()
    lines[10_500] = lines[10_500][:40]
    path = tmp_path / "late.dat"
    path.write_text("\n".join(lines) + "\n")
    profile = tmp_path / "cps.toml"
    profile.write_text(
        'schema_version = 2\n[census]\nname = "CPS"\ncountry = "USA"\n'
        'reference_date = 2016-03-01\n[data]\nweight = "ASECWT"\n'
        '[concepts]\nage = { column = "AGE" }\n'
    )
    report = api.check(path, profile, read_options=ReadOptions(codebook=ipums / "cps_00160.xml"))
    found = {r.id: r for r in report.results}["codebook_mismatch"]
    assert found.records == 1 and found.detail == {"short line": 1}
    assert report.problems


def cspro_dictionary(widths: dict[str, int]) -> str:
    """A CSPro dictionary (text format) for a one-record file with these numeric items."""
    lines = [
        "[Dictionary]", "Version=CSPro 7.7", "Label=Sample census", "Name=SAMPLE_DICT",
        "RecordTypeStart=0", "RecordTypeLen=0", "Positions=Absolute", "ZeroFill=No",
        "DecimalChar=No", "", "[Level]", "Label=Person", "Name=PERSON_LEVEL", "", "[IdItems]", "",
    ]  # fmt: skip
    items: list[str] = []
    start = 1
    for name, width in widths.items():
        items += ["[Item]", f"Label={name}", f"Name={name}", f"Start={start}", f"Len={width}"]
        items += ["DataType=Numeric", ""]
        start += width
    record = ["[Record]", "Label=Person", "Name=PERSON_REC", "RecordTypeValue=''"]
    record += [f"RecordLen={start - 1}", ""]
    return "\n".join([*lines, *items[:7], *record, *items[7:]]) + "\n"


def test_the_sample_as_fixed_width_with_a_cspro_dictionary_gives_the_same_tables(
    tmp_path: Path, reference: list[pl.DataFrame]
) -> None:
    frame = pl.read_parquet(SAMPLE_DIR / "census.parquet")
    widths = {
        name: max(1, int(frame[name].cast(pl.String).str.len_chars().max() or 1))
        for name in frame.columns
    }
    line = pl.concat_str([pl.col(n).cast(pl.String).str.pad_start(w) for n, w in widths.items()])
    data = tmp_path / "census.dat"
    data.write_text("\n".join(frame.select(line.alias("line"))["line"]) + "\n")
    dictionary = tmp_path / "census.dcf"
    dictionary.write_text(cspro_dictionary(widths))
    assert_same(cells(data, ReadOptions(codebook=dictionary)), reference)


def test_no_checks_skips_the_edit_checks(tmp_path: Path) -> None:
    out = tmp_path / "o"
    code, _, stderr = invoke(
        "-q", "tabulate", str(SAMPLE_DIR / "census.parquet"), "-p", str(SAMPLE_PROFILE),
        "-o", str(out), "-f", "csv", "-r", "nativity_age_sex", "--no-checks",
    )  # fmt: skip
    assert code == 0, stderr
    assert json.loads((out / "run.json").read_text())["edit_checks"] is None
