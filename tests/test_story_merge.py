"""Stories merged by average linkage (``story_merge``), and the clusterer's use of it."""

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from clustering.stories.clusterer import StoryClusterer
from clustering.stories.story_merge import merged_stories, spans_overlap

DAY = 86_400.0


def _complete_graph(distances: np.ndarray) -> sparse.csr_matrix:
    return sparse.csr_matrix(np.maximum(distances, 1e-12) * (1 - np.eye(len(distances))))


def _scorer(distances: np.ndarray):
    return lambda rows, cols: distances[rows, cols]


def _naive_merge(labels: np.ndarray, distances: np.ndarray, limit: float) -> list[set[int]]:
    """Average linkage from the given stories, every pair compared each round (all dated, one day)."""
    groups = [set(np.flatnonzero(labels == story).tolist()) for story in np.unique(labels)]
    while True:
        best, pair = limit, None
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                average = distances[np.ix_(sorted(groups[i]), sorted(groups[j]))].mean()
                if average < best:
                    best, pair = average, (i, j)
        if pair is None:
            return groups
        groups[pair[0]] |= groups.pop(pair[1])


def _partition(labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == story).tolist()) for story in np.unique(labels)}


def test_spans_overlap_needs_dates_on_both_sides_that_meet():
    assert spans_overlap(np.array([0.0, 10.0]), np.array([5.0, 20.0]))
    assert spans_overlap(np.array([0.0, np.nan]), np.array([0.0]))
    assert not spans_overlap(np.array([0.0, 10.0]), np.array([11.0, 20.0]))
    assert not spans_overlap(np.array([np.nan]), np.array([0.0]))
    assert not spans_overlap(np.array([np.nan]), np.array([np.nan]))


def _two_parts(across: float) -> np.ndarray:
    """Two parts of three articles, 0.2 apart inside each, ``across`` apart between them."""
    distances = np.full((6, 6), across)
    distances[:3, :3] = distances[3:, 3:] = 0.2
    np.fill_diagonal(distances, 0.0)
    return distances


def test_two_parts_reported_over_the_same_days_and_near_on_average_merge():
    distances = _two_parts(0.6)
    labels = np.array([0, 0, 0, 1, 1, 1])
    merged = merged_stories(labels, _complete_graph(distances), _scorer(distances), 0.75, np.zeros(6))
    assert list(merged) == [0] * 6


def test_parts_far_on_average_or_not_reported_together_stay_apart():
    labels = np.array([0, 0, 0, 1, 1, 1])
    far = _two_parts(0.8)
    assert list(merged_stories(labels, _complete_graph(far), _scorer(far), 0.75, np.zeros(6))) == list(labels)
    near = _two_parts(0.6)
    apart_in_time = np.array([0, 1, 2, 10, 11, 12]) * DAY
    for stamps in (apart_in_time, np.full(6, np.nan), np.array([0, 0, 0, np.nan, np.nan, np.nan])):
        assert list(merged_stories(labels, _complete_graph(near), _scorer(near), 0.75, stamps)) == list(labels)


def test_the_average_is_over_every_pair_not_the_nearest():
    # One article of each part is close to the other part's (0.1); the rest are far (0.95): the single
    # link would merge them, the average (0.86) does not.
    distances = _two_parts(0.95)
    distances[2, 3] = distances[3, 2] = 0.1
    labels = np.array([0, 0, 0, 1, 1, 1])
    merged = merged_stories(labels, _complete_graph(distances), _scorer(distances), 0.75, np.zeros(6))
    assert list(merged) == list(labels)


@settings(max_examples=60, deadline=None)
@given(
    points=st.integers(min_value=2, max_value=14),
    stories=st.integers(min_value=1, max_value=6),
    limit=st.floats(min_value=0.2, max_value=1.2),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_merging_is_average_linkage_from_the_given_stories(points, stories, limit, seed):
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(points, 3))
    distances = np.linalg.norm(vectors[:, None] - vectors[None, :], axis=2) / 3
    labels = rng.integers(0, stories, size=points)
    merged = merged_stories(labels, _complete_graph(distances), _scorer(distances), limit, np.zeros(points))
    assert _partition(merged) == {frozenset(group) for group in _naive_merge(labels, distances, limit)}
    for story in np.unique(labels):  # a story is never split
        assert len(set(merged[labels == story])) == 1


def _sub_topics() -> np.ndarray:
    """Two sub-topics of one story, eight articles each: about 0.05 apart inside one, 0.47 across."""
    rng = np.random.default_rng(5)
    basis = np.eye(64)
    centres = [basis[0] + 0.9 * basis[1], basis[0] + 0.9 * basis[2]]
    vectors = np.vstack([centre + 0.04 * rng.normal(size=64) for centre in centres for _ in range(8)])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_sub_topics_of_a_story_reported_over_the_same_days_are_one_story_and_two_events_of_a_kind_two():
    vectors = _sub_topics()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    same_days = [start + timedelta(hours=5 * (row % 8) + row // 8) for row in range(16)]
    weeks_apart = [start + timedelta(hours=5 * (row % 8), days=40 * (row // 8)) for row in range(16)]
    unmerged = StoryClusterer(story_merge_distance=None).fit_predict(vectors, dates=same_days)
    assert len(set(unmerged[:8]) | set(unmerged[8:])) == 2  # HDBSCAN parts them
    assert len(set(StoryClusterer().fit_predict(vectors, dates=same_days))) == 1
    for dates in (weeks_apart, None):
        labels = StoryClusterer().fit_predict(vectors, dates=dates)
        assert len(set(labels[:8])) == len(set(labels[8:])) == 1 and labels[0] != labels[8]
