"""Facts about input files for the run manifest (size and hash)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileFacts:
    """Facts about an input file for the run manifest.

    Attributes:
        path: The file.
        size: Size in bytes.
        sha256: Hash of its bytes.
    """

    path: Path
    size: int
    sha256: str


def file_facts(path: Path) -> FileFacts:
    """Size and sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return FileFacts(path, path.stat().st_size, digest.hexdigest())
