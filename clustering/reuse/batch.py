"""Reuse over a whole batch, as a run finds it: every pair of articles sharing text, and the reprint
groups. The candidates come from one sorted self-join of the band fingerprints of every passage window
(``bands.fingerprint_pairs``) rather than a query per window: the whole batch is at hand. A run that
grew the corpus aligns only the pairs with a new article (``update_reuse``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import numpy as np

from clustering.config import MinHashConfig, ReuseConfig
from clustering.ingest.clean import ensure_cleaned
from clustering.records import Article, DedupResult, ReusePair
from clustering.reuse.bands import band_fingerprints, fingerprint_pairs, lsh_bands
from clustering.reuse.pairs import compare, duplicate_groups, with_group_originals, worth_comparing
from clustering.reuse.signing import ReuseArticle, index_settings, sign_articles
from clustering.storage.band_index import BandIndex


def find_reuse(
    articles: Sequence[Article],
    minhash: MinHashConfig = MinHashConfig(),
    reuse: ReuseConfig = ReuseConfig(),
    on_progress: Callable[[int], None] | None = None,
) -> DedupResult:
    """Every pair of ``articles`` sharing text, and the reprint groups (earliest article canonical).

    ``on_progress`` is called with 1 after each article.
    """
    return update_reuse(articles, set(), (), minhash, reuse, on_progress)


def _joined(signed: Sequence[ReuseArticle], reuse: ReuseConfig) -> list[int]:
    # An article shorter than the shortest reported passage cannot be in a pair: left out of the join.
    return [index for index, prepared in enumerate(signed) if prepared.words >= reuse.min_shared_words]


def _fingerprints(
    signed: Sequence[ReuseArticle], joined: Sequence[int], minhash: MinHashConfig, reuse: ReuseConfig
) -> np.ndarray:
    signatures = (
        np.vstack([signed[index].signatures for index in joined])
        if joined
        else np.empty((0, minhash.num_perm), dtype=np.uint32)
    )
    return band_fingerprints(signatures, lsh_bands(reuse.lsh_threshold, minhash.num_perm))


def build_band_index(
    signed: Sequence[ReuseArticle], minhash: MinHashConfig = MinHashConfig(), reuse: ReuseConfig = ReuseConfig()
) -> BandIndex:
    """The ``BandIndex`` of signed articles: their words, and the band fingerprints of their windows."""
    joined = _joined(signed, reuse)
    return BandIndex(
        index_settings(minhash, reuse),
        tuple(prepared.article.id for prepared in signed),
        np.array([prepared.words for prepared in signed], dtype=np.int64),
        np.repeat(np.asarray(joined, dtype=np.int64), [len(signed[index].signatures) for index in joined]),
        _fingerprints(signed, joined, minhash, reuse),
    )


def update_reuse(
    articles: Sequence[Article],
    indexed_ids: set[str],
    indexed_pairs: Sequence[ReusePair],
    minhash: MinHashConfig = MinHashConfig(),
    reuse: ReuseConfig = ReuseConfig(),
    on_progress: Callable[[int], None] | None = None,
    signed: Sequence[ReuseArticle] | None = None,
    index: BandIndex | None = None,
) -> DedupResult:
    """``find_reuse`` for a corpus that grew: the articles in ``indexed_ids`` come first and their pairs
    among themselves are ``indexed_pairs``; only pairs with a new article are aligned. Same result as
    ``find_reuse(articles)``.

    ``signed`` holds ``sign_articles`` of the articles when computed beforehand, and ``index`` their
    ``band_index``. With an index of every article (a stored index of the indexed ones, ``extended`` with
    that of the new ones) ``signed`` may hold the new articles only: an indexed article is then tokenised
    only if it shares a band with a new one.

    The candidates are the pairs a ``MinHashLSH`` of every passage window would return, found in one
    self-join (``bands.fingerprint_pairs``) rather than a query per window: the whole batch is at hand.
    ``on_progress`` is called with the number of articles whose candidates are done."""
    row_of = {article.id: row for row, article in enumerate(articles)}
    if signed is None and index is None:
        signed = sign_articles(articles, minhash, reuse)
    signed = signed or []
    index = index if index is not None else build_band_index(signed, minhash, reuse)
    if not index.holds_exactly(row_of.keys()):
        raise ValueError("the band index must hold every article, and only those")
    pairs = [pair for pair in indexed_pairs if pair.a in indexed_ids and pair.b in indexed_ids]
    owners = np.array([row_of[article_id] for article_id in index.article_ids], dtype=np.int64)[index.owners]
    is_new = np.array([article.id not in indexed_ids for article in articles], dtype=bool)
    joined = _looked_back(articles, is_new, reuse.lookback_days)[owners]
    fingerprints = index.fingerprints if joined.all() else index.fingerprints[joined]
    owners = owners[joined]
    candidates = fingerprint_pairs(fingerprints, owners, is_new[owners] if indexed_ids else None)
    candidates = candidates[is_new[candidates[:, 0]] | is_new[candidates[:, 1]]]
    entry_of = {row_of[prepared.article.id]: prepared for prepared in signed}
    for row in np.unique(candidates).tolist():
        if row not in entry_of:  # an indexed article met by a new one, not signed in this run
            entry_of[row] = ReuseArticle.of(ensure_cleaned(articles[row]), minhash.shingle_words)
    rows = sorted(entry_of)
    place = np.full(len(articles), -1, dtype=np.int64)
    place[rows] = np.arange(len(rows))
    candidates = candidates[worth_comparing([entry_of[row] for row in rows], place[candidates], reuse)]
    done = 0
    for first, second in candidates.tolist():
        if on_progress is not None and second > done:
            on_progress(second - done)
            done = second
        if (pair := compare(entry_of[first], entry_of[second], reuse)) is not None:
            pairs.append(pair)
    if on_progress is not None and len(articles) > done:
        on_progress(len(articles) - done)
    pairs = with_group_originals(pairs)
    return DedupResult(pairs=pairs, duplicate_of=duplicate_groups(articles, pairs, reuse.duplicate_containment))


def _looked_back(articles: Sequence[Article], is_new: np.ndarray, lookback_days: float | None) -> np.ndarray:
    """Which articles join the new ones' search: the new ones, and the indexed ones published at most
    ``lookback_days`` before the earliest dated new one, or undated (all of them when None)."""
    new_dates = [article.published for article, new in zip(articles, is_new, strict=True) if new and article.published]
    if lookback_days is None or not new_dates:
        return np.ones(len(articles), dtype=bool)
    cutoff = min(new_dates) - timedelta(days=lookback_days)
    return is_new | np.array([article.published is None or article.published >= cutoff for article in articles])
