"""The dashboard reads the store a page at a time: the list's filters and sorts as SQL agree with the same
filters over every story, no page reads the whole store, and a store from before the index is indexed."""

import sqlite3
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering.ingest.clean import CLEANING_VERSION, clean_article
from clustering.publish.dashboard import create_app
from clustering.publish.store_view import StoreView, StoryQuery
from clustering.records import Article, FinishedRun, LineageEvent, Story, StoryEvent
from clustering.storage.store import StoryStore

OUTLETS = ("Valley Times", "Harbour Post", "Wire 100%", "Daily_Courier")
TOPICS = ("port strike", "bridge collapse", "quake_relief", "election 50%")
LANGUAGES = {
    "en": "The port strike went on for a second week, officials said on Tuesday.",
    "de": "Der Streik im Hafen ging am Dienstag in die zweite Woche, sagten die Behörden.",
}
START = datetime(2018, 2, 1, 9, 30, tzinfo=UTC)


def _story(number: int, articles: list[Article]) -> Story:
    dates = [article.published for article in articles if article.published]
    events = (StoryEvent(f"ev-{number}", articles[0].title or "", tuple(a.id for a in articles), None, None),)
    return Story(
        story_id=f"st-{number:03d}",
        headline=f"Story {number} on the {TOPICS[number % len(TOPICS)]}",
        summary=f"What happened in story {number}.",
        keywords=(TOPICS[number % len(TOPICS)],),
        article_ids=tuple(article.id for article in articles),
        representative_id=articles[0].id,
        sources=tuple(dict.fromkeys(article.source or "" for article in articles)),
        first_published=min(dates, default=None),
        last_published=max(dates, default=None),
        thread_id=f"th-{number % 5}" if number % 3 else "",
        events=events,
    )


