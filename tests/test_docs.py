"""docs/architecture.md names files and functions that exist."""

from __future__ import annotations

import re

from helpers import ROOT

PACKAGE = ROOT / "src" / "censusmig"
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_every_module_named_exists() -> None:
    named = set(re.findall(r"\b([a-z_]+/[a-z_/]*[a-z_]+\.py)\b", ARCHITECTURE))
    assert len(named) > 8
    missing = [
        path
        for path in named
        if "<" not in path and not (PACKAGE / path).is_file() and not (ROOT / path).is_file()
    ]
    assert not missing, missing


def test_every_folder_named_is_a_package() -> None:
    folders = set(re.findall(r"^ ([a-z]+)/ ", ARCHITECTURE, flags=re.MULTILINE))
    assert {"readers", "tables", "renderers", "protection"} <= folders
    for folder in folders:
        assert (PACKAGE / folder / "__init__.py").is_file(), folder


def test_the_stage_functions_named_exist() -> None:
    from censusmig.protection import publish
    from censusmig.renderers.registry import REGISTRY
    from censusmig.tables.backend import Backend, PolarsBackend
    from censusmig.tables.engine import compute_tables, finish, plan_run
    from censusmig.tables.plan import Measure, Partial, merge

    for thing in (publish, Backend, PolarsBackend, compute_tables, finish, plan_run, merge):
        assert thing.__name__ in ARCHITECTURE
    assert "Measure" in ARCHITECTURE and Measure("n").name == "n"
    assert "Partial" in ARCHITECTURE and Partial.__name__ == "Partial"
    assert "OutputFormat" in ARCHITECTURE and REGISTRY
