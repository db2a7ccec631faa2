"""The story clusterer applied to a run's articles: canonical articles clustered (``cluster_articles``) or
new ones placed among the last run's stories (``assign_articles``), reprints following their original."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.base import clone

from clustering.records import Article, DedupResult
from clustering.stories.clusterer import StoryClusterer
from clustering.stories.graph_clusters import (
    hdbscan_labels,
    linked_groups,
    linked_parts,
    nearest_within,
    singletons_for_noise,
)
from clustering.stories.term_counts import TermCounts
from clustering.stories.vectors import ArticleVectors, Embeddings


def clustering_inputs(articles: Sequence[Article]) -> tuple[list[str], list[datetime | None], list[str | None]]:
    """What the clusterer reads of each article: its titled body, its date and its outlet."""
    return [a.titled_body for a in articles], [a.date for a in articles], [a.outlet for a in articles]


def _counts_of(term_counts: TermCounts | None, articles: Sequence[Article]) -> sparse.csr_matrix | None:
    return None if term_counts is None else term_counts.counts[term_counts.positions([a.id for a in articles])]


def clustered_rows(articles: Sequence[Article], dedup: DedupResult) -> list[int]:
    """The rows of ``articles`` that reprint none: the ones clustered (reprints follow them)."""
    return [row for row, article in enumerate(articles) if article.id not in dedup.duplicate_of]


def _follow_originals(articles: Sequence[Article], dedup: DedupResult, label_of: dict[str, int]) -> np.ndarray:
    return np.array([label_of[dedup.canonical(article.id)] for article in articles], dtype=int)


def cluster_articles(
    articles: Sequence[Article],
    embeddings: Embeddings,
    dedup: DedupResult,
    clusterer: StoryClusterer,
    term_counts: TermCounts | None = None,
) -> np.ndarray:
    """Story label of every article: canonical articles are clustered, reprints follow their original.
    ``term_counts``, when given, hold the counts of every canonical article's ``titled_body``."""
    canonical_rows = clustered_rows(articles, dedup)
    canonical = [articles[row] for row in canonical_rows]
    texts, dates, outlets = clustering_inputs(canonical)
    labels = clusterer.fit_predict(
        embeddings[canonical_rows], texts, dates, _counts_of(term_counts, canonical), outlets
    )
    label_of = {article.id: int(label) for article, label in zip(canonical, labels, strict=True)}
    return _follow_originals(articles, dedup, label_of)


def assign_articles(
    articles: Sequence[Article],
    embeddings: Embeddings,
    dedup: DedupResult,
    clusterer: StoryClusterer,
    story_of: dict[str, int],
    term_counts: TermCounts | None = None,
) -> np.ndarray:
    """Story label of every article when most are already in stories (``story_of``, from the last run).

    Stories keep their articles (but where clustering them again parts them). Each new article joins the
    story of its nearest article in a story of two or more, when closer than the clusterer's
    ``noise_join_distance``, or when that article is its nearest of all and closer than
    ``member_link_distance``; round after round, so that a new article follows a new one that joined, and
    new articles that are each other's nearest join as one where the
    nearest article outside them is in a story (``_join_stories``); new articles that joined a story one by
    one but stand apart from it together, a burst on a new event, are taken out as a story of their own
    (``_part_bursts``); the new articles left over and the lone articles near them are grouped as clustering
    the articles around them groups them, and a group holding a new article becomes a story (a lone article
    it takes in leaves its old one-article story). Then the stories the new articles touched are clustered
    again with the articles around them, and follow what that gives (``_follow_region``): a stored story
    the clustering parts is parted, and stored stories it joins that the new articles bridge are merged;
    last, the stories around the new articles are merged as a run merges HDBSCAN's (``_merge_around``).
    Distances are the clusterer's blend, computed over the new articles and their ``n_neighbors`` nearest
    only (``term_counts`` as in ``cluster_articles``).
    Reprints follow their original; a new original of reprints already in a story takes that story.
    """
    canonical_rows = clustered_rows(articles, dedup)
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

    nearest = ArticleVectors.of(embeddings)[canonical_rows].nearest(new, min(clusterer.n_neighbors, len(canonical) - 1))
    around = sorted({*new, *nearest.ravel().tolist()})
    near = [canonical[index] for index in around]
    texts, dates, outlets = clustering_inputs(near)
    graph = clusterer.distance_graph(
        embeddings[[canonical_rows[index] for index in around]], texts, dates, _counts_of(term_counts, near), outlets
    )

    local_label = np.array([label_of.get(canonical[index].id, -1) for index in around])
    stored = local_label >= 0
    _join_stories(clusterer, graph, local_label, sizes)
    size = clusterer.min_cluster_size_for(len(canonical))
    _part_bursts(clusterer, graph, local_label, stored, size, max(sizes, default=-1) + 1)
    ids = [canonical[index].id for index in around]
    label_of.update({ids[local]: int(local_label[local]) for local in np.flatnonzero(local_label >= 0)})
    _label_left_over(clusterer, graph, ids, local_label, sizes, label_of, len(canonical))
    _follow_region(clusterer, canonical, embeddings[canonical_rows], term_counts, (new, around), label_of)
    _merge_around(clusterer, canonical, embeddings[canonical_rows], term_counts, around, label_of)
    return _follow_originals(articles, dedup, label_of)


