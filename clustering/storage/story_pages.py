"""The store read a page at a time, as the dashboard reads it: a page of the story list by its filters and
sort, one story with its articles, pairs, lineage and thread, the outlets and languages to filter by. Each
is a query by the index ``story_index`` keeps, so a request costs what it shows, not what the store holds
(archived stories included: what runs no longer read is still there to browse)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from clustering.records import Article, ReusePair, Story
from clustering.storage.database import chunked
from clustering.storage.record_json import reuse_pair_from_json, story_from_json
from clustering.storage.store import StoryStore

# How the list can be sorted: the most recent first (then by id, the newest first), or the largest.
_ORDER = {
    "recent": "last_published IS NULL, last_published DESC, story_id DESC",
    "size": "size DESC, story_id",
}


def _like(word: str) -> str:
    """A ``LIKE`` pattern finding ``word`` anywhere, its own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class ListFilter:
    """Which stories the list shows: each of ``words`` in its texts (lower case), an outlet and a language
    among its articles', its thread, still running on ``since``, begun by ``until``."""

    words: tuple[str, ...] = ()
    outlet: str = ""
    language: str = ""
    thread: str = ""
    since: date | None = None
    until: date | None = None

    def where(self) -> tuple[str, dict[str, object]]:
        """The SQL condition on ``stories`` and its parameters."""
        conditions, parameters = ["1 = 1"], {}
        if self.outlet:
            conditions.append("story_id IN (SELECT story_id FROM story_outlets WHERE outlet = :outlet)")
            parameters["outlet"] = self.outlet
        if self.language:
            conditions.append("story_id IN (SELECT story_id FROM story_languages WHERE language = :language)")
            parameters["language"] = self.language
        if self.thread:
            conditions.append("thread_id = :thread")
            parameters["thread"] = self.thread
        if self.since:
            conditions.append("last_published >= :since")
            parameters["since"] = self.since.isoformat()
        if self.until:
            conditions.append("first_published < :after")
            parameters["after"] = (self.until + timedelta(days=1)).isoformat()
        for number, word in enumerate(self.words):
            conditions.append(f"words LIKE :word{number} ESCAPE '\\'")
            parameters[f"word{number}"] = _like(word)
        return " AND ".join(conditions), parameters


