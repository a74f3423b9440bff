"""Table dimensions, each defined in one place.

A dimension's definition (:mod:`censusmig.dimensions.shapes`) holds its spec, its derivation
from the coded concept columns, the concepts it reads and its coding in a table; the
registry :data:`DIMENSIONS` (:mod:`censusmig.dimensions.catalogue`) lists them all. Recipes
are validated against the definitions and the tables layer derives and codes through them, so
adding a dimension means adding one declaration to the catalogue.
"""

from __future__ import annotations

from censusmig.dimensions.catalogue import DIMENSIONS
from censusmig.dimensions.coding import Coding, Dimension
from censusmig.dimensions.shapes import Definition

__all__ = ["DIMENSIONS", "Coding", "Definition", "Dimension"]
