"""What a data file says about itself: value labels, missing-value codes, column labels.

Every reader returns one :class:`Metadata` beside its lazy frame. Codes are always text, the
way a profile writes them: an SPSS value 1.0 is the code ``"1"``, a Stata ``-1`` is ``"-1"``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PARQUET_KEY = b"censusmig.metadata"
"""Key of the Parquet schema metadata in which ``censusmig convert`` keeps the metadata."""


def code_text(value: object) -> str:
    """A code as a profile writes it: ``1.0`` -> ``"1"``, ``" 07"`` -> ``"07"``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Metadata:
    """Facts a data file carries about its columns.

    Attributes:
        format: What was read: ``csv``, ``parquet``, ``sav``, ``dta``, ``ddi`` (IPUMS
            fixed-width with a DDI codebook) or ``cspro`` (fixed-width with a CSPro dictionary).
        column_labels: Column -> its label (the question text, where the file has one).
        value_labels: Column -> code -> label.
        missing: Column -> codes the file declares as missing values (SPSS user-missing
            values, Stata extended missing values, codebook missing codes).
        missing_ranges: Column -> inclusive (low, high) ranges of missing codes (SPSS).
    """

    format: str
    column_labels: Mapping[str, str] = field(default_factory=dict)
    value_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    missing: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    missing_ranges: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """Serialise for the Parquet schema metadata (see :data:`PARQUET_KEY`)."""
        document = {
            "format": self.format,
            "column_labels": dict(self.column_labels),
            "value_labels": {k: dict(v) for k, v in self.value_labels.items()},
            "missing": {k: list(v) for k, v in self.missing.items()},
            "missing_ranges": {k: [list(r) for r in v] for k, v in self.missing_ranges.items()},
        }
        return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes, fallback_format: str = "parquet") -> Metadata:
        """Read what :meth:`to_json` wrote; unknown or damaged content gives empty metadata."""
        try:
            document: dict[str, Any] = json.loads(raw.decode("utf-8"))
            return cls(
                format=str(document.get("format", fallback_format)),
                column_labels={str(k): str(v) for k, v in document["column_labels"].items()},
                value_labels={
                    str(c): {str(k): str(v) for k, v in labels.items()}
                    for c, labels in document["value_labels"].items()
                },
                missing={str(k): tuple(map(str, v)) for k, v in document["missing"].items()},
                missing_ranges={
                    str(k): tuple((float(a), float(b)) for a, b in v)
                    for k, v in document.get("missing_ranges", {}).items()
                },
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls(fallback_format)
