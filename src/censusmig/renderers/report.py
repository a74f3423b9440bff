"""The HTML report: every table as an accessible HTML table, offline (no external assets).

One self-contained page: a title page (census, reference date, release date, publisher,
contact), contents, a summary of headline figures and charts read from the published tables,
every table (a keyboard-focusable scroll region with a sticky stub and header on screen; column
panels that repeat the stub in print when a table is wider than a landscape page), a glossary
of the standards cited, the protection report when a table was protected before publication
(:mod:`censusmig.renderers.protection_report`), and the data quality. A survey's table shows
each estimate's and percentage's reliability flag beside it, then its margins of error and
coefficients of variation as tables of their own, with the flags' legend, the method and the
confidence level under it. No script, no external resource, and the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from censusmig.protection import Publication
from censusmig.renderers.charts import charts
from censusmig.renderers.formatting import (
    SUPPRESSED,
    format_cell,
    legend,
    measures,
    method_notes,
    reliability_legend,
    sampling_errors_of,
    sampling_heading,
)
from censusmig.renderers.glossary import cited, short_name
from censusmig.renderers.headlines import headlines
from censusmig.renderers.layout import Grid, Grids, HeaderCell, StubRow, grids_of
from censusmig.renderers.protection_report import (
    METHODS_HEADER,
    TABLES_HEADER,
    ProtectionReport,
    protection_notes,
    protection_report,
)
from censusmig.renderers.quality import QualitySection, quality_sections
from censusmig.resources import bundled
from censusmig.tables.table import Table

PRINT_WIDTH_CH = 136.0
"""Width of a printed table panel, in characters of the print font (8 pt on landscape A4 with
10 mm margins holds about 175; the rest is cell padding and borders)."""
STUB_CH = 30.0
"""Widest stub column, in characters: longer labels wrap."""
WIDE_CH = 150.0
"""A table wider than this (estimated, in characters) scrolls at 1366 px: its hint always shows."""
NARROW_CH = 40.0
"""A table wider than this scrolls on a phone: its hint shows on narrow screens."""

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Panel:
    """Some consecutive columns of a table, printed with the full stub.

    Attributes:
        caption: The panel's caption (the table's, with the columns it holds).
        header_rows: The spanners, clipped to the panel's columns.
        body: Stub and formatted cells of each row, the panel's columns only.
        column_widths: Least width of each of its columns (CSS lengths).
    """

    caption: str
    header_rows: tuple[tuple[HeaderCell, ...], ...]
    body: tuple[tuple[StubRow, tuple[str, ...]], ...]
    column_widths: tuple[str, ...]


def render(publication: Publication, out: Path) -> tuple[Path, ...]:
    """Write ``<out>/report.html``: the published tables and the run record's data quality."""
    record = publication.record
    census = record.census
    return (
        write_report(
            publication.tables,
            out / "report.html",
            census_name=census.name,
            reference_date=census.reference_date,
            residence_rule_months=census.residence_rule_months,
            version=record.censusmig_version,
            quality=quality_sections(record, {t.recipe_id: t.title for t in publication.tables}),
            publisher=census.publisher,
            contact=census.contact,
            release_date=census.release_date,
            grids=grids_of(publication),
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
    quality: Sequence[QualitySection],
    publisher: str | None = None,
    contact: str | None = None,
    release_date: dt.date | None = None,
    grids: Grids | None = None,
) -> Path:
    """Render ``report.html`` from ``templates/report.html.j2``.

    Args:
        tables: Published tables.
        path: The file to write.
        census_name: Census name for the title.
        reference_date: Census reference date.
        residence_rule_months: Usual residence rule.
        version: censusmig version, printed in the report.
        quality: The data-quality sections (record accounting, then edit checks).
        publisher: The office that publishes the tables (None: the line is left out).
        contact: Where readers send questions (None: left out).
        release_date: Release date (None: left out).
        grids: Where each table's grid is laid out once, shared with the other renderers of
            the publication (None: laid out for this report).

    Returns:
        The file written.
    """
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(bundled("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["slug"] = slug
    environment.filters["body_rows"] = body_rows
    grids = grids or Grids()
    views = [_table_view(table, number, grids) for number, table in enumerate(tables, start=1)]
    citations = [line for table in tables for line in table.standard]
    html = environment.get_template("report.html.j2").render(
        census_name=census_name,
        reference_date=long_date(reference_date),
        residence_rule=residence_rule_months,
        version=version,
        publisher=publisher,
        contact=contact,
        contact_is_email=contact is not None and _is_email(contact),
        release_date=long_date(release_date) if release_date is not None else None,
        headlines=headlines(tables),
        charts=[
            # The SVG is markup that charts.py built, escaping every text it holds.
            {"chart": chart, "svg": Markup(chart.svg)}
            for chart in charts(tables)
        ],
        tables=views,
        flagged=any(
            sampling_errors_of(table, measure)
            for table in tables
            for measure in ("value", "percent")
        ),
        glossary=cited(citations),
        protection=_protection_view(protection_report(tables)),
        quality=[_quality_section(part.title, [part.header, *part.rows]) for part in quality],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def long_date(day: dt.date) -> str:
    """A date as "30 June 2026" (the same in every locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def slug(text: str) -> str:
    """An id fragment from a short name: "P&R Rev.3" -> "p-r-rev-3"."""
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _is_email(text: str) -> bool:
    local, at, domain = text.partition("@")
    return bool(at) and bool(local) and "." in domain and " " not in text


def _table_view(table: Table, number: int, grids: Grids) -> dict[str, object]:
    blocks = []
    layouts = []
    # Each measure, its values flagged when it has sampling errors, then those errors.
    shown: list[tuple[str, bool]] = []
    for measure in measures(bool(table.percent_of)):
        errors_shown = sampling_errors_of(table, measure)
        shown.append((measure, bool(errors_shown)))
        shown += [(name, False) for name in errors_shown]
    for measure, marked in shown:
        layout = grids.grid(table, measure)
        layouts.append(layout)
        texts = tuple(
            (stub, tuple(format_cell(cell, measure) for cell in values))
            for stub, values in zip(layout.rows, layout.values, strict=True)
        )
        body = _flagged(layout, texts) if marked else texts
        caption = _caption(table, number, measure)
        stub_widths = _stub_widths(layout)
        column_widths = _column_widths(layout, texts, 2.0 if marked else 0.0)
        width = sum(stub_widths) + sum(column_widths)
        columns = len(column_widths)
        blocks.append(
            {
                "id": f"t{number}-{measure}",
                "caption": caption,
                "grid": layout,
                "body": body,
                "marked": marked,
                "stub_widths": [f"{w:g}ch" for w in stub_widths],
                "column_widths": [f"{w:g}ch" for w in column_widths],
                "hint": (
                    f"Scroll sideways to see all {columns} columns; the row labels stay in place."
                    if width > NARROW_CH
                    else None
                ),
                "hint_class": "hint-wide" if width > WIDE_CH else "hint-narrow",
                "panels": panels(layout, body, caption, column_widths, stub_widths),
            }
        )
    errors = table.sampling_errors
    return {
        "id": table.recipe_id,
        "number": number,
        "title": table.title,
        "universe": table.universe_label,
        "blocks": blocks,
        "notes": (*layouts[0].notes, *method_notes(table), *protection_notes(table)),
        "symbols": legend(layouts),
        "flags": reliability_legend(errors) if errors is not None else None,
        "source": table.source,
        "standard": [(line, short_name(line)) for line in table.standard],
    }


def _flagged(
    layout: Grid, texts: Sequence[tuple[StubRow, tuple[str, ...]]]
) -> tuple[tuple[StubRow, tuple[str, ...]], ...]:
    """The formatted cells with each value's reliability flag beside it.

    A flag is text after the number ("1,234 E" to a screen reader), in a span that the
    style sheet hangs in the cell's right padding, so that numbers with and without a flag
    line up.
    """
    return tuple(
        (
            stub,
            tuple(
                text
                if cell.mark is None
                else Markup(_FLAGGED.format(escape(text), escape(cell.mark)))
                for text, cell in zip(values, cells, strict=True)
            ),
        )
        for (stub, values), cells in zip(texts, layout.values, strict=True)
    )


_FLAGGED = '{}<span class="flag">&#160;{}</span>'
"""A value and its reliability flag, as the report writes them."""


def _caption(table: Table, number: int, measure: str) -> str:
    """A caption that says what the cells are, without repeating the section heading."""
    if table.sampling_errors is not None and measure not in ("value", "percent"):
        heading = sampling_heading(measure, table.sampling_errors)
        return f"Table {number}, {heading[:1].lower()}{heading[1:]}"
    if measure == "percent":
        titles = {d.name: d.title for d in table.dimensions}
        over = " and ".join(titles.get(name, name).lower() for name in table.percent_of)
        return f"Table {number}, percentages: each cell as a percent of its total over {over}"
    what = "estimated numbers (weighted)" if table.weighted else "numbers"
    return f"Table {number}, {what} of persons"


def _stub_widths(layout: Grid) -> list[float]:
    """Width of each stub column in characters: its longest label, capped at ``STUB_CH``."""
    widths = []
    for index, title in enumerate(layout.stub_titles):
        longest = max(
            [len(title)]
            + [
                len(row.labels[index]) + (3 * row.indent if index == len(row.labels) - 1 else 0)
                for row in layout.rows
            ]
        )
        widths.append(min(float(longest) + 2, STUB_CH))
    return widths


def _column_widths(
    layout: Grid, body: Sequence[tuple[StubRow, tuple[str, ...]]], flag: float = 0.0
) -> list[float]:
    """Width of each body column in characters: its longest header word or value, plus padding.

    ``flag``: the room a reliability flag takes beside the values (none without flags).
    """
    columns = len(layout.header_rows[-1]) and sum(c.span for c in layout.header_rows[-1])
    widths = [4.0] * columns
    for header in layout.header_rows:
        position = 0
        for cell in header:
            word = max((len(w) for w in cell.label.split()), default=0)
            if cell.span == 1:
                widths[position] = max(widths[position], float(word))
            position += cell.span
    for _, values in body:
        for index, value in enumerate(values):
            widths[index] = max(widths[index], float(len(value)))
    return [w + 2 + flag for w in widths]


def column_panels(
    widths: Sequence[float], groups: Sequence[int], budget: float
) -> list[tuple[int, int]]:
    """Split columns into consecutive panels no wider than ``budget``, at group edges if possible.

    Args:
        widths: Width of each column.
        groups: Sizes of the outer spanner groups, left to right (they add up to the columns).
        budget: Width available to the columns of one panel.

    Returns:
        (start, stop) of each panel; one panel when everything fits.
    """
    spans: list[tuple[int, int]] = []
    start = stop = position = 0
    used = 0.0
    for size in groups:
        group_width = sum(widths[position : position + size])
        if used + group_width <= budget:
            stop, used = position + size, used + group_width
        else:
            if stop > start:
                spans.append((start, stop))
            start = stop = position
            used = 0.0
            for column in range(position, position + size):
                if used + widths[column] > budget and stop > start:
                    spans.append((start, stop))
                    start, used = stop, 0.0
                stop, used = column + 1, used + widths[column]
        position += size
    if stop > start:
        spans.append((start, stop))
    return spans


def body_rows(body: Sequence[tuple[StubRow, Sequence[object]]]) -> Markup:
    """The ``<tr>`` rows of a table body, as the report template writes them.

    Written here rather than in the template: a Jinja loop over every cell was the slowest
    part of the report (about half a second for the 14 standard tables). Each row is
    ``<tr>``, its stub cells (``<th scope="row">``, indented or marked as repeating the row
    above), then its values (``<td>``), every text escaped.

    Args:
        body: Stub and formatted cells of each row.

    Returns:
        The rows, each ending in a line break.
    """
    rows = []
    for stub, values in body:
        last = len(stub.labels) - 1
        heads = []
        for index, label in enumerate(stub.labels):
            indent = stub.indents[index] if stub.indents else (stub.indent if index == last else 0)
            repeated = bool(stub.repeated) and stub.repeated[index]
            classes = (f"indent-{indent}" if indent else "") + (" repeated" if repeated else "")
            attribute = f' class="{classes}"' if indent or repeated else ""
            text = f'<span class="repeat">{escape(label)}</span>' if repeated else escape(label)
            heads.append(f'<th scope="row"{attribute}>{text}</th>')
        cells = "".join(f"<td>{escape(value)}</td>" for value in values)
        total = ' class="total"' if stub.total else ""
        rows.append(f"<tr{total}>\n{''.join(heads)}\n{cells}\n</tr>\n")
    return Markup("".join(rows))


def _clip(header: tuple[HeaderCell, ...], start: int, stop: int) -> tuple[HeaderCell, ...]:
    """The part of one spanner row over columns ``start``..``stop``."""
    clipped, position = [], 0
    for cell in header:
        low, high = max(position, start), min(position + cell.span, stop)
        if high > low:
            clipped.append(HeaderCell(cell.label, high - low))
        position += cell.span
    return tuple(clipped)


def panels(
    layout: Grid,
    body: Sequence[tuple[StubRow, tuple[str, ...]]],
    caption: str,
    column_widths: Sequence[float],
    stub_widths: Sequence[float],
) -> list[Panel]:
    """The print panels of a table too wide for a landscape page (none when it fits).

    Args:
        layout: The table's grid.
        body: Stub and formatted cells of each row.
        caption: The table's caption.
        column_widths: Estimated width of each body column.
        stub_widths: Estimated width of each stub column.

    Returns:
        Two or more panels, each repeating the stub; an empty list when one page holds it all.
    """
    budget = max(PRINT_WIDTH_CH - sum(stub_widths), 24.0)
    outer = layout.header_rows[0] if len(layout.header_rows) > 1 else ()
    groups = [cell.span for cell in outer] or [1] * len(column_widths)
    spans = column_panels(column_widths, groups, budget)
    if len(spans) < 2:
        return []
    total = len(column_widths)
    return [
        Panel(
            f"{caption} (part {part} of {len(spans)}: columns {start + 1}-{stop} of {total})",
            tuple(_clip(header, start, stop) for header in layout.header_rows),
            tuple((stub, values[start:stop]) for stub, values in body),
            tuple(f"{w:g}ch" for w in column_widths[start:stop]),
        )
        for part, (start, stop) in enumerate(spans, start=1)
    ]


def _protection_view(report: ProtectionReport | None) -> dict[str, object] | None:
    """The protection section for the template, or None when no table was protected."""
    if report is None:
        return None
    return {
        "methods": _quality_section("Methods", [METHODS_HEADER, *report.methods]),
        "tables": _quality_section("Protected tables", [TABLES_HEADER, *report.tables]),
        "notes": report.notes,
    }


def _quality_section(title: str, rows: Sequence[Sequence[object]]) -> dict[str, object]:
    """A data-quality table for the template: numbers formatted and flagged for alignment."""
    header, *body = rows
    return {
        "title": title,
        "header": [str(cell) for cell in header],
        "rows": [[_quality_cell(cell) for cell in row] for row in body],
    }


def _quality_cell(value: object) -> tuple[str, bool]:
    """A cell's text, and whether it is a number (right-aligned)."""
    if isinstance(value, bool):
        return str(value), False
    if value == SUPPRESSED:  # a count that protection withheld: where the number would be
        return SUPPRESSED, True
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return f"{value:,.1f}", True
    return str(value), False
