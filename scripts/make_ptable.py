"""Write censusmig's default perturbation table (ONS layout) and its description.

Usage: python scripts/make_ptable.py [OUT_DIR]   (default: src/censusmig/protection/data)

Writes ``ptable_default.csv`` (columns pcv, ckey, pvalue: one row per count row 1..750 and
cell key 0..255) and ``ptable_default.md`` (what it does, per count band). Every probability is a
whole number of 256ths (one cell key each), so the table is exactly what is written below:

- every row is unbiased: the sum of its 256 perturbations is 0;
- a count of 1 or 2 is never published as 1 or 2 (it becomes 0, 3 or 4), and no count is
  ever published as 1 or 2 (the smallest count perturbed downwards to a positive value is 5,
  to 3);
- the perturbation never exceeds 3 (counts 1 and 3) or 2 (every other count).

Rows 5 to 750 are all the row of every count from 5 up. The table has 750 rows because the ONS
package expects that many: it looks a count up to 750 in its own row (a count without a row is
left unperturbed) and reuses rows 501-750 above, so the file works there unchanged.
Within a row the cell keys take the perturbations in ascending order (the lowest keys the
most negative one), as the cumulative intervals of an sdcTools ``ptable`` would give them.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

KEYS = 256
"""Cell keys 0..255: every probability is a whole number of 256ths."""

ROWS: dict[int, dict[int, int]] = {
    # count 1: 0 (-1) with 171/256, 3 (+2) with 84/256, 4 (+3) with 1/256; 171 = 2*84 + 3
    1: {-1: 171, 2: 84, 3: 1},
    # count 2: 0 (-2) with 86/256, 3 (+1) with 168/256, 4 (+2) with 2/256; 2*86 = 168 + 2*2
    2: {-2: 86, 1: 168, 2: 2},
    # count 3: 0 (-3) 16, stays 3 200, 4 32, 5 8; 3*16 = 32 + 2*8
    3: {-3: 16, 0: 200, 1: 32, 2: 8},
    # count 4: 3 (-1) 80, stays 112, 5 48, 6 16 (2 is never published: no -2); 80 = 48 + 2*16
    4: {-1: 80, 0: 112, 1: 48, 2: 16},
    # count 5 and up: symmetric, -2..+2 with 16, 64, 96, 64, 16 (variance exactly 1)
    5: {-2: 16, -1: 64, 0: 96, 1: 64, 2: 16},
}
"""Count row -> perturbation -> number of cell keys (of 256) that give it."""

MAX_PCV = 750
"""Rows in the table: 1-4 their own, 5-750 the row of every count from 5 up (the ONS size)."""


def distribution(pcv: int) -> dict[int, int]:
    """The cell keys per perturbation of one row of the table."""
    return ROWS[min(pcv, 5)]


def row_pvalues(pcv: int) -> list[int]:
    """The perturbation of cell keys 0..255 of one row, in ascending order of perturbation."""
    values: list[int] = []
    for pvalue, keys in sorted(distribution(pcv).items()):
        values += [pvalue] * keys
    return values


def check() -> None:
    """Stop when a row breaks one of the table's stated properties."""
    for pcv in range(1, MAX_PCV + 1):
        dist = distribution(pcv)
        assert sum(dist.values()) == KEYS, pcv
        assert sum(p * n for p, n in dist.items()) == 0, f"row {pcv} is biased"
        for pvalue in dist:
            published = pcv + pvalue
            assert published >= 0 and published not in (1, 2), (pcv, pvalue)
        if pcv in (1, 2):
            assert 0 not in dist, pcv


def describe() -> str:
    """The Markdown description: per count band, what is published with which probability."""
    lines = [
        "# The default perturbation table (cell-key method)",
        "",
        "`ptable_default.csv` is censusmig's default perturbation table, in the layout of the",
        "ONS `cell-key-perturbation` package: columns `pcv` (the count's row), `ckey` (the cell",
        "key, 0-255) and `pvalue` (added to the count). It is written by",
        "`scripts/make_ptable.py`; do not edit it by hand.",
        "",
        "A cell's key is the sum of its records' keys modulo 256, so each key has probability",
        "1/256 and every probability below is exact, in 256ths.",
        "",
        "| Count | Published (probability in 256ths) | Mean perturbation | Variance |"
        " Largest perturbation |",
        "|---|---|---|---|---|",
    ]
    for pcv, band in ((1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5 and more (c)")):
        dist = ROWS[pcv]
        variance = Fraction(sum(p * p * n for p, n in dist.items()), KEYS)
        shown = ", ".join(
            f"{pcv + p if pcv < 5 else ('c' if p == 0 else f'c{p:+d}')}: {n}"
            for p, n in sorted(dist.items())
        )
        largest = max(abs(p) for p in dist)
        lines.append(f"| {band} | {shown} | 0 | {variance} = {float(variance):.4f} | {largest} |")
    lines += [
        "",
        "- **Unbiased**: the mean perturbation of every count is exactly 0.",
        "- **No 1 or 2**: a count of 1 or 2 is published as 0, 3 or 4; no count is ever",
        "  published as 1 or 2 (a count of 4 never loses 2; 5 is the smallest count that can",
        "  become 3). A count of 0 stays 0 (it is not in the table).",
        "- **Largest perturbation**: 3 (counts 1 and 3), 2 for every other count.",
        "- **750 rows**, as the ONS package expects: rows 5-750 are all the row of every",
        "  count from 5 up, and counts above 750 reuse rows 501-750 (row",
        "  `((count - 1) mod 250) + 501`), as in the ONS package, so the file works there",
        "  unchanged.",
        "- Within a row the cell keys take the perturbations in ascending order (the lowest",
        "  keys the most negative), as an sdcTools `ptable`'s cumulative intervals would.",
        "",
    ]
    return "\n".join(lines)


def main(out: Path) -> None:
    """Write the CSV and its description into ``out``."""
    check()
    out.mkdir(parents=True, exist_ok=True)
    rows = ['"pcv","ckey","pvalue"']
    for pcv in range(1, MAX_PCV + 1):
        rows += [f"{pcv},{ckey},{p}" for ckey, p in enumerate(row_pvalues(pcv))]
    (out / "ptable_default.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (out / "ptable_default.md").write_text(describe(), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("src/censusmig/protection/data"))
