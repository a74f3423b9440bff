"""The profile's ``[protection]``: how its tables are protected before publication."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from censusmig.disclosure import (
    COUNT,
    COUNT_ONLY,
    DEFAULT_SEED,
    DEFAULT_THRESHOLD,
    METHODS,
    NONE,
    RULES,
    ProtectionPlan,
    ProtectionSettings,
)
from censusmig.specfile import Checker

_KEYS = ("method", "threshold", "rule", "interval", "seed", "ptable", "recipes")
MAX_THRESHOLD = 100
"""The largest threshold ``k`` a profile may state."""
MAX_SEED = 2**63 - 1


def read_protection(
    check: Checker, document: Mapping[str, Any], weight: str | None, profile_path: Path
) -> ProtectionPlan:
    """``[protection]``, every problem recorded on ``check``.

    Args:
        check: The profile's problem collector.
        document: The parsed profile.
        weight: The profile's weight column: a weighted table can only be suppressed.
        profile_path: The profile file (a relative ``ptable`` path is read beside it).

    Returns:
        The plan; without ``[protection]``, every table is published as computed.
    """
    if "protection" not in document:
        return ProtectionPlan()
    table = check.table(document, "protection", "")
    check.unknown_keys(table, _KEYS, "protection")
    method = _method(check, table.get("method", NONE), "protection.method", weight)
    threshold = _whole(check, table, "threshold", DEFAULT_THRESHOLD, 1, MAX_THRESHOLD)
    interval = _whole(check, table, "interval", None, 1, 10 * MAX_THRESHOLD)
    seed = _whole(check, table, "seed", DEFAULT_SEED, 0, MAX_SEED)
    rule = table.get("rule", COUNT)
    if rule not in RULES:
        check.add("protection.rule", "unknown rule", rule, RULES)
        rule = COUNT
    ptable = check.string(table, "ptable", "protection", required=False)
    ptable_path = None
    if ptable is not None:
        ptable_path = Path(ptable)
        if not ptable_path.is_absolute():
            ptable_path = profile_path.parent / ptable_path
        if not ptable_path.is_file():
            check.add("protection.ptable", "no such file (a path relative to the profile)", ptable)
    recipes = check.table(table, "recipes", "protection", required=False)
    methods = {
        str(recipe): _method(check, chosen, f"protection.recipes.{recipe}", weight)
        for recipe, chosen in recipes.items()
    }
    settings = ProtectionSettings(
        method=method,
        threshold=threshold or DEFAULT_THRESHOLD,
        rule=str(rule),
        interval=interval,
        seed=DEFAULT_SEED if seed is None else seed,
        ptable=ptable_path,
    )
    return ProtectionPlan(settings, methods)


def method_problem(method: object, weight: str | None) -> tuple[str, tuple[str, ...]] | None:
    """What is wrong with a protection method for a profile, with the choices, or None."""
    if method not in METHODS:
        return "unknown protection method", METHODS
    if weight is not None and method in COUNT_ONLY:
        return (
            f"protects counts only; the tables of this profile are weighted (data.weight = "
            f"{weight!r}): suppress them, or publish them as computed",
            ("suppress", "none"),
        )
    return None


def _method(check: Checker, method: object, key: str, weight: str | None) -> str:
    problem = method_problem(method, weight)
    if problem is not None:
        check.add(key, problem[0], method, problem[1])
        return NONE
    return str(method)


def _whole(
    check: Checker, table: Mapping[str, Any], key: str, default: int | None, low: int, high: int
) -> int | None:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        check.add(f"protection.{key}", f"must be a whole number from {low:,} to {high:,}", value)
        return default
    return value
