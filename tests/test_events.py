"""Events inside stories: a story reported for months holds the days-long events it is made of, each under
an id that stays as the story grows."""

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clustering.config import Config
from clustering.records import Article, DedupResult, Story
from clustering.storage.record_json import story_from_json, story_to_json
from clustering.stories.clusterer import StoryClusterer
from clustering.stories.events import EventSplitter, story_events
from clustering.stories.summarize import story_id

DIMENSIONS = 64
START = datetime(2024, 1, 1, tzinfo=UTC)


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _running_story(rng: np.random.Generator, bursts: int, size: int) -> tuple[np.ndarray, list[datetime], list[int]]:
    """One story's articles in ``bursts`` events two weeks apart, ``size`` each over two days: every event
    near the story's centre, each one's articles nearer their own."""
    centre = _unit(rng.normal(size=DIMENSIONS))
    vectors, dates, gold = [], [], []
    for burst in range(bursts):
        own = _unit(centre + 0.4 * _unit(rng.normal(size=DIMENSIONS)))
        for _ in range(size):
            vectors.append(_unit(own + 0.5 * _unit(rng.normal(size=DIMENSIONS))))
            dates.append(START + timedelta(days=14 * burst + 2 * float(rng.random())))
            gold.append(burst)
    return np.array(vectors, dtype=np.float32), dates, gold


def test_a_story_of_three_months_is_one_story_of_its_events():
    rng = np.random.default_rng(0)
    embeddings, dates, gold = _running_story(rng, bursts=7, size=40)
    for number in range(15):  # unrelated stories of a few days around it
        others, other_dates, _ = _running_story(rng, bursts=1, size=int(rng.integers(4, 10)))
        shift = timedelta(days=float(rng.integers(0, 90)))
        embeddings = np.vstack([embeddings, others])
        dates += [date + shift for date in other_dates]
        gold += [100 + number] * len(others)
    stories = StoryClusterer().fit_predict(embeddings, dates=dates)
    running = [row for row, label in enumerate(gold) if label < 100]
    assert len({stories[row] for row in running}) == 1  # 280 articles over 90 days: one story
    assert sum(1 for label in stories if label == stories[0]) == len(running)
    events = EventSplitter().fit(embeddings, stories, dates=dates).labels_
    pairs = {(gold[row], int(events[row])) for row in running}
    assert len(pairs) == 7 and len({event for _, event in pairs}) == 7  # each burst is one event of its own
    # It is time that makes them: with a window of years, the story is one event.
    timeless = EventSplitter(window_days=1000.0).fit(embeddings, stories, dates=dates).labels_
    assert len({int(timeless[row]) for row in running}) == 1


def test_articles_of_one_event_a_month_apart_in_content_alone_stay_one_event_when_undated():
    rng = np.random.default_rng(1)
    embeddings, _, gold = _running_story(rng, bursts=1, size=12)
    events = EventSplitter().fit(embeddings, [0] * len(gold)).labels_
    assert set(events) == {0}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=30), st.integers(0, 2**16))
def test_every_event_lies_inside_one_story_and_every_article_has_one(story_labels, seed):
    embeddings = _unit(np.random.default_rng(seed).normal(size=(len(story_labels), DIMENSIONS))).astype(np.float32)
    splitter = EventSplitter().fit(embeddings, story_labels)
    events = splitter.labels_
    assert (events >= 0).all() and splitter.n_events_ == len(set(events.tolist()))
    assert all(len({s for s, e in zip(story_labels, events, strict=True) if e == event}) == 1 for event in set(events))


def _articles(count: int, offset: int = 0) -> list[Article]:
    return [Article(f"a{offset + row:03d}", f"article {offset + row}") for row in range(count)]


def _stories_of(articles: list[Article], dates: list[datetime]) -> list[Story]:
    ordered = sorted(zip(dates, (a.id for a in articles), strict=True))
    ids = tuple(article_id for _, article_id in ordered)
    return [Story(story_id(ids[0]), "h", "s", (), ids, ids[0], (), ordered[0][0], ordered[-1][0])]


