"""The standards the recipes cite: the glossary lives in :mod:`censusmig.recipes.standards`.

Kept so that the renderers name it where they always did.
"""

from __future__ import annotations

from censusmig.recipes.standards import GLOSSARY, cited, short_name

__all__ = ["GLOSSARY", "cited", "short_name"]
