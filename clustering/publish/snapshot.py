"""What the dashboard's pages and API read: a snapshot of the store, the list's query, and what a story
page shows (its reprint trees, shared passages, nearest stories). Plain functions of the snapshot, no web
framework: the routes in ``dashboard`` and ``api`` only call them."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from urllib.parse import urlencode

from clustering.config import ReuseConfig
from clustering.ingest.clean import ensure_cleaned
from clustering.publish.pages import story_threads
from clustering.records import Article, ReusePair, Story
from clustering.reuse.edits import with_copy_edits
from clustering.reuse.pairs import copier_and_original, duplicate_groups
from clustering.storage.store import StoryStore

PER_PAGE = 25
MAX_PER_PAGE = 200


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the store held when it was last read."""

    stories: list[Story]
    articles: dict[str, Article]
    pairs: list[ReusePair]
    lineage: list[dict[str, object]]
    positions: dict[str, tuple[float, float]]
    # Each working story's related stories, nearest in meaning first.
    related: dict[str, list[str]]
    report: dict[str, object]
    # Each reprint's canonical article, as the run grouped them.
    duplicate_of: dict[str, str]
    # The stories of each thread, oldest first.
    threads: dict[str, list[Story]]

    def story(self, story_id: str) -> Story | None:
        return next((story for story in self.stories if story.story_id == story_id), None)

    def related_stories(self, story: Story) -> list[Story]:
        """The stories related to ``story`` (``stories.related``: close in meaning, naming what it names),
        nearest first, as the last run found them."""
        by_id = {other.story_id: other for other in self.stories}
        return [by_id[other] for other in self.related.get(story.story_id, ()) if other in by_id]

    def story_pairs(self, story: Story) -> list[ReusePair]:
        """The reuse pairs with an article of ``story`` on either side."""
        members = set(story.article_ids)
        return [pair for pair in self.pairs if pair.a in members or pair.b in members]

    def story_languages(self, story: Story) -> list[str]:
        """The languages of the story's articles, the most articles first (then by code)."""
        counts = Counter(self.articles[i].language for i in story.article_ids if self.articles[i].language)
        return sorted(counts, key=lambda language: (-counts[language], language))

    def in_time_order(self, story: Story) -> list[Article]:
        """The story's articles, oldest first (undated ones last)."""
        return sorted((self.articles[i] for i in story.article_ids), key=time_order)


def load_snapshot(store: StoryStore) -> Snapshot:
    # Archived stories too: what runs no longer read is still there to browse.
    articles = {article.id: ensure_cleaned(article) for article in store.articles(include_archived=True)}
    stories = sorted(store.stories(include_archived=True).values(), key=lambda story: story.story_id)
    pairs, report = store.pairs(include_archived=True), store.last_report()
    reuse = report.get("config", {}).get("reuse", {})
    containment = reuse.get("duplicate_containment", ReuseConfig().duplicate_containment)
    duplicate_of = duplicate_groups(list(articles.values()), pairs, containment)
    lineage = store.lineage(include_archived=True)
    threads = story_threads(stories)
    positions, related = store.positions(), store.related()
    return Snapshot(stories, articles, pairs, lineage, positions, related, report, duplicate_of, threads)


def highlighted(
    text: str,
    spans: Sequence[tuple[int, int]],
    furniture: Sequence[tuple[int, int]] = (),
    edits: Sequence[tuple[int, int]] = (),
) -> list[tuple[str, str]]:
    """``text`` cut into pieces, each marked ``"shared"`` (inside one of ``spans``), ``"edit"`` (a word
    of the shared text the other article changed), ``"furniture"`` (page furniture, shown grey) or ``""``."""
    kinds = [""] * len(text)
    for layer, name in ((furniture, "furniture"), (spans, "shared"), (edits, "edit")):
        for start, end in layer:
            kinds[start:end] = [name] * (min(end, len(text)) - start)
    pieces: list[tuple[str, str]] = []
    position = 0
    for kind, run in itertools.groupby(kinds):
        length = len(list(run))
        pieces.append((text[position : position + length], kind))
        position += length
    return pieces