def _build(folder: Path, count: int = 48) -> list[Story]:
    """``count`` stories of 1-4 articles each, over outlets, languages and two months; a fifth undated; the
    first half archived by a second run."""
    store = StoryStore(folder / "store.sqlite", CLEANING_VERSION)
    stories = []
    for number in range(count):
        articles = [
            clean_article(
                Article(
                    id=f"a-{number}-{member}",
                    title=f"Report {member} of story {number}",
                    text=LANGUAGES["de" if (number + member) % 4 == 0 else "en"],
                    source=OUTLETS[(number + member) % len(OUTLETS)],
                    published=None if number % 5 == 0 else START + timedelta(days=number, hours=member * 7),
                )
            )
            for member in range(1 + number % 4)
        ]
        store.add_articles(articles)
        stories.append(_story(number, articles))
    store.save_run(FinishedRun(stories, [LineageEvent(story.story_id, "new") for story in stories]))
    store.save_run(FinishedRun(stories[count // 2 :], archive=stories[: count // 2]))
    store.close()
    return stories


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[Story]]:
    folder = tmp_path_factory.mktemp("paged")
    return folder, _build(folder)


def _expected(query: StoryQuery, stories: list[Story], languages: dict[str, set[str]]) -> tuple[list[str], int]:
    """The list's filters and sort over every story, as the dashboard applied them in memory before."""

    def matches(story: Story) -> bool:
        words = " ".join([story.headline, story.summary, *story.keywords, *languages["titles " + story.story_id]])
        return (
            (not query.outlet or query.outlet in story.sources)
            and (not query.language or query.language in languages[story.story_id])
            and (not query.thread or story.thread_id == query.thread)
            and (not query.since or (story.last_published is not None and story.last_published.date() >= query.since))
            and (not query.until or (story.first_published is not None and story.first_published.date() <= query.until))
            and all(word in words.lower() for word in query.q.lower().split())
        )

    shown = [story for story in stories if matches(story)]
    if query.sort == "size":
        shown.sort(key=lambda story: (-len(story.article_ids), story.story_id))
    else:
        shown.sort(key=lambda s: (s.last_published.timestamp() if s.last_published else -1e18, s.story_id))
        shown.reverse()
    start = (query.page - 1) * query.per_page
    return [story.story_id for story in shown[start : start + query.per_page]], len(shown)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.sampled_from(["", "port", "STRIKE port", "report 2", "50%", "_", "quake_relief", "nothing"]),
    outlet=st.sampled_from(["", *OUTLETS, "Nobody"]),
    language=st.sampled_from(["", "en", "de", "fr"]),
    thread=st.sampled_from(["", "th-1", "th-4"]),
    since=st.one_of(st.none(), st.dates(date(2018, 1, 25), date(2018, 4, 1))),
    until=st.one_of(st.none(), st.dates(date(2018, 1, 25), date(2018, 4, 1))),
    sort=st.sampled_from(["recent", "size"]),
    page=st.integers(1, 4),
    per_page=st.sampled_from([5, 25]),
)
def test_a_page_of_the_list_is_the_page_the_filters_give_over_every_story(
    built, q, outlet, language, thread, since, until, sort, page, per_page
):
    folder, stories = built
    store = StoryStore(folder / "store.sqlite", CLEANING_VERSION, read_only=True)
    view = StoreView(store)
    articles = view.pages.articles([member for story in stories for member in story.article_ids])
    facts: dict[str, set[str]] = {}
    for story in stories:
        facts[story.story_id] = {articles[member].language for member in story.article_ids}
        facts["titles " + story.story_id] = {articles[member].headline for member in story.article_ids}
    query = StoryQuery(q, outlet, language, thread, since, until, sort, page, per_page)
    shown, matching = query.select(view)
    assert ([story.story_id for story in shown], matching) == _expected(query, stories, facts)
    store.close()


def test_no_page_reads_the_whole_store(built, monkeypatch):
    folder, stories = built

    def whole_store(*_: object, **__: object) -> None:
        raise AssertionError("a page read every story or article of the store")

    monkeypatch.setattr(StoryStore, "stories", whole_store)
    monkeypatch.setattr(StoryStore, "articles", whole_store)
    monkeypatch.setattr(StoryStore, "pairs", whole_store)
    client = TestClient(create_app(folder), base_url="http://localhost")
    archived, working = stories[0], stories[-1]
    assert client.get("/").status_code == 200 and "48 of 48 stories" in client.get("/").text
    for story in (archived, working):
        assert story.headline in client.get(f"/story/{story.story_id}").text
        detail = client.get(f"/api/stories/{story.story_id}").json()
        assert sorted(article["id"] for article in detail["article_list"]) == sorted(story.article_ids)
        member = client.get(f"/api/articles/{story.article_ids[0]}").json()
        assert (member["story_id"], member["event_id"]) == (story.story_id, f"ev-{int(story.story_id[3:])}")
        assert client.get(f"/api/events/{story.events[0].event_id}").json()["story_id"] == story.story_id
    assert client.get("/api/stories", params={"outlet": "Harbour Post", "per_page": 200}).json()["total"] == sum(
        "Harbour Post" in story.sources for story in stories
    )
    assert client.get("/healthz").json() == {"stories": 48}
    for page in ("/map", "/outlets"):
        assert client.get(page).status_code == 200
    # Timelines of many stories count each one's dated articles by day, in the store.
    view = StoreView(StoryStore(folder / "store.sqlite", CLEANING_VERSION, read_only=True))
    days = view.pages.article_days([story.story_id for story in stories])
    for story in stories:
        dated = [
            START + timedelta(days=int(story.story_id[3:]), hours=7 * member)
            for member in range(len(story.article_ids))
        ]
        expected = Counter(moment.date() for moment in dated) if story.first_published else Counter()
        assert days.get(story.story_id, Counter()) == expected


def test_a_store_from_before_the_index_is_indexed_when_a_run_opens_it(tmp_path):
    stories = _build(tmp_path, count=12)
    connection = sqlite3.connect(tmp_path / "store.sqlite")
    with connection:  # the store as schema 0004 left it
        for table in ("story_articles", "story_outlets", "story_languages", "story_events"):
            connection.execute(f"DROP TABLE {table}")
        for name in ("first_published", "last_published", "size", "thread_id", "words"):
            for index in [row[1] for row in connection.execute("PRAGMA index_list(stories)")]:
                if index.startswith("stories_by_") and index != "stories_by_archive":
                    connection.execute(f"DROP INDEX IF EXISTS {index}")
            connection.execute(f"ALTER TABLE stories DROP COLUMN {name}")
        connection.execute("ALTER TABLE runs DROP COLUMN reclustered")  # migration 0006's
        connection.execute("UPDATE alembic_version SET version_num = '0004'")
    connection.close()
    with pytest.raises(Exception, match="a run over it"):
        StoryStore(tmp_path / "store.sqlite", CLEANING_VERSION, read_only=True)
    StoryStore(tmp_path / "store.sqlite", CLEANING_VERSION).close()  # what a run does first: migrate
    view = StoreView(StoryStore(tmp_path / "store.sqlite", CLEANING_VERSION, read_only=True))
    shown, matching = StoryQuery(sort="size", per_page=50).select(view)
    assert matching == 12 and [len(story.article_ids) for story in shown] == sorted(
        (len(story.article_ids) for story in stories), reverse=True
    )
    assert set(view.languages) == {"en", "de"} and set(view.outlets) == set(OUTLETS)
