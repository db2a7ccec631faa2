"""Small feeds: a few stories of a few articles each, drawn from each dev set, clustered as a run clusters them.

    .venv/bin/python bench/bench_small_feeds.py [--config candidate.toml ...] [--draws 300]

The resample draws (``bench_resamples.py``) hold 46 articles and more; a newsroom's hourly feed, or a
monitoring query, may hold ten. Each draw here takes 1 to 4 stories of a set at random and 1 to 5 of each
one's articles (seeded), writes them as one JSONL file and scores the stories a run in a fresh folder makes
of them (``resamples.run_scores``' way, without assignment). A draw holds few pairs, and many hold none, so
the pairs are pooled over the draws: precision, recall and F1 of all their pairs, and the share of draws
whose stories come out exactly as labelled. Printed per set, with the defaults (and, given ``--config``,
candidates in the same run), beside average linkage on the same embeddings cut at one cosine distance,
chosen leave-one-dataset-out on the other sets' small feeds (the best pooled F1 there).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_resamples import SETS
from common import EMBEDDING_CACHE, print_table, save
from resamples import BASELINE_THRESHOLDS, GOLD, Draw, LabelledSet, average_linkage_labels, load_set, write_records

from clustering.config import Config
from clustering.config_files import load_config
from clustering.evaluate import evaluate_files, score
from clustering.storage.embedding_cache import EmbeddingCache

MAX_STORIES = 4
MAX_ARTICLES = 5


# One feed's labelling: its articles' gold stories and the stories a method gave them, in the same order.
Labelling = tuple[list[str], list[str]]


def pooled(labellings: Sequence[Labelling]) -> tuple[float, float, float, float]:
    """Pairwise precision, recall and F1 over the pairs of all the feeds (labels kept apart by feed, so no
    pair crosses two), and the share of feeds labelled exactly as their gold stories (no pair wrong, none
    missed)."""
    gold = [f"{feed}:{label}" for feed, (labels, _) in enumerate(labellings) for label in labels]
    predicted = [f"{feed}:{label}" for feed, (_, labels) in enumerate(labellings) for label in labels]
    total = score(gold, predicted)
    feeds = [score(*labelling) for labelling in labellings]
    exact = sum(one.pairwise_precision == one.pairwise_recall == 1.0 for one in feeds) / max(len(feeds), 1)
    return total.pairwise_precision, total.pairwise_recall, total.pairwise_f1, exact


def small_feeds(labelled: LabelledSet, count: int, seed: int = 7) -> list[Draw]:
    """``count`` draws of 1 to ``MAX_STORIES`` stories, 1 to ``MAX_ARTICLES`` articles of each."""
    by_story: dict[str, list[dict]] = {}
    for record in labelled.records:
        by_story.setdefault(record[GOLD], []).append(record)
    stories = sorted(by_story)
    rng = np.random.default_rng(seed)
    feeds = []
    for number in range(count):
        records = []
        for story in rng.choice(len(stories), int(rng.integers(1, MAX_STORIES + 1)), replace=False):
            pool = by_story[stories[story]]
            size = min(int(rng.integers(1, MAX_ARTICLES + 1)), len(pool))
            records += [pool[row] for row in rng.choice(len(pool), size, replace=False)]
        feeds.append(Draw(f"feed {number}", records))
    return feeds


def run_labelling(feed: Draw, config: Config) -> Labelling:
    gold_of = {record["id"]: record[GOLD] for record in feed.records}
    with tempfile.TemporaryDirectory(prefix="storyline-small-feed-") as folder:
        path = write_records(feed.records, Path(folder) / "feed.jsonl")
        story_of = evaluate_files([path], GOLD, config, EMBEDDING_CACHE).story_of
    return [gold_of[i] for i in story_of], list(story_of.values())


def baseline_labellings(feed: Draw, labelled: LabelledSet) -> list[Labelling]:
    """Average linkage cut at each of ``BASELINE_THRESHOLDS``."""
    if len(feed.records) == 1:
        return [([feed.records[0][GOLD]], ["0"])] * len(BASELINE_THRESHOLDS)
    gold, tree = average_linkage_labels(feed, labelled)
    return [(gold, [str(label) for label in fcluster(tree, t, "distance")]) for t in BASELINE_THRESHOLDS]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, action="append", default=[], help="a candidate (TOML); repeatable")
    parser.add_argument("--draws", type=int, default=300)
    arguments = parser.parse_args()
    cache = EmbeddingCache(EMBEDDING_CACHE)
    loaded = {name: load_set(name, *SETS[name], cache) for name in SETS}
    feeds = {name: small_feeds(loaded[name], arguments.draws) for name in loaded}
    baseline = {}
    for name in loaded:
        per_feed = [baseline_labellings(feed, loaded[name]) for feed in feeds[name]]
        baseline[name] = [pooled(column) for column in zip(*per_feed, strict=True)]
    configs = {"storyline (defaults)": Config()} | {f"storyline ({p.name})": load_config(p) for p in arguments.config}
    results = {}
    for name in loaded:
        rows = []
        for method, config in configs.items():
            rows.append([method, *pooled([run_labelling(feed, config) for feed in feeds[name]])])
        others = [other for other in loaded if other != name]
        chosen = int(np.argmax(np.mean([[scores[2] for scores in baseline[o]] for o in others], axis=0)))
        cut = BASELINE_THRESHOLDS[chosen]
        rows.append([f"average linkage, cut chosen on other sets ({cut:.3f})", *baseline[name][chosen]])
        sizes = [len(feed.records) for feed in feeds[name]]
        header = ["method", "precision", "recall", "pairwise F1", "draws exactly right"]
        print_table(f"{name}: {len(feeds[name])} small feeds of {min(sizes)}-{max(sizes)} articles", header, rows)
        sys.stdout.flush()
        results[name] = {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}
    if not arguments.config:
        save("small_feeds", results)


if __name__ == "__main__":
    main()
