"""The public Python API: everything the command line does, as plain functions.

Example:
    >>> from censusmig import api
    >>> run = api.tabulate("sample_microdata/census.parquet",
    ...                    "sample_microdata/census.profile.toml", out="out/demo")
    >>> run.tables[0].cells.head()
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from censusmig import __version__
from censusmig.errors import EXIT_PROBLEMS, CensusmigError, InputError, Setting, nearest
from censusmig.errors import Problem as Problem  # re-exported: validate_* return them
from censusmig.readers.options import DATA_FORMATS as DATA_FORMATS  # re-exported for the CLI
from censusmig.readers.options import Progress as Progress
from censusmig.readers.options import ReadOptions as ReadOptions
from censusmig.renderers.registry import EXCEL_LAYOUTS as EXCEL_LAYOUTS
from censusmig.renderers.registry import FORMATS as FORMATS  # standard library only
from censusmig.renderers.registry import RenderOptions as RenderOptions
from censusmig.renderers.registry import format_help as format_help
from censusmig.renderers.registry import parse_formats as parse_formats

# Everything else is imported by the functions that use it, so that the command line starts
# without Polars, pyarrow, pycountry and the rest (``censusmig --help`` stays fast).
if TYPE_CHECKING:
    import polars as pl

    from censusmig.disclosure import ProtectionSettings
    from censusmig.profiles.model import Profile
    from censusmig.protection import Protection, Publication
    from censusmig.protection.attention import Attention as Attention
    from censusmig.protection.record import RunContext, RunRecord
    from censusmig.readers.convert import Conversion
    from censusmig.readers.formats import Source
    from censusmig.readers.scan import FileFacts
    from censusmig.recipes.catalog import Skipped
    from censusmig.recipes.explain import Explanation as Explanation
    from censusmig.recipes.model import Recipe as Recipe
    from censusmig.renderers.output_folder import OutputFolder
    from censusmig.tables.backend import Backend, ClusterBackend
    from censusmig.tables.checks import CheckReport as CheckReport
    from censusmig.tables.engine import RunResult
    from censusmig.tables.plan import Measure
    from censusmig.tables.table import Table

LAZY_NAMES: Mapping[str, str] = {
    "Attention": "censusmig.protection.attention",
    "Backend": "censusmig.tables.backend",
    "CheckReport": "censusmig.tables.checks",
    "ClusterBackend": "censusmig.tables.backend",
    "Conversion": "censusmig.readers.convert",
    "Explanation": "censusmig.recipes.explain",
    "FileFacts": "censusmig.readers.scan",
    "Measure": "censusmig.tables.plan",
    "OutputFolder": "censusmig.renderers.output_folder",
    "Profile": "censusmig.profiles.model",
    "Protection": "censusmig.protection",
    "ProtectionSettings": "censusmig.disclosure",
    "Publication": "censusmig.protection",
    "Recipe": "censusmig.recipes.model",
    "RunContext": "censusmig.protection.record",
    "RunRecord": "censusmig.protection.record",
    "Skipped": "censusmig.recipes.catalog",
    "Source": "censusmig.readers.formats",
    "Table": "censusmig.tables.table",
}
"""The types this module's signatures name -> their module: ``api.CheckReport`` imports it."""

if not TYPE_CHECKING:  # mypy reads the imports above; a __getattr__ would make any name Any

    def __getattr__(name: str) -> Any:
        """Import a type named in this module's signatures on first use (``api.CheckReport``)."""
        if name not in LAZY_NAMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        return getattr(importlib.import_module(LAZY_NAMES[name]), name)


AUTO_BATCH_ROWS = 5_000_000
"""Records per slice when a Parquet file is larger than this (bounded memory, same tables)."""

MAX_BATCH_ROWS = 2**32 - 1
"""Largest ``batch_rows``: Polars slices a frame by a 32-bit row count; a slice this large is
the whole file for any census."""
MAX_SAMPLE_PERSONS = 1_000_000_000
"""Largest synthetic census ``write_sample`` generates (the benchmark uses 100,000,000)."""
MAX_SEED = 2**32 - 1
"""Largest ``seed`` of ``write_sample``: seeds are 0 to 2**32 - 1, as NumPy's classic ones."""
DEFAULT_MAX_CELLS = 1_000_000
"""The most cells a table may have unless :func:`tabulate` is given ``max_cells``.

A million cells is a tidy CSV of roughly 100 MB, far beyond a publishable table; the
largest standard table on the sample census, with every ISO country, is estimated at
205,128 cells (country of birth 296 x broad age 9 x sex 7 x period of arrival 11). The
limit stops a recipe whose dimensions multiply into billions of zero cells (eight
dimensions gave a 3.9 GB CSV from 400 records) before any work is done.
"""
MAX_CELLS_LIMIT = 1_000_000_000
"""The most ``max_cells`` of :func:`tabulate` may be raised to."""
MAX_LISTED = 1_000_000
"""Largest ``max_codes`` (codes listed per column) and ``max_ids`` (ids listed per check)."""

ENGINES = ("polars", "spark")
"""What :func:`tabulate` aggregates the records with: ``polars`` (embedded, the default) or
``spark`` (Apache Spark: a cluster, or every core here; ``pip install 'censusmig[spark]'``)."""
DEFAULT_SPARK_MASTER = "local[*]"
"""The Spark master of ``engine="spark"`` unless ``spark_master`` names another: Spark in
this process, on every core."""

TABULATE_STAGES = ("reading", "computing", "writing")
"""The stages :func:`tabulate` tells its ``progress`` callback as each begins, in this order:
opening the data file (unpacking, converting SPSS or Stata), computing the tables and the
edit checks (the scan of the records), writing the outputs (only with ``out``)."""


