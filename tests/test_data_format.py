"""Files not named like data files (``.dat``, ``.data``, ``.asc``, no extension) are read with
``data_format``; a headerless text file takes its column names from ``columns`` (issue 11,
class 9)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.errors import CensusmigError, InputError
from censusmig.readers.formats import open_microdata
from censusmig.readers.options import DATA_FORMATS, ReadOptions
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

RECIPES = ("nativity_age_sex", "foreign_born_country_of_birth_age_sex")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def cells(data: Path, options: ReadOptions | None = None) -> list[pl.DataFrame]:
    run = api.tabulate(data, SAMPLE_PROFILE, recipes=RECIPES, read_options=options)
    assert run.reconciles
    return [table.cells for table in run.tables]


def assert_same(found: list[pl.DataFrame], reference: list[pl.DataFrame]) -> None:
    assert len(found) == len(reference)
    for mine, theirs in zip(found, reference, strict=True):
        assert mine.equals(theirs)


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return pl.read_parquet(SAMPLE_DIR / "census.parquet").head(2_000)


@pytest.fixture(scope="module")
def expected(sample: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> list[pl.DataFrame]:
    path = tmp_path_factory.mktemp("reference") / "small.csv"
    sample.write_csv(path)
    return cells(path)


def test_a_dat_file_holding_csv_is_read_with_data_format(
    sample: pl.DataFrame, expected: list[pl.DataFrame], tmp_path: Path
) -> None:
    dat = tmp_path / "people.dat"
    sample.write_csv(dat)
    with pytest.raises(InputError) as raised:
        open_microdata(dat)  # .dat means fixed-width text: it asks for a codebook ...
    assert "data_format='csv'" in str(raised.value)  # ... or names the format option
    assert_same(cells(dat, ReadOptions(data_format="csv")), expected)


def test_files_without_a_data_extension_are_read_with_data_format(
    sample: pl.DataFrame, expected: list[pl.DataFrame], tmp_path: Path
) -> None:
    bare = tmp_path / "PERSONS"
    sample.write_csv(bare)
    with pytest.raises(InputError) as raised:
        open_microdata(bare)
    message = str(raised.value)
    assert "unsupported file type '(none)'" in message
    assert "data_format='csv'" in message and ", ".join(DATA_FORMATS) in message
    assert_same(cells(bare, ReadOptions(data_format="csv")), expected)

    tabs = tmp_path / "persons.data"
    sample.write_csv(tabs, separator="\t")
    assert_same(cells(tabs, ReadOptions(data_format="TSV")), expected)

    parquet = tmp_path / "persons_parquet"
    sample.write_parquet(parquet)
    assert_same(cells(parquet, ReadOptions(data_format="parquet")), expected)

    zipped = tmp_path / "persons.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(bare, "extract/persons.asc")
    with pytest.raises(InputError, match="exactly one data file"):
        open_microdata(zipped)  # the member's name says nothing
    assert_same(cells(zipped, ReadOptions(data_format="csv")), expected)


def test_an_unknown_data_format_names_the_valid_ones_and_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(CensusmigError) as raised:
        open_microdata(SAMPLE_DIR / "census.csv", ReadOptions(data_format="cvs"))
    message = str(raised.value)
    assert "data_format must be one of csv, tsv, parquet, sav, dta, fixed-width" in message
    assert "did you mean 'csv'?" in message
    with pytest.raises(CensusmigError, match="codebook reads a fixed-width"):
        open_microdata(
            SAMPLE_DIR / "census.csv",
            ReadOptions(data_format="csv", codebook=tmp_path / "x.dcf"),
        )
    with pytest.raises(InputError, match="needs its codebook"):
        open_microdata(SAMPLE_DIR / "census.csv", ReadOptions(data_format="fixed"))


def test_the_command_line_names_data_format_not_format(
    sample: pl.DataFrame, tmp_path: Path
) -> None:
    bare = tmp_path / "PERSONS"
    sample.write_csv(bare)
    code, _, stderr = invoke("inspect", str(bare))
    assert code == 2
    assert "--data-format csv" in stderr
    code, _, stderr = invoke("inspect", str(bare), "--data-format", "parquett")
    assert code == 2
    assert "--data-format must be one of" in stderr and "did you mean 'parquet'?" in stderr
    code, stdout, stderr = invoke("inspect", str(bare), "--data-format", "csv", "--json")
    assert code == 0, stderr
    assert '"records": 2000' in stdout


def test_a_headerless_file_takes_its_column_names_from_columns(
    sample: pl.DataFrame, expected: list[pl.DataFrame], tmp_path: Path
) -> None:
    bare = tmp_path / "persons.asc"
    sample.write_csv(bare, include_header=False)
    names = tuple(sample.columns)
    options = ReadOptions(header=False, data_format="csv", columns=names)
    with open_microdata(bare, options) as source:
        assert source.frame.collect_schema().names() == list(names)
        assert source.frame.select(pl.len()).collect().item() == 2_000  # no line lost as header
    assert_same(cells(bare, options), expected)

    short = ReadOptions(header=False, data_format="csv", columns=names[:-1])
    with pytest.raises(InputError) as raised:
        open_microdata(bare, short)
    message = str(raised.value)
    assert f"{len(names) - 1} column name(s) given in columns" in message
    assert f"first line has {len(names)} field(s)" in message

    with pytest.raises(CensusmigError, match="header=False"):
        open_microdata(bare, ReadOptions(data_format="csv", columns=names))
    twice = ReadOptions(header=False, data_format="csv", columns=(names[0], *names[:-1]))
    with pytest.raises(CensusmigError, match=f"{names[0]!r} is given twice"):
        open_microdata(bare, twice)
    with pytest.raises(CensusmigError, match="names its own columns"):
        open_microdata(SAMPLE_DIR / "census.parquet", ReadOptions(header=False, columns=names))


def test_the_command_line_takes_columns_as_a_comma_separated_list(
    sample: pl.DataFrame, tmp_path: Path
) -> None:
    bare = tmp_path / "persons.csv"
    sample.write_csv(bare, include_header=False)
    listed = ", ".join(sample.columns)
    code, stdout, stderr = invoke(
        "inspect", str(bare), "--no-header", "--columns", listed, "--json"
    )
    assert code == 0, stderr
    assert '"name": "POB"' in stdout
    code, _, stderr = invoke("inspect", str(bare), "--columns", listed)
    assert code == 2
    assert "--columns names the columns of a file without a header line: add --no-header" in stderr
    code, _, stderr = invoke("inspect", str(bare), "--no-header", "--columns", "A,B")
    assert code == 2
    assert "2 column name(s) given in --columns" in stderr


@pytest.mark.parametrize(
    ("name", "head", "says"),
    [
        ("parquet", None, "a Parquet file"),
        ("sav", b"$FL2@(#) IBM SPSS STATISTICS", "an SPSS .sav file"),
        ("zsav", b"$FL3@(#) IBM SPSS STATISTICS", "an SPSS .sav file"),
        ("dta", b"<stata_dta><header><release>118</release>", "a Stata .dta file"),
        ("dta114", bytes([114, 2, 1, 0]) + b"\x05\x00", "a Stata .dta file"),
    ],
)
def test_a_binary_file_read_as_text_says_what_it_looks_like(
    sample: pl.DataFrame, tmp_path: Path, name: str, head: bytes | None, says: str
) -> None:
    data = tmp_path / "PERSONS"
    if head is None:
        sample.write_parquet(data)
    else:
        data.write_bytes(head + bytes(range(256)) * 4)
    wanted = {"parquet": "parquet", "sav": "sav", "zsav": "sav"}.get(name, "dta")
    for given in ("csv", "tsv"):
        with pytest.raises(InputError) as raised:
            open_microdata(data, ReadOptions(data_format=given))
        assert str(raised.value) == (
            f"{data} looks like {says}, not {given}: drop data_format or use data_format={wanted!r}"
        )
        assert raised.value.parameter == "data_format"
    # Also under latin-1, which decodes any byte: no table of garbage columns.
    with pytest.raises(InputError, match=f"looks like {says}"):
        open_microdata(data, ReadOptions(data_format="csv", encoding="latin-1"))
    # A file named as text says what its name says.
    named = tmp_path / "persons.csv"
    named.write_bytes(data.read_bytes())
    with pytest.raises(InputError) as raised:
        open_microdata(named)
    assert str(raised.value) == (
        f"{named} looks like {says}, though its name says csv: rename it or use "
        f"data_format={wanted!r}"
    )


@pytest.mark.parametrize(
    ("head", "says", "suffix"),
    [(b"PK\x03\x04", "a zip archive", ".zip"), (b"\x1f\x8b\x08", "a gzip file", ".gz")],
)
def test_a_compressed_file_read_as_text_asks_for_its_suffix(
    tmp_path: Path, head: bytes, says: str, suffix: str
) -> None:
    data = tmp_path / "PERSONS"
    data.write_bytes(head + bytes(range(256)))
    with pytest.raises(InputError) as raised:
        open_microdata(data, ReadOptions(data_format="csv"))
    assert str(raised.value) == (
        f"{data} looks like {says}, not csv: name it {data.name}{suffix} (censusmig "
        "unpacks .gz and .zip files)"
    )


def test_text_that_starts_like_an_old_stata_release_byte_is_text(tmp_path: Path) -> None:
    data = tmp_path / "PERSONS"
    data.write_text("w,q\n1,2\n", encoding="utf-8")  # 'w' is byte 119, 'q' 113
    with open_microdata(data, ReadOptions(data_format="csv")) as source:
        assert source.frame.collect().columns == ["w", "q"]


def test_the_command_line_says_parquet_and_names_data_format(
    sample: pl.DataFrame, tmp_path: Path
) -> None:
    data = tmp_path / "PERSONS"
    sample.write_parquet(data)
    code, _, stderr = invoke("inspect", str(data), "--data-format", "csv")
    assert code == 2
    assert (
        "looks like a Parquet file, not csv: drop --data-format or use --data-format parquet"
        in (" ".join(stderr.split()))
    )
    assert "utf-8" not in stderr
