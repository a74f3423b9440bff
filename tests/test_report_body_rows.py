"""The report's table bodies are written in Python, byte for byte as the template loop wrote them.

``renderers.report.body_rows`` replaced a Jinja loop over every cell (issue 13, speed). The
loop it replaced is kept here, and both are run on every body of the sample's tables and on
rows made to reach every branch (indents, repeated labels, total rows, text to escape).
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2
import pytest

from censusmig import api
from censusmig.renderers.formatting import format_cell
from censusmig.renderers.layout import Grids, StubRow
from censusmig.renderers.report import body_rows
from helpers import SAMPLE_DIR

# The template's loop before issue 13, verbatim (templates/report.html.j2).
OLD_LOOP = (
    '{% for stub, values in body %}<tr{% if stub.total %} class="total"{% endif %}>\n'
    "{% for label in stub.labels %}{% set ind = stub.indents[loop.index0] if stub.indents "
    "else (stub.indent if loop.last else 0) %}{% set rep = stub.repeated and "
    'stub.repeated[loop.index0] %}<th scope="row"{% if ind or rep %} class="{% if ind %}'
    'indent-{{ ind }}{% endif %}{% if rep %} repeated{% endif %}"{% endif %}>{% if rep %}'
    '<span class="repeat">{{ label }}</span>{% else %}{{ label }}{% endif %}</th>'
    "{% endfor %}\n"
    "{% for value in values %}<td>{{ value }}</td>{% endfor %}\n"
    "</tr>\n"
    "{% endfor %}"
)


def old_loop(body: Sequence[tuple[StubRow, Sequence[str]]]) -> str:
    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    return environment.from_string(OLD_LOOP).render(body=body)


MADE = (
    (StubRow(("Total",), 0, True), ("1,234", "..")),
    (StubRow(("Europe", "A & B <c>"), 1, False), ('"quoted"', "it's")),
    (StubRow(("Europe", "France"), 0, False, indents=(0, 2), repeated=(True, False)), ("x",)),
    (StubRow(("Asia", "Japan"), 2, False, repeated=(False, True)), ("-", "0.0", "z")),
    (StubRow(("Both",), 0, True, indents=(3,), repeated=(True,)), ()),
)


@pytest.mark.parametrize("index", range(len(MADE)))
def test_made_rows_are_written_as_the_loop_wrote_them(index: int) -> None:
    body = MADE[: index + 1]
    assert str(body_rows(body)) == old_loop(body)


def test_every_body_of_the_sample_is_written_as_the_loop_wrote_it() -> None:
    tabulation = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_DIR / "census.profile.toml",
        edit_checks=False,
    )
    grids = Grids()
    bodies = 0
    for table in tabulation.tables:
        grid = grids.grid(table, "value")
        body = [
            (stub, tuple(format_cell(cell, "value") for cell in row))
            for stub, row in zip(grid.rows, grid.values, strict=True)
        ]
        assert body, table.recipe_id
        assert str(body_rows(body)) == old_loop(body), table.recipe_id
        bodies += 1
    assert bodies == len(tabulation.tables) == 14
