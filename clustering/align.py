"""Exact alignment of the text two articles share, robust to light copy-edits.

Anchors are word shingles present in both articles; anchors on one diagonal form runs; runs that follow
each other in both articles with gaps of a few words (an edited word, "said" → "told reporters") are
chained into one aligned segment. Segments too short to be more than a stock phrase are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class AlignConfig:
    shingle_words: int = 5
    # Largest edit inside a shared passage, in words, on either side.
    max_gap_words: int = 10
    # Shorter matches are stock phrases, not reuse.
    min_segment_words: int = 12
    # A shingle occurring more often than this in an article is boilerplate for alignment purposes.
    max_occurrences: int = 4


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


_CLOSING_PUNCTUATION = re.compile(r"[.,;:!?\"'”’)\]]*")


def character_spans(
    segments: list[Segment],
    text: str,
    starts: np.ndarray,
    ends: np.ndarray,
    side: str,
    paragraphs: tuple[tuple[int, int], ...],
) -> tuple[tuple[int, int], ...]:
    """``[start, end)`` character spans in ``text`` of one side's segments, cut at paragraph edges, merged.

    A span runs from its first word to its last, and on over the punctuation that closes it.
    """
    raw = []
    for segment in segments:
        first, stop = (segment.a_start, segment.a_end) if side == "a" else (segment.b_start, segment.b_end)
        end = int(ends[stop - 1])
        raw.append((int(starts[first]), _CLOSING_PUNCTUATION.match(text, end).end()))
    if paragraphs:
        # Page furniture between two paragraphs of a shared passage is not shared text.
        raw = [
            (max(start, low), min(end, high))
            for start, end in raw
            for low, high in paragraphs
            if max(start, low) < min(end, high)
        ]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(raw):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)
