"""The set-based alignment that ``clustering.reuse.align``'s compiled one replaced, kept as the oracle it must equal."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustering.config import AlignConfig


@dataclass(slots=True)
class Segment:
    """Aligned token ranges ``[a_start, a_end)`` and ``[b_start, b_end)`` and the tokens matched inside."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_matched: set[int]
    b_matched: set[int]


def _matches(a: np.ndarray, b: np.ndarray, max_occurrences: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` with ``a[i] == b[j]``, skipping hashes found more than ``max_occurrences`` times
    in ``b``; ordered by i, then j."""
    b_order = np.argsort(b, kind="stable")
    b_sorted = b[b_order]
    low = np.searchsorted(b_sorted, a, side="left")
    counts = np.searchsorted(b_sorted, a, side="right") - low
    rows = np.flatnonzero((counts > 0) & (counts <= max_occurrences))
    repeats = counts[rows]
    offsets = np.arange(int(repeats.sum())) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    return np.repeat(rows, repeats), b_order[np.repeat(low[rows], repeats) + offsets]


def _runs(i: np.ndarray, j: np.ndarray) -> list[tuple[int, int, int]]:
    """Maximal diagonal runs of anchors as ``(a_first, b_first, length)``, ordered by ``a_first``."""
    if len(i) == 0:
        return []
    order = np.lexsort((i, i - j))
    i, j = i[order], j[order]
    continues = np.zeros(len(i), dtype=bool)
    continues[1:] = ((i[1:] - j[1:]) == (i[:-1] - j[:-1])) & (i[1:] == i[:-1] + 1)
    starts = np.flatnonzero(~continues)
    lengths = np.diff(np.append(starts, len(i)))
    return sorted(zip(i[starts].tolist(), j[starts].tolist(), lengths.tolist(), strict=True))


def align(a: np.ndarray, b: np.ndarray, config: AlignConfig = AlignConfig()) -> list[Segment]:
    """Segments of shared text between two articles, given their shingle hashes by position."""
    size = config.shingle_words
    segments: list[Segment] = []
    for i, j, length in _runs(*_matches(a, b, config.max_occurrences)):
        a_tokens = range(i, i + length + size - 1)
        b_tokens = range(j, j + length + size - 1)
        best: Segment | None = None
        for segment in segments[-8:]:
            gap_a, gap_b = i - segment.a_end, j - segment.b_end
            if -size < gap_a <= config.max_gap_words and -size < gap_b <= config.max_gap_words:
                best = segment
        if best is None:
            segments.append(Segment(i, a_tokens.stop, j, b_tokens.stop, set(a_tokens), set(b_tokens)))
            continue
        best.a_end, best.b_end = max(best.a_end, a_tokens.stop), max(best.b_end, b_tokens.stop)
        best.a_matched.update(a_tokens)
        best.b_matched.update(b_tokens)
    return [
        segment
        for segment in segments
        if min(len(segment.a_matched), len(segment.b_matched)) >= config.min_segment_words
    ]
