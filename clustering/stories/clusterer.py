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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from hdbscan import hdbscan
from scipy import sparse
from scipy.sparse import csgraph
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.decomposition import PCA

from clustering.config import ClusterConfig, settings_init
from clustering.records import Article, DedupResult
from clustering.stories.names import name_vectors
from clustering.stories.same_story import FEATURES, PairFeatures, load_same_story_model, pair_features
from clustering.stories.similarity import day_gaps, pair_cosines
from clustering.stories.term_counts import TermCounts
from clustering.stories.term_matrix import smooth_idf, sublinear_tfidf, term_matrix, terms_of, without_rare_terms

# Rows of the embedding matrix compared with all others at once: bounds the block to rows × n floats.
_BLOCK_ROWS = 1024
# Up to this many similarities (sources x articles), neighbours are found with numpy: under 1 s of
# argpartition, where importing torch for its faster top-k would cost 2 s (assigning a few new articles).
_NUMPY_SEARCH_LIMIT = 20_000_000
# Up to this many articles, neighbours are searched on the full embeddings.
_EXACT_SEARCH_LIMIT = 5_000
# A term held by one text adds to its norm and to no similarity: terms must be in this many texts. Most
# word pairs are held by one text; kept, they would dilute the rest. On ECB+ dev (evidence in full from
# 50 words): pairwise F1 0.900 with words and word pairs kept this way, 0.892 with all single words.
_MIN_TEXTS_PER_TERM = 2
# Stand-in for a zero distance inside the sparse graph, where an explicit zero would read as "no edge".
_TINY = 1e-12


def neighbour_pairs(
    embeddings: np.ndarray, n_neighbors: int, search_dimensions: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(rows, cols)`` with rows < cols: each article with its ``n_neighbors`` nearest by cosine,
    or every pair when the corpus has no more articles than that.

    Past a few thousand articles the search runs on the top ``search_dimensions`` principal components,
    which keep the neighbourhoods at a fraction of the cost; the distances themselves use full vectors.
    """
    count = len(embeddings)
    if count <= n_neighbors + 1:
        rows, cols = np.triu_indices(count, k=1)
        return rows.astype(np.int64), cols.astype(np.int64)
    vectors = embeddings
    if count > _EXACT_SEARCH_LIMIT and embeddings.shape[1] > search_dimensions:
        vectors = PCA(n_components=search_dimensions, random_state=0).fit_transform(embeddings)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sources = np.arange(count)
    keys = (sources[:, None] * count + nearest_neighbours(vectors, sources, n_neighbors)).ravel()
    rows, cols = np.divmod(keys, count)
    keys = np.unique(np.minimum(rows, cols) * count + np.maximum(rows, cols))
    return np.divmod(keys, count)


def nearest_neighbours(vectors: np.ndarray, sources: Sequence[int], count: int) -> np.ndarray:
    """For each of the ``sources`` rows, the rows of its ``count`` nearest others by dot product (unsorted),
    from blocked matrix products: memory stays at a block of rows times the corpus."""
    if len(sources) * len(vectors) <= _NUMPY_SEARCH_LIMIT:
        similarities = vectors[np.asarray(sources, dtype=np.int64)] @ vectors.T
        similarities[np.arange(len(sources)), sources] = -np.inf
        return np.argpartition(-similarities, count - 1, axis=1)[:, :count].astype(np.int64)
    import torch  # torch's top-k is 40x numpy's argpartition on 1,024 x 50,000 similarities

    searched = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    found: list[np.ndarray] = [np.empty((0, count), dtype=np.int64)]
    for start in range(0, len(sources), _BLOCK_ROWS):
        block_rows = torch.as_tensor(np.asarray(sources[start : start + _BLOCK_ROWS], dtype=np.int64))
        block = searched[block_rows] @ searched.T
        block[torch.arange(len(block_rows)), block_rows] = -torch.inf
        found.append(torch.topk(block, count, dim=1, sorted=False).indices.numpy())
    return np.concatenate(found)


def tfidf_vectors(texts: Sequence[str]) -> sparse.csr_matrix:
    """L2-normalised sublinear TF-IDF vectors of the words and adjacent word pairs (``terms_of``) held by
    two texts or more: what scikit-learn's ``TfidfVectorizer(sublinear_tf=True, stop_words="english",
    ngram_range=(1, 2), min_df=2, dtype=np.float32)`` gives with that token pattern (tested equal)."""
    return tfidf_of_counts(term_matrix(map(terms_of, texts))[0])


def tfidf_of_counts(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """``tfidf_vectors`` of the texts whose term counts (texts x terms, as ``term_matrix`` or
    ``TermCounts`` hold them) are given."""
    counts = without_rare_terms(counts, _MIN_TEXTS_PER_TERM)
    if not counts.shape[1]:  # nothing but stop words and terms of one text
        return sparse.csr_matrix((counts.shape[0], 1), dtype=np.float32)
    return sublinear_tfidf(counts, smooth_idf(counts, np.float32))


def time_gap_penalty(gaps: np.ndarray, window_days: float) -> np.ndarray:
    """0 for gaps within ``window_days`` or unknown (NaN), rising to 1 at twice the window."""
    return np.nan_to_num(np.clip((gaps - window_days) / window_days, 0.0, 1.0), nan=0.0).astype(np.float32)


def time_proximity(gaps: np.ndarray, scale_days: float) -> np.ndarray:
    """exp(-gap / scale): 1 on the same day; 0 where the gap is unknown (no evidence)."""
    return np.nan_to_num(np.exp(-gaps / scale_days), nan=0.0).astype(np.float32)


def _edges(graph: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both directions of every edge: (source, target, distance), distances as stored (zeros restored)."""
    coo = graph.tocoo()
    distance = np.where(coo.data <= _TINY, 0.0, coo.data)
    return coo.row.astype(np.int64), coo.col.astype(np.int64), distance


