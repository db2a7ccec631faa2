"""Story clustering, leave-one-dataset-out: every dev set held out in turn, the same-story model fitted on the
others, beside the hand-set blend and the baselines, each set and the worst one; then the shipped model.

    .venv/bin/python bench/bench_same_story.py [--write-model]

Dev sets: ECB+ dev (full text, by event), UCI headlines dev (by story), giveme-dev (real scraped articles
from 61 outlets, by event). For each held-out set, in one run:
- Storyline with the same-story model fitted on the other sets (and on their titles alone:
  ``clustering.train``), through a whole run (``evaluate_files``, what ``storyline run`` does);
- Storyline with the hand-set blend (``cluster.pair_model = ""``);
- average linkage on the embeddings, its distance threshold chosen on the other sets (the best worst set);
- HDBSCAN's defaults on the embeddings; BERTopic's defaults when it is installed.
Pairwise F1 (an unclustered article is a story of its own), the largest predicted story's purity, and the
predicted stories of 5 or more whose largest event holds under 80 % of them. ``--write-model`` fits the
model on every set and writes it where ``pair_model = "builtin"`` reads it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import hdbscan
import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clustering import _bertopic
from common import ECBPLUS_DEV, EMBEDDING_CACHE, GIVEME_DEV, UCI_DEV, labelled_articles, print_table, save

from clustering.config import ClusterConfig, Config, EmbedConfig, ReadConfig
from clustering.embed.embedding import embed_articles
from clustering.evaluate import evaluate_files, score
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.stories.graph_clusters import singletons_for_noise
from clustering.stories.same_story import BUILTIN_MODEL, fit_same_story_model
from clustering.train import labelled_sets

DATASETS = {"ECB+ dev": ECBPLUS_DEV, "UCI dev": UCI_DEV, "giveme dev": GIVEME_DEV}
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_STORY = {"000": "soleimani-albu-kamal", "003": "soleimani-albu-kamal", "004": "soleimani-albu-kamal"}
SEED_STORY |= {"001": "soleimani-hezbollah", "002": "soleimani-mosul"}
THRESHOLDS = np.round(np.arange(0.20, 0.81, 0.05), 2)


def _config(field_names: dict[str, str], pair_model: str) -> Config:
    return Config(read=ReadConfig(field_names=field_names), cluster=ClusterConfig(pair_model=pair_model))


def _glued(gold: list[str], labels: list) -> int:
    """Predicted stories of 5 or more articles whose largest gold story holds under 80 % of them."""
    members: dict = {}
    for truth, label in zip(gold, labels, strict=True):
        members.setdefault(label, []).append(truth)
    return sum(
        1 for held in members.values() if len(held) >= 5 and Counter(held).most_common(1)[0][1] < 0.8 * len(held)
    )


def main() -> None:
    write_model = "--write-model" in sys.argv
    sets = {}
    for name, (path, label_field, field_names) in DATASETS.items():
        config = Config(read=ReadConfig(field_names=field_names))
        sets[name] = labelled_sets([path], label_field, config, EMBEDDING_CACHE)
    embedded = {}
    cache = EmbeddingCache(EMBEDDING_CACHE)
    for name, (path, label_field, field_names) in DATASETS.items():
        articles, gold = labelled_articles(path, label_field, field_names)
        embedded[name] = (embed_articles(articles, EmbedConfig(), cache), gold, [a.titled_body for a in articles])
    cache.close()

    average_f1 = {
        name: [score(gold, fcluster(tree, threshold, "distance").tolist()).pairwise_f1 for threshold in THRESHOLDS]
        for name, (embeddings, gold, _) in embedded.items()
        for tree in [linkage(pdist(embeddings, "cosine"), "average")]
    }
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as folder:
        for held, (path, label_field, field_names) in DATASETS.items():
            model = fit_same_story_model([item for name, found in sets.items() if name != held for item in found])
            model_path = Path(folder) / f"without-{held}.json"
            model.save(model_path)
            others = [name for name in DATASETS if name != held]
            threshold = int(np.argmax(np.min([average_f1[name] for name in others], axis=0)))
            embeddings, gold, texts = embedded[held]
            methods = {}
            for method, pair_model in (
                ("Storyline, same-story model (left out)", str(model_path)),
                ("Storyline, hand-set blend", ""),
            ):
                evaluation = evaluate_files([path], label_field, _config(field_names, pair_model), EMBEDDING_CACHE)
                methods[method] = (evaluation.scores, _glued_of(path, label_field, field_names, evaluation.story_of))
            for method, labels in (
                (f"average linkage, threshold {THRESHOLDS[threshold]} (from the others)", None),
                ("HDBSCAN defaults on embeddings", singletons_for_noise(hdbscan.HDBSCAN().fit_predict(embeddings))),
                ("BERTopic defaults", "bertopic"),
            ):
                if labels is None:
                    tree = linkage(pdist(embeddings, "cosine"), "average")
                    labels = fcluster(tree, THRESHOLDS[threshold], "distance")
                elif isinstance(labels, str):
                    labels = _bertopic(texts, embeddings)
                    if labels is None:
                        continue
                methods[method] = (score(gold, list(labels)), _glued(gold, list(labels)))
            results[held] = {}
            for method, (scores, glued) in methods.items():
                rows.append(
                    [held, method, scores.pairwise_precision, scores.pairwise_recall, scores.pairwise_f1, glued]
                )
                results[held][method] = {"f1": scores.pairwise_f1, "glued": glued}
    print_table(
        "Leave one dataset out (the model and the average-linkage threshold from the other sets)",
        ["held out", "method", "precision", "recall", "pairwise F1", "glued stories"],
        rows,
    )
    worst_rows = []
    for method in dict.fromkeys(
        name.split(",")[0] if name.startswith("average") else name for m in results.values() for name in m
    ):
        scores = [next(v["f1"] for name, v in found.items() if name.startswith(method)) for found in results.values()]
        worst_rows.append([method, *scores, min(scores)])
    print_table("Worst set", ["method", *DATASETS, "worst"], worst_rows)
    model = fit_same_story_model([item for found in sets.values() for item in found])
    with tempfile.TemporaryDirectory() as folder:
        model_path = Path(folder) / "all-sets.json"
        model.save(model_path)
        results["seeds"] = _seeds(model_path)
    if write_model:
        model.save(BUILTIN_MODEL)
        print(f"\nwrote {BUILTIN_MODEL} ({model.pairs} pairs from {', '.join(model.trained_on)})")
    save("same_story", results)


def _seeds(model_path: Path) -> dict[str, str]:
    """The seeds' stories (the README's {000, 003, 004}, {001}, {002}) by the blend and by the model
    fitted on every dev set."""
    rows, found = [], {}
    with tempfile.TemporaryDirectory() as folder:
        labelled = Path(folder) / "seeds.jsonl"
        records = []
        for path in sorted(SEEDS.glob("*.txt")):
            title, _, body = path.read_text(encoding="utf-8").partition("\n")
            records.append({"id": path.stem, "title": title, "text": body, "story": SEED_STORY[path.stem[:3]]})
        labelled.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
        for method, pair_model in (("hand-set blend", ""), ("same-story model (all dev sets)", str(model_path))):
            config = Config(cluster=ClusterConfig(pair_model=pair_model))
            story_of = evaluate_files([labelled], "story", config, EMBEDDING_CACHE).story_of
            groups: dict[str, list[str]] = {}
            for article_id, story in story_of.items():
                groups.setdefault(story, []).append(article_id[:3])
            found[method] = " ".join("{" + ", ".join(sorted(group)) + "}" for group in sorted(groups.values()))
            rows.append([method, found[method]])
    print_table("Seeds (expected {000, 003, 004} {001} {002})", ["method", "stories"], rows)
    return found


def _glued_of(path: Path, label_field: str, field_names: dict[str, str], story_of: dict[str, str]) -> int:
    articles, gold = labelled_articles(path, label_field, field_names)
    scored = [(truth, story_of[a.id]) for a, truth in zip(articles, gold, strict=True) if a.id in story_of]
    return _glued([truth for truth, _ in scored], [label for _, label in scored])


if __name__ == "__main__":
    main()
