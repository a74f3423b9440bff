"""How a dimension is laid out and coded in a table: its levels, categories, order and labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dimension:
    """A dimension as laid out in a table.

    Attributes:
        name: Dimension name (``country_of_birth``).
        title: Heading in published tables.
        levels: Code columns of the tidy cells, outer first.
    """

    name: str
    title: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Coding:
    """How a dimension's codes are completed, ordered and labelled.

    Attributes:
        dimension: Name, title and level columns.
        fixed: Inner codes of a fixed category set in publication order (always shown, with
            zeros), or None for an open classification whose categories are the codes observed.
        observed_only: Of the ``fixed`` codes, list only those observed in the table (a
            codebook's labels order and name the codes, they add no rows of zeros); ``_U``
            (not stated) is still always shown.
        parents: Outer level -> (inner code -> outer code), for classifications with levels.
        labels: Level -> (code -> label); unlisted codes are labelled with the code itself.
        order: Level -> codes in publication order; a level without one is ordered by size
            (``by_size``) or by code.
        by_size: Order unlisted levels by size, largest first.
        top: Keep only the ``top`` largest inner categories; the rest become ``_O`` (other)
            under their own outer category. None keeps all.
    """

    dimension: Dimension
    fixed: tuple[str, ...] | None = None
    observed_only: bool = False
    parents: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    by_size: bool = False
    top: int | None = None

    @property
    def inner(self) -> str:
        """The innermost level's column."""
        return self.dimension.levels[-1]
