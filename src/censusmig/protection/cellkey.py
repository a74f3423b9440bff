"""The cell-key method: a count is published plus a perturbation chosen by its cell key.

Every record has a fixed record key (:mod:`censusmig.protection.keys`); a cell's key is the sum
of its records' keys modulo 256, and its published count is ``count + pvalue`` where the
perturbation table (:class:`PTable`) gives ``pvalue`` for the cell's count row (``pcv``) and
key (``ckey``). The same records make the same cell, with the same key and the same published
value, in every table and every run. This is the ONS method of its 2021 census outputs, and
:func:`perturb` gives the same values as the ONS package ``cell-key-perturbation`` 3.1.0
given the same record keys and table (``tests/test_cellkey_ons.py``), with one deliberate
difference: the ONS package perturbs the cells of one cross-classification and has no
totals, while every margin of a censusmig table is perturbed as a cell of its own (with the
key of its own records): a published total is therefore the value the ONS package gives the
coarser table, and not the sum of its published parts.

**Rows for counts above the table.** A table of ``D`` rows serves the counts 1 to ``D``; a
larger count reuses the last :attr:`PTable.reused_rows` rows cyclically:
``row = ((count - 1) mod P) + D - P + 1``. The ONS package reuses rows 501-750 of its
750-row table (``P = 250``); censusmig generalises this to the last third of any table in the
ONS layout, ``P = D - floor(2 D / 3)``. (The ONS package assumes 750 rows: given another
table it leaves a count without a row of its own unperturbed; the default table has 750 rows
so that it works there unchanged.) A table in the sdcTools layout names its last row
"``i >= D``", so there ``P = 1``: every count from ``D`` up uses row ``D`` (as the sdcTools
``cellKey`` package does).

**The sdcTools layout.** An sdcTools ``ptable`` (R package ``ptable``: columns ``i``, ``j``,
``p``, ``v``, ``p_int_lb``, ``p_int_ub``, ``type``) gives, per count ``i``, the perturbations
``v`` with cumulative intervals; ``cellKey`` looks a cell key ``x`` in [0, 1) up as the first
``v`` of the row whose ``p_int_ub`` exceeds ``x``. censusmig's integer key ``k`` (0-255) is
read as ``x = k / 256``: exactly the cell key ``cellKey`` computes from record keys
``r / 256`` (the sum of the record keys modulo 1), so a ptable whose bounds are multiples of
1/256 keeps its probabilities exactly, and any other has each bound rounded up to the next
256th.

**The default table** (``data/ptable_default.csv``, written by ``scripts/make_ptable.py`` and
described in ``data/ptable_default.md``). Every probability is a whole number of 256ths.

========  ============================================  ========  ==========  ========
Count     Published (cell keys of 256)                  Mean      Variance    Largest
========  ============================================  ========  ==========  ========
1         0: 171, 3: 84, 4: 1                           0         2.0156      3
2         0: 86, 3: 168, 4: 2                           0         2.0313      2
3         0: 16, 3: 200, 4: 32, 5: 8                    0         0.8125      3
4         3: 80, 4: 112, 5: 48, 6: 16                   0         0.75        2
c >= 5    c-2: 16, c-1: 64, c: 96, c+1: 64, c+2: 16     0         1           2
========  ============================================  ========  ==========  ========

Every count's perturbation has mean exactly 0 (unbiased); a count of 1 or 2 is never
published as 1 or 2 and no count is ever published as 1 or 2; a count of 0 stays 0. Rows 5 to
750 are all the row of ``c >= 5``; counts above 750 reuse rows 501-750 (the ONS rule).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from censusmig.errors import CensusmigError, Problem, SpecError
from censusmig.protection.keys import KEY_RANGE, RECORD_KEYS, cell_key
from censusmig.tables.table import N_UNWEIGHTED, VALUE, Table

ONS_COLUMNS: tuple[str, ...] = ("pcv", "ckey", "pvalue")
"""The columns of a perturbation table in the ONS layout."""
SDC_COLUMNS: tuple[str, ...] = ("i", "j", "p", "v", "p_int_ub")
"""The columns an sdcTools ``ptable`` must have (``p_int_lb`` and ``type`` are checked when
present: TauArgus's export leaves them out)."""
SDC_TYPE = "all"
"""The ``type`` of an sdcTools ptable for counts (``even``/``odd`` are for magnitudes)."""
TOLERANCE = 1e-6
"""How far an sdcTools probability may be from its interval (they are written to 8 digits)."""
SHOWN_PROBLEMS = 20
"""Problems reported per file: enough to see what is wrong, not one per line of a bad file."""
DEFAULT_PTABLE = "ptable_default.csv"


@dataclass(frozen=True)
class PTable:
    """A perturbation table: the perturbation of a count, given its row and its cell key.

    Attributes:
        pvalues: ``pvalues[pcv - 1][ckey]`` is added to a count whose row is ``pcv``
            (1 to :attr:`max_pcv`) and whose cell key is ``ckey`` (0 to :attr:`key_range` - 1).
        reused_rows: ``P``: a count above :attr:`max_pcv` uses row
            ``((count - 1) mod P) + max_pcv - P + 1`` (the last ``P`` rows, cyclically).
        source: Where the table came from (a file, or ``"default"``), for notes.
    """

    pvalues: tuple[tuple[int, ...], ...]
    reused_rows: int
    source: str = "default"

    def __post_init__(self) -> None:
        if not self.pvalues or any(len(row) != len(self.pvalues[0]) for row in self.pvalues):
            raise CensusmigError(
                f"perturbation table {self.source}: every count row needs a perturbation for "
                "every cell key"
            )
        if not 1 <= self.reused_rows <= self.max_pcv:
            raise CensusmigError(
                f"perturbation table {self.source}: the rows reused for larger counts must be "
                f"1 to {self.max_pcv} (got {self.reused_rows})"
            )

    @property
    def max_pcv(self) -> int:
        """Rows of the table: the largest count with a row of its own."""
        return len(self.pvalues)

    @property
    def key_range(self) -> int:
        """Cell keys run from 0 to this - 1."""
        return len(self.pvalues[0])

    def row(self, count: int) -> int:
        """The row (``pcv``) of a count of 1 or more."""
        if count <= self.max_pcv:
            return count
        return (count - 1) % self.reused_rows + self.max_pcv - self.reused_rows + 1

    def pvalue(self, count: int, ckey: int) -> int:
        """The perturbation of a count with a cell key; 0 for a count of 0."""
        return 0 if count == 0 else self.pvalues[self.row(count) - 1][ckey]

    def perturb_count(self, count: int, ckey: int) -> int:
        """The published value of a count with a cell key: ``count + pvalue``."""
        return count + self.pvalue(count, ckey)


def ons_reused_rows(max_pcv: int) -> int:
    """The rows the ONS rule reuses for larger counts: the last third of the table.

    The ONS package reuses rows 501-750 of its 750-row table; for ``D`` rows this is
    ``D - floor(2 D / 3)`` (250 for 750).
    """
    return max_pcv - (2 * max_pcv) // 3


@cache
def default_ptable() -> PTable:
    """The default perturbation table shipped with censusmig (see the module documentation)."""
    data = resources.files("censusmig.protection").joinpath("data", DEFAULT_PTABLE)
    with resources.as_file(data) as path:
        table = read_ptable(path)
    return replace(table, source="default")


def read_ptable(path: Path) -> PTable:
    """Read a perturbation table in the ONS layout or in the sdcTools ``ptable`` layout.

    The layout is told by the header: ``pcv, ckey, pvalue`` (ONS; comma-separated) or
    ``i, j, p, v, p_int_lb, p_int_ub, type`` (sdcTools; comma or semicolon). Every problem
    found is reported, with its line and column. A file read before with the same content is
    not parsed again.

    Args:
        path: The CSV file.

    Returns:
        The table, its cell keys 0 to 255.

    Raises:
        SpecError: The file is no valid perturbation table (every problem, with its line,
            column and value).
        CensusmigError: The file cannot be read.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CensusmigError(
            f"cannot read the perturbation table {name}: {type(error).__name__}"
        ) from error
    key = (name, hashlib.blake2b(data, digest_size=16).digest())
    if key not in _READ:
        table = _parse_ptable(name, data)
        if len(_READ) >= _READ_MAX:
            _READ.clear()
        _READ[key] = table
    return _READ[key]


_READ_MAX = 8
_READ: dict[tuple[str, bytes], PTable] = {}
"""Tables read, by file name and content hash: a run that reads one file often parses it once."""


def _parse_ptable(name: str, data: bytes) -> PTable:
    """:func:`read_ptable` of a file's bytes."""
    try:
        text = data.decode("utf-8-sig")
        header = text.split("\n", 1)[0]
        separator = ";" if header.count(";") > header.count(",") else ","
        frame = pl.read_csv(text.encode(), separator=separator, infer_schema=False)
    except (UnicodeDecodeError, pl.exceptions.PolarsError) as error:
        raise CensusmigError(
            f"cannot read the perturbation table {name}: {type(error).__name__}"
        ) from error
    columns = frame.columns
    if any(column in columns for column in ONS_COLUMNS):
        return _read_ons(name, frame)
    if any(column in columns for column in SDC_COLUMNS):
        return _read_sdc(name, frame)
    raise SpecError(
        "perturbation table",
        [
            Problem(
                name,
                "header",
                "not a perturbation table: the ONS layout has the columns pcv, ckey, pvalue; "
                "the sdcTools layout i, j, p, v, p_int_lb, p_int_ub, type",
                ", ".join(columns),
            )
        ],
    )


def _missing(name: str, frame: pl.DataFrame, required: Sequence[str]) -> None:
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise SpecError(
            "perturbation table",
            [
                Problem(name, f"column {column}", "missing", None, tuple(frame.columns))
                for column in missing
            ],
        )


def _whole(name: str, frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """The columns as Int64; every value that is no whole number is a problem."""
    problems: list[Problem] = []
    out = frame.with_row_index("_line", offset=2)
    for column in columns:
        text = pl.col(column).str.strip_chars()
        number = text.str.to_integer(strict=False)
        bad = out.filter(number.is_null()).select("_line", column).head(SHOWN_PROBLEMS)
        problems += [
            Problem(name, f"line {line}, column {column}", "not a whole number", value or "")
            for line, value in bad.iter_rows()
        ]
        out = out.with_columns(number.alias(column))
    _stop(problems)
    return out


def _real(name: str, frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """The columns as Float64 in [0, 1]; every other value is a problem."""
    problems: list[Problem] = []
    out = frame
    for column in columns:
        number = pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)
        bad = (
            out.filter(number.is_null() | (number < 0) | (number > 1 + TOLERANCE))
            .select("_line", column)
            .head(SHOWN_PROBLEMS)
        )
        problems += [
            Problem(name, f"line {line}, column {column}", "not a probability (0 to 1)", value)
            for line, value in bad.iter_rows()
        ]
        out = out.with_columns(number.alias(column))
    _stop(problems)
    return out


def _stop(problems: Sequence[Problem]) -> None:
    if problems:
        raise SpecError("perturbation table", problems[:SHOWN_PROBLEMS])


def _duplicates(name: str, frame: pl.DataFrame, keys: Sequence[str]) -> list[Problem]:
    found = frame.filter(pl.struct(*keys).is_duplicated()).sort("_line")
    first = found.group_by(*keys, maintain_order=True).agg(pl.col("_line"))
    return [
        Problem(
            name,
            f"line {lines[1]}, columns {', '.join(keys)}",
            f"duplicate (also on line {lines[0]})",
            ", ".join(str(v) for v in values),
        )
        for *values, lines in first.head(SHOWN_PROBLEMS).iter_rows()
    ]


def _read_ons(name: str, raw: pl.DataFrame) -> PTable:
    _missing(name, raw, ONS_COLUMNS)
    frame = _whole(name, raw, ONS_COLUMNS)
    problems = _duplicates(name, frame, ("pcv", "ckey"))
    for line, pcv, ckey in (
        frame.filter((pl.col("pcv") < 0) | (pl.col("ckey") < 0))
        .select("_line", "pcv", "ckey")
        .head(SHOWN_PROBLEMS)
        .iter_rows()
    ):
        problems.append(
            Problem(name, f"line {line}, column pcv/ckey", "negative", f"{pcv}, {ckey}")
        )
    zero = frame.filter((pl.col("pcv") == 0) & (pl.col("pvalue") != 0)).head(SHOWN_PROBLEMS)
    problems += [
        Problem(name, f"line {line}, column pvalue", "a count of 0 stays 0 (pcv 0)", str(p))
        for line, p in zero.select("_line", "pvalue").iter_rows()
    ]
    negative = frame.filter(pl.col("pcv") + pl.col("pvalue") < 0).head(SHOWN_PROBLEMS)
    problems += [
        Problem(
            name,
            f"line {line}, column pvalue",
            f"would publish a count of {pcv} as {pcv + p} (below 0)",
            str(p),
        )
        for line, pcv, p in negative.select("_line", "pcv", "pvalue").iter_rows()
    ]
    _stop(problems)
    frame = frame.filter(pl.col("pcv") > 0)
    if frame.is_empty():
        _stop([Problem(name, "column pcv", "no count rows (pcv 1 and up)")])
    max_pcv = int(frame["pcv"].max())  # type: ignore[arg-type]
    max_ckey = int(frame["ckey"].max())  # type: ignore[arg-type]
    if max_ckey != KEY_RANGE - 1:
        _stop(
            [
                Problem(
                    name,
                    "column ckey",
                    f"cell keys must run from 0 to {KEY_RANGE - 1}, censusmig's key range "
                    f"(the table's run to {max_ckey})",
                    str(max_ckey),
                )
            ]
        )
    grid = pl.DataFrame(
        {
            "pcv": np.repeat(np.arange(1, max_pcv + 1), KEY_RANGE),
            "ckey": np.tile(np.arange(KEY_RANGE), max_pcv),
        }
    )
    gaps = grid.join(frame, on=["pcv", "ckey"], how="anti").head(SHOWN_PROBLEMS)
    _stop(
        [
            Problem(
                name, "columns pcv, ckey", "no row for this count row and cell key", f"{p}, {k}"
            )
            for p, k in gaps.iter_rows()
        ]
    )
    values = frame.sort("pcv", "ckey")["pvalue"].to_numpy().reshape(max_pcv, KEY_RANGE)
    return PTable(
        tuple(tuple(int(v) for v in row) for row in values),
        ons_reused_rows(max_pcv),
        name,
    )


def _read_sdc(name: str, raw: pl.DataFrame) -> PTable:
    _missing(name, raw, SDC_COLUMNS)
    frame = _whole(name, raw, ("i", "j", "v"))
    bounds = ["p", "p_int_ub"] + (["p_int_lb"] if "p_int_lb" in frame.columns else [])
    frame = _real(name, frame, bounds)
    problems = _duplicates(name, frame, ("i", "v"))
    if "type" in frame.columns:
        other = frame.filter(pl.col("type").str.strip_chars() != SDC_TYPE).head(SHOWN_PROBLEMS)
        problems += [
            Problem(
                name,
                f"line {line}, column type",
                f"a ptable for counts has type {SDC_TYPE!r} (even/odd are for magnitudes)",
                str(kind),
            )
            for line, kind in other.select("_line", "type").iter_rows()
        ]
    checks = (
        (pl.col("i") < 0, "i", "negative"),
        (pl.col("j") != pl.col("i") + pl.col("v"), "j", "must be i + v"),
        (pl.col("i") + pl.col("v") < 0, "v", "would publish a count below 0"),
        ((pl.col("i") == 0) & (pl.col("v") != 0), "v", "a count of 0 stays 0 (i = 0)"),
    )
    for condition, column, message in checks:
        bad = frame.filter(condition).select("_line", column).head(SHOWN_PROBLEMS)
        problems += [
            Problem(name, f"line {line}, column {column}", message, str(value))
            for line, value in bad.iter_rows()
        ]
    _stop(problems)
    if frame.filter(pl.col("i") > 0).is_empty():
        _stop([Problem(name, "column i", "no count rows (i = 1 and up)")])
    max_i = int(frame["i"].max())  # type: ignore[arg-type]
    present = set(frame["i"].to_list())
    _stop(
        [
            Problem(
                name, "column i", f"no rows for the count {i} (i must run 1 to {max_i})", str(i)
            )
            for i in range(1, max_i + 1)
            if i not in present
        ][:SHOWN_PROBLEMS]
    )
    rows: list[tuple[int, ...]] = []
    keys = np.arange(KEY_RANGE) / KEY_RANGE
    for i in range(1, max_i + 1):
        block = frame.filter(pl.col("i") == i)
        problems += _sdc_intervals(name, block)
        upper = block["p_int_ub"].to_numpy()
        found = np.argmax(keys[:, None] < upper[None, :], axis=1)
        v = block["v"].to_numpy()
        rows.append(tuple(int(x) for x in v[found]))
    _stop(problems)
    return PTable(tuple(rows), 1, name)


def _sdc_intervals(name: str, block: pl.DataFrame) -> list[Problem]:
    """Problems of one count's rows: intervals that do not run up from 0 to 1 in file order."""
    problems: list[Problem] = []
    lines = block["_line"].to_list()
    upper = block["p_int_ub"].to_list()
    p = block["p"].to_list()
    lower = block["p_int_lb"].to_list() if "p_int_lb" in block.columns else None
    previous = 0.0
    for n, line in enumerate(lines):
        start = lower[n] if lower is not None else previous
        if abs(start - previous) > TOLERANCE:
            problems.append(
                Problem(
                    name,
                    f"line {line}, column p_int_lb",
                    "must be the row above's p_int_ub",
                    str(start),
                )
            )
        if upper[n] < previous - TOLERANCE:
            problems.append(
                Problem(
                    name, f"line {line}, column p_int_ub", "intervals must ascend", str(upper[n])
                )
            )
        if abs(p[n] - (upper[n] - start)) > TOLERANCE:
            problems.append(
                Problem(name, f"line {line}, column p", "must be p_int_ub - p_int_lb", str(p[n]))
            )
        previous = upper[n]
    if abs(previous - 1) > TOLERANCE:
        problems.append(
            Problem(
                name,
                f"line {lines[-1]}, column p_int_ub",
                "a count's last interval must end at 1",
                str(previous),
            )
        )
    return problems


def perturb(table: Table, ptable: PTable) -> Table:
    """Publish every cell of a count table as its count plus its perturbation.

    Every cell, each margin included, is perturbed as a cell of its own, with the key of its
    own records (``cell_key()`` of :data:`~censusmig.protection.keys.RECORD_KEYS`): totals are
    not the sum of their published parts. A count of 0 stays 0.

    Args:
        table: A computed count table (unweighted), carrying the record-key sums.
        ptable: The perturbation table.

    Returns:
        The table with ``value`` and ``n_unweighted`` both the published count, in the same
        rows and order.

    Raises:
        CensusmigError: The table is weighted, has no record keys, or the perturbation
            table's key range is not censusmig's.
    """
    cells = table.cells
    check_count_table(table, "the cell-key method")
    if ptable.key_range != KEY_RANGE:
        raise CensusmigError(
            f"perturbation table {ptable.source}: cell keys run 0 to {ptable.key_range - 1}, "
            f"censusmig's cell keys 0 to {KEY_RANGE - 1}"
        )
    frame = cells.select(
        pl.col(N_UNWEIGHTED).alias("count"),
        cell_key(pl.col(RECORD_KEYS).fill_null(0)).alias("ckey"),
    )
    count = frame["count"].to_numpy()
    ckey = frame["ckey"].to_numpy()
    d, reused = ptable.max_pcv, ptable.reused_rows
    row = np.where(count <= d, count, (count - 1) % reused + d - reused + 1)
    values = np.asarray(ptable.pvalues, dtype=np.int64)
    pvalue = np.where(count > 0, values[np.maximum(row, 1) - 1, ckey], 0)
    published = pl.Series(N_UNWEIGHTED, count + pvalue, dtype=pl.Int64)
    return replace(
        table,
        cells=cells.with_columns(published, published.cast(table.cells.schema[VALUE]).alias(VALUE)),
    )


def check_count_table(table: Table, method: str) -> None:
    """Stop unless the table is a count table with a count and a record-key sum per cell.

    A cell of count 0 may have no record-key sum (it has no records).

    Args:
        table: The computed table.
        method: The method, in words, for the message.

    Raises:
        CensusmigError: The table is weighted, or a cell lacks its count or key sum.
    """
    if table.weighted:
        raise CensusmigError(
            f"table {table.recipe_id!r} is weighted: {method} protects counts only "
            "(suppress a weighted table instead)"
        )
    cells = table.cells
    missing = [c for c in (N_UNWEIGHTED, RECORD_KEYS) if c not in cells.columns]
    lacking = (
        not missing
        and cells.select(
            (
                pl.col(N_UNWEIGHTED).is_null()
                | (pl.col(RECORD_KEYS).is_null() & (pl.col(N_UNWEIGHTED) != 0))
            ).any()
        ).item()
    )
    if missing or lacking:
        raise CensusmigError(
            f"table {table.recipe_id!r} has no record-key sum or count for every cell: "
            f"{method} needs the engine's {RECORD_KEYS} measure"
        )
