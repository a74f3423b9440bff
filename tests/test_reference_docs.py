"""The recipe and profile references: generated from the schemas, which match the readers.

- docs/recipe-reference.md and docs/profile-reference.md are what scripts/docs_reference.py
  writes;
- every key a reader accepts (the ``allowed`` of each ``Checker.unknown_keys`` call, recorded
  while the readers read the schemas' examples and the bundled files) is in the schema with a
  description, every schema key is accepted by a reader, and every ``unknown_keys`` call of
  the readers was reached;
- every example of the schemas reads as a valid file, and the allowed values they list are
  the values the readers accept.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import json
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import censusmig
from censusmig.errors import SpecError
from censusmig.profiles.model import read_profile
from censusmig.profiles.schema import PROFILE_SCHEMA, Key, Schema
from censusmig.recipes.model import read_recipe
from censusmig.recipes.schema import RECIPE_SCHEMA
from censusmig.specfile import Checker, join
from helpers import ROOT

PACKAGE = Path(censusmig.__file__).resolve().parent
READERS = {
    "recipe": ("recipes/model.py", "recipes/catalog.py"),
    "profile": ("profiles/model.py", "profiles/design.py", "profiles/protection.py"),
}
SCHEMAS = {"recipe": RECIPE_SCHEMA, "profile": PROFILE_SCHEMA}

BASE_RECIPE: dict[str, Any] = {
    "schema_version": 1,
    "id": "example_table",
    "title": "Example table",
    "description": "A table the examples are read in.",
    "standard": ["DYB: example"],
    "universe": {"label": "Usually resident population", "where": []},
    "rows": ["country_of_birth"],
    "columns": ["sex", "age_group"],
}
"""A valid recipe each recipe example is merged into (the example's values win)."""

BASE_PROFILE: dict[str, Any] = {
    "schema_version": 2,
    "census": {"name": "Example census", "country": "QUE", "reference_date": dt.date(2025, 3, 15)},
    "concepts": {
        "disability": {
            "column": "DIS",
            "codes": {"1": "with_disability", "2": "without_disability"},
        }
    },
}
"""A valid profile each profile example is merged into (the example's values win)."""


# --- writing and reading example files -------------------------------------------------------


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | dt.date):
        return value.isoformat() if isinstance(value, dt.date) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(type(value))


def _dumps(document: dict[str, Any]) -> str:
    """A document as TOML, every table inline (tomllib reads TOML, it does not write it)."""
    text = "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in document.items())
    assert tomllib.loads(text) == document
    return text


def _merged(base: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in example.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(what: str, example: str, folder: Path) -> None:
    """Read an example, merged into the base file of its kind; SpecError when invalid."""
    if what == "recipe":
        document = _merged(BASE_RECIPE, tomllib.loads(example))
        path = folder / f"{document['id']}.toml"
        path.write_text(_dumps(document), encoding="utf-8")
        read_recipe(path)
    else:
        document = _merged(BASE_PROFILE, tomllib.loads(example))
        path = folder / "example.profile.toml"
        path.write_text(_dumps(document), encoding="utf-8")
        (folder / "ptable.csv").touch()  # protection.ptable's example names a file beside it
        read_profile(path)


def _problems(what: str, example: str, folder: Path) -> list[tuple[str, str]]:
    """(key path, message) of every problem of an example; empty when it is valid."""
    try:
        _read(what, example, folder)
    except SpecError as error:
        return [(problem.key, problem.message) for problem in error.problems]
    return []


def _cases() -> Iterator[tuple[str, Key]]:
    for what, schema in SCHEMAS.items():
        for key in schema.keys:
            yield what, key


CASES = list(_cases())


# --- the schemas hold every key the readers accept ---------------------------------------------


def _call_sites(what: str) -> set[tuple[str, int]]:
    """(module path, line) of every ``unknown_keys(...)`` call in the readers of a file type."""
    sites = set()
    for name in READERS[what]:
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "unknown_keys"
            ):
                sites.add((name, node.lineno))
    return sites


Recorded = dict[str, list[tuple[str, int, str, tuple[str, ...]]]]