def _merge_around(
    clusterer: StoryClusterer,
    canonical: Sequence[Article],
    embeddings: Embeddings,
    term_counts: TermCounts | None,
    around: Sequence[int],
    label_of: dict[str, int],
) -> None:
    """Merge in ``label_of`` the stories of the rows ``around`` (the new articles and their nearest), every
    member of each taking part, as a run merges the stories HDBSCAN gives (``StoryClusterer.merge_stories``):
    the new articles change the averages of the stories they joined or formed."""
    stories = {label_of[canonical[row].id] for row in around}
    members = [row for row, article in enumerate(canonical) if label_of[article.id] in stories]
    chosen = [canonical[row] for row in members]
    labels = np.array([label_of[article.id] for article in chosen])
    texts, dates, outlets = clustering_inputs(chosen)
    counts = _counts_of(term_counts, chosen)
    merged = clusterer.merge_stories(labels, embeddings[members], texts, dates, counts, outlets)
    renamed = dict(zip(labels.tolist(), merged.tolist(), strict=True))
    for article_id, label in label_of.items():
        label_of[article_id] = renamed.get(label, label)


def _follow_region(
    clusterer: StoryClusterer,
    canonical: Sequence[Article],
    embeddings: Embeddings,
    term_counts: TermCounts | None,
    placed: tuple[Sequence[int], Sequence[int]],
    label_of: dict[str, int],
) -> None:
    """Make the stored stories that took new articles follow a clustering of them again (``placed``: the rows
    of ``canonical`` that are new, and those around them, their nearest): their members (stored and new),
    with the articles around the new ones, clustered by the run's clusterer at the whole corpus's story
    size. The articles around stand for the rest of the corpus: alone, the parts of one story are
    HDBSCAN's root, which it never returns. Which parts of a story HDBSCAN keeps moves with the articles
    around it, so a run over everything may part what the run over the older articles joined, or join what
    it parted (``_part_stories``, ``_merge_parts``)."""
    new, around = placed
    new_ids = {canonical[row].id for row in new}
    took = Counter(label_of[canonical[row].id] for row in new)
    stored_labels = {label for article_id, label in label_of.items() if article_id not in new_ids}
    touched = {label for label in took if label in stored_labels}
    if not touched:
        return
    members = sorted({*around, *(row for row, article in enumerate(canonical) if label_of[article.id] in touched)})
    chosen = [canonical[row] for row in members]
    texts, dates, outlets = clustering_inputs(chosen)
    size = clusterer.min_cluster_size_for(len(canonical))
    again = clone(clusterer).set_params(min_cluster_size=size)
    parts = again.fit_predict(embeddings[members], texts, dates, _counts_of(term_counts, chosen), outlets)
    stored = [article.id not in new_ids for article in chosen]
    _part_stories(chosen, parts, stored, touched, size, label_of)
    bridged = {label for label, count in took.items() if count >= _BRIDGING and label in stored_labels}
    _merge_parts(chosen, parts, stored, bridged, label_of)


def _part_stories(
    chosen: Sequence[Article],
    parts: np.ndarray,
    stored: Sequence[bool],
    touched: set[int],
    size: int,
    label_of: dict[str, int],
) -> None:
    """Part in ``label_of`` each ``touched`` story whose stored articles among ``chosen`` fall into two
    ``parts`` or more holding ``size`` of them each (HDBSCAN's story size for the corpus): the part holding
    most stays the story, each other becomes a story of its own with the new articles in it. Seen on ECB+
    draws: the run over the older 95 % joined two events of one topic, which a run over everything parts."""
    next_label = max(label_of.values()) + 1
    for story in sorted(touched):
        inside = [index for index, article in enumerate(chosen) if label_of[article.id] == story]
        held = Counter(int(parts[index]) for index in inside if stored[index] and parts[index] >= 0)
        large = sorted((part for part, count in held.items() if count >= size), key=lambda part: (-held[part], part))
        for part in large[1:]:
            for index in inside:
                if parts[index] == part:
                    label_of[chosen[index].id] = next_label
            next_label += 1


