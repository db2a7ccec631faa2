"""Group articles into stories: HDBSCAN over a blend of semantic, lexical and temporal distance.

Embeddings alone put "two earthquakes" or "two rehab stories" together; the names, places and phrases
that tell one event from another are rare words. The similarity blends embedding cosine, TF-IDF cosine
of the text's words and word pairs and cosine of rarity-weighted proper-name keys (``names``). Stories
are also bounded in time: articles weeks apart are pushed apart. HDBSCAN's noise becomes stories of one
article.

Distances are computed only between each article and its ``n_neighbors`` nearest by embedding (all
pairs in a corpus smaller than that), so memory and time grow with n·k rather than n². The sparse graph,
made mutual reachability here (where a row with fewer neighbours than ``min_samples`` and a corpus in
disconnected parts are handled), goes to ``hdbscan.hdbscan``'s public sparse precomputed entry point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClusterMixin

from clustering.config import ClusterConfig, settings_init
from clustering.stories.graph_clusters import (
    TINY_DISTANCE,
    hdbscan_labels,
    join_near_noise,
    linked_parts,
    singletons_for_noise,
    small_stories,
)
from clustering.stories.names import name_vectors
from clustering.stories.same_story import FEATURES, PairFeatures, load_same_story_model, pair_features
from clustering.stories.similarity import day_gaps, outlet_codes, time_gap_penalty, time_proximity, timestamps
from clustering.stories.story_merge import merged_stories
from clustering.stories.term_matrix import smooth_idf, sublinear_tfidf, term_matrix, terms_of, without_rare_terms
from clustering.stories.vectors import ArticleVectors, Embeddings

# A term held by one text adds to its norm and to no similarity: terms must be in this many texts. Most
# word pairs are held by one text; kept, they would dilute the rest. On ECB+ dev (evidence in full from
# 50 words): pairwise F1 0.900 with words and word pairs kept this way, 0.892 with all single words.
_MIN_TEXTS_PER_TERM = 2


def tfidf_vectors(texts: Sequence[str], languages: Sequence[str] | None = None) -> sparse.csr_matrix:
    """L2-normalised sublinear TF-IDF vectors of the words and adjacent word pairs (``terms_of``, each text in
    its language of ``languages``, English by default) held by two texts or more: for English, what
    scikit-learn's ``TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2), min_df=2,
    dtype=np.float32)`` gives with that token pattern (tested equal)."""
    return tfidf_of_counts(term_matrix(map(terms_of, texts, languages or ["en"] * len(texts)))[0])


def tfidf_of_counts(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """``tfidf_vectors`` of the texts whose term counts (texts x terms, as ``term_matrix`` or
    ``TermCounts`` hold them) are given."""
    counts = without_rare_terms(counts, _MIN_TEXTS_PER_TERM)
    if not counts.shape[1]:  # nothing but stop words and terms of one text
        return sparse.csr_matrix((counts.shape[0], 1), dtype=np.float32)
    return sublinear_tfidf(counts, smooth_idf(counts, np.float32))


@dataclass(frozen=True, slots=True)
class _PairEvidence:
    """What pair distances read of the articles, computed once: embeddings (``vectors.ArticleVectors``), and when
    texts are given their TF-IDF and name vectors and word counts; dates (``similarity.timestamps``) and outlets
    (``similarity.outlet_codes``)."""

    embeddings: ArticleVectors
    tfidf: sparse.csr_matrix | None
    names: sparse.csr_matrix | None
    word_counts: np.ndarray
    timestamps: np.ndarray
    outlets: np.ndarray
    dated: bool

    @classmethod
    def of(
        cls,
        embeddings: Embeddings,
        texts: Sequence[str] | None,
        dates: Sequence[datetime | None] | None,
        term_counts: sparse.csr_matrix | None,
        outlets: Sequence[str | None] | None,
    ) -> _PairEvidence:
        vectors = ArticleVectors.of(embeddings)
        count = len(vectors)
        tfidf = names = None
        word_counts = np.zeros(count)
        if texts is not None:
            languages = vectors.term_languages()
            tfidf = tfidf_vectors(texts, languages) if term_counts is None else tfidf_of_counts(term_counts)
            names = name_vectors(list(texts))
            word_counts = np.array([len(text.split()) for text in texts])
        return cls(
            vectors,
            tfidf,
            names,
            word_counts,
            timestamps(dates if dates is not None else [None] * count),
            outlet_codes(outlets if outlets is not None else [None] * count),
            dates is not None,
        )

    def pair_features(
        self, rows: np.ndarray, cols: np.ndarray, full_length_words: int, cosines: np.ndarray | None = None
    ) -> PairFeatures:
        """The pairs' features; ``cosines``, their embedding cosines when already computed."""
        if self.tfidf is None or self.names is None:
            raise ValueError("same-story features need the articles' texts")
        return pair_features(
            self.embeddings.cosines(rows, cols) if cosines is None else cosines,
            self.tfidf,
            self.names,
            self.word_counts,
            self.timestamps,
            self.outlets,
            rows,
            cols,
            full_length_words,
        )


