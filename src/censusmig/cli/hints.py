"""Library errors in the words of the command line: each parameter becomes its option.

The library names its own parameters (``batch_rows must be at least 1``, ``try
encoding='latin-1'``); :func:`message` writes the same error with the options a user types
(``--batch-rows must be at least 1``, ``try --encoding latin-1``), and an API function it
names as its command (``censusmig.api.list_recipes()`` as ``'censusmig recipes list'``).
"""

from __future__ import annotations

import shlex

from censusmig.errors import Call, CensusmigError, Setting

OPTIONS: dict[str, str] = {
    "batch_rows": "--batch-rows",
    "codebook": "--codebook",
    "columns": "--columns",
    "country": "--country",
    "data_format": "--data-format",
    "delimiter": "--delimiter",
    "encoding": "--encoding",
    "engine": "--engine",
    "excel_layout": "--excel-layout",
    "force": "--force",
    "header": "--no-header",
    "keep_blanks": "--keep-blanks",
    "max_cells": "--max-cells",
    "protect": "--protect",
    "max_codes": "--max-codes",
    "max_ids": "--max-ids",
    "out": "--out",
    "partition_by": "--partition-by",
    "persons": "--persons",
    "record": "--record",
    "seed": "--seed",
    "spark_master": "--spark-master",
    "reference_date": "--reference-date",
    "strict": "--strict",
    "to": "--to",
}
"""Parameter of the library (or attribute of ``ReadOptions``) -> the option that sets it.

A switch is the option that sets the value a message suggests: ``force=True`` is ``--force``,
``header=False`` is ``--no-header``.
"""


COMMANDS: dict[str, str] = {
    "list_recipes": "censusmig recipes list",
    "convert": "censusmig convert",
}
"""Function of :mod:`censusmig.api` -> the command that does the same."""


def option(setting: Setting) -> str:
    """A setting as typed on the command line: ``--encoding latin-1``, ``--force``.

    Args:
        setting: A parameter named in an error, perhaps with a value to try.

    Returns:
        The option, with the value when it takes one; the Python spelling for a parameter
        that has no option.
    """
    name = OPTIONS.get(setting.parameter)
    if name is None:
        return setting.python()
    if setting.value is None or isinstance(setting.value, bool):
        return name
    return f"{name} {shlex.quote(setting.value)}"


def command(call: Call) -> str:
    """A call of the Python API as the command that does the same: ``'censusmig recipes list'``.

    Args:
        call: A function of :mod:`censusmig.api` named in an error.

    Returns:
        The command, quoted; the Python spelling for a function that has no command.
    """
    name = COMMANDS.get(call.function)
    return call.python() if name is None else f"'{name}'"


def message(error: CensusmigError) -> str:
    """The error's message with every parameter written as its option, every call as a command."""
    return error.render(option, command)
