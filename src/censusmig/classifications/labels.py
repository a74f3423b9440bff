"""Labels of codes that belong to no category set, read from ``data/labels.csv``.

Each row names a classification, a code and its English label: the labels of the special and
derived codes that a classification adds to its own codes (``_O`` among the M49 regions, the
countries of residence abroad that are not stated, residence roll-ups not further specified).
Keeping them in a data file keeps English out of the code that derives and codes the
dimensions.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources


@functools.cache
def _rows() -> tuple[tuple[str, str, str], ...]:
    source = importlib.resources.files("censusmig.classifications") / "data" / "labels.csv"
    with source.open(encoding="utf-8") as handle:
        return tuple(
            (row["classification"], row["code"], row["label"]) for row in csv.DictReader(handle)
        )


def labels(classification: str) -> dict[str, str]:
    """Code -> label of one classification's extra codes, in file order.

    Args:
        classification: Name in the file's first column (``m49_region``, ``country``,
            ``residence_abroad``, ``residence_detailed``).

    Returns:
        The codes and labels; empty for a classification the file does not list.
    """
    return {code: label for name, code, label in _rows() if name == classification}
