"""Microdata in: scanning data files and reading the profiles that describe them."""
