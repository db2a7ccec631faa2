import itertools
import sqlite3
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clustering.ingest.clean import CLEANING_VERSION, clean_article
from clustering.records import Article, FinishedRun, LineageEvent, Story
from clustering.storage.run_rows import consecutive_spans
from clustering.storage.store import StaleStoreError, StoryStore, split_new


def _story(story_id: str, members: tuple[str, ...]) -> Story:
    day = datetime(2020, 1, 2, tzinfo=UTC)
    return Story(story_id, "Headline", "Summary.", ("quake",), members, members[0], ("Wire",), day, day)


def test_store_keeps_articles_stories_and_lineage_across_reopening(tmp_path):
    path = tmp_path / "store.sqlite"
    store = StoryStore(path)
    first = Article(id="a", text="Text a", title="A", published=datetime(2020, 1, 2, tzinfo=UTC), origin="in.jsonl:1")
    assert store.add_articles([first]) == {"a"} and set(store.pending()) == {"a"}
    run = store.save_run(FinishedRun([_story("st-a", ("a",))], [LineageEvent("st-a", "new")], {"in": 1}))
    assert run == 1 and not store.pending()
    store.close()

    reopened = StoryStore(path)
    assert reopened.articles() == [first]
    assert reopened.stories() == {"st-a": _story("st-a", ("a",))}
    second = Article(id="b", text="Text b")
    events = [LineageEvent("st-a", "grew"), LineageEvent("st-a", "merged", "st-z")]
    assert reopened.add_articles([second, first]) == {"b"}  # a stored id is not added again
    assert reopened.save_run(FinishedRun([_story("st-a", ("a", "b"))], events, {"in": 1})) == 2
    assert [a.id for a in reopened.articles()] == ["a", "b"]
    used = reopened.used_story_ids()
    assert "st-a" in used and "st-z" in used and "st-b" not in used
    assert reopened.lineage()[-1] == {"run": 2, "story_id": "st-a", "kind": "merged", "other": "st-z"}


def test_split_new_skips_known_articles_and_rejects_changed_ones(tmp_path):
    store = StoryStore(tmp_path / "store.sqlite")
    store.add_articles([Article(id="a", text="same"), Article(id="b", text='old "quoted" text, é')])
    assert store.texts_of(["a", "b", "c"]) == {"a": "same", "b": 'old "quoted" text, é'}
    incoming = [Article(id="a", text="same"), Article(id="b", text="new"), Article(id="c", text="fresh")]
    new, rejects, known = split_new(store.texts_of(article.id for article in incoming), incoming)
    assert [a.id for a in new] == ["c"] and known == ["a"]
    assert rejects[0].id == "b" and "already stored with a different text" in rejects[0].reason


PAGE = "Share this\n\nMOSUL, Iraq, Nov 3, 2017 (Reuters) - Iraqi forces advanced on the old city.\n\n2 comments\nGreat!"


def test_store_keeps_what_cleaning_found_and_redoes_a_stale_or_missing_cleaning(tmp_path):
    path = tmp_path / "store.sqlite"
    raw = Article(id="a", text=PAGE, published=datetime(2017, 11, 3, tzinfo=UTC))
    cleaned = clean_article(raw)
    store = StoryStore(path, CLEANING_VERSION)
    store.add_articles([cleaned, Article(id="b", text="Not cleaned yet.")])
    assert store.articles() == [cleaned, Article(id="b", text="Not cleaned yet.")]
    store.save_run(FinishedRun([], cleanings=[clean_article(Article(id="b", text="Not cleaned yet."))]))
    assert store.articles()[1].body == "Not cleaned yet."
    store.close()

    # The rules changed: what older rules found is not given back.
    assert StoryStore(path, CLEANING_VERSION + 1).articles() == [raw, Article(id="b", text="Not cleaned yet.")]


def test_a_store_from_before_migrations_is_brought_up_to_date_keeping_its_rows(tmp_path):
    path = tmp_path / "store.sqlite"
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE articles (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,"
        " record TEXT NOT NULL, run INTEGER NOT NULL);"
        "CREATE TABLE lineage (run INTEGER NOT NULL, story_id TEXT NOT NULL, kind TEXT NOT NULL, other TEXT);"
        "CREATE TABLE pairs (a TEXT NOT NULL, b TEXT NOT NULL, pair TEXT NOT NULL);"
    )
    raw = Article(id="a", text=PAGE)
    connection.execute("INSERT INTO articles (id, record, run) VALUES (?, ?, 1)", ("a", raw.to_json()))
    kinds = ["new", "grew", "merged", "split"]
    connection.executemany("INSERT INTO lineage VALUES (1, ?, ?, NULL)", [(f"st-{kind}", kind) for kind in kinds])
    connection.commit()
    connection.close()
    # A reader never changes a store: it says what to do.
    with pytest.raises(StaleStoreError, match="brings it up to date"):
        StoryStore(path, CLEANING_VERSION, read_only=True)
    store = StoryStore(path, CLEANING_VERSION)
    assert store.articles() == [raw]  # from before cleanings were kept: cleaned again
    assert [event["kind"] for event in store.lineage()] == kinds
    store.save_run(FinishedRun([], cleanings=[clean_article(raw)]))
    assert store.articles() == [clean_article(raw)]
    store.close()
    assert StoryStore(path, CLEANING_VERSION, read_only=True).articles() == [clean_article(raw)]


def test_the_articles_assigned_since_the_last_run_that_clustered_again_are_known_in_a_store_from_before(tmp_path):
    path = tmp_path / "store.sqlite"
    store = StoryStore(path, CLEANING_VERSION)
    for article_id, reclustered in (("a", True), ("b", False), ("c", False)):
        store.add_articles([Article(id=article_id, text="Iraqi forces advanced on the old city.")])
        store.save_run(FinishedRun([], report={"reclustered": reclustered}))
    assert store.assigned_since_reclustering() == {"b", "c"}
    store.close()
    # The same store as Storyline left it before runs said which clustered again in a column of their own.
    connection = sqlite3.connect(path)
    connection.executescript(
        "ALTER TABLE runs DROP COLUMN reclustered; UPDATE alembic_version SET version_num = '0005';"
    )
    connection.close()
    store = StoryStore(path, CLEANING_VERSION)
    assert store.assigned_since_reclustering() == {"b", "c"}  # read from the runs' reports
    store.add_articles([Article(id="d", text="Iraqi forces took the bridge.")])
    assert store.assigned_since_reclustering() == {"b", "c"}  # a pending article is new, not assigned
    store.save_run(FinishedRun([], report={"reclustered": True}))
    assert store.assigned_since_reclustering() == set()
    store.close()


@given(st.sets(st.integers(min_value=1, max_value=60)))
def test_spans_cover_exactly_the_numbers_given(numbers):
    spans = consecutive_spans(numbers)
    assert {number for low, high in spans for number in range(low, high + 1)} == numbers
    assert all(high + 1 < low for (_, high), (low, _) in itertools.pairwise(spans))  # maximal runs
