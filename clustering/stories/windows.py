"""Stories bounded in time: a story silent for a number of days is closed.

A closed story keeps its articles, id, summary and lineage; new articles are assigned, and the stories
clustered again, among the open ones only (the open window: the articles of open stories and the new
ones). A reprint follows its original even into a closed story: it is the same text. "Now" is the newest
article's date, never later than the clock (a run over an archive closes what was silent in the archive;
one stray future date closes nothing early). Undated stories never close.

A closed story silent past the reuse lookback as well (``reuse.lookback_days``) is archived: no new article
can join it or pair with its articles, so it leaves the working set that runs read (``StoryStore``), and a
run's cost follows the open window, not the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from clustering.records import Article, DedupResult, Story
from clustering.stories.assign import assign_articles, cluster_articles
from clustering.stories.clusterer import StoryClusterer
from clustering.stories.term_counts import TermCounts
from clustering.stories.vectors import Embeddings


def newest_date(articles: Sequence[Article], clock: datetime | None = None) -> datetime | None:
    """The newest publication date among ``articles``, capped at ``clock`` (now by default)."""
    dates = [article.published for article in articles if article.published is not None]
    if not dates:
        return None
    return min(max(dates), clock or datetime.now(UTC))


def closed_members(previous: Mapping[str, Story], now: datetime | None, silent_days: float | None) -> dict[str, str]:
    """The story id of each article in a story whose newest article is over ``silent_days`` before ``now``
    (none when either is None)."""
    if now is None or silent_days is None:
        return {}
    cutoff = now - timedelta(days=silent_days)
    return {
        article_id: story.story_id
        for story in previous.values()
        if story.last_published is not None and story.last_published < cutoff
        for article_id in story.article_ids
    }


def archived_stories(
    previous: Mapping[str, Story],
    now: datetime | None,
    silent_days: float | None,
    lookback_days: float | None,
    thread_gap_days: float = 0.0,
) -> list[Story]:
    """The stories closed past the reach of the story window, the reuse lookback and the thread gap: no
    new article can join them or pair with their articles, nor a new story thread with them, so a run
    leaves them out (none unless the window and the lookback are both set)."""
    if lookback_days is None or silent_days is None:
        return []
    closed = set(closed_members(previous, now, max(silent_days, lookback_days, thread_gap_days)).values())
    return [previous[story_id] for story_id in sorted(closed)]


def open_window(
    articles: Sequence[Article], dedup: DedupResult, closed: Mapping[str, str]
) -> tuple[list[int], DedupResult]:
    """The rows of the articles that are neither in a closed story nor reprints of one of its articles,
    and the duplicate groups among them."""
    rows = [
        row
        for row, article in enumerate(articles)
        if article.id not in closed and dedup.canonical(article.id) not in closed
    ]
    inside = {articles[row].id for row in rows}
    duplicate_of = {copy: original for copy, original in dedup.duplicate_of.items() if copy in inside}
    return rows, DedupResult(dedup.pairs, duplicate_of)


def with_closed(
    articles: Sequence[Article],
    dedup: DedupResult,
    closed: Mapping[str, str],
    window_rows: Sequence[int],
    window_labels: np.ndarray,
) -> np.ndarray:
    """Story labels of every article: the window's labels, then one label per closed story for its
    articles and the reprints that follow them."""
    labels = np.zeros(len(articles), dtype=int)
    in_window = np.zeros(len(articles), dtype=bool)
    labels[list(window_rows)], in_window[list(window_rows)] = window_labels, True
    first = int(window_labels.max()) + 1 if len(window_labels) else 0
    label_of = {story: first + index for index, story in enumerate(sorted(set(closed.values())))}
    outside = np.flatnonzero(~in_window)
    ids = [articles[row].id for row in outside.tolist()]
    labels[outside] = [label_of[closed.get(article_id) or closed[dedup.canonical(article_id)]] for article_id in ids]
    return labels


def story_labels(
    articles: Sequence[Article],
    embeddings: Embeddings,
    dedup: DedupResult,
    clusterer: StoryClusterer,
    previous: Mapping[str, Story],
    closed: Mapping[str, str],
    recluster: bool,
    term_counts: TermCounts | None = None,
) -> np.ndarray:
    """Story label of every article: the new ones assigned to the open ``previous`` stories
    (``assign_articles``), or (``recluster``) the open window clustered again (``cluster_articles``); the
    ``closed`` stories' articles stay where they are."""
    rows, window_dedup = open_window(articles, dedup, closed)
    window, window_embeddings = [articles[row] for row in rows], embeddings[rows]
    if recluster:
        labels = cluster_articles(window, window_embeddings, window_dedup, clusterer, term_counts)
    else:
        story_of = {
            article_id: row
            for row, story in enumerate(previous.values())
            for article_id in story.article_ids
            if article_id not in closed
        }
        labels = assign_articles(window, window_embeddings, window_dedup, clusterer, story_of, term_counts)
    return with_closed(articles, dedup, closed, rows, labels)
