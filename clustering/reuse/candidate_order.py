"""The order a record's LSH candidates are aligned in, and the candidates meeting each of its windows:
compiled, because where sentences recur a record meets hundreds of indexed articles, and a dozen numpy
calls over them (unique, a grouped maximum, a three-key sort, a sort by window) cost more than the few
alignments that follow (6,000 collages of recurring sentences: 1.8 of 17 s)."""

from __future__ import annotations

import numpy as np

from clustering.compiled import njit


@njit(cache=True, nogil=True)
def alignment_order(numbers, met, originals, latest, own):  # pragma: no cover
    """Indices into ``numbers`` (the candidates' numbers, ``met``: how many of the record's windows each
    meets, ``originals``: each one's original, its own number when it reprints none) in the order to align
    them: those whose original's group meets most windows first (a reprint ranks with its original, after
    it), then originals before reprints, then the earlier known; leaving out those numbered ``latest`` or
    later, and ``own`` (the record itself when it is indexed)."""
    count = len(numbers)
    # Each group's most windows met, by its original's number: read and written only at the candidates'
    # originals, so its pages are touched only there (grouping by a sort took half again as long).
    best = np.empty(originals.max() + 1 if count else 0, dtype=np.int64)
    for k in range(count):
        best[originals[k]] = 0
    for k in range(count):
        best[originals[k]] = max(best[originals[k]], met[k])
    group_met = np.empty(count, dtype=np.int64)
    for k in range(count):
        group_met[k] = best[originals[k]]
    most = group_met.max() if count else 0
    span = np.int64(numbers.max() + 1) if count else np.int64(1)
    # One key per candidate, unique since numbers are: fewer windows met, then reprint, then number.
    keys = np.empty(count, dtype=np.int64)
    for k in range(count):
        reprint = np.int64(originals[k] != numbers[k])
        keys[k] = ((most - group_met[k]) * 2 + reprint) * span + numbers[k]
    order = np.argsort(keys)
    kept = np.empty(count, dtype=np.int64)
    size = 0
    for k in order:
        if numbers[k] < latest and numbers[k] != own:
            kept[size] = k
            size += 1
    return kept[:size]


@njit(cache=True, nogil=True)
def by_window(bounds, windows, window_count):  # pragma: no cover
    """The candidates meeting each window: candidate ``k`` meets ``windows[bounds[k]:bounds[k + 1]]``;
    returns ``(candidates, window_bounds)``, the candidates meeting window ``w`` being
    ``candidates[window_bounds[w]:window_bounds[w + 1]]``, in the candidates' order."""
    window_bounds = np.zeros(window_count + 1, dtype=np.int64)
    for window in windows:
        window_bounds[window + 1] += 1
    for window in range(window_count):
        window_bounds[window + 1] += window_bounds[window]
    filled = window_bounds[:-1].copy()
    candidates = np.empty(len(windows), dtype=np.int64)
    for k in range(len(bounds) - 1):
        for hit in range(bounds[k], bounds[k + 1]):
            candidates[filled[windows[hit]]] = k
            filled[windows[hit]] += 1
    return candidates, window_bounds


@njit(cache=True, nogil=True)
def close_windows(windows, open_windows, open_met, candidates, window_bounds):  # pragma: no cover
    """Close the open ones of ``windows`` (distinct indices): each candidate meeting one (``by_window``'s
    ``candidates`` and ``window_bounds``) meets one open window fewer (``open_met``)."""
    for window in windows:
        if open_windows[window]:
            _close(window, open_windows, open_met, candidates, window_bounds)


@njit(cache=True, nogil=True)
def _close(window, open_windows, open_met, candidates, window_bounds):  # pragma: no cover
    open_windows[window] = False
    for k in range(window_bounds[window], window_bounds[window + 1]):
        open_met[candidates[k]] -= 1


@njit(cache=True, nogil=True)
def missed(windows, limit, misses, open_windows, open_met, candidates, window_bounds):  # pragma: no cover
    """A candidate meeting ``windows`` (distinct) shared too little: each open one of them counts a miss
    (``misses``), and closes at ``limit`` misses (``close_windows``)."""
    for window in windows:
        if open_windows[window]:
            misses[window] += 1
            if misses[window] >= limit:
                _close(window, open_windows, open_met, candidates, window_bounds)


@njit(cache=True, nogil=True)
def first_wanted(
    order, start, open_met, broad, seeking_broad, originals, reprint, story, seeking_copies
):  # pragma: no cover
    """The first position of ``order`` from ``start`` on whose candidate is worth aligning (``len(order)``
    when none is): one meeting an open window (``open_met``); while ``seeking_broad``, one meeting half the
    record's windows or more (``broad``); while ``seeking_copies``, a known reprint of ``story``."""
    for position in range(start, len(order)):
        k = order[position]
        if open_met[k] > 0 or (seeking_broad and broad[k]) or (seeking_copies and reprint[k] and originals[k] == story):
            return position
    return len(order)
