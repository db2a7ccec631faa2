"""Group articles into stories: HDBSCAN over a blend of semantic, lexical and temporal distance.

Embeddings alone put "two earthquakes" or "two rehab stories" together; the names and places that tell
one event from another are rare words. The similarity blends embedding cosine, TF-IDF cosine of the
text and cosine of rarity-weighted proper-name keys (``names``). Stories are also bounded in time:
articles weeks apart are pushed apart. HDBSCAN's noise becomes stories of one article.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import hdbscan
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from clustering.names import name_vectors
from clustering.records import Article, DedupResult

_SECONDS_PER_DAY = 86_400.0


def lexical_similarity(texts: Sequence[str]) -> np.ndarray:
    """Cosine similarity of sublinear TF-IDF vectors (English stop words dropped)."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1, dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return np.zeros((len(texts), len(texts)), dtype=np.float32)
    return (matrix @ matrix.T).toarray().astype(np.float32)


def _day_gaps(dates: Sequence[datetime | None]) -> np.ndarray:
    """Days between each pair of articles; NaN where either is undated."""
    seconds = np.array([date.timestamp() if date else np.nan for date in dates], dtype=np.float64)
    return np.abs(seconds[:, None] - seconds[None, :]) / _SECONDS_PER_DAY


def time_gap_penalty(dates: Sequence[datetime | None], window_days: float) -> np.ndarray:
    """0 for articles within ``window_days`` of each other or undated, rising to 1 at twice the window."""
    penalty = np.clip((_day_gaps(dates) - window_days) / window_days, 0.0, 1.0)
    return np.nan_to_num(penalty, nan=0.0).astype(np.float32)


def time_proximity(dates: Sequence[datetime | None], scale_days: float) -> np.ndarray:
    """exp(-gap / scale) for dated pairs: 1 on the same day; 0 where either is undated (no evidence)."""
    return np.nan_to_num(np.exp(-_day_gaps(dates) / scale_days), nan=0.0).astype(np.float32)


def _coherent(labels: np.ndarray, distances: np.ndarray, link: float, min_size: int) -> np.ndarray:
    """Drop from each cluster the members farther than ``link`` from every other member; dissolve what
    is left if it falls below ``min_size``."""
    result = labels.copy()
    for label in set(labels[labels >= 0].tolist()):
        members = np.flatnonzero(labels == label)
        within = distances[np.ix_(members, members)] + np.diag(np.full(len(members), np.inf))
        loose = members[within.min(axis=1) > link]
        result[loose] = -1
        if np.count_nonzero(result == label) < min_size:
            result[result == label] = -1
    return result


def _join_near_noise(labels: np.ndarray, distances: np.ndarray, limit: float) -> np.ndarray:
    """Give each noise point the label of its nearest clustered point, when that is closer than ``limit``."""
    clustered = np.flatnonzero(labels >= 0)
    noise = np.flatnonzero(labels < 0)
    if len(clustered) == 0 or len(noise) == 0:
        return labels
    joined = labels.copy()
    nearest = clustered[np.argmin(distances[np.ix_(noise, clustered)], axis=1)]
    close = distances[noise, nearest] < limit
    joined[noise[close]] = labels[nearest[close]]
    return joined


def _singletons_for_noise(labels: np.ndarray) -> np.ndarray:
    """Renumber stories in order of first appearance; each noise point gets a story of its own."""
    renumbered = np.empty_like(labels)
    mapping: dict[int, int] = {}
    for index, label in enumerate(labels):
        key = int(label) if label >= 0 else -(index + 1)
        renumbered[index] = mapping.setdefault(key, len(mapping))
    return renumbered


