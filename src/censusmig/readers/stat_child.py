"""Reading an SPSS or Stata file in a child process, so that a crash of its reader is an error.

pyreadstat reads ``.sav`` and ``.dta`` files with ReadStat, a C library. Most damaged files
make it raise, which :func:`censusmig.readers.formats.write_stat_file_as_parquet` turns into a
clear message; but a few flipped bytes in a file's dictionary make it crash the process
(a segmentation fault), which no ``except`` can catch: the run would end with no message and
no exit code of ours. So the copy to Parquet runs in a child Python process: its progress
and its error message come back on a pipe, and a child that dies of a signal is told as a
damaged file (exit 2).

The child is started as ``python -m censusmig.readers.stat_child KIND PATH TARGET NAME``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from censusmig.errors import CensusmigError, InputError

if TYPE_CHECKING:
    from censusmig.readers.meta import Metadata
    from censusmig.readers.options import Progress

_WHAT = {"sav": "an SPSS", "dta": "a Stata"}


def write_stat_file_isolated(
    path: Path,
    kind: str,
    target: Path,
    progress: Progress | None = None,
    source_name: Path | None = None,
) -> Metadata:
    """Copy an SPSS or Stata file to Parquet in a child process; the metadata go in its schema.

    Args:
        path: The plain (unpacked) file.
        kind: ``sav`` or ``dta``.
        target: The Parquet file to write.
        progress: Called with (records done, records in all or None) as the child reads.
        source_name: The file the user named, for messages.

    Returns:
        The file's metadata (value labels, missing values, column labels).

    Raises:
        InputError: The file cannot be read: damaged, truncated, or its reader crashed.
    """
    from censusmig.readers.formats import parquet_metadata

    name = source_name or path
    command = [sys.executable, "-m", __name__, kind, str(path), str(target), str(name)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    message: str | None = None
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    try:
        assert child.stdout is not None  # noqa: S101 - stdout=PIPE
        for line in child.stdout:
            tag, _, rest = line.rstrip("\n").partition(" ")
            if tag == "progress" and progress is not None:
                done, total = rest.split()
                progress(int(done), None if total == "-" else int(total))
            elif tag == "error":
                message = json.loads(rest)
        code = child.wait()
    except BaseException:  # an interrupt in the parent: the child must not outlive it
        child.kill()
        child.wait()
        raise
    if message is not None:
        raise InputError(message)
    if code != 0:
        what = _WHAT.get(kind, "a")
        cause = signal.Signals(-code).name if code < 0 else f"exit status {code}"
        raise InputError(
            f"{name}: the reader of {what} file stopped on it ({cause}): the file is damaged, "
            f"truncated or not {what} file (copy or download it again)"
        )
    return parquet_metadata(target)


def _main(kind: str, path: str, target: str, name: str) -> int:
    """The child: copy the file, telling progress and any error on stdout."""
    from censusmig.readers.formats import write_stat_file_as_parquet

    def told(done: int, total: int | None) -> None:
        print(f"progress {done} {'-' if total is None else total}", flush=True)

    try:
        write_stat_file_as_parquet(Path(path), kind, Path(target), told, Path(name))
    except CensusmigError as error:
        print(f"error {json.dumps(str(error))}", flush=True)
        return 2
    except Exception:  # noqa: BLE001 - any other failure of the reader: a damaged file
        what = _WHAT.get(kind, "a")
        message = (
            f"{name}: cannot read it as {what} file: the file is damaged, truncated or not "
            f"{what} file (copy or download it again)"
        )
        print(f"error {json.dumps(message)}", flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main(*sys.argv[1:5]))
