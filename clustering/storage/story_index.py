"""What a story is looked up and listed by, beside its JSON: its dates, size, thread and the words a search
looks in (columns of ``stories``), and its articles (with the article each reprints, and its date: the
day counts of timelines), outlets, languages and events (tables of their own). Written with the stories
by every run, for the working stories; archived ones keep theirs. The dashboard reads one page of stories
by these, never the whole store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, text

from clustering.records import Article, Story
from clustering.storage.database import chunked, execute_many

# Stories indexed together, their articles read at once.
_STORIES_PER_BATCH = 2_000
# Tables holding a row per story and one of its articles, outlets, languages or events.
STORY_TABLES = ("story_articles", "story_outlets", "story_languages", "story_events")


def sortable_time(moment: datetime | None) -> str | None:
    """``moment`` as stored for ordering and comparing: UTC, one fixed width, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if moment else None


def search_words(story: Story, headlines: Sequence[str]) -> str:
    """What a search of the list looks in, in lower case: the story's headline, summary and keywords and
    its articles' headlines."""
    return " ".join([story.headline, story.summary, " ".join(story.keywords), *headlines]).lower()


def _articles(connection: Connection, ids: Sequence[str]) -> dict[str, Article]:
    query = text("SELECT record, cleaning FROM articles WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
    found: dict[str, Article] = {}
    for chunk in chunked(list(dict.fromkeys(ids))):
        for record, cleaning in connection.execute(query, {"ids": chunk}):
            article = Article.from_json(record, cleaning)
            found[article.id] = article
    return found


def index_stories(
    connection: Connection,
    stories: Sequence[Story],
    duplicate_of: Mapping[str, str],
    known: Mapping[str, Article] | None = None,
) -> None:
    """Write what ``stories`` (stored already, their old index rows gone) are listed and looked up by;
    ``duplicate_of``: the article each reprint copies, as the run grouped them; ``known``: articles at
    hand (a run's), the others read back from the store. A batch of stories at a time."""
    known = known or {}
    for start in range(0, len(stories), _STORIES_PER_BATCH):
        batch = stories[start : start + _STORIES_PER_BATCH]
        members = [member for story in batch for member in story.article_ids]
        articles = _articles(connection, [key for key in members if key not in known])
        articles.update((key, known[key]) for key in members if key in known)
        _index_batch(connection, batch, duplicate_of, articles)


def _listed_by(story: Story, articles: Mapping[str, Article]) -> dict[str, object]:
    """The columns of ``stories`` a story is listed by."""
    return {
        "story_id": story.story_id,
        "first": sortable_time(story.first_published),
        "last": sortable_time(story.last_published),
        "size": len(story.article_ids),
        "thread": story.thread_id or None,
        "words": search_words(story, [articles[key].headline for key in story.article_ids if key in articles]),
    }


def _index_batch(
    connection: Connection, stories: Sequence[Story], duplicate_of: Mapping[str, str], articles: Mapping[str, Article]
) -> None:
    execute_many(
        connection,
        "UPDATE stories SET first_published = :first, last_published = :last, size = :size, thread_id = :thread,"
        " words = :words WHERE story_id = :story_id",
        [_listed_by(story, articles) for story in stories],
    )
    execute_many(
        connection,
        "INSERT INTO story_articles (article_id, story_id, duplicate_of, published)"
        " VALUES (:article_id, :story_id, :original, :published)",
        [
            {
                "article_id": member,
                "story_id": story.story_id,
                "original": duplicate_of.get(member),
                "published": sortable_time(articles[member].date) if member in articles else None,
            }
            for story in stories
            for member in story.article_ids
        ],
    )
    execute_many(
        connection,
        "INSERT INTO story_outlets (story_id, outlet) VALUES (:story_id, :outlet)",
        [
            {"story_id": story.story_id, "outlet": outlet}
            for story in stories
            for outlet in dict.fromkeys(story.sources)
        ],
    )
    languages = [
        (story.story_id, Counter(articles[i].language for i in story.article_ids if i in articles)) for story in stories
    ]
    execute_many(
        connection,
        "INSERT INTO story_languages (story_id, language, articles) VALUES (:story_id, :language, :articles)",
        [
            {"story_id": story_id, "language": language, "articles": count}
            for story_id, counts in languages
            for language, count in counts.items()
            if language
        ],
    )
    execute_many(
        connection,
        "INSERT INTO story_events (event_id, story_id) VALUES (:event_id, :story_id)",
        [{"event_id": event.event_id, "story_id": story.story_id} for story in stories for event in story.events],
    )


def forget_working_stories(connection: Connection) -> None:
    """Drop the index rows of the working stories, which a run is about to replace."""
    for table in STORY_TABLES:
        connection.execute(
            text(f"DELETE FROM {table} WHERE story_id IN (SELECT story_id FROM stories WHERE archived = 0)")
        )
