"""One writer at a time: an exclusive lock beside a store or an index, held for a whole run.

Two runs on one output folder would each read the store, then each save what it saw, and one's articles
would be lost between them. The lock (``filelock``: an OS file lock, released by the kernel when its
holder dies, so a killed run never leaves it stuck) makes the second run wait for the first, then read
what the first stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

# How long a run waits for another run on the same store before it gives up: a scheduled run that finds
# the daily re-clustering still going waits for it rather than failing.
DEFAULT_WAIT_SECONDS = 3600.0


class StoreBusyError(RuntimeError):
    """Another run held the store for longer than this run would wait."""


def lock_path(path: Path | str) -> Path:
    """The lock file of the store or index at ``path``."""
    return Path(f"{path}.lock")


@contextmanager
def exclusive(
    path: Path | str, wait_seconds: float = DEFAULT_WAIT_SECONDS, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the store or index at ``path`` alone for the block; wait up to ``wait_seconds`` for another
    holder (``on_wait`` is told once that this run waits), then raise ``StoreBusyError``."""
    target = lock_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(target, is_singleton=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait(f"{path} is in use by another run: waiting up to {wait_seconds:.0f} s for it to finish")
        try:
            lock.acquire(timeout=wait_seconds)
        except Timeout as error:
            raise StoreBusyError(
                f"{path} is in use by another run (lock {target}); gave up after {wait_seconds:.0f} s. "
                "Run again when it has finished, or wait longer with --wait."
            ) from error
    try:
        yield
    finally:
        lock.release()
