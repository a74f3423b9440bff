"""Rendering a protected publication: every artefact shows what was published, and says how.

The protection here is built by hand (a stand-in for the methods of censusmig.protection):
it goes through the real gate (``api.tabulate(..., protection=...)``) and suppresses cells of
one table, rounds another to base 3, perturbs a third, and leaves a fourth as computed. The
cells it suppresses first get distinctive sentinel values (as if the engine had computed
them), its accounting and the run-level counts it withholds carry sentinels too: no tidy CSV,
workbook cell, report text or run.json may contain any of them.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from censusmig import api
from censusmig.classifications.codes import TOTAL
from censusmig.protection import Computed
from censusmig.protection.record import ProtectionSummary, RunRecord, TableEntry
from censusmig.renderers.formatting import CONFIDENTIAL_MEANING, symbols
from censusmig.renderers.protection_report import (
    CONFIDENTIAL_NOTE,
    METHOD_NOTES,
    ORDER_OF_OPERATIONS,
    attack_result,
    protection_notes,
    protection_report,
)
from censusmig.tables.table import CONFIDENTIAL, FLAG, DisclosureControl, Table
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

SUPPRESSED_TABLE = "nativity_age_sex"
ROUNDED_TABLE = "generation_age_sex"
PERTURBED_TABLE = "internal_lifetime_origin_destination"
PLAIN_TABLE = "reason_for_migration_sex_age"
RECIPES = (SUPPRESSED_TABLE, ROUNDED_TABLE, PERTURBED_TABLE, PLAIN_TABLE)

SENTINELS = (918_273, 827_364, 736_455)
"""Computed values of the three suppressed cells (set by the hand-built protection)."""
ACCOUNTING = 645_546
"""The suppressed table's accounting, as computed: never published."""
WITHHELD_CODES = 554_637
"""A run-level count of unknown codes, as computed: withheld (None) by the protection."""
EVERY_SENTINEL = (*SENTINELS, ACCOUNTING, WITHHELD_CODES)

SUPPRESSION = DisclosureControl(
    method="suppress",
    description="threshold rule (k = 3) with secondary suppression",
    parameters=(("threshold", "3"), ("rule", "count"), ("protection interval", "3")),
    cells=500,
    primary=2,
    secondary=1,
    margins=321,
    narrowest_interval=4.5,
    interval=3.0,
)
ROUNDING = DisclosureControl(
    method="round3",
    description="random rounding to base 3",
    parameters=(("base", "3"), ("seed", "42")),
    cells=700,
    changed=469,
    largest_change=2.0,
    largest_relative_change=66.7,
    margins=222,
    margins_not_additive=111,
    largest_additivity_gap=17.0,
)
PERTURBATION = DisclosureControl(
    method="cell-key",
    description="cell-key method, default perturbation table",
    parameters=(("ptable", "default (maximum perturbation 2)"), ("seed", "42")),
    cells=64,
    changed=31,
    largest_change=2.0,
    largest_relative_change=40.0,
    margins=16,
    margins_not_additive=9,
    largest_additivity_gap=5.0,
)


def _levels(table: Table) -> tuple[str, ...]:
    return table.level_columns


def _suppressed_cells(table: Table) -> pl.Expr:
    """The grand total, and two inner cells of the first row of inner cells."""
    levels = _levels(table)
    grand = pl.all_horizontal(pl.col(c) == TOTAL for c in levels)
    inner = pl.all_horizontal(pl.col(c) != TOTAL for c in levels)
    index = pl.int_range(pl.len())
    first_two = inner & index.is_in(pl.arg_where(inner).head(2).implode())
    return grand | first_two


