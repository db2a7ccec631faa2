import numpy as np
from datasketch import LeanMinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from clustering.reuse.bands import band_pairs, lsh_bands


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
