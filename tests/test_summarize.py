from datetime import UTC, datetime

import numpy as np

from clustering.records import Article, DedupResult
from clustering.summarize import SummaryConfig, split_sentences, story_id, summarize_stories


def test_split_sentences_keeps_abbreviations():
    text = "Maj. Gen. Qassem Soleimani arrived. The U.S. said nothing! Was it true? Yes.\nNew paragraph here."
    assert split_sentences(text) == [
        "Maj. Gen. Qassem Soleimani arrived.",
        "The U.S. said nothing!",
        "Was it true?",
        "Yes.",
        "New paragraph here.",
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
    stories = summarize_stories(articles, [0, 0, 0, 1], embeddings, dedup, SummaryConfig(sentences=2))
    quake_story, rates_story = stories  # largest first
    assert quake_story.article_ids == ("q1", "q2", "q3")
    assert quake_story.story_id == story_id("q1")
    assert quake_story.representative_id in {"q1", "q2"}
    assert quake_story.sources == ("Daily", "Wire")
    assert quake_story.first_published == datetime(2020, 1, 3, tzinfo=UTC)
    assert quake_story.last_published == datetime(2020, 1, 5, tzinfo=UTC)
    assert "earthquake" in quake_story.keywords
    sentences = split_sentences(quake_story.summary)
    assert len(sentences) == 2
    assert len(set(sentences)) == 2
    assert rates_story.keywords and "earthquake" not in rates_story.keywords
    # The same input gives the same summary.
    again = summarize_stories(articles, [0, 0, 0, 1], embeddings, dedup, SummaryConfig(sentences=2))
    assert again == stories


def test_outlet_falls_back_to_url_host():
    assert Article(id="a", text="t", url="https://www.reuters.com/x").outlet == "reuters.com"
    assert Article(id="a", text="t", source="AFP", url="https://x.org").outlet == "AFP"
    assert Article(id="a", text="t").outlet is None
