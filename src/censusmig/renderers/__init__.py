"""Renderers: tables out as tidy CSV, an Excel workbook and an HTML report. They never compute."""