@dataclass(frozen=True, slots=True)
class StoryQuery:
    """The list's filters, sort and page: what the list page and ``/api/stories`` share, and its URL."""

    q: str = ""
    outlet: str = ""
    language: str = ""
    thread: str = ""
    since: date | None = None
    until: date | None = None
    sort: str = "recent"
    page: int = 1
    per_page: int = PER_PAGE

    def matches(self, story: Story, snapshot: Snapshot) -> bool:
        if self.outlet and self.outlet not in story.sources:
            return False
        if self.language and self.language not in snapshot.story_languages(story):
            return False
        if self.thread and story.thread_id != self.thread:
            return False
        if self.since and (story.last_published is None or story.last_published.date() < self.since):
            return False
        if self.until and (story.first_published is None or story.first_published.date() > self.until):
            return False
        if not self.q:
            return True
        titles = " ".join(snapshot.articles[i].headline for i in story.article_ids)
        haystack = " ".join([story.headline, story.summary, " ".join(story.keywords), titles]).lower()
        return all(word in haystack for word in self.q.lower().split())

    def select(self, snapshot: Snapshot) -> tuple[list[Story], int]:
        """This page's stories, and how many match in all."""
        shown = [story for story in snapshot.stories if self.matches(story, snapshot)]
        if self.sort == "size":
            shown.sort(key=lambda story: (-len(story.article_ids), story.story_id))
        else:
            shown.sort(key=lambda s: (s.last_published.timestamp() if s.last_published else -1e18, s.story_id))
            shown.reverse()
        start = (self.page - 1) * self.per_page
        return shown[start : start + self.per_page], len(shown)

    def url(self, **changes: object) -> str:
        """The list's address with these filters (and ``changes``): a view that can be shared. Settings
        left at their defaults are left out of it."""
        values, defaults = {**self._parameters(), **changes}, StoryQuery()._parameters()
        query = urlencode({key: value for key, value in values.items() if value != defaults[key]})
        return f"/?{query}" if query else "/"

    def _parameters(self) -> dict[str, object]:
        """The query as the URL's parameters: its fields, dates written as ISO days."""
        found = {item.name: getattr(self, item.name) for item in fields(self)}
        return {key: value.isoformat() if isinstance(value, date) else value or "" for key, value in found.items()}


def time_order(article: Article) -> tuple[bool, str, bool, str, str]:
    """Oldest first, undated last; within a day, the articles with a time before those dated by the day
    alone (which came out some time that day)."""
    if article.date is None:
        return (True, "", False, "", article.id)
    return (False, article.date.date().isoformat(), not article.has_time, article.date.isoformat(), article.id)


def first_reports(articles: Sequence[Article]) -> list[Article]:
    """The articles that reported first: on the earliest day any article is dated, the earliest by time, to
    the minute (several at that minute tie); an article dated by its day alone is never first over one with
    a time that day, and the articles of a day none has a time for tie. The one answer the story page, its
    table and the API give."""
    dated = [article for article in articles if article.date is not None]
    if not dated:
        return []
    first_day = min(article.date.date() for article in dated)  # type: ignore[union-attr]
    that_day = [article for article in dated if article.date.date() == first_day]  # type: ignore[union-attr]
    timed = [article for article in that_day if article.has_time]
    if not timed:
        return that_day
    minute = min(_minute(article) for article in timed)
    return [article for article in timed if _minute(article) == minute]


def _minute(article: Article) -> datetime:
    return article.date.replace(second=0, microsecond=0)  # type: ignore[union-attr]


def time_after(first: Article | None, article: Article) -> str:
    """How long after the first report ``article`` came: "+3 h", "+2 d" (in days where either has no time)."""
    if first is None or first.date is None or article.date is None or article.date <= first.date:
        return ""
    if not (first.has_time and article.has_time):
        days = (article.date.date() - first.date.date()).days
        return f"+{days} d" if days > 0 else ""
    hours = (article.date - first.date).total_seconds() / 3600
    return f"+{hours:.0f} h" if hours < 48 else f"+{hours / 24:.0f} d"


def reprint_trees(members: Sequence[Article], pairs: Sequence[ReusePair]) -> list[dict[str, object]]:
    """The story's reprint groups as trees: each copy hangs under the latest of the originals it was found
    to copy (C copied B and A, B copied A: A → B → C). Roots are originals that copy nothing here."""
    by_id = {article.id: article for article in members}
    parent: dict[str, str] = {}
    for pair in pairs:
        if pair.a not in by_id or pair.b not in by_id or (found := copier_and_original(pair, by_id)) is None:
            continue
        copy, original = found
        current = parent.get(copy.id)
        if current is None or time_order(by_id[current]) < time_order(original):
            parent[copy.id] = original.id
    children: dict[str, list[str]] = {}
    for copy_id, original_id in parent.items():
        children.setdefault(original_id, []).append(copy_id)

    def node(article_id: str, seen: frozenset[str]) -> dict[str, object]:
        below = sorted(children.get(article_id, []), key=lambda key: time_order(by_id[key]))
        return {
            "article": by_id[article_id],
            "copies": [node(child, seen | {article_id}) for child in below if child not in seen],
        }

    roots = sorted({original for original in children if original not in parent}, key=lambda a: time_order(by_id[a]))
    return [node(root, frozenset()) for root in roots]


def shared_passages(snapshot: Snapshot, pairs: Sequence[ReusePair]) -> list[dict[str, object]]:
    """Each pair's two texts side by side, cut into shared, edited, furniture and own pieces."""
    texts = {i: snapshot.articles[i].text for pair in pairs for i in (pair.a, pair.b)}
    passages = []
    for pair in with_copy_edits(pairs, texts):
        a, b = snapshot.articles[pair.a], snapshot.articles[pair.b]
        passages.append(
            {
                "pair": pair,
                "a": a,
                "b": b,
                "original": snapshot.articles.get(pair.original) if pair.original else None,
                "a_pieces": highlighted(a.text, pair.a_spans, a.furniture_spans, pair.a_edits or ()),
                "b_pieces": highlighted(b.text, pair.b_spans, b.furniture_spans, pair.b_edits or ()),
            }
        )
    return passages
