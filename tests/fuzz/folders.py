"""The folder family: generated person files written as folders of Parquet files.

A folder dataset (``censusmig.readers.dataset``) is read as the concatenation of its Parquet
files in the order of their paths relative to the folder, ``key=value`` folders naming
columns the files may not hold. Each case writes such a folder in an odd but legal way (odd
partition values, nested keys, keys only in folder names, empty files, ``_SUCCESS``, ``.crc``
and hidden files, deep folders, many small files, odd file names) or an illegal one (a stray
file, files with other columns, files under other keys, a damaged file, nothing to read),
and beside it ``in/single.parquet``: the same records as one file, written independently of
censusmig from the documented rules. The oracle then wants, of a legal folder, the single
file's tidy CSVs byte for byte (and, in a few cases, the Spark engine's too), the single
file's records from ``convert``; of an illegal one, exit 2 with a one-line message. A few
cases run ``convert --partition-by`` on odd columns and read the folder written back.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, unquote

import polars as pl

NULL = "__HIVE_DEFAULT_PARTITION__"
"""The folder value Hive, Spark and Polars write for a null key."""

SPARK_EVERY = 25
"""One folder case in this many (those numbered 24, 49, ...) also runs the Spark engine."""

KEY_COLUMNS = ("REGION", "SEX", "EDUC", "RES5", "DISABILITY", "CIT_ACQ", "REASON")
"""Coded columns of the sample the folders are partitioned by (few values each)."""

ODD_VALUES = (
    "08",
    "007",
    "",
    NULL,
    "-0",
    "+1",
    " 1",
    "1 ",
    "a b",
    "\u00fc",
    "\u5317\u4eac",
    "\u0661",
    "x%2Fy",
    "100%25",
    "%",
    "%zz",
    "a=b",
    "1.5",
    "1e3",
    "NaN",
    "null",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551615",
    "e\u0301",
    "tab\tx",
    "Z" * 200,
)
"""Folder values for codes: leading zeros, nulls, spaces, unicode, percent-escapes, overflow."""

FILE_NAMES = (
    "part-{i:05d}.parquet",
    "part-{i}.parquet",
    "part-{i:05d}-c000.snappy.parquet",
    "{i} \u00fc x[1].parquet",
    "DATA-{i}.PARQUET",
    "p{i}.pq",
    "={i}.parquet",
    "{i}*?.parquet",
)
"""Names of the data files (``{i}`` numbers them; unpadded numbers sort as text)."""

JUNK = (
    "_SUCCESS",
    "_committed_123",
    "._SUCCESS.crc",
    ".DS_Store",
    ".hidden.parquet",
    "_common_metadata",
    "_temporary/0/part-0.parquet",
    ".git/config",
)
"""Files Hive, Spark, Arrow and editors leave, skipped by name (``_`` or ``.`` first)."""


@dataclass(frozen=True)
class Rerun:
    """Another run of the same case, compared with what the case's main run wrote.

    Attributes:
        label: What the run is (``single_file``, ``spark``, ``read_back``).
        argv: Arguments after ``censusmig``, relative to the case folder.
        target: What it writes (relative).
        same_tables_as: The output whose ``csv/`` tidy files must be byte-identical to the
            target's; None when there are no tables to compare.
        spark: Run only when pyspark and java are installed (skipped otherwise).
    """

    label: str
    argv: list[str]
    target: str
    same_tables_as: str | None = None
    spark: bool = False


@dataclass(frozen=True)
class FrameCheck:
    """A Parquet file censusmig wrote must hold the reference file's records.

    Attributes:
        produced: The file written (relative to the case folder).
        reference: The file of the records expected (relative).
        ordered: The records in the same order (else the same records in any order).
    """

    produced: str
    reference: str
    ordered: bool = True


@dataclass(frozen=True)
class PartitionCheck:
    """A folder ``convert --partition-by`` wrote: each file under one value of the column.

    Attributes:
        folder: The folder written (relative).
        column: The partition column (kept in every file).
    """

    folder: str
    column: str


# ------------------------------------------------------------------------------ records


def person_frame(header: list[str], rows: list[list[str]]) -> pl.DataFrame:
    """The generated rows as typed records: 64-bit integer codes, NOTE as text."""
    return pl.DataFrame(
        {
            name: [row[i] for row in rows] if name == "NOTE" else [int(row[i]) for row in rows]
            for i, name in enumerate(header)
        },
        schema={name: pl.String if name == "NOTE" else pl.Int64 for name in header},
    )


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """``frame`` as the bytes of a Parquet file."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def decoded(folder_value: str) -> str | None:
    """The value a ``key=value`` folder names: percent-decoded, None for a null."""
    text = unquote(folder_value)
    return None if text in ("", NULL) else text


