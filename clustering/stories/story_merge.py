"""Stories merged by average linkage: two stories whose articles are, on average over every pair across
them, closer than a limit become one, the nearest two first (each merge updates the averages exactly).

HDBSCAN's excess of mass cuts a big story where its density dips, into its sub-topics; the average over
all pairs across two parts of one story stays low where two stories' stays high, however dense either is.
Two stories merge only when both are dated and were reported over some of the same days: two events of one
kind (two earthquakes on one island, a coach fired and later hired) read alike, and without dates nothing
says they are two.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable

import numpy as np
from scipy import sparse

from clustering.stories.graph_clusters import edges

# The distances of pairs (rows[k], cols[k]) of the clustered articles.
PairDistances = Callable[[np.ndarray, np.ndarray], np.ndarray]
# Pairs of articles scored at once: bounds the arrays of one batch to about 150 MB.
_PAIRS_PER_BATCH = 1_000_000


def spans_overlap(first: np.ndarray, second: np.ndarray) -> bool:
    """Whether two groups of articles, given their timestamps (NaN: undated), were both reported over
    some of the same time: each has a dated article, and their spans of dates intersect."""
    first, second = first[~np.isnan(first)], second[~np.isnan(second)]
    return bool(len(first) and len(second) and first.min() <= second.max() and second.min() <= first.max())


class _Stories:
    """The stories as they merge: their members, and the sum of distances over the pairs across two."""

    def __init__(self, labels: np.ndarray, distances: PairDistances, timestamps: np.ndarray):
        self.members = {int(story): np.flatnonzero(labels == story) for story in np.unique(labels)}
        self.distances = distances
        self.timestamps = timestamps
        self.sums: dict[tuple[int, int], float] = {}

    def may_merge(self, first: np.ndarray, second: np.ndarray) -> bool:
        return spans_overlap(self.timestamps[first], self.timestamps[second])

    def average(self, pair: tuple[int, int]) -> float:
        return self.sums[pair] / (len(self.members[pair[0]]) * len(self.members[pair[1]]))

    def add_sums(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Score every pair of articles across each of ``pairs`` of stories, in batches."""
        batch: list[tuple[int, int]] = []
        size = 0
        for pair in pairs:
            batch.append(pair)
            size += len(self.members[pair[0]]) * len(self.members[pair[1]])
            if size >= _PAIRS_PER_BATCH:
                self._score(batch)
                batch, size = [], 0
        if batch:
            self._score(batch)

    def _score(self, pairs: list[tuple[int, int]]) -> None:
        rows, cols, owner = [], [], []
        for index, (first, second) in enumerate(pairs):
            left, right = self.members[first], self.members[second]
            rows.append(np.repeat(left, len(right)))
            cols.append(np.tile(right, len(left)))
            owner.append(np.full(len(left) * len(right), index))
        totals = np.bincount(
            np.concatenate(owner), self.distances(np.concatenate(rows), np.concatenate(cols)), len(pairs)
        )
        self.sums.update(zip(pairs, totals.tolist(), strict=True))


def _key(first: int, second: int) -> tuple[int, int]:
    return (first, second) if first < second else (second, first)


def merged_stories(
    labels: np.ndarray,
    graph: sparse.csr_matrix,
    distances: PairDistances,
    limit: float,
    timestamps: np.ndarray,
) -> np.ndarray:
    """``labels`` (every article in a story) with stories merged, nearest first, while the average distance
    of two, over all their pairs of articles, is under ``limit`` and their dates overlap (``spans_overlap``;
    ``timestamps``, NaN where undated).
    Stories with no ``graph`` edge under ``limit`` between them are not compared: their nearest articles
    are farther apart than that. A merged story takes the label of the one with the smaller label."""
    stories = _Stories(labels, distances, timestamps)
    source, target, distance = edges(graph)
    near = (distance < limit) & (labels[source] != labels[target])
    linked_labels = zip(labels[source[near]].tolist(), labels[target[near]].tolist(), strict=True)
    candidates = sorted({_key(first, second) for first, second in linked_labels})
    candidates = [pair for pair in candidates if stories.may_merge(*(stories.members[story] for story in pair))]
    stories.add_sums(candidates)
    linked: dict[int, set[int]] = {story: set() for story in stories.members}
    for first, second in candidates:
        linked[first].add(second)
        linked[second].add(first)
    heap = [(stories.average(pair), *pair) for pair in candidates]
    heapq.heapify(heap)
    while heap and heap[0][0] < limit:
        average, kept, gone = heapq.heappop(heap)
        if (kept, gone) not in stories.sums or stories.average((kept, gone)) != average:
            continue  # one of the two has merged or grown since
        _merge(stories, linked, kept, gone, heap)
    result = labels.copy()
    for story, rows in stories.members.items():
        result[rows] = story
    return result


def _merge(stories: _Stories, linked: dict[int, set[int]], kept: int, gone: int, heap: list) -> None:
    """Merge story ``gone`` into ``kept``; the averages of the merged story with the stories either was
    compared with are pushed onto ``heap``."""
    members = stories.members
    merged = np.concatenate([members[kept], members[gone]])
    neighbours = (linked.pop(gone) | linked[kept]) - {kept, gone}
    comparable = {other for other in neighbours if stories.may_merge(merged, members[other])}
    stories.add_sums(
        _key(part, other) for other in comparable for part in (kept, gone) if _key(part, other) not in stories.sums
    )
    sums = {other: stories.sums[_key(kept, other)] + stories.sums[_key(gone, other)] for other in comparable}
    for other in neighbours:
        linked[other] -= {kept, gone}
        stories.sums.pop(_key(kept, other), None)
        stories.sums.pop(_key(gone, other), None)
    stories.sums.pop(_key(kept, gone))
    members[kept] = merged
    del members[gone]
    linked[kept] = comparable
    for other, total in sums.items():
        linked[other].add(kept)
        stories.sums[_key(kept, other)] = total
        heapq.heappush(heap, (stories.average(_key(kept, other)), *_key(kept, other)))
