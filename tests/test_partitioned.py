"""A folder of Parquet files as one person file, and ``convert --partition-by`` writing one.

The sample census is converted to hive-partitioned folders (by region, by district, and the way
Spark writes them, without the key in the files); every tidy CSV tabulated from a folder equals
the single file's, whatever the partitioning and the slices it is read in.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.errors import CensusmigError, InputError
from censusmig.readers.dataset import dataset_files, key_type, partition_keys
from censusmig.readers.formats import open_microdata, parquet_metadata
from censusmig.readers.scan import file_facts, folder_facts, input_facts
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

SAMPLE = SAMPLE_DIR / "census.parquet"
COMMAND = ("censusmig", "tabulate")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample census three ways: by REGION and by DISTRICT (convert), and Spark's way."""
    root = tmp_path_factory.mktemp("partitioned")
    made = {
        name: api.convert(SAMPLE, root / name, partition_by=column).target
        for name, column in (("region", "REGION"), ("district", "DISTRICT"))
    }
    # Spark and Hive keep the key in the folder names only, and add _SUCCESS and .crc files.
    spark = root / "spark"
    pl.scan_parquet(SAMPLE).sink_parquet(
        pl.PartitionBy(spark, key="REGION", include_key=False), mkdir=True
    )
    (spark / "_SUCCESS").write_bytes(b"")
    (spark / "REGION=1" / ".00000000.parquet.crc").write_bytes(b"crc")
    made["spark"] = spark
    return made


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("single") / "out"
    api.tabulate(SAMPLE, SAMPLE_PROFILE, out=out, formats="csv", command=COMMAND)
    return out


def tidy_csvs(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((out / "csv").glob("*.csv"))}


def without_input(out: Path) -> dict[str, object]:
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    facts = record.pop("input")
    facts.pop("path"), facts.pop("size_bytes"), facts.pop("sha256")
    return {**record, "input": facts}


