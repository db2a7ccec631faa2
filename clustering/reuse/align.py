"""Exact alignment of the text two articles share, robust to light copy-edits.

Anchors are word shingles present in both articles; anchors on one diagonal form runs; runs that follow
each other in both articles with gaps of a few words (an edited word, "said" → "told reporters") are
chained into one aligned segment. Segments too short to be more than a stock phrase are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clustering.compiled import njit
from clustering.config import AlignConfig


@dataclass(frozen=True, slots=True)
class Alignment:
    """Aligned token ranges ``[a_start, a_end, b_start, b_end)`` (rows of ``segments``), how many
    distinct tokens of each side they match, and the Jaccard similarity of the two sides' sets of shingles
    (read off the same merge of their sorted shingles that finds the anchors)."""

    segments: np.ndarray
    shared_a: int
    shared_b: int
    jaccard: float


@njit(cache=True, nogil=True)
def _align(a, a_order, b, b_order, size, max_gap, min_segment, max_occurrences):  # pragma: no cover
    """Anchors (shingles in both, at most ``max_occurrences`` times in ``b``; ``*_order`` sorts each side)
    → maximal diagonal runs → runs chained into segments across gaps of up to ``max_gap`` words →
    segments matching at least ``min_segment`` tokens on both sides; returns their ranges, the distinct
    tokens they match, and the Jaccard similarity of the sets of shingles."""
    a_sorted = a[a_order]
    b_sorted = b[b_order]
    # Anchors: a merge of the two sorted shingle lists; a shingle found more than max_occurrences times
    # in b is boilerplate, not an anchor (so each position of a anchors at most that many times).
    anchor_i = np.empty(len(a) * max_occurrences, dtype=np.int64)
    anchor_j = np.empty(len(a) * max_occurrences, dtype=np.int64)
    total = 0
    p = 0
    q = 0
    common = 0  # distinct shingles in both
    while p < len(a) and q < len(b):
        if a_sorted[p] != b_sorted[q]:  # the smaller side steps on, without a branch on which it is
            smaller = a_sorted[p] < b_sorted[q]
            p += smaller
            q += not smaller
        else:
            p_end = p
            while p_end < len(a) and a_sorted[p_end] == a_sorted[p]:
                p_end += 1
            q_end = q
            while q_end < len(b) and b_sorted[q_end] == b_sorted[q]:
                q_end += 1
            common += 1
            if q_end - q <= max_occurrences:
                for x in range(p, p_end):
                    for y in range(q, q_end):
                        anchor_i[total] = a_order[x]
                        anchor_j[total] = b_order[y]
                        total += 1
            p, q = p_end, q_end
    anchor_i, anchor_j = anchor_i[:total], anchor_j[:total]
    # Maximal diagonal runs: anchors on one diagonal (i - j) at consecutive i.
    by_diagonal = np.argsort((anchor_i - anchor_j + len(b)) * (len(a) + 1) + anchor_i)  # distinct keys
    run_i = np.empty(total, dtype=np.int64)
    run_j = np.empty(total, dtype=np.int64)
    run_length = np.empty(total, dtype=np.int64)
    runs = 0
    for k in range(total):
        i, j = anchor_i[by_diagonal[k]], anchor_j[by_diagonal[k]]
        if runs > 0 and i - j == run_i[runs - 1] - run_j[runs - 1] and i == run_i[runs - 1] + run_length[runs - 1]:
            run_length[runs - 1] += 1
        else:
            run_i[runs], run_j[runs], run_length[runs] = i, j, 1
            runs += 1
    by_start = np.argsort(run_i[:runs] * (len(b) + 1) + run_j[:runs])
    # Chaining, in order of a: a run joins the latest of the last 8 segments it continues on both sides.
    # Within a segment the runs start further on in both texts, so the tokens a run adds are those past
    # the segment's furthest end.
    seg_a_start = np.empty(runs, dtype=np.int64)
    seg_a_end = np.empty(runs, dtype=np.int64)
    seg_b_start = np.empty(runs, dtype=np.int64)
    seg_b_end = np.empty(runs, dtype=np.int64)
    seg_a_count = np.empty(runs, dtype=np.int64)
    seg_b_count = np.empty(runs, dtype=np.int64)
    run_segment = np.empty(runs, dtype=np.int64)
    segments = 0
    for r in by_start:
        i, j = run_i[r], run_j[r]
        a_stop, b_stop = i + run_length[r] + size - 1, j + run_length[r] + size - 1
        best = -1
        for s in range(max(0, segments - 8), segments):
            gap_a, gap_b = i - seg_a_end[s], j - seg_b_end[s]
            if -size < gap_a <= max_gap and -size < gap_b <= max_gap:
                best = s
        if best == -1:
            best = segments
            segments += 1
            seg_a_start[best], seg_a_end[best], seg_a_count[best] = i, a_stop, a_stop - i
            seg_b_start[best], seg_b_end[best], seg_b_count[best] = j, b_stop, b_stop - j
        else:
            seg_a_count[best] += max(0, a_stop - max(i, seg_a_end[best]))
            seg_b_count[best] += max(0, b_stop - max(j, seg_b_end[best]))
            seg_a_end[best] = max(seg_a_end[best], a_stop)
            seg_b_end[best] = max(seg_b_end[best], b_stop)
        run_segment[r] = best
    kept = np.empty(segments, dtype=np.bool_)
    for s in range(segments):
        kept[s] = min(seg_a_count[s], seg_b_count[s]) >= min_segment
    # Tokens matched by several kept segments count once.
    a_matched = np.zeros(max(len(a), 1) + size, dtype=np.bool_)
    b_matched = np.zeros(max(len(b), 1) + size, dtype=np.bool_)
    for r in range(runs):
        if kept[run_segment[r]]:
            a_matched[run_i[r] : run_i[r] + run_length[r] + size - 1] = True
            b_matched[run_j[r] : run_j[r] + run_length[r] + size - 1] = True
    ranges = np.empty((kept.sum(), 4), dtype=np.int64)
    row = 0
    for s in range(segments):
        if kept[s]:
            ranges[row, 0], ranges[row, 1] = seg_a_start[s], seg_a_end[s]
            ranges[row, 2], ranges[row, 3] = seg_b_start[s], seg_b_end[s]
            row += 1
    union = _distinct(a_sorted) + _distinct(b_sorted) - common
    return ranges, a_matched.sum(), b_matched.sum(), common / union if union else 0.0


@njit(cache=True, nogil=True)
def _distinct(values):  # pragma: no cover
    """How many distinct values a sorted array holds."""
    count = 0
    for k in range(len(values)):
        count += k == 0 or values[k] != values[k - 1]
    return count


def align(
    a: np.ndarray,
    b: np.ndarray,
    config: AlignConfig = AlignConfig(),
    a_order: np.ndarray | None = None,
    b_order: np.ndarray | None = None,
) -> Alignment:
    """The shared text of two articles, given their shingle hashes by position (compiled: this runs for
    every LSH candidate pair, most of which share little). ``a_order`` and ``b_order`` are
    ``shingle_order`` of each, when already computed (an article meets many candidates)."""
    a_order = shingle_order(a) if a_order is None else a_order
    b_order = shingle_order(b) if b_order is None else b_order
    size, gap, minimum = config.shingle_words, config.max_gap_words, config.min_segment_words
    ranges, shared_a, shared_b, jaccard = _align(a, a_order, b, b_order, size, gap, minimum, config.max_occurrences)
    return Alignment(ranges, int(shared_a), int(shared_b), float(jaccard))


@njit(cache=True, nogil=True)
def _shared_counts(
    shingles, orders, offsets, firsts, seconds, size, max_gap, min_segment, max_occurrences
):  # pragma: no cover
    shared = np.empty((len(firsts), 2), dtype=np.int64)
    for k in range(len(firsts)):
        a_start, a_end = offsets[firsts[k]], offsets[firsts[k] + 1]
        b_start, b_end = offsets[seconds[k]], offsets[seconds[k] + 1]
        _, shared[k, 0], shared[k, 1], _ = _align(
            shingles[a_start:a_end],
            orders[a_start:a_end],
            shingles[b_start:b_end],
            orders[b_start:b_end],
            size,
            max_gap,
            min_segment,
            max_occurrences,
        )
    return shared


def shared_counts(
    shingles: Sequence[np.ndarray], orders: Sequence[np.ndarray], pairs: np.ndarray, config: AlignConfig
) -> np.ndarray:
    """``align(...).shared_a`` and ``shared_b`` of many pairs ``(first, second)`` of indices into
    ``shingles`` (and their ``shingle_order``), in one compiled pass: shape (pairs, 2). Most LSH candidates
    share little, and one call per pair from Python costs more than aligning it."""
    offsets = np.zeros(len(shingles) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(values) for values in shingles])
    flat_shingles = np.concatenate([*shingles, np.empty(0, dtype=np.uint32)])
    flat_orders = np.concatenate([*orders, np.empty(0, dtype=np.int64)]).astype(np.int64, copy=False)
    size, gap, minimum = config.shingle_words, config.max_gap_words, config.min_segment_words
    firsts, seconds = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    return _shared_counts(
        flat_shingles, flat_orders, offsets, firsts, seconds, size, gap, minimum, config.max_occurrences
    )


@njit(cache=True, nogil=True)
def _paragraph_of(starts, paragraph_starts, token):  # pragma: no cover
    """The first token of ``token``'s paragraph and one past its last."""
    paragraph = np.searchsorted(paragraph_starts, starts[token], side="right") - 1
    first = np.searchsorted(starts, paragraph_starts[paragraph], side="left")
    return first, np.searchsorted(starts, paragraph_starts[paragraph + 1], side="left")


