"""Fixed-width text microdata read through its codebook: IPUMS DDI XML or a CSPro dictionary."""

from censusmig.readers.fixedwidth.cspro import (
    FixedField,
    Layout,
    check_layout,
    count_layout_problems,
    layout_metadata,
    read_codebook,
    scan_fixed_width,
)

__all__ = [
    "FixedField",
    "Layout",
    "check_layout",
    "count_layout_problems",
    "layout_metadata",
    "read_codebook",
    "scan_fixed_width",
]
