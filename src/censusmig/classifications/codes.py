"""SDMX special codes used in every table (SDMX content-oriented guidelines).

``_X`` is censusmig's code for "a source code that is in no code list" (for example 999 where
the codebook has no 999): it is kept apart from ``_U`` (not stated) so that coding errors stay
visible and can be traced back to their source codes in the data-quality report.
"""

TOTAL = "_T"
NOT_STATED = "_U"
NOT_APPLICABLE = "_Z"
UNKNOWN_CODE = "_X"
OTHER = "_O"

SPECIAL_LABELS: dict[str, str] = {
    TOTAL: "Total",
    NOT_STATED: "Not stated",
    NOT_APPLICABLE: "Not applicable",
    UNKNOWN_CODE: "Unknown code",
    OTHER: "Other",
}

# Special codes sort after the regular categories, in this order (Total always comes first).
TRAILING_ORDER: tuple[str, ...] = (OTHER, NOT_APPLICABLE, NOT_STATED, UNKNOWN_CODE)
