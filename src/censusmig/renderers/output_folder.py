"""The output folder of a run: locked, written whole beside it, then moved into place.

:func:`output_folder` is how a run writes its output set (csv/, tables.xlsx, report.html,
run.json, whatever formats are chosen) into ``OUT``:

1. **Lock.** ``.<name>.censusmig-lock`` beside ``OUT`` is locked with ``fcntl.flock``; a second
   run into ``OUT`` finds it locked and stops (:class:`OutputFolderError`, exit 2). The kernel
   releases the lock when its process dies, so a killed run leaves no stale lock (the file it
   may leave is locked by nobody and taken over). Where there is no ``fcntl`` (Windows) the lock
   is the file itself, created exclusively: one left by a killed run must be removed by hand,
   and the message says so.
2. **Check.** ``OUT`` must be absent, empty, or a censusmig output set: a ``run.json`` written
   by censusmig and nothing but the files the formats write (:func:`output_names`). Anything
   else (user files, a ``run.json`` that is a folder, ``OUT`` holding the current folder) is
   refused before anything is read or written, because step 4 replaces the folder whole and
   would delete it.
3. **Stage.** The outputs are written into ``.<name>.censusmig-tmp-<pid>-<random>``, a new
   folder beside ``OUT`` (same parent, so the renames below stay on one file system).
4. **Swap.** When every output is written: ``OUT`` is renamed to
   ``.<name>.censusmig-old-<pid>-<random>``, the staging folder is renamed to ``OUT``, the old
   set is removed. Until the first rename ``OUT`` holds the previous set, untouched; after the
   second it holds the new set, whole. No file of the previous run stays beside the new one.
5. **Clean.** On any exception, KeyboardInterrupt and a SIGTERM made an exception included,
   the staging folder is removed in ``finally`` and ``OUT`` is left as it was; the lock file is
   removed last.

A crash (``kill -9``, power cut) between the two renames of step 4 leaves no ``OUT``, the
previous set in ``.<name>.censusmig-old-…`` and the new one in ``.<name>.censusmig-tmp-…``.
The next run into ``OUT`` recovers before it starts, under the lock (so no live run owns those
folders): it renames the previous set back to ``OUT`` and removes every other leftover of
``OUT``. By hand: rename the ``-old-`` folder back to ``OUT``.

This module imports nothing beyond the standard library.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from censusmig.errors import CensusmigError, Setting

RECORD = "run.json"
"""The run record: what marks a folder as a censusmig output set."""

LOCK = "censusmig-lock"
STAGING = "censusmig-tmp"
ASIDE = "censusmig-old"
_LEFTOVER = re.compile(rf"({STAGING}|{ASIDE})-\d+-[0-9a-f]+")
_RECORD_LIMIT = 64 * 1024 * 1024  # a run.json larger than this was not written by censusmig
_SHOWN = 3  # foreign entries named in a message


class OutputFolderError(CensusmigError):
    """The output folder cannot be written (exit 2).

    It is locked by another run, holds files censusmig did not write, or the OS refused (the
    message names the path and the OS reason).
    """


@dataclass(frozen=True)
class OutputFolder:
    """A locked output folder being written.

    Attributes:
        target: The output folder as given (where the outputs will be).
        staging: The folder to write into now; it becomes ``target`` when the run succeeds.
    """

    target: Path
    staging: Path

    def final(self, path: Path) -> Path:
        """Where a file written into :attr:`staging` will be once the set is in place."""
        return self.target / path.relative_to(self.staging)


def output_names(outputs: Iterable[str]) -> tuple[str, ...]:
    """The names a censusmig output set may hold: ``run.json`` and the formats' outputs.

    Args:
        outputs: Patterns relative to the output folder, ``/``-separated, each part a
            shell pattern (``csv/*.csv``, ``tables.xlsx``).
    """
    return (RECORD, *outputs)


@contextmanager
def output_folder(
    target: Path, outputs: Sequence[str], inputs: Sequence[Path] = ()
) -> Iterator[OutputFolder]:
    """Lock ``target``, check it, stage the outputs beside it and move them into place.

    See the module's docstring for every step and for what a crash leaves.

    Args:
        target: The output folder; its parent is created if needed.
        outputs: The names a previous output set may hold besides ``run.json``, as
            ``/``-separated shell patterns (``csv/*.csv``); see :func:`output_names`.
        inputs: Files the run reads (data file, profile): refused when inside ``target``,
            which the run replaces whole, whatever their names.

    Yields:
        The folder to write into; leaving the block normally moves it into place, leaving
        it by an exception removes it and keeps ``target`` as it was.

    Raises:
        OutputFolderError: Another run holds the lock, ``target`` holds something censusmig
            did not write, or a folder cannot be created, renamed or locked.
    """
    real = target.resolve()
    if not real.name:
        raise OutputFolderError(
            _cannot(target), ": it is a file system root; choose a folder inside it"
        )
    _make_parent(real, target)
    with _locked(real, target):
        _recover(real, target)
        _check_target(real, target, output_names(outputs), inputs)
        staging = _make_staging(real, target)
        try:
            yield OutputFolder(target, staging)
            _swap(staging, real, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def reason(error: OSError) -> str:
    """What went wrong, in the OS's words, naming the file when the error does.

    Polars raises ``OSError`` subclasses without ``errno`` or ``strerror`` (their text is the
    message), so the text is the fallback, then the exception's type.
    """
    where = f"{error.filename}: " if error.filename else ""
    return where + (error.strerror or str(error) or type(error).__name__)


def _cannot(target: Path) -> str:
    return f"cannot write outputs to {target}"


def _os_error(target: Path, doing: str, error: OSError) -> OutputFolderError:
    return OutputFolderError(f"{_cannot(target)}: {doing}: {reason(error)}")


def _make_parent(real: Path, target: Path) -> None:
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        # The OS says "File exists" of a folder to be made under a file: name the file.
        under = next((p for p in real.parents if p.exists() and not p.is_dir()), None)
        if under is not None:
            raise OutputFolderError(
                f"{_cannot(target)}: cannot create {real.parent}: {under} is a file, not a "
                "folder; choose another ",
                Setting("out"),
            ) from None
        raise _os_error(target, f"cannot create {real.parent}", error) from None


def _beside(real: Path, kind: str) -> Path:
    return real.parent / f".{real.name}.{kind}"


def _unique(real: Path, kind: str) -> Path:
    return _beside(real, f"{kind}-{os.getpid()}-{secrets.token_hex(4)}")


@contextmanager
def _locked(real: Path, target: Path) -> Iterator[None]:
    """Hold the lock file beside ``real`` for the block; remove it after."""
    path = _beside(real, LOCK)
    descriptor = (
        _lock_exclusively(path, target) if sys.platform == "win32" else _flock(path, target)
    )
    try:
        yield
    finally:
        try:
            path.unlink(missing_ok=True)  # while still holding it: the next run makes a new one
        finally:
            os.close(descriptor)


def _flock(path: Path, target: Path) -> int:
    """Open and lock ``path`` with ``flock``; return its descriptor.

    A previous holder removes the file before releasing it, so a lock taken on a file that is
    no longer at ``path`` is dropped and taken again on the new file.
    """
    import fcntl

    while True:
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise _os_error(target, f"cannot create its lock file {path}", error) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            raise _busy(target, holder, path) from None
        except OSError as error:
            os.close(descriptor)
            raise _os_error(target, f"cannot lock {path}", error) from None
        try:
            same = os.path.samestat(os.fstat(descriptor), os.stat(path))
        except OSError:
            same = False
        if same:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()}\n".encode())
            return descriptor
        os.close(descriptor)


def _lock_exclusively(path: Path, target: Path) -> int:
    """Create ``path`` exclusively (no ``flock`` here); return its descriptor."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise _busy(
            target, _read_holder(path), path, f"; if no censusmig run is going, remove {path}"
        ) from None
    except OSError as error:
        raise _os_error(target, f"cannot create its lock file {path}", error) from None
    os.write(descriptor, f"{os.getpid()}\n".encode())
    return descriptor


def _holder(descriptor: int) -> str:
    try:
        return os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""


def _read_holder(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace")[:32].strip()
    except OSError:
        return ""


def _busy(target: Path, holder: str, path: Path, hint: str = "") -> OutputFolderError:
    who = f" (process {holder})" if holder.isdigit() else ""
    return OutputFolderError(
        f"{_cannot(target)}: another censusmig run{who} is writing to it (lock {path}); "
        "wait for it to finish or choose another ",
        Setting("out"),
        hint,
    )


def _recover(real: Path, target: Path) -> None:
    """Put back the previous set a crash left aside; remove every other leftover of ``real``."""
    prefix = f".{real.name}."
    try:
        with os.scandir(real.parent) as entries:
            leftovers = [
                Path(entry.path)
                for entry in entries
                if entry.name.startswith(prefix)
                and _LEFTOVER.fullmatch(entry.name[len(prefix) :])
                and entry.is_dir(follow_symlinks=False)
            ]
    except OSError as error:
        raise _os_error(target, f"cannot list {real.parent}", error) from None
    aside = [p for p in leftovers if p.name[len(prefix) :].startswith(ASIDE)]
    if aside and not os.path.lexists(real):
        previous = max(aside, key=lambda p: p.stat().st_mtime_ns)
        try:
            os.rename(previous, real)
        except OSError as error:
            raise _os_error(
                target, f"cannot put back the previous outputs {previous}", error
            ) from None
        leftovers.remove(previous)
    for leftover in leftovers:
        shutil.rmtree(leftover, ignore_errors=True)


def _check_target(real: Path, target: Path, names: Sequence[str], inputs: Sequence[Path]) -> None:
    """Refuse a target that is a file or holds the current folder, an input or foreign files."""
    if not os.path.lexists(real):
        return
    if not real.is_dir():
        raise OutputFolderError(f"{_cannot(target)}: it is a file, not a folder")
    try:
        here = Path.cwd().resolve()
    except OSError:  # the current folder was removed: it is not in the target
        here = None
    if here is not None and here.is_relative_to(real):
        raise OutputFolderError(
            f"{_cannot(target)}: it holds the current folder, and a run replaces its output "
            "folder whole; run from outside it"
        )
    for path in inputs:
        if path.resolve().is_relative_to(real):
            raise OutputFolderError(
                f"{_cannot(target)}: it holds {path}, which this run reads, and a run "
                "replaces its output folder whole; choose another ",
                Setting("out"),
            )
    try:
        foreign = _foreign(real, names)
    except OSError as error:
        raise _os_error(target, f"cannot list {real}", error) from None
    if foreign is None:
        return
    shown = ", ".join(repr(name) for name in foreign[:_SHOWN])
    more = f" and {len(foreign) - _SHOWN} more" if len(foreign) > _SHOWN else ""
    raise OutputFolderError(
        f"{_cannot(target)}: it holds {shown}{more}, which censusmig did not write"
        f"{'' if os.path.lexists(real / RECORD) else ' (it has no run.json)'}. A run "
        "replaces its output folder whole, so it writes only into a new or empty folder or "
        f"one holding a previous censusmig output set ({', '.join(names)}); choose another ",
        Setting("out"),
        " or move those away",
    )


def _foreign(real: Path, names: Sequence[str]) -> list[str] | None:
    """The entries of ``real`` that are not a censusmig output set's, or None when it is one.

    Only folders that an output pattern names are looked into, so a large foreign folder
    costs one listing.
    """
    patterns = [tuple(name.split("/")) for name in names]
    entries = sorted(os.scandir(real), key=lambda entry: entry.name)
    if not entries:
        return None
    if not _is_record(real / RECORD):
        described = "a folder" if (real / RECORD).is_dir() else "not a censusmig run record"
        return [
            f"{entry.name} ({described})" if entry.name == RECORD else entry.name
            for entry in entries
        ]
    foreign: list[str] = []
    pending: list[tuple[tuple[str, ...], list[os.DirEntry[str]]]] = [((), entries)]
    while pending:
        parts, listed = pending.pop()
        for entry in listed:
            path = (*parts, entry.name)
            if entry.is_file(follow_symlinks=False) and _matches(path, patterns, whole=True):
                continue
            if entry.is_dir(follow_symlinks=False) and _matches(path, patterns, whole=False):
                pending.append((path, sorted(os.scandir(entry.path), key=lambda e: e.name)))
                continue
            foreign.append("/".join(path) + ("/" if entry.is_dir() else ""))
    return foreign or None


def _matches(path: tuple[str, ...], patterns: Sequence[tuple[str, ...]], *, whole: bool) -> bool:
    """Whether a file (``whole``) or a folder on the way to one matches a pattern."""
    return any(
        (len(pattern) == len(path) if whole else len(pattern) > len(path))
        and all(
            fnmatch.fnmatchcase(part, wanted)
            for part, wanted in zip(path, pattern[: len(path)], strict=True)
        )
        for pattern in patterns
    )


def _is_record(path: Path) -> bool:
    """Whether ``path`` is a run record censusmig wrote (a JSON object with its version)."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > _RECORD_LIMIT:
            return False
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("censusmig_version"), str)


def _make_staging(real: Path, target: Path) -> Path:
    for _ in range(8):
        staging = _unique(real, STAGING)
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            raise _os_error(target, f"cannot create {staging}", error) from None
        return staging
    raise OutputFolderError(f"{_cannot(target)}: cannot name a temporary folder beside it")


def _swap(staging: Path, real: Path, target: Path) -> None:
    """Move the staged set to ``real``, the previous set (if any) aside and then away."""
    if not os.path.lexists(real):
        _rename(staging, real, target)
        return
    aside = _unique(real, ASIDE)
    _rename(real, aside, target)
    try:
        _rename(staging, real, target)
    except BaseException:
        os.rename(aside, real)
        raise
    shutil.rmtree(aside, ignore_errors=True)  # what stays is removed by the next run


def _rename(source: Path, destination: Path, target: Path) -> None:
    try:
        os.rename(source, destination)
    except OSError as error:
        raise _os_error(target, f"cannot rename {source} to {destination}", error) from None
