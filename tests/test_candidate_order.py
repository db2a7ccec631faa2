"""The compiled ordering of a record's candidates equals the numpy formulation it replaced."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clustering.reuse.candidate_order import alignment_order, by_window, close_windows, first_wanted, missed


def _reference_order(numbers, met, originals, latest, own):
    groups, group_of = np.unique(originals, return_inverse=True)
    met_by_group = np.zeros(len(groups), dtype=np.int64)
    np.maximum.at(met_by_group, group_of, met)
    order = np.lexsort((numbers, originals != numbers, -met_by_group[group_of]))
    return order[(numbers[order] < latest) & (numbers[order] != own)]


@settings(max_examples=300, deadline=None)
@given(
    candidates=st.lists(st.tuples(st.integers(1, 6), st.integers(0, 3)), max_size=40),
    seed=st.integers(0, 2**32 - 1),
    latest=st.integers(0, 60),
    own=st.integers(-1, 60),
)
def test_candidates_are_ordered_as_lexsort_orders_them(candidates, seed, latest, own):
    """Whose original's group meets most windows, then originals before reprints, then the earlier;
    those from ``latest`` on and ``own`` left out."""
    rng = np.random.default_rng(seed)
    numbers = np.sort(rng.choice(60, size=len(candidates), replace=False)).astype(np.int64)
    met = np.array([count for count, _ in candidates], dtype=np.int64)
    # A candidate reprints another candidate (or itself when it reprints none).
    originals = np.array(
        [numbers[min(index, pick)] if pick else numbers[index] for index, (_, pick) in enumerate(candidates)],
        dtype=np.int64,
    )
    expected = _reference_order(numbers, met, originals, latest, own)
    assert alignment_order(numbers, met, originals, latest, own).tolist() == expected.tolist()


@settings(max_examples=300, deadline=None)
@given(met=st.lists(st.sets(st.integers(0, 9), min_size=1), max_size=30))
def test_the_candidates_meeting_each_window_are_those_a_stable_sort_gives(met):
    windows = np.array([window for rows in met for window in sorted(rows)], dtype=np.int64)
    bounds = np.zeros(len(met) + 1, dtype=np.int64)
    bounds[1:] = np.cumsum([len(rows) for rows in met])
    candidates, window_bounds = by_window(bounds, windows, 10)
    by_window_order = np.argsort(windows, kind="stable")
    expected = np.repeat(np.arange(len(met)), np.diff(bounds))[by_window_order]
    assert candidates.tolist() == expected.tolist()
    assert window_bounds.tolist() == np.searchsorted(windows[by_window_order], np.arange(11)).tolist()


@settings(max_examples=200, deadline=None)
@given(
    met=st.lists(st.sets(st.integers(0, 9), min_size=1), min_size=1, max_size=30),
    closing=st.lists(st.sets(st.integers(0, 9)), max_size=4),
)
def test_a_closed_window_is_one_open_window_fewer_for_each_candidate_meeting_it(met, closing):
    windows = np.array([window for rows in met for window in sorted(rows)], dtype=np.int64)
    bounds = np.zeros(len(met) + 1, dtype=np.int64)
    bounds[1:] = np.cumsum([len(rows) for rows in met])
    candidates, window_bounds = by_window(bounds, windows, 10)
    open_windows = np.zeros(10, dtype=bool)
    open_windows[windows] = True
    open_met = np.diff(bounds)
    for batch in closing:
        close_windows(np.array(sorted(batch), dtype=np.int64), open_windows, open_met, candidates, window_bounds)
    closed = set().union(*closing) if closing else set()
    assert open_met.tolist() == [len(rows - closed) for rows in met]
    assert open_windows.tolist() == [window in set(windows.tolist()) - closed for window in range(10)]


@settings(max_examples=200, deadline=None)
@given(
    met=st.lists(st.sets(st.integers(0, 9), min_size=1), min_size=1, max_size=30),
    misses=st.lists(st.integers(0, 29), max_size=12),
    limit=st.integers(1, 3),
)
def test_a_window_closes_at_its_limit_of_misses_as_numpy_counts_them(met, misses, limit):
    """Each open window a missing candidate meets counts a miss; at ``limit`` it closes."""
    windows = np.array([window for rows in met for window in sorted(rows)], dtype=np.int64)
    bounds = np.zeros(len(met) + 1, dtype=np.int64)
    bounds[1:] = np.cumsum([len(rows) for rows in met])
    candidates, window_bounds = by_window(bounds, windows, 10)
    open_windows, counted, open_met = np.zeros(10, dtype=bool), np.zeros(10, dtype=np.int64), np.diff(bounds)
    open_windows[windows] = True
    expected_open, expected_counted, expected_met = open_windows.copy(), counted.copy(), open_met.copy()
    for k in (miss % len(met) for miss in misses):
        meeting = windows[bounds[k] : bounds[k + 1]]
        missed(meeting, limit, counted, open_windows, open_met, candidates, window_bounds)
        meets = meeting[expected_open[meeting]]  # the formulation the compiled one replaced
        expected_counted[meets] += 1
        close_windows(meets[expected_counted[meets] >= limit], expected_open, expected_met, candidates, window_bounds)
    assert counted.tolist() == expected_counted.tolist() and open_windows.tolist() == expected_open.tolist()
    assert open_met.tolist() == expected_met.tolist()


@settings(max_examples=300, deadline=None)
@given(
    flags=st.lists(st.tuples(st.integers(0, 2), st.booleans(), st.booleans(), st.integers(0, 3)), max_size=30),
    start=st.integers(0, 31),
    seeking_broad=st.booleans(),
    seeking_copies=st.booleans(),
    story=st.integers(0, 3),
)
def test_the_first_wanted_candidate_is_the_first_the_mask_marks(flags, start, seeking_broad, seeking_copies, story):
    open_met = np.array([met for met, _, _, _ in flags], dtype=np.int64)
    broad = np.array([wide for _, wide, _, _ in flags], dtype=bool)
    reprint = np.array([copy for _, _, copy, _ in flags], dtype=bool)
    originals = np.array([original for _, _, _, original in flags], dtype=np.int64)
    order = np.random.default_rng(start).permutation(len(flags)).astype(np.int64)
    wanted = open_met[order] > 0
    if seeking_broad:
        wanted |= broad[order]
    if seeking_copies:
        wanted |= (originals[order] == story) & reprint[order]
    marked = [position for position in range(min(start, len(order)), len(order)) if wanted[position]]
    found = first_wanted(order, start, open_met, broad, seeking_broad, originals, reprint, story, seeking_copies)
    assert found == (marked[0] if marked else len(order))