class StoryPages:
    """Queries of one store for the dashboard's pages and API."""

    def __init__(self, store: StoryStore) -> None:
        self.store = store

    def page(self, shown: ListFilter, sort: str, offset: int, limit: int) -> tuple[list[Story], int]:
        """The stories ``shown`` selects, sorted (``recent`` or ``size``), from ``offset``; and how many it
        selects in all."""
        where, parameters = shown.where()
        rows = self.store.rows(
            f"SELECT story FROM stories WHERE {where} ORDER BY {_ORDER[sort]} LIMIT :limit OFFSET :offset",
            **parameters,
            limit=limit,
            offset=offset,
        )
        (total,) = self.store.rows(f"SELECT COUNT(*) FROM stories WHERE {where}", **parameters)[0]
        return [story_from_json(story) for (story,) in rows], total

    def count(self) -> int:
        return self.store.rows("SELECT COUNT(*) FROM stories")[0][0]

    def outlets(self) -> list[str]:
        return [outlet for (outlet,) in self.store.rows("SELECT DISTINCT outlet FROM story_outlets ORDER BY 1")]

    def languages(self) -> list[str]:
        return [code for (code,) in self.store.rows("SELECT DISTINCT language FROM story_languages ORDER BY 1")]

    def story(self, story_id: str) -> Story | None:
        rows = self.store.rows("SELECT story FROM stories WHERE story_id = :id", id=story_id)
        return story_from_json(rows[0][0]) if rows else None

    def stories(self, story_ids: Sequence[str]) -> dict[str, Story]:
        """The stories of ``story_ids`` that are stored, by id."""
        found = {}
        for chunk in chunked(list(dict.fromkeys(story_ids))):
            rows = self.store.rows("SELECT story_id, story FROM stories WHERE story_id IN :ids", ids=chunk)
            found.update((story_id, story_from_json(story)) for story_id, story in rows)
        return found

    def story_languages(self, story_ids: Sequence[str]) -> dict[str, list[str]]:
        """Each story's languages, the most articles first (then by code)."""
        found: dict[str, list[str]] = defaultdict(list)
        for chunk in chunked(list(story_ids)):
            for story_id, language in self.store.rows(
                "SELECT story_id, language FROM story_languages WHERE story_id IN :ids"
                " ORDER BY story_id, articles DESC, language",
                ids=chunk,
            ):
                found[story_id].append(language)
        return found

    def thread(self, thread_id: str) -> list[Story]:
        """The stories of a thread, oldest first (an undated one last)."""
        rows = self.store.rows(
            "SELECT story FROM stories WHERE thread_id = :thread"
            " ORDER BY first_published IS NULL, first_published, story_id",
            thread=thread_id,
        )
        return [story_from_json(story) for (story,) in rows]

    def thread_sizes(self, thread_ids: Sequence[str]) -> dict[str, int]:
        wanted = [thread_id for thread_id in dict.fromkeys(thread_ids) if thread_id]
        found: dict[str, int] = {}
        for chunk in chunked(wanted):
            rows = self.store.rows(
                "SELECT thread_id, COUNT(*) FROM stories WHERE thread_id IN :ids GROUP BY thread_id", ids=chunk
            )
            found.update((thread_id, count) for thread_id, count in rows)
        return found

    def articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """The stored articles of ``article_ids``, with their cleaning when the current rules made it."""
        found: dict[str, Article] = {}
        for chunk in chunked(list(dict.fromkeys(article_ids))):
            rows = self.store.rows("SELECT record, cleaning, cleaner FROM articles WHERE id IN :ids", ids=chunk)
            for record, cleaning, cleaner in rows:
                article = Article.from_json(record, cleaning if cleaner == self.store.cleaning_version else None)
                found[article.id] = article
        return found

    def pairs_touching(self, article_ids: Sequence[str]) -> list[ReusePair]:
        """The reuse pairs with one of ``article_ids`` on either side, in the order they were stored."""
        found: dict[int, ReusePair] = {}
        for chunk in chunked(list(dict.fromkeys(article_ids))):
            rows = self.store.rows("SELECT id, pair FROM pairs WHERE a IN :ids OR b IN :ids", ids=chunk)
            found.update((key, reuse_pair_from_json(pair)) for key, pair in rows)
        return [found[key] for key in sorted(found)]

    def duplicate_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """The article each reprint among ``article_ids`` copies, as its run grouped them."""
        found: dict[str, str] = {}
        for chunk in chunked(list(dict.fromkeys(article_ids))):
            rows = self.store.rows(
                "SELECT article_id, duplicate_of FROM story_articles WHERE article_id IN :ids"
                " AND duplicate_of IS NOT NULL",
                ids=chunk,
            )
            found.update(rows)
        return found

    def story_of_article(self, article_id: str) -> Story | None:
        rows = self.store.rows(
            "SELECT s.story FROM story_articles m JOIN stories s ON s.story_id = m.story_id WHERE m.article_id = :id",
            id=article_id,
        )
        return story_from_json(rows[0][0]) if rows else None

    def story_of_event(self, event_id: str) -> Story | None:
        rows = self.store.rows(
            "SELECT s.story FROM story_events e JOIN stories s ON s.story_id = e.story_id WHERE e.event_id = :id",
            id=event_id,
        )
        return story_from_json(rows[0][0]) if rows else None

    def lineage_of(self, story_id: str) -> list[dict[str, object]]:
        """What happened to a story, and to the stories it took in or from, run by run."""
        rows = self.store.rows(
            "SELECT run, story_id, kind, other FROM lineage WHERE story_id = :id OR other = :id ORDER BY id",
            id=story_id,
        )
        return [{"run": run, "story_id": key, "kind": kind, "other": other} for run, key, kind, other in rows]

    def related(self, story_id: str) -> list[str]:
        """The stories the last run related to ``story_id``, nearest first."""
        rows = self.store.rows("SELECT other FROM related WHERE story_id = :id ORDER BY rank", id=story_id)
        return [other for (other,) in rows]

    def article_days(self, story_ids: Sequence[str]) -> dict[str, Counter[date]]:
        """Each story's dated articles counted by day (UTC): what a timeline of many stories draws."""
        found: dict[str, Counter[date]] = defaultdict(Counter)
        for chunk in chunked(list(dict.fromkeys(story_ids))):
            for story_id, day, count in self.store.rows(
                "SELECT story_id, substr(published, 1, 10), COUNT(*) FROM story_articles"
                " WHERE story_id IN :ids AND published IS NOT NULL GROUP BY story_id, substr(published, 1, 10)",
                ids=chunk,
            ):
                found[story_id][date.fromisoformat(day)] += count
        return found

    def mapped_stories(self) -> tuple[list[Story], dict[str, tuple[float, float]]]:
        """The working stories with their places on the map (archived ones keep none)."""
        rows = self.store.rows(
            "SELECT s.story, p.x, p.y FROM positions p JOIN stories s ON s.story_id = p.story_id ORDER BY s.story_id"
        )
        stories = [story_from_json(story) for story, _, _ in rows]
        return stories, {story.story_id: (x, y) for story, (_, x, y) in zip(stories, rows, strict=True)}

    def working_pairs(self) -> list[ReusePair]:
        """The working set's reuse pairs (what the last run found)."""
        return [reuse_pair_from_json(pair) for (pair,) in self.store.rows("SELECT pair FROM pairs WHERE archived = 0")]
