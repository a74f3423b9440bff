"""The ``censusmig`` command.

Results go to stdout, status and diagnostics to stderr (``--quiet`` hides status only).
Exit codes: 0 ok, 1 ran but found problems, 2 could not run (an internal error too), 130
interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import functools
import gc
import json
import os
import re
import signal
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from inspect import Parameter, cleandoc, signature
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption
from typer.models import CommandFunctionType

from censusmig import __version__, api
from censusmig.api import DATA_FORMATS, Progress, ReadOptions
from censusmig.errors import EXIT_CANNOT_RUN, EXIT_PROBLEMS, CensusmigError, Setting

if TYPE_CHECKING:
    from rich.console import Console


def paragraphs(text: str | None) -> str | None:
    r"""Help text as paragraphs: the line breaks of a docstring within a paragraph go.

    Docstrings are wrapped to the source's line length; typer's rich help keeps those breaks,
    which cut sentences in the middle of a line on any terminal wider or narrower than the
    source. A paragraph is a run of lines between blank lines; a line that starts with ``\b``
    keeps its paragraph as written (click's marker for a verbatim block).
    """
    if not text:
        return text
    blocks = cleandoc(text).split("\n\n")
    return "\n\n".join(
        block if block.startswith("\b") else " ".join(block.split()) for block in blocks
    )


def _readable(param: Any) -> None:
    """Give a parameter the placeholder its help text uses.

    typer writes each parameter's Python type where click writes a placeholder: ``<bool>``
    after a switch, ``<path>`` or ``<list[Path]>`` after an option, ``{data}`` in the usage
    line. A switch takes no value and gets none; an argument is named in capitals, as the
    commands' help text names it (DATA), and so is the value of an option that names no
    placeholder of its own (``--recipes-dir RECIPES_DIR``).
    """
    if param.metavar is not None:
        return
    if isinstance(param, TyperOption) and param.is_flag:
        param.metavar = ""
    elif param.name:
        param.metavar = param.name.upper()


_REQUIRED_PIECE = re.compile(r"\{(?P<name>[^{}]+)\}(?P<more>(\.\.\.)?)")


if TYPE_CHECKING:
    _Base = TyperCommand
else:
    _Base = object


class _ReadableHelp(_Base):
    """Help for people, shared by the commands and the groups (see :func:`paragraphs`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = paragraphs(self.help)
        for param in self.params:
            _readable(param)

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        """The --help option, shown as a switch without a placeholder."""
        option = super().get_help_option(ctx)
        if option is not None:
            _readable(option)
        return option

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """The usage line's words: a required argument as DATA, as the text names it.

        typer writes it ``{DATA}``, braces a newcomer takes for part of the syntax.
        """
        pieces = super().collect_usage_pieces(ctx)
        return [_REQUIRED_PIECE.sub(r"\g<name>\g<more>", piece) for piece in pieces]


class Command(_ReadableHelp, TyperCommand):
    """A command whose help reads as paragraphs, with placeholders that match its words."""


COMMAND_ORDER = ("sample", "inspect", "profile", "check", "tabulate", "recipes", "convert")
"""The order ``censusmig --help`` lists the commands in: a newcomer's path through them."""


class Group(_ReadableHelp, TyperGroup):
    """A group of commands whose help reads as paragraphs, like :class:`Command`'s."""

    def list_commands(self, ctx: Any) -> list[str]:
        """The commands in :data:`COMMAND_ORDER`, then any other in the order they came."""
        names = super().list_commands(ctx)
        known = [name for name in COMMAND_ORDER if name in names]
        return known + [name for name in names if name not in known]


class _Typer(typer.Typer):
    """A typer app whose commands are :class:`Command` unless they name their own class."""

    def command(
        self, *args: Any, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        """Register a command, as :meth:`typer.Typer.command`, made with :class:`Command`."""
        return super().command(*args, cls=cls or Command, **kwargs)


ROOT_HELP = """Census and survey microdata to the recommended tables on international migration.

With your own data: censusmig inspect DATA to see its columns and codes; censusmig profile
init DATA --out PROFILE to draft the profile that maps them to the census concepts, then
review every GUESS and REVIEW in it; censusmig profile validate PROFILE --data DATA until it
finds nothing; censusmig check DATA --profile PROFILE for the edit checks; censusmig tabulate
DATA --profile PROFILE --out OUT for the tables.

To try it first: censusmig sample --out census.csv writes a synthetic census.
"""

app = _Typer(
    cls=Group,
    name="censusmig",
    help=ROOT_HELP,
    # An exception no command caught is told by run(), never as typer's traceback (whose
    # frames and message may hold data values).
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
recipes_app = _Typer(cls=Group, help="List, explain, validate and create the table recipes.")
app.add_typer(recipes_app, name="recipes")
profile_app = _Typer(cls=Group, help="Draft and validate profiles for real data files.")
app.add_typer(profile_app, name="profile")


@functools.cache
def stderr() -> Console:
    """The console on stderr for status and errors, made on first use (rich loads slowly)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


DATA_HELP = (
    "Person file: .csv, .tsv, .parquet, .sav, .dta, fixed-width text with --codebook, or an "
    "IPUMS DDI .xml; optionally .gz or .zip; or a folder of .parquet files (hive-partitioned, "
    "key=value sub-folders). Other names: --data-format."
)


class _State:
    quiet = False


def status(message: str) -> None:
    """Print a status line on stderr unless ``--quiet``."""
    if not _State.quiet:
        stderr().print(message, markup=False)


def fail(error: CensusmigError) -> typer.Exit:
    """Print an error on stderr, parameters written as options, and return the exit to raise."""
    from censusmig.cli import hints

    stderr().print(f"censusmig: error: {hints.message(error)}", markup=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"censusmig {__version__}")
        raise typer.Exit()


def help_without_command(ctx: typer.Context) -> None:
    """Called without a command: print the help on stderr and exit 2.

    A missing command is a usage error like a missing argument, which typer reports on
    stderr with exit 2 (git does the same): stdout stays for results, and a script that
    calls ``censusmig`` without a command fails.
    """
    if ctx.invoked_subcommand is not None:
        return
    with redirect_stdout(sys.stderr):  # rich prints the help on the current stdout
        text = ctx.get_help()
        if text:
            typer.echo(text)
    raise typer.Exit(EXIT_CANNOT_RUN)


recipes_app.callback(invoke_without_command=True)(help_without_command)
profile_app.callback(invoke_without_command=True)(help_without_command)


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Hide status messages and progress displays (errors and data-quality notes "
            "still show).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Census and survey microdata to the recommended tables on international migration."""
    _State.quiet = quiet
    help_without_command(ctx)


Delimiter = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        metavar="CHAR",
        help="Field separator of a text file: one character, or tab, semicolon, pipe.",
    ),
]
Encoding = Annotated[
    str,
    typer.Option(
        "--encoding", metavar="NAME", help="Text encoding: utf-8 (default), latin-1, cp1252..."
    ),
]
NoHeader = Annotated[
    bool,
    typer.Option(
        "--no-header",
        help="The CSV has no header line (columns are named column_1, column_2... unless "
        "--columns names them).",
    ),
]
Codebook = Annotated[
    Path | None,
    typer.Option(
        "--codebook",
        metavar="FILE",
        help="Codebook of a fixed-width file: IPUMS DDI .xml or CSPro .dcf.",
    ),
]
Record = Annotated[
    str | None,
    typer.Option(
        "--record", metavar="TYPE", help="Record type to read from a hierarchical fixed-width file."
    ),
]
KeepBlanks = Annotated[
    bool,
    typer.Option(
        "--keep-blanks",
        help="Keep the blanks around CSV fields and column names (by default ' 105363' is read "
        "as the number 105363 and ' Male' as the code Male).",
    ),
]

DataFormat = Annotated[
    str | None,
    typer.Option(
        "--data-format",
        metavar="FORMAT",
        help=f"Read DATA as this format whatever its name says: {', '.join(DATA_FORMATS)} "
        "(for .data, .asc, .dat or files without an extension). Not --format, which chooses "
        "what tabulate writes.",
    ),
]
Columns = Annotated[
    str | None,
    typer.Option(
        "--columns",
        metavar="NAMES",
        help="Column names of a text file without a header line, comma-separated in file "
        "order (with --no-header): one name a field.",
    ),
]


_READ_PARAMETERS = tuple(
    Parameter(name, Parameter.KEYWORD_ONLY, default=default, annotation=option)
    for name, option, default in (
        ("delimiter", Delimiter, None),
        ("encoding", Encoding, "utf-8"),
        ("no_header", NoHeader, False),
        ("codebook", Codebook, None),
        ("record", Record, None),
        ("keep_blanks", KeepBlanks, False),
        ("data_format", DataFormat, None),
        ("columns", Columns, None),
    )
)
"""The eight reading options, declared once for every command that reads a data file."""


def reads_data(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command that reads a data file the shared reading options.

    The command declares a keyword-only ``read_options: ReadOptions`` parameter; the command
    line shows --delimiter, --encoding, --no-header, --codebook, --record, --keep-blanks,
    --data-format and --columns in its place (after the command's own options) and hands the
    command the :class:`ReadOptions` they make, with notes of the reader (blank lines skipped)
    printed on stderr.

    Args:
        command: The command function, not yet registered with typer.

    Returns:
        The function to register: the command with the eight options in its signature.
    """
    declared = signature(command, eval_str=True)
    own = [param for param in declared.parameters.values() if param.name != "read_options"]
    parameters = [*own, *_READ_PARAMETERS]

    @functools.wraps(command)
    def with_read_options(
        *args: Any,
        delimiter: str | None,
        encoding: str,
        no_header: bool,
        codebook: Path | None,
        record: str | None,
        keep_blanks: bool,
        data_format: str | None,
        columns: str | None,
        **kwargs: Any,
    ) -> None:
        names = tuple(name.strip() for name in columns.split(",")) if columns else ()
        options = ReadOptions(
            delimiter,
            encoding,
            not no_header,
            codebook,
            record,
            keep_blanks,
            data_format=data_format,
            columns=names,
            note=_note,
        )
        command(*args, read_options=options, **kwargs)

    # typer reads the parameters from the signature and their types from the annotations.
    with_read_options.__signature__ = declared.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_read_options.__annotations__ = {
        **{param.name: param.annotation for param in parameters},
        "return": None,
    }
    return with_read_options


def _note(text: str) -> None:
    """A note of the reader on stderr: a diagnostic, so shown even with --quiet."""
    stderr().print(f"note: {text}", markup=False)


@contextmanager
def progress_bar(description: str) -> Iterator[Progress | None]:
    """A progress display on stderr, fed by a progress callback of records done.

    With a known total (Parquet metadata, an SPSS or Stata header) it is a bar with
    ``250,000 of 1,000,000 records``; without one a spinner with the running count
    (``1,000,000 records``). The display goes when the step ends.

    Shown only when stderr is a terminal and not ``--quiet``: otherwise nothing is printed
    and no display module is loaded. Stdout is never written to.

    Args:
        description: What the step does, e.g. ``Converting census.sav``.

    Yields:
        The ``progress`` callback, called with (records done, records in all or None); None
        when nothing is shown.
    """
    if _State.quiet or not stderr_is_terminal():
        yield None
        return
    import rich.progress  # only a terminal pays for the display
    from rich.console import RenderableType
    from rich.text import Text

    class Bar(rich.progress.ProgressColumn):
        """The bar, drawn only when the total is known (else the spinner says it works)."""

        bar = rich.progress.BarColumn()

        def render(self, task: rich.progress.Task) -> RenderableType:
            return self.bar.render(task) if task.total else Text("")

    class Records(rich.progress.ProgressColumn):
        """Records done (of the total, when known), with thousands separators."""

        def render(self, task: rich.progress.Task) -> Text:
            return Text(records_done(int(task.completed), int(task.total or 0) or None))

    with rich.progress.Progress(
        rich.progress.SpinnerColumn(),
        rich.progress.TextColumn("{task.description}"),
        Bar(),
        Records(),
        rich.progress.TimeElapsedColumn(),
        console=stderr(),
        transient=True,
        redirect_stdout=False,  # results stay on stdout, never drawn through the display
        refresh_per_second=4,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def records_done(done: int, total: int | None) -> str:
    """The count a progress display shows: ``250,000 of 1,000,000 records``, ``1,000 records``.

    Nothing before the first record when the total is unknown (the spinner says it works).
    """
    if total:
        return f"{done:,} of {total:,} records"
    return f"{done:,} records" if done else ""


STAGE_TEXT = {
    "reading": "Reading {data}",
    "computing": "Computing tables",
    "writing": "Writing outputs",
}
"""What the display says during each stage of :data:`censusmig.api.TABULATE_STAGES`."""


def stderr_is_terminal() -> bool:
    """True when stderr is a terminal a live display can redraw (not a pipe, file or dumb)."""
    try:
        interactive = os.isatty(sys.stderr.fileno())
    except (AttributeError, ValueError, OSError):  # replaced by an object without a descriptor
        return False
    return interactive and os.environ.get("TERM", "") not in ("dumb", "unknown")


@contextmanager
def stage_display(data: Path) -> Iterator[Callable[[str], None] | None]:
    """A spinner on stderr naming the stage under way and the time since the start.

    The display goes when the run ends (the status line then gives the total time).

    Shown only when stderr is a terminal and not ``--quiet``: otherwise nothing is printed
    and no display module is loaded. Stdout is never written to.

    Args:
        data: The data file, named while it is read.

    Yields:
        The ``progress`` callback of :func:`censusmig.api.tabulate`, or None.
    """
    with spinner("Reading the profile and recipes") as describe:
        if describe is None:
            yield None
            return

        def show(stage: str) -> None:
            describe(STAGE_TEXT.get(stage, stage).format(data=data.name))

        yield show


@contextmanager
def spinner(description: str) -> Iterator[Callable[[str], None] | None]:
    """A spinner on stderr saying what is under way and the time since the start.

    Shown only when stderr is a terminal and not ``--quiet``: otherwise nothing is printed
    and no display module is loaded. Stdout is never written to. The display goes when the
    step ends.

    Args:
        description: What is under way, e.g. ``Checking census.parquet``.

    Yields:
        A callback that changes the description (shown at once), or None when nothing is
        shown.
    """
    if _State.quiet or not stderr_is_terminal():
        yield None
        return
    import rich.progress  # only a terminal pays for the display

    with rich.progress.Progress(
        rich.progress.SpinnerColumn(),
        rich.progress.TextColumn("{task.description}"),
        rich.progress.TimeElapsedColumn(),
        console=stderr(),
        transient=True,
        redirect_stdout=False,  # results stay on stdout, never drawn through the display
        refresh_per_second=4,
    ) as display:
        task = display.add_task(description, total=None)

        def describe(text: str) -> None:
            display.update(task, description=text)
            display.refresh()  # at once: a short stage is shown too

        yield describe


@app.command()
@reads_data
def tabulate(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    profile: Annotated[
        Path,
        typer.Option(
            "--profile",
            "-p",
            metavar="PROFILE",
            help="Profile TOML mapping the data's columns to the census concepts.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="OUT", help="Folder to write the outputs to."),
    ],
    recipe: Annotated[
        list[str] | None,
        typer.Option(
            "--recipe",
            "-r",
            metavar="ID",
            help="Recipe to run, by id (repeatable). Default: every recipe the profile serves.",
        ),
    ] = None,
    recipes_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--recipes-dir",
            metavar="DIR",
            help="Folder of your own recipes, read besides the standard ones (repeatable).",
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMATS", help=api.format_help())
    ] = ",".join(api.FORMATS),
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the run manifest as JSON on stdout instead of the paths written "
            "(what censusmig.api.tabulate returns).",
        ),
    ] = False,
    batch_rows: Annotated[
        int | None,
        typer.Option(
            "--batch-rows",
            metavar="N",
            help="Read the data in slices of N records (bounded memory), 1 to 4294967295. "
            "Default: Parquet files above 5,000,000 records are read in slices of that size.",
        ),
    ] = None,
    no_checks: Annotated[
        bool,
        typer.Option(
            "--no-checks",
            help="Skip the edit checks (counted in the same read of the data as the tables).",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 1 when the data-quality summary lists anything (for scripts); the "
            "outputs are still written first.",
        ),
    ] = False,
    max_cells: Annotated[
        int,
        typer.Option(
            "--max-cells",
            metavar="N",
            help="Most cells a table may have, estimated from the profile and recipe before "
            "the data are read (categories of its dimensions multiplied, totals included); "
            f"a larger table stops the run with exit 2. Up to {api.MAX_CELLS_LIMIT:,}.",
        ),
    ] = api.DEFAULT_MAX_CELLS,
    excel_layout: Annotated[
        str,
        typer.Option(
            "--excel-layout",
            metavar="LAYOUT",
            help="Layout of the workbook's table sheets: accessible (default: one header row, "
            "no merged cells, an Excel table per sheet, counts and percentages on separate "
            "sheets) or classic (spanners over merged cells, indented stub).",
        ),
    ] = "accessible",
    protect: Annotated[
        str | None,
        typer.Option(
            "--protect",
            metavar="METHOD",
            help="Protect every table before publication (statistical disclosure control): "
            "suppress (cells of fewer than the threshold, 3 by default, withheld as x, with "
            "secondary suppression), round3 or round5 (unbiased random rounding), cell-key "
            "(the cell-key method with a perturbation table), or none. Overrides the "
            "profile's protection table and the recipes' own choice.",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            metavar="ENGINE",
            help="What aggregates the records: polars (default: embedded, in this process) "
            "or spark (Apache Spark, on a cluster or every core here; needs "
            "pip install '.[spark]' in the censusmig folder, and Java 17 or later). Spark reads "
            "a Parquet file or a directory of Parquet files (hive-partitioned) and gives the "
            "same tables; it "
            "needs [data] person_id for --protect cell-key or rounding, and [design] psu for "
            "a Taylor design.",
        ),
    ] = "polars",
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            metavar="URL",
            help="Spark master URL, with --engine spark only (spark://host:7077, yarn, "
            f"k8s://...). Default: {api.DEFAULT_SPARK_MASTER}, every core of this machine.",
        ),
    ] = None,
    *,
    read_options: ReadOptions,
) -> None:
    """Compute the migration tables of DATA and write them to OUT.

    Writes OUT/csv/<recipe>.csv (tidy), OUT/tables.xlsx, OUT/report.html and OUT/run.json,
    and prints their paths on stdout. Recipes the profile cannot serve are skipped with a
    reason on stderr.

    A data-quality summary goes to stderr (even with --quiet) when something needs
    attention: failing error-level edit checks, codes in no code list, missing or
    non-positive weights, tables that do not reconcile; with --strict that is exit 1, after
    the outputs are written.

    A profile that still holds a draft's REVIEW placeholder (census country, reference date)
    is refused with exit 2, and so is a recipe whose table would exceed --max-cells.

    On a terminal, stderr shows the stage under way (reading, computing, writing) unless
    --quiet.
    """
    failure: CensusmigError | None = None
    try:
        formats = api.parse_formats(output_format)
        status(f"Tabulating {data} with profile {profile} ...")
        with stage_display(data) as progress:
            run = api.tabulate(
                data,
                profile,
                out=out,
                recipes=recipe or (),
                recipes_dirs=recipes_dir or (),
                formats=formats,
                command=["censusmig", *sys.argv[1:]],
                batch_rows=batch_rows,
                read_options=read_options,
                edit_checks=not no_checks,
                strict=strict,
                max_cells=max_cells,
                excel_layout=excel_layout,
                progress=progress,
                protect=protect,
                engine=engine,
                spark_master=spark_master,
            )
    except api.NeedsAttentionError as error:  # the outputs are written: show them, then fail
        run, failure = error.tabulation, error
    except CensusmigError as error:
        raise fail(error) from None
    for skipped in run.skipped:
        stderr().print(f"skipped {skipped.recipe_id}: {skipped.reason}", markup=False)
    if as_json:
        typer.echo(json.dumps(run.to_dict(), indent=2, ensure_ascii=False))
    else:
        for path in run.outputs:
            typer.echo(str(path))
    status(
        f"{len(run.tables)} table(s) from {run.record.input.records:,} records"
        f" in {run.record.timings_seconds['total']:.2f} s; outputs in {out}"
    )
    _print_attention(run.attention)
    if failure is not None:
        raise fail(failure)
    if not run.reconciles:
        stderr().print(
            "censusmig: record accounting does not reconcile; see run.json", markup=False
        )
        raise typer.Exit(EXIT_PROBLEMS)


def _print_attention(items: tuple[api.Attention, ...]) -> None:
    """The data-quality summary on stderr, one line per item; nothing when all is well.

    A diagnostic, not a status: ``--quiet`` does not hide it.
    """
    if not items:
        return
    lines = [f"censusmig: data quality: {len(items)} item(s) need attention (see run.json):"]
    lines += [f"  - {item.message}" for item in items]
    stderr().print("\n".join(lines), markup=False)


@app.command()
def sample(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="File to write: .csv, .parquet, .sav (SPSS) or .dta (Stata).",
        ),
    ],
    persons: Annotated[
        int,
        typer.Option(
            "--persons", "-n", metavar="N", help="Number of persons (1 to 1,000,000,000)."
        ),
    ] = 20_000,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", metavar="N", help="Random seed, 0 to 4294967295 (same seed, same file)."
        ),
    ] = 2025,
) -> None:
    """Generate the synthetic census of Quetzalia (a fictional country) for training and tests."""
    try:
        api.check_range(Setting("persons"), persons, 1, api.MAX_SAMPLE_PERSONS)  # before the status
        api.check_range(Setting("seed"), seed, 0, api.MAX_SEED)
        status(f"Generating {persons:,} persons (seed {seed}) ...")
        with spinner(f"Generating {persons:,} persons"):
            path = api.write_sample(persons, seed, out)
    except CensusmigError as error:
        raise fail(error) from None
    typer.echo(str(path))


@app.command()
@reads_data
def convert(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    to: Annotated[
        Path,
        typer.Option(
            "--to",
            metavar="FILE",
            help="Parquet file to write (with --partition-by, the folder to write).",
        ),
    ],
    profile: Annotated[
        Path | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="PROFILE",
            help="Keep only the columns this profile names.",
        ),
    ] = None,
    partition_by: Annotated[
        str | None,
        typer.Option(
            "--partition-by",
            metavar="COLUMN",
            help="Write a folder with one COLUMN=value sub-folder of Parquet per value of "
            "COLUMN (hive-style, as Spark reads it) instead of one file; every command reads "
            "the folder as one dataset.",
        ),
    ] = None,
    *,
    read_options: ReadOptions,
) -> None:
    """Convert DATA to Parquet, streaming, keeping value labels and missing-value codes.

    Later runs on the Parquet file are the fast path. DATA may also be a folder of Parquet
    files. Prints the file (or folder) written on stdout.
    """
    try:
        with progress_bar(f"Converting {data.name}") as progress:
            done = api.convert(
                data,
                to,
                profile=profile,
                read_options=read_options,
                partition_by=partition_by,
                progress=progress,
            )
    except CensusmigError as error:
        raise fail(error) from None
    typer.echo(str(done.target))
    files = f" in {done.files:,} files" if partition_by is not None else ""
    status(
        f"{done.records:,} records{files}, {done.columns} columns, value labels of "
        f"{done.labelled_columns} columns kept"
    )


@app.command()
@reads_data
def inspect(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the inspection as JSON on stdout instead of text "
            "(what censusmig.api.inspect returns).",
        ),
    ] = False,
    max_codes: Annotated[
        int,
        typer.Option(
            "--max-codes",
            metavar="N",
            help="Most frequent codes listed per column (1 to 1,000,000).",
        ),
    ] = 30,
    *,
    read_options: ReadOptions,
) -> None:
    """Describe DATA: records, columns, types, labels, code frequencies, migration questions.

    Only codes are listed, never free-text values or identifiers.
    """
    try:
        with spinner(f"Inspecting {data.name}"):
            report = api.inspect(data, read_options=read_options, max_codes=max_codes)
    except CensusmigError as error:
        raise fail(error) from None
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    typer.echo(_describe(data, report))


def _describe(data: Path, report: dict[str, Any]) -> str:
    """The inspection as text: one block per column, then the guessed census questions."""
    lines = [
        f"{data}: {report['records']:,} records, {len(report['columns'])} columns "
        f"({report['format']})",
        "",
    ]
    for column in report["columns"]:
        label = f" - {column['label']}" if column.get("label") else ""
        lines.append(
            f"{column['name']}{label}: {column['type']}, {column['kind']}, "
            f"{column['distinct']:,} distinct, {column['nulls']:,} empty"
        )
        codes = column.get("codes") or []
        if codes:
            shown = "; ".join(
                f"{c['code']}" + (f" {c['label']}" if c.get("label") else "") + f" ({c['count']:,})"
                for c in codes
            )
            lines.append(textwrap.fill(shown, 96, initial_indent="    ", subsequent_indent="    "))
        hidden = column.get("not_codes")
        if hidden:
            span = (
                f"{hidden['shortest']}"
                if hidden["shortest"] == hidden["longest"]
                else f"{hidden['shortest']}-{hidden['longest']}"
            )
            lines.append(
                f"    and {hidden['values']:,} value(s) of {span} characters that cannot be "
                f"codes, not shown ({hidden['records']:,} records)"
            )
    guesses = report.get("migration_columns") or []
    lines.append("")
    lines.append("Columns that look like census questions:" if guesses else "No column guessed.")
    lines += [f"  {g['column']} -> {g['concept']} ({g['why']})" for g in guesses]
    return "\n".join(lines)


@app.command()
@reads_data
def check(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    profile: Annotated[
        Path,
        typer.Option(
            "--profile",
            "-p",
            metavar="PROFILE",
            help="Profile TOML mapping the data's columns to the census concepts.",
        ),
    ],
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the report as JSON on stdout instead of text "
            "(what censusmig.api.check returns).",
        ),
    ] = False,
    show_ids: Annotated[
        bool, typer.Option("--show-ids", help="List the ids of failing records (no other values).")
    ] = False,
    max_ids: Annotated[
        int, typer.Option("--max-ids", metavar="N", help="Ids listed per check (0 to 1,000,000).")
    ] = 100,
    batch_rows: Annotated[
        int | None,
        typer.Option(
            "--batch-rows",
            metavar="N",
            help="Read the data in slices of N records (bounded memory), 1 to 4294967295. "
            "Default: Parquet files above 5,000,000 records are read in slices of that size.",
        ),
    ] = None,
    *,
    read_options: ReadOptions,
) -> None:
    """Run the edit checks an NSO runs before tabulating; exit 1 if any error is found.

    Codes outside the code map, ages outside 0-120, years of arrival after the census or
    before birth, native-born with a year of arrival, residence 5 years ago for children
    under 5, citizens by birth born abroad to foreign-born parents (warning), bad weights,
    duplicate person ids, a person found in two households.
    """
    try:
        with spinner(f"Checking {data.name}"):
            report = api.check(
                data,
                profile,
                read_options=read_options,
                show_ids=show_ids,
                max_ids=max_ids,
                batch_rows=batch_rows,
            )
    except CensusmigError as error:
        raise fail(error) from None
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(_check_text(report))
    if report.problems:
        raise typer.Exit(EXIT_PROBLEMS)


def _check_text(report: api.CheckReport) -> str:
    """The edit-check report as text: one line per rule, with details and ids under it."""
    lines = [f"{report.records:,} records checked"]
    for result in report.results:
        if result.skipped:
            lines.append(f"  skipped  {result.id}: {result.skipped}")
            continue
        mark = "ok     " if result.records == 0 else result.severity.upper().ljust(7)
        lines.append(f"  {mark}  {result.id}: {result.records:,} record(s) - {result.title}")
        if result.detail:
            shown = "; ".join(f"{k}: {v:,}" for k, v in result.detail.items())
            lines.append(
                textwrap.fill(
                    shown, 96, initial_indent="           ", subsequent_indent="           "
                )
            )
        if result.ids:
            lines.append(
                textwrap.fill(
                    "ids: " + ", ".join(result.ids),
                    96,
                    initial_indent="           ",
                    subsequent_indent="           ",
                )
            )
    lines.append("Problems found: see the errors above." if report.problems else "No errors found.")
    return "\n".join(lines)


@profile_app.command("init")
@reads_data
def profile_init(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="OUT", help="Profile TOML file to write.")
    ],
    country: Annotated[
        str | None,
        typer.Option("--country", metavar="CODE", help="Census country, ISO alpha-3 (e.g. ARG)."),
    ] = None,
    reference_date: Annotated[
        str | None,
        typer.Option("--reference-date", metavar="DATE", help="Census reference date, YYYY-MM-DD."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
    *,
    read_options: ReadOptions,
) -> None:
    """Draft a profile for DATA from its column names, labels and codes.

    Every guess is marked GUESS and every open point REVIEW in a comment; country labels that
    could not be matched to ISO codes are listed. The draft validates; review it before use.
    """
    try:
        with spinner(f"Reading {data.name}"):
            path = api.init_profile(
                data,
                out,
                read_options=read_options,
                country=country,
                reference_date=reference_date,
                force=force,
            )
    except CensusmigError as error:
        raise fail(error) from None
    typer.echo(str(path))
    status(f"Draft profile written to {path}: review every GUESS and REVIEW comment.")


@recipes_app.command("list")
def recipes_list(
    recipes_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--recipes-dir",
            metavar="DIR",
            help="Folder of your own recipes, read besides the standard ones (repeatable).",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the list as JSON on stdout instead of text (what "
            "censusmig.api.list_recipes returns).",
        ),
    ] = False,
) -> None:
    """List recipe ids, titles, standards and the concepts each needs."""
    try:
        entries = api.list_recipes(recipes_dir or ())
    except CensusmigError as error:
        raise fail(error) from None
    if as_json:
        typer.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    for entry in entries:
        typer.echo(f"{entry['id']}\n  {entry['title']}\n  needs: {', '.join(entry['requires'])}")
        typer.echo(f"  standard: {'; '.join(entry['standard'])}")


RecipesDirs = Annotated[
    list[Path] | None,
    typer.Option(
        "--recipes-dir",
        metavar="DIR",
        help="Folder of your own recipes, read besides the standard ones (repeatable).",
    ),
]
AsJson = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON, as the Python API returns it.")
]

SHOW_WIDTH = 88
"""Widest line ``recipes show`` prints, even on a wider terminal: paragraphs stay readable."""


def stdout_console() -> Console:
    """A console on stdout for results drawn with rich: colours only on a terminal."""
    from rich.console import Console

    width = min(Console().width, SHOW_WIDTH)
    return Console(width=width, highlight=False, emoji=False)


@recipes_app.command("show")
def recipes_show(
    recipe_id: Annotated[
        str, typer.Argument(metavar="ID", help="Recipe id, e.g. nativity_age_sex.")
    ],
    recipes_dir: RecipesDirs = None,
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            metavar="LANG",
            help="Language of the fixed sentences and category labels: en, es or fr.",
        ),
    ] = "en",
    as_json: AsJson = False,
) -> None:
    """Explain recipe ID in plain words: who is counted, by what, and why.

    Shows each dimension with its categories, the standards spelled out, the profile
    entries the table needs, and an example layout with no numbers.
    """
    try:
        explanation = api.explain_recipe(recipe_id, recipes_dir or (), lang=lang)
    except CensusmigError as error:
        raise fail(error) from None
    if as_json:
        typer.echo(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
        return
    _draw_explanation(explanation, stdout_console())


def _draw_explanation(explanation: api.Explanation, console: Console) -> None:
    """Draw an explanation: headed paragraphs, then the example layout as a rich table.

    Paragraphs are wrapped here rather than by rich, so that no line carries trailing blanks
    (the output is quoted in the docs and compared by tests).
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    words = explanation.headings

    def paragraph(bold: str, rest: str = "", level: int = 0, hanging: int = 0) -> None:
        indent = " " * (2 * level)
        wrapped = textwrap.fill(
            bold + rest,
            console.width,
            initial_indent=indent,
            subsequent_indent=indent + " " * hanging,
            break_on_hyphens=False,
        )
        text = Text(wrapped)
        text.stylize("bold", len(indent), len(indent) + len(bold))
        console.print(text, soft_wrap=True)

    def heading(key: str, rest: str = "") -> None:
        console.print()
        paragraph(words[key], f": {rest}" if rest else "")

    paragraph(explanation.title)
    console.print("=" * min(len(explanation.title), console.width), markup=False)
    heading("what")
    paragraph("", explanation.description, 1)
    conditions = "; ".join(explanation.conditions)
    heading("who", explanation.universe + (f" ({conditions})." if conditions else "."))
    for key, dimensions in (("stub", explanation.stub), ("spanners", explanation.spanners)):
        if dimensions:
            heading(key)
        for dimension in dimensions:
            rest = f": {dimension.words}; total \u201c{dimension.total}\u201d."
            paragraph(dimension.title, rest, 1, 2)
    paragraph("", explanation.specials, 1, 2)
    heading("standards")
    for standard in explanation.standards:
        shown = standard.short_name or standard.citation
        paragraph(shown, f": {standard.topic}" if standard.short_name else "", 1, 4)
        if standard.full_title:
            paragraph("", f"({standard.full_title})", 2, 1)
    if explanation.why:
        heading("why")
        paragraph("", explanation.why, 1)
    heading("needs")
    for entry in explanation.needs:
        paragraph(entry.entry, f"  {entry.description}", 1, 4)
    heading("example")
    example = explanation.example
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(example.stub_title)
    for column in example.columns:
        table.add_column("\n".join(column), justify="right")
    for label, cells in zip(example.rows, example.cells, strict=True):
        table.add_row(label, *cells)
    lines = console.render_lines(table, console.options.update(width=console.width - 2))
    for line in lines:
        row = Text("  ")
        for segment in line:
            row.append(segment.text, segment.style)
        row.rstrip()
        console.print(row, soft_wrap=True)
    if explanation.notes:
        heading("notes")
        for note in explanation.notes:
            paragraph("- ", note, 1, 2)
    heading("file", explanation.path)
    console.print()
    paragraph(words["copy"], ":")
    console.print(f"  {explanation.copy_command}", markup=False, soft_wrap=True)


def _print_problems(problems: tuple[api.Problem, ...], files: int, as_json: bool) -> None:
    """Print validation problems, one line each and a summary; exit 1 when there are any."""
    if as_json:
        typer.echo(json.dumps([p.to_dict() for p in problems], indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            typer.echo(problem.render())
        noun = "file" if files == 1 else "files"
        typer.echo(f"{files} {noun}, {len(problems)} problem{'' if len(problems) == 1 else 's'}")
    if problems:
        raise typer.Exit(EXIT_PROBLEMS)


@recipes_app.command("validate")
def recipes_validate(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE", help="Recipe TOML files to check (one or more).")
    ],
    as_json: AsJson = False,
) -> None:
    """Check recipe files and list every problem at once; exit 1 if any.

    Each problem names the file, the key, the value, the valid choices and the nearest
    match. A file this accepts is one that tabulate --recipes-dir accepts.
    """
    try:
        problems = api.validate_recipes(files)
    except CensusmigError as error:
        raise fail(error) from None
    _print_problems(problems, len(files), as_json)


@recipes_app.command("new")
def recipes_new(
    new_id: Annotated[
        str,
        typer.Argument(
            metavar="NEW_ID",
            help="Id of the new recipe: lower-case letters, digits and underscores.",
        ),
    ],
    from_id: Annotated[
        str,
        typer.Option("--from", metavar="ID", help="Id of the recipe to copy."),
    ],
    recipes_dir: Annotated[
        Path,
        typer.Option(
            "--recipes-dir",
            metavar="DIR",
            help="Folder to write NEW_ID.toml in (created when missing).",
        ),
    ] = Path("my_recipes"),
    force: Annotated[
        bool, typer.Option("--force", help="Replace DIR/NEW_ID.toml if it exists.")
    ] = False,
) -> None:
    """Copy recipe EXISTING_ID to DIR/NEW_ID.toml to start a custom table.

    The copy keeps the comments, with its id set to NEW_ID and a header saying where it
    came from. Prints the file written; run it with tabulate --recipes-dir DIR --recipe NEW_ID.
    """
    try:
        path = api.new_recipe(new_id, from_id, recipes_dir, force=force, note=_note)
    except CensusmigError as error:
        raise fail(error) from None
    typer.echo(str(path))
    status(f"Recipe {new_id} written: edit it, then check it with 'censusmig recipes validate'.")


@profile_app.command("validate")
@reads_data
def profile_validate(
    profile: Annotated[Path, typer.Argument(metavar="PROFILE", help="Profile TOML file to check.")],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            metavar="DATA",
            help="Data file the profile describes: check that the columns it names exist "
            "(only the header is read).",
        ),
    ] = None,
    as_json: AsJson = False,
    *,
    read_options: ReadOptions,
) -> None:
    """Check PROFILE and list every problem at once; exit 1 if any.

    Draft placeholders (REVIEW) that tabulate would refuse are problems too. With --data,
    so is every column the profile names that DATA lacks, with the nearest column.
    """
    try:
        problems = api.validate_profile(profile, data, read_options=read_options)
    except CensusmigError as error:
        raise fail(error) from None
    _print_problems(problems, 1 + (data is not None), as_json)


DEBUG_VARIABLE = "CENSUSMIG_DEBUG"
"""Environment variable that, set to 1, prints the traceback of an internal error."""

EXIT_INTERRUPTED = 128 + signal.SIGINT
"""Exit code of a run stopped by Ctrl-C (SIGINT), as shells report it: 130."""
EXIT_TERMINATED = 128 + signal.SIGTERM
"""Exit code of a run stopped by SIGTERM, as shells report it: 143."""


class Stopped(SystemExit):
    """A signal (SIGINT, SIGTERM) asked the run to stop; raised where the program is.

    An exception, so that every ``finally`` block and context manager on the way out runs
    (temporary folders removed, partial outputs discarded). A :class:`SystemExit`, so that no
    ``except Exception`` on the way swallows it; its code is 128 + the signal's number.

    Attributes:
        signal_name: What stopped the run, in words ("interrupted", "terminated").
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signal_name = "interrupted" if signum == signal.SIGINT else "terminated"


def _stop(signum: int, frame: FrameType | None) -> None:
    # A second signal while the first one's cleanups run stops at once.
    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, signal.SIG_DFL)
    raise Stopped(signum)


def _stop_on_signals() -> None:
    """Make SIGINT and SIGTERM raise :class:`Stopped` in the main thread.

    A signal the parent process ignores (``nohup``, a background job's SIGINT) stays ignored.
    """
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _stop)


def _command_name(args: list[str]) -> str:
    """The command a command line runs (``tabulate``, ``profile init``), for messages."""
    words = [arg for arg in args if not arg.startswith("-")]
    groups = {"recipes", "profile"}
    if not words:
        return "censusmig"
    return " ".join(words[:2]) if words[0] in groups else words[0]


def internal_error(error: BaseException, command: str) -> int:
    """Tell an exception that is not a :class:`CensusmigError` as a bug; return the exit code.

    One line on stderr with the exception's type and the command, never its message (which
    may quote data values); the traceback only when ``CENSUSMIG_DEBUG=1`` asks for it.

    Args:
        error: The exception no command caught.
        command: The command that was running.

    Returns:
        The exit code: 2, could not run.
    """
    if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
        import traceback

        traceback.print_exception(error)
    sys.stderr.write(
        f"censusmig: internal error ({type(error).__name__}) while running {command}; this is "
        "a bug: please report it with the command you ran (set CENSUSMIG_DEBUG=1 to see the "
        "traceback)\n"
    )
    return EXIT_CANNOT_RUN


def _fewer_collections() -> None:
    """Spare the run Python's cyclic garbage collections over objects that live to the end.

    The modules and classes imported so far are frozen out of the collector's scans, and the
    youngest generation is collected after 50,000 new objects rather than 700: writing the
    workbook creates tens of thousands of cell objects that are all kept until it is saved,
    and repeated scans of them cost about 0.1 s of a run (issue 13). Only the command line
    does this; the process is its own.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def run() -> None:
    """Run the command line: the last resort for whatever no command caught.

    A :class:`CensusmigError` is printed as the commands print theirs. Ctrl-C (SIGINT) and
    SIGTERM become :class:`Stopped` where the program is, so cleanups run, and exit 130 and
    143 with one word on stderr. Any other exception, MemoryError and RecursionError included,
    is an internal error (:func:`internal_error`): exit 2, no traceback, no data values.
    """
    command = _command_name(sys.argv[1:])
    _stop_on_signals()
    _fewer_collections()
    try:
        app()
    except CensusmigError as error:  # commands catch their own; this is the safety net
        sys.exit(fail(error).exit_code)
    except Stopped as stopped:
        sys.stderr.write(f"censusmig: {stopped.signal_name}\n")
        sys.exit(stopped.code)
    except KeyboardInterrupt:
        sys.stderr.write("censusmig: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as error:  # noqa: BLE001 - the last resort: a bug, told without data
        sys.exit(internal_error(error, command))
