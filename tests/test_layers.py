"""The layers of STYLE.md rule 2: a lower layer never imports a higher one."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "censusmig"

# Lowest first. Modules at the package root that are not listed are foundations (rank 0).
LAYERS = {
    "errors": 0,
    "specfile": 0,
    "resources": 0,
    "classifications": 0,
    "concepts": 0,
    "synth": 0,
    "readers": 1,
    "profiles": 2,
    "dimensions": 2.5,
    "recipes": 3,
    "tables": 4,
    "protection": 5,
    "renderers": 6,
    "api": 7,
    "cli": 8,
    "__main__": 8,
}


def _layer(module: str) -> float:
    parts = module.split(".")
    return LAYERS[parts[1]] if len(parts) > 1 and parts[1] in LAYERS else 0


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return [name for name in found if name.startswith("censusmig.")]


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_upward_imports(path: Path) -> None:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    module = ".".join(relative.parts)
    upward = [name for name in _imports(path) if _layer(name) > _layer(module)]
    assert not upward, f"{module} (layer {_layer(module)}) imports higher layers: {upward}"


def test_every_layer_folder_exists() -> None:
    for name in (
        "readers",
        "profiles",
        "dimensions",
        "recipes",
        "tables",
        "protection",
        "renderers",
        "cli",
    ):
        assert (PACKAGE / name / "__init__.py").is_file(), name


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from censusmig.renderers.workbook import write_workbook\n")
    assert _layer("censusmig.tables.engine") < max(_layer(n) for n in _imports(bad))


# The command line reaches the library through its public API only (STYLE.md rule 1): api, the
# exceptions it raises and their exit codes (errors), and the package root for __version__.
CLI_MAY_IMPORT = frozenset({"censusmig", "censusmig.api", "censusmig.errors"})
CLI_SOURCES = sorted((PACKAGE / "cli").rglob("*.py"))


def _all_imports(path: Path) -> list[str]:
    """Every module a file imports, anywhere in it; ``from censusmig import api`` counts as api."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(PACKAGE.parent).parts[:-1] if path.is_relative_to(PACKAGE) else ()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            if node.module == "censusmig":
                found += [
                    f"censusmig.{alias.name}"
                    for alias in node.names
                    if (PACKAGE / f"{alias.name}.py").is_file() or (PACKAGE / alias.name).is_dir()
                ]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package[: len(package) - node.level + 1]
            found.append(".".join((*base, node.module) if node.module else base))
    return found


def _cli_breaches(path: Path) -> list[str]:
    return [
        name
        for name in _all_imports(path)
        if name.split(".")[0] == "polars"
        or (
            name.startswith("censusmig")
            and name not in CLI_MAY_IMPORT
            and not name.startswith("censusmig.cli")
        )
    ]


@pytest.mark.parametrize("path", CLI_SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_cli_reaches_the_library_only_through_the_api_and_imports_no_polars(
    path: Path,
) -> None:
    assert not _cli_breaches(path), f"{path.name} imports {_cli_breaches(path)}"


def test_the_cli_check_catches_a_library_or_polars_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from censusmig import __version__, api, concepts\n"
        "def f():\n    import polars as pl\n    from censusmig.tables.engine import x\n"
    )
    assert _cli_breaches(bad) == ["censusmig.concepts", "polars", "censusmig.tables.engine"]


class _ThroughTheApi(dict[str, object]):
    """Names an annotation uses, looked up on :mod:`censusmig.api` as a caller would."""

    def __missing__(self, name: str) -> object:
        from censusmig import api

        try:
            return getattr(api, name)
        except AttributeError:
            raise KeyError(name) from None


def test_every_type_the_api_names_is_an_attribute_of_the_api() -> None:
    from censusmig import api
    from censusmig.tables.checks import CheckReport

    assert api.CheckReport is CheckReport
    functions = [f for f in vars(api).values() if getattr(f, "__module__", "") == api.__name__]
    assert len(functions) > 10
    for function in functions:
        typing.get_type_hints(function, localns=_ThroughTheApi())  # NameError: not reachable
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        api.Nothing  # type: ignore[attr-defined]  # noqa: B018