class StoryClusterer:
    """Scikit-learn-style estimator: ``fit(embeddings, texts=..., dates=...)`` sets ``labels_``.

    Parameters:
        min_cluster_size: HDBSCAN's smallest story of more than one article; ``None`` scales it with the
            corpus, ``max(3, round(sqrt(n) / 5))``. Smaller groups are noise (reprints are collapsed first).
        min_samples: HDBSCAN's density smoothing.
        lexical_weight: share of TF-IDF cosine in the similarity of two full-length articles.
        name_weight: share of proper-name cosine in the similarity of two full-length articles (the rest
            is embedding cosine). Short texts carry few words and fewer names: for a pair whose shorter
            text has fewer than ``full_length_words`` words, both shares (and the time bonus) shrink in
            proportion, and the embedding decides. Headlines are clustered on their embeddings.
        full_length_words: the length from which lexical and name evidence counts in full.
        time_window_days: articles further apart than this start to be pushed apart.
        time_weight: distance added at twice the window.
        time_bonus: similarity added for articles of the same day, decaying over ``time_bonus_days``.
        noise_join_distance: an article HDBSCAN calls noise joins the story of its nearest clustered
            article when closer than this; otherwise it is a story of its own.
        single_story_link_distance: when a corpus holds a single story, each of its articles must be
            closer than this to another of them.
        cluster_selection_epsilon: HDBSCAN's merge distance for clusters closer than it.
    Deterministic: the same input gives the same labels.
    """

    def __init__(
        self,
        min_cluster_size: int | None = None,
        min_samples: int = 1,
        lexical_weight: float = 0.2,
        name_weight: float = 0.5,
        full_length_words: int = 100,
        time_window_days: float = 14.0,
        time_weight: float = 0.5,
        time_bonus: float = 0.2,
        time_bonus_days: float = 7.0,
        noise_join_distance: float = 0.6,
        single_story_link_distance: float = 0.75,
        cluster_selection_epsilon: float = 0.0,
        cluster_selection_method: str = "eom",
    ) -> None:
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.lexical_weight = lexical_weight
        self.name_weight = name_weight
        self.full_length_words = full_length_words
        self.time_window_days = time_window_days
        self.time_weight = time_weight
        self.time_bonus = time_bonus
        self.time_bonus_days = time_bonus_days
        self.noise_join_distance = noise_join_distance
        self.single_story_link_distance = single_story_link_distance
        self.cluster_selection_epsilon = cluster_selection_epsilon
        self.cluster_selection_method = cluster_selection_method

    def distances(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
    ) -> np.ndarray:
        """The pairwise distance matrix HDBSCAN clusters."""
        semantic = np.clip(embeddings @ embeddings.T, -1.0, 1.0).astype(np.float32)
        evidence = np.ones_like(semantic)
        similarity = semantic
        if texts is not None:
            names = name_vectors(list(texts))
            lengths = np.array([len(text.split()) for text in texts], dtype=np.float32)
            evidence = np.minimum(1.0, np.minimum.outer(lengths, lengths) / self.full_length_words)
            lexical = self.lexical_weight * lexical_similarity(texts) + self.name_weight * (names @ names.T).toarray()
            similarity = (1 - evidence * (self.lexical_weight + self.name_weight)) * semantic + evidence * lexical
        distance = 1.0 - similarity
        if dates is not None:
            distance += self.time_weight * time_gap_penalty(dates, self.time_window_days)
            distance -= evidence * self.time_bonus * time_proximity(dates, self.time_bonus_days)
        np.fill_diagonal(distance, 0.0)
        return np.maximum(distance, 0.0).astype(np.float64)

    def _min_cluster_size(self, count: int) -> int:
        if self.min_cluster_size is not None:
            return self.min_cluster_size
        return max(3, round(math.sqrt(count) / 5))

    def _hdbscan(self, min_cluster_size: int, allow_single_cluster: bool) -> hdbscan.HDBSCAN:
        return hdbscan.HDBSCAN(
            metric="precomputed",
            min_cluster_size=min_cluster_size,
            min_samples=self.min_samples,
            cluster_selection_epsilon=self.cluster_selection_epsilon,
            cluster_selection_method=self.cluster_selection_method,
            allow_single_cluster=allow_single_cluster,
        )

    def fit(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
    ) -> StoryClusterer:
        count = len(embeddings)
        self.min_cluster_size_ = self._min_cluster_size(count)
        if count < max(2, self.min_cluster_size_):
            self.labels_ = np.arange(count)
        else:
            distances = self.distances(embeddings, texts, dates)
            raw = self._hdbscan(self.min_cluster_size_, allow_single_cluster=False).fit_predict(distances)
            if (raw < 0).all():
                # HDBSCAN never selects its root, so one story among a few stray articles reads as all
                # noise; only then is a single cluster allowed (it would swallow a corpus of many stories),
                # and only if it holds together.
                raw = self._hdbscan(self.min_cluster_size_, allow_single_cluster=True).fit_predict(distances)
                raw = _coherent(raw, distances, self.single_story_link_distance, self.min_cluster_size_)
            self.labels_ = _singletons_for_noise(_join_near_noise(raw, distances, self.noise_join_distance))
        self.n_stories_ = int(self.labels_.max()) + 1 if count else 0
        return self

    def fit_predict(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
    ) -> np.ndarray:
        return self.fit(embeddings, texts, dates).labels_


def cluster_articles(
    articles: Sequence[Article], embeddings: np.ndarray, dedup: DedupResult, clusterer: StoryClusterer
) -> np.ndarray:
    """Story label of every article: canonical articles are clustered, reprints follow their original."""
    canonical_rows = [row for row, article in enumerate(articles) if article.id not in dedup.duplicate_of]
    canonical = [articles[row] for row in canonical_rows]
    labels = clusterer.fit_predict(
        embeddings[canonical_rows],
        texts=[f"{article.title or ''}\n{article.body}" for article in canonical],
        dates=[article.date for article in canonical],
    )
    label_of = {article.id: int(label) for article, label in zip(canonical, labels, strict=True)}
    return np.array([label_of[dedup.canonical(article.id)] for article in articles], dtype=int)
