"""Exceptions that carry what a user needs to fix a problem, and the exit code they map to.

Exit codes (sqlfluff's convention): 0 ran fine, 1 ran but found problems, 2 could not run.
Messages never contain microdata values beyond an offending code and its count: the text of
another library's exception (Polars, pyreadstat, zipfile) that a message carries is a
:class:`Foreign` part, which :meth:`CensusmigError.render`, the one boundary every message
leaves through, passes through :func:`scrub`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CANNOT_RUN = 2


def nearest(value: str, choices: Iterable[str]) -> str | None:
    """Return the choice closest to ``value``, or None when nothing is close.

    Args:
        value: What the user wrote.
        choices: The valid spellings.

    Returns:
        The closest valid spelling, if any is reasonably close.
    """
    matches = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a spec file or an input.

    Attributes:
        file: The file the problem is in.
        key: Dotted key path inside the file (``concepts.sex.column``), or a column name.
        message: What is wrong, in plain words.
        value: The offending value, when there is one.
        choices: The valid choices, when they are a short list.
    """

    file: str
    key: str
    message: str
    value: str | None = None
    choices: tuple[str, ...] = ()

    def render(self) -> str:
        """Return the problem as one line: file, key, value, valid choices and nearest match."""
        parts = [f"{self.file}: {self.key}: {self.message}"]
        if self.value is not None:
            parts.append(f"(got {self.value!r})")
        if self.choices:
            shown = ", ".join(self.choices[:12]) + (", ..." if len(self.choices) > 12 else "")
            parts.append(f"valid: {shown}")
            if self.value is not None:
                match = nearest(self.value, self.choices)
                if match is not None:
                    parts.append(f"did you mean {match!r}?")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, object]:
        """The problem as JSON-able data: its fields, the nearest choice and the line shown."""
        match = nearest(self.value, self.choices) if self.value is not None else None
        return {
            "file": self.file,
            "key": self.key,
            "message": self.message,
            "value": self.value,
            "choices": list(self.choices),
            "nearest": match,
            "line": self.render(),
        }


@dataclass(frozen=True)
class Setting:
    """A parameter of the Python API named in an error message, perhaps with a value to try.

    The library writes it as Python (``batch_rows``, ``encoding='latin-1'``, ``force=True``);
    the command line writes the same setting as its option (``--batch-rows``,
    ``--encoding latin-1``, ``--force``), so each reader sees the spelling they can type.

    Attributes:
        parameter: The keyword parameter (``batch_rows``), or the attribute of
            :class:`censusmig.readers.options.ReadOptions` (``encoding``).
        value: A value to try, or None when the message names the parameter alone.
    """

    parameter: str
    value: str | bool | None = None

    def python(self) -> str:
        """The setting as a Python caller writes it: ``batch_rows``, ``encoding='latin-1'``."""
        return self.parameter if self.value is None else f"{self.parameter}={self.value!r}"


@dataclass(frozen=True)
class Call:
    """A function of the Python API named in an error message.

    The library writes it as Python (``censusmig.api.list_recipes()``); the command line writes
    the command that does the same (``'censusmig recipes list'``).

    Attributes:
        function: The function's name in :mod:`censusmig.api`.
    """

    function: str

    def python(self) -> str:
        """The call as a Python caller writes it: ``censusmig.api.list_recipes()``."""
        return f"censusmig.api.{self.function}()"


_DTYPE = re.compile(
    r"(?:[iu](?:8|16|32|64|128)|f(?:16|32|64)|str|bool|binary|date|time|null|cat|object"
    r"|(?:datetime|duration|list|array|decimal|enum|struct)(?:\[[^`\]]*\])?)"
)
"""A Polars data type as Polars names it between backticks (```str` to `f64```): not a value."""

_POLARS_WORDS = frozenset(
    {"infer_schema_length", "infer_schema_files", "schema_overrides", "ignore_errors"}
    | {"null_values", "True", "False"}
)
"""Polars' own parameter names, which its hints quote between backticks: not values."""

_QUOTED_ITEM = r"\"(?:[^\"\\]|\\.)*\""
_VALUE_LIST = re.compile(rf"\[\s*{_QUOTED_ITEM}(?:\s*,\s*(?:{_QUOTED_ITEM}|\.\.\.|…))*\s*\]")
_POLARS_VALUE = re.compile(
    r"(?P<before>could not parse |adding )`.*?`(?P<after> as dtype `\w+` at column| to the `)",
    re.DOTALL,
)
"""Polars' CSV parse error, whose value may itself hold a backtick or run over lines."""
_CONVERTED = re.compile(
    r"(?P<before>(?:[Cc]ould not convert|[Ff]ailed to parse string:|with base \d+:"
    r"|to float:|to int:)\s*)'(?:[^'\\]|\\.)*'?"
)
"""A value Python (``int('abc')``) or Arrow could not convert, between single quotes."""
_VALUE_LIST_UNCLOSED = re.compile(r"\[\s*\".*", re.DOTALL)
_FENCED = re.compile(r"```(.*?)```", re.DOTALL)
_BACKTICKED = re.compile(r"`([^`]*)`")
_DOUBLE_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"")
_UNCLOSED = re.compile(r"[`\"].*", re.DOTALL)

VALUES_NOT_SHOWN = "[values not shown]"
"""What a list of data values in a foreign message becomes."""
VALUE_NOT_SHOWN = "a value"
"""What a quoted data value in a foreign message becomes."""
REST_NOT_SHOWN = "a value (rest of the message not shown)"
"""What a quote that never closes becomes, with everything after it."""


