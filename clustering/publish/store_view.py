"""What the dashboard's pages and API read: the store a page at a time, the list's query, and what a story
page shows (its reprint trees, shared passages, nearest stories). Plain functions of the store's view, no
web framework: the routes in ``dashboard`` and ``api`` only call them."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cached_property
from urllib.parse import urlencode

from clustering.ingest.clean import ensure_cleaned
from clustering.records import Article, ReusePair, Story
from clustering.reuse.edits import with_copy_edits
from clustering.reuse.pairs import copier_and_original
from clustering.storage.store import StoryStore
from clustering.storage.story_pages import ListFilter, StoryPages

PER_PAGE = 25
MAX_PER_PAGE = 200
# Far past any store's last page, and small enough that the row offset it makes fits the database's integers.
MAX_PAGE = 10**9
# A search's characters, at most: each word is a condition of the query, and SQLite's expressions nest 1,000
# deep at most (6,000 words made a 500).
MAX_SEARCH = 500


class StoreView:
    """The store as the dashboard reads it: a page of stories, or one story with what it shows, by a query
    each (``storage.story_pages``), never the whole store; what every page shows (how many stories, the
    outlets and languages to filter by, the last run's report) read once per change of the store."""

    def __init__(self, store: StoryStore) -> None:
        self.pages = StoryPages(store)
        self.total = self.pages.count()
        self.outlets = self.pages.outlets()
        self.languages = self.pages.languages()
        self.report = store.last_report()

    def story(self, story_id: str) -> Story | None:
        return self.pages.story(story_id)

    @cached_property
    def mapped(self) -> tuple[list[Story], dict[str, tuple[float, float]]]:
        """The working stories and their places on the map: they change only with a run, so they are read
        once per change of the store."""
        return self.pages.mapped_stories()

    def related_stories(self, story: Story) -> list[Story]:
        """The stories related to ``story`` (``stories.related``: close in meaning, naming what it names),
        nearest first, as the last run found them."""
        related = self.pages.related(story.story_id)
        found = self.pages.stories(related)
        return [found[other] for other in related if other in found]

    def thread(self, story: Story) -> list[Story]:
        return self.pages.thread(story.thread_id) if story.thread_id else []

    def story_articles(self, story: Story) -> StoryArticles:
        """``story``'s articles, the reuse pairs they take part in, and the articles on the other side."""
        pairs = self.pages.pairs_touching(story.article_ids)
        reached = [key for pair in pairs for key in (pair.a, pair.b)]  # a pair's original is one of the two
        articles = self.pages.articles([*story.article_ids, *reached])
        cleaned = {key: ensure_cleaned(article) for key, article in articles.items()}
        return StoryArticles(story, cleaned, pairs, self.pages.duplicate_of(story.article_ids))


@dataclass(frozen=True, slots=True)
class StoryArticles:
    """One story's articles (cleaned), with the articles its reuse pairs reach, the pairs, and the article
    each of its reprints copies."""

    story: Story
    articles: dict[str, Article]
    pairs: list[ReusePair]
    duplicate_of: dict[str, str]

    def in_time_order(self) -> list[Article]:
        """The story's articles, oldest first (undated ones last)."""
        members = (self.articles[key] for key in self.story.article_ids if key in self.articles)
        return sorted(members, key=time_order)


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

    def select(self, view: StoreView) -> tuple[list[Story], int]:
        """This page's stories, and how many match in all."""
        words = tuple(dict.fromkeys(self.q.lower().split()))
        shown = ListFilter(words, self.outlet, self.language, self.thread, self.since, self.until)
        return view.pages.page(shown, self.sort, (self.page - 1) * self.per_page, self.per_page)

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


def shared_passages(articles: Mapping[str, Article], pairs: Sequence[ReusePair]) -> list[dict[str, object]]:
    """Each pair's two texts side by side, cut into shared, edited, furniture and own pieces."""
    texts = {i: articles[i].text for pair in pairs for i in (pair.a, pair.b)}
    passages = []
    for pair in with_copy_edits(pairs, texts):
        a, b = articles[pair.a], articles[pair.b]
        passages.append(
            {
                "pair": pair,
                "a": a,
                "b": b,
                "original": articles.get(pair.original) if pair.original else None,
                "a_pieces": highlighted(a.text, pair.a_spans, a.furniture_spans, pair.a_edits or ()),
                "b_pieces": highlighted(b.text, pair.b_spans, b.furniture_spans, pair.b_edits or ()),
            }
        )
    return passages
