"""Real applications open the outputs: the report in headless Chromium, the workbook in
LibreOffice Calc. CI sets CENSUSMIG_REQUIRE_REAL_APPS=1 so a missing application fails there;
elsewhere these tests skip with a reason."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.tables.table import MEASURES
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")
REQUIRED = os.environ.get("CENSUSMIG_REQUIRE_REAL_APPS") == "1"


def need(present: bool, what: str) -> None:
    if present:
        return
    if REQUIRED:
        pytest.fail(f"{what} is required here (CENSUSMIG_REQUIRE_REAL_APPS=1) but not installed")
    pytest.skip(f"{what} not installed")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, out=out)
    return out


def grand_total(out: Path, recipe_id: str) -> int:
    cells = pl.read_csv(out / "csv" / f"{recipe_id}.csv", infer_schema_length=0)
    levels = [c for c in cells.columns if c not in MEASURES and not c.endswith("_label")]
    row = cells.filter(pl.all_horizontal(pl.col(c) == "_T" for c in levels))
    return int(row["value"][0])


PDFTOTEXT = shutil.which("pdftotext")
SHOTS = os.environ.get("CENSUSMIG_SHOTS")
"""A folder to keep the screenshots in, to look at them (default: the test's temporary folder)."""
PRINTABLE_PX = 1047
"""Width of landscape A4 less 10 mm margins (277 mm) in CSS pixels: what a printed table has."""


def print_to_pdf(html: Path, pdf: Path) -> None:
    """Print a page as a reader would, with Chromium's own --print-to-pdf."""
    completed = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0 and pdf.is_file(), completed.stderr


def pdf_text(pdf: Path) -> str:
    assert PDFTOTEXT is not None
    return subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def words(text: str) -> list[str]:
    """Words as pdftotext may split them: at spaces and after hyphens (a wrapped header)."""
    return [w for w in text.replace("-", "- ").split() if w]


def test_report_in_headless_chromium(outputs: Path, tmp_path: Path) -> None:
    need(Path(CHROMIUM).is_file(), "chromium")
    need(PDFTOTEXT is not None, "pdftotext (poppler-utils)")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((outputs / "run.json").read_text())
    requests: list[str] = []
    errors: list[str] = []
    headers: dict[str, list[str]] = {}
    titles: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],  # fmt: skip
        )
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.on("request", lambda request: requests.append(request.url))
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((outputs / "report.html").as_uri())
        assert page.title().endswith("tables on international migration")
        assert page.locator("script").count() == 0
        # The screen tables: one scroll region per block, keyboard-focusable and named.
        tables = page.locator("main .scroll table")
        for entry in manifest["tables"]:
            blocks = page.locator(f"#{entry['id']} .scroll table")
            assert blocks.count() in (1, 2)  # counts (+ percent)
            for index in range(blocks.count()):
                table = blocks.nth(index)
                caption = table.locator("caption").inner_text().strip()
                assert caption and caption not in page.locator(f"#{entry['id']} h2").inner_text()
                headers[f"{entry['id']}/{index}"] = table.locator("thead th").all_inner_texts()
            titles.append(page.locator(f"#{entry['id']} h2").inner_text())
            assert page.locator(f"#{entry['id']} a[href='#contents']").count() == 1
        assert page.locator("#data-quality table").count() >= 1
        for index in range(tables.count()):
            table = tables.nth(index)
            assert table.locator("caption").inner_text().strip()
            # Accessible: every header cell has a scope, every body row has a row header.
            assert table.locator("th:not([scope])").count() == 0
            rows = table.locator("tbody tr")
            assert rows.count() == table.locator("tbody tr th[scope=row]:first-child").count()
            region = table.locator("xpath=..")
            assert region.get_attribute("tabindex") == "0"
            assert region.get_attribute("role") == "region"
            # scope=colgroup only where a <colgroup> gives the group.
            if table.locator("th[scope=colgroup]").count():
                assert table.locator("colgroup").count() > 0
        first = page.locator("#nativity_age_sex .scroll tbody tr").first
        assert first.locator("th").last.inner_text() == "Total, all ages"  # sex, then age
        expected = f"{grand_total(outputs, 'nativity_age_sex'):,}"
        assert first.locator("td").first.inner_text() == expected
        percent = page.locator("#nativity_age_sex .scroll table").nth(1)
        assert "percent" in percent.locator("caption").inner_text()
        assert percent.locator("tbody tr").first.locator("td").first.inner_text() == "100.0"
        visible = page.locator("#nativity_age_sex table").first.bounding_box()
        assert visible is not None and visible["height"] > 200
        # The charts are drawn: an SVG of real size, with a text alternative.
        charts = page.locator("#summary svg[role=img]")
        assert charts.count() == 3
        for index in range(charts.count()):
            chart = charts.nth(index)
            box = chart.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100
            assert chart.locator("title").text_content() and chart.locator("desc").text_content()
            assert chart.locator("rect").count() > 0
        assert page.locator("#summary .headlines li").count() >= 4
        # The stub stays in view when a wide table (20 age groups across) scrolls sideways.
        region = page.locator("#foreign_born_country_of_birth_age_sex .scroll").first
        stub = region.locator("tbody th").first
        before = stub.bounding_box()
        region.evaluate("element => { element.scrollLeft = 400; }")
        after = stub.bounding_box()
        assert before is not None and after is not None and after["x"] == before["x"]
        assert region.evaluate("element => element.scrollLeft") > 0
        page.screenshot(path=shots / "report-1366.png")
        page.goto((outputs / "report.html").as_uri() + "#foreign_born_country_of_birth_age_sex")
        page.screenshot(path=shots / "report-1366-table.png")
        # axe-core over the whole page, every rule. Rows past the tenth of each table (the
        # same markup again, by the thousand) are taken out first: on 2 cores the full page
        # takes axe over five minutes.
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
        assert serious == []
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto((outputs / "report.html").as_uri() + "#nativity_age_sex")
        page.reload()  # the page as it opens, not as axe and the scrolling above left it
        page.screenshot(path=shots / "report-390.png")
        # Printed (landscape A4), no table is wider than the page: too wide ones print in
        # column panels, each repeating the stub.
        page.emulate_media(media="print")
        page.set_viewport_size({"width": PRINTABLE_PX, "height": 900})
        printed = page.locator("main section.table-section table")
        widths = printed.evaluate_all(
            "tables => tables.filter(t => t.offsetParent !== null).map(t => t.scrollWidth)"
        )
        assert widths and max(widths) <= PRINTABLE_PX, max(widths)
        browser.close()
    assert (shots / "report-1366.png").stat().st_size > 10_000
    assert (shots / "report-390.png").stat().st_size > 10_000
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests  # offline: no fetches
    pdf = tmp_path / "report.pdf"
    print_to_pdf(outputs / "report.html", pdf)
    text = pdf_text(pdf)
    assert len(titles) == len(manifest["tables"])
    for number, entry in enumerate(manifest["tables"], start=1):
        # This table's printed pages: from its heading (the last "Table N. ": the contents and
        # the chart sources come first) to the next table's heading or the glossary.
        start = text.rindex(f"Table {number}. ")
        following = [text.find(f"Table {number + 1}. ", start), text.rindex("Standards cited")]
        section = text[start : min(i for i in following if i > start)]
        printed_words = Counter(words(section))
        for key in (k for k in headers if k.startswith(entry["id"] + "/")):
            needed = Counter(words(" ".join(headers[key])))
            missing = {w: n for w, n in needed.items() if printed_words[w] < n}
            assert not missing, (key, missing)


