"""The clustering stage alone at 10k and 50k articles: seconds, where they go, and peak memory.

    .venv/bin/python bench/bench_cluster_scale.py [--sizes 10000 50000]

Texts and dates come from ``bench/corpus.py`` (write-ups, reprints and headlines built from the shared
data), cleaned as a run cleans them. Embedding 50,000 articles takes this machine about twenty minutes, so
each article's embedding is that of its headline (the ECB+ and UCI dev headlines, a few thousand, embedded
once and cached) plus a small Gaussian jitter: the neighbourhood structure of real stories at a fraction
of the cost. Reprints are not collapsed first, so every article is clustered (a run clusters fewer).
Sizes run in ascending order in one process, so each peak-memory figure is that of the largest size so far.
The fit is timed again without merging stories by average linkage (``story_merge_distance=None``), first.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EMBEDDING_CACHE, peak_gb, print_table, save
from corpus import build

from clustering.config import EmbedConfig
from clustering.embed.embedding import embed_articles
from clustering.ingest.clean import clean_or_reject
from clustering.ingest.fields import parse_date
from clustering.records import Article
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.stories.assign import clustering_inputs
from clustering.stories.clusterer import StoryClusterer, tfidf_vectors
from clustering.stories.names import name_vectors
from clustering.stories.neighbours import neighbour_pairs

_JITTER = 0.02


def _articles(count: int) -> list[Article]:
    records = build(count)
    articles = [
        Article(id=record["id"], text=record["text"], title=record["title"], published=parse_date(record["published"]))
        for record in records
    ]
    cleaned, _ = clean_or_reject(articles)
    return cleaned


def _headline_embeddings(titles: list[str]) -> np.ndarray:
    """The embeddings of ``titles``, cached between benchmark runs."""
    cache = EmbeddingCache(EMBEDDING_CACHE)
    return embed_articles([Article(id=title, text=title, title=title) for title in titles], EmbedConfig(), cache)


def _embeddings(articles: list[Article]) -> np.ndarray:
    titles = sorted({article.title or "" for article in articles})
    headline_rows = _headline_embeddings(titles)
    row_of = {title: row for row, title in enumerate(titles)}
    rng = np.random.default_rng(0)
    vectors = headline_rows[[row_of[article.title or ""] for article in articles]]
    vectors = vectors + _JITTER * rng.normal(size=vectors.shape).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    arguments = parser.parse_args()
    rows = []
    # In a run the embedding stage has loaded torch already; the neighbour search should not pay its import.
    neighbour_pairs(np.eye(64, dtype=np.float32), 8)
    for size in sorted(arguments.sizes):
        articles = _articles(size)
        embeddings = _embeddings(articles)
        texts, dates, outlets = clustering_inputs(articles)  # what the clustering stage gives the clusterer
        parts = {}
        start = time.perf_counter()
        neighbour_pairs(embeddings, StoryClusterer().n_neighbors)
        parts["neighbours"] = time.perf_counter() - start
        start = time.perf_counter()
        tfidf_vectors(texts)
        parts["TF-IDF"] = time.perf_counter() - start
        start = time.perf_counter()
        name_vectors(texts)
        parts["names"] = time.perf_counter() - start
        start = time.perf_counter()
        StoryClusterer(story_merge_distance=None).fit(embeddings, texts, dates, outlets=outlets)
        parts["fit, stories not merged"] = time.perf_counter() - start
        start = time.perf_counter()
        clusterer = StoryClusterer().fit(embeddings, texts, dates, outlets=outlets)
        total = time.perf_counter() - start
        peak = peak_gb()
        rows.append([len(articles), total, *parts.values(), clusterer.n_stories_, peak])
        print(f"{len(articles)} articles clustered in {total:.1f} s", flush=True)
    header = [
        "articles",
        "fit seconds",
        "neighbours alone",
        "TF-IDF alone",
        "names alone",
        "fit, stories not merged",
        "stories",
        "peak GB so far",
    ]
    print_table("Clustering stage (StoryClusterer.fit; parts timed apart, one run, this machine)", header, rows)
    save("cluster_scale", {"header": header, "rows": rows})


if __name__ == "__main__":
    main()
