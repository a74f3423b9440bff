"""Renderers: a publication out as tidy CSV, an Excel workbook and an HTML report.

Each format is a module with ``render(publication, out)``, found by name in
:mod:`censusmig.renderers.registry`. Renderers read the publication only; they never compute.
"""
