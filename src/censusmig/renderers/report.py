"""The HTML report: every table as an accessible HTML table, offline (no external assets)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import jinja2

from censusmig.protection import Publication
from censusmig.renderers.formatting import format_cell, legend, measures
from censusmig.renderers.layout import grid
from censusmig.renderers.quality import quality_rows
from censusmig.resources import bundled
from censusmig.tables.table import Table


def render(publication: Publication, out: Path) -> tuple[Path, ...]:
    """Write ``<out>/report.html``: the published tables and the run record's data quality."""
    record = publication.record
    return (
        write_report(
            publication.tables,
            out / "report.html",
            census_name=record.census.name,
            reference_date=record.census.reference_date,
            residence_rule_months=record.census.residence_rule_months,
            version=record.censusmig_version,
            quality=quality_rows(record),
        ),
    )


def write_report(
    tables: Sequence[Table],
    path: Path,
    *,
    census_name: str,
    reference_date: dt.date,
    residence_rule_months: int,
    version: str,
    quality: Sequence[Sequence[object]],
) -> Path:
    """Render ``report.html`` from ``templates/report.html.j2``.

    Args:
        tables: Published tables.
        path: The file to write.
        census_name: Census name for the title.
        reference_date: Census reference date.
        residence_rule_months: Usual residence rule.
        version: censusmig version, printed in the report.
        quality: Rows of the data-quality table, header first.

    Returns:
        The file written.
    """
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(bundled("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    views = []
    for table in tables:
        blocks = []
        layouts = []
        for measure in measures(bool(table.percent_of)):
            layout = grid(table, measure)
            layouts.append(layout)
            body = [
                (stub, [format_cell(cell, measure) for cell in values])
                for stub, values in zip(layout.rows, layout.values, strict=True)
            ]
            caption = table.title + (" (percent)" if measure == "percent" else "")
            blocks.append({"caption": caption, "grid": layout, "body": body})
        views.append(
            {
                "id": table.recipe_id,
                "title": table.title,
                "universe": table.universe_label,
                "blocks": blocks,
                "notes": table.notes,
                "symbols": legend(layouts),
                "source": table.source,
                "standard": table.standard,
            }
        )
    html = environment.get_template("report.html.j2").render(
        census_name=census_name,
        reference_date=reference_date.isoformat(),
        residence_rule=residence_rule_months,
        version=version,
        tables=views,
        quality=[[str(value) for value in row] for row in quality],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