def key_dtype(values: list[str | None]) -> pl.DataType:
    """How a key only in folder names is read (docs/data formats): integers unless a code
    would change by it (leading zeros, a sign, overflow), text otherwise."""
    for value in values:
        if value is None:
            continue
        if not re.fullmatch(r"-?[0-9]+", value) or str(int(value)) != value:
            return pl.String()
        if not -(2**63) <= int(value) < 2**63:
            return pl.String()
    return pl.Int64()


# ------------------------------------------------------------------------------- layouts


@dataclass
class _Key:
    column: str
    kept: bool  # the files hold the column as well as the folder names
    names: dict[int | None, str]  # code -> folder value as written


@dataclass
class Layout:
    """A folder dataset: files (relative path -> records), what else lies in it, its kind.

    ``mislabelled``: a key the files hold lies in folders naming other values (refused);
    ``respelled``: in folders naming the same numbers otherwise spelt (``08`` for 8), which
    a reader may accept or refuse, but not read otherwise.
    """

    files: dict[str, pl.DataFrame]
    extra: dict[str, bytes]
    kinds: list[str]
    added: list[tuple[str, pl.DataType]]  # keys only in folder names: the columns they add
    mislabelled: bool = False
    respelled: bool = False


def _kept_values(
    rng: random.Random, codes: list[int | None], legal: bool
) -> tuple[dict[Any, str], str]:
    """Folder values of a key the files hold: exact, respelt or wrong; the way chosen.

    The files' column is what both engines read; its folders must name the same values
    (checked when the dataset is opened), nulls as ``__HIVE_DEFAULT_PARTITION__`` or empty.
    ``legal``: never wrong.
    """
    ways = ("exact", "exact", "exact", "respelled") + (() if legal else ("mislabelled",))
    how = rng.choice(ways)
    names: dict[Any, str] = {}
    numbers = [code for code in codes if code is not None]
    for code in codes:
        if code is None:
            names[code] = rng.choice((NULL, ""))
        elif how == "respelled":
            names[code] = rng.choice(("0", "00", "+", "%30")) + str(code)
        else:
            names[code] = str(code)
    if how == "mislabelled":
        if len(numbers) > 1:  # folders swapped: each names its neighbour's value
            for code, other in zip(numbers, numbers[1:] + numbers[:1], strict=True):
                names[code] = str(other)
        elif numbers:
            names[numbers[0]] = rng.choice((str(numbers[0] + 1), "x", NULL, "1.5"))
        else:
            names[None] = "7"
    return names, how


def _folder_values(rng: random.Random, codes: list[int | None], odd: bool) -> dict[Any, str]:
    names: dict[Any, str] = {}
    pool = list(ODD_VALUES)
    rng.shuffle(pool)
    for code in codes:
        if code is None:
            names[code] = rng.choice((NULL, ""))
        elif odd and pool:
            names[code] = pool.pop()
        else:
            names[code] = str(code)
    return names


