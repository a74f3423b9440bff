"""Make the screenshots of docs/quickstart.md: the demo's report and a sheet of its workbook.

Usage: python scripts/docs_screenshots.py [--demo out/demo] [--out docs/img]

It tabulates the sample census into DEMO (as `make demo` does) unless DEMO already holds a
report.html and a tables.xlsx, then writes:

- report.png: report.html in headless Chromium, 1280 x 1600 pixels (its first screen: title,
  contents, headline figures and the start of the first table);
- workbook.png: the workbook converted to PDF by LibreOffice (`soffice --headless`), the first
  page of its first table sheet (found by its title, "Table 1", with pdftotext: the Cover,
  Contents and Notes sheets come first) rendered at 60 dpi by pdftoppm.

Needs /usr/bin/chromium, soffice, pdftotext and pdftoppm (Debian: chromium,
libreoffice-calc-nogui, poppler-utils). Each PNG must stay under 300 KB (the repository keeps
them): the script exits 1 when one is larger.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_BYTES = 300_000
CHROMIUM = (
    "/usr/bin/chromium",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
)


def _run(command: list[str], **kwargs: object) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=300, **kwargs)  # type: ignore[call-overload]


def ensure_demo(demo: Path) -> None:
    """Tabulate the sample census into ``demo`` unless its report and workbook are there."""
    if (demo / "report.html").is_file() and (demo / "tables.xlsx").is_file():
        return
    _run(
        [
            sys.executable,
            "-m",
            "censusmig",
            "--quiet",
            "tabulate",
            str(ROOT / "sample_microdata" / "census.parquet"),
            "--profile",
            str(ROOT / "sample_microdata" / "census.profile.toml"),
            "--out",
            str(demo),
        ]
    )


def report_png(report: Path, target: Path) -> None:
    """The first 1280 x 1600 pixels of ``report`` in headless Chromium."""
    with tempfile.TemporaryDirectory() as profile:
        _run(
            [
                *CHROMIUM,
                f"--user-data-dir={profile}",
                f"--screenshot={target}",
                "--window-size=1280,1600",
                report.resolve().as_uri(),
            ]
        )


def first_table_page(pdf: Path) -> int:
    """The number of the first page of ``pdf`` whose text starts with "Table 1"."""
    for page in range(1, 100):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
        if not text.strip():
            break
        if text.lstrip().startswith("Table 1"):
            return page
    raise SystemExit(f"{pdf}: no page starts with 'Table 1'")


def workbook_png(workbook: Path, target: Path) -> None:
    """The first page of the first table sheet of ``workbook``, printed by LibreOffice, 60 dpi."""
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        _run(
            [
                "soffice",
                f"-env:UserInstallation={(folder / 'lo').as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                str(workbook.resolve()),
            ]
        )
        pdf = folder / f"{workbook.stem}.pdf"
        page = first_table_page(pdf)
        _run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(pdf),
                str(folder / "page"),
            ]
        )
        shutil.copyfile(folder / "page.png", target)


def main(argv: list[str] | None = None) -> int:
    """Write docs/img/report.png and docs/img/workbook.png; 1 when one is too large."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=ROOT / "out" / "demo")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    ensure_demo(args.demo)
    args.out.mkdir(parents=True, exist_ok=True)
    report_png(args.demo / "report.html", args.out / "report.png")
    workbook_png(args.demo / "tables.xlsx", args.out / "workbook.png")
    status = 0
    for name in ("report.png", "workbook.png"):
        size = (args.out / name).stat().st_size
        print(f"{args.out / name}: {size:,} bytes")
        if size >= LIMIT_BYTES:
            print(f"  larger than {LIMIT_BYTES:,} bytes: make it smaller", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
