"""The Spark backend: the Polars backend's own aggregation, run by Spark on each partition.

Spark reads the Parquet file or directory (a data lake's hive-partitioned person file, on
HDFS or object storage as well as on disk), spreads its partitions over the executors and
runs, in each executor's Python worker, exactly what the Polars backend runs: the records of
the partition, cast to the types the driver's reader gives the same data, prepared as the
driver prepares them (record keys, columns read), then derived and summed by
:meth:`~censusmig.tables.backend.PolarsBackend.aggregate`. Each partition sends back one
pickled :class:`~censusmig.tables.plan.Partial` per file it read from (usually one); the
driver puts them in file order and merges them (:func:`~censusmig.tables.plan.merge`), so the
cells are the Polars backend's by construction: integer sums, whatever the partitioning.

Derivations are therefore written once; the cost is that the executors need polars and
censusmig installed (``pip install 'censusmig[spark]'`` on the cluster image). Nothing here
numbers records by their position: a run that would need it (a Taylor design without PSUs,
record keys without a person id) is refused before any data are read
(:func:`check_spark_run`).
"""

from __future__ import annotations

import atexit
import os
import pickle
import shutil
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import polars as pl

from censusmig.errors import Call, CensusmigError, InputError, Setting
from censusmig.profiles.design import TAYLOR
from censusmig.profiles.model import Profile
from censusmig.tables.backend import POLARS
from censusmig.tables.checks import RECORD_NUMBER
from censusmig.tables.plan import Partial, Plan, merge

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

SPARK_INSTALL = "pip install '.[spark]' in the censusmig folder (or 'censusmig[spark]')"
"""How to install the Spark engine's Python side (pyspark)."""
JAVA_INSTALL = "apt-get install default-jre-headless"
"""How to install the Java runtime Spark runs on (Debian, Ubuntu)."""
PARQUET_SUFFIXES = (".parquet", ".pq")
"""Names of the Parquet files the Spark engine reads (or a directory of them)."""
PATTERN_CHARACTERS = frozenset("[]*?{}\\:")
"""Characters Spark (Hadoop) reads in a path as a pattern or a URI's scheme, not as a name."""
PARTITION_ROWS = 1_000_000
"""Records of a partition aggregated at a time in a worker when the run sets no slice size:
memory stays bounded by this many records whatever the partition's size."""

LOG_SETTINGS = Path(__file__).with_name("spark-log4j2.properties")
"""Spark's log settings for a session censusmig starts: nothing (a failed task's log quotes
its Python traceback, which may quote records); censusmig says what failed itself."""

_FILE = "_spark_file"
_START = "_spark_start"
_PARTIAL = "_spark_partial"
_RESULT_SCHEMA = f"{_FILE} string, {_START} long, {_PARTIAL} binary"


@dataclass(frozen=True)
class StoredRecords:
    """The person records as stored, and how to make of them what the tables read.

    Attributes:
        path: A Parquet file or a directory of Parquet files (hive-partitioned or not).
        schema: Column -> the type the driver's reader gives it (the columns read, in order):
            each partition is cast to these, so both engines derive from the same types.
        prepare: What the driver does to the records before the tables read them (record
            keys, the columns kept); a module-level function or a ``functools.partial`` of
            one, so that Spark can send it to the executors.
    """

    path: Path
    schema: Mapping[str, pl.DataType]
    prepare: Callable[[pl.LazyFrame], pl.LazyFrame]


