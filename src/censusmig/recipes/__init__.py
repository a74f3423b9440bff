"""Recipes: TOML descriptions of standard tables, parsed and validated (no computing here)."""
