"""A recipe in plain words, for trainers and newcomers (``censusmig recipes show``).

:func:`explain` builds an :class:`Explanation`, an immutable value a renderer only reads: what
the table counts, who is counted, each dimension by its title with its categories, the
standards spelled out and why they matter, the profile entries the table needs, and an
example layout whose cells are placeholders (no number pretends to be data). The command line
draws it with rich; ``--json`` prints :meth:`Explanation.to_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from censusmig.classifications.categories import EU_2021_PERIOD_STARTS, calendar_periods
from censusmig.classifications.codes import NOT_STATED, SPECIAL_LABELS, TOTAL, UNKNOWN_CODE
from censusmig.classifications.countries import M49_REGIONS
from censusmig.concepts import CONCEPTS, DISTRICT, GEOGRAPHY, ConceptKind
from censusmig.dimensions import DIMENSIONS, Definition
from censusmig.dimensions.shapes import Area, Countries, Interval, NestedArea, Residence
from censusmig.errors import CensusmigError, nearest
from censusmig.recipes.model import Condition, Recipe
from censusmig.recipes.standards import GLOSSARY, short_name
from censusmig.recipes.translations import LANGUAGES, Words

ELLIPSIS = "…"
"""What the example layout shows for the rows and columns it leaves out, and in their cells."""
CELL = "n"
"""What the example layout shows in a cell: a count, never a number."""
EXAMPLES = 3
"""Categories of a dimension shown in the example layout before the ellipsis."""
HEADINGS: tuple[str, ...] = (
    *("what", "who", "stub", "spanners", "standards", "why", "needs", "example"),
    *("file", "copy", "notes"),
)
"""Keys of :attr:`Explanation.headings`: the headings of the parts, in the chosen language."""


@dataclass(frozen=True)
class DimensionText:
    """One dimension of a table, in words.

    Attributes:
        name: The dimension's name in the recipe (``country_of_birth``).
        title: Its heading in the published table.
        categories: The labels of its fixed categories, in order; empty for an open
            classification (countries, the profile's areas), which :attr:`detail` describes.
        detail: What an open classification's categories are, or more about fixed ones
            (residence abroad by region); None when the labels say it all.
        total: The label of its total.
        examples: The first few category labels, for the example layout.
    """

    name: str
    title: str
    categories: tuple[str, ...]
    detail: str | None
    total: str
    examples: tuple[str, ...]

    @property
    def words(self) -> str:
        """The categories in one line: the labels, then the detail."""
        return "; ".join(part for part in (", ".join(self.categories), self.detail) if part)


@dataclass(frozen=True)
class StandardText:
    """One ``standard`` line of a recipe, spelled out.

    Attributes:
        citation: The line as the recipe writes it (``"DYB: census questionnaire ..."``).
        short_name: The standard it cites (``DYB``), or None when not in the glossary.
        full_title: The standard's full title, or None.
        topic: What of the standard the table implements (the text after the colon).
    """

    citation: str
    short_name: str | None
    full_title: str | None
    topic: str


@dataclass(frozen=True)
class ProfileEntry:
    """A profile entry a table needs.

    Attributes:
        entry: Where it goes in a profile (``[concepts.country_of_birth]``).
        concept: The concept's name (``country_of_birth``, ``geography``).
        description: What the column it names must hold.
    """

    entry: str
    concept: str
    description: str


@dataclass(frozen=True)
class ExampleLayout:
    """A small picture of the published table: a few rows and columns, no numbers.

    Attributes:
        stub_title: Heading of the stub column.
        rows: Labels down the stub; the last is an ellipsis.
        columns: Each value column's header, outer spanner first (one or two lines).
        cells: One row of cells per row label: :data:`CELL` or :data:`ELLIPSIS`.
    """

    stub_title: str
    rows: tuple[str, ...]
    columns: tuple[tuple[str, ...], ...]
    cells: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Explanation:
    """A recipe explained in plain words, in one language.

    Attributes:
        id: The recipe's id.
        title: The table's title.
        language: One of :data:`censusmig.recipes.translations.LANGUAGES`.
        path: The file the recipe comes from.
        description: What it counts (the recipe's own words).
        universe: Who is counted, as the recipe labels them.
        conditions: The universe's conditions in words (empty: everyone).
        stub: The dimensions down the side, outer first.
        spanners: The dimensions across the top, outer first.
        specials: The sentence on the not-stated and unknown-code categories.
        standards: The standards cited, spelled out.
        why: Why the table matters (from the first standard cited that says it), or "".
        needs: The profile entries the table needs.
        notes: The recipe's footnotes, and its ``top`` and percentage options in words.
        example: The example layout.
        copy_command: The command that copies the recipe as a starting point.
        headings: Heading of each part (keys :data:`HEADINGS`), in the language.
    """

    id: str
    title: str
    language: str
    path: str
    description: str
    universe: str
    conditions: tuple[str, ...]
    stub: tuple[DimensionText, ...]
    spanners: tuple[DimensionText, ...]
    specials: str
    standards: tuple[StandardText, ...]
    why: str
    needs: tuple[ProfileEntry, ...]
    notes: tuple[str, ...]
    example: ExampleLayout
    copy_command: str
    headings: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-able data (what ``recipes show --json`` prints)."""
        plain: dict[str, Any] = _plain(self)
        return plain


def _plain(value: object) -> Any:
    """Dataclasses to dicts and tuples to lists, all the way down."""
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return {name: _plain(getattr(value, name)) for name in fields}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def check_language(language: str) -> str:
    """Return ``language`` if an explanation can be written in it.

    Raises:
        CensusmigError: It cannot (the message names the languages and the nearest).
    """
    if language in LANGUAGES:
        return language
    match = nearest(language, LANGUAGES)
    hint = f"; did you mean {match!r}?" if match else ""
    raise CensusmigError(
        f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}{hint}"
    )


def explain(recipe: Recipe, language: str = "en") -> Explanation:
    """Explain a recipe in plain words.

    Args:
        recipe: A validated recipe.
        language: ``en``, ``es`` or ``fr``: the fixed sentences and category labels.

    Returns:
        The explanation.

    Raises:
        CensusmigError: Unknown language.
    """
    words = Words(check_language(language))
    stub_names = recipe.layout.stub or recipe.rows
    spanner_names = recipe.layout.spanners or recipe.columns
    stub = tuple(_dimension(recipe, name, words) for name in stub_names)
    spanners = tuple(_dimension(recipe, name, words) for name in spanner_names)
    standards = tuple(_standard(citation) for citation in recipe.standard)
    why = next(
        (s for s in (words.why(each.short_name or "") for each in standards) if s is not None),
        "",
    )
    notes = list(recipe.notes)
    if recipe.percent_of:
        titles = ", ".join(_title(recipe, name, words) for name in recipe.percent_of)
        notes.append(words.text("percent", names=titles))
    return Explanation(
        id=recipe.id,
        title=recipe.title,
        language=words.language,
        path=str(recipe.path),
        description=" ".join(recipe.description.split()),
        universe=recipe.universe_label,
        conditions=tuple(_condition(condition, words) for condition in recipe.universe),
        stub=stub,
        spanners=spanners,
        specials=words.text(
            "specials",
            not_stated=words.label(SPECIAL_LABELS[NOT_STATED]),
            unknown=words.label(SPECIAL_LABELS[UNKNOWN_CODE]),
        ),
        standards=standards,
        why=why,
        needs=tuple(_entry(name, words) for name in recipe.requires()),
        notes=tuple(notes),
        example=_example(stub, spanners),
        copy_command=f"censusmig recipes new my_table --from {recipe.id}",
        headings={key: words.text(key) for key in HEADINGS},
    )


def _title(recipe: Recipe, name: str, words: Words) -> str:
    return recipe.layout.titles.get(name) or words.label(DIMENSIONS[name].title)


def _dimension(recipe: Recipe, name: str, words: Words) -> DimensionText:
    """A dimension in words: its fixed categories, or what its open classification holds."""
    definition = DIMENSIONS[name]
    chosen = recipe.categories.get(name) or definition.categories
    title = _title(recipe, name, words)
    if chosen is not None:
        labels = tuple(words.label(category.label) for category in chosen.categories)
        detail = _residence_detail(definition, words)
        total = words.label(chosen.total_label)
        return DimensionText(name, title, labels, detail, total, labels[:EXAMPLES])
    detail, examples = _open_classification(recipe, definition, words)
    return DimensionText(name, title, (), detail, words.label(SPECIAL_LABELS[TOTAL]), examples)


def _residence_detail(definition: Definition, words: Words) -> str | None:
    """The abroad-by-region detail of a residence dimension, or None."""
    if not isinstance(definition, Residence):
        return None
    return words.text("abroad_by_region", regions=_regions(words))


def _regions(words: Words) -> str:
    return ", ".join(words.label(region) for region in M49_REGIONS.values())


def _open_classification(
    recipe: Recipe, definition: Definition, words: Words
) -> tuple[str, tuple[str, ...]]:
    """What an open classification holds, and example labels for the layout.

    Asked of the definition's shape, never of the dimension's name: a new dimension of a
    known shape is explained without a change here.
    """
    regions = [words.label(region) for region in M49_REGIONS.values()]
    if isinstance(definition, Countries):
        order = words.text(f"order_{recipe.country_order}")
        text = words.text("countries", regions=", ".join(regions), order=order)
        top = recipe.top.get(definition.name)
        if top is not None:
            text += "; " + words.text("top", top=top, other=words.label(SPECIAL_LABELS["_O"]))
        example = "  " + words.text("country_example", region=regions[0])
        return text, (regions[0], example, regions[1])
    if isinstance(definition, NestedArea):
        region = words.text("region_example")
        district = words.text("district_example")
        return words.text("nested_areas"), (f"({region} 1)", f"  ({district} 1)", f"({region} 2)")
    if isinstance(definition, Area):
        region = words.text("region_example")
        return words.text("areas"), tuple(f"({region} {n})" for n in range(1, EXAMPLES + 1))
    if isinstance(definition, Interval) and definition.periods is not None:
        first = EU_2021_PERIOD_STARTS[0]
        labels = calendar_periods(EU_2021_PERIOD_STARTS[-1] + 1).categories[:EXAMPLES]
        return words.text("periods", first=first), tuple(words.label(c.label) for c in labels)
    return definition.description, ()  # pragma: no cover - every open shape is listed above


def _standard(citation: str) -> StandardText:
    name = short_name(citation)
    head, _, topic = citation.partition(":")
    return StandardText(
        citation, name, GLOSSARY.get(name) if name else None, (topic or head).strip()
    )


def _entry(concept: str, words: Words) -> ProfileEntry:
    """Where a concept the table needs goes in a profile."""
    if concept == GEOGRAPHY:
        return ProfileEntry("[geography] levels[0]", concept, words.text("geography"))
    if concept == DISTRICT:
        return ProfileEntry("[geography] levels[1]", concept, words.text("district"))
    return ProfileEntry(f"[concepts.{concept}]", concept, CONCEPTS[concept].description)


def _condition(condition: Condition, words: Words) -> str:
    """A universe condition in words: "Nativity is Foreign-born", "age ... is at least 15"."""
    field = condition.field
    definition = DIMENSIONS.get(field)
    concept = CONCEPTS.get(field)
    subject = words.label(definition.title) if definition else field.replace("_", " ")
    categories = (definition.categories if definition else None) or (
        concept.categories if concept else None
    )
    labels = {**SPECIAL_LABELS, **(categories.labels() if categories else {})}
    values = []
    for value in condition.values:
        if concept is not None and concept.kind is ConceptKind.COUNTRY:
            values.append(_country(value, words))
        else:
            values.append(words.label(labels.get(value, value)))
    return f"{subject} {words.text(condition.operator)} {', '.join(values)}"


def _country(code: str, words: Words) -> str:
    """A country's name in the language, its code after it; the code alone when unknown."""
    from censusmig.classifications import countries

    known = countries.countries().get(code)
    if known is None:
        return code
    return f"{words.country(known.name)} ({code})"


def _example(stub: tuple[DimensionText, ...], spanners: tuple[DimensionText, ...]) -> ExampleLayout:
    """A few rows of the first stub dimension by a few columns of the spanners."""
    first = stub[0]
    rows = (first.total, *first.examples, ELLIPSIS)
    columns: list[tuple[str, ...]]
    if not spanners:
        columns = [(TOTAL_COLUMN,)]
    elif len(spanners) == 1:
        columns = [(spanners[0].total,), *((e,) for e in spanners[0].examples), (ELLIPSIS,)]
    else:
        outer, inner = spanners[0], spanners[1]
        columns = [
            (o, i)
            for o in (outer.total, *outer.examples[:1])
            for i in (inner.total, *inner.examples[:1])
        ]
        columns.append((ELLIPSIS, ELLIPSIS))
    cells = tuple(
        tuple(ELLIPSIS if row == ELLIPSIS or column[0] == ELLIPSIS else CELL for column in columns)
        for row in rows
    )
    return ExampleLayout(first.title, rows, tuple(columns), cells)


TOTAL_COLUMN = SPECIAL_LABELS[TOTAL]
"""The one value column of a table without spanners."""
