"""How a run protects its tables: the method and its parameters (statistical disclosure control).

A foundation module (no censusmig imports): the profile and recipe readers name the methods,
the protection layer (:mod:`censusmig.protection`) applies them.

The method is chosen per run (``censusmig tabulate --protect``), per recipe in the profile
(``[protection.recipes]``) or in the recipe file (``protection = "suppress"``), or for every
table in the profile (``[protection] method``); the first that says wins, in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

NONE = "none"
SUPPRESS = "suppress"
ROUND3 = "round3"
ROUND5 = "round5"
CELL_KEY = "cell-key"

METHODS: tuple[str, ...] = (NONE, SUPPRESS, ROUND3, ROUND5, CELL_KEY)
"""The protection methods, as ``--protect`` and the profile name them."""
COUNT_ONLY: tuple[str, ...] = (ROUND3, ROUND5, CELL_KEY)
"""Methods that protect counts only: a weighted table can only be suppressed."""

COUNT = "count"
"""Threshold rule: a cell with 1 to ``threshold - 1`` contributors is suppressed."""
COUNT_OR_MARGIN = "count-or-margin"
"""Threshold rule, dominance-free: also a cell within ``threshold - 1`` contributors of one of
its margins (the rest of the margin, 1 to ``threshold - 1`` records, would be disclosed)."""
RULES: tuple[str, ...] = (COUNT, COUNT_OR_MARGIN)

DEFAULT_THRESHOLD = 3
DEFAULT_SEED = 20261203
"""The record-key seed when the profile states none (an office should state its own, secret)."""


@dataclass(frozen=True)
class ProtectionSettings:
    """The protection of one table.

    Attributes:
        method: One of :data:`METHODS`.
        threshold: ``k`` of the threshold rule (``suppress``): a cell with fewer unweighted
            contributors (and more than 0) is suppressed; a count the run publishes beside
            its tables from 1 to ``k - 1`` is withheld. Rounding publishes multiples of its
            base only, and the default perturbation table never publishes 1 or 2.
        rule: :data:`COUNT` or :data:`COUNT_OR_MARGIN` (``suppress`` only).
        interval: The protection interval: for every suppressed cell, the largest and the
            smallest value consistent with everything published must lie at least this far
            apart (in contributors; for a weighted cell, times its mean weight). None: the
            threshold.
        seed: Seed of the record keys (cell-key method) and of random rounding.
        ptable: A user's perturbation table (CSV, ONS or sdcTools layout), or None for the
            default one shipped with censusmig (cell-key method only).
    """

    method: str = NONE
    threshold: int = DEFAULT_THRESHOLD
    rule: str = COUNT
    interval: int | None = None
    seed: int = DEFAULT_SEED
    ptable: Path | None = None

    @property
    def protection_interval(self) -> int:
        """The width every suppressed cell's feasible interval must reach."""
        return self.threshold if self.interval is None else self.interval

    @property
    def base(self) -> int:
        """The rounding base of ``round3``/``round5`` (0 for other methods)."""
        return {ROUND3: 3, ROUND5: 5}.get(self.method, 0)


@dataclass(frozen=True)
class ProtectionPlan:
    """A profile's ``[protection]``: the settings of every table and each recipe's method.

    Attributes:
        settings: The parameters, with the method of every table the recipes leave open.
        recipes: Recipe id -> its method (``[protection.recipes]``).
    """

    settings: ProtectionSettings = field(default_factory=ProtectionSettings)
    recipes: Mapping[str, str] = field(default_factory=dict)

    def for_recipe(
        self, recipe_id: str, recipe_method: str | None, run_method: str | None
    ) -> ProtectionSettings:
        """The settings of one table.

        Args:
            recipe_id: The recipe.
            recipe_method: The recipe file's own ``protection`` key, or None.
            run_method: The run's ``--protect``, or None.

        Returns:
            The profile's parameters with the first method stated: the run's, the profile's
            for this recipe, the recipe's own, then the profile's for every table.
        """
        method = run_method or self.recipes.get(recipe_id) or recipe_method
        return replace(self.settings, method=method or self.settings.method)


SUPPRESSED = "_suppressed"
"""Internal column a suppression sets: :data:`PRIMARY`, :data:`SECONDARY` or null."""
PRIMARY = "primary"
SECONDARY = "secondary"
