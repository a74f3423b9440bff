"""The guides stay true: README.md and docs/*.md link only inside the repository, and every
command, option and make target they write exists.

The generated references (docs/cli.md, docs/recipe-reference.md, docs/profile-reference.md),
the troubleshooting guide and the tutorial are checked by their own tests; their links are
checked here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import typer.main

from censusmig import api
from censusmig.cli.main import app
from censusmig.renderers.glossary import GLOSSARY, short_name
from helpers import ROOT

DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", *DOCS.glob("*.md")])
OWN_TESTS = {
    "tutorial.md",  # tests/test_tutorial.py runs it
    "troubleshooting.md",  # quotes messages ("censusmig cannot ..."), tests/test_troubleshooting.py
}
GUIDES = [page for page in PAGES if page.name not in OWN_TESTS]

# Issue 17 lands in several branches: these pages and commands are documented before they
# exist. Remove each entry once its branch is merged (test_nothing_pending_has_landed says which).
PENDING_PAGES: set[str] = set()
PENDING_OPTIONS: dict[tuple[str, ...], set[str]] = {}

# Options of other programs that the guides show (apt-get, spark-submit).
FOREIGN_OPTIONS = {"--no-install-recommends", "--archives", "--conf", "--master"}  # spark-submit

FENCE = re.compile(r"^ *```([^\n]*)\n(.*?)^ *```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _prose(text: str) -> str:
    """``text`` without its fenced code blocks."""
    return FENCE.sub("", text)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def _anchors(page: Path) -> set[str]:
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", _prose(page.read_text("utf-8")), re.M):
        slug = base = _slug(heading)
        number = 0
        while slug in anchors:
            number += 1
            slug = f"{base}-{number}"
        anchors.add(slug)
    return anchors


@cache
def _cli() -> dict[tuple[str, ...], set[str]]:
    """Command path -> its options, for the root, every group and every command."""
    commands: dict[tuple[str, ...], set[str]] = {}

    def walk(command: object, path: tuple[str, ...]) -> None:
        params = getattr(command, "params", [])
        options = {
            name
            for param in params
            if getattr(param, "param_type_name", "") == "option"
            for name in (*param.opts, *param.secondary_opts)
        }
        commands[path] = options | {"--help"}
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return commands


@cache
def _cli_and_pending() -> dict[tuple[str, ...], set[str]]:
    commands = {path: set(options) for path, options in _cli().items()}
    for path, options in PENDING_OPTIONS.items():
        commands.setdefault(path, {"--help"}).update(options)
    return commands


def _snippets(text: str) -> Iterator[str]:
    """Each shell line of the fenced blocks (continuation lines joined) and each code span."""
    for language, body in FENCE.findall(text):
        if language.split(" ")[0] in ("python", "toml"):
            continue
        body = re.sub(r"\\\n\s*", " ", body)
        yield from re.split(r"\n(?!\s)", body)
    for span in re.findall(r"`([^`]+)`", _prose(text)):
        yield " ".join(span.split())


def _invocations(snippet: str) -> Iterator[tuple[tuple[str, ...], list[str]]]:
    """Each censusmig command line in ``snippet``: its command path and the options after it.

    The command is the first word after ``censusmig`` and its options (a group's subcommand
    the next word); a word ending in ``,`` ``;`` or ``.`` ends the command line, as a shell
    separator does.
    """
    tokens = snippet.split()
    for start, token in enumerate(tokens):
        if token != "censusmig" and not token.endswith("/censusmig"):
            continue
        if start and tokens[start - 1] in ("import", "from"):
            continue
        path: tuple[str, ...] = ()
        options: list[str] = []
        expecting_command = True
        for word in tokens[start + 1 :]:
            if word in ("|", "&&", ";", "censusmig") or word.endswith("/censusmig"):
                break
            if match := OPTION.match(word.lstrip("[")):
                options.append(match.group())
            elif expecting_command and re.fullmatch(r"[a-z][a-z-]*", word):
                path += (word,)
                # a group: its subcommand next
                expecting_command = any(other[:-1] == path for other in _cli_and_pending())
            else:
                expecting_command = False
            if word[-1] in ",;.":
                break
        yield path, options


def test_the_guides_exist_and_link_each_other() -> None:
    for name in ("index.md", "quickstart.md", "concepts.md", "outputs.md", "own-data.md"):
        assert (DOCS / name).is_file(), name
    index = (DOCS / "index.md").read_text("utf-8")
    unlisted = [page.name for page in DOCS.glob("*.md") if f"({page.name})" not in index]
    assert unlisted == [] or unlisted == ["index.md"], unlisted


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_link_resolves_inside_the_repository(page: Path) -> None:
    text = page.read_text("utf-8")
    assert "../shared" not in text, "a newcomer's checkout has no ../shared: cite it in words"
    broken = []
    for target in LINK.findall(_prose(text)):
        if re.match(r"[a-z]+:", target):
            assert target.startswith("https://"), target
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
        elif not resolved.exists():
            if not (resolved.parent == DOCS and resolved.name in PENDING_PAGES):
                broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.name}")
    assert broken == [], broken


@pytest.mark.parametrize("page", GUIDES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_command_and_option_written_exists(page: Path) -> None:
    text = page.read_text("utf-8")
    cli = _cli_and_pending()
    every_option = set().union(*cli.values()) | FOREIGN_OPTIONS
    unknown = sorted(set(OPTION.findall(re.sub(r"```python\n.*?```", "", text, flags=re.S))))
    unknown = [option for option in unknown if option not in every_option]
    named = 0
    for snippet in _snippets(text):
        for path, options in _invocations(snippet):
            named += 1
            if path not in cli:
                unknown.append(f"censusmig {' '.join(path)}")
                continue
            # Options before the command are the root's (--quiet); the rest, the command's.
            valid = cli[path] | cli[()]
            unknown += [f"censusmig {' '.join(path)} {o}" for o in options if o not in valid]
    assert unknown == [], unknown
    if page.name in ("README.md", "commands.md", "own-data.md", "quickstart.md"):
        assert named > 3, "the check found no command in this page: is the parser broken?"


def test_every_command_has_its_section_and_a_line_in_the_readme_tour() -> None:
    commands = (DOCS / "commands.md").read_text("utf-8")
    readme = (ROOT / "README.md").read_text("utf-8")
    leaves = [
        p
        for p in _cli_and_pending()
        if p and not any(q[: len(p)] == p and q != p for q in _cli_and_pending())
    ]
    assert ("profile", "init") in leaves and ("tabulate",) in leaves
    for path in leaves:
        name = " ".join(path)
        assert f"## `censusmig {name}`" in commands, name
        assert f"| `censusmig {name}" in readme, name


def test_every_make_target_named_exists() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    declared = re.search(r"^\.PHONY:(.*)$", makefile, re.M)
    assert declared
    phony = set(declared.group(1).split())
    named = {
        target
        for page in PAGES
        for target in re.findall(r"`make ([a-z-]+)", page.read_text("utf-8"))
    }
    assert {"demo", "test"} <= named
    assert named <= phony, named - phony


def test_make_demo_says_its_attention_items_are_planted() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    demo = makefile[makefile.index("\ndemo:") : makefile.index("\nlint:")]
    assert "planted on purpose" in demo and ".venv/bin/censusmig" in demo


def test_the_glossary_spells_out_every_standard_the_recipes_cite() -> None:
    concepts = (DOCS / "concepts.md").read_text("utf-8")
    glossary = concepts[concepts.index("## Glossary of the standards") :]
    cited = {short_name(line) for recipe in api.list_recipes() for line in recipe["standard"]}
    assert None not in cited and {"DYB", "P&R Rev.3", "GCM", "EGM", "EU-2021"} <= cited
    missing = [name for name in (*GLOSSARY, *cited) if f"- **{name}**" not in glossary]
    assert missing == [], missing


def test_the_screenshots_are_there_and_small() -> None:
    quickstart = (DOCS / "quickstart.md").read_text("utf-8")
    for name in ("report.png", "workbook.png"):
        image = DOCS / "img" / name
        assert f"(img/{name})" in quickstart
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert 10_000 < image.stat().st_size < 300_000, name


def test_nothing_pending_has_landed() -> None:
    landed = sorted(name for name in PENDING_PAGES if (DOCS / name).exists())
    cli = _cli()
    landed += [
        f"censusmig {' '.join(path)} {option}"
        for path, options in PENDING_OPTIONS.items()
        for option in sorted(options)
        if option in cli.get(path, set())
    ]
    assert landed == [], f"remove from PENDING_PAGES / PENDING_OPTIONS: {landed}"
