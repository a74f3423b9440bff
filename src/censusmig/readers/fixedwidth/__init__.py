"""Fixed-width text microdata read through its codebook: IPUMS DDI XML or a CSPro dictionary.

:func:`read_codebook` picks the codebook reader by the file's suffix: :mod:`.ddi` for IPUMS DDI
XML, :mod:`.cspro` for CSPro dictionaries (text or JSON). Both return a :class:`Layout`, which
:mod:`.layout` turns into a lazy frame (:func:`scan_fixed_width`) and checks against the data
(:func:`check_layout`, :func:`count_layout_problems`).
"""

from __future__ import annotations

from pathlib import Path

from censusmig.errors import InputError
from censusmig.readers.fixedwidth.cspro import read_cspro
from censusmig.readers.fixedwidth.ddi import read_ddi
from censusmig.readers.fixedwidth.layout import (
    FixedField,
    Layout,
    check_layout,
    count_layout_problems,
    layout_metadata,
    scan_fixed_width,
)

__all__ = [
    "CODEBOOK_KINDS",
    "FixedField",
    "Layout",
    "check_layout",
    "count_layout_problems",
    "layout_metadata",
    "read_codebook",
    "scan_fixed_width",
]

CODEBOOK_KINDS = {".xml": "ddi", ".dcf": "cspro"}
"""Codebook file suffix -> layout kind."""


def read_codebook(path: Path, record: str | None = None) -> Layout:
    """Read the layout of one record type from an IPUMS DDI (``.xml``) or CSPro (``.dcf``) file.

    Args:
        path: The codebook.
        record: Which record type to read in a hierarchical file: a CSPro record name such as
            ``POP_REC`` or an IPUMS record type such as ``"P"``. By default IPUMS gives the
            person records (``"P"``) and CSPro the record whose name or label says person,
            population, individual or member, or else the only record.

    Returns:
        The layout of the chosen records.

    Raises:
        InputError: The codebook is missing, unreadable or malformed (the message names the
            file and the line or key), or the record is unknown or cannot be chosen.
    """
    kind = CODEBOOK_KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unsupported codebook type {path.suffix!r}; censusmig reads IPUMS DDI"
            " codebooks (.xml) and CSPro dictionaries (.dcf)"
        )
    if not path.is_file():
        raise InputError(f"codebook not found: {path}")
    if kind == "ddi":
        return read_ddi(path, record)
    return read_cspro(path, record)
