"""Story threads: which stories are linked, and thread ids kept across runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from clustering.config import ThreadConfig
from clustering.records import Article, Story
from clustering.stories.threads import (
    article_names,
    is_title_case,
    name_threads,
    thread_id,
    thread_labels,
    thread_stories,
)

DAY = datetime(2026, 1, 5, tzinfo=UTC)
# Two directions 0.9 apart in cosine (close in meaning) and a third far from both.
NEAR_A, NEAR_B, FAR = np.array([1.0, 0.0, 0.0]), np.array([0.9, 0.436, 0.0]), np.array([0.0, 0.0, 1.0])


def _article(article_id: str, title: str, lead: str, day: int | None) -> Article:
    published = None if day is None else DAY + timedelta(days=day)
    return Article(id=article_id, text=f"{title}\n{lead}", title=title, body=lead, published=published)


def _story(story_id: str, members: list[Article]) -> Story:
    dates = [a.published for a in members if a.published is not None]
    return Story(
        story_id=story_id,
        headline=members[0].headline,
        summary=members[0].body,
        keywords=(),
        article_ids=tuple(a.id for a in members),
        representative_id=members[0].id,
        sources=(),
        first_published=min(dates, default=None),
        last_published=max(dates, default=None),
    )


def _thread(groups: dict[str, list[tuple[Article, np.ndarray]]], previous: dict[str, Story] | None = None):
    articles = [article for members in groups.values() for article, _ in members]
    embeddings = np.array([vector for members in groups.values() for _, vector in members])
    stories = [_story(story_id, [article for article, _ in members]) for story_id, members in groups.items()]
    threaded = thread_stories(stories, articles, embeddings, previous or {}, ThreadConfig())
    return {story.story_id: story.thread_id for story in threaded}, threaded


ARRIVAL = [
    (_article("a1", "Wave machine arrives in Orkney", "Mocean Energy's Blue X reached Orkney from Leith.", 0), NEAR_A),
    (_article("a2", "Mocean's wave device lands", "The Blue X machine built by Mocean arrived in Orkney.", 1), NEAR_A),
]
TRIALS = [
    (_article("t1", "Sea trials begin", "Mocean Energy began testing Blue X in the waters off Orkney.", 25), NEAR_B),
    (_article("t2", "Testing starts for wave raft", "Blue X trials started off Orkney, Mocean said.", 26), NEAR_B),
]


def test_a_follow_up_naming_the_same_subject_within_the_gap_joins_the_thread():
    threads, _ = _thread({"st-arrival": ARRIVAL, "st-trials": TRIALS})
    assert threads["st-arrival"] == threads["st-trials"] == thread_id("st-arrival")  # named after the first


def test_topical_neighbours_that_name_other_subjects_stay_apart():
    """Two hydrogen projects read alike (the same direction in meaning) but name other places and firms."""
    hydrogen = {
        "st-aberdeen": [
            (
                _article(
                    "h1", "Hydrogen hub approved", "Glenmorie Power will build the hydrogen plant at Aberdeen.", 0
                ),
                NEAR_A,
            )
        ],
        "st-pembroke": [
            (
                _article(
                    "h2", "Hydrogen plant approved", "Tarrell Energy will build the hydrogen plant at Pembroke.", 3
                ),
                NEAR_B,
            )
        ],
    }
    threads, _ = _thread(hydrogen)
    assert threads["st-aberdeen"] != threads["st-pembroke"]


def test_a_story_past_the_gap_or_far_in_meaning_or_undated_starts_its_own_thread():
    late = [
        (article.__class__(**{**_fields(article), "published": DAY + timedelta(days=90)}), v) for article, v in TRIALS
    ]
    threads, _ = _thread({"st-arrival": ARRIVAL, "st-late": late})
    assert threads["st-arrival"] != threads["st-late"]
    far = [(article, FAR) for article, _ in TRIALS]
    threads, _ = _thread({"st-arrival": ARRIVAL, "st-far": far})
    assert threads["st-arrival"] != threads["st-far"]
    undated = [(_article(f"u{i}", a.title or "", a.body, None), v) for i, (a, v) in enumerate(TRIALS)]
    threads, _ = _thread({"st-arrival": ARRIVAL, "st-undated": undated})
    assert threads["st-arrival"] != threads["st-undated"]


def _fields(article: Article) -> dict[str, object]:
    return {name: getattr(article, name) for name in Article.__slots__}


def test_a_chain_is_one_thread_even_where_its_ends_are_weeks_apart():
    """Arrival, trials 25 days later, results 25 days after that: 50 days end to end, each step within 30."""
    results = [(_article("r1", "Blue X results", "Mocean Energy said Blue X exported power off Orkney.", 50), NEAR_A)]
    threads, _ = _thread({"st-arrival": ARRIVAL, "st-trials": TRIALS, "st-results": results})
    assert len(set(threads.values())) == 1


def test_names_come_from_the_lead_when_the_headline_is_title_case():
    assert is_title_case("Hydrogen Plant Gets Green Light In Aberdeen")
    assert not is_title_case("Hydrogen plant gets green light in Aberdeen")
    title_case = _article("x", "Hydrogen Plant Gets Green Light", "The hydrogen plant at Aberdeen was approved.", 0)
    assert "aberdeen" in article_names(title_case, 0.4) and "hydrogen" not in article_names(title_case, 0.4)
    sentence_case = _article("y", "Glenmorie wins approval", "The plant at Aberdeen was approved.", 0)
    assert {"glenmorie", "aberdeen"} <= article_names(sentence_case, 0.4)


def test_threads_keep_their_ids_across_runs():
    _, first = _thread({"st-arrival": ARRIVAL, "st-trials": TRIALS})
    previous = {story.story_id: story for story in first}
    # The next run: the trials story grew, and a new unrelated story came.
    more = [*TRIALS, (_article("t3", "Trials go on", "Blue X trials continue off Orkney, Mocean said.", 27), NEAR_B)]
    other = [(_article("o1", "Dock strike", "Rotterdam dockers walked out.", 27), FAR)]
    threads, _ = _thread({"st-arrival": ARRIVAL, "st-trials": more, "st-other": other}, previous)
    assert threads["st-arrival"] == threads["st-trials"] == first[0].thread_id
    assert threads["st-other"] == thread_id("st-other")


def test_merged_threads_keep_the_id_of_the_one_with_most_stories():
    stories = [_story(name, [_article(name, name, "", day)]) for day, name in enumerate(["s1", "s2", "s3"])]
    previous = {
        "s1": _with_thread(stories[0], "th-small"),
        "s2": _with_thread(stories[1], "th-big"),
        "s3": _with_thread(stories[2], "th-big"),
    }
    merged = name_threads(stories, [0, 0, 0], previous)
    assert {story.thread_id for story in merged} == {"th-big"}


def _with_thread(story: Story, identifier: str) -> Story:
    return Story(**{**{name: getattr(story, name) for name in Story.__slots__}, "thread_id": identifier})


@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))
    )
)
def test_thread_labels_put_linked_stories_together_and_nothing_else(case):
    count, links = case
    labels = thread_labels(count, [(min(a, b), max(a, b)) for a, b in links if a != b])
    assert len(labels) == count
    for first, second in links:
        assert labels[first] == labels[second]
    # Stories in one thread are joined by a path of links (checked by growing each thread from one story).
    for label in set(labels):
        members = {int(row) for row in np.flatnonzero(labels == label)}
        reached, frontier = {min(members)}, [min(members)]
        while frontier:
            row = frontier.pop()
            for a, b in links:
                for here, there in ((a, b), (b, a)):
                    if here == row and there not in reached:
                        reached.add(there)
                        frontier.append(there)
        assert reached == members


def test_related_stories_are_near_in_meaning_and_name_what_the_story_names():
    """Related: the test of a thread link without its time limit. Months apart still related; a topical
    neighbour naming other firms and places, or a story naming Orkney but far in meaning, is not; the nearest
    in meaning comes first; a story with none is left out."""
    from clustering.stories.related import related_stories

    months_later = [
        (
            _article("m1", "Blue X returns to Orkney", "Mocean Energy brought Blue X back to Orkney for repairs.", 200),
            NEAR_A,
        )
    ]
    neighbour = [
        (_article("n1", "Wave energy device launched", "Tarrell Energy launched its raft at Pembroke.", 2), NEAR_A)
    ]
    far = [(_article("f1", "Orkney ferry timetable", "NorthLink changes the Orkney ferry times.", 3), FAR)]
    groups = {
        "st-arrival": ARRIVAL,
        "st-trials": TRIALS,
        "st-months": months_later,
        "st-neighbour": neighbour,
        "st-far": far,
    }
    articles = [article for members in groups.values() for article, _ in members]
    embeddings = np.array([vector for members in groups.values() for _, vector in members])
    stories = [_story(story_id, [article for article, _ in members]) for story_id, members in groups.items()]
    related = related_stories(stories, articles, embeddings, ThreadConfig())
    assert related["st-arrival"] == ("st-months", "st-trials")  # same direction first, then cosine 0.9
    assert related["st-trials"] == ("st-arrival", "st-months") and "st-far" not in related
    assert "st-neighbour" not in related  # close in meaning, but names nothing the others name
    assert related_stories(stories, articles, embeddings, ThreadConfig(), count=1)["st-arrival"] == ("st-months",)
