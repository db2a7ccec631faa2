"""Story clustering quality: Storyline beside plain HDBSCAN and BERTopic's defaults, on the same embeddings.

    .venv/bin/python bench/bench_clustering.py

ECB+ dev (772 full-text articles, label `event`) and the UCI News Aggregator dev sample (3,059 headlines,
label `story`, with publisher and time). Storyline's figures are those of a whole run
(``clustering.evaluate.evaluate_files``: the library's ``Pipeline``, what ``storyline run`` does into a new
folder). Prints pairwise precision/recall/F1, B-cubed F1 and the adjusted Rand index; an unclustered
article counts as a story of its own. Then the incremental path: a run over all but the last 1-25 % of each
set (in time order), then a run that adds that share to the same store and assigns it to the stories
(``run.incremental_share`` set to 1, so that even 25 % is assigned), against one run over everything.
All measured in one run.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import hdbscan
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ECBPLUS_DEV, EMBEDDING_CACHE, GIVEME_DEV, UCI_DEV, labelled_articles, print_table, save, timed

from clustering.config import Config, EmbedConfig, ReadConfig, RunConfig
from clustering.embed.embedding import embed_articles, load_model
from clustering.evaluate import evaluate_files, score
from clustering.ingest.read import iter_inputs
from clustering.pipeline import Pipeline
from clustering.records import Article, article_stories
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.storage.workspace import Workspace
from clustering.stories.graph_clusters import singletons_for_noise

DATASETS = {
    "ECB+ dev (full text)": ECBPLUS_DEV,
    "UCI dev (headlines)": UCI_DEV,
    "giveme dev (scraped, many outlets)": GIVEME_DEV,
}


def _bertopic(texts: list[str], embeddings: np.ndarray) -> np.ndarray | None:
    try:
        from bertopic import BERTopic
    except ImportError:
        return None
    model = BERTopic(embedding_model=load_model(EmbedConfig().model))
    topics, _ = model.fit_transform(texts, embeddings=embeddings)
    return singletons_for_noise(np.array(topics))


def main() -> None:
    cache = EmbeddingCache(EMBEDDING_CACHE)
    results = {}
    for name, (path, label_field, field_names) in DATASETS.items():
        articles, gold = labelled_articles(path, label_field, field_names)
        embeddings = embed_articles(articles, EmbedConfig(), cache)
        texts = [article.titled_body for article in articles]
        config = Config(read=ReadConfig(field_names=field_names))

        def storyline(articles=articles, path=path, label_field=label_field, config=config):
            story_of = evaluate_files([path], label_field, config, EMBEDDING_CACHE).story_of
            return np.array([story_of[article.id] for article in articles])

        def plain(embeddings=embeddings):
            return singletons_for_noise(hdbscan.HDBSCAN().fit_predict(embeddings))

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
        results[name]["incremental"] = _incremental(name, path, label_field, config)
    save("clustering", results)


def _run(inputs: list[Path], folder: Path, config: Config) -> dict[str, str]:
    """The story of each article after a run of ``inputs`` into ``folder`` (a store kept between calls)."""
    result = Pipeline(Workspace(folder, EMBEDDING_CACHE), config).run([str(path) for path in inputs])
    return article_stories(result.stories)


def _incremental(name: str, path: Path, label_field: str, config: Config) -> dict[str, dict]:
    """A run over all but the last share of the articles (in time order; undated ones in a seeded
    shuffle), then a run adding that share to the store, against one run over everything."""
    records = [(fields, outcome) for fields, outcome in iter_inputs([path], config.read)]
    records = [(fields, article) for fields, article in records if isinstance(article, Article)]
    gold = {article.id: str(fields[label_field]) for fields, article in records}
    shuffled = np.random.default_rng(0).permutation(len(records))
    order = sorted(
        range(len(records)), key=lambda row: (records[row][1].date is None, records[row][1].date, shuffled[row])
    )
    assign_all = Config(read=config.read, run=RunConfig(incremental_share=1.0))
    rows = []
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        whole = folder / "all.jsonl"
        whole.write_text("".join(json.dumps(fields, default=str) + "\n" for fields, _ in records))
        story_of, seconds = timed(lambda: _run([whole], folder / "at-once", config))
        rows.append(["everything in one run", 0.0, _f1(gold, story_of), seconds])
        for share in (0.01, 0.05, 0.10, 0.25):
            known = folder / f"known-{share}.jsonl"
            kept = sorted(order[: round(len(records) * (1 - share))])
            known.write_text("".join(json.dumps(records[row][0], default=str) + "\n" for row in kept))
            store = folder / f"store-{share}"
            _run([known], store, config)
            story_of, seconds = timed(lambda store=store: _run([whole], store, assign_all))
            rows.append([f"last {share:.0%} assigned to the stories of the rest", share, _f1(gold, story_of), seconds])
    print_table(f"{name}: new articles assigned to stories", ["run", "new share", "pairwise F1", "seconds"], rows)
    return {row[0]: {"share": row[1], "f1": row[2], "seconds": row[3]} for row in rows}


def _f1(gold: dict[str, str], story_of: dict[str, str]) -> float:
    scored = [article_id for article_id in gold if article_id in story_of]
    return score(
        [gold[article_id] for article_id in scored], [story_of[article_id] for article_id in scored]
    ).pairwise_f1


if __name__ == "__main__":
    main()