def soffice(source: Path, target: str, outdir: Path, profile: Path) -> Path:
    """Convert ``source`` with LibreOffice; return the file written.

    Stops the test when LibreOffice fails or says anything on stderr but the usual note that
    Java is not there (a file it had to repair, a filter it could not apply).
    """
    assert SOFFICE is not None
    completed = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    said = [line for line in completed.stderr.splitlines() if line and "javaldx" not in line]
    assert said == [], said
    written = outdir / f"{source.stem}.{target.split(':')[0]}"
    assert written.is_file(), completed.stdout
    return written


def test_workbook_in_libreoffice_calc(outputs: Path, tmp_path: Path) -> None:
    need(SOFFICE is not None, "LibreOffice (soffice)")
    need(PDFTOTEXT is not None, "pdftotext (poppler-utils)")
    from openpyxl import load_workbook

    from censusmig.renderers.formatting import SYMBOLS
    from censusmig.renderers.layout import grid
    from censusmig.tables.table import PERCENT

    ours = load_workbook(outputs / "tables.xlsx")
    profile = tmp_path / "lo-profile"
    # 1. LibreOffice opens it without repair and writes it back whole.
    again = load_workbook(soffice(outputs / "tables.xlsx", "xlsx", tmp_path / "xlsx", profile))
    assert again.sheetnames == ours.sheetnames
    run = api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, formats=())
    by_title = {table.title: table for table in run.tables}
    # 2. Every number LibreOffice reads in a table sheet is the tidy CSV's.
    checked = 0
    headings: dict[str, tuple[str, list[str]]] = {}
    for sheet in ours.worksheets:
        if not sheet.tables:
            continue
        title = str(sheet["A1"].value)
        if not title.startswith("Table "):
            continue  # the notes and contents
        caption, name = title.split(": ", 1)
        table = by_title[name]
        measure = PERCENT if caption.endswith("(percent)") else "value"
        (ref,) = sheet.tables.values()
        header_row = int(ref.ref.split(":")[0][1:])
        # The published layout of the table (its cells straight from the tidy ones: see
        # tests/test_layout_publishable.py), row by row as the accessible sheet holds it.
        layout = grid(table, measure)
        stub = len(layout.stub_titles)
        heading = [cell.value for cell in sheet[header_row]]
        headings[sheet.title] = (title, [str(h) for h in heading[:stub]])
        read = again[sheet.title]
        body = list(
            read.iter_rows(
                min_row=header_row + 1, max_row=header_row + len(layout.rows), values_only=True
            )
        )
        assert len(body) == len(layout.rows), sheet.title
        for row, stub_row, cells in zip(body, layout.rows, layout.values, strict=True):
            labels = tuple(str(label) for label in row[:stub])
            assert labels == stub_row.labels, (sheet.title, labels)
            for value, cell in zip(row[stub:], cells, strict=False):
                if isinstance(value, str):
                    assert value in SYMBOLS, value
                    assert value == cell.symbol, (sheet.title, labels, value, cell)
                    continue
                assert value is not None and cell.value is not None, (sheet.title, labels)
                assert abs(value - cell.value) < 1e-6, (sheet.title, labels, value, cell)
                checked += 1
    assert checked > 10_000
    # 3. Printed, every page of a table carries the table's title and headings.
    pdf = soffice(outputs / "tables.xlsx", "pdf", tmp_path / "pdf", profile)
    assert PDFTOTEXT is not None
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    pages = text.split("\f")
    titles = {title: stubs for title, stubs in headings.values()}
    seen: dict[str, int] = {}
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if not lines or lines[0] not in titles:
            continue
        seen[lines[0]] = seen.get(lines[0], 0) + 1
        words = set(" ".join(lines).split())
        for stub_title in titles[lines[0]]:
            assert set(stub_title.split()) <= words, (lines[0], stub_title)
        assert any(re.search(r"\d", line) for line in lines[1:])  # numbers, not just headings
        assert re.search(r"Page \d+ of \d+", lines[-1]), lines[-1]
    assert set(seen) == set(titles)  # every table sheet printed under its page header
    assert max(seen.values()) > 1  # and some on several pages, each with its headings