@dataclass(frozen=True)
class Tabulation:
    """The result of :func:`tabulate`.

    Attributes:
        tables: The published tables (what the outputs show).
        skipped: Recipes not run, with the reason.
        record: The run record (what ``run.json`` holds).
        outputs: Files written.
        keys_from_record_order: Protection keyed the records by their order in the file (no
            ``[data] person_id``): an attention item.
    """

    tables: tuple[Table, ...]
    skipped: tuple[Skipped, ...]
    record: RunRecord
    outputs: tuple[Path, ...] = field(default_factory=tuple)
    keys_from_record_order: bool = False

    @property
    def manifest(self) -> dict[str, Any]:
        """The run record as JSON-able data: what ``run.json`` and ``--json`` show."""
        return self.record.to_dict()

    @property
    def reconciles(self) -> bool:
        """True when every table's records add up to its universe."""
        return all(entry.reconciles for entry in self.record.tables)

    @property
    def attention(self) -> tuple[Attention, ...]:
        """The data-quality items that need attention (empty when all is well).

        See :func:`censusmig.protection.attention.attention` for what is tested, and its
        thresholds.
        """
        from censusmig.protection.attention import attention

        return attention(self.record, self.keys_from_record_order)

    def to_dict(self) -> dict[str, Any]:
        """What ``tabulate --json`` prints: the run record plus its ``attention`` items.

        ``run.json`` holds the record alone: the items are derived from it.
        """
        return {**self.manifest, "attention": [item.to_dict() for item in self.attention]}


class NeedsAttentionError(CensusmigError):
    """A run asked to be strict needs attention; raised after its outputs are written.

    Attributes:
        tabulation: The run (tables, record, outputs); ``tabulation.attention`` says what.
    """

    exit_code = EXIT_PROBLEMS

    def __init__(self, tabulation: Tabulation) -> None:
        self.tabulation = tabulation
        written = "; the outputs are written" if tabulation.outputs else ""
        super().__init__(
            f"{len(tabulation.attention)} data-quality item(s) need attention, a failure with ",
            Setting("strict"),
            written,
        )