@njit(cache=True, nogil=True)
def paragraph_edges(segments, a_starts, a_paragraphs, b_starts, b_paragraphs, max_gap):  # pragma: no cover
    """``segments`` (rows of ``Alignment.segments``) with each edge moved to its paragraph's edge when that is
    at most ``max_gap`` words away on both sides; ``a_starts``: the first side's token starts (characters),
    ``a_paragraphs``: where its paragraphs start, then a stop (and the same of the second side). Compiled:
    a few array calls per segment from Python cost more than the alignment."""
    moved = segments.copy()
    for row in range(len(segments)):
        a_start, a_end, b_start, b_end = segments[row, 0], segments[row, 1], segments[row, 2], segments[row, 3]
        a_first, _ = _paragraph_of(a_starts, a_paragraphs, a_start)
        b_first, _ = _paragraph_of(b_starts, b_paragraphs, b_start)
        if a_start - a_first <= max_gap and b_start - b_first <= max_gap:
            moved[row, 0], moved[row, 2] = a_first, b_first
        _, a_past = _paragraph_of(a_starts, a_paragraphs, a_end - 1)
        _, b_past = _paragraph_of(b_starts, b_paragraphs, b_end - 1)
        if a_past - a_end <= max_gap and b_past - b_end <= max_gap:
            moved[row, 1], moved[row, 3] = a_past, b_past
    return moved


