"""Atomic file writes: readers see the old file or the whole new one, never a half-written file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp makes files only their owner can read; a written artifact gets the mode any new file of the
# process would (0644 under the usual umask 022), so a web server or a colleague can read the dashboard.
_FILE_MODE = 0o666 & ~_read_umask()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _remove_orphans(target: Path) -> None:
    """Delete the temporary files of ``target`` left by writers that were killed: each temporary name
    carries its writer's process id, and a file of a process that is gone is an orphan."""
    for temporary in target.parent.glob(f".{target.name}.*.tmp"):
        pid = temporary.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            temporary.unlink(missing_ok=True)


@contextmanager
def atomic_writer(path: Path | str, binary: bool = False, durable: bool = True) -> Iterator[IO[Any]]:
    """Write into a temporary file beside ``path``; it replaces ``path`` only if the block completes.
    ``durable``: flushed to the disk before it replaces ``path`` (survives a power cut, not only a crash).
    Temporary files of ``path`` that a killed writer left behind are removed first."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    try:
        os.chmod(temporary, _FILE_MODE)
        with os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", encoding="utf-8") as file:
            yield file
            file.flush()
            if durable:
                os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomic(path: Path | str, content: str) -> None:
    with atomic_writer(path) as file:
        file.write(content)


def save_npz_atomic(path: Path | str, **arrays: np.ndarray) -> None:
    """``numpy.savez`` of ``arrays`` to ``path``, atomically. For caches: not forced to the disk, since
    a file a power cut leaves unreadable is rebuilt (tens of MB at 10k articles; fsync costs up to 0.2 s)."""
    with atomic_writer(path, binary=True, durable=False) as file:
        np.savez(file, **arrays)
