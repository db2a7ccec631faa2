"""Time windows: the story F1 of dated dev sets fed in time order, and the clustering stage's cost at
100k, 300k and 1M stored articles, with stories closed after ``run.story_window_days`` silent days.

    .venv/bin/python bench/bench_scale.py [--sizes 100000 300000 1000000] [--window 30] [--batches 8]

F1: UCI dev and giveme dev (the dated sets; ECB+ is undated, and an undated story never closes) in
``--batches`` time-ordered parts, each a run into one store (``Pipeline.run``, as a scheduled job sees
them), scored after the last; story windows of none, 7, 30, 90 and 365 days, and one run over everything.

Cost: a store spread over two years at the daily volume of a million articles in two years (1,370 a day);
the 100k and 300k stores are its first 73 and 219 days. Texts come from ``bench/corpus.py`` (a pool of
20,000, reused under new ids and dates) and embeddings are their headlines' jittered, as in
``bench_cluster_scale.py``, each copy jittered again; each stored story is one pool headline within one
pass over the pool (about 15 days). For each size, the clustering stage of a run
(``clustering.stories.windows`` and the clusterer, what ``Pipeline`` runs between embedding and
summaries): a run adding 1 % of a day's volume (14 articles, assigned) and the daily re-clustering of the
open window, each with the window and, at 100k, without it (the baseline). Seconds and peak memory (of
this process, so far). The stages before clustering still read the whole store: they are not measured
here (README, "At 10 million articles").
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cluster_scale import _JITTER, _articles, _embeddings
from common import GIVEME_DEV, UCI_DEV, print_table, save

from clustering.config import Config, ReadConfig, RunConfig
from clustering.evaluate import score
from clustering.ingest.read import iter_inputs
from clustering.pipeline import Pipeline
from clustering.records import Article, DedupResult, Story
from clustering.storage.workspace import Workspace
from clustering.stories.clusterer import StoryClusterer
from clustering.stories.windows import closed_members, newest_date, story_labels

DATED_SETS = {"UCI dev": UCI_DEV, "giveme dev": GIVEME_DEV}
WINDOWS = (None, 7.0, 30.0, 90.0, 365.0)
CACHE = Path(tempfile.gettempdir()) / "storyline-bench-embeddings.sqlite"
PER_DAY = 1_000_000 // 730
NEW = PER_DAY // 100  # 1 % of a day's volume
POOL = 20_000
START = datetime(2024, 1, 1, tzinfo=UTC)


def _time_ordered_f1(path: Path, label_field: str, field_names: dict, batches: int) -> dict[str, float]:
    records = [
        (fields, article) for fields, article in iter_inputs([path], field_names) if isinstance(article, Article)
    ]
    records.sort(key=lambda pair: (pair[1].published is None, pair[1].published or START))
    gold = {article.id: str(fields[label_field]) for fields, article in records}
    found = {}
    with tempfile.TemporaryDirectory() as work:
        parts = []
        for number, rows in enumerate(np.array_split(np.arange(len(records)), batches)):
            part = Path(work) / f"part-{number}.jsonl"
            part.write_text("".join(json.dumps(records[row][0], default=str) + "\n" for row in rows))
            parts.append(part)
        settings = [("one run over everything", None, [parts])]
        settings += [
            (f"{batches} runs, window {window or 'none'}", window, [[part] for part in parts]) for window in WINDOWS
        ]
        for name, window, runs in settings:
            config = Config(read=ReadConfig(field_names=field_names), run=RunConfig(story_window_days=window))
            workspace = Workspace(Path(work) / name, CACHE)
            for inputs in runs:
                result = Pipeline(workspace, config, log=lambda _: None).run([str(path) for path in inputs])
            story_of = {article_id: story.story_id for story in result.stories for article_id in story.article_ids}
            scored = [article_id for article_id in gold if article_id in story_of]
            found[name] = score([gold[a] for a in scored], [story_of[a] for a in scored]).pairwise_f1
    return found


def _store(size: int, pool: list[Article], pool_embeddings: np.ndarray) -> tuple[list[Article], np.ndarray, dict]:
    """``size`` articles at ``PER_DAY`` a day from ``START``, and their stories as a last run left them. The
    embeddings have ``NEW`` rows more at the end, for a run's new articles: a run holds one matrix."""
    rows = np.arange(size) % len(pool)
    articles = [
        replace(pool[row], id=f"s{number}", published=START + timedelta(days=number // PER_DAY))
        for number, row in enumerate(rows.tolist())
    ]
    members: dict[tuple[str, int], list[Article]] = defaultdict(list)
    for number, article in enumerate(articles):
        members[(article.title or "", number // len(pool))].append(article)
    previous = {}
    for index, group in enumerate(members.values()):
        story_id = f"story-{index}"
        dates = [article.published for article in group]
        ids = tuple(article.id for article in group)
        previous[story_id] = Story(story_id, "", "", (), ids, ids[0], (), min(dates), max(dates))
    # Each copy of a pool text gets a jitter of its own, in chunks: a whole-store temporary (the copied rows,
    # the noise) would be the benchmark's own 1.5 GB at a million, counted in the stage's peak.
    embeddings = np.zeros((size + NEW, pool_embeddings.shape[1]), dtype=np.float32)
    rng = np.random.default_rng(size)
    for start in range(0, size, 100_000):
        chunk = embeddings[start : min(start + 100_000, size)]
        chunk[:] = pool_embeddings[rows[start : start + len(chunk)]]
        chunk += _JITTER * rng.standard_normal(chunk.shape, dtype=np.float32)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
    return articles, embeddings, previous


def _stage(every: list[Article], embeddings: np.ndarray, previous: dict, window: float | None, recluster: bool):
    """The clustering stage of a run over the store and its new articles (what ``Pipeline._labels`` does)."""
    dedup = DedupResult([], {})
    closed = closed_members(previous, newest_date(every), window)
    labels = story_labels(every, embeddings, dedup, StoryClusterer(), previous, closed, recluster)
    return labels, len(every) - len(closed)  # the open window's size: no reprints here to follow the closed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = [100_000, 300_000, 1_000_000]
    parser.add_argument("--sizes", type=int, nargs="*", default=sizes, help="none: the F1 table alone")
    parser.add_argument("--window", type=float, default=30.0, help="story window of the cost table, in days")
    parser.add_argument("--batches", type=int, default=8, help="time-ordered runs of the F1 table")
    parser.add_argument("--skip-f1", action="store_true")
    arguments = parser.parse_args()

    results: dict[str, object] = {}
    if not arguments.skip_f1:
        f1 = {name: _time_ordered_f1(*spec, arguments.batches) for name, spec in DATED_SETS.items()}
        settings = list(next(iter(f1.values())))
        rows = [[setting, *[f1[name][setting] for name in DATED_SETS]] for setting in settings]
        print_table("Story F1, dated dev sets fed in time order", ["runs", *[f"{n} F1" for n in DATED_SETS]], rows)
        results["f1"] = f1

    if not arguments.sizes:
        save("scale", results)
        return
    pool = _articles(POOL)
    pool_embeddings = _embeddings(pool)
    rng = np.random.default_rng(1)
    # Compiling the clusterer's loops and the first neighbour search are no run's cost at scale.
    warm, warm_embeddings, warm_stories = _store(2_000, pool, pool_embeddings)
    _stage(warm, warm_embeddings[: len(warm)], warm_stories, None, True)
    rows = []
    for size in sorted(arguments.sizes):
        articles, embeddings, previous = _store(size, pool, pool_embeddings)
        day = articles[-1].published + timedelta(days=1)
        picks = rng.choice(len(pool), NEW, replace=False).tolist()
        articles += [replace(pool[row], id=f"new{row}", published=day) for row in picks]
        embeddings[size:] = pool_embeddings[picks]
        windows = [arguments.window, None] if size == min(arguments.sizes) else [arguments.window]
        for window in windows:
            for kind, recluster in (("1 % of a day, assigned", False), ("daily re-clustering", True)):
                start = time.perf_counter()
                _, open_count = _stage(articles, embeddings, previous, window, recluster)
                seconds = time.perf_counter() - start
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
                label = f"{window:g} days" if window else "none"
                rows.append([size, label, kind, open_count, seconds, peak])
                print(f"{size} stored, window {label}, {kind}: {seconds:.1f} s", flush=True)
        del articles, embeddings, previous
    header = ["stored articles", "story window", "run", "articles in the open window", "seconds", "peak GB so far"]
    print_table("Clustering stage with time windows (simulated store, one run, this machine)", header, rows)
    results["cost"] = {"header": header, "rows": rows}
    save("scale", results)


if __name__ == "__main__":
    main()
