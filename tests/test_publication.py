"""The protection gate, the run record and the renderer registry.

A protection that blanks one cell must leave no trace of its value in any output; the run
record and the data-quality rows take their counts from the publication; every renderer is
found by name in the registry, and a new format needs a module and one entry.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import polars as pl
import pytest
import typer
from openpyxl import load_workbook

from censusmig import api
from censusmig.cli.main import app
from censusmig.errors import CensusmigError
from censusmig.protection import Computed, Publication
from censusmig.protection.record import RunRecord
from censusmig.renderers import registry
from censusmig.renderers.registry import FORMATS, REGISTRY, OutputFormat, format_help
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

BLANKED = "nativity_age_sex"
MARKER = 12_345
"""Records the test protection writes in the blanked table's internal accounting: a run record
that read the accounting instead of the published cells would show it."""
INTERNAL = "record_key_sum"


def _grand(table_levels: tuple[str, ...]) -> pl.Expr:
    return pl.all_horizontal(pl.col(c) == "_T" for c in table_levels)


class BlankGrandTotal:
    """A trivial protection: suppress the grand total of one table (value null, flag "x"),
    and one inner cell with it, so that the inner cells do not add up to the total either.

    It also writes MARKER records in that table's accounting, and every table carries an
    internal column, as future engines' replicate and record-key sums will.
    """

    def __init__(self) -> None:
        self.true_total: int | None = None

    def __call__(self, computed: Computed) -> Computed:
        tables = []
        for table in computed.result.tables:
            cells = table.cells.with_columns(pl.lit(7).alias(INTERNAL))
            accounting = table.accounting
            if table.recipe_id == BLANKED:
                grand = _grand(table.level_columns)
                inner = pl.all_horizontal(pl.col(c) != "_T" for c in table.level_columns)
                first_inner = inner & (pl.int_range(pl.len()) == pl.arg_where(inner).first())
                blanked = grand | first_inner
                self.true_total = int(cells.filter(grand)["n_unweighted"][0])
                assert "percent" not in cells.columns  # derived after the gate, from published
                cells = cells.with_columns(
                    *(
                        pl.when(blanked).then(None).otherwise(pl.col(m)).alias(m)
                        for m in ("value", "n_unweighted")
                    ),
                    pl.when(blanked).then(pl.lit("x")).otherwise(None).alias("flag"),
                )
                accounting = replace(accounting, universe=MARKER, inner_cells_total=MARKER)
            tables.append(replace(table, cells=cells, accounting=accounting))
        return replace(computed, result=replace(computed.result, tables=tuple(tables)))


@pytest.fixture(scope="module")
def blanked(tmp_path_factory: pytest.TempPathFactory) -> tuple[api.Tabulation, Path, int]:
    out = tmp_path_factory.mktemp("blanked")
    protection = BlankGrandTotal()
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        out=out,
        recipes=(BLANKED, "generation_age_sex"),
        protection=protection,
    )
    assert protection.true_total is not None
    return run, out, protection.true_total


def test_the_blanked_cell_is_in_no_tidy_csv(blanked: tuple[api.Tabulation, Path, int]) -> None:
    run, out, true_total = blanked
    assert true_total == 20_000  # the sample's universe: a number worth hiding in this test
    cells = pl.read_csv(out / "csv" / f"{BLANKED}.csv", infer_schema_length=0)
    assert INTERNAL not in cells.columns
    levels = [c for c in run.tables[0].level_columns]
    row = cells.filter(_grand(tuple(levels)))
    assert row["flag"].to_list() == ["x"]
    assert row.select("value", "n_unweighted", "percent").row(0) == (None, None, None)
    assert str(true_total) not in row.row(0)
    # Percentages of the withheld total are withheld too: no value can be worked back from them.
    shares = cells.filter(
        pl.col("age_group") == "_T", pl.col("sex") == "_T", pl.col("nativity") != "_T"
    )
    assert shares["value"].null_count() == 0 and shares["percent"].null_count() == shares.height
    other = pl.read_csv(out / "csv" / "generation_age_sex.csv", infer_schema_length=0)
    assert INTERNAL not in other.columns and "flag" not in other.columns
    assert all(INTERNAL not in table.cells.columns for table in run.tables)


def test_the_blanked_cell_shows_x_in_the_workbook(
    blanked: tuple[api.Tabulation, Path, int],
) -> None:
    _, out, true_total = blanked
    book = load_workbook(out / "tables.xlsx")
    counts, percent = book["1 Nativity age sex"], book["1 Percent nativity age sex"]
    assert counts["A1"].value == f"Table 1: {api.get_recipe(BLANKED).title}"
    totals = [
        row
        for sheet in (counts, percent)
        for row in sheet.iter_rows(values_only=True)
        if row[:2] == ("Both sexes", "Total, all ages")  # sex laid out as blocks of rows
    ]
    assert len(totals) == 2  # counts and percent
    assert [row[2] for row in totals] == ["x", "x"]
    assert all(true_total not in row for row in totals)
    legend = (
        "Symbols: - magnitude zero; .. not available; x not published, to protect "
        "confidentiality (SDMX CONF_STATUS = C)."
    )
    assert legend in [row[0] for row in counts.iter_rows(values_only=True)]
    assert "Symbols: - magnitude zero; .. not available." in [
        row[0] for row in book["2 Generation age sex"].iter_rows(values_only=True)
    ]
    quality = {row[0]: row for row in book["Data quality"].iter_rows(values_only=True)}
    assert quality[api.get_recipe(BLANKED).title][1:3] == ("x", "x")
    generation = api.get_recipe("generation_age_sex").title
    assert quality[generation][1:3] == (true_total, true_total)


def test_the_blanked_cell_shows_x_in_the_report(
    blanked: tuple[api.Tabulation, Path, int],
) -> None:
    _, out, true_total = blanked
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html.split(f'<section id="{BLANKED}"', 1)[1].split("</section>", 1)[0]
    # The screen tables (print panels repeat their rows, column by column).
    section = re.sub(r'<div class="print-panels">.*?</div>\n', "", section, flags=re.S)
    rows = re.findall(
        r'<th scope="row">Both sexes</th><th scope="row">Total, all ages</th>\n(.*)\n</tr>',
        section,
    )
    assert len(rows) == 2  # counts and percent
    assert [row.split("</td>")[0] for row in rows] == ["<td>x", "<td>x"]
    assert all(f"<td>{true_total:,}</td>" not in row for row in rows)
    assert "<p>Symbols: - magnitude zero; .. not available; x not published" in section
    quality = html.split('id="data-quality"', 1)[1]
    title = api.get_recipe(BLANKED).title
    withheld = '<td class="num">x</td>'  # where the count would be, aligned as one
    assert f'<th scope="row">{title}</th>{withheld}{withheld}' in quality
    assert str(MARKER) not in html


def test_the_run_record_counts_come_from_the_publication(
    blanked: tuple[api.Tabulation, Path, int],
) -> None:
    run, out, _ = blanked
    record = json.loads((out / "run.json").read_text())
    entry = record["tables"][0]
    assert entry["grand_total_records"] is None
    assert entry["universe_records"] is entry["inner_cells_records"] is None
    assert entry["universe_weighted"] is None
    assert MARKER not in entry.values()
    other = record["tables"][1]
    assert other["grand_total_records"] == other["universe_records"] == 20_000  # not blanked
    assert other["inner_cells_records"] == 20_000
    assert run.manifest == {**record, "timings_seconds": run.manifest["timings_seconds"]}
    assert run.reconciles


def test_the_run_record_reads_back_from_run_json(
    blanked: tuple[api.Tabulation, Path, int],
) -> None:
    run, out, _ = blanked
    data = json.loads((out / "run.json").read_text())
    again = RunRecord.from_dict(data)
    assert "timings_seconds" not in data  # same inputs, same bytes: the timings are in --json
    assert again.to_dict() == {**data, "timings_seconds": {}}
    assert again == replace(run.record, timings_seconds={})


def test_the_run_record_keeps_the_keys_and_order_of_run_json(
    blanked: tuple[api.Tabulation, Path, int],
) -> None:
    record = blanked[0].manifest
    assert list(record) == [
        "censusmig_version", "command", "input", "profile", "census", "recipes", "skipped",
        "tables", "unknown_codes", "weight_problems", "edit_checks", "timings_seconds",
    ]  # fmt: skip
    assert list(record["input"]) == ["path", "size_bytes", "sha256", "records", "weighted_records"]
    assert list(record["census"]) == [
        "name", "country", "reference_date", "residence_rule_months", "weight",
        "publisher", "contact", "release_date",  # the sample profile's [publication]
    ]  # fmt: skip
    assert list(record["tables"][0]) == [
        "id", "universe", "universe_records", "universe_weighted", "inner_cells_records",
        "grand_total_records", "reconciles", "not_stated_records", "unknown_code_records",
        "cells",
    ]  # fmt: skip
    assert list(record["edit_checks"]) == ["records", "problems", "results"]


SPY = """
from pathlib import Path

