from datetime import UTC, datetime

import numpy as np

from clustering.config import SummaryConfig
from clustering.records import Article, DedupResult
from clustering.stories import term_counts as term_counts_module
from clustering.stories.sentences import sentences_of
from clustering.stories.summarize import story_id, summarize_stories
from clustering.stories.term_counts import TermCounts, count_terms
from clustering.stories.term_matrix import TERM_SCHEME


def test_sentences_are_not_split_after_abbreviations():
    text = "Maj. Gen. Qassem Soleimani arrived. The U.S. said nothing! Was it true? Yes.\nNew paragraph here."
    assert list(sentences_of(text)) == [
        "Maj. Gen. Qassem Soleimani arrived.",
        "The U.S. said nothing!",
        "Was it true?",
        "Yes.",
        "New paragraph here.",
    ]
    # An abbreviation ends a sentence only as a word of its own: "MegaCorp." ends one, "Corp." does not.
    assert list(sentences_of("Shares of Acme Corp. rose. It sold MegaCorp. Then it fell.")) == [
        "Shares of Acme Corp. rose.",
        "It sold MegaCorp.",
        "Then it fell.",
    ]


def _article(article_id: str, body: str, day: int, source: str | None = None) -> Article:
    return Article(
        id=article_id,
        text=body,
        title=f"Title {article_id}",
        body=body,
        source=source,
        published=datetime(2020, 1, day, tzinfo=UTC),
    )


def test_story_fields():
    quake = [
        _article(
            "q1",
            "A strong earthquake struck the coast of Chile on Monday morning. Buildings shook in the "
            "capital for a full minute. Rescue teams searched the rubble in Valparaiso overnight.",
            3,
            "Wire",
        ),
        _article(
            "q2",
            "Rescue teams searched the rubble in Valparaiso after the earthquake struck Chile. "
            "The earthquake was felt across the country and in neighbouring Argentina.",
            4,
            "Daily",
        ),
        _article(
            "q3",
            "Rescue teams searched the rubble in Valparaiso after the earthquake struck Chile. "
            "The earthquake was felt across the country and in neighbouring Argentina.",
            5,
        ),
    ]
    rates = [
        _article(
            "r1",
            "The central bank kept interest rates unchanged on Thursday as inflation eased "
            "slightly. Markets had expected the decision after weak growth figures.",
            2,
        )
    ]
    articles = quake + rates
    embeddings = np.array([[1, 0], [0.9, 0.1], [0.9, 0.1], [0, 1]], dtype=np.float32)
    dedup = DedupResult(pairs=[], duplicate_of={"q3": "q2"})
    stories, _ = summarize_stories(articles, [0, 0, 0, 1], embeddings, dedup, SummaryConfig(sentences=2))
    quake_story, rates_story = stories  # largest first
    assert quake_story.article_ids == ("q1", "q2", "q3")
    assert quake_story.story_id == story_id("q1")
    assert quake_story.representative_id in {"q1", "q2"}
    assert quake_story.sources == ("Daily", "Wire")
    assert quake_story.first_published == datetime(2020, 1, 3, tzinfo=UTC)
    assert quake_story.last_published == datetime(2020, 1, 5, tzinfo=UTC)
    assert "earthquake" in quake_story.keywords
    sentences = list(sentences_of(quake_story.summary))
    assert len(sentences) == 2
    assert len(set(sentences)) == 2
    assert rates_story.keywords and "earthquake" not in rates_story.keywords
    # The same input gives the same summary.
    again, _ = summarize_stories(articles, [0, 0, 0, 1], embeddings, dedup, SummaryConfig(sentences=2))
    assert again == stories


def test_outlet_falls_back_to_url_host():
    assert Article(id="a", text="t", url="https://www.reuters.com/x").outlet == "reuters.com"
    assert Article(id="a", text="t", source="AFP", url="https://x.org").outlet == "AFP"
    assert Article(id="a", text="t").outlet is None


_TOPICS = [
    "earthquake struck the coast of Chile and rescue teams searched the rubble in Valparaiso",
    "central bank kept interest rates unchanged as inflation eased and markets expected it",
    "Syrian army captured Albu Kamal from Islamic State fighters near the Iraqi border",
    "Tara Reid checked into Promises Treatment Center in Malibu said her representative",
]


def _corpus(count: int, seed: int) -> list[Article]:
    rng = np.random.default_rng(seed)
    articles = []
    for number in range(count):
        words = _TOPICS[number % len(_TOPICS)].split()
        body = " ".join(" ".join(rng.permutation(words).tolist()).capitalize() + "." for _ in range(3))
        articles.append(_article(f"s{seed}-{number}", body, 1 + number % 28))
    return articles


def _same_counts(left: TermCounts, right: TermCounts) -> bool:
    order = right.positions(left.article_ids)
    return (
        left.terms.tolist() == right.terms.tolist()
        and left.digests == tuple(right.digests[row] for row in order)
        and (left.counts != right.counts[order]).nnz == 0
    )


def test_term_counts_from_the_last_run_give_the_same_stories(tmp_path, monkeypatch):
    old = _corpus(24, seed=1)
    new = _corpus(6, seed=2)
    embeddings = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32)
    labels = [number % 4 for number in range(24)]
    first, term_counts = summarize_stories(old, labels, embeddings[:24], DedupResult([], {}))
    term_counts.save(tmp_path / "terms.npz")
    assert _same_counts(TermCounts.load(tmp_path / "terms.npz", TERM_SCHEME), term_counts)
    previous = {story.story_id: story for story in first}

    # The next run: six new articles in two stories, one article moved out to a story of its own, and
    # an old article now a reprint of a new one (no longer counted); story 3 keeps its articles.
    articles, labels = old + new, [*labels[:22], 4, 3, 0, 1, 0, 1, 0, 1]
    dedup = DedupResult([], {old[3].id: new[3].id})
    story_of = {article_id: story.story_id for story in first for article_id in story.article_ids}
    ids = [*(story_of[old[label].id] for label in range(4)), story_id(old[22].id)]
    tokenised: list[int] = []
    count = term_counts_module._count
    monkeypatch.setattr(
        term_counts_module,
        "_count",
        lambda ids, texts, languages: tokenised.append(len(texts)) or count(ids, texts, languages),
    )
    counted, recount = (
        summarize_stories(articles, labels, embeddings, dedup, SummaryConfig(), ids, previous, known)
        for known in (TermCounts.load(tmp_path / "terms.npz", TERM_SCHEME), None)
    )
    assert tokenised == [len(new), len(articles) - 1]  # with the last run's counts, only the new texts
    assert counted[0] == recount[0]
    assert previous[ids[3]] in counted[0] and len(counted[0]) == 5
    assert set(counted[1].article_ids) == {a.id for a in articles} - {old[3].id}
    assert _same_counts(counted[1], recount[1])


def test_count_terms_counts_a_changed_text_again():
    texts = {"a": "Albu Kamal fell to the Syrian army", "b": "Mosul offensive began at dawn"}
    known = count_terms(texts)
    changed = count_terms({**texts, "b": "Mosul offensive stalled"}, known)
    assert _same_counts(changed, count_terms({**texts, "b": "Mosul offensive stalled"}))
    assert "began" not in changed.terms.tolist() and "stalled" in changed.terms.tolist()