class SparkBackend:
    """The Spark engine: Spark distributes the reads, Polars aggregates each partition.

    It reads the stored records itself, so it implements
    :class:`~censusmig.tables.backend.ClusterBackend` (the whole input, partition by
    partition) rather than one slice at a time.
    """

    name = "spark"

    def __init__(self, records: StoredRecords, master: str) -> None:
        self.records = records
        self.master = master

    def partials(self, frame: pl.LazyFrame, plan: Plan, batch_rows: int | None) -> list[Partial]:
        """Aggregate every partition of the stored records, in file order.

        Args:
            frame: The same records as the driver reads them (used for their columns only).
            plan: The run's plan.
            batch_rows: Records aggregated at a time in a worker, or None for
                :data:`PARTITION_ROWS`.

        Returns:
            One partial per file a partition read from, in file order (at least one).

        Raises:
            CensusmigError: The records were numbered by their position, which a cluster
                does not know; or Spark failed.
        """
        if RECORD_NUMBER in frame.collect_schema().names():
            raise CensusmigError(
                "the Spark engine cannot list failing records by their number in the file; "
                f"name the person id in {plan.profile.path} ([data] person_id)"
            )
        from pyspark.sql import functions as F  # noqa: N812 (Spark's own spelling)

        session = spark_session(self.master)
        records = self.records
        files = spark_files(records.path)
        stored = set(pl.read_parquet_schema(files[0][0]))
        # Keys of a folder the files do not hold: added by the workers from the folder names
        # the driver's reader decoded, so both engines give each file the same values.
        added = [name for name in records.schema if name not in stored]
        keys = {
            os.path.abspath(path): (number, {key: dict(values)[key] for key in added})
            for number, (path, values) in enumerate(files)
        }
        work = _PartitionWork(plan, dict(records.schema), records.prepare, batch_rows, keys)
        try:
            # Every file named (no folder, no basePath): Spark lists, globs and adds nothing.
            read = session.read.parquet(*(os.path.abspath(path) for path, _ in files)).select(
                *(F.col(f"`{name}`") for name in records.schema if name in stored),
                F.col("_metadata.file_path").alias(_FILE),
                F.col("_metadata.file_block_start").alias(_START),
            )
            with warnings.catch_warnings():  # pyspark's notes on pandas versions
                warnings.simplefilter("ignore")
                rows = read.mapInArrow(work, _RESULT_SCHEMA).collect()
        except Exception as error:  # a Java or a worker's error: named, never shown whole
            raise _failed(records.path, error) from None
        ordered = sorted(rows, key=lambda row: (keys[_local(row[_FILE])][0], row[_START]))
        partials = [pickle.loads(row[_PARTIAL]) for row in ordered]
        if not partials:  # no records at all: the sums of an empty file
            empty = pl.DataFrame(schema=dict(records.schema)).lazy()
            partials = [POLARS.aggregate(records.prepare(empty), plan)]
        return partials


