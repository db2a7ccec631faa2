"""Story clustering quality: Storyline beside plain HDBSCAN and BERTopic's defaults, on the same embeddings.

    .venv/bin/python bench/bench_clustering.py

ECB+ dev (772 full-text articles, label `event`) and the UCI News Aggregator dev sample (3,059 headlines,
label `story`, with publisher and time). Prints pairwise precision/recall/F1, B-cubed F1 and the adjusted
Rand index; an unclustered article counts as a story of its own. Then the incremental path: the last 1-25 %
of each set (in time order) assigned to the stories of the rest, against clustering everything at once.
All measured in one run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import hdbscan
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ECBPLUS_DEV, UCI_DEV, labelled_articles, print_table, save, timed

from clustering.config import EmbedConfig
from clustering.embed.embedding import embed_articles, load_model
from clustering.evaluate import score
from clustering.reuse.dedup import find_reuse
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.stories.clusterer import StoryClusterer, _singletons_for_noise, assign_articles, cluster_articles

DATASETS = {"ECB+ dev (full text)": ECBPLUS_DEV, "UCI dev (headlines)": UCI_DEV}


def _bertopic(texts: list[str], embeddings: np.ndarray) -> np.ndarray | None:
    try:
        from bertopic import BERTopic
    except ImportError:
        return None
    model = BERTopic(embedding_model=load_model(EmbedConfig().model))
    topics, _ = model.fit_transform(texts, embeddings=embeddings)
    return _singletons_for_noise(np.array(topics))


def main() -> None:
    cache = EmbeddingCache(Path(tempfile.gettempdir()) / "storyline-bench-embeddings.sqlite")
    results = {}
    for name, (path, label_field, field_names) in DATASETS.items():
        articles, gold = labelled_articles(path, label_field, field_names)
        embeddings = embed_articles(articles, EmbedConfig(), cache)
        texts = [article.titled_body for article in articles]

        def storyline(articles=articles, embeddings=embeddings):
            return cluster_articles(articles, embeddings, find_reuse(articles), StoryClusterer())

        def plain(embeddings=embeddings):
            return _singletons_for_noise(hdbscan.HDBSCAN().fit_predict(embeddings))

        rows = []
        for method, run in (
            ("storyline", storyline),
            ("HDBSCAN defaults on embeddings", plain),
            ("BERTopic defaults", lambda texts=texts, embeddings=embeddings: _bertopic(texts, embeddings)),
        ):
            labels, seconds = timed(run)
            if labels is None:
                rows.append([method, "not installed", "", "", "", "", ""])
                continue
            scores = score(gold, labels.tolist())
            rows.append(
                [
                    method,
                    scores.pairwise_precision,
                    scores.pairwise_recall,
                    scores.pairwise_f1,
                    scores.bcubed_f1,
                    scores.adjusted_rand,
                    seconds,
                ]
            )
        print_table(
            f"{name}: {len(articles)} articles, {len(set(gold))} stories",
            ["method", "precision", "recall", "pairwise F1", "B-cubed F1", "ARI", "seconds"],
            rows,
        )
        results[name] = {
            row[0]: dict(zip(["precision", "recall", "f1", "bcubed_f1", "ari", "seconds"], row[1:], strict=True))
            for row in rows
        }
        results[name]["incremental"] = _incremental(name, articles, gold, embeddings)
    save("clustering", results)


def _incremental(name: str, articles: list, gold: list[str], embeddings: np.ndarray) -> dict[str, dict]:
    """Cluster all but the last share of the articles (in time order; undated ones in a seeded shuffle),
    then assign that share to the stories as a run over new articles does, against clustering everything."""
    dedup = find_reuse(articles)
    full_labels, full_seconds = timed(lambda: cluster_articles(articles, embeddings, dedup, StoryClusterer()))
    shuffled = np.random.default_rng(0).permutation(len(articles))
    order = sorted(
        range(len(articles)), key=lambda row: (articles[row].date is None, articles[row].date, shuffled[row])
    )
    rows = [["everything clustered at once", 0.0, score(gold, full_labels.tolist()).pairwise_f1, full_seconds]]
    for share in (0.01, 0.05, 0.10, 0.25):
        known = sorted(order[: round(len(articles) * (1 - share))])
        known_articles = [articles[row] for row in known]
        base = cluster_articles(known_articles, embeddings[known], find_reuse(known_articles), StoryClusterer())
        story_of = {article.id: int(label) for article, label in zip(known_articles, base, strict=True)}
        labels, seconds = timed(lambda: assign_articles(articles, embeddings, dedup, StoryClusterer(), story_of))  # noqa: B023
        rows.append(
            [
                f"last {share:.0%} assigned to the stories of the rest",
                share,
                score(gold, labels.tolist()).pairwise_f1,
                seconds,
            ]
        )
    print_table(f"{name}: new articles assigned to stories", ["run", "new share", "pairwise F1", "seconds"], rows)
    return {row[0]: {"share": row[1], "f1": row[2], "seconds": row[3]} for row in rows}


if __name__ == "__main__":
    main()