# --- the same tables ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["region", "district", "spark"])
def test_a_folder_gives_the_single_files_tables(
    name: str, folders: dict[str, Path], single: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = api.tabulate(folders[name], SAMPLE_PROFILE, out=out, formats="csv", command=COMMAND)
    assert tidy_csvs(out) == tidy_csvs(single)
    assert len(tidy_csvs(out)) == len(run.tables) > 10
    assert without_input(out) == without_input(single)  # counts, checks, notes: all equal
    facts = run.record.input
    assert facts.path == str(folders[name])
    assert facts.sha256 == folder_facts(folders[name]).sha256
    assert facts.size_bytes == sum(f.path.stat().st_size for f in dataset_files(folders[name]))


@pytest.mark.parametrize("batch_rows", [997, 3_333, 20_000])
def test_partial_sums_merge_exactly_whatever_the_slices(
    batch_rows: int, folders: dict[str, Path], single: Path, tmp_path: Path
) -> None:
    # Slices of 997 records cut across the files of the folder and their partitions.
    out = tmp_path / "out"
    api.tabulate(
        folders["district"],
        SAMPLE_PROFILE,
        out=out,
        formats="csv",
        command=COMMAND,
        batch_rows=batch_rows,
    )
    assert tidy_csvs(out) == tidy_csvs(single)
    assert without_input(out) == without_input(single)


def test_the_command_line_tabulates_a_folder(
    folders: dict[str, Path], single: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = invoke(
        "tabulate", str(folders["region"]), "-p", str(SAMPLE_PROFILE), "-o", str(out),
        "--format", "csv",
    )  # fmt: skip
    assert code == 0, stderr
    assert tidy_csvs(out) == tidy_csvs(single)
    assert str(out / "run.json") in stdout


# --- reading a folder ---------------------------------------------------------------------


def test_every_record_is_read_once_with_its_types(folders: dict[str, Path]) -> None:
    whole = pl.read_parquet(SAMPLE)
    for name in ("region", "district"):
        with open_microdata(folders[name]) as source:
            read = source.frame.collect()
        assert read.schema == whole.schema  # the key keeps the type it had: the files hold it
        assert read.sort("PERSON_ID").equals(whole.sort("PERSON_ID"))
    with open_microdata(folders["spark"]) as source:
        read = source.frame.collect()
    # A key only in the folder names comes after the files' columns, as integers.
    assert read.columns == [*(c for c in whole.columns if c != "REGION"), "REGION"]
    assert read.schema["REGION"] == pl.Int64
    expected = whole.with_columns(pl.col("REGION").cast(pl.Int64)).select(read.columns)
    assert read.sort("PERSON_ID").equals(expected.sort("PERSON_ID"))


def test_records_come_in_the_order_of_the_sorted_paths(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    for region in (10, 2, 1):  # written out of order; "REGION=10" sorts before "REGION=2"
        part = folder / f"REGION={region}"
        part.mkdir(parents=True)
        pl.DataFrame({"ID": [region * 100 + 1, region * 100 + 2]}).write_parquet(part / "a.pq")
    with open_microdata(folder) as source:
        read = source.frame.collect()
    assert read["ID"].to_list() == [101, 102, 1001, 1002, 201, 202]
    assert read["REGION"].to_list() == [1, 1, 10, 10, 2, 2]
    relative = [f.relative for f in dataset_files(folder)]
    assert relative == ["REGION=1/a.pq", "REGION=10/a.pq", "REGION=2/a.pq"]


def test_keys_not_in_the_files_are_integers_only_when_no_code_changes(tmp_path: Path) -> None:
    folder = tmp_path / "YEAR=2020" / "data"  # a key=value folder above it names no column
    paths = {
        "A=1/D=08/x.parquet": 1,
        "A=-2/D=10/x.parquet": 2,
        "A=__HIVE_DEFAULT_PARTITION__/D=north%2Fwest/x.parquet": 3,
        "A=30/D=/x.parquet": 4,
    }
    for relative, value in paths.items():
        (folder / relative).parent.mkdir(parents=True)
        pl.DataFrame({"ID": [value]}).write_parquet(folder / relative)
    with open_microdata(folder) as source:
        read = source.frame.collect().sort("ID")
    assert read.schema == pl.Schema({"ID": pl.Int64, "A": pl.Int64, "D": pl.String})
    assert read["A"].to_list() == [1, -2, None, 30]
    assert read["D"].to_list() == ["08", "10", "north/west", None]  # "08" stays a code
    assert key_type(["1", "-2", None, "30"]) == "integer"
    for texts in (["1", "08"], ["1.5"], ["+1"], ["9" * 20], ["north"]):
        assert key_type(texts) == "text", texts
    assert partition_keys("2020/A=1/x.parquet") == (("A", "1"),)  # a plain folder names nothing


def test_names_that_look_like_patterns_are_names(tmp_path: Path) -> None:
    source = tmp_path / "areas [draft].parquet"
    pl.DataFrame({"ID": [1, 2, 3, 4], "AREA": ["x[1]", "São Paulo", "*", "a b"]}).write_parquet(
        source
    )
    target = api.convert(source, tmp_path / "by area?", partition_by="AREA").target
    assert len(dataset_files(target)) == 4
    with open_microdata(target) as source_read:
        read = source_read.frame.collect().sort("ID")
    assert read["AREA"].to_list() == ["x[1]", "São Paulo", "*", "a b"]
    assert input_facts(target).size == sum(f.path.stat().st_size for f in dataset_files(target))


def test_metadata_come_from_the_first_file_and_convert_keeps_them_in_every_file(
    tmp_path: Path,
) -> None:
    target = api.convert(SAMPLE_DIR / "census.sav", tmp_path / "sav", partition_by="SEX").target
    with open_microdata(SAMPLE_DIR / "census.sav") as original:
        labels = original.meta.value_labels
    assert labels
    files = dataset_files(target)
    assert len(files) == 4  # a file per value of SEX: 1, 2, 9 and the stray code of the sample
    assert all(parquet_metadata(f.path).value_labels == labels for f in files)
    with open_microdata(target) as source:
        assert source.meta.value_labels == labels
        assert source.meta.format == "sav"


def test_inspect_check_and_profile_init_read_a_folder(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    folder = folders["region"]
    inspected, whole = api.inspect(folder), api.inspect(SAMPLE)
    assert inspected.pop("path") == str(folder)
    whole.pop("path")
    assert inspected == whole
    assert api.check(folder, SAMPLE_PROFILE) == api.check(SAMPLE, SAMPLE_PROFILE)
    assert api.validate_profile(SAMPLE_PROFILE, folder) == ()
    draft = api.init_profile(folder, tmp_path / "draft.toml").read_text(encoding="utf-8")
    single = api.init_profile(SAMPLE, tmp_path / "single.toml").read_text(encoding="utf-8")
    differ = [
        (a, b) for a, b in zip(draft.splitlines(), single.splitlines(), strict=True) if a != b
    ]
    assert differ  # the census name and the first comment name the folder, not the file
    assert all("region" in a and "census" in b for a, b in differ), differ
    code, stdout, stderr = invoke("inspect", str(folder))
    assert code == 0, stderr
    assert stdout.startswith(f"{folder}: 20,000 records, 24 columns")


# --- the hash of a folder -----------------------------------------------------------------


def test_the_hash_of_a_folder_follows_its_files_not_its_place(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    for relative, data in (("K=1/a.parquet", b"one"), ("K=2/a.parquet", b"two")):
        (folder / relative).parent.mkdir(parents=True)
        (folder / relative).write_bytes(data)
    facts = folder_facts(folder)
    assert facts.size == 6
    assert input_facts(folder) == facts
    assert input_facts(folder / "K=1" / "a.parquet") == file_facts(folder / "K=1" / "a.parquet")
    moved = shutil.copytree(folder, tmp_path / "elsewhere" / "data2")
    assert folder_facts(moved).sha256 == facts.sha256  # where the folder lies does not count
    (moved / "_SUCCESS").write_bytes(b"skipped")  # nor do the files that are not data
    assert folder_facts(moved).sha256 == facts.sha256
    (moved / "K=2" / "a.parquet").rename(moved / "K=2" / "b.parquet")
    renamed = folder_facts(moved).sha256
    assert renamed != facts.sha256
    # The bytes moved from one file to the other: the same stream without the boundaries.
    (moved / "K=2" / "b.parquet").write_bytes(b"tw")
    (moved / "K=1" / "a.parquet").write_bytes(b"oneo")
    assert folder_facts(moved).sha256 not in (facts.sha256, renamed)


# --- convert --partition-by ---------------------------------------------------------------


def test_convert_writes_the_folder_on_the_command_line(tmp_path: Path) -> None:
    target = tmp_path / "by_region"
    code, stdout, stderr = invoke(
        "convert", str(SAMPLE), "--to", str(target), "--partition-by", "REGION"
    )
    assert code == 0, stderr
    assert stdout.strip() == str(target)
    assert "20,000 records in 6 files, 24 columns" in stderr
    assert sorted(p.name for p in target.iterdir()) == [f"REGION={r}" for r in range(1, 7)]
    assert list(tmp_path.iterdir()) == [target]  # nothing left beside it


def test_convert_is_deterministic_and_replaces_an_earlier_conversion(tmp_path: Path) -> None:
    target = tmp_path / "out"
    api.convert(SAMPLE, target, partition_by="DISTRICT")
    first = {f.relative: f.path.read_bytes() for f in dataset_files(target)}
    done = api.convert(SAMPLE, target, partition_by="REGION")
    assert done.files == 6 and done.records == 20_000 and done.columns == 24
    assert all(f.relative.startswith("REGION=") for f in dataset_files(target))
    api.convert(SAMPLE, target, partition_by="DISTRICT")
    again = {f.relative: f.path.read_bytes() for f in dataset_files(target)}
    assert again == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failed_conversion_leaves_the_target_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out"
    api.convert(SAMPLE, target, partition_by="REGION")
    before = {f.relative: f.path.read_bytes() for f in dataset_files(target)}

    def failing(self: pl.LazyFrame, path: object, **options: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.LazyFrame, "sink_parquet", failing)
    with pytest.raises(CensusmigError, match="No space left on device"):
        api.convert(SAMPLE, target, partition_by="DISTRICT")
    assert {f.relative: f.path.read_bytes() for f in dataset_files(target)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no .partial folder left


def test_a_profile_keeps_its_columns_and_a_folder_converts_back_to_one_file(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    done = api.convert(SAMPLE, tmp_path / "kept", profile=SAMPLE_PROFILE, partition_by="REGION")
    with open_microdata(done.target) as source:
        assert "REGION" in source.frame.collect_schema()
        assert len(source.frame.collect_schema()) == done.columns < 24
    back = api.convert(folders["spark"], tmp_path / "back.parquet")
    assert back.records == 20_000
    assert (
        pl.read_parquet(back.target)
        .sort("PERSON_ID")
        .equals(
            pl.read_parquet(SAMPLE)
            .with_columns(pl.col("REGION").cast(pl.Int64))
            .select(pl.read_parquet_schema(back.target).names())
            .sort("PERSON_ID")
        )
    )


def test_an_empty_file_converts_to_a_readable_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty.parquet"
    pl.read_parquet(SAMPLE).head(0).write_parquet(empty)
    done = api.convert(empty, tmp_path / "out", partition_by="REGION")
    assert (done.records, done.files) == (0, 1)
    with open_microdata(done.target) as source:
        assert source.frame.collect().schema == pl.read_parquet_schema(SAMPLE)


# --- what is refused ----------------------------------------------------------------------


def test_folders_that_are_not_a_parquet_dataset_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    text = tmp_path / "text"
    text.mkdir()
    shutil.copy(SAMPLE_DIR / "census.csv", text / "census.csv")
    mixed = tmp_path / "mixed"
    (mixed / "REGION=1").mkdir(parents=True)
    shutil.copy(SAMPLE, mixed / "REGION=1" / "part-0.parquet")
    (mixed / "README.txt").write_text("notes")
    cases = {
        empty: (f"{empty} is a folder; name the data file inside it (it is empty;",),
        text: ("is a folder; name the data file inside it", "only census.csv"),
        mixed: ("also holds README.txt, which are not Parquet files", "move them out"),
    }
    for folder, says in cases.items():
        code, stdout, stderr = invoke("-q", "inspect", str(folder))
        assert (code, stdout) == (2, ""), stderr
        assert all(phrase in stderr for phrase in says), stderr
        assert "Traceback" not in stderr


def test_files_that_disagree_are_named(tmp_path: Path) -> None:
    columns = tmp_path / "columns"
    (columns / "K=1").mkdir(parents=True)
    (columns / "K=2").mkdir(parents=True)
    pl.DataFrame({"A": [1], "B": [2]}).write_parquet(columns / "K=1" / "x.parquet")
    pl.DataFrame({"A": [1.5], "B": [2]}).write_parquet(columns / "K=2" / "x.parquet")
    with pytest.raises(InputError, match=r"column 'A' as Float64 instead of Int64 in K=2/x"):
        open_microdata(columns)
    keys = tmp_path / "keys"
    (keys / "K=1").mkdir(parents=True)
    pl.DataFrame({"A": [1]}).write_parquet(keys / "K=1" / "x.parquet")
    pl.DataFrame({"A": [1]}).write_parquet(keys / "y.parquet")
    with pytest.raises(InputError, match=r"partitioned differently: K=1/x.parquet lies under"):
        open_microdata(keys)
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "x.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="x.parquet: cannot read"):
        open_microdata(damaged)


def test_options_of_other_formats_are_refused_for_a_folder(folders: dict[str, Path]) -> None:
    code, _, stderr = invoke("-q", "inspect", str(folders["region"]), "--data-format", "csv")
    assert code == 2
    assert "--data-format does not apply" in stderr and "read as one dataset of Parquet" in stderr
    code, _, stderr = invoke("-q", "inspect", str(folders["region"]), "--data-format", "parquet")
    assert code == 0, stderr


def test_convert_never_replaces_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for target in (".", str(tmp_path.parent)):
        code, _, stderr = invoke(
            "-q", "convert", str(SAMPLE), "--to", target, "--partition-by", "SEX"
        )
        assert code == 2
        assert f"--to {target} holds the current folder" in stderr
    assert list(tmp_path.iterdir()) == []


def test_convert_refuses_what_it_cannot_write(tmp_path: Path, folders: dict[str, Path]) -> None:
    a_file = tmp_path / "a.parquet"
    a_file.write_bytes(b"")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.docx").write_bytes(b"precious")
    holding = tmp_path / "holding"
    holding.mkdir()
    shutil.copy(SAMPLE, holding / "census.parquet")
    cases = (
        (SAMPLE, a_file, "REGION", ("--to", "is a file; with --partition-by REGION")),
        (SAMPLE, foreign, "REGION", ("holds files other than a Parquet dataset",)),
        (holding / "census.parquet", holding, "REGION", ("holds the input",)),
        (folders["region"], folders["region"] / "sub", "REGION", ("lies inside the folder",)),
        (SAMPLE, tmp_path / "x", "REGON", ("--partition-by REGON: no such column",
                                           "(nearest: 'REGION')")),
        (SAMPLE, tmp_path / "x", "PERSON_ID", ("20,000 distinct values", "at most 10,000")),
    )  # fmt: skip
    for source, target, column, says in cases:
        code, stdout, stderr = invoke(
            "-q", "convert", str(source), "--to", str(target), "--partition-by", column
        )
        assert (code, stdout) == (2, ""), (target, stderr)
        assert all(phrase in stderr for phrase in says), stderr
    assert (foreign / "thesis.docx").read_bytes() == b"precious"
    assert (holding / "census.parquet").read_bytes() == SAMPLE.read_bytes()
    assert not (tmp_path / "x").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "foreign", "holding"]


# --- folders whose names or links could change the numbers ---------------------------------


def test_a_linked_partition_folder_is_read_and_a_folder_reached_twice_refused(
    tmp_path: Path,
) -> None:
    persons = pl.read_parquet(SAMPLE)
    folder = tmp_path / "lake"
    persons.write_parquet(folder, partition_by="REGION")
    store = tmp_path / "store"
    store.mkdir()
    shutil.move(folder / "REGION=3", store / "REGION=3")
    (folder / "REGION=3").symlink_to(store / "REGION=3", target_is_directory=True)
    with open_microdata(folder) as source:
        read = source.frame.collect()
    assert read.height == persons.height
    assert read.filter(pl.col("REGION") == 3).height == persons["REGION"].eq(3).sum() > 0
    (store / "REGION=3" / "back").symlink_to(folder, target_is_directory=True)
    with pytest.raises(InputError, match=r"REGION=3/back is the folder itself again"):
        open_microdata(folder)
    (store / "REGION=3" / "back").unlink()
    (folder / "REGION=9").symlink_to(store / "REGION=3", target_is_directory=True)
    with pytest.raises(InputError, match=r"REGION=9 is REGION=3 again .* read twice"):
        open_microdata(folder)


def test_a_partition_folder_must_name_the_value_its_files_hold(tmp_path: Path) -> None:
    persons = pl.read_parquet(SAMPLE)
    swapped = tmp_path / "swapped"
    persons.write_parquet(swapped, partition_by="REGION")
    (swapped / "REGION=1").rename(swapped / "was1")
    (swapped / "REGION=2").rename(swapped / "REGION=1")
    (swapped / "was1").rename(swapped / "REGION=2")
    code, stdout, stderr = invoke("-q", "inspect", str(swapped))
    assert (code, stdout) == (2, "")
    assert "REGION=1/00000000.parquet lies in the folder REGION=1, but its column REGION" in stderr
    # A file without statistics is read instead; text, nulls and KEY= folders agree.
    named = persons.with_columns(
        pl.col("REGION").replace_strict({1: "Petén", 2: ""}, default="x", return_dtype=pl.String)
    )
    plain = tmp_path / "plain"
    named.write_parquet(plain, partition_by="REGION", statistics=False)
    with open_microdata(plain) as source:
        assert source.frame.select(pl.len()).collect().item() == persons.height
    (plain / "REGION=x").rename(plain / "REGION=y")
    with pytest.raises(InputError, match="REGION=y/00000000.parquet lies in the folder REGION=y"):
        open_microdata(plain)
    (plain / "REGION=y").rename(plain / "REGION=x")
    (plain / "REGION=Pet%C3%A9n").rename(plain / "REGION=Peten")
    with pytest.raises(InputError, match="in the folder REGION=Peten"):
        open_microdata(plain)


def test_folder_names_not_percent_encoded_in_utf8_are_refused(tmp_path: Path) -> None:
    # Decoded with replacement characters, K=%e9 and K=%ea would become one value.
    folder = tmp_path / "latin"
    for name in ("K=%e9", "K=%ea"):
        (folder / name).mkdir(parents=True)
        pl.DataFrame({"A": [1]}).write_parquet(folder / name / "x.parquet")
    with pytest.raises(InputError, match=r"K=%e9: the folder's name is percent-encoded in bytes"):
        open_microdata(folder)


def test_hidden_partition_names_are_refused_when_written_and_named_when_read(
    tmp_path: Path,
) -> None:
    renamed = tmp_path / "renamed.parquet"
    pl.read_parquet(SAMPLE).rename({"REGION": "_REGION"}).write_parquet(renamed)
    code, _, stderr = invoke(
        "-q", "convert", str(renamed), "--to", str(tmp_path / "out"), "--partition-by", "_REGION"
    )
    assert code == 2
    assert "--partition-by _REGION: its folders would be skipped when read" in stderr
    assert ".partial" not in stderr and not (tmp_path / "out").exists()
    hidden = tmp_path / "hidden"
    (hidden / "_x=1").mkdir(parents=True)
    shutil.copy(SAMPLE, hidden / "_x=1" / "part-0.parquet")
    with pytest.raises(InputError, match=r"holds only _x=1, and names starting with _ or \."):
        open_microdata(hidden)


def test_record_keys_from_the_record_order_need_attention(tmp_path: Path) -> None:
    # Without a person id, another order (a partitioned copy) gets other perturbations.
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    anonymous = tmp_path / "anonymous.profile.toml"
    anonymous.write_text(text.replace('person_id = "PERSON_ID"', ""), encoding="utf-8")
    options = {"recipes": ("nativity_age_sex",), "protect": "cell-key"}
    run = api.tabulate(SAMPLE, anonymous, **options)  # type: ignore[arg-type]
    kinds = [item.kind for item in run.attention]
    assert kinds.count("record_keys") == 1
    item = next(item for item in run.attention if item.kind == "record_keys")
    assert "[data] person_id" in item.message and "order" in item.message
    with pytest.raises(api.NeedsAttentionError) as strict:
        api.tabulate(SAMPLE, anonymous, strict=True, **options)  # type: ignore[arg-type]
    assert strict.value.exit_code == 1
    named = api.tabulate(SAMPLE, SAMPLE_PROFILE, **options)  # type: ignore[arg-type]
    assert "record_keys" not in [item.kind for item in named.attention]
    plain = api.tabulate(SAMPLE, anonymous, recipes=("nativity_age_sex",))
    assert "record_keys" not in [item.kind for item in plain.attention]