def test_event_ids_stay_as_the_story_grows_and_across_the_store():
    rng = np.random.default_rng(2)
    embeddings, dates, gold = _running_story(rng, bursts=3, size=10)
    articles = [Article(a.id, a.text, published=date) for a, date in zip(_articles(len(gold)), dates, strict=True)]
    first_two = [row for row, burst in enumerate(gold) if burst < 2]
    early = [articles[row] for row in first_two]
    before = story_events(
        _stories_of(early, [dates[row] for row in first_two]),
        early,
        embeddings[first_two],
        DedupResult([], {}),
        {},
        Config(),
    )
    assert len(before[0].events) == 2
    # Stored and read back, as the next run reads it.
    previous = {story.story_id: story_from_json(story_to_json(story)) for story in before}
    assert list(previous.values()) == before
    after = story_events(_stories_of(articles, dates), articles, embeddings, DedupResult([], {}), previous, Config())
    assert after[0].story_id == before[0].story_id
    kept = {event.event_id: set(event.article_ids) for event in before[0].events}
    grown = {event.event_id: set(event.article_ids) for event in after[0].events}
    assert len(grown) == 3 and all(grown[event] == members for event, members in kept.items())
    # Run again over the same articles, nothing changes.
    again = story_events(_stories_of(articles, dates), articles, embeddings, DedupResult([], {}), {}, Config())
    assert [e.event_id for e in again[0].events] == [e.event_id for e in after[0].events]


def test_a_reprint_is_in_its_originals_event():
    rng = np.random.default_rng(3)
    embeddings, dates, gold = _running_story(rng, bursts=2, size=5)
    articles = [Article(a.id, a.text, published=date) for a, date in zip(_articles(len(gold)), dates, strict=True)]
    # The last article reprints the first, word for word; its embedding says nothing of which event it is in.
    embeddings[-1] = _unit(rng.normal(size=DIMENSIONS))
    dedup = DedupResult([], {articles[-1].id: articles[0].id})
    story = story_events(_stories_of(articles, dates), articles, embeddings, dedup, {}, Config())[0]
    event_of = {member: event.event_id for event in story.events for member in event.article_ids}
    assert event_of[articles[-1].id] == event_of[articles[0].id]
    assert sorted(member for event in story.events for member in event.article_ids) == sorted(a.id for a in articles)


def test_an_events_headline_is_cleaned_as_a_storys():
    rng = np.random.default_rng(5)
    embeddings, dates, _ = _running_story(rng, bursts=1, size=2)
    titles = ["BREAKING NEWS: Cubs win the World Series", "Cubs win the World Series | Daily Mail Online"]
    articles = [
        Article(f"a{row}", "text", title=title, published=date, source="www.dailymail.co.uk")
        for row, (title, date) in enumerate(zip(titles, dates, strict=True))
    ]
    (story,) = story_events(_stories_of(articles, dates), articles, embeddings, DedupResult([], {}), {}, Config())
    assert [event.headline for event in story.events] == ["Cubs win the World Series"]


def test_a_story_too_big_to_link_at_once_is_linked_in_time_ordered_slices(monkeypatch):
    import clustering.stories.events as events

    monkeypatch.setattr(events, "MAX_LINKED", 5)
    rng = np.random.default_rng(6)
    embeddings, dates, _ = _running_story(rng, bursts=1, size=12)  # one event: all within two days
    order = np.argsort([date.timestamp() for date in dates])
    labels = EventSplitter().fit(embeddings, [0] * 12, dates=dates).labels_
    # Slices of 5, 5 and 2 in time order; each slice's articles stay one event, none shared across slices.
    assert [len(set(labels[order[start : start + 5]].tolist())) for start in (0, 5, 10)] == [1, 1, 1]
    assert len(set(labels.tolist())) == 3