def tabulate(
    data: str | Path,
    profile: str | Path,
    *,
    out: str | Path | None = None,
    recipes: Iterable[str] = (),
    recipes_dirs: Iterable[str | Path] = (),
    formats: Sequence[str] = FORMATS,
    command: Sequence[str] | None = None,
    batch_rows: int | None = None,
    read_options: ReadOptions | None = None,
    edit_checks: bool = True,
    protection: Protection | None = None,
    protect: str | None = None,
    measures: Sequence[Measure] | None = None,
    backend: Backend | None = None,
    engine: str = "polars",
    spark_master: str | None = None,
    strict: bool = False,
    max_cells: int = DEFAULT_MAX_CELLS,
    excel_layout: str = "accessible",
    progress: Callable[[str], None] | None = None,
) -> Tabulation:
    """Compute the tables of the chosen recipes (all the profile can serve by default).

    Args:
        data: Person file, in any supported format.
        profile: Profile TOML file describing the data.
        out: Output folder; nothing is written when None.
        recipes: Recipe ids; empty means every recipe the profile can serve.
        recipes_dirs: Extra folders of user recipes.
        formats: Outputs to write besides ``run.json``: names in
            :data:`censusmig.renderers.registry.REGISTRY` (csv, xlsx, html).
        command: Command line to record in the run record (defaults to ``sys.argv``).
        batch_rows: Read the file in slices of this many records, so memory stays bounded;
            by default Parquet files above :data:`AUTO_BATCH_ROWS` records are sliced.
        read_options: How to read the data file (delimiter, encoding, codebook...).
        edit_checks: Also run the edit checks (counted in the tables' read of the data) and
            report their counts in the run record and the data-quality section.
        protection: The protection method every published table and count passes through,
            instead of the one the profile, the recipes and ``protect`` choose.
        protect: Protect every table with this method (statistical disclosure control): one
            of :data:`censusmig.disclosure.METHODS` (``suppress``, ``round3``, ``round5``,
            ``cell-key``, ``none``), over the profile's ``[protection]`` and the recipes'
            own choice. By default each table follows the profile's ``[protection.recipes]``,
            then its recipe's ``protection`` key, then the profile's ``[protection] method``;
            without any, tables are published as computed.
        measures: The additive measures summed into every cell (default
            :data:`censusmig.tables.plan.CELL_MEASURES`: the value and the record count);
            a measure may sum any column of the data file. Measures other than the value
            and the count are internal: the protection method sees them, outputs do not.
        backend: The engine that aggregates the records (default: Polars, in process).
        engine: One of :data:`ENGINES`: ``polars`` (default) or ``spark``, which reads a
            Parquet file or a directory of Parquet files (hive-partitioned) with Apache
            Spark and aggregates each partition with the same code, giving the same tables.
            It identifies records by ``[data] person_id`` only, so it refuses a Taylor design
            without ``[design] psu``, and record keys (cell-key method, rounding) without a
            person id.
        spark_master: The Spark master URL (``engine="spark"`` only; default
            :data:`DEFAULT_SPARK_MASTER`, every core of this machine).
        strict: Fail when the run needs attention (:attr:`Tabulation.attention`: failing
            error-level edit checks, unknown codes, bad weights, tables that do not
            reconcile), after the outputs are written.
        max_cells: The most cells a table may have (1 to 1,000,000,000): each recipe's table
            is estimated from the profile and the recipe before the data are read (the
            product of its dimensions' categories, totals and special codes included) and
            a larger one stops the run, naming the dimensions to drop or recode.
        excel_layout: Layout of the workbook's table sheets: ``accessible`` (one header row,
            no merged cells, an Excel table object per sheet) or ``classic`` (spanners over
            merged cells, an indented stub); see
            :data:`censusmig.renderers.registry.EXCEL_LAYOUTS`.
        progress: Called with the name of each stage as it begins (one of
            :data:`TABULATE_STAGES`); the command line shows them on a terminal.

    Returns:
        The published tables, the skipped recipes, the run record and the files written.

    Raises:
        NeedsAttentionError: ``strict`` and the run needs attention (exit code 1); it
            carries the run.
        CensusmigError: Bad input, profile or recipe, a setting out of its range or not one
            of its choices, or a profile that still holds a draft's placeholder (census
            country, reference date); the message says what and where.
        TableTooLargeError: A table would have more than ``max_cells`` cells.
    """
    from censusmig.disclosure import COUNT_ONLY
    from censusmig.profiles.model import read_profile
    from censusmig.protection import Computed, identity, publish
    from censusmig.protection.keys import RECORD_KEYS, records_read
    from censusmig.protection.methods import protection_for, protects
    from censusmig.readers.formats import open_microdata
    from censusmig.readers.scan import hashing
    from censusmig.recipes.catalog import load_catalog, select_recipes
    from censusmig.tables.backend import POLARS
    from censusmig.tables.checks import plan_checks
    from censusmig.tables.engine import check_table_sizes, compute_tables
    from censusmig.tables.plan import CELL_MEASURES, Measure

    started = time.perf_counter()
    if batch_rows is not None:
        check_range(Setting("batch_rows"), batch_rows, 1, MAX_BATCH_ROWS)
    check_range(Setting("max_cells"), max_cells, 1, MAX_CELLS_LIMIT)
    _check_engine(engine, spark_master, backend)
    measures = tuple(measures) if measures is not None else CELL_MEASURES
    formats = _chosen_formats(formats)
    options = RenderOptions(excel_layout=excel_layout)
    data_path, profile_path = Path(data), Path(profile)
    loaded = read_profile(profile_path, reviewed=True)
    catalog = load_catalog(Path(folder) for folder in recipes_dirs)
    chosen, skipped = select_recipes(catalog, loaded, recipes)
    check_table_sizes(loaded, chosen, max_cells)
    settings = _protection_settings(loaded, chosen, protect)
    keyed = any(s.method in COUNT_ONLY for s in settings.values())
    if engine == "spark":
        from censusmig.tables.spark import check_spark_input, check_spark_run

        check_spark_input(data_path)
        check_spark_run(loaded, keyed)
    stage = progress or _no_progress
    stage("reading")
    with (
        _output_folder(out, (data_path, profile_path)) as folder,  # locks OUT: see there
        hashing(data_path) as input_hash,  # the sha256, read while the data are scanned
        open_microdata(data_path, ids_as_text(read_options, loaded)) as source,
    ):
        loaded = with_file_labels(loaded, source)
        columns = loaded.columns()
        names = tuple(source.frame.collect_schema().names())
        loaded.check_columns(names, str(data_path))
        summed = _measure_columns(measures, names, str(data_path))
        batch_rows = _batch_rows(source, batch_rows, _replicates(loaded))
        if keyed:  # the cell-key method and rounding need each cell's sum of record keys
            measures = (*measures, Measure(RECORD_KEYS, RECORD_KEYS))
        stage("computing")

        read_columns = list(dict.fromkeys([*columns, *summed]))
        prepare = partial(
            records_read,
            columns=read_columns,
            person_id=loaded.person_id,
            seed=next(iter(settings.values())).seed if keyed else None,
        )

        def compute(frame: pl.LazyFrame) -> RunResult:
            read = prepare(frame)
            engine_backend: Backend | ClusterBackend = backend or POLARS
            if engine == "spark":
                from censusmig.tables.spark import SparkBackend, StoredRecords

                schema = frame.select(read_columns).collect_schema()
                stored = StoredRecords(data_path, dict(schema), prepare)
                engine_backend = SparkBackend(stored, spark_master or DEFAULT_SPARK_MASTER)
            return compute_tables(
                read,
                loaded,
                chosen,
                batch_rows,
                measures=measures,
                backend=engine_backend,
                max_cells=max_cells,
                checks=plan_checks(loaded, read.collect_schema()) if edit_checks else None,
            )

        result = source.run(compute)
        edits = result.checks
        context = _run_context(
            data_path,
            profile_path,
            loaded,
            chosen,
            skipped,
            command,
            source.blank_lines,
            facts=input_hash.result(),
        )
        if protection is None:
            protection = protection_for(settings) if protects(settings) else identity
        publication = publish(Computed(result, edits), context, protection)
        outputs: tuple[Path, ...] = ()
        if folder is not None:
            stage("writing")
            outputs = _write_outputs(publication, folder, formats, options)
            outputs += (_write_record(folder, publication.record),)
    record = replace(
        publication.record,
        timings_seconds={
            **{k: round(v, 4) for k, v in result.seconds.items() if k != "checks"},
            # Counted in the tables' read: what is left is a read of the ids when they repeat.
            "edit_checks": round(result.seconds.get("checks", 0.0), 4),
            "total": round(time.perf_counter() - started, 4),
        },
    )
    tabulation = Tabulation(
        publication.tables, tuple(skipped), record, outputs, keyed and not loaded.person_id
    )
    if strict and tabulation.attention:
        raise NeedsAttentionError(tabulation)
    return tabulation