@dataclass(frozen=True)
class _PartitionWork:
    """What a worker does with one partition's Arrow batches (sent to it by pickle)."""

    plan: Plan
    schema: dict[str, pl.DataType]
    prepare: Callable[[pl.LazyFrame], pl.LazyFrame]
    batch_rows: int | None
    keys: dict[str, tuple[int, dict[str, str | None]]]
    """Each file (absolute path) -> its place in the dataset and its partition keys' values
    the files do not hold (decoded by the driver's reader; typed by the cast to ``schema``)."""

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """One record batch per file the partition read from: the file, where, the partial.

        A failure is raised again as its type's name only: Spark's worker prints the
        exception's message and traceback on stderr, and a message of Polars may quote a value
        of the records.
        """
        try:
            yield from self._partials(batches)
        except Exception as error:  # noqa: BLE001 - told by type only (see above)
            raise RuntimeError(f"censusmig worker: {type(error).__name__}") from None

    def _partials(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        limit = self.batch_rows or PARTITION_ROWS
        found: dict[tuple[str, int], list[Partial]] = {}
        pending: list[pl.DataFrame] = []
        pending_rows = 0
        current: tuple[str, int] | None = None
        for batch in batches:
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            # A batch may hold the end of one file and the start of the next.
            for key, part in frame.partition_by(
                [_FILE, _START], maintain_order=True, as_dict=True
            ).items():
                where = (str(key[0]), int(key[1]))
                if where != current or pending_rows >= limit:
                    if current is not None and pending:
                        found.setdefault(current, []).append(self._aggregate(pending))
                    pending, pending_rows, current = [], 0, where
                values = self.keys[_local(where[0])][1]
                pending.append(
                    part.drop(_FILE, _START).with_columns(
                        pl.lit(value, dtype=pl.String).alias(key) for key, value in values.items()
                    )
                )
                pending_rows += part.height
        if current is not None and pending:
            found.setdefault(current, []).append(self._aggregate(pending))
        for (file, start), partials in found.items():
            yield pa.RecordBatch.from_pydict(
                {
                    _FILE: [file],
                    _START: [start],
                    _PARTIAL: [pickle.dumps(merge(partials, self.plan))],
                },
                schema=pa.schema(
                    [(_FILE, pa.string()), (_START, pa.int64()), (_PARTIAL, pa.binary())]
                ),
            )

    def _aggregate(self, frames: Sequence[pl.DataFrame]) -> Partial:
        records = pl.concat(frames, how="vertical_relaxed")
        # The driver's types: Spark reads unsigned integers and hive partition values its way.
        typed = records.select(pl.col(name).cast(dtype) for name, dtype in self.schema.items())
        return POLARS.aggregate(self.prepare(typed.lazy()), self.plan)


def check_spark_run(profile: Profile, keyed: bool) -> None:
    """Stop before any data are read when a run needs the records' numbers in the file.

    A cluster reads partitions in no fixed order, so the Spark engine identifies records by
    their ids only.

    Args:
        profile: The run's profile.
        keyed: The run's protection gives each record a key (cell-key method, rounding).

    Raises:
        CensusmigError: A Taylor design without PSUs (each record is then its own PSU,
            numbered), or record keys without a person id.
    """
    design = profile.sampling_design
    if design is not None and design.method == TAYLOR and design.psu is None:
        raise CensusmigError(
            f"the Spark engine cannot number the records of a Taylor design without PSUs "
            f"({profile.path}, [design]); name the PSU column in [design] psu, or run with ",
            Setting("engine", "polars"),
        )
    if keyed and not profile.person_id:
        raise CensusmigError(
            f"the Spark engine gives record keys (cell-key method, rounding) from the person "
            f"id, and {profile.path} names none; name it in [data] person_id, or run with ",
            Setting("engine", "polars"),
        )


def check_spark_input(path: Path) -> None:
    """Stop unless ``path`` is a Parquet file or a folder of them that Spark reads as named.

    Raises:
        InputError: Another format (it must be converted first), a folder that is not a
            Parquet dataset, or a path Spark would read as a pattern.
    """
    if not (path.is_dir() or path.suffix.lower() in PARQUET_SUFFIXES):
        raise InputError(
            "the Spark engine reads Parquet (a file or a directory of Parquet files), not "
            f"{path}; convert it to Parquet first with ",
            Call("convert"),
        )
    spark_files(path)


def spark_files(path: Path) -> list[tuple[Path, tuple[tuple[str, str | None], ...]]]:
    """The files the Spark engine reads, in the driver's reader's order, with their keys.

    A folder is listed by the driver's reader's own rules
    (:func:`~censusmig.readers.dataset.dataset_files`), so both engines read the same files
    with the same partition values.

    Raises:
        InputError: A folder that is not a Parquet dataset, or a path Spark would read as a
            pattern or a URI (``[ ] * ? { }``, a backslash or ``:`` in it).
    """
    from censusmig.readers.dataset import dataset_files

    if path.is_dir():
        files = [(file.path, file.keys) for file in dataset_files(path)]
    else:
        files = [(path, ())]
    for file, _ in files:
        absolute = os.path.abspath(file)
        if any(character in absolute for character in PATTERN_CHARACTERS):
            raise InputError(
                f"{file}: the Spark engine reads paths as patterns (a {_pattern(absolute)!r} in "
                "this path would make it read other files, or none); rename the file or "
                "folder, or run with ",
                Setting("engine", "polars"),
            )
    return files


def _pattern(path: str) -> str:
    return next(character for character in path if character in PATTERN_CHARACTERS)


_SESSIONS: dict[str, SparkSession] = {}


def spark_session(master: str) -> SparkSession:
    """The process's Spark session on ``master``, started on first use, stopped at exit.

    Settings for one run of tables: no web UI, no progress bar, Arrow batches, few shuffle
    partitions, column names case-sensitive, hive partition values kept as text (the
    driver's reader types them), the driver bound to the loopback address in local mode.

    Raises:
        CensusmigError: pyspark or Java is missing (naming how to install it), or the session
            could not start.
    """
    if master in _SESSIONS:
        return _SESSIONS[master]
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise CensusmigError(
            f"the Spark engine needs pyspark, which is not installed: {SPARK_INSTALL}"
        ) from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise CensusmigError(
            f"the Spark engine needs Java (17 or later), which is not installed: {JAVA_INSTALL}"
        )
    for other in list(_SESSIONS):  # one Spark context per process
        _SESSIONS.pop(other).stop()
    # The executors' Python: this one (same polars, same censusmig), unless the user chose.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder: Any = SparkSession.builder
    settings = {
        "spark.app.name": "censusmig",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.shuffle.partitions": "4",
        # Fewer, larger Arrow batches per partition: less per-batch work in the workers.
        "spark.sql.execution.arrow.maxRecordsPerBatch": "100000",
        "spark.sql.caseSensitive": "true",
        "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
        # Local files as they are: Hadoop's checksummed local file system would fail on a
        # stale .NAME.crc beside a Parquet file, which the default engine never reads.
        "spark.hadoop.fs.file.impl": "org.apache.hadoop.fs.RawLocalFileSystem",
        # Silent from the start (the level set below comes after the start-up lines).
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={LOG_SETTINGS.as_uri()}",
    }
    if master.startswith("local"):  # no network: the driver on the loopback address
        settings |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        with warnings.catch_warnings():  # pyspark's notes on pandas versions
            warnings.simplefilter("ignore")
            session: SparkSession = builder.getOrCreate()
    except Exception as error:
        raise CensusmigError(
            f"the Spark engine could not start a session on {master!r} "
            f"({type(error).__name__}); check the master URL and Java ({JAVA_INSTALL})"
        ) from None
    session.sparkContext.setLogLevel("OFF")
    _SESSIONS[master] = session
    return session


@atexit.register
def stop_sessions() -> None:
    """Stop the Spark sessions this process started."""
    for master in list(_SESSIONS):
        _SESSIONS.pop(master).stop()


def _local(uri: str) -> str:
    """A file URI as a path, for ordering files as the driver's reader does."""
    return unquote(urlparse(uri).path) if "://" in uri or uri.startswith("file:") else uri


def _failed(path: Path, error: Exception) -> CensusmigError:
    """Spark's error, named by its kind only: its text may quote records.

    A condition of Spark's own (it could not read or list the files: ``FAILED_READ_FILE``)
    is named as such; only a failure in censusmig's code on the workers sends the user to the
    default engine, which runs the same code and shows the problem.
    """
    text = str(error)
    kind = type(error).__name__
    for line in reversed(text.splitlines()):
        # A worker's Python error ends with "ModuleName.ErrorClass: message".
        head = line.split(":", 1)[0].strip()
        if head.endswith(("Error", "Exception")) and " " not in head:
            kind = head
            break
    condition = _condition(error)
    if condition is not None and type(error).__name__ != "PythonException":
        return CensusmigError(
            f"Spark could not read {path} (Spark's error {condition}); the Spark engine reads "
            "the files the default engine reads, so this is Spark's own limit: see Spark's "
            "documentation of that error, or run with ",
            Setting("engine", "polars"),
        )
    return CensusmigError(
        f"the Spark engine failed while aggregating {path} ({kind}); run the same with ",
        Setting("engine", "polars"),
        " to see the problem",
    )


def _condition(error: Exception) -> str | None:
    """The error condition Spark names (``EMPTY_PARTITION_COLUMN_VALUE``), if any."""
    for name in ("getCondition", "getErrorClass"):
        method = getattr(error, name, None)
        if callable(method):
            try:
                found = method()
            except Exception:  # an older pyspark without conditions on this error
                continue
            if isinstance(found, str) and found:
                return found
    return None
