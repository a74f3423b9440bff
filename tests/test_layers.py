"""The layers of STYLE.md rule 2: a lower layer never imports a higher one."""

from __future__ import annotations

import ast
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
