"""Compare two `censusmig tabulate` output folders: are the published outputs the same?

Usage: python scripts/compare_outputs.py EXPECTED_DIR ACTUAL_DIR

Tidy CSVs and report.html are compared byte for byte; the workbook cell by cell (values,
number formats, fonts, merged ranges, frozen panes: what a reader sees); run.json as data,
without the fields that change from run to run (timings, command line, paths).
Prints every difference and exits 1 when there is one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

VOLATILE = ("timings_seconds", "command")


def _run_record(path: Path) -> dict[str, Any]:
    record = json.loads(path.read_text(encoding="utf-8"))
    for key in VOLATILE:
        record.pop(key, None)
    return _without_paths(record)


def _without_paths(value: Any) -> Any:
    """The record without ``path`` keys: the same run from another folder has other paths."""
    if isinstance(value, dict):
        return {k: _without_paths(v) for k, v in value.items() if k != "path"}
    if isinstance(value, list):
        return [_without_paths(v) for v in value]
    return value


def _sheets(path: Path) -> dict[str, list[Any]]:
    book = load_workbook(path)
    found: dict[str, list[Any]] = {}
    for sheet in book.worksheets:
        cells = [
            (cell.coordinate, cell.value, cell.number_format, bool(cell.font.bold), cell.font.size)
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        found[sheet.title] = [
            cells,
            sorted(str(merged) for merged in sheet.merged_cells.ranges),
            sheet.freeze_panes,
        ]
    return found


def compare(expected: Path, actual: Path) -> list[str]:
    """Every difference between two output folders, in words."""
    problems = [
        f"{folder}: not an output folder (no run.json)"
        for folder in (expected, actual)
        if not (folder / "run.json").is_file()
    ]
    if problems:
        return problems
    names = sorted(p.relative_to(expected) for p in expected.rglob("*") if p.is_file())
    got = sorted(p.relative_to(actual) for p in actual.rglob("*") if p.is_file())
    if names != got:
        problems.append(
            f"files differ: only expected {set(names) - set(got)}, "
            f"only actual {set(got) - set(names)}"
        )
    for name in names:
        left, right = expected / name, actual / name
        if not right.exists():
            continue
        if name.suffix in (".csv", ".html"):
            if left.read_bytes() != right.read_bytes():
                problems.append(f"{name}: bytes differ")
        elif name.suffix == ".xlsx":
            a, b = _sheets(left), _sheets(right)
            for sheet in sorted(set(a) | set(b)):
                if a.get(sheet) != b.get(sheet):
                    problems.append(f"{name}: sheet {sheet!r} differs")
        elif name.name == "run.json":
            a_record, b_record = _run_record(left), _run_record(right)
            for key in sorted(set(a_record) | set(b_record)):
                if a_record.get(key) != b_record.get(key):
                    problems.append(f"run.json: {key!r} differs")
    return problems


def main() -> int:
    expected, actual = Path(sys.argv[1]), Path(sys.argv[2])
    problems = compare(expected, actual)
    for problem in problems:
        print(problem)
    print("identical" if not problems else f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