def _hdbscan_labels(
    graph: sparse.csr_matrix,
    min_cluster_size: int,
    min_samples: int,
    selection_method: str,
    selection_epsilon: float,
    allow_single_cluster: bool,
) -> np.ndarray:
    """HDBSCAN on a sparse distance graph: mutual reachability computed here, then HDBSCAN's minimum
    spanning tree, single linkage and cluster selection. Disconnected parts are joined above every real
    distance (HDBSCAN refuses a disconnected sparse graph)."""
    count = graph.shape[0]
    source, target, distance = _edges(graph)
    # Core distance: the distance to the min_samples-th nearest neighbour in the graph (as HDBSCAN's);
    # a row with fewer neighbours takes its farthest.
    order = np.lexsort((distance, source))
    rank = np.arange(len(order)) - graph.indptr[source[order]]
    wanted = np.minimum(min_samples, np.diff(graph.indptr))[source[order]] - 1
    nth = order[rank == wanted]
    core = np.zeros(count)
    core[source[nth]] = distance[nth]
    reach = np.maximum(distance, np.maximum(core[source], core[target]))
    mutual = sparse.csr_matrix((np.maximum(reach, _TINY), (source, target)), shape=(count, count))
    parts, part_of = csgraph.connected_components(mutual, directed=False)
    if parts > 1:
        leaders = np.unique(part_of, return_index=True)[1]
        bridge = 2.0 * max(1.0, float(reach.max(initial=1.0)))
        links = sparse.csr_matrix((np.full(parts - 1, bridge), (leaders[:-1], leaders[1:])), shape=(count, count))
        mutual = mutual + links
    # The graph is already mutual reachability: HDBSCAN's own with min_samples=1 takes each row's
    # nearest entry as its core distance, which no entry is below, so it keeps every distance as is.
    labels, *_ = hdbscan(
        mutual.maximum(mutual.T),
        min_cluster_size=min_cluster_size,
        min_samples=1,
        metric="precomputed",
        cluster_selection_method=selection_method,
        allow_single_cluster=allow_single_cluster,
        cluster_selection_epsilon=selection_epsilon,
    )
    return np.asarray(labels)


