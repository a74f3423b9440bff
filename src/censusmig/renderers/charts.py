"""Inline SVG charts for the report, drawn from the published tables (no JavaScript).

Three charts, each read from one published table and left out when that table did not run: a
population pyramid of native- and foreign-born by age and sex, the top countries of birth of the
foreign-born, and the foreign-born by period of arrival. A cell that protection withheld is never
drawn as a number: it gets no bar and shows its symbol. Every chart carries a text alternative
(an SVG ``<title>`` and ``<desc>``), a caption with its key numbers, and its data as a table.

The SVG is built as text with fixed rounding, so the same tables give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import polars as pl

from censusmig.classifications.codes import TOTAL
from censusmig.renderers.formatting import SUPPRESSED, format_count
from censusmig.renderers.headlines import Cells
from censusmig.tables.table import VALUE, Table

NATIVE = "#1f5f8b"
"""Bar colour of the native-born (dark blue)."""
FOREIGN = "#b85c00"
"""Bar colour of the foreign-born and of single-series charts (dark orange; 4.6:1 on white)."""
INK = "#1a1a1a"
GRID = "#c8c8c8"
PYRAMID_WIDTH = 560.0
"""Width of the pyramid, in CSS pixels at its natural size (it shrinks to fit a phone)."""
BARS_WIDTH = 480.0
"""Width of a bar chart, in CSS pixels at its natural size."""
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class ChartData:
    """A chart's numbers as a table (the first column heads each row).

    Attributes:
        headers: Column headings.
        rows: Formatted cells, row by row.
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """One chart as the report shows it.

    Attributes:
        id: Anchor and element id prefix.
        title: Heading of the figure (and the SVG's ``<title>``).
        summary: The key numbers in words (the figure caption and the SVG's ``<desc>``).
        svg: The ``<svg>`` element.
        data: The numbers drawn.
        table_id: Recipe id of the table it is drawn from.
        table_number: That table's number in the report.
        table_title: That table's title.
    """

    id: str
    title: str
    summary: str
    svg: str
    data: ChartData
    table_id: str
    table_number: int
    table_title: str


@dataclass(frozen=True)
class _Point:
    """A published cell of a chart: its codes and labels on the varying levels, its value."""

    codes: tuple[str, ...]
    labels: tuple[str, ...]
    value: float | None


def charts(tables: Sequence[Table]) -> list[Chart]:
    """The charts the published tables allow, in report order.

    Args:
        tables: Published tables, in report order (their position is their number).

    Returns:
        The pyramid, top countries of birth and arrivals by period, each when its table ran.
    """
    numbered = {table.recipe_id: (number, table) for number, table in enumerate(tables, start=1)}
    found = []
    for recipe_id, build in (
        ("nativity_age_sex", pyramid),
        ("foreign_born_country_of_birth_age_sex", top_countries),
        ("foreign_born_period_of_arrival_country_of_birth", arrivals),
    ):
        if recipe_id in numbered:
            number, table = numbered[recipe_id]
            chart = build(table, number)
            if chart is not None:
                found.append(chart)
    return found


def _slice(table: Table, varying: tuple[str, ...]) -> list[_Point]:
    """The cells whose ``varying`` levels are all categories and whose other levels are totals."""
    cells = table.cells
    if not set(varying) <= set(table.level_columns):
        return []
    # Filtered by the frame, in the cells' order: a loop over every cell was most of the time.
    picked = cells.filter(
        *(pl.col(level).ne_missing(TOTAL) for level in varying),
        *(pl.col(level).eq_missing(TOTAL) for level in table.level_columns if level not in varying),
    )
    flags = picked["flag"].to_list() if "flag" in picked.columns else [None] * picked.height
    rows = picked.select(*varying, *(f"{v}_label" for v in varying), VALUE).rows()
    count = len(varying)
    return [
        _Point(row[:count], row[count : 2 * count], None if flag is not None else row[-1])
        for row, flag in zip(rows, flags, strict=True)
    ]


def _shown(value: float | None) -> str:
    return SUPPRESSED if value is None else format_count(value)