class StoryClusterer(ClusterMixin, BaseEstimator):
    """A scikit-learn estimator: ``fit(embeddings, texts=..., dates=...)`` sets ``labels_``,
    ``min_cluster_size_`` and ``n_stories_``; ``get_params``, ``set_params`` and ``clone`` work as for any
    estimator. ``StoryClusterer(**asdict(config.cluster))`` builds it from a run's settings.

    Parameters:
        min_cluster_size: HDBSCAN's smallest story of more than one article; ``None`` scales it with the
            corpus, ``max(3, round(sqrt(n) / 5))``. Smaller groups are noise (reprints are collapsed first),
            among which ``pair_story_distance`` forms the small stories.
        min_samples: HDBSCAN's density smoothing.
        lexical_weight: share of TF-IDF cosine in the similarity of two full-length articles.
        name_weight: share of proper-name cosine in the similarity of two full-length articles (the rest
            is embedding cosine). Short texts carry few words and fewer names: for a pair whose shorter
            text has fewer than ``full_length_words`` words, both shares (and the time bonus) shrink in
            proportion, and the embedding decides. Headlines are clustered on their embeddings.
        full_length_words: the length from which lexical and name evidence counts in full.
        time_window_days: articles further apart than this start to be pushed apart.
        time_weight: distance added at twice the window.
        time_bonus: for articles of the same day, the share of their similarity added to it, decaying over
            ``time_bonus_days``.
        noise_join_distance: an article HDBSCAN calls noise joins the story of its nearest clustered
            article when closer than this; otherwise it is a story of its own.
        member_link_distance: a story HDBSCAN forms is cut into the parts its members link closer than
            this (``linked_parts``): its density is relative, so among articles all far apart the least
            far still form a story, and a group may join a story only far above any distance inside one.
        cluster_selection_epsilon: HDBSCAN keeps a cluster whole that would split only below this
            distance: a big story is not cut into its sub-topics, whatever the corpus size. A distance of
            the hand-set blend: with a ``pair_model``, whose distances are 1 - P(same story), it is not
            applied (with it, the model's held-out pairwise F1 fell to 0.79 / 0.66 / 0.61).
        cluster_selection_method: HDBSCAN's "eom" (excess of mass) or "leaf".
        n_neighbors: distances are computed between each article and this many nearest by embedding;
            pairs outside that are treated as far apart. A corpus this small or smaller is compared in full.
        pair_model: a same-story model (``same_story``) to give the distance of two full-length articles,
            1 - P(same story): ``"builtin"`` (fitted on the dev sets), the path of a model file
            (``storyline train``), or ``""`` (the default) for the hand-set blend above. Headline pairs
            keep the blend; lengths between mix the two by the pair's evidence.
        pair_story_distance: an article HDBSCAN calls noise whose nearest neighbour is noise too and closer
            than this is linked to it, and each group so linked is a story (``small_stories``), before near
            noise joins bigger stories. ``None`` forms none (nor the next).
        isolated_pair_distance: then the articles no story is near (within ``noise_join_distance``) are
            linked so within this: most two-outlet stories are farther apart than ``pair_story_distance``.
        story_merge_distance: then stories are merged by average linkage (``story_merge``) while two are on
            average, over all their pairs of articles, closer than this and both are dated with dates that
            overlap (HDBSCAN cuts a big story into its sub-topics; two events of one kind read alike, and
            only time tells them apart). ``None`` merges none.
    Deterministic: the same input gives the same labels.
    """

    __init__ = settings_init(ClusterConfig)

    def distance_graph(
        self,
        embeddings: Embeddings,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
        term_counts: sparse.csr_matrix | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> sparse.csr_matrix:
        """Symmetric sparse distances between each article and its candidate neighbours (no diagonal).
        ``term_counts``, the texts' term counts (``terms_of``) when already counted, spare counting them."""
        return self._graph(_PairEvidence.of(embeddings, texts, dates, term_counts, outlets))

    def _graph(self, corpus: _PairEvidence) -> sparse.csr_matrix:
        count = len(corpus.embeddings)
        rows, cols = corpus.embeddings.neighbour_pairs(self.n_neighbors)
        distance = self.pair_distances(corpus, rows, cols)
        both = (np.concatenate([rows, cols]), np.concatenate([cols, rows]))
        return sparse.csr_matrix((np.concatenate([distance, distance]), both), shape=(count, count))

    def pair_distances(self, corpus: _PairEvidence, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The distance of each pair ``(rows[k], cols[k])`` of the corpus's articles."""
        similarity = np.clip(corpus.embeddings.cosines(rows, cols), -1.0, 1.0)
        evidence = np.ones_like(similarity)
        features = None
        if corpus.tfidf is not None:
            features = corpus.pair_features(rows, cols, self.full_length_words, similarity)
            evidence = features.evidence.astype(np.float32)
            lexical, names = features.values[:, FEATURES.index("lexical")], features.values[:, FEATURES.index("names")]
            # Words are compared within a language: across two, TF-IDF finds only names and numbers, which
            # the names share weighs already (SemEval dev pairs across languages: Pearson 0.744 without
            # the lexical share, 0.718 with it).
            lexical_weight = np.where(corpus.embeddings.across_languages(rows, cols), 0.0, self.lexical_weight)
            blended = lexical_weight * lexical + self.name_weight * names
            similarity = (1 - evidence * (lexical_weight + self.name_weight)) * similarity + evidence * blended
        distance = 1.0 - similarity
        if corpus.dated:
            gaps = day_gaps(corpus.timestamps, rows, cols)
            distance += self.time_weight * time_gap_penalty(gaps, self.time_window_days)
            # In proportion to the similarity there is: closeness in time strengthens evidence that two
            # articles tell one story, and never makes it (an additive bonus glued a week's news together).
            bonus = evidence * self.time_bonus * time_proximity(gaps, self.time_bonus_days)
            distance -= bonus * np.clip(1.0 - distance, 0.0, 1.0)
        if features is not None and self.pair_model:
            # Full texts by the learned model; headlines by the blend, which held better on headline sets
            # left out of the model's training (README, "Story clustering").
            same_story = load_same_story_model(self.pair_model).probability(features)
            distance = evidence * (1.0 - same_story) + (1.0 - evidence) * distance
        return np.maximum(np.asarray(distance, dtype=np.float64), TINY_DISTANCE)

    def condensed_distances(
        self,
        embeddings: Embeddings,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        """The distance of every pair of the articles, in scipy's condensed order (pairs ``i < j``, row by
        row), their TF-IDF weighed among these articles alone: what splits a story into its events."""
        rows, cols = np.triu_indices(len(embeddings), k=1)
        return self.distances_of_pairs(embeddings, rows, cols, texts, dates, outlets)

    def distances_of_pairs(
        self,
        embeddings: Embeddings,
        rows: np.ndarray,
        cols: np.ndarray,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        """The distance of each pair ``(rows[k], cols[k])`` of the articles, their TF-IDF weighed among
        these articles: what ``storyline evaluate --pairs`` correlates with annotators' scores."""
        return self.pair_distances(_PairEvidence.of(embeddings, texts, dates, None, outlets), rows, cols)

    def candidate_pairs(
        self,
        embeddings: Embeddings,
        texts: Sequence[str],
        dates: Sequence[datetime | None] | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, PairFeatures]:
        """The pairs ``distance_graph`` scores (each article with its ``n_neighbors`` nearest) and their
        same-story features: what a same-story model learns from."""
        corpus = _PairEvidence.of(embeddings, texts, dates, None, outlets)
        rows, cols = corpus.embeddings.neighbour_pairs(self.n_neighbors)
        return rows, cols, corpus.pair_features(rows, cols, self.full_length_words)

    def min_cluster_size_for(self, count: int) -> int:
        """The smallest story HDBSCAN forms among ``count`` articles: ``min_cluster_size``, or when that is
        None, ``max(3, round(sqrt(count) / 5))``."""
        if self.min_cluster_size is not None:
            return self.min_cluster_size
        return max(3, round(math.sqrt(count) / 5))

    def _labels(self, graph: sparse.csr_matrix, allow_single_cluster: bool) -> np.ndarray:
        """HDBSCAN's clusters; when a single cluster is allowed (is there one story here at all?), without
        ``cluster_selection_epsilon``, which is about which of several clusters to keep (with it HDBSCAN
        returns no cluster at all for one loose story among strays); with a same-story model, without it
        too (its distances are on another scale)."""
        return hdbscan_labels(
            graph,
            self.min_cluster_size_,
            self.min_samples,
            self.cluster_selection_method,
            0.0 if allow_single_cluster or self.pair_model else self.cluster_selection_epsilon,
            allow_single_cluster,
        )

    def fit(
        self,
        embeddings: Embeddings,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
        term_counts: sparse.csr_matrix | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> StoryClusterer:
        count = len(embeddings)
        if count < 2:
            return self.fit_graph(sparse.csr_matrix((count, count)))
        corpus = _PairEvidence.of(embeddings, texts, dates, term_counts, outlets)
        graph = self._graph(corpus)
        self.fit_graph(graph)
        if self.story_merge_distance is not None:
            self.labels_ = singletons_for_noise(self._merged(self.labels_, corpus, graph))
            self.n_stories_ = int(self.labels_.max()) + 1
        return self

    def merge_stories(
        self,
        labels: np.ndarray,
        embeddings: Embeddings,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
        term_counts: sparse.csr_matrix | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        """``labels`` (a story, 0 or more, for every article) with stories merged as ``fit`` merges HDBSCAN's
        (``story_merge_distance``; a merged story takes the smaller label)."""
        if self.story_merge_distance is None or len(labels) < 2:
            return labels
        corpus = _PairEvidence.of(embeddings, texts, dates, term_counts, outlets)
        return self._merged(labels, corpus, self._graph(corpus))

    def _merged(self, labels: np.ndarray, corpus: _PairEvidence, graph: sparse.csr_matrix) -> np.ndarray:
        def distances(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
            return self.pair_distances(corpus, rows, cols)

        return merged_stories(labels, graph, distances, self.story_merge_distance, corpus.timestamps)

    def fit_graph(self, graph: sparse.csr_matrix) -> StoryClusterer:
        """Fit on a sparse distance graph as ``distance_graph`` gives it: everything ``fit`` does but merging
        stories (``story_merge_distance``), which scores pairs the graph does not hold."""
        count = graph.shape[0]
        self.min_cluster_size_ = self.min_cluster_size_for(count)
        raw = np.full(count, -1)
        lone_story = False
        if count >= max(2, self.min_cluster_size_):
            raw = self._labels(graph, allow_single_cluster=False)
            if (raw < 0).all():
                # HDBSCAN never selects its root, so one story among a few stray articles reads as all
                # noise; only then is a single cluster allowed (it would swallow a corpus of many stories).
                raw = self._labels(graph, allow_single_cluster=True)
                lone_story = True
            raw = linked_parts(raw, graph, self.member_link_distance, self.min_cluster_size_)
        if lone_story:
            # The noise of a lone story is its own edge (HDBSCAN splits a lone tight group oddly there):
            # near noise joins it before small stories form among the rest.
            raw = join_near_noise(raw, graph, self.noise_join_distance)
            raw = self._small_stories(raw, graph, self.pair_story_distance)
        else:
            raw = self._small_stories(raw, graph, self.pair_story_distance)
            raw = join_near_noise(raw, graph, self.noise_join_distance)
        # What is left has no story within ``noise_join_distance``: two outlets on one event, alone in a small
        # feed, are a story when that near each other.
        raw = self._small_stories(raw, graph, self.isolated_pair_distance)
        self.labels_ = singletons_for_noise(raw)
        self.n_stories_ = int(self.labels_.max()) + 1 if count else 0
        return self

    def _small_stories(self, labels: np.ndarray, graph: sparse.csr_matrix, limit: float | None) -> np.ndarray:
        # ``pair_story_distance=None`` forms no small stories at all, isolated pairs included.
        if self.pair_story_distance is None or limit is None:
            return labels
        return small_stories(labels, graph, limit)

    def fit_predict(
        self,
        embeddings: Embeddings,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
        term_counts: sparse.csr_matrix | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        return self.fit(embeddings, texts, dates, term_counts, outlets).labels_
