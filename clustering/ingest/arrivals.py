"""Records as they arrive: a thread reads them ahead, the caller takes what has come in lists.

A filter's input may be a file read at disk speed or a pipe a record a minute: taking what has arrived
(up to ``size``) rather than waiting for a full batch lets the first serve the second without holding
its records back, and the first still gets full batches (the reader is at most ``size`` ahead).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from typing import Generic, TypeVar

Item = TypeVar("Item")
_END = object()


class Arrivals(Generic[Item]):
    """``items`` read by a thread of their own; ``take`` returns those that have arrived. Use it as a
    context manager (or call ``close``): a caller that stops early stops the reader."""

    def __init__(self, items: Iterable[Item], size: int) -> None:
        self._ahead: queue.Queue = queue.Queue(maxsize=size)
        self._size = size
        self._stop = threading.Event()
        self._ended = False
        self._error: BaseException | None = None
        self._reader = threading.Thread(target=self._read, args=(items,), name="storyline-reader", daemon=True)
        self._reader.start()

    def _offer(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self, items: Iterable[Item]) -> None:
        try:
            for item in items:
                if not self._offer(item):
                    return
        except BaseException as error:  # handed to the caller, which raises it
            self._offer(error)
        self._offer(_END)

    def take(self, wait: bool = True) -> list[Item] | None:
        """Up to ``size`` items that have arrived, in order: waiting for the first when ``wait``, else
        ``[]`` when none has. ``None`` once every item has been taken. An error the reader met is raised
        once the items read before it have been taken."""
        taken: list[Item] = []
        while not self._ended and len(taken) < self._size:
            try:
                item = self._ahead.get(block=wait and not taken)
            except queue.Empty:
                break
            if item is _END or isinstance(item, BaseException):
                self._ended = True
                self._error = item if isinstance(item, BaseException) else None
            else:
                taken.append(item)
        if taken:
            return taken
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return None if self._ended else []

    def close(self) -> None:
        self._stop.set()

    def __enter__(self) -> Arrivals[Item]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
