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

import gc
import itertools
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items, forking and shipping the chunks costs more than the second core gives back.
MIN_PARALLEL_ITEMS = 1000
_CHUNKS_PER_WORKER = 4


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_chunks(
    function: Callable[[Sequence[Item]], list[Result]],
    items: Sequence[Item],
    workers: int | None = None,
    min_items: int = MIN_PARALLEL_ITEMS,
) -> list[Result]:
    """``function(items)``, computed as ``function`` of contiguous chunks in ``workers`` processes.

    ``function`` must be a module-level function (it is pickled by name) whose result for a list is the
    concatenation of its results for the list's parts. ``workers`` defaults to ``available_cores()``.
    """
    workers = min(workers or available_cores(), len(items))
    if (
        workers < 2
        or len(items) < min_items
        or "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon  # a Dask worker, say: it may not have children
    ):
        return function(items)
    # A few chunks per worker: one that finishes early takes the next, whatever the other cores are doing.
    parts = workers * _CHUNKS_PER_WORKER
    bounds = [len(items) * part // parts for part in range(parts + 1)]
    chunks = [items[start:end] for start, end in itertools.pairwise(bounds)]
    # The objects alive now go to the collector's permanent generation while the workers run: a worker's
    # collections would otherwise touch each of them and copy the pages the parent shares with it.
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [result for part in pool.map(function, chunks) for result in part]
    finally:
        gc.unfreeze()