def build_layout(rng: random.Random, frame: pl.DataFrame, spark: bool = False) -> Layout:
    """Split ``frame`` into a folder dataset, its files named in odd ways.

    ``spark``: no file name with a character Spark reads as a pattern (``[ ] * ?``), which
    the Spark engine refuses.
    """
    kinds: list[str] = []
    keys: list[_Key] = []
    mislabelled = respelled = False
    present = [column for column in KEY_COLUMNS if column in frame.columns]
    for column in rng.sample(present, rng.choice((0, 1, 1, 1, 2, 2, 3))):
        kept = rng.random() < 0.4
        if rng.random() < 0.2 and frame.height:  # some records without a value of the key
            frame = frame.with_columns(
                pl.when(pl.int_range(pl.len()) % rng.choice((2, 3, 7)) == 0)
                .then(None)
                .otherwise(pl.col(column))
                .alias(column)
            )
            kinds.append(f"nulls_{column}")
        codes = sorted(frame.get_column(column).unique().to_list(), key=str)
        if kept:
            names, how = _kept_values(rng, codes, legal=spark)
            mislabelled = mislabelled or how == "mislabelled"
            respelled = respelled or how == "respelled"
            kinds.append(f"key_{column}_kept_{how}")
        else:
            odd = rng.random() < 0.45
            names = _folder_values(rng, codes, odd)
            kinds.append(f"key_{column}_folder_only{'_odd' if odd else ''}")
        keys.append(_Key(column, kept, names))
    if not keys:
        kinds.append("no_keys")
    deep = rng.random() < 0.2
    prefix = "/".join(rng.choice("abc") + "x" for _ in range(rng.choice((1, 8, 40)))) + "/"
    prefix = prefix if deep else ""
    if deep:
        kinds.append("deep")
    style = rng.choice([n for n in FILE_NAMES if not (spark and any(c in n for c in "[]*?"))])
    many = rng.random() < 0.12
    kinds.append("many_small_files" if many else f"names_{FILE_NAMES.index(style)}")
    groups: list[tuple[str, pl.DataFrame]] = [("", frame)]
    for key in keys:
        split: list[tuple[str, pl.DataFrame]] = []
        for path, part in groups:
            for code, name in key.names.items():
                rows = part.filter(
                    pl.col(key.column).is_null() if code is None else pl.col(key.column) == code
                )
                if rows.height:
                    split.append((f"{path}{quote_folder(key.column)}={name}/", rows))
        groups = split
    files: dict[str, pl.DataFrame] = {}
    counter = 0
    dropped = [key.column for key in keys if not key.kept]
    for path, part in groups:
        part = part.drop(dropped)
        chunks = part.height if many else rng.choice((1, 1, 2, 3))
        sub = "sub/" if rng.random() < 0.05 else ""
        for index in range(max(1, chunks)):
            size = -(-part.height // max(1, chunks))
            files[prefix + path + sub + style.format(i=counter)] = part.slice(index * size, size)
            counter += 1
    if not files:  # no records, so no partition: one file with every column
        files[prefix + style.format(i=0)] = frame.head(0)
        mislabelled = respelled = False
        if keys:
            kinds.append("no_records_no_partition")
            keys = []
    extra: dict[str, bytes] = {}
    if rng.random() < 0.3 and files:  # files with the columns and no records
        empty = next(iter(files.values())).head(0)
        for _ in range(rng.choice((1, 2))):
            where = str(PurePosixPath(rng.choice(sorted(files))).parent)
            folder = "" if where == "." else where + "/"
            files[folder + f"empty-{counter}.parquet"] = empty
            counter += 1
        kinds.append("empty_files")
    if rng.random() < 0.3:
        for junk in rng.sample(JUNK, rng.choice((1, 2, 4))):
            extra[junk] = b"junk bytes, not Parquet\n"
        for path in rng.sample(sorted(files), min(2, len(files))):
            crc = PurePosixPath(path)
            extra[str(crc.with_name(f".{crc.name}.crc"))] = b"crc\n"
        kinds.append("junk_skipped")
    added: list[tuple[str, pl.DataType]] = []
    for key in keys:
        if not key.kept:
            values = [decoded(name) for name in key.names.values()]
            added.append((key.column, key_dtype(values)))
    return Layout(files, extra, kinds, added, mislabelled, respelled)


def quote_folder(column: str) -> str:
    """A column name as a folder name may hold it (percent-escapes, as Hive writes)."""
    return quote(column, safe=" ")


def single_file(layout: Layout) -> pl.DataFrame:
    """The records of a legal layout as one frame: files in path order, keys appended."""
    parts = []
    for path in sorted(layout.files):
        part = layout.files[path]
        values = dict(keys_of(path))
        for column, dtype in layout.added:
            value = values.get(column)
            if value is not None and dtype == pl.Int64():
                part = part.with_columns(pl.lit(int(value), pl.Int64).alias(column))
            else:
                part = part.with_columns(pl.lit(value, dtype).alias(column))
        parts.append(part)
    return pl.concat(parts, how="vertical")


def keys_of(path: str) -> list[tuple[str, str | None]]:
    keys = []
    for part in path.split("/")[:-1]:
        key, equals, value = part.partition("=")
        if equals and key:
            keys.append((unquote(key), decoded(value)))
    return keys


# ------------------------------------------------------------------------------ illegal


ILLEGAL = (
    "stray_file",
    "other_columns",
    "other_types",
    "extra_column",
    "other_keys",
    "key_twice",
    "not_parquet",
    "empty_parquet_file",
    "nothing_to_read",
    "only_hidden",
    "not_utf8_folder",
)


def make_illegal(rng: random.Random, layout: Layout) -> str:
    """Break a legal layout so that it is no dataset; returns the reason."""
    reason = rng.choice(ILLEGAL)
    files, extra = layout.files, layout.extra
    some = rng.choice(sorted(files))
    parent = str(PurePosixPath(some).parent)
    folder = "" if parent == "." else parent + "/"
    if reason in ("other_columns", "other_types", "extra_column") and len(files) == 1:
        files[folder + "copy.parquet"] = files[some]  # one file alone agrees with itself
    if reason == "stray_file":
        name = rng.choice(("notes.txt", "data.csv", "README", "part-0.parquet.bak", "x.gz", "a b"))
        extra[folder + name] = b"stray\n"
    elif reason == "other_columns":
        victim = rng.choice([c for c in files[some].columns])
        if files[some].width > 1:
            files[some] = files[some].drop(victim)
        else:
            files[some] = files[some].rename({victim: victim + "_2"})
    elif reason == "other_types":
        victim = rng.choice(files[some].columns)
        target = pl.Int32 if files[some].schema[victim] != pl.Int32 else pl.Int64
        if files[some].schema[victim] == pl.String:
            target = pl.Categorical
        files[some] = files[some].with_columns(pl.col(victim).cast(target))
    elif reason == "extra_column":
        files[some] = files[some].with_columns(pl.lit(1, pl.Int64).alias("EXTRA"))
    elif reason == "other_keys":
        frame = files[some]
        move = rng.choice(("root", "new_key", "one_more"))
        if move == "root" or not folder:
            files[f"other-{rng.randrange(99)}.parquet"] = frame
            if not folder:  # every file at the root: one more under a key
                files[f"K=1/other-{rng.randrange(99)}.parquet"] = frame
        elif move == "new_key":
            files[f"OTHERKEY=1/moved-{rng.randrange(99)}.parquet"] = frame
        else:
            files[f"{folder}ZZ=2/more.parquet"] = frame
    elif reason == "key_twice":
        frame = files[some]
        for path in list(files):
            files["K=1/" + path] = files.pop(path)
        files[f"K=1/{folder}K=2/twice.parquet"] = frame
    elif reason == "not_parquet":
        extra[folder + "broken.parquet"] = rng.choice(
            (b"PERSON_ID,SEX\n1,2\n", b"PAR1", parquet_bytes(files[some])[:-9], b"\x00" * 64)
        )
    elif reason == "empty_parquet_file":
        extra[folder + "zero.parquet"] = b""
    elif reason == "nothing_to_read":
        files.clear()
        if rng.random() < 0.5:
            extra["_SUCCESS"] = b""
    elif reason == "not_utf8_folder":  # %E9: latin-1's é, not UTF-8 text once decoded
        parts = some.split("/")
        at = [i for i, part in enumerate(parts[:-1]) if part.partition("=")[0] and "=" in part]
        if at:
            parts[at[-1]] = parts[at[-1]].partition("=")[0] + "=%E9"
            files["/".join(parts)] = files.pop(some)
        else:
            for path in list(files):
                files["K=%E9/" + path] = files.pop(path)
    else:  # only_hidden: every file under a folder skipped by name
        for path in list(files):
            files["_temporary/" + path] = files.pop(path)
    return reason


# -------------------------------------------------------------------------------- cases


PARTITION_BY = (
    "SEX",
    "REGION",
    "EDUC",
    "NOTE",
    "PERSON_ID",
    "ODD",
    "ODD",
    "FLOAT",
    "ALL_NULL",
    "NOPE",
    "sex",
)
"""Columns ``convert --partition-by`` is given: coded, free text, unique, odd, absent."""

ODD_TEXT_VALUES = (
    "",
    " ",
    "/",
    "a/b",
    ".",
    "..",
    "=",
    "a=b",
    "%",
    "%2F",
    NULL,
    "_x",
    ".x",
    "\u00fc",
    "tab\tx",
    "new\nline",
    "x" * 300,
    None,
    "08",
    "8",
)
"""Values of the text column ODD: separators, dots, escapes, hidden prefixes, long, null."""

ODD_COLUMN_NAMES = ("a b", "\u00fc", "x=y", "_hidden", ".dot", "x/y", "%41", "K\tT", "=")
"""Names the partition column is renamed to."""


@dataclass
class FolderCase:
    """What :func:`fill_case` decided (written into the generic case by the caller)."""

    kind: str
    command: str
    argv: list[str]
    files: dict[str, bytes]
    folders: list[str]
    expected_records: int | None
    must_fail: str | None
    must_pass: bool
    target: str | None
    reruns: list[Rerun]
    frame_checks: list[FrameCheck]
    partition_checks: list[PartitionCheck]


def fill_case(
    rng: random.Random,
    header: list[str],
    rows: list[list[str]],
    recipes: list[str],
    spark: bool,
) -> FolderCase:
    """A folder case from the generated rows (``spark``: also on the Spark engine)."""
    frame = person_frame(header, rows)
    if not spark and rng.random() < 0.15:
        return _partition_by_case(rng, frame)
    layout = build_layout(rng, frame, spark)
    illegal = make_illegal(rng, layout) if not spark and rng.random() < 0.3 else None
    if illegal is None and layout.mislabelled:
        illegal = "mislabelled_folders"
    files = {f"in/ds/{path}": parquet_bytes(part) for path, part in layout.files.items()}
    files.update({f"in/ds/{path}": data for path, data in layout.extra.items()})
    kinds = list(layout.kinds)
    expected: int | None = None
    if illegal is None:
        files["in/single.parquet"] = parquet_bytes(single_file(layout))
        expected = sum(part.height for part in layout.files.values())
    else:
        kinds.append(f"illegal_{illegal}")
    folders = ["in/ds"]
    command = "tabulate" if spark else rng.choice(("tabulate",) * 5 + ("check", "inspect") * 2)
    if not spark and rng.random() < 0.15:
        command = "convert"
    reruns: list[Rerun] = []
    checks: list[FrameCheck] = []
    target: str | None = None
    if command == "tabulate":
        picks = [a for r in recipes for a in ("-r", r)]
        base = ["-q", "tabulate", "in/ds", "-p", "in/profile.toml", "-f", "csv", *picks]
        argv, target = [*base, "-o", "out/result"], "out/result"
        if illegal is None:
            single = [*base, "-o", "out/single"]
            single[2] = "in/single.parquet"
            reruns.append(Rerun("single_file", single, "out/single", "out/result"))
            if spark:
                engine = ["--engine", "spark", "--spark-master", "local[1]"]
                spark_argv = [*base, *engine, "-o", "out/spark"]
                reruns.append(Rerun("spark", spark_argv, "out/spark", "out/result", spark=True))
                kinds.append("spark")
    elif command == "check":
        argv = ["check", "in/ds", "-p", "in/profile.toml", "--json"]
    elif command == "inspect":
        argv = ["inspect", "in/ds", "--json"]
    else:
        argv, target = ["convert", "in/ds", "--to", "out/x.parquet"], "out/x.parquet"
        if illegal is None:
            checks.append(FrameCheck("out/x.parquet", "in/single.parquet"))
    return FolderCase(
        kind="+".join(["folder", command.replace(" ", "_"), *kinds]),
        command=command,
        argv=argv,
        files=files,
        folders=folders,
        expected_records=expected,
        must_fail=illegal,
        must_pass=illegal is None and not layout.respelled,
        target=target,
        reruns=reruns,
        frame_checks=checks,
        partition_checks=[],
    )


def _partition_by_case(rng: random.Random, frame: pl.DataFrame) -> FolderCase:
    """``convert --partition-by`` on an odd column; the folder written is read back."""
    n = frame.height
    odd = rng.sample(ODD_TEXT_VALUES, 4)  # a few each: not always the value too long to write
    frame = frame.with_columns(
        pl.Series("ODD", [rng.choice(odd) for _ in range(n)], pl.String),
        pl.Series(
            "FLOAT",
            [rng.choice((1.5, -0.0, 0.0, float("nan"), float("inf"), None, 2.0)) for _ in range(n)],
            pl.Float64,
        ),
        pl.Series("ALL_NULL", [None] * n, pl.Int64),
    )
    column = rng.choice(PARTITION_BY)
    kinds = [f"partition_by_{column}"]
    if column in frame.columns and rng.random() < 0.25:
        name = rng.choice(ODD_COLUMN_NAMES)
        frame = frame.rename({column: name})
        column = name
        kinds.append(f"renamed_{ODD_COLUMN_NAMES.index(name)}")
    files: dict[str, bytes] = {}
    source = "in/data.parquet"
    layout = build_layout(rng, frame) if rng.random() < 0.3 else None
    if layout is not None and not (layout.mislabelled or layout.respelled):
        kinds += ["from_folder", *layout.kinds]
        files.update({f"in/ds/{p}": parquet_bytes(part) for p, part in layout.files.items()})
        files.update({f"in/ds/{p}": data for p, data in layout.extra.items()})
        frame, source = single_file(layout), "in/ds"
    else:
        files[source] = parquet_bytes(frame)
    files["in/single.parquet"] = parquet_bytes(frame)
    absent = column not in frame.columns
    argv = ["convert", source, "--to", "out/parted", "--partition-by", column]
    return FolderCase(
        kind="+".join(["folder", "convert_partition_by", *kinds]),
        command="convert",
        argv=argv,
        files=files,
        folders=[],
        expected_records=None,  # a folder: its records are counted by reading it back
        must_fail="partition_column_absent" if absent else None,
        must_pass=False,  # an odd column may be refused, cleanly
        target="out/parted",
        reruns=[Rerun("read_back", ["convert", "out/parted", "--to", "out/back.parquet"], "")],
        frame_checks=[FrameCheck("out/back.parquet", "in/single.parquet", ordered=False)],
        partition_checks=[PartitionCheck("out/parted", column)],
    )
