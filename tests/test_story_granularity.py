"""What a story is must not change with the corpus around it: a story reported for months stays whole,
unrelated articles of one week form no story, and two or three outlets on one event form a story among
20 articles as among 2,000."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from clustering.config import EmbedConfig, ReadConfig
from clustering.embed.embedding import embed_articles
from clustering.ingest.clean import clean_or_reject
from clustering.ingest.read import iter_inputs
from clustering.records import Article
from clustering.stories.clusterer import StoryClusterer

DIMENSIONS = 384
START = datetime(2024, 1, 1, tzinfo=UTC)
ECBPLUS_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "ecbplus-dev.jsonl"


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


class _Feed:
    """Embeddings of stories about one shared news register (unrelated stories at cosine about 0.2, two
    articles of one story at about 0.7), with their dates and gold stories."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.register = _unit(self.rng.normal(size=DIMENSIONS))
        self.embeddings: list[np.ndarray] = []
        self.dates: list[datetime] = []
        self.gold: list[str] = []

    def story(self, name: str, size: int, first_day: float, span_days: float, spread: float = 0.6) -> None:
        """``size`` articles on days drawn at random over ``span_days`` from ``first_day``."""
        self.story_on(name, np.sort(first_day + span_days * self.rng.random(size)), spread)

    def story_on(self, name: str, days: np.ndarray, spread: float = 0.6) -> None:
        centre = _unit(0.5 * self.register + _unit(self.rng.normal(size=DIMENSIONS)))
        for day in days:
            self.embeddings.append(_unit(centre + spread * _unit(self.rng.normal(size=DIMENSIONS))))
            self.dates.append(START + timedelta(days=float(day)))
            self.gold.append(name)

    def stories(self) -> dict[str, Counter]:
        """Each gold story's articles counted by the story they came out in."""
        labels = StoryClusterer().fit_predict(np.array(self.embeddings), dates=self.dates)
        found: dict[str, Counter] = {}
        for gold, label in zip(self.gold, labels, strict=True):
            found.setdefault(gold, Counter())[int(label)] += 1
        return found


def test_a_story_reported_for_three_months_comes_out_whole():
    feed = _Feed(seed=0)
    feed.story("long", 300, first_day=0, span_days=90)
    for number in range(20):
        size, first_day = int(feed.rng.integers(4, 12)), float(feed.rng.integers(0, 88))
        feed.story(f"short {number}", size, first_day=first_day, span_days=2)
    found = feed.stories()
    assert len(found["long"]) == 1
    assert not set(found["long"]) & {label for name, c in found.items() if name != "long" for label in c}


def test_a_story_reported_now_and_then_for_fifteen_months_comes_out_whole():
    # Nineteen articles, one every three to five weeks: no two of them are close in time.
    feed = _Feed(seed=1)
    feed.story_on("running", np.cumsum(feed.rng.uniform(21, 35, 19)), spread=0.5)
    for number in range(30):
        feed.story(f"other {number}", 5, first_day=float(feed.rng.integers(0, 450)), span_days=3)
    assert len(feed.stories()["running"]) == 1


@pytest.mark.parametrize("corpus_size", [20, 2000])
@pytest.mark.parametrize("outlets", [2, 3])
def test_two_or_three_outlets_on_one_event_form_a_story_whatever_the_corpus(corpus_size, outlets):
    # Stories of every size, as a feed has them: many of one to three articles, a few of dozens.
    feed = _Feed(seed=2)
    while len(feed.gold) < corpus_size - outlets:
        size = min(int(feed.rng.zipf(1.8)), 60, corpus_size - outlets - len(feed.gold))
        feed.story(f"story {len(feed.gold)}", size, first_day=float(feed.rng.integers(0, 60)), span_days=2)
    feed.story("small", outlets, first_day=30, span_days=1, spread=0.5)
    found = feed.stories()
    (label,) = found["small"]
    # No other story is merged into it. A lone article may be: HDBSCAN forms no story smaller than three,
    # so a pair takes a third member found within ``member_link_distance``.
    assert all(label not in counts for name, counts in found.items() if name != "small" and counts.total() > 1)


@pytest.mark.parametrize("corpus_size", [6, 2000])
def test_two_outlets_on_one_event_farther_apart_than_a_pair_story_still_form_one(corpus_size):
    """Two reports of one event a day apart at cosine 0.55 (past ``pair_story_distance`` 0.3, as most
    two-outlet stories in the dev sets are) and no story near them: they are a story whatever the feed,
    as an article that near a story joins it. (Stories of one day merge anyway: ``story_merge_distance``.)"""
    feed = _Feed(seed=3)
    while len(feed.gold) < corpus_size - 2:
        size = min(int(feed.rng.zipf(1.8)), 60, corpus_size - 2 - len(feed.gold))
        feed.story(f"story {len(feed.gold)}", size, first_day=float(feed.rng.integers(0, 60)), span_days=2)
    centre = _unit(feed.rng.normal(size=DIMENSIONS))
    for day in (30, 31):  # about cosine 1 / (1 + 0.9²) from each other
        feed.embeddings.append(_unit(centre + 0.9 * _unit(feed.rng.normal(size=DIMENSIONS))))
        feed.dates.append(START + timedelta(days=day))
        feed.gold.append("pair")
    (label,) = feed.stories()["pair"]
    assert all(label not in counts for name, counts in feed.stories().items() if name != "pair")


def test_a_pair_near_a_story_joins_it_rather_than_standing_apart():
    """Two articles nearer each other (0.45) than to a story, but within ``noise_join_distance`` of it
    (0.55), join that story: only articles no story is near pair up on their own."""
    basis = np.eye(DIMENSIONS)
    rng = np.random.default_rng(4)
    story = [_unit(basis[0] + 0.003 * rng.normal(size=DIMENSIONS)) for _ in range(6)]
    # Cosines: 0.55 between the two, 0.45 from each to the story's centre.
    first = 0.45 * basis[0] + 0.7566 * basis[1] + 0.4743 * basis[2]
    second = 0.45 * basis[0] + 0.7566 * basis[1] - 0.4743 * basis[2]
    labels = StoryClusterer().fit_predict(np.vstack([*story, first, second, basis[20], basis[21]]))
    assert labels[6] == labels[7] == labels[0]
    assert len({labels[0], labels[8], labels[9]}) == 3


@pytest.mark.skipif(not ECBPLUS_DEV.exists(), reason="needs ../shared/data")
def test_unrelated_articles_of_one_week_form_no_story():
    # One article of each ECB+ topic (an earthquake, a rehab stay, a pirate attack, an election...), all
    # published within one week.
    first_of_topic: dict[str, Article] = {}
    for fields, article in iter_inputs([ECBPLUS_DEV], ReadConfig(field_names={"id": "doc_id"})):
        if isinstance(article, Article):
            first_of_topic.setdefault(str(fields["topic"]), article)
    articles, _ = clean_or_reject(list(first_of_topic.values()))
    rng = np.random.default_rng(0)
    dates = [START + timedelta(hours=float(hours)) for hours in rng.uniform(0, 24 * 7, len(articles))]
    labels = StoryClusterer().fit_predict(
        embed_articles(articles, EmbedConfig()), texts=[a.titled_body for a in articles], dates=dates
    )
    assert len(articles) > 30
    assert len(set(labels)) == len(articles)
