"""The LSH self-join of a corpus: every pair of articles whose passage windows share a band, found at once.

``MinHashLSH`` answers one window at a time, with a Python call per band (about 50 s for the 125,000 windows
of 10,000 articles). When the whole batch is at hand, each band's fingerprints can be sorted instead and the
pairs read off the runs of equal values: the same pairs, since the bands are datasketch's own for the same
threshold and number of permutations, in a fraction of the time and memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from clustering.compiled import njit

_FINGERPRINT_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


@cache
def lsh_bands(threshold: float, num_perm: int) -> tuple[tuple[int, int], ...]:
    """The signature slice of each band of datasketch's ``MinHashLSH`` for this threshold: the ``b`` bands of
    ``r`` rows minimising its weighted false-positive and false-negative areas (weights one half each), found
    as it finds them (the first of equals, ``b`` then ``r`` ascending). The areas are integrals of
    polynomials of degree ``b·r`` ≤ ``num_perm``, which Gauss-Legendre quadrature on ``num_perm // 2 + 1``
    nodes gives exactly, where datasketch integrates with scipy's ``quad``: importing it brought scipy's
    integration and statistics (0.5 s and 50 MB) into every passage-level run. ``tests/test_bands.py``
    holds the two equal."""
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    below = threshold / 2 * (nodes + 1)  # the nodes mapped onto [0, threshold] and [threshold, 1]
    above = threshold + (1 - threshold) / 2 * (nodes + 1)
    least, chosen = float("inf"), (0, 0)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = threshold / 2 * weights @ (1 - (1 - below**rows) ** bands)
            false_negative = (1 - threshold) / 2 * weights @ ((1 - above**rows) ** bands)
            error = 0.5 * false_positive + 0.5 * false_negative
            if error < least:
                least, chosen = error, (bands, rows)
    bands, rows = chosen
    if bands < 2:
        raise ValueError(f"an LSH threshold of {threshold} over {num_perm} permutations makes fewer than 2 bands")
    return tuple((band * rows, (band + 1) * rows) for band in range(bands))


def band_fingerprints(signatures: np.ndarray, bands: Sequence[tuple[int, int]]) -> np.ndarray:
    """A 64-bit fingerprint of each band of each signature row: shape (rows, bands). Equal bands have equal
    fingerprints; unequal ones almost never do, and a collision only adds a candidate to be checked."""
    ranges = np.asarray(bands, dtype=np.int64).reshape(-1, 2)
    return _fingerprints(np.ascontiguousarray(signatures, dtype=np.uint32), ranges)


@njit(cache=True, nogil=True)
def _fingerprints(signatures: np.ndarray, ranges: np.ndarray) -> np.ndarray:  # pragma: no cover
    fingerprints = np.zeros((signatures.shape[0], ranges.shape[0]), dtype=np.uint64)
    for row in range(signatures.shape[0]):
        for band in range(ranges.shape[0]):
            fingerprint = np.uint64(0)
            for column in range(ranges[band, 0], ranges[band, 1]):
                fingerprint = fingerprint * _FINGERPRINT_MULTIPLIER + np.uint64(signatures[row, column])
            fingerprints[row, band] = fingerprint
    return fingerprints


@njit(cache=True, nogil=True)
def _pairs_in_runs(keys: np.ndarray, owners: np.ndarray, owner_count: int) -> np.ndarray:  # pragma: no cover
    """Codes ``second * owner_count + first`` of every two owners in a run of equal keys; ``keys`` sorted,
    owners ascending and distinct within a run."""
    total = 0
    start = 0
    for end in range(1, len(keys) + 1):
        if end == len(keys) or keys[end] != keys[start]:
            size = end - start
            total += size * (size - 1) // 2
            start = end
    codes = np.empty(total, dtype=np.int64)
    filled = 0
    start = 0
    for end in range(1, len(keys) + 1):
        if end == len(keys) or keys[end] != keys[start]:
            for second in range(start + 1, end):
                for first in range(start, second):
                    codes[filled] = owners[second] * owner_count + owners[first]
                    filled += 1
            start = end
    return codes


def band_pairs(
    signatures: np.ndarray,
    owners: np.ndarray,
    bands: Sequence[tuple[int, int]],
    probes: np.ndarray | None = None,
) -> np.ndarray:
    """Pairs ``(first, second)`` of owners (``owners[row]`` is the article of signature row ``row``,
    non-negative) with rows equal in at least one band; ``first < second``, ordered by ``second`` then
    ``first``. Shape (pairs, 2).

    ``probes`` (a boolean mask of rows) asks only for pairs with a probe row, as when a few new articles
    meet many known ones: rows sharing no band with a probe are left out before pairing, so the pairs
    returned are those pairs, and pairs of other rows only where those share a band with a probe too."""
    return fingerprint_pairs(band_fingerprints(signatures, bands), owners, probes)


def fingerprint_pairs(fingerprints: np.ndarray, owners: np.ndarray, probes: np.ndarray | None = None) -> np.ndarray:
    """``band_pairs`` of rows already fingerprinted (``band_fingerprints``)."""
    if len(owners) == 0:
        return np.empty((0, 2), dtype=np.int64)
    owners = owners.astype(np.int64)
    owner_count = int(owners.max()) + 1
    found = []
    for band in range(fingerprints.shape[1]):
        keys, band_owners = fingerprints[:, band], owners
        if probes is not None:
            meeting = np.isin(keys, keys[probes])
            keys, band_owners = keys[meeting], band_owners[meeting]
        order = np.lexsort((band_owners, keys))
        keys, band_owners = keys[order], band_owners[order]
        distinct = np.ones(len(keys), dtype=bool)  # one row per (key, owner): an article's windows repeat bands
        distinct[1:] = (keys[1:] != keys[:-1]) | (band_owners[1:] != band_owners[:-1])
        found.append(np.unique(_pairs_in_runs(keys[distinct], band_owners[distinct], owner_count)))
    codes = np.unique(np.concatenate(found))
    return np.column_stack((codes % owner_count, codes // owner_count))
