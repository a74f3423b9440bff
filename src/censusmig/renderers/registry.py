"""The output formats: one renderer per format, registered by name.

Every renderer has one signature, :class:`Renderer`: a publication in, the paths written out.
Adding a format means adding its module (with a ``render`` function) and one entry in
:data:`REGISTRY`; the format list, the ``--format`` help and its error message follow. A format
with presentation choices (the workbook's layout) says so in its entry (``reads_options``) and
its ``render`` takes the run's :class:`RenderOptions` as a third argument
(:class:`OptionsRenderer`); adding a choice means adding a field there.

This module imports nothing beyond the standard library: a renderer's module (and openpyxl or
jinja2 with it) is imported only when its format is rendered.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, cast

from censusmig.errors import CensusmigError, Setting, nearest

if TYPE_CHECKING:
    from censusmig.protection import Publication


EXCEL_LAYOUTS: tuple[str, ...] = ("accessible", "classic")
"""The layouts of the workbook's table sheets: ``accessible`` (default: one header row, no
merged cells, an Excel table object per sheet, as the UK Government Analysis Function asks of
statistics released in spreadsheets) and ``classic`` (spanners over merged cells, an indented
stub, counts and percentages on one sheet)."""


@dataclass(frozen=True)
class RenderOptions:
    """How the outputs present the tables (never what they hold).

    Attributes:
        excel_layout: Layout of the workbook's table sheets, one of :data:`EXCEL_LAYOUTS`.
    """

    excel_layout: str = "accessible"

    def __post_init__(self) -> None:
        """Refuse an unknown layout, naming the nearest valid one."""
        if self.excel_layout not in EXCEL_LAYOUTS:
            match = nearest(self.excel_layout, EXCEL_LAYOUTS)
            hint = f" Did you mean {match!r}?" if match else ""
            raise CensusmigError(
                Setting("excel_layout"),
                f": unknown layout {self.excel_layout!r}.{hint} Valid: {', '.join(EXCEL_LAYOUTS)}.",
            )


DEFAULT_OPTIONS = RenderOptions()
"""The options of a run that states none."""


class Renderer(Protocol):
    """Write one output format of a publication into an output folder."""

    def __call__(self, publication: Publication, out: Path) -> tuple[Path, ...]:
        """Render.

        Args:
            publication: What the run publishes; a renderer reads nothing else.
            out: The output folder (it exists).

        Returns:
            The files written, in order.
        """
        ...


class OptionsRenderer(Protocol):
    """A :class:`Renderer` that also reads how to present the tables."""

    def __call__(
        self, publication: Publication, out: Path, options: RenderOptions
    ) -> tuple[Path, ...]:
        """Render.

        Args:
            publication: What the run publishes; a renderer reads nothing else.
            out: The output folder (it exists).
            options: How to present the tables; the format reads the fields that concern it.

        Returns:
            The files written, in order.
        """
        ...


@dataclass(frozen=True)
class OutputFormat:
    """One output format.

    Attributes:
        name: Its name in ``--format`` (``xlsx``).
        description: One line saying what it writes.
        module: Module whose ``render`` function is the :class:`Renderer`.
        outputs: What it writes in the output folder, as ``/``-separated shell patterns
            (``csv/*.csv``, ``tables.xlsx``): a folder holding these and a ``run.json`` is a
            censusmig output set, which a later run may replace whole
            (:mod:`censusmig.renderers.output_folder`). A format that names none makes a
            folder holding its files one that later runs refuse to replace.
        reads_options: True when the module's ``render`` takes the :class:`RenderOptions`
            (an :class:`OptionsRenderer`); a format without presentation choices leaves it
            False and its ``render`` keeps two arguments.
    """

    name: str
    description: str
    module: str
    outputs: tuple[str, ...] = ()
    reads_options: bool = False

    def renderer(self) -> Renderer:
        """The format's renderer (imports its module), with the default options."""
        if self.reads_options:
            return lambda publication, out: self.render(publication, out, DEFAULT_OPTIONS)
        return cast("Renderer", importlib.import_module(self.module).render)

    def render(
        self, publication: Publication, out: Path, options: RenderOptions = DEFAULT_OPTIONS
    ) -> tuple[Path, ...]:
        """Render this format, passing ``options`` when it reads them (imports its module)."""
        render = importlib.import_module(self.module).render
        if self.reads_options:
            return cast("OptionsRenderer", render)(publication, out, options)
        return cast("Renderer", render)(publication, out)


REGISTRY: Mapping[str, OutputFormat] = MappingProxyType(
    {
        entry.name: entry
        for entry in (
            OutputFormat(
                "csv",
                "tidy CSV, one file per table (csv/<recipe>.csv)",
                "censusmig.renderers.tidy_csv",
                ("csv/*.csv",),
            ),
            OutputFormat(
                "xlsx",
                "Excel workbook, a sheet per table (tables.xlsx)",
                "censusmig.renderers.workbook",
                ("tables.xlsx",),
                reads_options=True,
            ),
            OutputFormat(
                "html",
                "HTML report, readable offline (report.html)",
                "censusmig.renderers.report",
                ("report.html",),
            ),
        )
    }
)
"""Every output format by name, in the order they are rendered."""

FORMATS: tuple[str, ...] = tuple(REGISTRY)
"""The names of the output formats."""


def format_help() -> str:
    """The help text of ``--format``: every format with its one-line description."""
    listed = "; ".join(f"{entry.name}: {entry.description}" for entry in REGISTRY.values())
    return f"Outputs besides run.json, comma-separated. {listed}."


def parse_formats(text: str) -> tuple[str, ...]:
    """Parse a comma-separated list of formats (``xlsx,html,csv``).

    Raises:
        CensusmigError: A format is unknown (exit 2), naming the nearest valid one.
    """
    formats = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    for name in formats:
        if name not in REGISTRY:
            raise _unknown(name)
    if not formats:
        raise CensusmigError(f"no output format given. Valid: {', '.join(FORMATS)}.")
    return formats


def check_formats(formats: Sequence[str]) -> None:
    """Check that every name is a registered format.

    Raises:
        CensusmigError: A format is unknown, naming the nearest valid one.
    """
    for name in formats:
        if name not in REGISTRY:
            raise _unknown(name)


def render(
    publication: Publication,
    out: Path,
    formats: Sequence[str],
    options: RenderOptions = DEFAULT_OPTIONS,
) -> tuple[Path, ...]:
    """Render the chosen formats of a publication, in registry order.

    Args:
        publication: What the run publishes.
        out: Output folder, created if needed.
        formats: Names of the formats to render.
        options: How the outputs present the tables.

    Returns:
        The files written.

    Raises:
        CensusmigError: A format is unknown.
        OSError: A file cannot be written.
    """
    check_formats(formats)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, entry in REGISTRY.items():
        if name in formats:
            written += entry.render(publication, out, options)
    return tuple(written)


def output_patterns() -> tuple[str, ...]:
    """What every registered format may write in an output folder (see ``OutputFormat.outputs``)."""
    return tuple(pattern for entry in REGISTRY.values() for pattern in entry.outputs)


def _unknown(name: str) -> CensusmigError:
    match = nearest(name, FORMATS)
    hint = f" Did you mean {match!r}?" if match else ""
    return CensusmigError(f"unknown output format {name!r}.{hint} Valid: {', '.join(FORMATS)}.")
