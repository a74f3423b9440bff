"""Names of the columns the derivation writes: coded concepts, their status, nativity."""

from __future__ import annotations


def concept_column(concept: str) -> str:
    """Name of the coded column of a concept."""
    return f"_c_{concept}"


def status_column(concept: str) -> str:
    """Name of the status column of a numeric concept (``ok``, ``_U``, ``_Z``, ``_X``)."""
    return f"_s_{concept}"


def nativity_column(concept: str) -> str:
    """Name of the nativity column of a country-of-birth concept (the person's or a parent's)."""
    return f"_n_{concept}"
