"""Removing temporary files surely, even while interrupts keep arriving.

A Ctrl-C during a Polars sink or collect can raise KeyboardInterrupt twice: once from inside
Polars and once more from Python's own handler, which then fires inside the ``except`` or
``finally`` block meant to remove the half-written file. :func:`remove_surely` runs such a
removal to its end, retrying when an interrupt cuts it short; the interrupt that started the
cleanup is re-raised by the caller as usual. :func:`removed_unless_done` wraps a block that
writes a file, with a backstop at exit for an interrupt that lands in the cleanup itself.
"""

from __future__ import annotations

import atexit
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["remove_surely", "removed_unless_done"]

_ATTEMPTS = 100
"""Retries at most: each interrupt costs one; a removal itself never loops."""


def remove_surely(action: Callable[[], object] | Path) -> None:
    """Remove a file (or a folder) or run a cleanup action, finishing it despite interrupts.

    Args:
        action: The path to remove (missing is fine), or an idempotent cleanup function
            (``TemporaryDirectory.cleanup``).
    """
    for _ in range(_ATTEMPTS):
        try:
            if isinstance(action, Path):
                if action.is_dir():
                    shutil.rmtree(action, ignore_errors=True)
                else:
                    action.unlink(missing_ok=True)
            else:
                action()
            return
        except KeyboardInterrupt:
            continue


@contextmanager
def removed_unless_done(path: Path) -> Iterator[None]:
    """Remove ``path`` when the block fails, interrupts included; a backstop at exit too.

    The removal runs in the block's ``except``; should a second interrupt cut that short, the
    same removal is registered with :mod:`atexit`, which runs when the interrupted process
    exits. The registration is withdrawn when the block is left.

    Args:
        path: The file the block writes (a ``.partial`` file renamed after the block).
    """

    def remove() -> None:
        remove_surely(path)

    atexit.register(remove)
    try:
        yield
    except BaseException:
        remove()
        raise
    finally:
        atexit.unregister(remove)