@pytest.fixture(scope="module")
def survey_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run whose tables carry sampling errors (made up: see tests/variance_helpers.py)."""
    from variance_helpers import survey_run

    out = tmp_path_factory.mktemp("survey")
    survey_run(out, ("nativity_age_sex", "foreign_born_country_of_birth_age_sex"))
    return out


def test_survey_report_shows_flags_and_legend_in_headless_chromium(
    survey_outputs: Path, tmp_path: Path
) -> None:
    need(Path(CHROMIUM).is_file(), "chromium")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from censusmig.renderers.formatting import reliability_legend
    from variance_helpers import ERRORS

    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto((survey_outputs / "report.html").as_uri())
        section = page.locator("#nativity_age_sex")
        # Estimates, their margins of error and CVs, percentages and their margins of error.
        assert section.locator(".scroll table").count() == 5
        legend = section.get_by_text(reliability_legend(ERRORS), exact=True)
        assert legend.is_visible()
        moe = section.locator("#t1-moe-caption")
        assert moe.is_visible() and "90% confidence level" in moe.inner_text()
        # A flag is read with its value and shown beside it, in the cell, in bold.
        flagged = section.locator(".scroll table.marked td:has(.flag)").first
        flagged.scroll_into_view_if_needed()
        assert re.fullmatch(r"[\d,-]+\s[EF]", flagged.inner_text().strip())
        mark, cell = flagged.locator(".flag").bounding_box(), flagged.bounding_box()
        assert mark is not None and cell is not None and mark["width"] > 3
        assert cell["x"] <= mark["x"] and mark["x"] + mark["width"] <= cell["x"] + cell["width"]
        # Digits line up: a flagged number ends where an unflagged one of its column does.
        column = flagged.evaluate("td => td.cellIndex")
        rows = section.locator("#t1-value-caption >> xpath=../tbody/tr")
        ends = set()
        for index in range(rows.count()):
            td = rows.nth(index).locator("td").nth(column - 2)
            ends.add(
                round(
                    td.evaluate(
                        "td => { const r = document.createRange(); r.selectNodeContents("
                        "td.firstChild); return r.getBoundingClientRect().right; }"
                    )
                )
            )
        assert max(ends) - min(ends) <= 1, ends
        page.screenshot(path=shots / "survey-report-1366.png")
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
        assert serious == []
        browser.close()


def test_survey_workbook_in_libreoffice_calc(survey_outputs: Path, tmp_path: Path) -> None:
    need(SOFFICE is not None, "LibreOffice (soffice)")
    from openpyxl import load_workbook

    from censusmig.renderers.formatting import reliability_legend
    from variance_helpers import ERRORS

    ours = load_workbook(survey_outputs / "tables.xlsx")
    profile = tmp_path / "lo-profile"
    # LibreOffice opens it without repair and writes it back whole: the flagged numbers stay
    # numbers, with the formats that show their flags.
    again = load_workbook(soffice(survey_outputs / "tables.xlsx", "xlsx", tmp_path, profile))
    assert again.sheetnames == ours.sheetnames
    mine, theirs = ours["1 Nativity age sex"], again["1 Nativity age sex"]
    flagged = 0
    for row, read in zip(mine.iter_rows(), theirs.iter_rows(), strict=False):
        for cell, back in zip(row, read, strict=False):
            if isinstance(cell.value, int | float) and '" E"' in cell.number_format:
                assert back.value == pytest.approx(cell.value)
                assert '"E"' in back.number_format.replace(" ", "").replace("\\", '"')
                flagged += 1
    assert flagged > 10
    # As LibreOffice shows the sheet (its 4th: cover, contents, notes, then this one, saved
    # as the formatted text): each flagged value with its flag, under the legend.
    assert SOFFICE is not None
    folder = tmp_path / "csv"
    completed = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,4",
            "--outdir",
            str(folder),
            str(survey_outputs / "tables.xlsx"),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    text = (folder / "tables-1 Nativity age sex.csv").read_text(encoding="utf-8")
    assert reliability_legend(ERRORS) in text
    assert re.search(r",37 F,", text) and re.search(r",133 E,", text), text[:2000]
    assert "Margins of error (±) of the estimated numbers, at the 90% confidence level" in text
