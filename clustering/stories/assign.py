"""The story clusterer applied to a run's articles: canonical articles clustered (``cluster_articles``) or
new ones placed among the last run's stories (``assign_articles``), reprints following their original; and
the labelled pairs a same-story model learns from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.base import clone

from clustering.records import Article, DedupResult
from clustering.stories.clusterer import StoryClusterer
from clustering.stories.graph_clusters import linked_parts, nearest_within, singletons_for_noise
from clustering.stories.neighbours import nearest_neighbours
from clustering.stories.same_story import FEATURES, PairFeatures
from clustering.stories.term_counts import TermCounts


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
    two or more, when closer than the clusterer's ``noise_join_distance``, or when that article is its
    nearest of all and closer than ``member_link_distance``; the new articles left over are
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
    unplaced = local_label < 0
    joining, nearest = nearest_within(graph, unplaced, in_story, clusterer.noise_join_distance)
    # As a story's members link: an article whose nearest of all is in a story joins it from farther.
    linked, neighbour = nearest_within(graph, unplaced, np.ones_like(unplaced), clusterer.member_link_distance)
    joining, nearest = (
        np.append(joining, linked[in_story[neighbour]]),
        np.append(nearest, neighbour[in_story[neighbour]]),
    )
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
    labels = singletons_for_noise(
        linked_parts(sub.fit_graph(left_graph).labels_, left_graph, clusterer.noise_join_distance, size)
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