@pytest.fixture(scope="module")
def accepted(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """Every ``unknown_keys`` call the readers make on the examples and the bundled files."""
    calls: Recorded = {"recipe": [], "profile": []}
    original: Callable[..., None] = Checker.unknown_keys

    def record(self: Checker, table: Any, allowed: Any, path: str) -> None:
        allowed = tuple(allowed)
        caller = sys._getframe(1)
        module = Path(caller.f_code.co_filename).resolve().relative_to(PACKAGE).as_posix()
        kind = "recipe" if module.startswith("recipes/") else "profile"
        calls[kind].append((module, caller.f_lineno, path, allowed))
        original(self, table, allowed, path)

    bundled = {
        "recipe": sorted((ROOT / "recipes").glob("*.toml")),
        "profile": [
            *sorted((ROOT / "sample_microdata").glob("*.profile.toml")),
            *sorted((ROOT / "profiles").glob("*.toml")),
        ],
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Checker, "unknown_keys", record)
        for kind, key in CASES:
            folder = tmp_path_factory.mktemp("example")
            _problems(kind, key.example, folder)
        for kind, paths in bundled.items():
            for path in paths:
                (read_recipe if kind == "recipe" else read_profile)(path)
    return calls


@pytest.mark.parametrize("what", sorted(READERS))
def test_every_unknown_keys_call_of_the_readers_is_reached(what: str, accepted: Recorded) -> None:
    reached = {(module, line) for module, line, _, _ in accepted[what]}
    missed = sorted(_call_sites(what) - reached)
    assert len(_call_sites(what)) >= 5
    assert not missed, (
        f"these unknown_keys calls were not reached by the {what} schema's examples: {missed}; "
        f"give the keys they accept a Key (with an example that reaches them) in the schema"
    )


@pytest.mark.parametrize("what", sorted(READERS))
def test_every_key_a_reader_accepts_is_documented(what: str, accepted: Recorded) -> None:
    schema = SCHEMAS[what]
    undocumented = set()
    for module, line, path, allowed in accepted[what]:
        for name in allowed:
            key = schema.at(join(path, name))
            if key is None or not key.description.strip() or not key.type or not key.example:
                undocumented.add(f"{join(path, name)} ({module}:{line})")
    assert not undocumented, (
        f"keys the {what} reader accepts without a Key in src/censusmig/"
        f"{what}s/schema.py: {sorted(undocumented)}"
    )


@pytest.mark.parametrize("what", sorted(READERS))
def test_every_documented_key_is_accepted_by_a_reader(what: str, accepted: Recorded) -> None:
    schema = SCHEMAS[what]
    found = {
        schema.at(join(path, name)) for _, _, path, allowed in accepted[what] for name in allowed
    }
    # A placeholder names a key the file chooses (a concept, a dimension), checked by name.
    unaccepted = [key.path for key in schema.keys if key not in found and "<" not in key.name]
    assert not unaccepted, f"documented but no reader accepts them: {unaccepted}"


def test_the_schemas_name_concrete_key_paths() -> None:
    at = PROFILE_SCHEMA.at
    assert at("concepts.sex.not_stated[1].from") is at("concepts.age.gate.detail[0].from")
    assert at("concepts.sex.code_groups[2].codes[0].to") is not None
    assert at("geography.levels[3].labels") is not None
    assert at("concepts.nonsense.column") is None
    assert at("geography.levels.name") is None
    assert RECIPE_SCHEMA.at("categories.age_group.breaks") is not None
    assert RECIPE_SCHEMA.at("categories.planet.breaks") is None
    assert PROFILE_SCHEMA.children("census") == (
        "name",
        "country",
        "country_name",
        "reference_date",
        "residence_rule_months",
    )


# --- every example is valid, and the allowed values are those the readers accept --------------


@pytest.mark.parametrize(("what", "key"), CASES, ids=lambda case: getattr(case, "path", case))
def test_every_example_reads_as_a_valid_file(what: str, key: Key, tmp_path: Path) -> None:
    assert key.description.strip() and key.type
    assert key.name in key.example or "<" in key.name
    assert _problems(what, key.example, tmp_path) == []


def _scalar_line(key: Key) -> re.Match[str] | None:
    """The example's line ``name = value`` with a value that is not a list or a table."""
    return re.search(rf"^{re.escape(key.name)} = ([^\[{{].*)$", key.example, re.MULTILINE)


ALLOWED = [(what, key) for what, key in CASES if key.allowed and _scalar_line(key)]


@pytest.mark.parametrize(("what", "key"), ALLOWED, ids=lambda case: getattr(case, "path", case))
def test_the_allowed_values_are_those_the_reader_accepts(
    what: str, key: Key, tmp_path: Path
) -> None:
    schema = SCHEMAS[what]
    line = _scalar_line(key)
    assert line is not None
    quoted = line.group(1).startswith('"')

    def at_key(value: str, literal: str) -> list[str]:
        example = key.example[: line.start(1)] + literal + key.example[line.end(1) :]
        return [
            message
            for path, message in _problems(what, example, tmp_path)
            if schema.at(path) is key
        ]

    for value in key.allowed:
        assert at_key(value, json.dumps(value) if quoted else value) == [], f"{key.path} = {value}"
    assert at_key("nonsense", '"nonsense"'), f"{key.path} = nonsense is accepted"


def test_the_allowed_values_cover_the_choices_the_reader_names(tmp_path: Path) -> None:
    """The choices a reader's problem lists for a bad value are the schema's allowed values."""
    cases = [
        ("recipe", "options.country_order", '[options]\ncountry_order = "nonsense"'),
        ("recipe", "protection", 'protection = "nonsense"'),
        ("recipe", "rows", 'rows = ["nonsense"]'),
        ("recipe", "categories.<dimension>", "[categories.sex]\ntop = 3"),
        ("profile", "design.method", '[data]\nweight = "W"\n[design]\nmethod = "nonsense"'),
        ("profile", "protection.method", '[protection]\nmethod = "nonsense"'),
        (
            "profile",
            "concepts.<concept>.codes",
            '[concepts.citizenship]\ncolumn = "C"\ncodes = "x"',
        ),
    ]
    for what, path, example in cases:
        key = SCHEMAS[what].key(path)
        with pytest.raises(SpecError) as error:
            _read(what, example, tmp_path)
        choices = [p.choices for p in error.value.problems if SCHEMAS[what].at(p.key) is key]
        assert choices and set(choices[0]) == set(key.allowed), path


# --- the generated documents --------------------------------------------------------------------


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "docs_reference", ROOT / "scripts/docs_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["recipe-reference.md", "profile-reference.md"])
def test_the_committed_references_are_generated(name: str) -> None:
    documents: dict[str, str] = _script().documents()
    committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert committed == documents[name], (
        f"docs/{name} is out of date: run `python scripts/docs_reference.py`"
    )


@pytest.mark.parametrize("what", sorted(SCHEMAS))
def test_every_key_and_its_example_is_in_the_reference(what: str) -> None:
    text = (ROOT / "docs" / f"{what}-reference.md").read_text(encoding="utf-8")
    for key in SCHEMAS[what].keys:
        assert f"`{key.path}`" in text, key.path
        assert key.example in text, key.path
        for value in key.allowed:
            assert f"`{value}`" in text, (key.path, value)


def test_the_references_stay_inside_the_repository() -> None:
    for name in ("recipe-reference.md", "profile-reference.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)]+)\)", text):
            assert "://" not in target and not target.startswith("../"), target
            assert (ROOT / "docs" / target.split("#")[0]).exists(), target


def test_the_schemas_share_one_key_type() -> None:
    assert isinstance(RECIPE_SCHEMA, Schema) and isinstance(PROFILE_SCHEMA, Schema)
    for schema in SCHEMAS.values():
        paths = [key.path for key in schema.keys]
        assert len(paths) == len(set(paths))
        # A table comes before the keys in it.
        for index, key in enumerate(schema.keys):
            if key.parent and "<code list>" not in key.parent:
                assert key.parent.removesuffix("[]") in paths[:index], key.path