def _merge_parts(
    chosen: Sequence[Article], parts: np.ndarray, stored: Sequence[bool], bridged: set[int], label_of: dict[str, int]
) -> None:
    """Merge in ``label_of`` the ``bridged`` stories (each took ``_BRIDGING`` new articles or more) that one
    of ``parts`` holds most of (of their stored articles among ``chosen``): they become one, the larger's
    label. Seen on UCI draws: a story that broke late had been cut into parts by the run before, each new
    report joined the part nearest it, and clustering the whole corpus at once joins them, as the new reports
    fill the gap between them."""
    held: dict[int, Counter[int]] = defaultdict(Counter)  # each part: its stored articles by stored story
    stored_size: Counter[int] = Counter()
    for article, part, old in zip(chosen, parts, stored, strict=True):
        if old and label_of[article.id] in bridged:
            held[int(part)][label_of[article.id]] += 1
            stored_size[label_of[article.id]] += 1
    merged: dict[int, int] = {}
    for part, stories in held.items():
        most = [label for label, count in stories.items() if 2 * count > stored_size[label]]
        if part >= 0 and len(most) > 1:
            kept = max(most, key=lambda label: (stored_size[label], -label))
            merged.update(dict.fromkeys(most, kept))
    for article_id, label in label_of.items():
        label_of[article_id] = merged.get(label, label)


def _join_stories(
    clusterer: StoryClusterer, graph: sparse.csr_matrix, local_label: np.ndarray, sizes: Mapping[int, int]
) -> None:
    """Label in ``local_label`` (-1: not placed) each new article that joins a story of two or more: its
    nearest article in one is closer than ``noise_join_distance``, or its nearest of all is in one and closer
    than ``member_link_distance``. Round after round, as a cluster grows: a new article whose nearest is a
    new one that joined a story follows it there, as it would in the story if all were clustered at once."""
    while True:
        in_story = np.array([label >= 0 and sizes[label] >= 2 for label in local_label])
        unplaced = local_label < 0
        joining, nearest = nearest_within(graph, unplaced, in_story, clusterer.noise_join_distance)
        # As a story's members link: an article whose nearest of all is in a story joins it from farther.
        linked, neighbour = nearest_within(graph, unplaced, np.ones_like(unplaced), clusterer.member_link_distance)
        joining = np.append(joining, linked[in_story[neighbour]])
        nearest = np.append(nearest, neighbour[in_story[neighbour]])
        if not len(joining):
            joining, nearest = _group_joins(
                graph, in_story, linked, neighbour, unplaced, clusterer.member_link_distance
            )
        if not len(joining):
            return
        local_label[joining] = local_label[nearest]


def _part_bursts(
    clusterer: StoryClusterer,
    graph: sparse.csr_matrix,
    local_label: np.ndarray,
    stored: np.ndarray,
    size: int,
    next_label: int,
) -> None:
    """Take out of a story the new articles that joined it one by one but are a story of their own: a burst
    on a new event, each report near an older story of its field, all nearer each other. Where a story took
    ``size`` new articles or more (HDBSCAN's story size for the corpus), the articles of ``graph`` (the new
    ones and those around them) are clustered again, as the run clusters (a cluster that would split only
    below its selection epsilon stays whole); a cluster there that holds ``size`` of the story's new
    articles, more of them than of its stored ones and under half its stored ones (near them) is a burst,
    and its new articles become a story (numbered from ``next_label``)."""
    joined = ~stored & (local_label >= 0)
    stories = [np.flatnonzero(local_label == label) for label in np.unique(local_label[joined])]
    stories = [members for members in stories if joined[members].sum() >= size]
    if not stories:
        return
    # With the articles around: alone, a story and the new reports on it are HDBSCAN's root, which it never
    # returns, so they came out as two parts however near.
    parts = hdbscan_labels(
        graph,
        size,
        clusterer.min_samples,
        clusterer.cluster_selection_method,
        clusterer.cluster_selection_epsilon,
        False,
    )
    for members in stories:
        stored_count = int((~joined[members]).sum())
        for part in np.unique(parts[members][parts[members] >= 0]):
            inside = members[parts[members] == part]
            new_count = int(joined[inside].sum())
            stored_inside = len(inside) - new_count
            burst = inside[joined[inside]]
            # A part that holds most of the story's stored articles is the story going on, however many joined.
            mostly_new = new_count >= size and new_count > stored_inside and 2 * stored_inside < stored_count
            if mostly_new and _stands_apart(graph, burst, members[~joined[members]]):
                local_label[burst] = next_label
                next_label += 1


