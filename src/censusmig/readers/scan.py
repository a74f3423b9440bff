"""Facts about input files for the run manifest (size and hash).

The hash of a large input takes a full read of its bytes (about 0.1 s for 85 MB when the file
is in the page cache, seconds from disk). :func:`hashing` computes it in a background thread
while the run scans the same file: ``hashlib`` and the reads release the GIL on large blocks,
so the hash costs no wall time where a core is free, and the file's pages are read once from
disk for both.

A folder of Parquet files (:mod:`censusmig.readers.dataset`) is hashed as one input: its files
in their sorted order, each as its relative path, its size and its bytes; its size is theirs
in all. Renaming, moving, adding or changing any file changes the hash; where the folder lies
does not.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from censusmig.errors import InputError
from censusmig.readers.dataset import dataset_files

HASH_BLOCK = 8 << 20
"""Bytes read and hashed at a time: large blocks keep the GIL released for most of the work."""


@dataclass(frozen=True)
class FileFacts:
    """Facts about an input file (or folder of Parquet files) for the run manifest.

    Attributes:
        path: The file, or the folder.
        size: Size in bytes (of a folder: of its Parquet files, in all).
        sha256: Hash of its bytes (of a folder: see the module's docstring).
    """

    path: Path
    size: int
    sha256: str


class _Stopped(Exception):
    """The hash was abandoned (the run ended before it needed it)."""


def file_facts(path: Path, stop: threading.Event | None = None) -> FileFacts:
    """Size and sha256 of a file, read in blocks of :data:`HASH_BLOCK` bytes.

    Args:
        path: The file.
        stop: When set, the read stops at the next block (raising ``_Stopped``).

    Raises:
        OSError: The file cannot be read.
    """
    digest = hashlib.sha256()
    size = _hash_into(digest, path, stop)
    return FileFacts(path, size, digest.hexdigest())


def folder_facts(folder: Path, stop: threading.Event | None = None) -> FileFacts:
    """Size and sha256 of a folder of Parquet files, as the module's docstring says.

    For each file, sorted by relative path, the hash reads the path (UTF-8), a NUL byte, the
    size in decimal digits and a NUL byte, then the file's bytes: no two different folders
    give the same stream.

    Args:
        folder: The folder (:func:`censusmig.readers.dataset.dataset_files` lists its files).
        stop: When set, the read stops at the next block (raising ``_Stopped``).

    Raises:
        InputError: The folder is not a Parquet dataset.
        OSError: A file cannot be read.
    """
    digest = hashlib.sha256()
    size = 0
    for file in dataset_files(folder):
        digest.update(f"{file.relative}\0{file.path.stat().st_size}\0".encode())
        size += _hash_into(digest, file.path, stop)
    return FileFacts(folder, size, digest.hexdigest())


def input_facts(path: Path, stop: threading.Event | None = None) -> FileFacts:
    """:func:`folder_facts` of a folder, else :func:`file_facts` of the file."""
    return folder_facts(path, stop) if path.is_dir() else file_facts(path, stop)


def _hash_into(digest: hashlib._Hash, path: Path, stop: threading.Event | None) -> int:
    """Feed a file's bytes to ``digest`` in blocks; return its size."""
    buffer = bytearray(HASH_BLOCK)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as handle:
        size = os.fstat(handle.fileno()).st_size
        while read := handle.readinto(buffer):
            if stop is not None and stop.is_set():
                raise _Stopped
            digest.update(view[:read])
    return size


class FileHashing:
    """The facts of a file, computed in a background thread (see :func:`hashing`)."""

    def __init__(self, path: Path) -> None:
        """Start reading ``path`` in a daemon thread, if it is a regular file or a folder.

        Anything else (missing, a named pipe, whose opening would wait for a writer) is left
        to the reader to report; :meth:`result` fails on it, as on a folder that is no
        Parquet dataset.
        """
        self.path = path
        self._stop = threading.Event()
        self._facts: FileFacts | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="censusmig-sha256", daemon=True)
        if path.is_file() or path.is_dir():
            self._thread.start()
        else:
            self._error = InputError(f"{path}: not a regular file; cannot compute its sha256")

    def _work(self) -> None:
        try:
            self._facts = input_facts(self.path, self._stop)
        except _Stopped:
            pass
        except BaseException as error:  # handed to the thread that asks for the result
            self._error = error

    def result(self) -> FileFacts:
        """Wait for the hash and return the facts.

        Raises:
            InputError: The file could not be read to its end (the OS's reason).
        """
        self._join()
        if isinstance(self._error, OSError):
            reason = self._error.strerror or str(self._error) or type(self._error).__name__
            raise InputError(f"{self.path}: cannot read it to compute its sha256: {reason}")
        if self._error is not None:
            raise self._error
        if self._facts is None:
            raise InputError(f"{self.path}: its sha256 was abandoned before it was computed")
        return self._facts

    def cancel(self) -> None:
        """Stop the read at its next block and wait for the thread (a result stays)."""
        self._stop.set()
        self._join()

    def _join(self) -> None:
        if self._thread.ident is not None:  # started
            self._thread.join()


@contextmanager
def hashing(path: Path) -> Iterator[FileHashing]:
    """Hash ``path`` in a background thread for the duration of the block.

    Ask :meth:`FileHashing.result` inside the block; leaving it stops a read still under way
    (a run that failed does not keep reading a large file). A file that cannot be opened is
    reported by ``result()`` only: the reader that opens it says first what is wrong.

    Args:
        path: The input file.

    Yields:
        The running computation.
    """
    running = FileHashing(path)
    try:
        yield running
    finally:
        running.cancel()
