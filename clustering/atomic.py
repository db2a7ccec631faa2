"""Atomic file writes: readers see the old file or the whole new one, never a half-written file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np


@contextmanager
def atomic_writer(path: Path | str, binary: bool = False, durable: bool = True) -> Iterator[IO[Any]]:
    """Write into a temporary file beside ``path``; it replaces ``path`` only if the block completes.
    ``durable``: flushed to the disk before it replaces ``path`` (survives a power cut, not only a crash)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
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
