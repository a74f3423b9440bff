"""The publishable HTML report: headline figures, charts, glossary, title page, print panels.

Pure pieces are tested on their own (column panels, glossary look-up); the figures and charts
on the sample census's published tables, with a suppressed cell put in by hand; one small
table's rendered HTML against a golden snapshot; and a table too wide for a page printed by
Chromium, whose PDF must hold every column.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tomllib
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.dimensions.coding import Dimension
from censusmig.recipes.model import TableLayout
from censusmig.renderers import report
from censusmig.renderers.charts import arrivals, charts, pyramid, top_countries
from censusmig.renderers.glossary import GLOSSARY, cited, short_name
from censusmig.renderers.headlines import headlines
from censusmig.renderers.quality import QualitySection
from censusmig.tables.table import Accounting, Table
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE

GOLDEN = ROOT / "tests" / "golden" / "report_small_table.html"
CHART_TABLES = (
    "nativity_age_sex",
    "foreign_born_country_of_birth_age_sex",
    "foreign_born_period_of_arrival_country_of_birth",
    "citizenship_status_age_sex",
)


@pytest.fixture(scope="module")
def published() -> tuple[Table, ...]:
    return api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, recipes=CHART_TABLES).tables


def by_id(tables: tuple[Table, ...], recipe_id: str) -> Table:
    return next(t for t in tables if t.recipe_id == recipe_id)


def cell(table: Table, **codes: str) -> float:
    condition = pl.all_horizontal(pl.col(c) == codes.get(c, "_T") for c in table.level_columns)
    return float(table.cells.filter(condition)["value"][0])


def withhold(table: Table, **codes: str) -> Table:
    """The table with one cell withheld as a protection step does it (value null, flag x)."""
    hit = pl.all_horizontal(pl.col(c) == codes.get(c, "_T") for c in table.level_columns)
    cells = table.cells.with_columns(
        pl.when(hit).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(hit).then(pl.lit("x")).otherwise(None).alias("flag"),
    )
    return replace(table, cells=cells)


# -- glossary -----------------------------------------------------------------------------------


def test_every_standard_a_recipe_cites_is_in_the_glossary() -> None:
    lines = [
        line
        for path in sorted((ROOT / "recipes").glob("*.toml"))
        for line in tomllib.loads(path.read_text(encoding="utf-8")).get("standard", [])
    ]
    assert lines
    assert [line for line in lines if short_name(line) is None] == []
    assert {"DYB", "P&R Rev.3", "GCM", "EGM", "EU-2021", "M49", "ISCED 2011"} <= set(cited(lines))


def test_short_names_match_whole_words() -> None:
    assert short_name("GCM 1(e): reason for migrating") == "GCM"
    assert short_name("P&R Rev.3: core topic country of birth") == "P&R Rev.3"
    assert short_name("SDG 17.18: data disaggregated") == "SDG"
    assert short_name("DYBX: not a standard") is None
    assert list(cited(["M49: regions", "DYB: x"])) == ["DYB", "M49"]  # glossary order
    assert all(title and name not in ("", title) for name, title in GLOSSARY.items())


# -- headline figures ---------------------------------------------------------------------------


def test_headlines_come_from_the_published_tables(published: tuple[Table, ...]) -> None:
    nativity = by_id(published, "nativity_age_sex")
    figures = {h.label: h for h in headlines(published)}
    total = figures["Usually resident population"]
    assert total.value == f"{cell(nativity):,.0f}" and total.table_id == "nativity_age_sex"
    assert total.table_number == 1
    foreign = figures["Foreign-born population"]
    share = 100 * cell(nativity, nativity="foreign_born") / cell(nativity)
    assert foreign.value == f"{cell(nativity, nativity='foreign_born'):,.0f}"
    assert foreign.share == f"{share:.1f}% of the usually resident population"
    citizenship = by_id(published, "citizenship_status_age_sex")
    non_citizens = cell(citizenship, citizenship_status="foreign_citizen") + cell(
        citizenship, citizenship_status="stateless"
    )
    assert figures["Non-citizens (foreign citizens and stateless)"].value == f"{non_citizens:,.0f}"
    arrivals_table = by_id(published, "foreign_born_period_of_arrival_country_of_birth")
    recent = cell(arrivals_table, period_of_arrival="Y_LT1") + cell(
        arrivals_table, period_of_arrival="Y1T4"
    )
    label = "Foreign-born who arrived less than 5 years before the census"
    assert figures[label].value == f"{recent:,.0f}" and figures[label].table_number == 3
    # Tables that did not run give no figure.
    assert "Persons who lived abroad five years before the census" not in figures


def test_a_withheld_cell_gives_no_figure_and_the_next_table_is_asked(
    published: tuple[Table, ...],
) -> None:
    nativity = withhold(by_id(published, "nativity_age_sex"))  # the grand total
    tables = tuple(nativity if t.recipe_id == "nativity_age_sex" else t for t in published)
    figures = {h.label: h for h in headlines(tables)}
    assert figures["Usually resident population"].table_id == "citizenship_status_age_sex"
    # The foreign-born count is published, its share of a withheld total is not.
    assert figures["Foreign-born population"].share is None
    hidden = withhold(nativity, nativity="foreign_born")
    tables = tuple(hidden if t.recipe_id == "nativity_age_sex" else t for t in published)
    assert "Foreign-born population" not in {h.label for h in headlines(tables)}


# -- charts -------------------------------------------------------------------------------------


def test_the_charts_carry_a_text_alternative_and_the_published_numbers(
    published: tuple[Table, ...],
) -> None:
    drawn = charts(published)
    assert [c.id for c in drawn] == ["chart-pyramid", "chart-countries", "chart-arrivals"]
    for chart in drawn:
        assert chart.svg.startswith("<svg ") and 'role="img"' in chart.svg
        assert f'<title id="{chart.id}-svg-title">' in chart.svg
        assert f'<desc id="{chart.id}-svg-desc">' in chart.svg
        assert "<script" not in chart.svg and "href" not in chart.svg
    nativity = by_id(published, "nativity_age_sex")
    ages = drawn[0].data
    assert ages.headers[1:] == (
        "Male, Native-born",
        "Male, Foreign-born",
        "Female, Native-born",
        "Female, Foreign-born",
    )
    first = cell(nativity, age_group="Y0T4", sex="F", nativity="foreign_born")
    assert ages.rows[0][0] == "0-4" and ages.rows[0][4] == f"{first:,.0f}"
    assert drawn[0].svg.count("<rect ") == 4 * len(ages.rows) + 2  # bars + legend swatches
    countries = drawn[1].data.rows
    values = [int(v.replace(",", "")) for _, v in countries]
    assert len(countries) == 10 and values == sorted(values, reverse=True)
    periods = [row[0] for row in drawn[2].data.rows]
    assert periods[0] == "Less than 1 year" and "Not stated" not in periods
    assert "not stated: " in drawn[2].summary


def test_a_withheld_cell_is_not_drawn(published: tuple[Table, ...]) -> None:
    nativity = by_id(published, "nativity_age_sex")
    hidden = withhold(nativity, age_group="Y0T4", sex="M", nativity="native_born")
    chart = pyramid(hidden, 1)
    assert chart is not None
    assert chart.data.rows[0][1] == "x"
    assert chart.svg.count("<rect ") == 4 * len(chart.data.rows) + 2 - 1
    value = cell(nativity, age_group="Y0T4", sex="M", nativity="native_born")
    assert f">{value:,.0f}<" not in chart.svg
    origin = by_id(published, "foreign_born_country_of_birth_age_sex")
    largest = top_countries(origin, 2)
    assert largest is not None
    name = largest.data.rows[0][0]
    code = origin.cells.filter(pl.col("country_of_birth_label") == name)["country_of_birth"][0]
    region = origin.cells.filter(pl.col("country_of_birth") == code)["region_of_birth"][0]
    again = top_countries(withhold(origin, region_of_birth=region, country_of_birth=code), 2)
    assert again is not None and name not in [row[0] for row in again.data.rows]
    assert "1 countries whose counts are withheld (x) are not ranked" in again.summary
    period = by_id(published, "foreign_born_period_of_arrival_country_of_birth")
    late = arrivals(withhold(period, period_of_arrival="Y_LT1"), 3)
    assert late is not None and late.data.rows[0] == ("Less than 1 year", "x")


def test_charts_are_left_out_when_their_table_did_not_run(published: tuple[Table, ...]) -> None:
    only = tuple(t for t in published if t.recipe_id == "citizenship_status_age_sex")
    assert charts(only) == []


# -- print panels -------------------------------------------------------------------------------


def test_column_panels_fit_the_page_and_break_at_spanners() -> None:
    widths = [10.0] * 12
    assert report.column_panels(widths, [4, 4, 4], 200) == [(0, 12)]
    assert report.column_panels(widths, [4, 4, 4], 80) == [(0, 8), (8, 12)]
    assert report.column_panels(widths, [4, 4, 4], 50) == [(0, 4), (4, 8), (8, 12)]
    # A group wider than a page is split inside.
    assert report.column_panels(widths, [12], 50) == [(0, 5), (5, 10), (10, 12)]
    # A column wider than the page still gets a panel of its own.
    assert report.column_panels([100.0, 10.0], [1, 1], 50) == [(0, 1), (1, 2)]


def small_table(columns: int = 2, labels: tuple[str, ...] = ("Male", "Female")) -> Table:
    """A hand-made table: age down, one column dimension across."""
    ages = [("_T", "Total, all ages"), ("Y0T14", "0-14"), ("Y_GE15", "15+")]
    sexes = [("_T", "Total")] + [(f"C{i:02d}", labels[i]) for i in range(columns)]
    rows = [
        {
            "age_group": a,
            "age_group_label": al,
            "sex": s,
            "sex_label": sl,
            "value": float(1000 * (3 - i) + 7 * j) if a != "Y0T14" or j != 1 else 0.0,
        }
        for i, (a, al) in enumerate(ages)
        for j, (s, sl) in enumerate(sexes)
    ]
    return Table(
        recipe_id="small_table",
        title="Population by age & sex",
        description="",
        universe_label="Usually resident population",
        standard=("DYB: population by age and sex", "Own rule"),
        rows=(Dimension("age_group", "Age (years)", ("age_group",)),),
        columns=(Dimension("sex", "Sex", ("sex",)),),
        cells=pl.DataFrame(rows),
        notes=("A note.",),
        source="Source: a test.",
        weighted=False,
        accounting=Accounting(universe=1, weighted_universe=1.0, inner_cells_total=1),
    )


def write(path: Path, tables: tuple[Table, ...], **extra: object) -> str:
    report.write_report(
        tables,
        path,
        census_name="Test census",
        reference_date=dt.date(2025, 3, 15),
        residence_rule_months=12,
        version="0.0.0",
        quality=[
            QualitySection(
                "Record accounting by table", ("Table", "Universe (records)"), (("T", 12345),)
            )
        ],
        **extra,  # type: ignore[arg-type]
    )
    return path.read_text(encoding="utf-8")


def test_one_table_renders_as_its_golden_snapshot(tmp_path: Path) -> None:
    html = write(tmp_path / "report.html", (small_table(),))
    section = html.split('<section id="small_table"', 1)[1].split("</section>", 1)[0]
    piece = '<section id="small_table"' + section + "</section>\n"
    if os.environ.get("CENSUSMIG_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(piece, encoding="utf-8")
    assert piece == GOLDEN.read_text(encoding="utf-8")
    assert write(tmp_path / "again.html", (small_table(),)) == html  # same inputs, same bytes


def test_the_title_page_names_release_publisher_and_contact(tmp_path: Path) -> None:
    html = write(
        tmp_path / "report.html",
        (small_table(),),
        publisher="National Statistics Office",
        contact="census@example.org",
        release_date=dt.date(2026, 6, 30),
    )
    assert "<dt>Release date</dt><dd>30 June 2026</dd>" in html
    assert "<dt>Publisher</dt><dd>National Statistics Office</dd>" in html
    assert '<a href="mailto:census@example.org">census@example.org</a>' in html
    assert "<dd>15 March 2025</dd>" in html
    bare = write(tmp_path / "bare.html", (small_table(),))
    assert "Release date" not in bare and "Publisher" not in bare and "Contact" not in bare
    # The glossary lists what the tables cite, and the standards line links to it.
    assert '<dt id="std-dyb">DYB</dt>' in bare and "M49" not in bare.split('id="glossary"')[1]
    assert '<a href="#std-dyb">DYB: population by age and sex</a>; Own rule.' in bare
    # Data quality: numbers with separators, right-aligned; text left-aligned.
    assert '<td class="num">12,345</td>' in bare


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PDFTOTEXT = shutil.which("pdftotext")


def test_a_table_wider_than_a_page_prints_every_column(tmp_path: Path) -> None:
    if not (Path(CHROMIUM).is_file() and PDFTOTEXT):
        if os.environ.get("CENSUSMIG_REQUIRE_REAL_APPS") == "1":
            pytest.fail("chromium and pdftotext are required here")
        pytest.skip("chromium or pdftotext not installed")
    labels = tuple(f"Column{i:02d}" for i in range(40))
    # A recipe may state a layout wider than the automatic rule would choose.
    wide = replace(small_table(40, labels), layout=TableLayout(("age_group",), ("sex",)))
    html = write(tmp_path / "wide.html", (wide,))
    assert html.count('class="print-panels"') == 1
    pdf = tmp_path / "wide.pdf"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", (tmp_path / "wide.html").as_uri()],
        capture_output=True, timeout=180, check=True,
    )  # fmt: skip
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    printed = set(re.findall(r"Column\d\d", text))
    assert printed == set(labels)
    # Each panel repeats the stub: every age label appears once per panel.
    panels = len(re.findall(r"\(part \d of \d: columns", html))
    assert panels >= 3 and text.count("Total, all ages") == panels