def _num(x: float) -> str:
    """A coordinate with one decimal at most, so the same input gives the same text."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _nice_max(largest: float) -> tuple[float, float]:
    """An axis maximum and tick step (1, 2 or 5 times a power of ten) covering ``largest``."""
    if largest <= 0:
        return 1.0, 1.0
    raw = largest / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(largest / step), step


def _svg(
    chart_id: str, title: str, summary: str, size: tuple[float, float], body: list[str]
) -> str:
    width, height = _num(size[0]), _num(size[1])
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{chart_id}-svg-title {chart_id}-svg-desc" class="chart" {FONT}>',
            f'<title id="{chart_id}-svg-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-svg-desc">{escape(summary)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{INK}"{extra}>'
        f"{escape(text)}</text>"
    )


def _rect(x: float, y: float, width: float, height: float, colour: str) -> str:
    return (
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" height="{_num(height)}" '
        f'fill="{colour}"/>'
    )


def _clip(label: str, size: int = 34) -> str:
    return label if len(label) <= size else label[: size - 1].rstrip() + "\u2026"


def pyramid(table: Table, number: int) -> Chart | None:
    """Native- and foreign-born by age and sex, men to the left and women to the right.

    Args:
        table: The table of population by nativity, age and sex (levels ``age_group``,
            ``sex`` and ``nativity``).
        number: Its number in the report.

    Returns:
        The chart, or None when the table lacks those levels or categories.
    """
    points = _slice(table, ("age_group", "sex", "nativity"))
    values = {p.codes: p.value for p in points}
    ages: dict[str, str] = {}
    sexes: dict[str, str] = {}
    nativities: dict[str, str] = {}
    for p in points:
        if not p.codes[0].startswith("_"):
            ages.setdefault(p.codes[0], p.labels[0])
        sexes.setdefault(p.codes[1], p.labels[1])
        nativities.setdefault(p.codes[2], p.labels[2])
    series = ("native_born", "foreign_born")
    if not ages or not {"M", "F"} <= set(sexes) or not set(series) <= set(nativities):
        return None
    chart_id = "chart-pyramid"
    title = "Population pyramid: native-born and foreign-born by age and sex"
    drawn = [v for v in values.values() if v is not None]
    top, step = _nice_max(max(drawn, default=0.0))
    row, head, foot = 18.0, 40.0, 62.0
    middle = PYRAMID_WIDTH / 2
    centre_left, centre_right = middle - 38, middle + 38
    reach = centre_left - 22
    height = head + row * len(ages) + foot
    body = [
        _text(centre_left - reach / 2, 18, sexes["M"], "middle", ' font-weight="bold"'),
        _text(centre_right + reach / 2, 18, sexes["F"], "middle", ' font-weight="bold"'),
        _text(middle, 34, "Age", "middle", ' font-weight="bold"'),
    ]
    bottom = head + row * len(ages)
    ticks = int(round(top / step))
    for tick in range(ticks + 1):
        offset = reach * tick / ticks
        label = format_count(tick * step) if tick else "0"
        for x in (centre_left - offset, centre_right + offset):
            body.append(
                f'<line x1="{_num(x)}" y1="{_num(head)}" x2="{_num(x)}" y2="{_num(bottom)}" '
                f'stroke="{GRID}" stroke-width="1"/>'
            )
            body.append(_text(x, bottom + 14, label, "middle", ' font-size="10"'))
    colours = {"native_born": NATIVE, "foreign_born": FOREIGN}
    for index, age in enumerate(reversed(list(ages))):
        y = head + row * index
        body.append(_text(middle, y + 13, ages[age], "middle"))
        for sex, sign, centre in (("M", -1, centre_left), ("F", 1, centre_right)):
            for slot, nativity in enumerate(series):
                value = values.get((age, sex, nativity))
                bar_y = y + 2 + slot * 7
                if value is None:
                    x = centre + sign * 6
                    body.append(_text(x, bar_y + 7, SUPPRESSED, "middle", ' font-size="9"'))
                    continue
                width = reach * value / top
                x = centre - width if sign < 0 else centre
                body.append(_rect(x, bar_y, width, 7, colours[nativity]))
    legend_y = bottom + 34
    for slot, nativity in enumerate(series):
        x = middle - 150 + slot * 160
        body.append(_rect(x, legend_y - 10, 12, 12, colours[nativity]))
        body.append(_text(x + 18, legend_y, nativities[nativity]))
    body.append(_text(middle, legend_y + 20, "Persons", "middle", ' font-size="10"'))
    summary = _pyramid_summary(table, values, ages, sexes, nativities, series)
    headers = ("Age",) + tuple(f"{sexes[s]}, {nativities[n]}" for s in ("M", "F") for n in series)
    rows = tuple(
        (label, *(_shown(values.get((age, s, n))) for s in ("M", "F") for n in series))
        for age, label in ages.items()
    )
    return Chart(
        chart_id,
        title,
        summary,
        _svg(chart_id, title, summary, (PYRAMID_WIDTH, height), body),
        ChartData(headers, rows),
        table.recipe_id,
        number,
        table.title,
    )


def _pyramid_summary(
    table: Table,
    values: dict[tuple[str, ...], float | None],
    ages: dict[str, str],
    sexes: dict[str, str],
    nativities: dict[str, str],
    series: tuple[str, ...],
) -> str:
    """Per nativity: men and women of all ages, and the largest age group."""
    totals = {
        (p.codes[0], p.codes[1]): p.value
        for p in _slice(table, ("sex", "nativity"))
        if p.codes[0] in ("M", "F")
    }
    parts = []
    for nativity in series:
        men, women = totals.get(("M", nativity)), totals.get(("F", nativity))
        sized = {
            age: sum(values[(age, s, nativity)] or 0 for s in ("M", "F"))
            for age in ages
            if all(values.get((age, s, nativity)) is not None for s in ("M", "F"))
        }
        largest = max(sized, key=lambda age: sized[age]) if sized else None
        text = f"{nativities[nativity]}: {_shown(men)} {sexes['M'].lower()} and "
        text += f"{_shown(women)} {sexes['F'].lower()}"
        if largest is not None:
            text += f"; largest age group {ages[largest]} ({format_count(sized[largest])})"
        parts.append(text)
    return ". ".join(parts) + "."


def _bars(
    chart_id: str, title: str, summary: str, bars: list[tuple[str, float | None]], axis: str
) -> str:
    """A horizontal bar chart: one labelled bar per category, its value at the end."""
    row, head, label_right, start = 24.0, 8.0, 190.0, 198.0
    reach = BARS_WIDTH - start - 52
    top, step = _nice_max(max((v for _, v in bars if v is not None), default=0.0))
    bottom = head + row * len(bars)
    body = []
    ticks = int(round(top / step))
    for tick in range(ticks + 1):
        x = start + reach * tick / ticks
        body.append(
            f'<line x1="{_num(x)}" y1="{_num(head)}" x2="{_num(x)}" y2="{_num(bottom)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        label = format_count(tick * step) if tick else "0"
        body.append(_text(x, bottom + 14, label, "middle", ' font-size="10"'))
    for index, (label, value) in enumerate(bars):
        y = head + row * index
        body.append(_text(label_right, y + 16, _clip(label, 30), "end"))
        if value is None:
            body.append(_text(start + 4, y + 16, SUPPRESSED))
            continue
        width = reach * value / top
        body.append(_rect(start, y + 5, width, 14, FOREIGN))
        body.append(_text(start + width + 4, y + 16, format_count(value)))
    body.append(_text(start + reach / 2, bottom + 32, axis, "middle", ' font-size="10"'))
    return _svg(chart_id, title, summary, (BARS_WIDTH, bottom + 40), body)


def top_countries(table: Table, number: int, top: int = 10) -> Chart | None:
    """The foreign-born of the ``top`` most frequent countries of birth, largest first.

    Countries whose count is withheld are not ranked (their size is not published); "other",
    "unknown" and "not stated" are not countries and are left out.

    Args:
        table: The table of the foreign-born by country of birth (a ``country_of_birth``
            dimension, possibly under a region level).
        number: Its number in the report.
        top: How many countries to show.

    Returns:
        The chart, or None when the table has no country of birth.
    """
    dimension = next((d for d in table.dimensions if d.name == "country_of_birth"), None)
    if dimension is None:
        return None
    points = [
        p
        for p in _slice(table, dimension.levels)
        if not p.codes[-1].startswith("_") and (len(p.codes) == 1 or p.codes[-1] != p.codes[0])
    ]
    ranked = sorted((p for p in points if p.value is not None), key=lambda p: -(p.value or 0))
    shown = ranked[:top]
    if not shown:
        return None
    withheld = sum(1 for p in points if p.value is None)
    chart_id = "chart-countries"
    title = f"Foreign-born population: the {len(shown)} most frequent countries of birth"
    listed = ", ".join(f"{p.labels[-1]} ({format_count(p.value or 0)})" for p in shown[:3])
    summary = f"The most frequent countries of birth are {listed}."
    together = sum(p.value or 0 for p in shown)
    grand = Cells(table).value({})
    if grand:
        summary += (
            f" The {len(shown)} countries shown account for {format_count(together)} of the "
            f"{format_count(grand)} foreign-born ({100 * together / grand:.1f}%)."
        )
    if withheld:
        summary += f" {withheld} countries whose counts are withheld ({SUPPRESSED}) are not ranked."
    bars = [(p.labels[-1], p.value) for p in shown]
    svg = _bars(chart_id, title, summary, bars, "Persons")
    rows = tuple((label, _shown(value)) for label, value in bars)
    return Chart(
        chart_id,
        title,
        summary,
        svg,
        ChartData(("Country of birth", "Foreign-born"), rows),
        table.recipe_id,
        number,
        table.title,
    )


def arrivals(table: Table, number: int) -> Chart | None:
    """The foreign-born by period of arrival, in the table's order.

    Args:
        table: The table with a ``period_of_arrival`` level.
        number: Its number in the report.

    Returns:
        The chart, or None when the table has no period of arrival.
    """
    points = _slice(table, ("period_of_arrival",))
    periods = [p for p in points if not p.codes[0].startswith("_")]
    if not periods:
        return None
    chart_id = "chart-arrivals"
    title = "Foreign-born population by period of arrival"
    bars = [(p.labels[0], p.value) for p in periods]
    summary = "; ".join(f"{label}: {_shown(value)}" for label, value in bars)
    other = [p for p in points if p.codes[0].startswith("_")]
    if other:
        summary += "; " + "; ".join(f"{p.labels[0].lower()}: {_shown(p.value)}" for p in other)
    summary = "Foreign-born by time since arrival. " + summary + "."
    svg = _bars(chart_id, title, summary, bars, "Persons")
    rows = tuple((label, _shown(value)) for label, value in bars)
    return Chart(
        chart_id,
        title,
        summary,
        svg,
        ChartData(("Period of arrival", "Foreign-born"), rows),
        table.recipe_id,
        number,
        table.title,
    )