# The new articles a stored story takes for it to merge with another that took as many: one joined its
# nearest; two or more may bridge the gap to another story (chosen on the resample draws).
_BRIDGING = 2

# A burst's reports are this many times nearer each other than the story's (the median of each one's
# nearest): HDBSCAN cuts a story going on with many new reports too, where both are about as near.
# Measured: bursts on UCI draws 1.9-2.1 (0.24 against 0.47-0.51), hand-made ones 9; a story going on, 1.2.
_BURST_SEPARATION = 1.5


def _stands_apart(graph: sparse.csr_matrix, burst: np.ndarray, story: np.ndarray) -> bool:
    """Whether the articles at rows ``burst`` are nearer each other than the ``story``'s articles are to
    them (``_BURST_SEPARATION``); distances missing from ``graph`` are far."""
    if not len(story):
        return True
    block = graph[burst][:, np.concatenate([burst, story])].toarray()
    block[block == 0] = np.inf  # no edge (and the diagonal): far
    to_burst = block[:, : len(burst)].min(axis=1)
    to_story = block[:, len(burst) :].min(axis=1)
    return bool(np.median(to_story) >= _BURST_SEPARATION * np.median(to_burst))


def _group_joins(
    graph: sparse.csr_matrix,
    in_story: np.ndarray,
    linked: np.ndarray,
    neighbour: np.ndarray,
    unplaced: np.ndarray,
    limit: float,
) -> tuple[np.ndarray, np.ndarray]:
    """New articles linked to their nearest of all (``linked`` to ``neighbour``, within ``limit``) when that
    is new too join as one: a group whose nearest article outside it is in a story and within ``limit``
    joins that story, as one new article does whose nearest is (two reports of a late turn of a story read
    most like each other)."""
    pairs = unplaced[neighbour]
    group, sizes = linked_groups(linked[pairs], neighbour[pairs], graph.shape[0])
    grouped = sizes[group] > 1
    joining, nearest = [], []
    for label in np.unique(group[grouped]):
        members = grouped & (group == label)
        source, target = nearest_within(graph, members, ~members, np.inf)
        if not len(source):
            continue
        distances = np.asarray(graph[source, target]).ravel()
        closest = int(np.argmin(distances))
        if in_story[target[closest]] and distances[closest] < limit:
            joining += np.flatnonzero(members).tolist()
            nearest += [target[closest]] * int(members.sum())
    return np.array(joining, dtype=int), np.array(nearest, dtype=int)


def _label_left_over(
    clusterer: StoryClusterer,
    graph: sparse.csr_matrix,
    ids: Sequence[str],
    local_label: np.ndarray,
    sizes: Mapping[int, int],
    label_of: dict[str, int],
    corpus_size: int,
) -> None:
    """Group what is left (the new articles among ``ids`` that joined nothing, with the lone articles
    among their neighbours) as clustering all of ``ids`` groups them, and give each group holding a new
    article a new story in ``label_of``."""
    left = [
        local
        for local, article_id in enumerate(ids)
        if article_id not in label_of or (local_label[local] >= 0 and sizes.get(int(local_label[local]), 0) == 1)
    ]
    if not left:
        return
    # The story size HDBSCAN asks for is the whole corpus's, not that of the few articles left. HDBSCAN
    # keeps an article that falls out of a story late as a member: among these few, one must be near.
    # Clustered with the articles around them: alone, the left-over reports of one story are HDBSCAN's root,
    # which it never returns whole (a story that broke late came out in parts).
    size = clusterer.min_cluster_size_for(corpus_size)
    stories_around = clone(clusterer).set_params(min_cluster_size=size).fit_graph(graph).labels_
    labels = singletons_for_noise(
        linked_parts(stories_around[left], graph[left][:, left], clusterer.noise_join_distance, size)
    )
    next_label = max(label_of.values(), default=-1) + 1
    for label in np.unique(labels):
        group = [ids[left[position]] for position in np.flatnonzero(labels == label)]
        if not any(article_id not in label_of for article_id in group):
            continue  # lone old articles only: they stay as they were
        for article_id in group:
            label_of[article_id] = next_label
        next_label += 1