class HandProtection:
    """Suppress, round, perturb by hand; withhold a run-level count."""

    def __init__(self) -> None:
        self.computed: dict[str, pl.DataFrame] = {}

    def __call__(self, computed: Computed) -> Computed:
        tables = []
        for table in computed.result.tables:
            cells = table.cells
            if table.recipe_id == SUPPRESSED_TABLE:
                chosen = _suppressed_cells(table)
                order = chosen.cast(pl.Int64).cum_sum()
                first, second, third = SENTINELS
                sentinel = pl.when(order == 1).then(first).when(order == 2).then(second)
                sentinel = sentinel.otherwise(third)
                # As computed: the sentinels in place of the chosen cells' counts.
                cells = cells.with_columns(
                    pl.when(chosen).then(sentinel).otherwise(pl.col(m)).alias(m)
                    for m in ("value", "n_unweighted")
                ).with_columns(pl.col("n_unweighted").cast(pl.Int64))
                self.computed[table.recipe_id] = cells
                cells = cells.with_columns(
                    *(
                        pl.when(chosen).then(None).otherwise(pl.col(m)).alias(m)
                        for m in ("value", "n_unweighted")
                    ),
                    pl.when(chosen).then(pl.lit(CONFIDENTIAL)).otherwise(None).alias(FLAG),
                )
                accounting = replace(
                    table.accounting, universe=ACCOUNTING, inner_cells_total=ACCOUNTING
                )
                table = replace(table, accounting=accounting, protection=SUPPRESSION)
            elif table.recipe_id == ROUNDED_TABLE:
                rounded = (pl.col("value") / 3).round() * 3
                cells = cells.with_columns(
                    rounded.cast(cells.schema["value"]).alias("value"),
                    rounded.cast(pl.Int64).alias("n_unweighted"),
                )
                table = replace(table, protection=ROUNDING)
            elif table.recipe_id == PERTURBED_TABLE:
                moved = pl.col("value") + pl.when(pl.col("value") % 2 == 1).then(1).otherwise(0)
                cells = cells.with_columns(
                    moved.cast(cells.schema["value"]).alias("value"),
                    moved.cast(pl.Int64).alias("n_unweighted"),
                )
                table = replace(table, protection=PERTURBATION)
            tables.append(replace(table, cells=cells))
        codes = {concept: dict(found) for concept, found in computed.result.unknown_codes.items()}
        codes["sex"] = {"SEX=3": None}  # type: ignore[dict-item]
        result = replace(computed.result, tables=tuple(tables), unknown_codes=codes)
        return replace(computed, result=result)


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> tuple[api.Tabulation, Path, dict]:
    out = tmp_path_factory.mktemp("protected")
    protection = HandProtection()
    # The withheld unknown-code count's computed value: planted in the computed result.
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        out=out,
        recipes=RECIPES,
        protection=lambda computed: protection(_plant(computed)),
    )
    return run, out, protection.computed


def _plant(computed: Computed) -> Computed:
    codes = {concept: dict(found) for concept, found in computed.result.unknown_codes.items()}
    codes["sex"] = {"SEX=3": WITHHELD_CODES}
    return replace(computed, result=replace(computed.result, unknown_codes=codes))


def _texts(number: int) -> tuple[str, str]:
    return str(number), f"{number:,}"


def _every_text(out: Path) -> dict[str, str]:
    """Every artefact's text: the tidy CSVs, run.json, the report and each workbook cell."""
    texts = {path.name: path.read_text(encoding="utf-8") for path in (out / "csv").glob("*.csv")}
    texts["run.json"] = (out / "run.json").read_text(encoding="utf-8")
    texts["report.html"] = (out / "report.html").read_text(encoding="utf-8")
    book = load_workbook(out / "tables.xlsx")
    for sheet in book.worksheets:
        texts[f"xlsx:{sheet.title}"] = "\n".join(
            repr(value) for row in sheet.iter_rows(values_only=True) for value in row
        )
    return texts


def test_no_artefact_holds_a_withheld_number(protected: tuple[api.Tabulation, Path, dict]) -> None:
    _, out, computed = protected
    chosen = computed[SUPPRESSED_TABLE].filter(pl.col("value").is_in(SENTINELS))
    assert chosen.height == 3  # the sentinels were computed, then suppressed
    for name, text in _every_text(out).items():
        for sentinel in EVERY_SENTINEL:
            for shown in _texts(sentinel):
                assert shown not in text, (name, sentinel)


