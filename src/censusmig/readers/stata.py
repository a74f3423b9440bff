"""Whether a Stata ``.dta`` file is whole: its own record count and sections against its size.

pyreadstat reads a ``.dta`` file cut inside its value-label table without a word: every record
is there, and the labels of some columns are silently gone. The file says how long it should
be, so :func:`check_stata_file` compares that with what is there, before any record is read.

* Releases 117-119 (Stata 13 and later) start with ``<stata_dta>`` and carry a map of byte
  offsets, the last of which is the end of the file; the file ends with ``</stata_dta>``.
* Releases 113-115 (Stata 8-12) carry no map: their header gives the variables' types and the
  record count, so the data's end is computed, and the value-label tables after it (each with
  its length) must end exactly at the end of the file.

Other files (unknown releases, damaged headers) are left to pyreadstat, whose errors are clean.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from censusmig.errors import InputError

__all__ = ["check_stata_file"]

_XML_WIDTHS = {32768: 8, 65526: 8, 65527: 4, 65528: 4, 65529: 2, 65530: 1}
"""Bytes a value takes in a release 117-119 record, by type code (strings: the code itself)."""

_XML_SECTIONS = {
    9: "the records",
    10: "the long strings",
    11: "the value labels",
    12: "the closing tag",
}
"""The section of a release 117-119 file that starts at each offset of its map (others: header)."""

_OLD_WIDTHS = {251: 1, 252: 2, 253: 4, 254: 4, 255: 8}
"""Bytes a value takes in a release 113-115 record, by type code (strings: the code itself)."""


def check_stata_file(path: Path, name: Path) -> None:
    """Raise when a Stata file is shorter (or longer) than its header and map say.

    Args:
        path: The file read (perhaps unpacked).
        name: The file the user named (for the message).

    Raises:
        InputError: The file is truncated: the message gives the records the header announces
            and those the file holds, or the section that is cut.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(4096)
        try:
            if head.startswith(b"<stata_dta>"):
                _check_xml(handle, head, size, name)
            elif len(head) >= 109 and head[0] in (113, 114, 115) and head[1] in (1, 2):
                _check_old(handle, head, size, name)
        except (struct.error, ValueError, IndexError, OverflowError, OSError):
            return  # a damaged header: pyreadstat says so in its own words


def _truncated(name: Path, announced: int, held: int, what: str) -> InputError:
    return InputError(
        f"{name}: truncated: the header says {announced:,} records, the file holds {held:,}"
        f"{what}; the file is damaged or was cut short (copy or download it again)"
    )


def _check_xml(handle: BinaryIO, head: bytes, size: int, name: Path) -> None:
    """Releases 117-119: the map's end-of-file offset and the closing tag."""
    release = int(head[head.index(b"<release>") + 9 : head.index(b"</release>")])
    order = "<" if b"<byteorder>LSF" in head else ">"
    k_at = head.index(b"<K>") + 3
    k_format = order + ("I" if release >= 119 else "H")
    k = struct.unpack(k_format, head[k_at : k_at + struct.calcsize(k_format)])[0]
    n_at = head.index(b"<N>") + 3
    n_format = order + ("I" if release == 117 else "Q")
    n = struct.unpack(n_format, head[n_at : n_at + struct.calcsize(n_format)])[0]
    map_at = head.index(b"<map>") + 5
    offsets = struct.unpack(order + "14Q", head[map_at : map_at + 112])
    if offsets[13] == size and _tail(handle, size) == b"</stata_dta>":
        return
    if size >= offsets[13]:
        raise InputError(
            f"{name}: the file is {size:,} bytes where its map says {offsets[13]:,}: it is "
            "damaged or not a Stata file"
        )
    types_at = offsets[2] + len(b"<variable_types>")
    data_at = offsets[9] + len(b"<data>")
    handle.seek(types_at)
    types = struct.unpack(order + f"{k}H", handle.read(2 * k))
    width = sum(_XML_WIDTHS.get(t, t) for t in types)
    held = n if width == 0 else min(n, max(0, size - data_at) // width)
    cut = next((i for i, at in enumerate(offsets) if at > size), 13) - 1
    section = _XML_SECTIONS.get(cut, "the header")
    if section == "the value labels" and held == n:
        raise _truncated(name, n, held, " but its value-label table is cut")
    raise _truncated(name, n, held, f" (cut in {section})")


def _check_old(handle: BinaryIO, head: bytes, size: int, name: Path) -> None:
    """Releases 113-115: the data's computed end, then every value-label table to the end."""
    release, order = head[0], "<" if head[1] == 2 else ">"
    k, n = struct.unpack(order + "HI", head[4:10])
    handle.seek(109)
    types = handle.read(k)
    width = sum(_OLD_WIDTHS.get(t, t) for t in types)
    at = 109 + k + 33 * k + 2 * (k + 1) + (12 if release == 113 else 49) * k + 33 * k + 81 * k
    while True:  # expansion fields: type byte, length, contents; ended by type 0, length 0
        handle.seek(at)
        field = handle.read(5)
        if len(field) < 5:
            raise _truncated(name, n, 0, " (cut in the header)")
        kind, length = struct.unpack(order + "BI", field)
        at += 5 + length
        if kind == 0 and length == 0:
            break
    data_end = at + n * width
    if data_end > size:
        held = 0 if width == 0 else max(0, size - at) // width
        raise _truncated(name, n, held, "")
    at = data_end
    while at < size:  # value-label tables: length, name (33), padding (3), table
        handle.seek(at)
        length = struct.unpack(order + "I", handle.read(4))[0]
        at += 4 + 33 + 3 + length
    if at != size:
        raise _truncated(name, n, n, " but its value-label table is cut")


def _tail(handle: BinaryIO, size: int) -> bytes:
    handle.seek(max(0, size - 12))
    return handle.read(12)