@njit(cache=True, nogil=True)
def shingle_order(shingles: np.ndarray) -> np.ndarray:  # pragma: no cover
    """The positions of ``shingles`` (32-bit) in order of value, equal values in order of position: a
    radix sort, a byte at a time (over a 300-word article 4 us, where numpy's stable argsort took 12 us
    and a compiled sort of value-and-position keys 12.5 us)."""
    count = len(shingles)
    order = np.arange(count)
    placed = np.empty(count, dtype=np.int64)
    starts = np.empty(257, dtype=np.int64)
    for shift in range(0, 32, 8):
        starts[:] = 0
        for k in range(count):
            starts[((shingles[order[k]] >> shift) & 0xFF) + 1] += 1
        for digit in range(256):
            starts[digit + 1] += starts[digit]
        for k in range(count):  # in the order so far: equal digits keep it
            digit = (shingles[order[k]] >> shift) & 0xFF
            placed[starts[digit]] = order[k]
            starts[digit] += 1
        order, placed = placed, order
    return order


# What closes a word's sentence or clause, and a span ending at it runs on over: . , ; : ! ? " ' ” ’ ) ]
_CLOSING = np.array([ord(char) for char in ".,;:!?\"'\u201d\u2019)]"], dtype=np.uint32)


@njit(cache=True, nogil=True)
def span_ends(codes: np.ndarray, ends: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Where a span of a text (``codes``: its code points) ending with each word (``ends``: where each word
    ends) ends: past the punctuation closing it."""
    closed = ends.copy()
    for word in range(len(ends)):
        end = ends[word]
        while end < len(codes):
            closes = False
            for char in _CLOSING:
                closes |= codes[end] == char
            if not closes:
                break
            end += 1
        closed[word] = end
    return closed


@njit(cache=True, nogil=True)
def span_ends_and_order(codes, ends, shingles):  # pragma: no cover
    """``span_ends`` and ``shingle_order`` in one compiled call, as tokenising an article needs both (a
    call from Python costs about as much as either). Here, not beside its caller: numba's cache of a
    compiled function is renewed when its own file changes, not when a file it calls into does."""
    return span_ends(codes, ends), shingle_order(shingles)


@njit(cache=True, nogil=True)
def shared_spans(
    segments,
    a_starts,
    a_ends,
    a_paragraph_starts,
    a_paragraph_ends,
    b_starts,
    b_ends,
    b_paragraph_starts,
    b_paragraph_ends,
    max_gap,
):  # pragma: no cover
    """What a reported pair's aligned ``segments`` cover on each side: their edges moved to their
    paragraphs' (``paragraph_edges``, by ``max_gap``), each side's ``character_spans``, and the first word
    either side's shared text starts at (-1 when none does). One compiled call for all of it: four calls
    from Python, and their wrappers, were a third of reporting a pair."""
    moved = paragraph_edges(segments, a_starts, a_paragraph_starts, b_starts, b_paragraph_starts, max_gap)
    first_words = np.full(2, -1, dtype=np.int64)
    if len(moved):
        first_words[0], first_words[1] = moved[:, 0].min(), moved[:, 2].min()
    a_spans = character_spans(moved, 0, a_starts, a_ends, a_paragraph_starts, a_paragraph_ends)
    b_spans = character_spans(moved, 2, b_starts, b_ends, b_paragraph_starts, b_paragraph_ends)
    return a_spans, b_spans, first_words


@njit(cache=True, nogil=True)
def character_spans(segments, column, starts, ends, paragraph_starts, paragraph_ends):  # pragma: no cover
    """``[start, end)`` character spans of one side's segments (rows of ``Alignment.segments``, the side's
    word ranges in ``column`` and the next; ``starts``: where each of its words starts, ``ends``: its
    ``span_ends``), cut at the edges of its paragraphs (those starting at ``paragraph_starts``, ending at
    ``paragraph_ends``, in order and apart), merged: rows of start and end.

    A span runs from its first word to its last, and on over the punctuation that closes it. Page
    furniture between two paragraphs of a shared passage is not shared text.
    """
    paragraphs = len(paragraph_ends)
    clipped = np.empty((len(segments) * max(paragraphs, 1), 2), dtype=np.int64)
    count = 0
    for row in range(len(segments)):
        start, end = starts[segments[row, column]], ends[segments[row, column + 1] - 1]
        # A span meets the paragraph it starts in (or the first after it) and those up to its end.
        paragraph = max(0, np.searchsorted(paragraph_starts[:paragraphs], start, side="right") - 1)
        while paragraph < paragraphs and paragraph_starts[paragraph] < end:
            low, high = max(start, paragraph_starts[paragraph]), min(end, paragraph_ends[paragraph])
            if low < high:
                clipped[count, 0], clipped[count, 1] = low, high
                count += 1
            paragraph += 1
    clipped = clipped[:count][np.argsort(clipped[:count, 0])]
    merged = np.empty_like(clipped)
    spans = 0
    for row in range(count):
        if spans and clipped[row, 0] <= merged[spans - 1, 1]:
            merged[spans - 1, 1] = max(merged[spans - 1, 1], clipped[row, 1])
        else:
            merged[spans, 0], merged[spans, 1] = clipped[row, 0], clipped[row, 1]
            spans += 1
    return merged[:spans]
