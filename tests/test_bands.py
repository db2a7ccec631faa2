import numpy as np
import pytest
from datasketch import LeanMinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from clustering.reuse.bands import band_fingerprints, band_pairs, lsh_bands
from clustering.storage.band_table import BandTable


def _lsh_pairs(signatures: np.ndarray, owners: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    """The owner pairs datasketch's MinHashLSH returns when each row is queried, then inserted."""
    lsh = MinHashLSH(threshold=threshold, num_perm=signatures.shape[1])
    pairs = set()
    for row, (values, owner) in enumerate(zip(signatures, owners, strict=True)):
        minhash = LeanMinHash(seed=1, hashvalues=values, scheme="affine32")
        for key in lsh.query(minhash):
            other = owners[int(key)]
            if other != owner:
                pairs.add((min(other, owner), max(other, owner)))
        lsh.insert(str(row), minhash)
    return pairs


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 60), threshold=st.sampled_from([0.3, 0.5, 0.8]))
def test_candidate_pairs_are_the_pairs_minhash_lsh_returns(seed, rows, threshold):
    rng = np.random.default_rng(seed)
    num_perm = 64
    signatures = rng.integers(0, 50, size=(rows, num_perm), dtype=np.uint32)  # few values: bands do collide
    # Near-copies: rows that repeat another row with some values changed, as reused passages do.
    for row in range(1, rows):
        if rng.random() < 0.4:
            source = rng.integers(0, row)
            kept = rng.random(num_perm) < rng.uniform(0.2, 1.0)
            signatures[row] = np.where(kept, signatures[source], signatures[row])
    owners = np.sort(rng.integers(0, max(1, rows // 2), size=rows))

    bands = lsh_bands(threshold, num_perm)
    found = band_pairs(signatures, owners, bands)

    assert {tuple(pair) for pair in found.tolist()} == _lsh_pairs(signatures, owners, threshold)
    assert all(first < second for first, second in found.tolist())
    assert found.tolist() == sorted(found.tolist(), key=lambda pair: (pair[1], pair[0]))
    # Asking only for the pairs of some owners' rows (a few new articles) finds all of those.
    is_probe_owner = rng.random(owners.max() + 1) < 0.3
    probed = is_probe_owner[owners]
    probe_owners = set(np.flatnonzero(is_probe_owner).tolist())
    with_probes = {tuple(pair) for pair in band_pairs(signatures, owners, bands, probed).tolist()}
    wanted = {pair for pair in map(tuple, found.tolist()) if probe_owners & set(pair)}
    assert wanted <= with_probes <= {tuple(pair) for pair in found.tolist()}


def test_no_rows_no_pairs():
    assert band_pairs(np.empty((0, 128), dtype=np.uint32), np.empty(0, dtype=np.int64), lsh_bands(0.3, 128)).shape == (
        0,
        2,
    )


def _rows(found: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[tuple[int, int]]:
    """A query's answer as ``(owner, row)`` pairs, in the order it gives them (owners ascending, each one's
    rows ascending), after checking its shape."""
    owners, bounds, rows = found
    assert bounds[0] == 0 and bounds[-1] == len(rows) and len(bounds) == len(owners) + 1
    assert all(np.diff(owners) > 0) and all(np.diff(bounds) > 0)
    return [(int(owner), int(row)) for k, owner in enumerate(owners) for row in rows[bounds[k] : bounds[k + 1]]]


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    articles=st.integers(1, 80),
    capacity=st.sampled_from([1, 64, 4096]),
    threshold=st.sampled_from([0.3, 0.8]),
)
def test_the_band_table_answers_what_minhash_lsh_answers(seed, articles, capacity, threshold):
    """Each article queried and then added, as the streaming dedup index does: the owners found through each
    window are those datasketch's MinHashLSH returns for that window, however often the table grows."""
    rng = np.random.default_rng(seed)
    num_perm = 64
    bands = lsh_bands(threshold, num_perm)
    table = BandTable(len(bands), capacity=capacity)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    windows: list[np.ndarray] = []
    for owner in range(articles):
        signatures = rng.integers(0, 40, size=(int(rng.integers(0, 5)), num_perm), dtype=np.uint32)
        for row in range(len(signatures)):  # some windows repeat earlier ones, partly: reused passages
            if windows and rng.random() < 0.5:
                source = windows[int(rng.integers(0, len(windows)))]
                kept = rng.random(num_perm) < rng.uniform(0.3, 1.0)
                signatures[row] = np.where(kept, source, signatures[row])
        minhashes = [LeanMinHash(seed=1, hashvalues=values, scheme="affine32") for values in signatures]
        expected = {
            (int(key.split(":")[0]), row) for row, minhash in enumerate(minhashes) for key in lsh.query(minhash)
        }
        # Each (owner, window) once, by owner then window.
        assert _rows(table.query(band_fingerprints(signatures, bands))) == sorted(expected)
        for row, minhash in enumerate(minhashes):
            lsh.insert(f"{owner}:{row}", minhash)
        assert table.add(band_fingerprints(signatures, bands)) == owner
        windows.extend(signatures)
    assert table.windows == len(windows)


def test_the_band_table_checks_the_shape_of_what_it_is_given():
    table = BandTable(4)
    with pytest.raises(ValueError, match=r"shape \(windows, 4\)"):
        table.add(np.zeros((2, 3), dtype=np.uint64))
    assert _rows(table.query(np.zeros((0, 4), dtype=np.uint64))) == []
    assert _rows(table.query(np.zeros((1, 4), dtype=np.uint64))) == []


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_the_bands_are_those_minhash_lsh_chooses(num_perm):
    """Chosen without datasketch (whose import brings scipy), the same bands for every threshold it takes,
    and a clear error where it makes too few."""
    for threshold in np.round(np.arange(0.05, 0.96, 0.01), 2).tolist():
        try:
            expected = tuple(MinHashLSH(threshold=threshold, num_perm=num_perm).hashranges)
        except ValueError:
            with pytest.raises(ValueError, match="fewer than 2 bands"):
                lsh_bands.__wrapped__(threshold, num_perm)
            continue
        assert lsh_bands.__wrapped__(threshold, num_perm) == expected, threshold


def test_a_key_many_owners_print_is_held_once():
    """A window printed by hundreds of owners (a recurring sentence) takes one slot per band, its owners in
    a list; an owner repeating a window adds nothing; each query still finds every owner once per window."""
    table = BandTable(3, capacity=64)
    window = np.array([[11, 22, 33]], dtype=np.uint64)
    for owner in range(500):
        fingerprints = np.vstack([window, window]) if owner % 2 else window
        assert table.add(fingerprints) == owner
    assert np.count_nonzero(table._slots) == 3
    # Per band, nodes of 4, 8, ..., 256 words, a header and 3, 7, ..., 255 owners (501 >= 500: repeats left out).
    assert table.nbytes == table._slots.nbytes + 3 * 4 * (4 + 8 + 16 + 32 + 64 + 128 + 256)
    hits = table.query(np.vstack([window, [[1, 2, 3]], window]).astype(np.uint64))
    assert _rows(hits) == [(owner, row) for owner in range(500) for row in (0, 2)]