def _coherent(labels: np.ndarray, graph: sparse.csr_matrix, link: float, min_size: int) -> np.ndarray:
    """Drop from each cluster the members farther than ``link`` from every other member; dissolve what
    is left if it falls below ``min_size``."""
    source, target, distance = _edges(graph)
    same = (labels[source] >= 0) & (labels[source] == labels[target])
    nearest_member = np.full(len(labels), np.inf)
    np.minimum.at(nearest_member, source[same], distance[same])
    result = labels.copy()
    result[(labels >= 0) & (nearest_member > link)] = -1
    for label in set(result[result >= 0].tolist()):
        if np.count_nonzero(result == label) < min_size:
            result[result == label] = -1
    return result


def _nearest_within(
    graph: sparse.csr_matrix, sources: np.ndarray, targets: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``sources`` (a mask) with a row of ``targets`` closer than ``limit``: the nearest one."""
    source, target, distance = _edges(graph)
    usable = sources[source] & targets[target] & (distance < limit)
    source, target, distance = source[usable], target[usable], distance[usable]
    order = np.lexsort((target, distance, source))  # nearest first; ties to the earliest article
    first = order[np.unique(source[order], return_index=True)[1]]
    return source[first], target[first]


def _join_near_noise(labels: np.ndarray, graph: sparse.csr_matrix, limit: float) -> np.ndarray:
    """Give each noise point the label of its nearest clustered neighbour, when that is closer than ``limit``."""
    noise, nearest = _nearest_within(graph, labels < 0, labels >= 0, limit)
    joined = labels.copy()
    joined[noise] = labels[nearest]
    return joined


def _pair_up_lone(labels: np.ndarray, graph: sparse.csr_matrix, limit: float) -> np.ndarray:
    """Two lone articles (stories of one) that are each other's nearest and closer than ``limit`` become a
    story of two: HDBSCAN forms no story smaller than its minimum size."""
    sizes = np.bincount(labels)
    lone = sizes[labels] == 1
    source, target, distance = _edges(graph)
    order = np.lexsort((target, distance, source))
    first = order[np.unique(source[order], return_index=True)[1]]
    nearest = np.full(len(labels), -1)
    nearest[source[first]] = target[first]
    gap = np.full(len(labels), np.inf)
    gap[source[first]] = distance[first]
    result = labels.copy()
    for article in np.flatnonzero(lone & (gap < limit)):
        other = nearest[article]
        if other > article and lone[other] and nearest[other] == article:
            result[other] = result[article]
    return result


def _singletons_for_noise(labels: np.ndarray) -> np.ndarray:
    """Renumber stories in order of first appearance; each noise point gets a story of its own."""
    renumbered = np.empty_like(labels)
    mapping: dict[int, int] = {}
    for index, label in enumerate(labels):
        key = int(label) if label >= 0 else -(index + 1)
        renumbered[index] = mapping.setdefault(key, len(mapping))
    return renumbered


@dataclass(frozen=True, slots=True)
class _PairEvidence:
    """What pair distances read of the articles, computed once: embeddings, and when texts are given their
    TF-IDF and name vectors and word counts; dates and outlets."""

    embeddings: np.ndarray
    tfidf: sparse.csr_matrix | None
    names: sparse.csr_matrix | None
    word_counts: np.ndarray
    dates: Sequence[datetime | None]
    outlets: Sequence[str | None]
    dated: bool

    @classmethod
    def of(
        cls,
        embeddings: np.ndarray,
        texts: Sequence[str] | None,
        dates: Sequence[datetime | None] | None,
        term_counts: sparse.csr_matrix | None,
        outlets: Sequence[str | None] | None,
    ) -> _PairEvidence:
        count = len(embeddings)
        tfidf = names = None
        word_counts = np.zeros(count)
        if texts is not None:
            tfidf = tfidf_vectors(texts) if term_counts is None else tfidf_of_counts(term_counts)
            names = name_vectors(list(texts))
            word_counts = np.array([len(text.split()) for text in texts])
        return cls(
            embeddings,
            tfidf,
            names,
            word_counts,
            dates if dates is not None else [None] * count,
            outlets if outlets is not None else [None] * count,
            dates is not None,
        )

    def pair_features(self, rows: np.ndarray, cols: np.ndarray, full_length_words: int) -> PairFeatures:
        if self.tfidf is None or self.names is None:
            raise ValueError("same-story features need the articles' texts")
        return pair_features(
            self.embeddings,
            self.tfidf,
            self.names,
            self.word_counts,
            self.dates,
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
        cluster_selection_method: HDBSCAN's "eom" (excess of mass) or "leaf".
        n_neighbors: distances are computed between each article and this many nearest by embedding;
            pairs outside that are treated as far apart. A corpus this small or smaller is compared in full.
        pair_model: a same-story model (``same_story``) to give the distance of two full-length articles,
            1 - P(same story): ``"builtin"`` (fitted on the dev sets), the path of a model file
            (``storyline train``), or ``""`` (the default) for the hand-set blend above. Headline pairs
            keep the blend; lengths between mix the two by the pair's evidence.
        pair_story_distance: two lone articles, each the other's nearest and closer than this, form a
            story of two; ``None`` leaves them alone.
    Deterministic: the same input gives the same labels.
    """

    __init__ = settings_init(ClusterConfig)

    def distance_graph(
        self,
        embeddings: np.ndarray,
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
        rows, cols = neighbour_pairs(corpus.embeddings, self.n_neighbors)
        distance = self.pair_distances(corpus, rows, cols)
        both = (np.concatenate([rows, cols]), np.concatenate([cols, rows]))
        return sparse.csr_matrix((np.concatenate([distance, distance]), both), shape=(count, count))

    def pair_distances(self, corpus: _PairEvidence, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The distance of each pair ``(rows[k], cols[k])`` of the corpus's articles."""
        similarity = np.clip(pair_cosines(corpus.embeddings, rows, cols), -1.0, 1.0)
        evidence = np.ones_like(similarity)
        features = None
        if corpus.tfidf is not None:
            features = corpus.pair_features(rows, cols, self.full_length_words)
            evidence = features.evidence.astype(np.float32)
            lexical, names = features.values[:, FEATURES.index("lexical")], features.values[:, FEATURES.index("names")]
            blended = self.lexical_weight * lexical + self.name_weight * names
            similarity = (1 - evidence * (self.lexical_weight + self.name_weight)) * similarity + evidence * blended
        distance = 1.0 - similarity
        if corpus.dated:
            gaps = day_gaps(corpus.dates, rows, cols)
            distance += self.time_weight * time_gap_penalty(gaps, self.time_window_days)
            distance -= evidence * self.time_bonus * time_proximity(gaps, self.time_bonus_days)
        if features is not None and self.pair_model:
            # Full texts by the learned model; headlines by the blend, which held better on headline sets
            # left out of the model's training (README, "Story clustering").
            same_story = load_same_story_model(self.pair_model).probability(features)
            distance = evidence * (1.0 - same_story) + (1.0 - evidence) * distance
        return np.maximum(np.asarray(distance, dtype=np.float64), _TINY)

    def candidate_pairs(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str],
        dates: Sequence[datetime | None] | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, PairFeatures]:
        """The pairs ``distance_graph`` scores (each article with its ``n_neighbors`` nearest) and their
        same-story features: what a same-story model learns from."""
        rows, cols = neighbour_pairs(embeddings, self.n_neighbors)
        corpus = _PairEvidence.of(embeddings, texts, dates, None, outlets)
        return rows, cols, corpus.pair_features(rows, cols, self.full_length_words)

    def min_cluster_size_for(self, count: int) -> int:
        """The smallest story HDBSCAN forms among ``count`` articles: ``min_cluster_size``, or when that is
        None, ``max(3, round(sqrt(count) / 5))``."""
        if self.min_cluster_size is not None:
            return self.min_cluster_size
        return max(3, round(math.sqrt(count) / 5))

    def _labels(self, graph: sparse.csr_matrix, allow_single_cluster: bool) -> np.ndarray:
        return _hdbscan_labels(
            graph,
            self.min_cluster_size_,
            self.min_samples,
            self.cluster_selection_method,
            self.cluster_selection_epsilon,
            allow_single_cluster,
        )

    def fit(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
        term_counts: sparse.csr_matrix | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> StoryClusterer:
        count = len(embeddings)
        if count < max(2, self.min_cluster_size_for(count)):
            return self.fit_graph(sparse.csr_matrix((count, count)))
        corpus = _PairEvidence.of(embeddings, texts, dates, term_counts, outlets)
        graph = self._graph(corpus)
        self.fit_graph(graph)
        if self.pair_story_distance is not None:
            self.labels_ = _singletons_for_noise(_pair_up_lone(self.labels_, graph, self.pair_story_distance))
        self.n_stories_ = int(self.labels_.max()) + 1 if count else 0
        return self

    def fit_graph(self, graph: sparse.csr_matrix) -> StoryClusterer:
        """Fit on a sparse distance graph as ``distance_graph`` gives it."""
        count = graph.shape[0]
        self.min_cluster_size_ = self.min_cluster_size_for(count)
        if count < max(2, self.min_cluster_size_):
            self.labels_ = np.arange(count)
        else:
            raw = self._labels(graph, allow_single_cluster=False)
            if (raw < 0).all():
                # HDBSCAN never selects its root, so one story among a few stray articles reads as all
                # noise; only then is a single cluster allowed (it would swallow a corpus of many stories),
                # and only if it holds together.
                raw = self._labels(graph, allow_single_cluster=True)
                raw = _coherent(raw, graph, self.single_story_link_distance, self.min_cluster_size_)
            self.labels_ = _singletons_for_noise(_join_near_noise(raw, graph, self.noise_join_distance))
        self.n_stories_ = int(self.labels_.max()) + 1 if count else 0
        return self

    def fit_predict(
        self,
        embeddings: np.ndarray,
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
        term_counts: sparse.csr_matrix | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        return self.fit(embeddings, texts, dates, term_counts, outlets).labels_


def clustering_inputs(articles: Sequence[Article]) -> tuple[list[str], list[datetime | None], list[str | None]]:
    """What the clusterer reads of each article: its titled body, its date and its outlet."""
    return [a.titled_body for a in articles], [a.date for a in articles], [a.outlet for a in articles]


def _counts_of(term_counts: TermCounts | None, articles: Sequence[Article]) -> sparse.csr_matrix | None:
    return None if term_counts is None else term_counts.counts[term_counts.positions([a.id for a in articles])]


def _canonical_rows(articles: Sequence[Article], dedup: DedupResult) -> list[int]:
    return [row for row, article in enumerate(articles) if article.id not in dedup.duplicate_of]


def _follow_originals(articles: Sequence[Article], dedup: DedupResult, label_of: dict[str, int]) -> np.ndarray:
    return np.array([label_of[dedup.canonical(article.id)] for article in articles], dtype=int)


def cluster_articles(
    articles: Sequence[Article],
    embeddings: np.ndarray,
    dedup: DedupResult,
    clusterer: StoryClusterer,
    term_counts: TermCounts | None = None,
) -> np.ndarray:
    """Story label of every article: canonical articles are clustered, reprints follow their original.
    ``term_counts``, when given, hold the counts of every canonical article's ``titled_body``."""
    canonical_rows = _canonical_rows(articles, dedup)
    canonical = [articles[row] for row in canonical_rows]
    texts, dates, outlets = clustering_inputs(canonical)
    labels = clusterer.fit_predict(
        embeddings[canonical_rows], texts, dates, _counts_of(term_counts, canonical), outlets
    )
    label_of = {article.id: int(label) for article, label in zip(canonical, labels, strict=True)}
    return _follow_originals(articles, dedup, label_of)


def assign_articles(
    articles: Sequence[Article],
    embeddings: np.ndarray,
    dedup: DedupResult,
    clusterer: StoryClusterer,
    story_of: dict[str, int],
    term_counts: TermCounts | None = None,
) -> np.ndarray:
    """Story label of every article when most are already in stories (``story_of``, from the last run).

    Stories keep their articles. Each new article joins the story of its nearest article in a story of
    two or more, when closer than the clusterer's ``noise_join_distance``; the new articles left over are
    clustered with the lone articles near them, and a group holding a new article becomes a story (a lone
    article it takes in leaves its old one-article story). Distances are the clusterer's blend, computed
    over the new articles and their ``n_neighbors`` nearest only (``term_counts`` as in ``cluster_articles``).
    Reprints follow their original; a new original of reprints already in a story takes that story.
    """
    canonical_rows = _canonical_rows(articles, dedup)
    canonical = [articles[row] for row in canonical_rows]
    label_of = {article.id: story_of[article.id] for article in canonical if article.id in story_of}
    for article in articles:  # a new original of reprints already placed goes where they are
        original = dedup.canonical(article.id)
        if original not in label_of and article.id in story_of:
            label_of[original] = story_of[article.id]
    new = [index for index, article in enumerate(canonical) if article.id not in label_of]
    if not new:
        return _follow_originals(articles, dedup, label_of)
    sizes: dict[int, int] = {}
    for label in label_of.values():
        sizes[label] = sizes.get(label, 0) + 1

    nearest = nearest_neighbours(embeddings[canonical_rows], new, min(clusterer.n_neighbors, len(canonical) - 1))
    around = sorted({*new, *nearest.ravel().tolist()})
    near = [canonical[index] for index in around]
    texts, dates, outlets = clustering_inputs(near)
    graph = clusterer.distance_graph(
        embeddings[[canonical_rows[index] for index in around]], texts, dates, _counts_of(term_counts, near), outlets
    )

    local_label = np.array([label_of.get(canonical[index].id, -1) for index in around])
    in_story = np.array([label >= 0 and sizes[label] >= 2 for label in local_label])
    joining, nearest = _nearest_within(graph, local_label < 0, in_story, clusterer.noise_join_distance)
    for local, other in zip(joining, nearest, strict=True):
        label_of[canonical[around[local]].id] = int(local_label[other])

    ids = [canonical[index].id for index in around]
    _label_left_over(clusterer, graph, ids, local_label, sizes, label_of, len(canonical))
    return _follow_originals(articles, dedup, label_of)


def _label_left_over(
    clusterer: StoryClusterer,
    graph: sparse.csr_matrix,
    ids: Sequence[str],
    local_label: np.ndarray,
    sizes: Mapping[int, int],
    label_of: dict[str, int],
    corpus_size: int,
) -> None:
    """Cluster what is left (the new articles among ``ids`` that joined nothing, with the lone articles
    among their neighbours) and give each group holding a new article a new story in ``label_of``."""
    left = [
        local
        for local, article_id in enumerate(ids)
        if article_id not in label_of or (local_label[local] >= 0 and sizes[int(local_label[local])] == 1)
    ]
    if not left:
        return
    # The story size HDBSCAN asks for is the whole corpus's, not that of the few articles left. HDBSCAN
    # keeps an article that falls out of a story late as a member: among these few, one must be near.
    size = clusterer.min_cluster_size_for(corpus_size)
    left_graph = graph[left][:, left]
    sub = clone(clusterer).set_params(min_cluster_size=size)
    labels = _singletons_for_noise(
        _coherent(sub.fit_graph(left_graph).labels_, left_graph, clusterer.noise_join_distance, size)
    )
    next_label = max(label_of.values(), default=-1) + 1
    for label in np.unique(labels):
        group = [ids[left[position]] for position in np.flatnonzero(labels == label)]
        if not any(article_id not in label_of for article_id in group):
            continue  # lone old articles only: they stay as they were
        for article_id in group:
            label_of[article_id] = next_label
        next_label += 1


def labelled_pairs(
    articles: Sequence[Article],
    embeddings: np.ndarray,
    dedup: DedupResult,
    story_labels: Sequence[str],
    clusterer: StoryClusterer,
) -> tuple[PairFeatures, np.ndarray]:
    """The candidate pairs of the canonical articles, as clustering scores them, with whether each pair
    is one story by ``story_labels`` (one per article): what ``fit_same_story_model`` learns from."""
    canonical_rows = _canonical_rows(articles, dedup)
    texts, dates, outlets = clustering_inputs([articles[row] for row in canonical_rows])
    if len(canonical_rows) < 2:
        return PairFeatures(np.empty((0, len(FEATURES))), np.empty(0)), np.empty(0, dtype=bool)
    rows, cols, features = clusterer.candidate_pairs(embeddings[canonical_rows], texts, dates, outlets)
    labels = np.array([story_labels[row] for row in canonical_rows], dtype=object)
    return features, labels[rows] == labels[cols]
