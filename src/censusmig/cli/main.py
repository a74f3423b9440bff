"""The ``censusmig`` command.

Results go to stdout, status and diagnostics to stderr (``--quiet`` hides status only).
Exit codes: 0 ok, 1 ran but found problems, 2 could not run.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from censusmig import __version__, api
from censusmig.concepts import DIMENSIONS
from censusmig.errors import EXIT_CANNOT_RUN, EXIT_PROBLEMS, CensusmigError

app = typer.Typer(
    name="censusmig",
    help="Census and survey microdata to the recommended tables on international migration.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
recipes_app = typer.Typer(help="List and explain the table recipes.", no_args_is_help=True)
app.add_typer(recipes_app, name="recipes")

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class _State:
    quiet = False


def status(message: str) -> None:
    """Print a status line on stderr unless ``--quiet``."""
    if not _State.quiet:
        stderr.print(message, markup=False)


def fail(error: CensusmigError) -> typer.Exit:
    """Print an error on stderr and return the exit to raise."""
    stderr.print(f"censusmig: error: {error}", markup=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"censusmig {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Hide status messages (errors still show).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Census and survey microdata to the recommended tables on international migration."""
    _State.quiet = quiet


@app.command()
def tabulate(
    data: Annotated[Path, typer.Argument(help="Person file: .csv or .parquet.")],
    profile: Annotated[
        Path, typer.Option("--profile", "-p", help="Profile TOML mapping columns to concepts.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    recipe: Annotated[
        list[str] | None,
        typer.Option("--recipe", "-r", help="Recipe id to run (repeatable); default: all."),
    ] = None,
    recipes_dir: Annotated[
        list[Path] | None,
        typer.Option("--recipes-dir", help="Folder of extra recipes (repeatable)."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="Outputs besides run.json: xlsx,html,csv.")
    ] = "xlsx,html,csv",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the run manifest as JSON on stdout.")
    ] = False,
    batch_rows: Annotated[
        int | None,
        typer.Option(
            "--batch-rows",
            help="Read the data in slices of N records (bounded memory). Default: Parquet "
            "files above 5,000,000 records are read in slices of that size.",
        ),
    ] = None,
) -> None:
    """Compute the migration tables of DATA and write them to OUT.

    Writes OUT/csv/<recipe>.csv (tidy), OUT/tables.xlsx, OUT/report.html and OUT/run.json.
    Recipes the profile cannot serve are skipped with a reason on stderr.
    """
    try:
        formats = api.parse_formats(output_format)
        status(f"Tabulating {data} with profile {profile} ...")
        run = api.tabulate(
            data,
            profile,
            out=out,
            recipes=recipe or (),
            recipes_dirs=recipes_dir or (),
            formats=formats,
            command=["censusmig", *sys.argv[1:]],
            batch_rows=batch_rows,
        )
    except CensusmigError as error:
        raise fail(error) from None
    for skipped in run.skipped:
        stderr.print(f"skipped {skipped.recipe_id}: {skipped.reason}", markup=False)
    if as_json:
        typer.echo(json.dumps(run.manifest, indent=2, ensure_ascii=False))
    else:
        for path in run.outputs:
            typer.echo(str(path))
    status(
        f"{len(run.tables)} table(s) from {run.manifest['input']['records']:,} records"
        f" in {run.manifest['timings_seconds']['total']:.2f} s; outputs in {out}"
    )
    if not run.reconciles:
        stderr.print("censusmig: record accounting does not reconcile; see run.json", markup=False)
        raise typer.Exit(EXIT_PROBLEMS)


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: .csv or .parquet.")],
    persons: Annotated[int, typer.Option("--persons", "-n", help="Number of persons.")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same file).")] = 2025,
) -> None:
    """Generate the synthetic census of Quetzalia (a fictional country) for training and tests."""
    try:
        status(f"Generating {persons:,} persons (seed {seed}) ...")
        path = api.write_sample(persons, seed, out)
    except CensusmigError as error:
        raise fail(error) from None
    typer.echo(str(path))


@recipes_app.command("list")
def recipes_list(
    recipes_dir: Annotated[
        list[Path] | None, typer.Option("--recipes-dir", help="Folder of extra recipes.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
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


@recipes_app.command("show")
def recipes_show(
    recipe_id: Annotated[str, typer.Argument(help="Recipe id, e.g. nativity_age_sex.")],
    recipes_dir: Annotated[
        list[Path] | None, typer.Option("--recipes-dir", help="Folder of extra recipes.")
    ] = None,
) -> None:
    """Explain a recipe in plain words: who is counted, by what, and from which standard."""
    try:
        recipe = api.get_recipe(recipe_id, recipes_dir or ())
    except CensusmigError as error:
        raise fail(error) from None
    typer.echo(_explain(recipe))


def _explain(recipe: Any) -> str:
    def words(names: tuple[str, ...]) -> str:
        return ", then ".join(f"{name} ({DIMENSIONS[name].description})" for name in names)

    universe = "; ".join(str(c) for c in recipe.universe) or "everyone"
    lines = [
        recipe.title,
        "=" * len(recipe.title),
        textwrap.fill(" ".join(recipe.description.split()), 88),
        "",
        f"Who is counted: {recipe.universe_label} (condition: {universe}).",
        f"Rows: {words(recipe.rows)}.",
        f"Columns: {words(recipe.columns)}.",
        "Every table carries its totals (code _T), not stated (_U) and unknown codes (_X).",
        f"Needs these concepts in the profile: {', '.join(recipe.requires())}.",
        "Standards: " + "; ".join(recipe.standard) + ".",
    ]
    for name, categories in recipe.categories.items():
        labels = ", ".join(category.label for category in categories.categories)
        lines.append(f"Categories of {name} redefined: {labels}.")
    for name, top in recipe.top.items():
        lines.append(f"Only the {top} largest {name} categories are listed; the rest as other.")
    if recipe.percent_of:
        lines.append(f"Also as percentages of the total over {', '.join(recipe.percent_of)}.")
    lines += [f"Note: {note}" for note in recipe.notes]
    lines.append(f"File: {recipe.path}")
    return "\n".join(lines)


def run() -> None:
    """Run the command line, turning usage errors into exit code 2."""
    try:
        app()
    except CensusmigError as error:  # pragma: no cover - commands catch their own
        stderr.print(f"censusmig: error: {error}", markup=False)
        sys.exit(EXIT_CANNOT_RUN)