def _check_engine(engine: str, spark_master: str | None, backend: Backend | None) -> None:
    """Stop on an engine that is none of :data:`ENGINES`, or options that do not go with it."""
    if engine not in ENGINES:
        match = nearest(engine, ENGINES)
        hint = f" Did you mean {match!r}?" if match else ""
        raise CensusmigError(
            Setting("engine"), f": unknown engine {engine!r}.{hint} Valid: {', '.join(ENGINES)}."
        )
    if spark_master is not None and engine != "spark":
        raise CensusmigError(
            Setting("spark_master"), " goes with ", Setting("engine", "spark"), " only."
        )
    if backend is not None and engine != "polars":
        raise CensusmigError(
            "give a backend or ",
            Setting("engine", "spark"),
            ", not both (the engine is a backend).",
        )


def _protection_settings(
    profile: Profile, recipes: Sequence[Recipe], protect: str | None
) -> dict[str, ProtectionSettings]:
    """Each chosen recipe's protection: ``protect``, else the profile's, else the recipe's.

    Raises:
        CensusmigError: ``protect`` or a recipe's ``protection`` is no method, or a
            count-only method (rounding, cell key) would protect a weighted table.
    """
    from censusmig.disclosure import METHODS
    from censusmig.profiles.protection import method_problem

    if protect is not None and protect not in METHODS:
        match = nearest(protect, METHODS)
        hint = f" Did you mean {match!r}?" if match else ""
        raise CensusmigError(
            Setting("protect"),
            f": unknown protection method {protect!r}.{hint} Valid: {', '.join(METHODS)}.",
        )
    settings = {}
    for recipe in recipes:
        chosen = profile.protection.for_recipe(recipe.id, recipe.protection, protect)
        problem = method_problem(chosen.method, profile.weight)
        if problem is not None:
            where = (
                Setting("protect", chosen.method)
                if protect is not None
                else f"recipe {recipe.id!r} ({recipe.path})"
            )
            raise CensusmigError(
                where,
                f": protection method {chosen.method!r} {problem[0]}. Valid: "
                f"{', '.join(problem[1])}.",
            )
        settings[recipe.id] = chosen
    return settings


def _replicates(profile: Profile) -> int:
    """The replicate weight columns a profile's design sums per record (0 for none)."""
    design = profile.sampling_design
    return len(design.replicates) if design is not None else 0


def _batch_rows(source: Source, batch_rows: int | None, replicates: int = 0) -> int | None:
    """The slice size of a read: as given, else :data:`AUTO_BATCH_ROWS` for a large file.

    A file not read from text whose records are more than :data:`AUTO_BATCH_ROWS` is read
    in slices of that many records; others in one go. Each replicate weight adds a summed
    column per record, so a design with ``replicates`` of them is read in slices of
    ``AUTO_BATCH_ROWS * 16 / (16 + replicates)`` records (833,333 with 80): memory stays
    near that of a run without them.
    """
    if batch_rows is not None or source.text_file is not None:
        return batch_rows
    import polars as pl

    auto = AUTO_BATCH_ROWS * 16 // (16 + replicates)
    records = source.run(lambda frame: int(frame.select(pl.len()).collect().item()))
    return auto if records > auto else None


def _no_progress(stage: str) -> None:
    """The ``progress`` of a run nobody watches."""


def check_range(setting: Setting, value: int, low: int, high: int) -> None:
    """Stop unless a numeric setting is within its range, naming the setting and the range.

    Args:
        setting: The keyword parameter (written as its option on the command line).
        value: What was given.
        low: Smallest valid value.
        high: Largest valid value.

    Raises:
        CensusmigError: ``value`` is below ``low`` or above ``high``.
    """
    if value < low:
        raise CensusmigError(setting, f" must be at least {low} (got {_shown(value)})")
    if value > high:
        raise CensusmigError(setting, f" must be at most {high:,} (got {_shown(value)})")


def _shown(value: int) -> str:
    """A number as a message shows it: with thousands separators, or its size when too long."""
    return f"{value:,}" if abs(value) < 10**30 else "a number of more than 30 digits"


def _measure_columns(measures: Sequence[Measure], names: Sequence[str], data: str) -> list[str]:
    """The data columns the measures sum (the weight is derived, not read); each must exist."""
    from censusmig.tables.derive import WEIGHT

    summed = [m.column for m in measures if m.column is not None and m.column != WEIGHT]
    for column in summed:
        if column not in names:
            match = nearest(column, names)
            hint = f" (nearest column: {match!r})" if match else ""
            raise InputError(Setting("measures"), f": column {column!r} is not in {data}{hint}")
    return summed


def _chosen_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """The output formats asked for, as names or one comma-separated string (``"csv,xlsx"``).

    Raises:
        CensusmigError: A format is unknown, naming the nearest valid one.
    """
    from censusmig.renderers.registry import check_formats

    if isinstance(formats, str):
        return parse_formats(formats)
    check_formats(formats)
    return tuple(formats)


def _run_context(
    data: Path,
    profile_path: Path,
    profile: Profile,
    chosen: Sequence[Recipe],
    skipped: Sequence[Skipped],
    command: Sequence[str] | None,
    blank_lines: int = 0,
    facts: FileFacts | None = None,
) -> RunContext:
    """What was run on which files: the run record's parts that are not counts of records.

    ``facts`` are the input's size and hash when they were computed beside the scan
    (:func:`censusmig.readers.scan.hashing`); without them the file is read here.
    """
    from censusmig.protection.record import (
        CensusFacts,
        InputFile,
        ProfileFacts,
        RecipeEntry,
        RunContext,
        SkippedEntry,
    )
    from censusmig.readers.scan import input_facts

    facts = facts or input_facts(data)
    return RunContext(
        censusmig_version=__version__,
        command=tuple(command if command is not None else sys.argv),
        input=InputFile(str(data), facts.size, facts.sha256, blank_lines),
        profile=ProfileFacts(str(profile_path), profile.sha256),
        census=CensusFacts(
            name=profile.census_name,
            country=profile.country,
            reference_date=profile.reference_date,
            residence_rule_months=profile.residence_rule_months,
            weight=profile.weight,
            publisher=profile.release.publisher,
            contact=profile.release.contact,
            release_date=profile.release.release_date,
        ),
        recipes=tuple(RecipeEntry(r.id, str(r.path), r.sha256) for r in chosen),
        skipped=tuple(SkippedEntry(s.recipe_id, s.reason) for s in skipped),
    )