def test_the_tidy_csvs_hold_published_values_and_the_flag(
    protected: tuple[api.Tabulation, Path, dict],
) -> None:
    run, out, _ = protected
    read = {
        recipe: pl.read_csv(out / "csv" / f"{recipe}.csv", infer_schema_length=0)
        for recipe in RECIPES
    }
    suppressed = read[SUPPRESSED_TABLE]
    flagged = suppressed.filter(pl.col(FLAG) == CONFIDENTIAL)
    assert flagged.height == 3
    assert flagged.select("value", "n_unweighted", "percent").null_count().row(0) == (3, 3, 3)
    # Rounded and perturbed: the flag column (never set), n_unweighted the published count.
    for recipe, base in ((ROUNDED_TABLE, 3), (PERTURBED_TABLE, 2)):
        cells = read[recipe]
        assert FLAG in cells.columns and cells[FLAG].null_count() == cells.height
        assert cells["value"].to_list() == cells["n_unweighted"].to_list()
        assert all(int(value) % base == 0 for value in cells["value"].to_list())
    assert FLAG not in read[PLAIN_TABLE].columns  # an unprotected table keeps its columns
    by_id = {table.recipe_id: table for table in run.tables}
    assert by_id[PLAIN_TABLE].protection is None


def test_the_workbook_shows_x_with_its_legend_and_the_protection_sheet(
    protected: tuple[api.Tabulation, Path, dict],
) -> None:
    _, out, _ = protected
    book = load_workbook(out / "tables.xlsx")
    assert book.sheetnames[-2:] == ["Protection", "Data quality"]
    sheet = book["1 Nativity age sex"]
    rows = list(sheet.iter_rows(values_only=True))
    grand = [row for row in rows if row[:2] == ("Both sexes", "Total, all ages")]
    assert [row[2] for row in grand] == [CONFIDENTIAL]
    legend = f"Symbols: - magnitude zero; .. not available; x {CONFIDENTIAL_MEANING}."
    assert legend in [row[0] for row in rows]
    # The notes: each method's note on the Notes sheet, x with its full meaning.
    notes = [row for row in book["Notes"].iter_rows(values_only=True)]
    texts = [str(row[1]) for row in notes]
    for method in ("suppress", "round3", "cell-key"):
        assert METHOD_NOTES[method] in texts
    assert ["x", CONFIDENTIAL_MEANING] in [list(row[:2]) for row in notes]
    # The cover says how the tables were protected, with the legend of x.
    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True)}
    assert CONFIDENTIAL_NOTE in cover["Methods"] and METHOD_NOTES["round3"] in cover["Methods"]
    assert "Protection" in [row[0] for row in book["Contents"].iter_rows(values_only=True)]
    # The Protection sheet: one row per protected table with its counts and the attack test.
    protection = list(book["Protection"].iter_rows(values_only=True))
    by_table = {str(row[0]): row for row in protection if str(row[0]).startswith("Table ")}
    assert set(by_table) == {
        f"Table 1. {api.get_recipe(SUPPRESSED_TABLE).title}",
        f"Table 2. {api.get_recipe(ROUNDED_TABLE).title}",
        f"Table 3. {api.get_recipe(PERTURBED_TABLE).title}",
    }
    suppress, rounding, perturb = by_table.values()
    assert suppress[1:6] == ("Threshold rule with secondary suppression", 500, 2, 1, 0)
    assert suppress[11:14] == (4.5, 3, "passed")
    assert rounding[5:11] == (469, 2, 66.7, 222, 111, 17)
    assert perturb[1] == "Cell-key perturbation" and perturb[13] == "no cell suppressed"
    methods = {row[0]: row for row in protection}
    assert methods["Random rounding to base 3"][1:4] == (
        "base: 3; seed: 42",
        "Table 2",
        ROUNDING.description,
    )
    assert (CONFIDENTIAL_NOTE,) in [row[:1] for row in protection]
    # Data quality: the withheld counts are x, never a number.
    quality = {row[0]: row for row in book["Data quality"].iter_rows(values_only=True)}
    assert quality[api.get_recipe(SUPPRESSED_TABLE).title][1:3] == ("x", "x")
    assert quality["Source codes in no code list: sex"][2:4] == ("x", "SEX=3: x")


