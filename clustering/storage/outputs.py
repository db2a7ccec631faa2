"""Where a command writes its records: checked before any input is read, never over an input.

A regular file (or a new one) is written atomically: readers see the old file or the whole new one. Anything
else is written in place, as a shell redirection would: ``-`` is standard output; a pipe, FIFO, device or
socket is opened and written, never renamed over; a symbolic link is written through to what it names, and
stays a link. A folder, a read-only file, or a path that is one of the command's inputs, index or store is
refused with a one-line error before anything is read.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO

from clustering.storage.atomic import atomic_writer

STANDARD_STREAM = "-"
# Where the rejects of an output written in place to a stream go, unless named: diagnostics, as a filter's.
STANDARD_ERROR = "/dev/stderr"


class OutputError(ValueError):
    """An output that cannot be written, or must not be: it would replace an input."""


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist (yet): the same only if they name the same place
        return first.resolve() == second.resolve()


def in_place(path: Path | str) -> bool:
    """Whether ``path`` is written in place rather than replaced: standard output, a link, or an existing
    file that is not a regular file."""
    if str(path) == STANDARD_STREAM:
        return True
    path = Path(path)
    try:
        return path.is_symlink() or not stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return False


def check_output(path: Path | str, protected: Iterable[tuple[str, Path | str]] = ()) -> None:
    """Raise ``OutputError`` when ``path`` is a folder, a read-only file, or the same file as one of
    ``protected`` (``(what it is, path)`` pairs: the inputs, the index, the store)."""
    if str(path) in (STANDARD_STREAM, STANDARD_ERROR):
        return
    path = Path(path)
    for role, other in protected:
        if str(other) != STANDARD_STREAM and _same_file(path, Path(other)):
            raise OutputError(f"{path} is {role}: an output must not replace it")
    if path.is_dir():
        raise OutputError(f"{path} is a folder: give a file to write")
    if path.exists():
        mode = path.stat().st_mode
        # root may write any file: the file's own bits say whether it is meant to be written
        if stat.S_ISREG(mode) and (
            not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
        ):
            raise OutputError(f"{path} is read-only: not replaced")
    elif not os.access(_existing_parent(path), os.W_OK):
        raise OutputError(f"{path}: its folder cannot be written to")


def _existing_parent(path: Path) -> Path:
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    return parent


@contextmanager
def output_writer(path: Path | str) -> Iterator[IO[str]]:
    """A text file to write the output at ``path`` into: atomic for a regular file, in place otherwise
    (see the module). Standard output is flushed, not closed."""
    if str(path) in (STANDARD_STREAM, STANDARD_ERROR):
        with nullcontext(sys.stdout if str(path) == STANDARD_STREAM else sys.stderr) as stream:
            yield stream
            stream.flush()
    elif in_place(path):
        with open(path, "w", encoding="utf-8") as stream:
            yield stream
    else:
        with atomic_writer(path) as stream:
            yield stream
