"""Real applications open the outputs: the report in headless Chromium, the workbook in
LibreOffice Calc. CI sets CENSUSMIG_REQUIRE_REAL_APPS=1 so a missing application fails there;
elsewhere these tests skip with a reason."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from censusmig import api
from censusmig.tables.table import MEASURES
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SOFFICE = shutil.which("soffice")
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
        assert first.locator("th").last.inner_text() == "Total, all ages"  # sex blocks first
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


def test_workbook_in_libreoffice_calc(outputs: Path, tmp_path: Path) -> None:
    need(SOFFICE is not None, "LibreOffice (soffice)")
    assert SOFFICE is not None
    # Filter options: comma, quote, UTF-8, from line 1, ..., sheet -1 = every sheet to its own file.
    target = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    profile_dir = tmp_path / "lo-profile"
    completed = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile_dir.as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(tmp_path),
            str(outputs / "tables.xlsx"),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    sheets = {path.stem.split("-", 1)[1]: path for path in tmp_path.glob("tables-*.csv")}
    manifest = json.loads((outputs / "run.json").read_text())
    assert set(sheets) == {"Contents", "Data quality"} | {
        f"T{i + 1}" for i in range(len(manifest["tables"]))
    }
    for number, entry in enumerate(manifest["tables"], start=1):
        rows = list(csv.reader(sheets[f"T{number}"].open(encoding="utf-8")))
        assert rows[0][0].startswith(f"Table {number}. ")
        total_row = next(
            row for row in rows if row and (row[0].startswith("Total") or row[0] == "Both sexes")
        )
        # The first number after the stub is the grand total, as LibreOffice reads it.
        first_number = next(cell for cell in total_row[1:] if cell.replace(",", "").isdigit())
        assert first_number.replace(",", "") == str(grand_total(outputs, entry["id"]))
        assert any(row and row[0].startswith("Source: ") for row in rows)