SEEN = []


def render(publication, out: Path) -> tuple[Path, ...]:
    SEEN.append(publication)
    path = out / "cells.txt"
    path.write_text("".join(f"{t.recipe_id} {t.cells.height}\\n" for t in publication.tables))
    return (path,)
"""


def test_a_new_format_is_a_module_and_one_registry_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "spy_format.py").write_text(textwrap.dedent(SPY))
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = OutputFormat("txt", "cell counts, one line per table", "spy_format")
    monkeypatch.setattr(registry, "REGISTRY", MappingProxyType({**REGISTRY, "txt": entry}))
    assert registry.parse_formats("txt,csv") == ("txt", "csv")
    protection = BlankGrandTotal()
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        out=tmp_path / "out",
        recipes=(BLANKED,),
        formats=("txt",),
        edit_checks=False,
        protection=protection,
    )
    import spy_format  # type: ignore[import-not-found]

    (seen,) = spy_format.SEEN
    assert isinstance(seen, Publication)
    assert run.outputs == (tmp_path / "out" / "cells.txt", tmp_path / "out" / "run.json")
    cells = seen.tables[0].cells
    assert INTERNAL not in cells.columns
    grand = cells.filter(_grand(seen.tables[0].level_columns))
    assert grand["value"].to_list() == [None] and grand["flag"].to_list() == ["x"]
    assert seen.record.tables[0].grand_total_records is None


def test_tabulate_takes_the_formats_as_one_string(tmp_path: Path) -> None:
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        out=tmp_path,
        recipes=(BLANKED,),
        formats="csv, html",
        edit_checks=False,
    )
    assert [path.name for path in run.outputs] == [f"{BLANKED}.csv", "report.html", "run.json"]


def test_formats_help_and_errors_come_from_the_registry() -> None:
    assert FORMATS == tuple(REGISTRY) == api.FORMATS
    for entry in REGISTRY.values():
        assert f"{entry.name}: {entry.description}" in format_help()
    with pytest.raises(CensusmigError, match=r"'xlsx'\? Valid: csv, xlsx, html\.$"):
        api.parse_formats("xlx")
    with pytest.raises(CensusmigError, match="unknown output format 'pdf'"):
        api.tabulate("nowhere.parquet", SAMPLE_PROFILE, out=".", formats=("pdf",))
    with pytest.raises(CensusmigError, match=r"unknown output format 'cvs'.*'csv'\?"):
        api.tabulate("nowhere.parquet", SAMPLE_PROFILE, out=".", formats="cvs")
    command = typer.main.get_command(app)
    tabulate = command.commands["tabulate"]  # type: ignore[attr-defined]
    option = next(p for p in tabulate.params if p.name == "output_format")
    assert option.help == format_help() and option.default == ",".join(FORMATS)


def test_the_registry_imports_no_renderer_library() -> None:
    code = (
        "import sys, censusmig.renderers.registry as r\n"
        "print(sorted(m for m in ('openpyxl', 'jinja2', 'polars') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"


def test_a_protection_that_drops_cells_is_refused(tmp_path: Path) -> None:
    def drop_first(computed: Computed) -> Computed:
        tables = tuple(replace(t, cells=t.cells.slice(1)) for t in computed.result.tables)
        return replace(computed, result=replace(computed.result, tables=tables))

    with pytest.raises(CensusmigError, match=f"changed the cells of table '{BLANKED}'"):
        api.tabulate(
            SAMPLE_DIR / "census.parquet",
            SAMPLE_PROFILE,
            out=tmp_path / "out",
            recipes=(BLANKED,),
            edit_checks=False,
            protection=drop_first,
        )
    assert not (tmp_path / "out").exists()
