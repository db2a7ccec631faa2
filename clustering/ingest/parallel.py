"""Pure-Python work over a large batch, split across the machine's cores in forked worker processes.

Cleaning is Python string and regex work: threads would take turns on the GIL. Workers forked from this
process start in milliseconds with everything already imported, where spawned ones would import the
caller's main module again (Prefect and scikit-learn: seconds). A worker only computes on the chunk it is
handed and returns its results; it logs nothing and touches no file or lock, which is what makes forking
a process that runs other threads (Prefect's) safe here. Where ``fork`` does not exist, the machine has
one core, the batch is small or this process is a daemon (which may not have children), the work runs in
this process.
"""

from __future__ import annotations

import functools
import gc
import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items, forking and shipping the chunks costs more than the second core gives back.
MIN_PARALLEL_ITEMS = 1000
_CHUNKS_PER_WORKER = 4


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _forking_allowed(workers: int) -> bool:
    return (
        workers >= 2
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon  # a Dask worker, say: it may not have children
    )


def _chunks(items: Sequence[Item], workers: int) -> list[Sequence[Item]]:
    # A few chunks per worker: one that finishes early takes the next, whatever the other cores are doing.
    parts = min(len(items), workers * _CHUNKS_PER_WORKER)
    if not parts:
        return []
    bounds = [len(items) * part // parts for part in range(parts + 1)]
    return [items[start:end] for start, end in itertools.pairwise(bounds)]


def map_chunks(
    function: Callable[[Sequence[Item]], list[Result]],
    items: Sequence[Item],
    workers: int | None = None,
    min_items: int = MIN_PARALLEL_ITEMS,
    pool: WorkerPool | None = None,
) -> list[Result]:
    """``function(items)``, computed as ``function`` of contiguous chunks in ``workers`` processes.

    ``function`` must be a module-level function (it is pickled by name; a ``functools.partial`` of one
    with small arguments will do) whose result for a list is the concatenation of its results for the
    list's parts. ``workers`` defaults to ``available_cores()``. With ``pool`` (``worker_pool``), its
    processes take the chunks of any batch, however small: they are already forked.
    """
    if pool is not None:
        return Submitted(function, items, pool).result()
    workers = min(workers or available_cores(), len(items))
    if len(items) < min_items or not _forking_allowed(workers):
        return function(items)
    with worker_pool(workers) as forked:
        return map_chunks(function, items, pool=forked)


@dataclass(frozen=True, slots=True)
class WorkerPool:
    executor: ProcessPoolExecutor
    workers: int


class Submitted(Generic[Result]):
    """``function(items)`` (``map_chunks``'s contract), its chunks started now in ``pool``'s processes, or
    computed in this process on ``result()`` where there is no pool."""

    def __init__(
        self, function: Callable[[Sequence[Item]], list[Result]], items: Sequence[Item], pool: WorkerPool | None
    ) -> None:
        self._function, self._items = function, items
        # Submitted chunk by chunk, not through ``executor.map`` in a waiting thread: the chunks of the
        # next batch queue behind this one's, so no worker idles while the last chunk of a batch runs.
        self._parts = None
        if pool is not None:
            self._parts = [pool.executor.submit(function, part) for part in _chunks(items, pool.workers)]

    def result(self) -> list[Result]:
        if self._parts is None:
            return self._function(self._items)
        return [result for part in self._parts for result in part.result()]


def _started(_: int) -> int:
    return os.getpid()


def _watch_parent(parent: int) -> None:
    # A worker blocks reading its task queue, whose write end its sibling holds too: were the parent
    # killed, neither would see the end of it. It leaves when its parent is gone.
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _worker_start(parent: int, initializer: Callable[[], object] | None) -> None:
    threading.Thread(target=_watch_parent, args=(parent,), name="storyline-parent-watch", daemon=True).start()
    if initializer is not None:
        initializer()


@contextmanager
def worker_pool(
    workers: int | None = None, initializer: Callable[[], object] | None = None
) -> Iterator[WorkerPool | None]:
    """Worker processes forked once, for many ``map_chunks`` calls (a stream's batches); ``None`` where
    ``map_chunks`` would compute in this process. They are forked here, before the caller starts other
    threads, and each runs ``initializer`` first (warming what the work loads on first use, while the
    caller reads its first batch)."""
    workers = workers or available_cores()
    if not _forking_allowed(workers):
        yield None
        return
    # The objects alive now go to the collector's permanent generation while the workers run: a worker's
    # collections would otherwise touch each of them and copy the pages the parent shares with it.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        start = functools.partial(_worker_start, os.getpid(), initializer)
        with ProcessPoolExecutor(workers, mp_context=context, initializer=start) as executor:
            executor.submit(_started, 0)  # forks every worker now, in this thread (the fork context's way)
            try:
                yield WorkerPool(executor, workers)
            finally:
                # Chunks submitted ahead (``Submitted``) and not started when the caller stops early (a
                # closed pipe) are dropped, not computed for nobody.
                executor.shutdown(cancel_futures=True)
    finally:
        gc.unfreeze()
