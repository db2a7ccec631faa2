"""The benchmark's reprint generator, and Storyline's reuse detection on a small corpus of it."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from reprints import ECBPLUS, generate

from clustering.ingest.clean import clean_or_reject
from clustering.ingest.fields import parse_date
from clustering.records import Article
from clustering.reuse.batch import find_reuse

pytestmark = pytest.mark.skipif(not ECBPLUS.exists(), reason="needs ../shared/data/ecbplus-dev.jsonl")


@pytest.fixture(scope="module")
def corpus():
    return generate(count=30, seed=11)


def test_true_spans_hold_the_same_paragraphs(corpus):
    texts = {article["id"]: article["text"] for article in corpus.articles}
    assert {"reprint", "trim", "paste", "own", "original"} <= set(corpus.kinds.values())
    for (first, second), spans in corpus.truth.items():
        assert len(spans[first]) == len(spans[second])
        words_first = sum(len(texts[first][start:end].split()) for start, end in spans[first])
        assert words_first >= 40


def test_storyline_finds_the_generated_reuse(corpus):
    articles, rejects = clean_or_reject(
        [
            Article(
                id=r["id"], title=r["title"], text=r["text"], source=r["source"], published=parse_date(r["published"])
            )
            for r in corpus.articles
        ]
    )
    assert rejects == []
    found = {tuple(sorted((pair.a, pair.b))) for pair in find_reuse(articles).pairs}
    truth = {tuple(sorted(pair)) for pair in corpus.truth}
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert precision >= 0.97 and recall >= 0.97, (precision, recall)