def _decimal_codes_as_text(source: Source, options: ReadOptions | None) -> list[str]:
    """Read as text the columns of decimal-looking codes (``1978.1``, ``1978.10``); say which.

    See :meth:`~censusmig.readers.formats.Source.read_decimal_codes_as_text` for the rule.
    Each column is told through ``options.note`` (the command line prints it on stderr).
    """
    found = source.run(lambda _: source.read_decimal_codes_as_text())
    note = options.note if options is not None else None
    for column, (texts, numbers) in found.items():
        if note is not None:
            note(
                f"{source.path}: column {column!r} read as text: its values are {texts:,} "
                f"distinct texts but only {numbers:,} distinct numbers (codes such as "
                "identifiers that look like decimals)"
            )
    return list(found)


def ids_as_text(options: ReadOptions | None, profile: Profile) -> ReadOptions:
    """The read options with the profile's person and household id columns read as text.

    An id is a code, never a quantity: read as a number, ``1978.1`` and ``1978.10`` would be
    one person.
    """
    options = options or ReadOptions()
    ids = (*options.text_columns, *profile.person_id, *profile.household_id)
    return replace(options, text_columns=tuple(dict.fromkeys(ids)))


def with_file_labels(profile: Profile, source: Source) -> Profile:
    """Use the file's value labels for geography levels whose profile gives no labels."""
    levels = tuple(
        replace(level, labels=dict(source.meta.value_labels[level.column]))
        if not level.labels and source.meta.value_labels.get(level.column)
        else level
        for level in profile.geography
    )
    return replace(profile, geography=levels)


def _output_folder(
    out: str | Path | None, inputs: Sequence[Path]
) -> AbstractContextManager[OutputFolder | None]:
    """The locked output folder of a run, or nothing when ``out`` is None.

    See :mod:`censusmig.renderers.output_folder`: ``out`` is locked from here on (a second
    run into it stops), the outputs are written beside it and moved into place whole when the
    block ends without an exception.
    """
    if out is None:
        return nullcontext()
    from censusmig.renderers.output_folder import output_folder
    from censusmig.renderers.registry import output_patterns

    return output_folder(Path(out), output_patterns(), inputs)


def _write_outputs(
    publication: Publication,
    folder: OutputFolder,
    formats: Sequence[str],
    options: RenderOptions,
) -> tuple[Path, ...]:
    """Render the formats into the staging folder; return where the files will be."""
    from censusmig.renderers.output_folder import reason
    from censusmig.renderers.registry import render

    try:
        written = render(publication, folder.staging, formats, options)
    except OSError as error:
        raise InputError(
            f"cannot write outputs to {folder.target}: {reason(error)}; nothing was written there"
        ) from None
    return tuple(folder.final(path) for path in written)


def _write_record(folder: OutputFolder, record: RunRecord) -> Path:
    """Write ``run.json`` into the staging folder, without timings: same inputs, same bytes.

    The timings stay in :attr:`Tabulation.record` (``--json`` prints them).
    """
    from censusmig.renderers.output_folder import RECORD, reason

    path = folder.staging / RECORD
    data = record.to_dict()
    del data["timings_seconds"]
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(
            f"cannot write {folder.final(path)}: {reason(error)}; nothing was written there"
        ) from None
    return folder.final(path)


def write_sample(persons: int, seed: int, out: str | Path) -> Path:
    """Generate the synthetic sample census and write it as CSV, Parquet, SPSS or Stata.

    The format follows the extension; the writers are in :mod:`censusmig.synth.write`.

    Args:
        persons: Number of person records.
        seed: Random seed; the same seed gives the same file.
        out: ``.csv``, ``.parquet``, ``.sav`` or ``.dta`` path.

    Returns:
        The file written.

    Raises:
        CensusmigError: Unsupported extension, bad size, or unwritable path.
    """
    # The generator needs numpy (and pyarrow or pyreadstat to write); only this command does.
    from censusmig.readers.cleanup import removed_unless_done
    from censusmig.synth.write import SAMPLE_SUFFIXES, write_census

    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in SAMPLE_SUFFIXES:
        raise CensusmigError(
            f"{path}: the sample is written as {', '.join(SAMPLE_SUFFIXES)}, not {suffix!r}"
        )
    check_range(Setting("persons"), persons, 1, MAX_SAMPLE_PERSONS)
    check_range(Setting("seed"), seed, 0, MAX_SEED)
    # Written beside the target and renamed when whole: an interrupted run never leaves a
    # truncated file that looks like a complete census (a CSV cut between two records would).
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with removed_unless_done(partial):
            write_census(persons, seed, partial)
            partial.replace(path)
    except OSError as error:
        raise CensusmigError(f"cannot write {path}: {error.strerror}") from None
    return path


