"""Events inside stories: the days-long happenings a story is made of (the capture of Albu Kamal inside the
Mosul offensive).

A story runs for as long as it is reported, months at times; an event is a burst of it. Each story's
original articles are grouped by average linkage over the story clusterer's distance, cut at
``event.distance``, with the time window of an event: from ``event.window_days`` apart articles are pushed
apart, by ``event.time_weight`` at twice that, so that coverage days apart is two events whatever it says;
closer in time, what the articles say decides. The lexical evidence is weighed among the story's own
articles (words the whole story shares tell none of its bursts apart). Reprints follow their original.
Event ids are stable across runs as story ids are (``assign_story_ids``): the event holding most of an
earlier event's articles keeps its id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from datetime import datetime

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.base import BaseEstimator, clone

from clustering.config import Config, EventConfig, settings_init
from clustering.records import Article, DedupResult, Story, StoryEvent
from clustering.stories.clusterer import StoryClusterer
from clustering.stories.headline import choose_headline
from clustering.stories.lineage import assign_story_ids
from clustering.stories.vectors import ArticleVectors, Embeddings

# Originals linked at once: all their n²/2 pairs are scored (the story distance's features) and linked.
# Measured as whole processes on one story of 120-word texts: 1,000 originals 3.3 s and 0.38 GB peak,
# 2,000 7.7 s and 0.59 GB, 4,000 42 s and 1.44 GB (nothing linked: 0.20 GB). A bigger story is linked in
# slices of this many, in time order (an event across a slice's edge is cut there).
MAX_LINKED = 2_000


def event_id(founder_id: str) -> str:
    """An event's id, from its first article (as a story's is from its own)."""
    return "ev-" + hashlib.blake2b(founder_id.encode(), digest_size=6).hexdigest()


def _time_order(date: datetime | None, row: int) -> tuple[bool, float, int]:
    return (date is None, date.timestamp() if date else 0.0, row)


class EventSplitter(BaseEstimator):
    """A scikit-learn estimator: ``fit(embeddings, story_labels, texts=..., dates=...)`` sets ``labels_``
    (an event per article, numbered across the stories, each event inside one story) and ``n_events_``.

    Parameters: those of ``EventConfig``, and ``story_distance``, the ``StoryClusterer`` whose pair distance
    is used (its time window and weight replaced by the event's; the defaults' when None). Deterministic.
    """

    __init__ = settings_init(EventConfig, story_distance=None)

    def fit(
        self,
        embeddings: Embeddings,
        story_labels: Sequence[int],
        texts: Sequence[str] | None = None,
        dates: Sequence[datetime | None] | None = None,
        outlets: Sequence[str | None] | None = None,
    ) -> EventSplitter:
        measure = clone(self.story_distance or StoryClusterer()).set_params(
            time_window_days=self.window_days, time_weight=self.time_weight
        )
        story_labels = np.asarray(story_labels)
        dates = list(dates) if dates is not None else [None] * len(story_labels)
        self.labels_ = np.full(len(story_labels), -1)
        self.n_events_ = 0
        for story in np.unique(story_labels):
            members = sorted(np.flatnonzero(story_labels == story), key=lambda row: _time_order(dates[row], row))
            for start in range(0, len(members), MAX_LINKED):
                part = np.array(members[start : start + MAX_LINKED])
                events = self._events_of(measure, part, embeddings, texts, dates, outlets)
                self.labels_[part] = self.n_events_ + events
                self.n_events_ += int(events.max()) + 1
        return self

    def _events_of(
        self,
        measure: StoryClusterer,
        part: np.ndarray,
        embeddings: Embeddings,
        texts: Sequence[str] | None,
        dates: Sequence[datetime | None],
        outlets: Sequence[str | None] | None,
    ) -> np.ndarray:
        """Events of the articles at rows ``part`` of one story, numbered from 0 in order of first member."""
        if len(part) == 1:
            return np.zeros(1, dtype=int)
        distances = measure.condensed_distances(
            embeddings[part],
            [texts[row] for row in part] if texts is not None else None,
            [dates[row] for row in part],
            [outlets[row] for row in part] if outlets is not None else None,
        )
        flat = fcluster(linkage(distances, method="average"), t=self.distance, criterion="distance")
        order = {label: index for index, label in enumerate(dict.fromkeys(flat.tolist()))}
        return np.array([order[label] for label in flat.tolist()])


def story_events(
    stories: Sequence[Story],
    articles: Sequence[Article],
    embeddings: Embeddings,
    dedup: DedupResult,
    previous: Mapping[str, Story],
    config: Config,
) -> list[Story]:
    """``stories`` with their events: kept as they were for a story whose articles did not change, found
    (``EventSplitter``) for the others, under the ids of the earlier events they continue or new ones."""
    row_of = {article.id: row for row, article in enumerate(articles)}
    changed = [index for index, story in enumerate(stories) if not _unchanged(story, previous)]
    originals: list[int] = []  # rows split into events
    story_labels: list[int] = []
    for index in changed:
        members = set(stories[index].article_ids)
        for article_id in stories[index].article_ids:
            if dedup.canonical(article_id) == article_id or dedup.canonical(article_id) not in members:
                originals.append(row_of[article_id])
                story_labels.append(index)
    splitter = EventSplitter(story_distance=StoryClusterer(**asdict(config.cluster)), **asdict(config.event))
    vectors = ArticleVectors.of(embeddings)
    labels = (
        splitter.fit(
            vectors[originals],
            story_labels,
            [articles[row].titled_body for row in originals],
            [articles[row].date for row in originals],
            [articles[row].outlet for row in originals],
        ).labels_
        if originals
        else np.empty(0, dtype=int)
    )
    event_of_original = {articles[row].id: int(label) for row, label in zip(originals, labels, strict=True)}
    members_of: dict[int, list[str]] = {}
    story_of: dict[int, int] = {}
    for index in changed:
        for article_id in stories[index].article_ids:  # time order: an event's first article is its founder
            label = event_of_original.get(article_id, event_of_original.get(dedup.canonical(article_id)))
            members_of.setdefault(label, []).append(article_id)
            story_of[label] = index
    earlier = {event.event_id: event.article_ids for story in previous.values() for event in story.events}
    ids, _ = assign_story_ids(earlier, list(members_of.values()), event_id)
    found: dict[int, list[StoryEvent]] = {}
    for identifier, (label, members) in zip(ids, members_of.items(), strict=True):
        event = _event(identifier, [articles[row_of[article_id]] for article_id in members], vectors.primary, row_of)
        found.setdefault(story_of[label], []).append(event)
    return [
        replace(story, events=tuple(sorted(found[index], key=_event_order))) if index in found else story
        for index, story in enumerate(stories)
    ]


def _unchanged(story: Story, previous: Mapping[str, Story]) -> bool:
    before = previous.get(story.story_id)
    return before is not None and bool(before.events) and set(before.article_ids) == set(story.article_ids)


def _event(
    identifier: str, members: Sequence[Article], embeddings: np.ndarray, row_of: Mapping[str, int]
) -> StoryEvent:
    vectors = embeddings[[row_of[article.id] for article in members]]
    central = members[int(np.argmax(vectors @ vectors.mean(axis=0)))]
    dates = [article.date for article in members if article.date is not None]
    # Cleaned as a story's is: a title carries labels and site names ("BREAKING NEWS: …", "… - Market News").
    headline = choose_headline(members, central)
    return StoryEvent(
        identifier, headline, tuple(a.id for a in members), min(dates, default=None), max(dates, default=None)
    )


def _event_order(event: StoryEvent) -> tuple[bool, float, str]:
    first = event.first_published
    return (first is None, first.timestamp() if first else 0.0, event.event_id)
