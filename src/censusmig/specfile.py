"""Reading TOML spec files (profiles, recipes) and collecting every problem in them."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from censusmig.errors import InputError, Problem, SpecError

SCHEMA_VERSION = 1

MAX_SPEC_BYTES = 16 * 1024 * 1024
"""Largest profile or recipe file read (16 MiB): a code map of every municipality of a large
country is well under 2 MiB; a bigger file is most likely a data file given by mistake."""

MAX_NESTING = 16
"""Deepest nesting of tables and arrays in a spec file. A profile nests at most six levels
(``concepts.x.code_groups[0].codes[0].from``), a recipe fewer; the bound keeps a file of
thousands of nested arrays from exhausting the parser's stack."""

MAX_PROBLEMS = 100
"""Most problems listed in one SpecError; the rest are counted in a last line."""

MAX_SHOWN = 80
"""Longest offending value quoted in a problem; a longer one is cut and its length given."""


def load_toml(path: Path, what: str) -> tuple[dict[str, Any], str]:
    """Read a TOML file, turning unreadable or malformed files into clean errors.

    Args:
        path: The file.
        what: What the file is ("profile", "recipe"), for messages.

    Returns:
        The parsed document and the sha256 of the file's bytes.

    Raises:
        InputError: The file is missing or unreadable.
        SpecError: The file is not valid TOML.
    """
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{what} file not found: {path}") from None
    except OSError as error:
        raise InputError(f"cannot read {what} file {path}: {error.strerror}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(
            f"invalid {what}",
            [
                Problem(
                    str(path),
                    "(file)",
                    f"is larger than {MAX_SPEC_BYTES // (1024 * 1024)} MiB, more than any "
                    f"{what} needs; is it the {what} file?",
                )
            ],
        )
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SpecError(
            f"invalid {what}", [Problem(str(path), "(file)", "is not UTF-8 text")]
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(
            f"invalid {what}", [Problem(str(path), "(syntax)", f"not valid TOML: {error}")]
        ) from None
    except ValueError:  # tomllib reads a whole number of more than 4,300 digits this way
        raise SpecError(
            f"invalid {what}",
            [Problem(str(path), "(syntax)", "a number has more than 4,300 digits")],
        ) from None
    except RecursionError:
        raise SpecError(f"invalid {what}", [_too_deep(path, "(syntax)")]) from None
    deepest = _deepest_key(document)
    if deepest is not None:
        raise SpecError(f"invalid {what}", [_too_deep(path, deepest)])
    return document, hashlib.sha256(raw).hexdigest()


def _too_deep(path: Path, key: str) -> Problem:
    return Problem(
        str(path),
        key,
        f"tables and arrays are nested too deeply (more than {MAX_NESTING} levels); "
        "a profile or recipe nests a few levels at most",
    )


def _deepest_key(document: Mapping[str, Any]) -> str | None:
    """The key path of the first value nested deeper than :data:`MAX_NESTING`, if any.

    Walked with an explicit stack, so that no depth can exhaust Python's own.
    """
    stack: list[tuple[object, str, int]] = [(document, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        if depth > MAX_NESTING:
            return key or "(file)"
        if isinstance(value, dict):
            stack.extend((item, join(key, str(name)), depth + 1) for name, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{key}[{index}]", depth + 1) for index, item in enumerate(value))
    return None


class Checker:
    """Collects problems while a spec file is read, so that all are reported at once."""

    def __init__(self, file: Path) -> None:
        self.file = str(file)
        self.problems: list[Problem] = []

    def add(
        self,
        key: str,
        message: str,
        value: object = None,
        choices: Iterable[str] = (),
    ) -> None:
        """Record one problem at ``key`` (a long value is quoted cut, with its length)."""
        shown = None if value is None else _shorten(str(value), MAX_SHOWN)
        key = _shorten(key, 3 * MAX_SHOWN)  # a key path quotes its code, however long
        self.problems.append(Problem(self.file, key, message, shown, tuple(choices)))

    def unknown_keys(self, table: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        """Report every key of ``table`` that is not in ``allowed``."""
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                self.add(join(path, key), "unknown key", key, allowed)

    def string(
        self, table: Mapping[str, Any], key: str, path: str, required: bool = True
    ) -> str | None:
        """Return ``table[key]`` if it is a non-empty string, recording a problem otherwise."""
        value = table.get(key)
        if value is None:
            if required:
                self.add(join(path, key), "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(join(path, key), "must be a non-empty string", value)
            return None
        return value

    def table(
        self, document: Mapping[str, Any], key: str, path: str, required: bool = True
    ) -> dict[str, Any]:
        """Return ``document[key]`` if it is a TOML table, recording a problem otherwise."""
        value = document.get(key)
        if value is None:
            if required:
                self.add(join(path, key), "is required (a TOML table)")
            return {}
        if not isinstance(value, dict):
            self.add(join(path, key), "must be a TOML table", value)
            return {}
        return value

    def string_list(self, table: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        """Return ``table[key]`` as a tuple of strings (numbers are taken as their text)."""
        value = table.get(key, [])
        if not isinstance(value, list):
            self.add(join(path, key), "must be a list", value)
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.add(f"{join(path, key)}[{index}]", "must be a string or an integer", item)
            else:
                items.append(str(item))
        return tuple(items)

    def schema_version(
        self, document: Mapping[str, Any], current: int = SCHEMA_VERSION, older: Iterable[int] = ()
    ) -> int:
        """Check the ``schema_version`` key.

        Args:
            document: The parsed file.
            current: The version this censusmig writes.
            older: Earlier versions it still reads.

        Returns:
            The file's version, or ``current`` when it is missing or unsupported (a problem is
            recorded then).
        """
        version = document.get("schema_version")
        readable = (current, *older)
        if version is None:
            self.add("schema_version", f"is required (this censusmig reads {current})")
        elif isinstance(version, bool) or version not in readable:
            self.add("schema_version", "unsupported version", version, tuple(map(str, readable)))
        else:
            return int(version)
        return current

    def raise_if_any(self, what: str) -> None:
        """Raise a SpecError carrying the recorded problems, if there is any.

        The first :data:`MAX_PROBLEMS` are listed; a last problem counts the others.
        """
        if not self.problems:
            return
        problems = self.problems[:MAX_PROBLEMS]
        if len(self.problems) > MAX_PROBLEMS:
            more = len(self.problems) - MAX_PROBLEMS
            problems.append(Problem(self.file, "(file)", f"... and {more:,} more problem(s)"))
        raise SpecError(what, problems)


def _shorten(text: str, most: int) -> str:
    if len(text) <= most:
        return text
    return f"{text[: most - 20]}... ({len(text):,} characters)"


def join(path: str, key: str) -> str:
    """Join a dotted key path."""
    return f"{path}.{key}" if path else key