def test_the_report_shows_x_the_notes_and_the_protection_section(
    protected: tuple[api.Tabulation, Path, dict],
) -> None:
    _, out, _ = protected
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html.split(f'<section id="{SUPPRESSED_TABLE}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(
        r'<th scope="row">Both sexes</th><th scope="row">Total, all ages</th>\n(.*)\n</tr>',
        section,
    )
    assert [row.split("</td>")[0] for row in rows] == ["<td>x", "<td>x"]  # counts, percent
    assert f"x {CONFIDENTIAL_MEANING}" in section
    assert f"<p>Note: {METHOD_NOTES['suppress']}</p>" in section
    rounded = html.split(f'<section id="{ROUNDED_TABLE}"', 1)[1].split("</section>", 1)[0]
    assert f"<p>Note: {METHOD_NOTES['round3']}</p>" in rounded
    plain = html.split(f'<section id="{PLAIN_TABLE}"', 1)[1].split("</section>", 1)[0]
    assert "Note: Values" not in plain and CONFIDENTIAL_MEANING not in plain
    assert '<li><a href="#protection">Protection</a></li>' in html
    protection = html.split('<section id="protection"', 1)[1].split("</section>", 1)[0]
    title = api.get_recipe(SUPPRESSED_TABLE).title
    cells = '<td>Threshold rule with secondary suppression</td><td class="num">500</td>'
    assert f'<th scope="row">Table 1. {title}</th>{cells}' in protection
    assert "<td>passed</td>" in protection and "<td>no cell suppressed</td>" in protection
    assert f"<p>Note: {CONFIDENTIAL_NOTE}</p>" in protection
    quality = html.split('id="data-quality"', 1)[1]
    assert '<td class="num">x</td><td>SEX=3: x</td>' in quality


def test_run_json_holds_each_report_and_the_summary_and_reads_back(
    protected: tuple[api.Tabulation, Path, dict],
) -> None:
    run, out, _ = protected
    data = json.loads((out / "run.json").read_text(encoding="utf-8"))
    tables = {entry["id"]: entry for entry in data["tables"]}
    assert "protection" not in tables[PLAIN_TABLE]
    report = tables[SUPPRESSED_TABLE]["protection"]
    assert report["method"] == "suppress" and report["parameters"]["threshold"] == "3"
    assert (report["primary"], report["secondary"], report["narrowest_interval"]) == (2, 1, 4.5)
    assert tables[ROUNDED_TABLE]["protection"]["margins_not_additive"] == 111
    assert set(report) >= {
        "method", "parameters", "cells", "primary", "secondary", "changed", "largest_change",
        "largest_relative_change", "margins", "margins_not_additive",
        "largest_additivity_gap", "narrowest_interval", "interval",
    }  # fmt: skip
    assert tables[SUPPRESSED_TABLE]["universe_records"] is None
    assert data["unknown_codes"]["sex"] == {"SEX=3": None}
    assert data["protection"] == {
        "methods": {
            "suppress": [SUPPRESSED_TABLE],
            "round3": [ROUNDED_TABLE],
            "cell-key": [PERTURBED_TABLE],
        },
        "tables": 3,
        "cells": 500 + 700 + 64,
        "cells_suppressed": 3,
        "primary": 2,
        "secondary": 1,
        "cells_changed": 469 + 31,
    }
    back = RunRecord.from_dict(data)
    assert back.to_dict() | {"timings_seconds": {}} == data | {"timings_seconds": {}}
    assert {entry.id: entry.protection for entry in back.tables}[ROUNDED_TABLE] == ROUNDING
    assert run.record.protection == back.protection


def test_withheld_run_counts_read_back_and_render_as_x(
    protected: tuple[api.Tabulation, Path, dict],
) -> None:
    """Every run-level count the gate may withhold is None in run.json and x in the outputs."""
    from censusmig.protection.attention import attention
    from censusmig.renderers.quality import quality_sections

    run, _, _ = protected
    record = replace(
        run.record,
        input=replace(
            run.record.input,
            population="persons aged 0 and over",
            records_outside_population=None,
            weighted_outside_population=None,
        ),
        weight_problems={"missing": None},
    )
    again = RunRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record
    _, checks = quality_sections(again)
    rows = {row[0]: row for row in checks.rows}
    assert rows["Weights missing (counted with weight 0 if missing)"][2] == "x"
    assert rows["Records outside the population (persons aged 0 and over), in no table"][2] == "x"
    # No item is built on a withheld count (and none fails on one).
    assert {item.subject for item in attention(again)} & {"sex", "missing"} == set()


