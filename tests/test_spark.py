"""The Spark engine gives the Polars engine's tables, byte for byte, on Spark in local mode.

Spark needs pyspark and Java; without them these tests skip, unless CI sets
CENSUSMIG_REQUIRE_REAL_APPS=1 (as for the real applications), where a missing one fails. One
Spark session (local[2]) serves the module; the catalogue runs once per engine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.errors import CensusmigError, InputError
from censusmig.profiles.model import read_profile
from censusmig.protection.keys import records_read
from censusmig.recipes.catalog import load_catalog, select_recipes
from censusmig.tables.checks import plan_checks
from censusmig.tables.engine import RunResult, compute_tables
from censusmig.tables.plan import Partial, Plan
from censusmig.tables.spark import SparkBackend, StoredRecords
from censusmig.tables.table import MEASURES
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

CENSUS = SAMPLE_DIR / "census.parquet"
SURVEY = SAMPLE_DIR / "survey.parquet"
SURVEY_PROFILE = SAMPLE_DIR / "survey.profile.toml"
MASTER = "local[2]"
REQUIRED = os.environ.get("CENSUSMIG_REQUIRE_REAL_APPS") == "1"
VOLATILE = ("command", "timings_seconds")
"""Fields of run.json that differ between two runs of the same tables (the command line)."""


def need_spark() -> None:
    missing = [
        what
        for what, present in (
            ("pyspark (pip install '.[spark]')", importlib.util.find_spec("pyspark")),
            ("Java (apt-get install default-jre-headless)", shutil.which("java")),
        )
        if not present
    ]
    if not missing:
        return
    if REQUIRED:
        pytest.fail(f"{' and '.join(missing)} required here (CENSUSMIG_REQUIRE_REAL_APPS=1)")
    pytest.skip(f"{' and '.join(missing)} not installed")


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    """The module's Spark session, stopped after its tests."""
    need_spark()
    from censusmig.tables.spark import spark_session, stop_sessions

    yield spark_session(MASTER)
    stop_sessions()


def run(data: Path, profile: Path, out: Path, engine: str, **options: object) -> Path:
    master = {"spark_master": MASTER} if engine == "spark" else {}
    api.tabulate(data, profile, out=out, engine=engine, **master, **options)  # type: ignore[arg-type]
    return out


def record(out: Path) -> dict[str, object]:
    found = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert isinstance(found, dict)
    for key in VOLATILE:
        found.pop(key, None)
    return found


def same_csvs(expected: Path, actual: Path) -> list[str]:
    """The tidy CSVs of two runs, which must be the same files with the same bytes."""
    names = sorted(p.name for p in (expected / "csv").glob("*.csv"))
    assert names and names == sorted(p.name for p in (actual / "csv").glob("*.csv"))
    for name in names:
        assert (actual / "csv" / name).read_bytes() == (expected / "csv" / name).read_bytes(), name
    return names


