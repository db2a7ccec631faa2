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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_resamples import SETS
from common import EMBEDDING_CACHE, print_table, save
from resamples import BASELINE_THRESHOLDS, GOLD, Draw, LabelledSet, average_linkage_labels, load_set, write_records

from clustering.config import Config
from clustering.config_files import load_config
from clustering.evaluate import evaluate_files
from clustering.storage.embedding_cache import EmbeddingCache

MAX_STORIES = 4
MAX_ARTICLES = 5


@dataclass(frozen=True, slots=True)
class PairCounts:
    """Pairs of one or more draws: in one story in both labellings, only in the prediction, only in gold;
    and how many draws, and how many came out exactly."""

    together: int = 0
    only_predicted: int = 0
    only_gold: int = 0
    draws: int = 0
    exact: int = 0

    def __add__(self, other: PairCounts) -> PairCounts:
        return PairCounts(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.together, self.only_predicted, self.only_gold, self.draws, self.exact)

    def scores(self) -> tuple[float, float, float, float]:
        """Pooled precision, recall, F1, and the share of draws that came out exactly."""
        precision = self.together / max(self.together + self.only_predicted, 1)
        recall = self.together / max(self.together + self.only_gold, 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, self.exact / max(self.draws, 1)


def pair_counts(gold: Sequence[str], predicted: Sequence[str]) -> PairCounts:
    def pairs(labels: Sequence[str]) -> int:
        return sum(n * (n - 1) // 2 for n in Counter(labels).values())

    def groups(labels: Sequence[str]) -> set[frozenset[int]]:
        return {frozenset(i for i, label in enumerate(labels) if label == one) for one in set(labels)}

    together = pairs([f"{g}\0{p}" for g, p in zip(gold, predicted, strict=True)])
    exact = groups(gold) == groups(predicted)
    return PairCounts(together, pairs(predicted) - together, pairs(gold) - together, 1, int(exact))


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


def run_counts(feed: Draw, config: Config) -> PairCounts:
    gold_of = {record["id"]: record[GOLD] for record in feed.records}
    with tempfile.TemporaryDirectory(prefix="storyline-small-feed-") as folder:
        path = write_records(feed.records, Path(folder) / "feed.jsonl")
        story_of = evaluate_files([path], GOLD, config, EMBEDDING_CACHE).story_of
    return pair_counts([gold_of[i] for i in story_of], list(story_of.values()))


def baseline_counts(feed: Draw, labelled: LabelledSet) -> list[PairCounts]:
    """Average linkage cut at each of ``BASELINE_THRESHOLDS``."""
    gold, tree = average_linkage_labels(feed, labelled) if len(feed.records) > 1 else ([feed.records[0][GOLD]], None)
    if tree is None:
        return [pair_counts(gold, ["0"])] * len(BASELINE_THRESHOLDS)
    return [pair_counts(gold, [str(label) for label in fcluster(tree, t, "distance")]) for t in BASELINE_THRESHOLDS]


def _total(counts: Sequence[PairCounts]) -> PairCounts:
    return sum(counts, PairCounts())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, action="append", default=[], help="a candidate (TOML); repeatable")
    parser.add_argument("--draws", type=int, default=300)
    arguments = parser.parse_args()
    cache = EmbeddingCache(EMBEDDING_CACHE)
    loaded = {name: load_set(name, *SETS[name], cache) for name in SETS}
    feeds = {name: small_feeds(loaded[name], arguments.draws) for name in loaded}
    baseline = {
        name: [_total(column) for column in zip(*(baseline_counts(f, loaded[name]) for f in feeds[name]), strict=True)]
        for name in loaded
    }
    configs = {"storyline (defaults)": Config()} | {f"storyline ({p.name})": load_config(p) for p in arguments.config}
    results = {}
    for name in loaded:
        rows = []
        for method, config in configs.items():
            rows.append([method, *_total([run_counts(feed, config) for feed in feeds[name]]).scores()])
        others = [other for other in loaded if other != name]
        chosen = int(np.argmax(np.mean([[c.scores()[2] for c in baseline[o]] for o in others], axis=0)))
        cut = BASELINE_THRESHOLDS[chosen]
        rows.append([f"average linkage, cut chosen on other sets ({cut:.3f})", *baseline[name][chosen].scores()])
        sizes = [len(feed.records) for feed in feeds[name]]
        header = ["method", "precision", "recall", "pairwise F1", "draws exactly right"]
        print_table(f"{name}: {len(feeds[name])} small feeds of {min(sizes)}-{max(sizes)} articles", header, rows)
        sys.stdout.flush()
        results[name] = {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}
    if not arguments.config:
        save("small_feeds", results)


if __name__ == "__main__":
    main()
