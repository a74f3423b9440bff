"""How a dimension is laid out and coded in a table: its levels, categories, order and labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from censusmig.classifications.codes import TOTAL, TRAILING_ORDER


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


NESTED_SEPARATOR = "\x1f"
"""Between the outer and the inner code of a :attr:`Coding.nested` pair: the ASCII unit
separator, which no area code holds."""


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
        nested: The inner level's cells come coded as pairs, the outer code, then
            :data:`NESTED_SEPARATOR`, then the inner code (a dimension of two levels whose
            outer category is the one the data give each inner one, such as a district's
            region): the margins split the pairs, instead of looking the outer code up in
            ``parents``. An inner code found under two outer codes is a data error
            (:func:`censusmig.tables.margins.complete` says which).
    """

    dimension: Dimension
    fixed: tuple[str, ...] | None = None
    observed_only: bool = False
    parents: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    order: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    by_size: bool = False
    top: int | None = None
    nested: bool = False

    @property
    def inner(self) -> str:
        """The innermost level's column."""
        return self.dimension.levels[-1]

    def most_rows(self) -> int | None:
        """The most rows a complete table can have along this dimension, known beforehand.

        Counts what the margins stage adds: the total, every level's categories (an outer
        level's subtotals included), and the special codes a table may show (other, not
        applicable, not stated, unknown code). The categories are the fixed set, else the
        codes the coding orders or labels (every country, a profile's labelled areas), cut
        to ``top``.

        Returns:
            An upper bound of the rows, or None for an open classification that lists no
            codes (areas the profile does not label): only the data tell.
        """
        inner = self.inner
        listed = self.fixed or self.order.get(inner) or tuple(self.labels.get(inner, {}))
        specials = {TOTAL, *TRAILING_ORDER}
        regular = len(set(listed) - specials)
        if regular == 0:
            return None
        if self.top is not None:
            regular = min(regular, self.top)
        rows = 1 + regular + len(TRAILING_ORDER)
        for level in self.dimension.levels[:-1]:
            outer = {*self.parents.get(level, {}).values(), *self.order.get(level, ())}
            rows += (len(outer - specials) if outer else regular) + len(TRAILING_ORDER)
        return rows
