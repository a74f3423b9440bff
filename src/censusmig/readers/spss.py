"""A sanity check of an SPSS ``.sav`` file's dictionary before pyreadstat reads it.

pyreadstat (ReadStat, in C) crashes the whole process on some damaged dictionaries (a flipped
byte in a variable's type makes it a string thousands of bytes wide): no exception can be
caught. :func:`check_spss_dictionary` walks the dictionary's records in Python first, checking
only what keeps the walk and the variable types sane, and says the file is damaged when they
are not. Files it does not understand are left to pyreadstat.
"""

from __future__ import annotations

import struct
from pathlib import Path

from censusmig.errors import InputError

__all__ = ["check_spss_dictionary"]

_HEADER = 176
"""Bytes of the file header, before the first dictionary record."""

_MAX_RECORDS = 10_000_000
"""Dictionary records walked at most (a loop guard: real files have far fewer)."""


def check_spss_dictionary(path: Path, name: Path) -> None:
    """Raise when the dictionary of an SPSS file is damaged in a way that crashes pyreadstat.

    Args:
        path: The file read (perhaps unpacked).
        name: The file the user named (for the message).

    Raises:
        InputError: A variable record has a type no SPSS file can have, or a record runs
            past the end of the file.
    """
    data = path.read_bytes()[: 64 << 20]  # the dictionary is at the start: 64 MiB is plenty
    if len(data) < _HEADER or data[:4] not in (b"$FL2", b"$FL3"):
        return
    layout = data[64:68]
    order = "<" if layout in (b"\x02\x00\x00\x00", b"\x03\x00\x00\x00") else ">"
    at, size = _HEADER, len(data)

    def ints(count: int) -> tuple[int, ...]:
        nonlocal at
        if at + 4 * count > size:
            raise _damaged(name, "a dictionary record runs past the end of the file")
        values = struct.unpack_from(f"{order}{count}i", data, at)
        at += 4 * count
        return values

    for _ in range(_MAX_RECORDS):
        (kind,) = ints(1)
        if kind == 2:
            var_type, has_label, missing = ints(5)[:3]
            at += 8  # the name
            if not -1 <= var_type <= 255:
                raise _damaged(name, f"a variable has type {var_type}, not -1 to 255")
            if has_label not in (0, 1) or not -3 <= missing <= 3:
                raise _damaged(name, "a variable record is malformed")
            if has_label:
                (length,) = ints(1)
                if length < 0:
                    raise _damaged(name, "a variable label has a negative length")
                at += (length + 3) // 4 * 4
            at += 8 * abs(missing)
        elif kind == 3:
            (count,) = ints(1)
            for _ in range(max(0, count)):
                if at + 9 > size:
                    raise _damaged(name, "a value label runs past the end of the file")
                at += 8 + (data[at + 8] + 1 + 7) // 8 * 8
        elif kind == 4:
            (count,) = ints(1)
            at += 4 * max(0, count)
        elif kind == 6:
            (count,) = ints(1)
            at += 80 * max(0, count)
        elif kind == 7:
            _, width, count = ints(3)
            at += max(0, width) * max(0, count)
        elif kind == 999:
            return
        else:
            raise _damaged(name, f"a dictionary record has the unknown type {kind}")
        if at > size:
            raise _damaged(name, "a dictionary record runs past the end of the file")


def _damaged(name: Path, why: str) -> InputError:
    return InputError(
        f"{name}: cannot read it as an SPSS file: its dictionary is damaged ({why}); the file "
        "is damaged, truncated or not an SPSS file (copy or download it again)"
    )
