"""Real applications open the outputs: the report in headless Chromium, the workbook in
LibreOffice Calc. CI sets CENSUSMIG_REQUIRE_REAL_APPS=1 so a missing application fails there;
elsewhere these tests skip with a reason."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

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


def test_report_in_headless_chromium(outputs: Path) -> None:
    need(Path(CHROMIUM).is_file(), "chromium")
    from playwright.sync_api import sync_playwright

    manifest = json.loads((outputs / "run.json").read_text())
    requests: list[str] = []
    errors: list[str] = []
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
        page = browser.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((outputs / "report.html").as_uri())
        assert page.title().endswith("tables on international migration")
        tables = page.locator("main table")
        for entry in manifest["tables"]:
            assert page.locator(f"#{entry['id']} table").count() in (1, 2)  # counts (+ percent)
        assert page.locator("#data-quality table").count() == 1
        for index in range(tables.count()):
            table = tables.nth(index)
            assert table.locator("caption").inner_text().strip()
            # Accessible: every header cell has a scope, every body row has a row header.
            assert table.locator("th:not([scope])").count() == 0
            rows = table.locator("tbody tr")
            assert rows.count() == table.locator("tbody tr th[scope=row]:first-child").count()
        first = page.locator("#nativity_age_sex tbody tr").first
        assert first.locator("th").inner_text() == "Total, all ages"
        expected = f"{grand_total(outputs, 'nativity_age_sex'):,}"
        assert first.locator("td").first.inner_text() == expected
        percent = page.locator("#nativity_age_sex table").nth(1)
        assert percent.locator("caption").inner_text().endswith("(percent)")
        assert percent.locator("tbody tr").first.locator("td").first.inner_text() == "100.0"
        visible = page.locator("#nativity_age_sex table").first.bounding_box()
        assert visible is not None and visible["height"] > 200
        screenshot = page.screenshot(full_page=False)
        browser.close()
    assert len(screenshot) > 10_000
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests  # offline: no fetches


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


def expected_cells(
    path: Path, table: Any, measure: str
) -> dict[tuple[tuple[str, ...], str], list[float]]:
    """What each (stub labels, column heading) of a table sheet may hold, from the tidy CSV.

    A dimension is shown by the label of its innermost level that is not a total (its own
    label for the total). Independent of the layout code: only the tidy file and the
    table's dimensions. Not stated (``_U``) and unknown codes (``_X``) may be shown merged,
    so their sum is a candidate too.
    """
    cells = pl.read_csv(path, infer_schema_length=0)
    found: dict[tuple[tuple[str, ...], str], list[float]] = {}
    merged: dict[tuple[tuple[str, ...], str], float] = {}

    def shown(row: dict[str, Any], dimension: Any, merge: bool) -> str:
        for level in reversed(dimension.levels):
            code = row[level]
            if code != "_T":
                if merge and code in ("_U", "_X"):
                    return "Not stated"
                return str(row[f"{level}_label"])
        return str(row[f"{dimension.levels[0]}_label"])

    for row in cells.iter_rows(named=True):
        if row[measure] is None:
            continue
        value = float(row[measure])
        for merge in (False, True):
            key = (
                tuple(shown(row, d, merge) for d in table.rows),
                ": ".join(shown(row, d, merge) for d in table.columns),
            )
            if merge:
                merged[key] = merged.get(key, 0.0) + value
            else:
                found.setdefault(key, []).append(value)
    for key, total in merged.items():
        found.setdefault(key, []).append(total)
    return found


def test_workbook_in_libreoffice_calc(outputs: Path, tmp_path: Path) -> None:
    need(SOFFICE is not None, "LibreOffice (soffice)")
    need(PDFTOTEXT is not None, "pdftotext (poppler-utils)")
    from openpyxl import load_workbook

    from censusmig.renderers.formatting import SYMBOLS
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
        stub = len(table.rows)
        heading = [cell.value for cell in sheet[header_row]]
        headings[sheet.title] = (title, [str(h) for h in heading[:stub]])
        expected = expected_cells(outputs / "csv" / f"{table.recipe_id}.csv", table, measure)
        read = again[sheet.title]
        for row in read.iter_rows(min_row=header_row + 1, values_only=True):
            labels = tuple(str(label) for label in row[:stub])
            for column, value in enumerate(row[stub:], start=stub):
                if isinstance(value, str):
                    assert value in SYMBOLS, value
                    continue
                assert value is not None, (sheet.title, labels, heading[column])
                candidates = expected[(labels, str(heading[column]))]
                assert any(abs(value - c) < 1e-6 for c in candidates), (
                    sheet.title,
                    labels,
                    heading[column],
                    value,
                    candidates,
                )
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