@pytest.fixture(scope="module")
def catalogue(spark: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The whole standard catalogue on the sample census, by each engine."""
    folder = tmp_path_factory.mktemp("catalogue")
    return (
        run(CENSUS, SAMPLE_PROFILE, folder / "polars", "polars"),
        run(CENSUS, SAMPLE_PROFILE, folder / "spark", "spark"),
    )


def test_the_catalogue_on_spark_is_the_polars_catalogue(catalogue: tuple[Path, Path]) -> None:
    polars_out, spark_out = catalogue
    names = same_csvs(polars_out, spark_out)
    assert len(names) >= 10  # the whole catalogue, not a recipe or two
    assert (spark_out / "report.html").read_bytes() == (polars_out / "report.html").read_bytes()
    assert record(spark_out) == record(polars_out)
    assert ["--engine", "spark"] != json.loads((spark_out / "run.json").read_text())["command"]


def test_a_weighted_survey_with_replicate_weights_gives_the_same_estimates(
    spark: object, tmp_path: Path
) -> None:
    recipes = ("nativity_age_sex", "foreign_born_country_of_birth_age_sex")
    options = {"recipes": recipes, "formats": ("csv",)}
    polars_out = run(SURVEY, SURVEY_PROFILE, tmp_path / "polars", "polars", **options)
    spark_out = run(SURVEY, SURVEY_PROFILE, tmp_path / "spark", "spark", **options)
    for name in recipes:
        expected = pl.read_csv(polars_out / "csv" / f"{name}.csv", infer_schema_length=0)
        actual = pl.read_csv(spark_out / "csv" / f"{name}.csv", infer_schema_length=0)
        assert actual.columns == expected.columns and actual.height == expected.height
        assert "se" in actual.columns  # the replicate weights were summed
        for column in expected.columns:
            left, right = expected[column], actual[column]
            numbers = left.cast(pl.Float64, strict=False)
            if column not in MEASURES and column != "se" or numbers.null_count():
                assert right.to_list() == left.to_list(), column
                continue
            other = right.cast(pl.Float64)
            scale = numbers.abs().clip(lower_bound=1.0)
            assert ((other - numbers).abs() / scale).max() <= 1e-9, column  # type: ignore[operator]
    assert record(spark_out) == record(polars_out)


@pytest.mark.parametrize("method", ["cell-key", "round3"])
def test_record_keys_come_from_person_ids_so_protection_is_the_same(
    spark: object, tmp_path: Path, method: str
) -> None:
    options = {
        "recipes": ("nativity_age_sex", "citizenship_status_age_sex"),
        "formats": ("csv",),
        "protect": method,
    }
    polars_out = run(CENSUS, SAMPLE_PROFILE, tmp_path / "polars", "polars", **options)
    spark_out = run(CENSUS, SAMPLE_PROFILE, tmp_path / "spark", "spark", **options)
    same_csvs(polars_out, spark_out)
    unprotected = run(
        CENSUS, SAMPLE_PROFILE, tmp_path / "none", "polars", recipes=options["recipes"]
    )
    changed = (spark_out / "csv" / "nativity_age_sex.csv").read_bytes()
    assert changed != (unprotected / "csv" / "nativity_age_sex.csv").read_bytes()
    assert record(spark_out) == record(polars_out)


def _tables_of_directory(folder: Path, recipes: tuple[str, ...]) -> tuple[RunResult, int]:
    """The tables of a Parquet directory, aggregated by Spark: the engine without the reader.

    The driver's frame is Polars' own reading of the directory (hive partitions typed by
    Polars); Spark reads the same files itself and casts them to those types.
    """
    profile = read_profile(SAMPLE_PROFILE, reviewed=True)
    chosen, _ = select_recipes(load_catalog([]), profile, recipes)
    frame = pl.scan_parquet(folder, hive_partitioning=True)
    columns = profile.columns()
    prepare = partial(records_read, columns=columns, person_id=profile.person_id, seed=None)
    schema = dict(frame.select(columns).collect_schema())
    backend = Counted(SparkBackend(StoredRecords(folder, schema, prepare), MASTER))
    read = prepare(frame)
    checks = plan_checks(profile, read.collect_schema())
    result = compute_tables(read, profile, chosen, backend=backend, checks=checks)
    return result, backend.partials_made


class Counted:
    """A cluster backend that counts the partials it returns."""

    name = "spark"

    def __init__(self, backend: SparkBackend) -> None:
        self.backend = backend
        self.partials_made = 0

    def partials(self, frame: pl.LazyFrame, plan: Plan, batch_rows: int | None) -> list[Partial]:
        found = self.backend.partials(frame, plan, batch_rows)
        self.partials_made = len(found)
        return found


PARTITIONINGS = {
    "by region (hive)": ("REGION", None),
    "by sex (hive), small row groups": ("SEX", 700),
    "three plain files": (None, None),
}


@pytest.mark.parametrize("partitioning", sorted(PARTITIONINGS))
def test_a_partitioned_directory_gives_the_tables_of_the_single_file(
    spark: object, tmp_path: Path, partitioning: str
) -> None:
    column, row_group = PARTITIONINGS[partitioning]
    persons = pl.read_parquet(CENSUS)
    folder = tmp_path / "census"
    if column is None:
        folder.mkdir()
        numbered = persons.with_columns((pl.int_range(pl.len()) % 3).alias("_part"))
        for index, part in enumerate(numbered.partition_by("_part", include_key=False)):
            part.write_parquet(folder / f"part-{index}.parquet")
    else:
        persons.write_parquet(folder, partition_by=column, row_group_size=row_group)
    recipes = ("nativity_age_sex", "migratory_status_sex_age_region", "citizenship_status_age_sex")
    profile = read_profile(SAMPLE_PROFILE, reviewed=True)
    chosen, _ = select_recipes(load_catalog([]), profile, recipes)
    read = pl.scan_parquet(CENSUS).select(profile.columns())
    checks = plan_checks(profile, read.collect_schema())
    whole = compute_tables(read, profile, chosen, checks=checks)
    # Partitions of about 16 kB: several per file, several files per partition.
    conf = spark.conf  # type: ignore[attr-defined]
    conf.set("spark.sql.files.maxPartitionBytes", "16384")
    conf.set("spark.sql.files.openCostInBytes", "1024")
    try:
        parts, partials = _tables_of_directory(folder, recipes)
    finally:
        conf.unset("spark.sql.files.maxPartitionBytes")
        conf.unset("spark.sql.files.openCostInBytes")
    assert parts.records == whole.records == persons.height
    assert partials > 1  # several partitions, or several files in one
    assert parts.unknown_codes == whole.unknown_codes
    assert parts.checks == whole.checks
    for got, expected in zip(parts.tables, whole.tables, strict=True):
        assert got.recipe_id == expected.recipe_id
        assert got.cells.equals(expected.cells), got.recipe_id
        assert got.accounting == expected.accounting


def test_a_folder_converted_with_partition_by_tabulates_as_the_single_file(
    catalogue: tuple[Path, Path], tmp_path: Path
) -> None:
    # The user's path: convert --partition-by, then tabulate the folder with Spark.
    polars_out, _ = catalogue
    folder = api.convert(CENSUS, tmp_path / "census", partition_by="DISTRICT").target
    spark_out = run(folder, SAMPLE_PROFILE, tmp_path / "spark", "spark", formats=("csv",))
    same_csvs(polars_out, spark_out)
    expected, found = record(polars_out), record(spark_out)
    for facts in (expected["input"], found["input"]):
        assert isinstance(facts, dict)
        for key in ("path", "size_bytes", "sha256"):
            facts.pop(key)
    assert found == expected


def test_a_partitioned_million_person_census_gives_the_default_engines_tables(
    spark: object, tmp_path: Path
) -> None:
    # The size: 1,000,000 persons, partitioned by region as a data lake holds them
    # (convert --partition-by), every standard table by each engine, the same bytes.
    census = api.write_sample(1_000_000, 18, tmp_path / "census.parquet")
    folder = api.convert(census, tmp_path / "lake", partition_by="REGION").target
    assert len(list(folder.glob("REGION=*"))) == 6
    polars_out = run(census, SAMPLE_PROFILE, tmp_path / "polars", "polars", formats=("csv",))
    spark_out = run(folder, SAMPLE_PROFILE, tmp_path / "spark", "spark", formats=("csv",))
    assert len(same_csvs(polars_out, spark_out)) == 14
    expected, found = record(polars_out), record(spark_out)
    assert found["input"]["records"] == expected["input"]["records"] == 1_000_000  # type: ignore[index]


def _profile_without(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    changed = tmp_path / source.name
    changed.write_text(text.replace(old, new), encoding="utf-8")
    return changed


def test_the_spark_engine_refuses_what_it_cannot_compute_the_same(tmp_path: Path) -> None:
    # Refused before any data are read or Spark starts: no session needed.
    with pytest.raises(InputError, match="convert it to Parquet first with ") as found:
        api.tabulate(SAMPLE_DIR / "census.csv", SAMPLE_PROFILE, engine="spark")
    assert found.value.exit_code == 2
    assert "censusmig.api.convert()" in str(found.value)
    result = CliRunner().invoke(
        app,
        ["tabulate", str(SAMPLE_DIR / "census.csv"), "-p", str(SAMPLE_PROFILE)]
        + ["-o", str(tmp_path / "csv_out"), "--engine", "spark"],
    )
    assert result.exit_code == 2
    assert "convert it to Parquet first with 'censusmig convert'" in (result.stderr)
    taylor = _profile_without(
        tmp_path,
        SURVEY_PROFILE,
        'method = "sdr"\nreplicate_weights = "RWGT1..RWGT80"',
        'method = "taylor"\nstrata = "STRATUM"',
    )
    with pytest.raises(CensusmigError, match=r"without PSUs .*\[design\] psu") as found:
        api.tabulate(SURVEY, taylor, engine="spark")
    assert found.value.exit_code == 2 and "engine='polars'" in str(found.value)
    anonymous = _profile_without(tmp_path, SAMPLE_PROFILE, 'person_id = "PERSON_ID"', "")
    with pytest.raises(CensusmigError, match=r"names none; name it in \[data\] person_id"):
        api.tabulate(CENSUS, anonymous, engine="spark", protect="cell-key")
    result = CliRunner().invoke(
        app,
        ["tabulate", str(CENSUS), "-p", str(anonymous), "--engine", "spark"]
        + ["--protect", "round3", "-o", str(tmp_path / "out")],
    )
    assert result.exit_code == 2
    assert "[data] person_id, or run with --engine polars" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_engine_options_are_checked_before_the_run(tmp_path: Path) -> None:
    with pytest.raises(CensusmigError, match="Did you mean 'spark'"):
        api.tabulate(CENSUS, SAMPLE_PROFILE, engine="sparc")
    result = CliRunner().invoke(
        app,
        ["tabulate", str(CENSUS), "-p", str(SAMPLE_PROFILE), "--spark-master", "local[1]"]
        + ["-o", str(tmp_path / "out")],
    )
    assert result.exit_code == 2
    assert "--spark-master goes with --engine spark only" in result.stderr


def test_a_missing_pyspark_or_java_names_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from censusmig.tables import spark

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import fails as if not installed
    install = r"pip install '\.\[spark\]' in the censusmig folder"
    with pytest.raises(CensusmigError, match=install) as found:
        spark.spark_session("local[1]")
    assert found.value.exit_code == 2
    monkeypatch.undo()
    if importlib.util.find_spec("pyspark") is None:
        return  # the Java check comes after pyspark's
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(spark.shutil, "which", lambda name: None)
    with pytest.raises(CensusmigError, match="apt-get install default-jre-headless"):
        spark.spark_session("local[1]")


def test_the_spark_engine_reads_the_files_and_values_the_default_engine_reads(
    spark: object, tmp_path: Path
) -> None:
    # Text keys percent-encoded in UTF-8 (Petén), an empty key (REGION=), a linked folder:
    # Spark once decoded the first per byte, failed on the second and the default engine
    # skipped the third.
    named = pl.read_parquet(CENSUS).with_columns(
        pl.col("REGION").replace_strict(
            {1: "Petén", 2: ""}, default=pl.col("REGION").cast(pl.String), return_dtype=pl.String
        )
    )
    census = tmp_path / "named.parquet"
    named.write_parquet(census)
    folder = api.convert(census, tmp_path / "lake", partition_by="REGION").target
    assert (folder / "REGION=Pet%C3%A9n").is_dir() and (folder / "REGION=").is_dir()
    store = tmp_path / "store"
    store.mkdir()
    shutil.move(folder / "REGION=3", store / "REGION=3")
    (folder / "REGION=3").symlink_to(store / "REGION=3", target_is_directory=True)
    recipes = ("migratory_status_sex_age_region", "nativity_age_sex")
    options = {"recipes": recipes, "formats": ("csv",)}
    expected = run(census, SAMPLE_PROFILE, tmp_path / "file", "polars", **options)
    for engine in ("polars", "spark"):
        out = run(folder, SAMPLE_PROFILE, tmp_path / engine, engine, **options)
        assert len(same_csvs(expected, out)) == len(recipes)
        found = record(out)
        assert found["unknown_codes"] == record(expected)["unknown_codes"]
        assert found["input"]["records"] == named.height  # type: ignore[index]


def test_paths_spark_would_read_as_patterns_are_refused(tmp_path: Path) -> None:
    # Spark read a folder named lake[12] as the pattern lake1|lake2: its sibling lake1.
    lake = api.convert(CENSUS, tmp_path / "g" / "lake[12]", partition_by="REGION").target
    (tmp_path / "g" / "lake1").mkdir()
    shutil.copytree(lake / "REGION=1", tmp_path / "g" / "lake1" / "REGION=1")
    colon = tmp_path / "a:b.parquet"
    shutil.copy(CENSUS, colon)
    for data, character in ((lake, "["), (colon, ":")):
        result = CliRunner().invoke(
            app,
            ["tabulate", str(data), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "out")]
            + ["--engine", "spark", "--spark-master", MASTER],
        )
        assert result.exit_code == 2, result.stderr
        assert f"the Spark engine reads paths as patterns (a {character!r} in" in result.stderr
        assert "or run with --engine polars" in result.stderr
        assert not (tmp_path / "out").exists()
    # The default engine reads such names as names.
    run(lake, SAMPLE_PROFILE, tmp_path / "polars", "polars", recipes=("nativity_age_sex",))
    assert record(tmp_path / "polars")["input"]["records"] == 20_000  # type: ignore[index]


class _SparkRefused(Exception):
    """An error as pyspark raises it for a condition of Spark's own."""

    def getCondition(self) -> str:  # noqa: N802 (pyspark's spelling)
        return "EMPTY_PARTITION_COLUMN_VALUE"


def test_sparks_own_errors_are_named_without_sending_the_user_elsewhere() -> None:
    from censusmig.tables.spark import _failed

    own = str(_failed(Path("lake"), _SparkRefused("value 'secret' in row 3")))
    assert "Spark's error EMPTY_PARTITION_COLUMN_VALUE" in own and "secret" not in own
    assert "to see the problem" not in own
    worker = str(_failed(Path("lake"), ValueError("boom\nsome.module.KeyError: 'secret'")))
    assert "(some.module.KeyError)" in worker and "secret" not in worker
    assert "--engine polars" in worker or "engine='polars'" in worker


def test_a_worker_failure_is_told_by_its_type_never_its_message() -> None:
    # Spark prints a failed worker's exception on stderr: what censusmig raises there names
    # the error's type only, never a message that may quote a record's value.
    import pyarrow as pa

    from censusmig.tables.engine import plan_run
    from censusmig.tables.plan import CELL_MEASURES
    from censusmig.tables.spark import _FILE, _START, _PartitionWork

    profile = read_profile(SAMPLE_PROFILE, reviewed=True)
    chosen, _ = select_recipes(load_catalog([]), profile, ("nativity_age_sex",))
    plan = plan_run(profile, chosen, CELL_MEASURES, None)
    schema = {"AGE": pl.Int64()}
    work = _PartitionWork(plan, schema, lambda frame: frame, None, {})
    batch = pa.RecordBatch.from_pydict(
        {"AGE": ["SECRETVALUE123"], _FILE: ["file:///census.parquet"], _START: [0]}
    )
    with pytest.raises(RuntimeError) as found:
        list(work([batch]))
    assert str(found.value).startswith("censusmig worker: ")
    assert "SECRETVALUE123" not in str(found.value)
    assert found.value.__cause__ is None and found.value.__suppress_context__


def test_a_stale_checksum_file_beside_a_part_is_ignored_as_by_the_default_engine(
    catalogue: tuple[Path, Path], tmp_path: Path
) -> None:
    # Hadoop's checksummed local file system would check .NAME.crc and fail; the default
    # engine skips dot-files, and so must Spark.
    polars_out, _ = catalogue
    folder = api.convert(CENSUS, tmp_path / "lake", partition_by="REGION").target
    part = next(folder.glob("REGION=1/*.parquet"))
    (part.parent / f".{part.name}.crc").write_bytes(b"not the checksum of that file")
    spark_out = run(folder, SAMPLE_PROFILE, tmp_path / "spark", "spark", formats=("csv",))
    same_csvs(polars_out, spark_out)
