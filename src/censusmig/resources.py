"""Locating the recipe and template folders shipped with censusmig.

A wheel carries them inside the package (``censusmig/_bundled``); a source checkout installed in
editable mode finds them at the top of the repository, where they are edited.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """Return the shipped folder ``name`` ("recipes" or "templates")."""
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parents[1] / name