def convert(
    data: str | Path,
    to: str | Path,
    *,
    profile: str | Path | None = None,
    read_options: ReadOptions | None = None,
    partition_by: str | None = None,
    progress: Progress | None = None,
) -> Conversion:
    """Convert a data file to Parquet (streaming), keeping value labels and missing codes.

    Args:
        data: Any supported data file, or a folder of Parquet files.
        to: The ``.parquet`` file to write; with ``partition_by``, the folder to write.
        profile: If given, keep only the columns this profile names (checked first).
        read_options: How to read the data file.
        partition_by: Write a hive-partitioned folder instead of one file: a
            ``COLUMN=value`` sub-folder per value of this column, each file holding every
            column (this one included) and the metadata; ``tabulate`` and the other
            commands read the folder as one dataset.
        progress: Called with (records written, records in all).

    Returns:
        What was written.

    Raises:
        CensusmigError: Bad input, profile or target.
    """
    from censusmig.profiles.model import read_profile
    from censusmig.readers.convert import convert_to_parquet

    loaded = read_profile(Path(profile)) if profile is not None else None
    return convert_to_parquet(
        Path(data),
        Path(to),
        ids_as_text(read_options, loaded) if loaded is not None else read_options,
        columns=loaded.columns() if loaded is not None else None,
        check_columns=loaded.check_columns if loaded is not None else None,
        partition_by=partition_by,
        progress=progress,
    )


def inspect(
    data: str | Path, *, read_options: ReadOptions | None = None, max_codes: int = 30
) -> dict[str, Any]:
    """Describe a data file: records, columns, types, labels, code frequencies, guesses.

    Only codes are listed, never free-text values or identifiers.

    Args:
        data: Any supported data file.
        read_options: How to read it.
        max_codes: Most frequent codes listed per column.

    Returns:
        A JSON-able description (``records`` is the record count).

    Raises:
        CensusmigError: The file cannot be read.
    """
    from censusmig.profiles.inspect import inspect_data
    from censusmig.readers.formats import open_microdata

    check_range(Setting("max_codes"), max_codes, 1, MAX_LISTED)
    path = Path(data)
    with open_microdata(path, read_options) as source:
        codes = _decimal_codes_as_text(source, read_options)
        report = source.run(lambda frame: inspect_data(frame, source.meta, max_codes=max_codes))
    return {"path": str(path), **report, "read_as_text": codes}


