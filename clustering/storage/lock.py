"""One clustering run at a time: an exclusive lock on a store or an index, held for a whole run.

Two runs on one store would each read it, then each save what it saw, and one's work would be lost between
them. The lock makes the second run wait for the first, then read what the first stored. Beside a file it
is an OS file lock (``filelock``); on a PostgreSQL store, on whichever machine the runs are, a session
advisory lock. Either is released when its holder dies, so a killed run never leaves it stuck. Adding
articles needs no lock: the store takes each id once, whoever adds it (``StoryStore.add_articles``).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import text

from clustering.storage.database import is_database_url, open_engine, shown

# How long a run waits for another run on the same store before it gives up: a scheduled run that finds
# the daily re-clustering still going waits for it rather than failing.
DEFAULT_WAIT_SECONDS = 3600.0
# How often a run waiting on a PostgreSQL store asks for its lock again.
_POLL_SECONDS = 0.5
# The PostgreSQL advisory lock key of a store's runs (advisory locks are per database: one store each).
_RUN_LOCK = zlib.crc32(b"storyline-run")


class StoreBusyError(RuntimeError):
    """Another run held the store for longer than this run would wait."""


def lock_path(path: Path | str) -> Path:
    """The lock file of the store or index at ``path``."""
    return Path(f"{path}.lock")


@contextmanager
def exclusive(
    location: Path | str, wait_seconds: float = DEFAULT_WAIT_SECONDS, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the store or index at ``location`` (a path, or a PostgreSQL URL) alone for the block; wait up to
    ``wait_seconds`` for another holder (``on_wait`` is told once that this run waits), then raise
    ``StoreBusyError``."""
    held = (
        _advisory(location, wait_seconds, on_wait)
        if is_database_url(location)
        else _file(location, wait_seconds, on_wait)
    )
    with held:
        yield


def _busy(location: Path | str, wait_seconds: float, held_by: str) -> StoreBusyError:
    return StoreBusyError(
        f"{shown(location)} is in use by another run ({held_by}); gave up after {wait_seconds:.0f} s. "
        "Run again when it has finished, or wait longer with --wait."
    )


def _waiting(location: Path | str, wait_seconds: float) -> str:
    return f"{shown(location)} is in use by another run: waiting up to {wait_seconds:.0f} s for it to finish"


@contextmanager
def _file(path: Path | str, wait_seconds: float, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    target = lock_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(target, is_singleton=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait(_waiting(path, wait_seconds))
        try:
            lock.acquire(timeout=wait_seconds)
        except Timeout as error:
            raise _busy(path, wait_seconds, f"lock {target}") from error
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _advisory(url: str, wait_seconds: float, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    # The lock lives with the session: its own connection, held for the block.
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            deadline = time.monotonic() + wait_seconds

            def locked() -> bool:
                got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _RUN_LOCK}).scalar_one()
                connection.commit()  # a session lock outlives its transaction: none stays open while waiting
                return got

            if not locked():
                if on_wait is not None:
                    on_wait(_waiting(url, wait_seconds))
                while not locked():
                    if time.monotonic() >= deadline:
                        raise _busy(url, wait_seconds, "a PostgreSQL advisory lock")
                    time.sleep(_POLL_SECONDS)
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _RUN_LOCK})
                connection.commit()
    finally:
        engine.dispose()
