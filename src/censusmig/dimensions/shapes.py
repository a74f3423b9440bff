"""The shapes a dimension takes: each dimension is one declaration of one of these classes.

A definition holds everything about its dimension: the spec recipes are validated against
(name, required and used concepts, description, title, levels, default categories), the
derivation of its columns from the coded concept columns, the concepts it reads given a
profile, and its coding in a table (categories, order, labels, parent level).

The shapes:

- :class:`Coded`: a coded concept passed through (sex, reason for migration, nativity).
- :class:`Area`: an area of the profile's geography, labelled by the profile.
- :class:`NestedArea`: a second-level area under the first-level area its records give.
- :class:`Countries`: a country classification with its UN M49 regions as outer level.
- :class:`Levelled`: a coded concept with a roll-up and a detailed level of categories.
- :class:`Residence`: residence at a past date, with its abroad-by-region detail level.
- :class:`Interval`: interval groups of a number (age groups, periods of arrival).
- :class:`Rule`: a rule on category codes of several inputs (citizenship status, generation).

Polars is imported only where an expression is built, so that reading recipes does not load it.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from censusmig.classifications.categories import (
    RESIDENCE,
    RESIDENCE_DETAILED,
    Category,
    CategorySet,
)
from censusmig.classifications.codes import NOT_STATED, OTHER, SPECIAL_LABELS, TRAILING_ORDER
from censusmig.concepts import CONCEPTS, GEOGRAPHY_LEVELS, ConceptKind
from censusmig.dimensions.coding import NESTED_SEPARATOR, Coding, Dimension
from censusmig.dimensions.columns import concept_column, nativity_column, status_column
from censusmig.profiles.model import Profile

if TYPE_CHECKING:
    import polars as pl

RuleFactory = Callable[[Profile, CategorySet], Callable[..., str]]
"""Builds a rule on category codes for a profile (its census country) and category set."""


@dataclass(frozen=True, kw_only=True)
class Definition(abc.ABC):
    """One dimension a recipe can put in its stub or column spanners.

    Attributes:
        name: Name of the dimension; also the name of its innermost column in tidy output.
        requires: Concepts the profile must map for the dimension to be computed.
        description: Plain words for trainers.
        title: Heading of the dimension in published tables.
        levels: Column names from outer to inner (a classification with levels, e.g. region
            of birth above country of birth); empty means the one level ``name``.
        categories: Fixed category set, or None for an open classification whose categories
            are the codes observed (countries, regions).
        uses: Concepts used when the profile maps them, but not required.
    """

    name: str
    requires: tuple[str, ...]
    description: str
    title: str
    levels: tuple[str, ...] = ()
    categories: CategorySet | None = None
    uses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.levels:
            object.__setattr__(self, "levels", (self.name,))

    @property
    def dimension(self) -> Dimension:
        """Name, title and levels, as laid out in a table."""
        return Dimension(self.name, self.title, self.levels)

    @property
    def regroupable(self) -> bool:
        """Whether a recipe may redefine the categories with ``breaks``."""
        return False

    @property
    def keeps_top(self) -> bool:
        """Whether a recipe may keep only the ``top`` largest categories."""
        return False

    @property
    def detail_levels(self) -> tuple[str, ...]:
        """Levels of detail a recipe may ask for with ``level = ...`` (none by default)."""
        return ()

    def at_level(self, level: str) -> CategorySet:
        """Categories of a level of detail a recipe asks for.

        Args:
            level: One of :attr:`detail_levels`.

        Raises:
            ValueError: The dimension has no such level.
        """
        raise ValueError("this dimension has no other level of detail")

    def regrouped(self, breaks: tuple[int, ...], name: str) -> CategorySet:
        """Categories a recipe's ``breaks`` define.

        Args:
            breaks: Increasing whole numbers, at least two.
            name: Name of the new category set.

        Raises:
            ValueError: The breaks do not fit this dimension (the message says why).
        """
        raise ValueError("categories of this dimension cannot be redefined")

    def fit_bands(
        self, profile: Profile, categories: CategorySet | None, coarser: bool
    ) -> CategorySet | None:
        """Categories that a number the profile holds as bands (age bands) can give.

        Args:
            profile: The profile of the run.
            categories: A recipe's categories replacing the default, if any.
            coarser: Whether groups the bands cannot give may become the nearest unions of
                bands (a recipe's ``allow_coarser``).

        Returns:
            Categories replacing the run's, or None when they need no change.

        Raises:
            ValueError: The bands cannot give the categories (the message says which).
        """
        return None

    def concepts(self, profile: Profile) -> set[str]:
        """Concepts the derivation reads: required ones, plus optional ones the profile maps."""
        return {c for c in (*self.requires, *self.uses) if c in profile.concepts}

    def categories_for(
        self, profile: Profile, override: CategorySet | None = None
    ) -> CategorySet | None:
        """The categories in a run: a recipe's override, else the default."""
        return override or self.categories

    @abc.abstractmethod
    def expression(self, profile: Profile, categories: CategorySet | None) -> pl.Expr:
        """The dimension's (outer-level) codes over the coded concept columns.

        Args:
            profile: The profile of the run.
            categories: The categories in the run (see :meth:`categories_for`).
        """

    def columns(
        self, profile: Profile, column: str, categories: CategorySet | None = None
    ) -> list[pl.Expr]:
        """The derived columns: ``column`` and, for detail levels, the inner-level column.

        Args:
            profile: The profile of the run.
            column: Name of the dimension's column.
            categories: A recipe's categories replacing the default, if any.
        """
        chosen = self.categories_for(profile, categories)
        return [self.expression(profile, chosen).alias(column)]

    def inner_column(self, column: str) -> str:
        """The derived column holding the inner level's codes, for a dimension column."""
        return column

    def coding(
        self,
        profile: Profile,
        categories: CategorySet | None = None,
        top: int | None = None,
        by_size: bool = False,
    ) -> Coding:
        """How the dimension is completed, ordered and labelled in a table.

        Args:
            profile: The profile of the run.
            categories: A recipe's categories replacing the default, if any.
            top: Keep only this many largest categories (where :attr:`keeps_top`).
            by_size: Order open levels by size rather than by code.
        """
        chosen = self.categories_for(profile, categories)
        if chosen is None:  # pragma: no cover - open shapes override this method
            raise NotImplementedError(f"{self.name} has no categories to code")
        return Coding(self.dimension, chosen.codes, labels={self.levels[0]: chosen.labels()})


@dataclass(frozen=True, kw_only=True)
class Coded(Definition):
    """A coded concept passed through as it is (or a column derived from it in stage 1).

    Attributes:
        concept: The concept read (default: the dimension's name).
        column: The column passed through (default: the concept's coded column).
    """

    concept: str = ""
    column: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.concept:
            object.__setattr__(self, "concept", self.name)
        if not self.column:
            object.__setattr__(self, "column", concept_column(self.concept))

    def concepts(self, profile: Profile) -> set[str]:
        """The required and used concepts, and the concept passed through."""
        return super().concepts(profile) | {self.concept}

    def expression(self, profile: Profile, categories: CategorySet | None) -> pl.Expr:
        """The column, unchanged."""
        import polars as pl

        return pl.col(self.column)


@dataclass(frozen=True, kw_only=True)
class Levelled(Coded):
    """A coded concept whose categories form a hierarchy: a roll-up and a detailed level.

    Tables show the roll-up level (``categories``) unless a recipe asks for the detailed one
    (``[categories.<dimension>] level = "detailed"``). A profile may map source codes to either
    level: a detailed code rolls up to its ``parent``; a roll-up code mapped directly is, at the
    detailed level, a row of its own, "not further specified" (labelled from ``data/labels.csv``
    under the detailed set's name), listed only when the profile maps to it.

    Attributes:
        detailed: The detailed categories, each with the roll-up code it belongs to.
    """

    detailed: CategorySet

    @property
    def detail_levels(self) -> tuple[str, ...]:
        """The one finer level, ``detailed``."""
        return (DETAILED,)

    def at_level(self, level: str) -> CategorySet:
        """The detailed categories (see :meth:`Definition.at_level`)."""
        if level != DETAILED:
            return super().at_level(level)
        return self.detailed

    def categories_for(
        self, profile: Profile, override: CategorySet | None = None
    ) -> CategorySet | None:
        """The detailed categories, with the roll-ups the profile maps to, when asked for."""
        if override is None or override.name != self.detailed.name:
            return super().categories_for(profile, override)
        from censusmig.classifications.labels import labels

        targets = _targets(profile, self.concept)
        unspecified = labels(self.detailed.name)
        chosen: list[Category] = []
        for roll_up in self.categories.codes if self.categories else ():
            chosen += [c for c in self.detailed.categories if c.parent == roll_up]
            if roll_up in targets and roll_up not in self.detailed.codes:
                chosen.append(Category(roll_up, unspecified[roll_up], parent=roll_up))
        return CategorySet(
            self.detailed.name,
            tuple(chosen),
            self.detailed.total_label,
            self.detailed.not_stated_label,
        )

    def expression(self, profile: Profile, categories: CategorySet | None) -> pl.Expr:
        """The concept's codes at the level of ``categories`` (detailed codes rolled up)."""
        import polars as pl

        from censusmig.dimensions import expressions as ex

        assert categories is not None
        return ex.category_level(self.concept, pl.col(self.column), categories)


DETAILED = "detailed"
"""The level of detail a recipe names to get a :class:`Levelled` dimension's finer categories."""


def _targets(profile: Profile, concept: str) -> set[str]:
    """Every standard code the profile maps a concept's source codes to."""
    mapping = profile.concepts.get(concept)
    if mapping is None:
        return set()
    targets = {*mapping.codes.values(), *([mapping.other] if mapping.other else [])}
    return targets | set(mapping.gate.codes.values() if mapping.gate else ())


@dataclass(frozen=True, kw_only=True)
class Area(Coded):
    """An area of the profile's first geography level, labelled by the profile."""

    def coding(
        self,
        profile: Profile,
        categories: CategorySet | None = None,
        top: int | None = None,
        by_size: bool = False,
    ) -> Coding:
        """Labelled areas in the profile's order: those observed, or all with ``all_labels``.

        Without labels, the codes observed, by code.
        """
        level = profile.geography[0] if profile.geography else None
        labels = dict(level.labels) if level else {}
        return Coding(
            self.dimension,
            fixed=tuple(labels) or None,
            observed_only=not (level and level.all_labels),
            labels={self.name: {**SPECIAL_LABELS, **labels}},
        )


@dataclass(frozen=True, kw_only=True)
class NestedArea(Definition):
    """An area of the profile's second geography level under the first-level area holding it.

    ``levels`` is (outer, inner), e.g. (region, district). Which region a district belongs
    to is not listed anywhere: it is the region its records have. The derivation pairs each
    record's two codes (:attr:`~censusmig.dimensions.coding.Coding.nested`), and the margins
    split the pairs, so that each region's subtotal sums the districts found in it; a
    district found in two regions stops the run (a subtotal would mix areas). The two levels
    are read as the pseudo-concepts :data:`~censusmig.concepts.GEOGRAPHY_LEVELS`.
    """

    def concepts(self, profile: Profile) -> set[str]:
        """Both geography levels."""
        return set(GEOGRAPHY_LEVELS)

    def expression(self, profile: Profile, categories: CategorySet | None) -> pl.Expr:
        """The inner area's code (what a universe condition on the dimension compares)."""
        import polars as pl

        return pl.col(concept_column(GEOGRAPHY_LEVELS[1]))

    def columns(
        self, profile: Profile, column: str, categories: CategorySet | None = None
    ) -> list[pl.Expr]:
        """The inner area's code, and the (outer, inner) pair the cells are counted by."""
        import polars as pl

        outer, inner = (pl.col(concept_column(name)).cast(pl.String) for name in GEOGRAPHY_LEVELS)
        pair = pl.concat_str(outer, pl.lit(NESTED_SEPARATOR), inner)
        return [
            self.expression(profile, categories).alias(column),
            pair.alias(self.inner_column(column)),
        ]

    def inner_column(self, column: str) -> str:
        """The column of pairs."""
        return f"{column}_in_{self.levels[0]}"

    def coding(
        self,
        profile: Profile,
        categories: CategorySet | None = None,
        top: int | None = None,
        by_size: bool = False,
    ) -> Coding:
        """Both levels labelled and ordered as the profile lists them, else by code."""
        levels = profile.geography[: len(self.levels)]
        labels = {
            name: dict(level.labels) for name, level in zip(self.levels, levels, strict=False)
        }
        return Coding(
            self.dimension,
            labels={name: {**SPECIAL_LABELS, **named} for name, named in labels.items()},
            order={name: tuple(named) for name, named in labels.items() if named},
            nested=True,
        )


@dataclass(frozen=True, kw_only=True)
class Countries(Coded):
    """Countries (ISO alpha-3) under their UN M49 region; ``levels`` is (region, country)."""

    @property
    def keeps_top(self) -> bool:
        """Countries can be cut to the largest ones."""
        return True

    def coding(
        self,
        profile: Profile,
        categories: CategorySet | None = None,
        top: int | None = None,
        by_size: bool = False,
    ) -> Coding:
        """Regions in M49 order, countries by size or code, the census country by its name."""
        from censusmig.classifications import countries
        from censusmig.classifications.labels import labels

        outer, inner = self.levels
        known = countries.countries()
        specials = {code: code for code in TRAILING_ORDER}
        region_of = {code: country.region or OTHER for code, country in known.items()}
        region_of[countries.ABROAD_NOT_STATED] = NOT_STATED
        country_labels = {code: country.name for code, country in known.items()}
        country_labels[profile.country] = profile.country_name
        return Coding(
            self.dimension,
            parents={outer: {**region_of, **specials}},
            labels={
                outer: {**SPECIAL_LABELS, **countries.region_labels(), **labels("m49_region")},
                inner: {**SPECIAL_LABELS, **country_labels, **labels("country")},
            },
            order={outer: tuple(countries.M49_REGIONS)},
            by_size=by_size,
            top=top,
        )


@dataclass(frozen=True, kw_only=True)
class Residence(Levelled):
    """Residence at a past date; its inner level details abroad by UN M49 region.

    ``levels`` is (residence type, detail); the detail is derived into ``<column>_area``. The
    residence types are the roll-up categories, or the detailed ones when a recipe asks.

    Attributes:
        country: The concept of the country of residence if abroad (used when mapped).
    """

    country: str
    categories: CategorySet | None = RESIDENCE
    detailed: CategorySet = RESIDENCE_DETAILED

    def columns(
        self, profile: Profile, column: str, categories: CategorySet | None = None
    ) -> list[pl.Expr]:
        """The residence type, and its detail with the country's region when abroad.

        The detail is one lookup of the coded residence concept and country, not a second
        lookup over the residence type.
        """
        import polars as pl

        from censusmig.dimensions import expressions as ex

        kinds = self.categories_for(profile, categories)
        assert kinds is not None
        country = pl.col(concept_column(self.country)) if self.country in profile.concepts else None
        kind = self.expression(profile, kinds)
        country_enum = ex.enum(ex.country_codes(profile))
        residence = pl.col(self.column)
        detail = ex.residence_area(residence, country, country_enum, kinds, concept=self.concept)
        return [kind.alias(column), detail.alias(f"{column}_area")]

    def inner_column(self, column: str) -> str:
        """The detail column."""
        return f"{column}_area"

    def coding(
        self,
        profile: Profile,
        categories: CategorySet | None = None,
        top: int | None = None,
        by_size: bool = False,
    ) -> Coding:
        """Types in order; the detail: types, then M49 regions, then abroad not placed."""
        from censusmig.classifications import countries
        from censusmig.classifications.labels import labels
        from censusmig.dimensions.expressions import residence_area_parents

        outer, inner = self.levels
        chosen = self.categories_for(profile, categories)
        assert chosen is not None
        regions = countries.region_labels()
        detail = labels("residence_abroad")
        kinds = chosen.labels()
        return Coding(
            self.dimension,
            parents={outer: residence_area_parents(chosen)},
            labels={outer: kinds, inner: {**kinds, **regions, **detail}},
            order={outer: chosen.codes, inner: (*chosen.codes, *regions, *detail)},
        )


@dataclass(frozen=True, kw_only=True)
class Interval(Definition):
    """Interval groups of a numeric concept, with the specials taken from its status.

    Attributes:
        concept: The numeric concept.
        highest: The highest value an open-ended top group reaches, for a profile.
        years_before_census: Group the census year minus the value (years since arrival).
        periods: Categories fixed by the profile (calendar periods ending in the census
            year), replacing the default; None uses ``categories``.
        regroup: Builds categories from a recipe's ``breaks`` (raising ValueError when they
            do not fit), or None when a recipe may not redefine them.
        largest_break: The largest break a recipe may give (an age of 150 years by
            default): the groups are built value by value up to it.
    """

    concept: str
    highest: Callable[[Profile], int]
    years_before_census: bool = False
    periods: Callable[[Profile], CategorySet] | None = None
    regroup: Callable[[tuple[int, ...], str], CategorySet] | None = None
    largest_break: int = 150

    @property
    def regroupable(self) -> bool:
        """Whether ``regroup`` is given."""
        return self.regroup is not None

    def regrouped(self, breaks: tuple[int, ...], name: str) -> CategorySet:
        """Categories from ``breaks`` (see :meth:`Definition.regrouped`)."""
        if self.regroup is None:
            return super().regrouped(breaks, name)
        if breaks and not 0 <= breaks[-1] <= self.largest_break:
            raise ValueError(f"breaks of {self.name} must be from 0 to {self.largest_break}")
        return self.regroup(breaks, name)

    def categories_for(
        self, profile: Profile, override: CategorySet | None = None
    ) -> CategorySet | None:
        """The profile's periods where the dimension has them, else as any dimension."""
        if self.periods is not None:
            return self.periods(profile)
        return super().categories_for(profile, override)

    def fit_bands(
        self, profile: Profile, categories: CategorySet | None, coarser: bool
    ) -> CategorySet | None:
        """Groups that are unions of whole bands (see :meth:`Definition.fit_bands`)."""
        from censusmig.dimensions import bands as banding

        mapping = profile.concepts.get(self.concept)
        if mapping is None or not mapping.bands:
            return None
        chosen = self.categories_for(profile, categories)
        assert chosen is not None
        split = banding.split_bands(chosen, mapping.bands)
        if not split and not self.years_before_census:
            return None
        problem = (
            f"dimension {self.name} asks for groups {banding.describe_groups(chosen)}, "
            f"which the {self.concept} bands of the profile ({banding.describe(mapping.bands)}) "
            "cannot give"
        )
        if self.years_before_census or self.periods is not None:
            raise ValueError(f"{problem}: its groups cannot be made of bands")
        if not coarser:
            breaks = ", ".join(str(band.low) for band in mapping.bands)
            raise ValueError(
                f"{problem}: every group must be a union of whole bands, and "
                f"{banding.describe(split)} would be split. Ask for groups of whole bands "
                f"([categories.{self.name}] breaks = [{breaks}] or fewer of them), or set "
                "[options] allow_coarser = true to merge the bands to the nearest groups"
            )
        return banding.coarser_groups(chosen, mapping.bands, f"{self.name}_bands")

    def expression(self, profile: Profile, categories: CategorySet | None) -> pl.Expr:
        """The interval of each value; ``_U`` / ``_Z`` / ``_X`` from the status column."""
        import polars as pl

        from censusmig.dimensions import expressions as ex

        assert categories is not None
        value = pl.col(concept_column(self.concept))
        if self.years_before_census:
            value = ex.years_since_arrival(value, profile.reference_date)
        status = pl.col(status_column(self.concept))
        return ex.interval_codes(value, status, categories, self.highest(profile))


class Input(abc.ABC):
    """One argument of a :class:`Rule`: an Enum expression with its categories."""

    @abc.abstractmethod
    def reads(self, profile: Profile) -> set[str]:
        """Concepts the input reads."""

    @abc.abstractmethod
    def build(self, profile: Profile) -> tuple[pl.Expr, list[str]]:
        """The Enum expression and its categories in Enum order."""


@dataclass(frozen=True)
class CodedInput(Input):
    """A coded concept (a category or country concept) as it is.

    Attributes:
        concept: The concept.
    """

    concept: str

    def reads(self, profile: Profile) -> set[str]:
        """The concept."""
        return {self.concept}

    def build(self, profile: Profile) -> tuple[pl.Expr, list[str]]:
        """The coded column; countries take every country code of the profile."""
        import polars as pl

        from censusmig.dimensions import expressions as ex

        column = pl.col(concept_column(self.concept))
        if CONCEPTS[self.concept].kind is ConceptKind.COUNTRY:
            return column, list(ex.enum(ex.country_codes(profile)).categories)
        return column, ex.category_codes(self.concept)


@dataclass(frozen=True)
class NativityInput(Input):
    """Nativity (native- / foreign-born) from a country-of-birth concept.

    Attributes:
        concept: The person's or a parent's country-of-birth concept.
    """

    concept: str

    def reads(self, profile: Profile) -> set[str]:
        """The country-of-birth concept."""
        return {self.concept}

    def build(self, profile: Profile) -> tuple[pl.Expr, list[str]]:
        """The nativity column of stage 1."""
        import polars as pl

        from censusmig.classifications.categories import NATIVITY
        from censusmig.dimensions import expressions as ex

        return pl.col(nativity_column(self.concept)), list(ex.enum(NATIVITY.codes).categories)


@dataclass(frozen=True)
class ArrivalInput(Input):
    """Arrival within ``years`` of the census year ("recent") or earlier ("not_recent").

    Attributes:
        years: Completed years of residence counted as recent are fewer than this.
    """

    years: int

    def reads(self, profile: Profile) -> set[str]:
        """The year of arrival."""
        return {"year_of_arrival"}

    def build(self, profile: Profile) -> tuple[pl.Expr, list[str]]:
        """Recent / not recent, with ``_U`` / ``_Z`` / ``_X`` from the year's status."""
        import polars as pl

        from censusmig.dimensions import expressions as ex

        arrival = CategorySet(
            "arrival",
            (Category("recent", "", 0, self.years - 1), Category("not_recent", "", self.years)),
        )
        years = ex.years_since_arrival(
            pl.col(concept_column("year_of_arrival")), profile.reference_date
        )
        status = pl.col(status_column("year_of_arrival"))
        grouped = ex.interval_codes(years, status, arrival, 200)
        return grouped, list(ex.enum(arrival.codes).categories)


@dataclass(frozen=True)
class AbroadInput(Input):
    """Whether a person of at least ``min_age`` lived abroad at a past date ("yes" / "no").

    Everyone is "no" when the profile does not map the residence concept.

    Attributes:
        residence: The residence concept of the past date.
        min_age: Youngest age counted (born before the past date).
    """

    residence: str
    min_age: int

    def reads(self, profile: Profile) -> set[str]:
        """The residence concept and age, when the profile maps the residence."""
        return {self.residence, "age"} if self.residence in profile.concepts else set()

    def build(self, profile: Profile) -> tuple[pl.Expr, list[str]]:
        """A 0 / 1 flag, indexed as "no" / "yes"."""
        import polars as pl

        abroad = pl.lit(False)
        if self.residence in profile.concepts:
            residence = pl.col(concept_column(self.residence))
            age = pl.col(concept_column("age"))
            abroad = ((residence == "abroad") & (age >= self.min_age)).fill_null(False)
        return abroad.cast(pl.UInt8), ["no", "yes"]


@dataclass(frozen=True, kw_only=True)
class Rule(Definition):
    """A rule on the category codes of its inputs, applied through one integer lookup.

    Attributes:
        inputs: The rule's arguments, in order.
        rule: Builds the rule for a profile and the run's category set.
    """

    inputs: tuple[Input, ...]
    rule: RuleFactory

    def concepts(self, profile: Profile) -> set[str]:
        """The required and used concepts, and every concept an input reads."""
        read = super().concepts(profile)
        for item in self.inputs:
            read |= item.reads(profile)
        return read

    def fit_bands(
        self, profile: Profile, categories: CategorySet | None, coarser: bool
    ) -> CategorySet | None:
        """Refuse an age threshold of an input that splits the profile's age bands."""
        from censusmig.dimensions import bands as banding

        age = profile.concepts.get("age")
        for item in self.inputs:
            if not isinstance(item, AbroadInput) or age is None or not age.bands:
                continue
            split = banding.split_by_condition(">=", item.min_age, age.bands)
            if split and item.residence in profile.concepts:
                raise ValueError(
                    f"dimension {self.name} counts abroad persons aged {item.min_age} and "
                    f"over, which splits the age bands {banding.describe(split)} of the "
                    f"profile ({banding.describe(age.bands)})"
                )
        return None

    def expression(self, profile: Profile, categories: CategorySet | None) -> pl.Expr:
        """The rule's result for every record."""
        from censusmig.dimensions import expressions as ex

        assert categories is not None
        inputs = [item.build(profile) for item in self.inputs]
        return ex.lookup(inputs, self.rule(profile, categories), categories.codes)


def with_census_country(rule: Callable[..., str]) -> RuleFactory:
    """A rule that takes the census country as its ``census_country`` argument."""
    return lambda profile, categories: functools.partial(rule, census_country=profile.country)


def as_is(rule: Callable[..., str]) -> RuleFactory:
    """A rule that depends on its inputs only."""
    return lambda profile, categories: rule


def by_categories(rule: Callable[[CategorySet], Callable[..., str]]) -> RuleFactory:
    """A rule built from the run's category set (groupings a recipe may redefine)."""
    return lambda profile, categories: rule(categories)
