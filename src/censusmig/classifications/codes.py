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


LONGEST_CODE = 32
"""Most characters a source code in no code list can have and still be shown as a code.

Codes are short (``999``, ``ARG``, ``-15``), but some files write names as codes, without
blanks (``United-States``, ``Outlying-US(Guam-USVI-etc)``: 26 characters); a longer value
in a code column is free text that a missing separator or a flipped byte shifted into it, and
is not shown.
"""


def could_be_code(code: str) -> bool:
    """Whether a source value in no code list could be a code, and so may be shown.

    A code is at most :data:`LONGEST_CODE` characters (blanks around it aside), every one
    printable, none a blank: text with spaces or control characters is a value of another
    field, never shown.

    Args:
        code: The source value, as text.
    """
    code = code.strip()
    return (
        len(code) <= LONGEST_CODE
        and code.isprintable()
        and not any(character.isspace() for character in code)
    )
