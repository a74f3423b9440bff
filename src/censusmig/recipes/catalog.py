"""The recipe catalogue: bundled recipes plus user folders, and which ones a profile can serve."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from censusmig.classifications.codes import NOT_APPLICABLE, NOT_STATED, UNKNOWN_CODE
from censusmig.concepts import (
    CONCEPTS,
    GEOGRAPHY,
    GEOGRAPHY_LEVELS,
    NUMERIC_FIELDS,
    ConceptKind,
)
from censusmig.dimensions import DIMENSIONS
from censusmig.dimensions.bands import describe, split_by_condition
from censusmig.errors import Problem, RecipeNotServedError, SpecError, UnknownRecipeError
from censusmig.profiles.model import Profile
from censusmig.recipes.model import Recipe, read_recipe
from censusmig.resources import bundled

# The STANDARDS.md catalogue order, which is also the order of tables in every output;
# user recipes follow, by id.
STANDARD_ORDER: tuple[str, ...] = (
    "nativity_age_sex",
    "foreign_born_country_of_birth_age_sex",
    "foreign_born_country_of_birth_education_sex",
    "citizenship_status_age_sex",
    "foreign_citizens_citizenship_age_sex",
    "foreign_citizens_citizenship_education_sex",
    "foreign_born_period_of_arrival_country_of_birth",
    "residence_1_year_ago_age_sex",
    "residence_5_years_ago_age_sex",
    "reason_for_migration_sex_age",
    "migratory_status_sex_age_region",
    "internal_lifetime_origin_destination",
    "internal_5_years_origin_destination",
    "generation_age_sex",
)


@dataclass(frozen=True)
class Skipped:
    """A recipe a run did not compute, and why.

    Attributes:
        recipe_id: The recipe.
        reason: Plain words, e.g. "profile has no concept country_of_birth".
    """

    recipe_id: str
    reason: str


def load_catalog(extra_dirs: Iterable[Path] = ()) -> dict[str, Recipe]:
    """Read the bundled recipes and those in ``extra_dirs`` (a user recipe overrides a bundled one).

    Every file is validated; problems of all files are reported together.

    Args:
        extra_dirs: User folders of ``*.toml`` recipes.

    Returns:
        Recipe id -> recipe, in :data:`STANDARD_ORDER`, then user recipes by id.

    Raises:
        SpecError: One or more recipe files are invalid.
    """
    folders = [bundled("recipes"), *extra_dirs]
    recipes: dict[str, Recipe] = {}
    problems: list[Problem] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(Problem(str(folder), "(folder)", "recipe folder not found"))
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                recipe = read_recipe(path)
            except SpecError as error:
                problems.extend(error.problems)
                continue
            recipes[recipe.id] = recipe
    if problems:
        raise SpecError("invalid recipes", problems)
    rank = {recipe_id: index for index, recipe_id in enumerate(STANDARD_ORDER)}
    return dict(sorted(recipes.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def missing_concepts(recipe: Recipe, profile: Profile) -> tuple[str, ...]:
    """Concepts the recipe needs that the profile does not map.

    ``geography`` is missing from a profile without geography levels, ``district`` from one
    without a second level.
    """
    levels = len(profile.geography)
    return tuple(
        name
        for name in recipe.requires()
        if not (
            name in profile.concepts
            or (name == GEOGRAPHY and levels)
            or (name in GEOGRAPHY_LEVELS and GEOGRAPHY_LEVELS.index(name) < levels)
        )
    )


def _how_to_map(name: str, levels: int) -> str:
    """What a profile adds so that it maps ``name`` (a concept or a geography level)."""
    if name == GEOGRAPHY:
        return "a [[geography.levels]] entry (the area of usual residence)"
    if name in GEOGRAPHY_LEVELS:
        wanted = GEOGRAPHY_LEVELS.index(name) + 1
        return (
            f"[[geography.levels]] entries down to the {name} (level {wanted} of the areas; "
            f"the profile has {levels})"
        )
    return f"[concepts.{name}] with the column that holds it"


def select_recipes(
    catalog: Mapping[str, Recipe], profile: Profile, wanted: Iterable[str] = ()
) -> tuple[list[Recipe], list[Skipped]]:
    """Choose the recipes of a run.

    With ``wanted`` empty, every recipe the profile can serve runs and the others are skipped
    with a reason. A recipe named in ``wanted`` that the profile cannot serve is an error.

    Args:
        catalog: All known recipes.
        profile: The run's profile.
        wanted: Recipe ids the user named, in their order.

    Returns:
        The recipes to compute and the ones skipped.

    Raises:
        UnknownRecipeError: A wanted id is not in the catalogue.
        RecipeNotServedError: A wanted recipe needs concepts the profile lacks, or groups or
            conditions its bands cannot give.
    """
    wanted = list(dict.fromkeys(wanted))
    for recipe_id in wanted:
        if recipe_id not in catalog:
            raise UnknownRecipeError(recipe_id, list(catalog))
    chosen: list[Recipe] = []
    skipped: list[Skipped] = []
    for recipe in [catalog[i] for i in wanted] if wanted else catalog.values():
        missing = missing_concepts(recipe, profile)
        if not missing:
            try:
                chosen.append(fit_to_bands(recipe, profile))
                continue
            except ValueError as error:
                reason = str(error)
        else:
            reason = f"profile {profile.path} maps no {', '.join(missing)}: add " + ", ".join(
                dict.fromkeys(_how_to_map(name, len(profile.geography)) for name in missing)
            )
        if wanted:
            raise RecipeNotServedError(f"recipe {recipe.id!r} cannot run: {reason}")
        skipped.append(Skipped(recipe.id, reason))
    if not chosen:
        lines = "\n".join(f"  - {s.recipe_id}: {s.reason}" for s in skipped)
        raise RecipeNotServedError(f"no recipe can run with profile {profile.path}:\n{lines}")
    return chosen, skipped


def _area_problems(recipe: Recipe, profile: Profile) -> list[str]:
    """Universe conditions naming an area code the profile does not have.

    An area (the region of usual residence, or a concept such as ``region_5_years_ago``) is
    coded with the profile's codes: the concept's own code map, else the labels of the first
    geography level. A condition ``=`` or ``in`` on a code in neither would select nobody and
    give an empty table; the codes are compared as written, as the tables compare them (``01``
    is not region ``1``). Areas the profile neither maps nor labels are taken as they come.
    """
    labels = profile.geography[0].labels if profile.geography else {}
    problems = []
    for condition in recipe.universe:
        if condition.operator not in ("=", "in"):
            continue
        if condition.field == "region":
            codes = set(labels)
        elif CONCEPTS.get(condition.field) is not None and (
            CONCEPTS[condition.field].kind is ConceptKind.AREA
        ):
            mapping = profile.concepts.get(condition.field)
            codes = set(mapping.codes.values()) if mapping and mapping.codes else set(labels)
        else:
            continue
        special = (NOT_STATED, NOT_APPLICABLE, UNKNOWN_CODE)
        absent = [v for v in condition.values if v not in special and v not in codes]
        if codes and absent:
            problems.append(
                f"universe condition '{condition}' names {condition.field} code(s) "
                f"{', '.join(repr(code) for code in absent)} that the profile {profile.path} "
                f"does not have (its codes: {', '.join(sorted(codes)[:12])}"
                f"{', ...' if len(codes) > 12 else ''}); the table would be empty"
            )
    return problems


def fit_to_bands(recipe: Recipe, profile: Profile) -> Recipe:
    """The recipe as a profile holding numbers as bands (age bands) can serve it.

    Every group of an interval dimension, and every universe condition on a number, must be
    a union of whole bands; with ``allow_coarser`` the groups become the nearest ones the
    bands give. A profile without bands serves the recipe unchanged.

    Args:
        recipe: A recipe whose concepts the profile maps.
        profile: The run's profile.

    Returns:
        The recipe, with the coarser groups where it allows them and needs them.

    Raises:
        ValueError: The bands cannot give a group or a condition (naming the recipe, the
            dimension or condition, the groups and the bands).
    """
    problems = _area_problems(recipe, profile)
    for condition in recipe.universe:
        mapping = profile.concepts.get(condition.field)
        if condition.field not in NUMERIC_FIELDS or mapping is None or not mapping.bands:
            continue
        split = split_by_condition(condition.operator, int(condition.values[0]), mapping.bands)
        if split:
            lows = ", ".join(str(band.low) for band in mapping.bands[1:])
            problems.append(
                f"universe condition '{condition}' splits the {condition.field} bands "
                f"{describe(split)} of the profile ({describe(mapping.bands)}); compare with "
                f"a band boundary ({lows})"
            )
    categories = dict(recipe.categories)
    for name in recipe.dimensions:
        try:
            fitted = DIMENSIONS[name].fit_bands(
                profile, recipe.categories.get(name), recipe.allow_coarser
            )
        except ValueError as error:
            problems.append(str(error))
            continue
        if fitted is not None:
            categories[name] = fitted
    if problems:
        raise ValueError("; ".join(problems))
    return replace(recipe, categories=categories) if categories != recipe.categories else recipe
