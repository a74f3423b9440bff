"""Zip archives censusmig cannot unpack are refused with a clear error, never a traceback.

Found by the generated-input suite (seed 13, case 180): a flipped byte set a member's
"encrypted" flag, and zipfile's RuntimeError became an internal error.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from censusmig import api
from censusmig.errors import InputError

CSV = b"PERSON_ID,SEX,AGE\n1,1,30\n2,2,41\n"


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("census.csv", CSV)
    return path


def _set_member_header(path: Path, *, flag: int | None = None, method: int | None = None) -> None:
    """Rewrite the member's local and central headers: general-purpose flags, method."""
    data = bytearray(path.read_bytes())
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = data.index(signature)
        if flag is not None:
            data[start + flag_at : start + flag_at + 2] = flag.to_bytes(2, "little")
        if method is not None:
            data[start + method_at : start + method_at + 2] = method.to_bytes(2, "little")
    path.write_bytes(bytes(data))


def test_an_encrypted_member_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "data.zip")
    _set_member_header(path, flag=0x1)
    with pytest.raises(InputError, match="encrypted") as caught:
        api.inspect(path)
    assert "data.zip" in str(caught.value)


def test_an_unknown_compression_method_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "data.zip")
    _set_member_header(path, method=99)
    with pytest.raises(InputError, match="compression method"):
        api.inspect(path)


def test_a_plain_zip_still_reads(tmp_path: Path) -> None:
    path = _zip(tmp_path / "data.zip")
    assert api.inspect(path) is not None