def test_an_unprotected_run_has_no_protection_content(tmp_path: Path) -> None:
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, out=tmp_path, recipes=(PLAIN_TABLE,)
    )
    assert protection_report(run.tables) is None and run.record.protection is None
    data = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert "protection" not in data and "protection" not in data["tables"][0]
    assert "Protection" not in load_workbook(tmp_path / "tables.xlsx").sheetnames
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="protection"' not in html and "#protection" not in html
    # The symbols of a run without protection keep the short meaning of x.
    assert symbols(False)["x"] == "not published (confidentiality)"


def test_notes_and_attack_results_by_method() -> None:
    run = api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, recipes=(PLAIN_TABLE,))
    (table,) = run.tables
    assert protection_notes(table) == ()
    weighted = replace(table, weighted=True, protection=SUPPRESSION)
    assert protection_notes(weighted) == (METHOD_NOTES["suppress"], ORDER_OF_OPERATIONS)
    assert "thresholds on unweighted sample records" in ORDER_OF_OPERATIONS
    assert "suppressed cells carry no value, no flag" in ORDER_OF_OPERATIONS
    assert "multiple of 5" in METHOD_NOTES["round5"]
    assert "published totals are perturbed as cells of their own" in METHOD_NOTES["cell-key"]
    assert attack_result(SUPPRESSION) == "passed"
    assert attack_result(replace(SUPPRESSION, narrowest_interval=2.0)) == "FAILED"
    assert attack_result(ROUNDING) == "no cell suppressed"
    entries = (
        TableEntry.of(replace(table, protection=SUPPRESSION)),
        TableEntry.of(replace(table, recipe_id="other", protection=ROUNDING)),
        TableEntry.of(replace(table, recipe_id="plain")),
    )
    summary = ProtectionSummary.of(entries)
    assert summary is not None and summary.methods == {
        "suppress": (PLAIN_TABLE,),
        "round3": ("other",),
    }
    assert (summary.suppressed, summary.changed, summary.tables) == (3, 469, 2)
    assert ProtectionSummary.of(entries[2:]) is None


def test_protected_workbook_opens_in_libreoffice(
    protected: tuple[api.Tabulation, Path, dict], tmp_path: Path
) -> None:
    from test_real_apps import SOFFICE, need, soffice

    need(SOFFICE is not None, "LibreOffice (soffice)")
    _, out, _ = protected
    ours = load_workbook(out / "tables.xlsx")
    again = load_workbook(soffice(out / "tables.xlsx", "xlsx", tmp_path, tmp_path / "lo"))
    assert again.sheetnames == ours.sheetnames
    for name in ("Protection", "1 Nativity age sex", "Data quality"):
        mine = [row for row in ours[name].iter_rows(values_only=True)]
        read = [row for row in again[name].iter_rows(values_only=True)]
        for row, back in zip(mine, read, strict=False):
            for value, value_back in zip(row, back, strict=False):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    assert value_back == pytest.approx(value), (name, row)
                else:
                    assert value_back == value, (name, row)
    assert "x" in [row[2] for row in again["1 Nativity age sex"].iter_rows(values_only=True)]


def test_protected_report_in_headless_chromium(
    protected: tuple[api.Tabulation, Path, dict],
) -> None:
    from test_real_apps import CHROMIUM, need

    need(Path(CHROMIUM).is_file(), "chromium")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    _, out, _ = protected
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((out / "report.html").as_uri())
        page.get_by_role("link", name="Protection", exact=True).click()
        section = page.locator("#protection")
        assert section.get_by_role("heading", name="Protection").is_visible()
        tables = section.get_by_role("table")
        assert tables.count() == 2
        header = [h.strip() for h in tables.nth(1).locator("thead th").all_inner_texts()]
        assert header[:3] == ["Table", "Method", "Cells"] and header[-1] == "Attack test"
        assert section.get_by_text(CONFIDENTIAL_NOTE, exact=False).first.is_visible()
        grand = page.locator(f"#{SUPPRESSED_TABLE} .scroll table").first.locator("tbody tr").first
        assert grand.locator("td").first.inner_text().strip() == CONFIDENTIAL
        page.evaluate(
            "() => document.querySelectorAll('main .scroll table.data tbody tr:nth-child(n+11)')"
            ".forEach(row => row.remove())"
        )
        violations = Axe().run(page, options={"resultTypes": ["violations"]}).response
        serious = [
            f"{v['id']} ({v['impact']}): {len(v['nodes'])}"
            for v in violations["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [] and errors == []
        browser.close()