def scrub(text: str) -> str:
    """Take every data value out of another library's message, leaving its words.

    Polars and the other readers quote the values they fail on: a bracketed list of failing
    values (``failed in column 'w' for 2 out of 3 values: ["abc", "def"]``), a value between
    backticks (``could not parse `abc` as dtype `i64```) or double quotes, and Python and
    Arrow a value they could not convert between single quotes (``could not convert string
    to float: 'abc'``). Each becomes "[values not shown]" or "a value"; Polars' data types
    (`` `f64` ``) and its own parameter names stay, without their backticks. A quote that
    does not close (a value that runs past its line, or is cut off) hides everything after
    it, since where the value ends cannot be told. Column names, which Polars writes between
    single quotes, stay: they are the file's schema.

    Args:
        text: The message, whole (several lines are fine; a value may span them).

    Returns:
        The message without data values.
    """
    text = _POLARS_VALUE.sub(rf"\g<before>{VALUE_NOT_SHOWN}\g<after>", text)
    text = _VALUE_LIST.sub(VALUES_NOT_SHOWN, text)
    text = _CONVERTED.sub(rf"\g<before>{VALUE_NOT_SHOWN}", text)
    text = _VALUE_LIST_UNCLOSED.sub(VALUES_NOT_SHOWN, text)
    text = _FENCED.sub(lambda found: f"({found[1]})", text)
    text = _BACKTICKED.sub(_backticked, text)
    text = _DOUBLE_QUOTED.sub(VALUE_NOT_SHOWN, text)
    return _UNCLOSED.sub(REST_NOT_SHOWN, text)


def _backticked(found: re.Match[str]) -> str:
    inner = found[1]
    name = inner.split("=", 1)[0]
    if _DTYPE.fullmatch(inner) or name in _POLARS_WORDS:
        return inner  # without its backticks, so that a lone one left is a quote never closed
    return VALUE_NOT_SHOWN


@dataclass(frozen=True)
class Foreign:
    """The message of another library's exception inside an error message: it may quote data.

    Rendered as its first line, scrubbed of data values (:func:`scrub`); the exception's type
    when it has no message.

    Attributes:
        text: The exception's message, as the library wrote it.
        kind: The exception's type name.
    """

    text: str
    kind: str

    @classmethod
    def of(cls, error: BaseException) -> Foreign:
        """The message of ``error``, to be scrubbed when shown."""
        return cls(str(error), type(error).__name__)

    def shown(self) -> str:
        """The first line of the message, without data values."""
        lines = [line.strip() for line in scrub(self.text).splitlines() if line.strip()]
        return lines[0] if lines else self.kind


MessagePart = str | Setting | Call | Foreign
"""A piece of an error message: plain text, a setting or call written for whoever reads it, or
another library's message, shown scrubbed."""


class CensusmigError(Exception):
    """Base class for errors that stop a run; ``exit_code`` is what the CLI exits with.

    The message is given in parts, plain text, :class:`Setting`, :class:`Call` and
    :class:`Foreign` pieces:
    ``CensusmigError(Setting("batch_rows"), " must be at least 1 (got 0)")`` reads
    ``batch_rows must be at least 1 (got 0)`` from Python, and the command line renders the
    same parts with its option names (:meth:`render`).

    Attributes:
        parts: The message in parts.
        parameter: The parameter the error is about: the first setting named, unless given.
        suggestions: The settings named with a value to try (``encoding='latin-1'``).
    """

    exit_code = EXIT_CANNOT_RUN

    def __init__(self, *parts: MessagePart, parameter: str | None = None) -> None:
        self.parts: tuple[MessagePart, ...] = parts
        settings = [part for part in parts if isinstance(part, Setting)]
        self.parameter = parameter or (settings[0].parameter if settings else None)
        self.suggestions = tuple(part for part in settings if part.value is not None)
        super().__init__(self.render(Setting.python))

    def render(
        self, write: Callable[[Setting], str], call: Callable[[Call], str] = Call.python
    ) -> str:
        """The message with each setting written by ``write`` and each call by ``call``.

        The boundary every message leaves through, from Python and the command line alike:
        another library's message (:class:`Foreign`) is shown scrubbed of data values.

        Args:
            write: Spells a setting (:meth:`Setting.python` for Python, an option for the CLI).
            call: Spells a call (:meth:`Call.python` for Python, a command for the CLI).

        Returns:
            The message.
        """
        return "".join(
            part
            if isinstance(part, str)
            else write(part)
            if isinstance(part, Setting)
            else part.shown()
            if isinstance(part, Foreign)
            else call(part)
            for part in self.parts
        )


class InputError(CensusmigError):
    """A data file is missing, unreadable, or lacks a column the profile names."""


class SpecError(CensusmigError):
    """A profile or recipe file is invalid; carries every problem found, not only the first."""

    def __init__(self, what: str, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = [f"{what}: {len(self.problems)} problem(s)"]
        lines += [f"  - {problem.render()}" for problem in self.problems]
        super().__init__("\n".join(lines))


class UnknownRecipeError(CensusmigError):
    """A recipe id was asked for that no recipe file defines."""

    def __init__(self, recipe_id: str, known: Sequence[str]) -> None:
        self.recipe_id = recipe_id
        match = nearest(recipe_id, known)
        hint = f" Did you mean {match!r}?" if match else ""
        super().__init__(
            f"unknown recipe id {recipe_id!r}.{hint} Known recipes: {', '.join(sorted(known))}."
            " See ",
            Call("list_recipes"),
            " for what each one counts and needs.",
        )


class RecipeNotServedError(CensusmigError):
    """A recipe named explicitly needs concepts that the profile does not map."""