def init_profile(
    data: str | Path,
    out: str | Path,
    *,
    read_options: ReadOptions | None = None,
    country: str | None = None,
    reference_date: str | dt.date | None = None,
    force: bool = False,
) -> Path:
    """Draft a profile for a data file and write it; the draft is validated before it is kept.

    Args:
        data: Any supported data file.
        out: Profile file to write.
        read_options: How to read the data.
        country: Census country (ISO alpha-3), if known.
        reference_date: Census reference date (``YYYY-MM-DD``), if known.
        force: Replace ``out`` if it exists.

    Returns:
        The profile written.

    Raises:
        CensusmigError: Unreadable data, bad option, ``out`` is a folder, or ``out``
            exists without ``force``.
    """
    from censusmig.profiles.draft import draft_profile
    from censusmig.profiles.model import read_profile
    from censusmig.readers.cleanup import removed_unless_done
    from censusmig.readers.formats import open_microdata

    path, target = Path(data), Path(out)
    if target.is_dir() or target.name in ("", ".", ".."):
        raise CensusmigError(
            Setting("out"),
            f" must name a file, got a folder ({target}); give a file name such as "
            f"{target / 'profile.toml'}",
        )
    if target.exists() and target.resolve() == path.resolve():
        raise CensusmigError(
            Setting("out"), f" {target} is the data file itself; choose another name"
        )
    if target.exists() and not force:
        raise CensusmigError(f"{target} exists; use ", Setting("force", True), " to replace it")
    if country is not None and not (len(country) == 3 and country.isalpha()):
        raise CensusmigError(
            Setting("country"), f" must be an ISO 3166 alpha-3 code such as ARG (got {country!r})"
        )
    when = _date(reference_date)
    with open_microdata(path, read_options) as source:
        _decimal_codes_as_text(source, read_options)
        text = source.run(
            lambda frame: draft_profile(
                frame,
                source.meta,
                path,
                country=country.upper() if country else None,
                reference_date=when,
            )
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        draft = target.with_name(target.name + ".partial")
        with removed_unless_done(draft):  # on any error or interrupt
            draft.write_text(text, encoding="utf-8")
            read_profile(draft)  # a draft that does not validate is a bug, reported as such
            draft.replace(target)
    except OSError as error:
        raise CensusmigError(f"cannot write {target}: {error.strerror or error}") from None
    return target


def _date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CensusmigError(
            Setting("reference_date"), f" must be a date such as 2016-10-01 (got {value!r})"
        ) from None


def check(
    data: str | Path,
    profile: str | Path,
    *,
    read_options: ReadOptions | None = None,
    show_ids: bool = False,
    max_ids: int = 100,
    batch_rows: int | None = None,
) -> CheckReport:
    """Run the edit checks on a data file described by a profile.

    The file is read once (and its id columns once more when a person id may repeat), in
    slices as :func:`tabulate` reads it, so memory stays bounded.

    Args:
        data: Any supported data file.
        profile: Its profile.
        read_options: How to read the data.
        show_ids: List the ids of failing records (never other values).
        max_ids: Ids listed per check at most.
        batch_rows: Read the file in slices of this many records; by default Parquet files
            above :data:`AUTO_BATCH_ROWS` records are sliced.

    Returns:
        The report; ``report.problems`` is True when an error-level check failed.

    Raises:
        CensusmigError: Bad input or profile.
    """
    from censusmig.profiles.model import read_profile
    from censusmig.readers.fixedwidth import count_layout_problems
    from censusmig.readers.formats import open_microdata
    from censusmig.tables.checks import run_checks

    if max_ids < 0:
        raise CensusmigError(Setting("max_ids"), f" must be 0 or more (got {max_ids})")
    check_range(Setting("max_ids"), max_ids, 0, MAX_LISTED)
    if batch_rows is not None:
        check_range(Setting("batch_rows"), batch_rows, 1, MAX_BATCH_ROWS)
    data_path = Path(data)
    loaded = read_profile(Path(profile))
    with open_microdata(data_path, ids_as_text(read_options, loaded)) as source:
        names = source.frame.collect_schema().names()
        loaded.check_columns(tuple(names), str(data_path))
        columns = loaded.columns() or tuple(names[:1])  # at least one column, to count records
        batch_rows = _batch_rows(source, batch_rows)
        report = source.run(
            lambda frame: run_checks(
                frame.select(columns),
                loaded,
                show_ids=show_ids,
                max_ids=max_ids,
                batch_rows=batch_rows,
            )
        )
        if source.layout is not None and source.text_file is not None:
            report = with_layout_check(
                report, count_layout_problems(source.text_file, source.layout)
            )
    return report


def with_layout_check(report: CheckReport, problems: dict[str, int]) -> CheckReport:
    """Add the codebook-against-data check of a fixed-width file to an edit-check report."""
    from censusmig.tables.checks import CheckResult

    result = CheckResult(
        id="codebook_mismatch",
        title="Records that disagree with the codebook (short lines, text in numeric fields)",
        severity="error",
        records=max(problems.values(), default=0),
        detail=problems,
        ids=(),
        skipped=None,
    )
    return replace(report, results=(*report.results, result))


def list_recipes(recipes_dirs: Iterable[str | Path] = ()) -> list[dict[str, Any]]:
    """Describe every recipe: id, title, standards, universe and the concepts it needs."""
    from censusmig.recipes.catalog import load_catalog

    catalog = load_catalog(Path(folder) for folder in recipes_dirs)
    return [
        {
            "id": recipe.id,
            "title": recipe.title,
            "standard": list(recipe.standard),
            "universe": recipe.universe_label,
            "requires": list(recipe.requires()),
            "path": str(recipe.path),
        }
        for recipe in catalog.values()
    ]


def get_recipe(recipe_id: str, recipes_dirs: Iterable[str | Path] = ()) -> Recipe:
    """Return one recipe by id.

    Raises:
        UnknownRecipeError: No recipe has that id (the message names the nearest).
    """
    from censusmig.errors import UnknownRecipeError
    from censusmig.recipes.catalog import load_catalog

    catalog = load_catalog(Path(folder) for folder in recipes_dirs)
    if recipe_id not in catalog:
        raise UnknownRecipeError(recipe_id, list(catalog))
    return catalog[recipe_id]


def describe_dimension(name: str) -> str:
    """Say in plain words what a recipe dimension is (for ``recipes show`` and trainers).

    Args:
        name: A dimension a recipe can use, such as ``country_of_birth`` or ``age_group``.

    Returns:
        One line, such as the dimension's categories or the question it comes from.

    Raises:
        CensusmigError: No dimension has that name (the message names the nearest).
    """
    from censusmig.dimensions import DIMENSIONS

    definition = DIMENSIONS.get(name)
    if definition is None:
        match = nearest(name, DIMENSIONS)
        hint = f" Did you mean {match!r}?" if match else ""
        raise CensusmigError(f"unknown dimension {name!r}.{hint}")
    return definition.description


def explain_recipe(
    recipe_id: str, recipes_dirs: Iterable[str | Path] = (), *, lang: str = "en"
) -> Explanation:
    """Explain a recipe in plain words (what ``censusmig recipes show`` prints).

    Args:
        recipe_id: The recipe's id.
        recipes_dirs: Extra folders of user recipes.
        lang: Language of the fixed sentences and category labels: ``en``, ``es`` or ``fr``.

    Returns:
        The explanation: universe, dimensions and categories, standards, profile entries
        needed and an example layout; ``to_dict()`` gives it as JSON-able data.

    Raises:
        UnknownRecipeError: No recipe has that id (the message names the nearest).
        CensusmigError: Unknown language, or invalid recipe files.
    """
    from censusmig.recipes.explain import check_language, explain

    check_language(lang)  # before the catalogue is read: the cheaper mistake first
    return explain(get_recipe(recipe_id, recipes_dirs), lang)


def validate_recipes(paths: Iterable[str | Path]) -> tuple[Problem, ...]:
    """Every problem of every recipe file, as ``tabulate --recipes-dir`` would find them.

    Each file is read as the catalogue reads it (its ``id`` must equal its file name, so that
    a folder of such files loads); a file not named ``*.toml`` is a problem too, since a
    recipe folder loads only those.

    Args:
        paths: Recipe files.

    Returns:
        The problems found, file by file (empty when every file is valid).

    Raises:
        InputError: A file is missing or cannot be read (nothing to validate).
    """
    from censusmig.errors import SpecError
    from censusmig.recipes.model import read_recipe

    problems: list[Problem] = []
    for path in (Path(each) for each in paths):
        if path.is_dir():
            raise InputError(f"{path} is a folder; give recipe files (e.g. {path}/*.toml)")
        if path.suffix != ".toml":
            problems.append(
                Problem(
                    str(path),
                    "(file)",
                    "a recipe file's name ends in .toml (a recipe folder loads only those)",
                )
            )
        try:
            read_recipe(path)
        except SpecError as error:
            problems.extend(error.problems)
    return tuple(problems)


def validate_profile(
    path: str | Path,
    data: str | Path | None = None,
    *,
    read_options: ReadOptions | None = None,
) -> tuple[Problem, ...]:
    """Every problem of a profile that ``tabulate`` would refuse it for.

    A draft's ``REVIEW`` placeholders (census country, reference date) are problems, as
    ``tabulate`` refuses them. With ``data``, the columns the profile names are looked up in
    the data file's header (its records are not read); each missing one is a problem at the
    profile key that names it, with the nearest column.

    Args:
        path: The profile file.
        data: A data file the profile describes, or None.
        read_options: How to read ``data``.

    Returns:
        The problems found (empty when the profile is ready to tabulate with).

    Raises:
        InputError: The profile or the data file is missing or cannot be read.
    """
    from censusmig.errors import SpecError
    from censusmig.profiles.model import read_profile
    from censusmig.readers.formats import open_microdata

    profile_path = Path(path)
    problems: list[Problem] = []
    try:
        loaded = read_profile(profile_path, reviewed=True)
    except SpecError as error:
        problems.extend(error.problems)
        try:  # a draft whose only problems are its placeholders can still be compared
            loaded = read_profile(profile_path)
        except SpecError:
            return tuple(problems)
    if data is None:
        return tuple(problems)
    data_path = Path(data)
    with open_microdata(data_path, ids_as_text(read_options, loaded)) as source:
        names = tuple(source.frame.collect_schema().names())
    keys = loaded._keys()  # the profile key naming each column
    for column in loaded.columns():
        if column not in names:
            problems.append(
                Problem(
                    str(profile_path),
                    keys.get(column, "(column)"),
                    f"column not in the data file {data_path}",
                    column,
                    names,
                )
            )
    return tuple(problems)


NEW_RECIPES_DIR = Path("my_recipes")
"""Where :func:`new_recipe` writes unless told: a folder for ``--recipes-dir``."""


def new_recipe(
    new_id: str,
    from_id: str,
    recipes_dir: str | Path = NEW_RECIPES_DIR,
    *,
    force: bool = False,
    note: Callable[[str], None] | None = None,
) -> Path:
    """Copy a recipe as the starting point of a custom table: ``recipes_dir/new_id.toml``.

    The copy keeps the source's text and comments, with its ``id`` set to ``new_id`` and a
    comment header saying where it came from; it is validated before it is kept. Run it with
    ``tabulate(..., recipes_dirs=[recipes_dir], recipes=[new_id])``.

    Args:
        new_id: The new recipe's id: lower-case letters, digits and underscores.
        from_id: The recipe copied: a bundled one, or one in ``recipes_dir``.
        recipes_dir: The folder written to (created when missing).
        force: Replace an existing ``recipes_dir/new_id.toml``.
        note: Told when the new id is a bundled recipe's, which the copy replaces in runs
            given ``recipes_dir``.

    Returns:
        The file written.

    Raises:
        UnknownRecipeError: No recipe has the id ``from_id`` (the message names the nearest).
        CensusmigError: A bad ``new_id``, an existing file without ``force``, or a folder
            that cannot be written.
    """
    import re

    from censusmig.readers.cleanup import removed_unless_done
    from censusmig.recipes.catalog import load_catalog
    from censusmig.recipes.model import read_recipe
    from censusmig.resources import bundled

    if not re.fullmatch(r"[a-z][a-z0-9_]*", new_id):
        raise CensusmigError(
            f"recipe id {new_id!r} must start with a lower-case letter and hold only "
            "lower-case letters, digits and underscores (e.g. foreign_born_district_top10)"
        )
    folder = Path(recipes_dir)
    if folder.exists() and not folder.is_dir():
        raise CensusmigError(f"{folder} is a file; the recipes folder must be a folder")
    bundled_ids = set(load_catalog())
    catalog = load_catalog([folder] if folder.is_dir() else [])
    if from_id not in catalog:
        from censusmig.errors import UnknownRecipeError

        raise UnknownRecipeError(from_id, list(catalog))
    source = catalog[from_id]
    target = folder / f"{new_id}.toml"
    if target.exists() and target.resolve() == source.path.resolve():
        raise CensusmigError(f"{target} is the recipe copied itself; choose another id")
    if target.exists() and not force:
        raise CensusmigError(f"{target} exists; use ", Setting("force", True), " to replace it")
    origin = (
        f"bundled recipe {from_id}"
        if source.path.parent.resolve() == bundled("recipes").resolve()
        else f"recipe {from_id} ({source.path})"
    )
    text = _renamed(source.path.read_text(encoding="utf-8"), new_id)
    header = (
        f"# Copied from the {origin} by 'censusmig recipes new'.\n"
        "# Edit the title, description, universe, rows and columns, then check it with\n"
        f"#   censusmig recipes validate {target.as_posix()}\n"
        f"# and run it with --recipes-dir {folder.as_posix()} --recipe {new_id}.\n"
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staged = folder / f".{new_id}.toml.partial"
        with removed_unless_done(staged):  # on any error or interrupt
            staged.write_text(header + text, encoding="utf-8")
            _check_copy(read_recipe, staged, target)
            staged.replace(target)
    except OSError as error:
        raise CensusmigError(f"cannot write {target}: {error.strerror or error}") from None
    if new_id in bundled_ids and note is not None:
        note(
            f"{new_id} is also a bundled recipe: runs given --recipes-dir {folder} use this "
            "copy instead of it"
        )
    return target


def _renamed(text: str, new_id: str) -> str:
    """A recipe's text with its top-level ``id`` set to ``new_id`` (added when absent)."""
    import re

    line = f'id = "{new_id}"'
    top = re.split(r"(?m)^\s*\[", text, maxsplit=1)  # top-level keys come before any table
    head = top[0]
    found = re.search(r"(?m)^id\s*=.*$", head)
    if found is not None:
        head = head[: found.start()] + line + head[found.end() :]
    else:
        head = head.rstrip("\n") + f"\n{line}\n" if head.strip() else f"{line}\n" + head
    return head + text[len(top[0]) :]


def _check_copy(read: Callable[[Path], Recipe], staged: Path, target: Path) -> None:
    """Validate a copy under its final name (a recipe's id must equal its file name)."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        named = Path(scratch) / target.name
        shutil.copyfile(staged, named)
        read(named)  # a copy that does not validate is a bug, reported as such
