"""Time windows: the story F1 of dated dev sets fed in time order, and the cost of whole runs over stores of
100k, 300k and 1M articles, with stories closed after ``run.story_window_days`` silent days and archived
past ``reuse.lookback_days`` as well.

    .venv/bin/python bench/bench_scale.py [--sizes 100000 300000 1000000] [--window 30] [--lookback 7]
                                          [--baseline] [--batches 8] [--skip-f1]

F1: UCI dev and giveme dev (the dated sets; ECB+ is undated, and an undated story never closes) in
``--batches`` time-ordered parts, each a run into one store (``Pipeline.run``, as a scheduled job sees
them), scored after the last (every story in the store, archived ones too); story windows of none, 7, 30,
90 and 365 days, the 30-day window with a 7-day reuse lookback (stories archived), and one run over
everything.

Cost: a store spread over two years at the daily volume of a million articles in two years (1,370 a day);
the 100k and 300k stores are its first 73 and 219 days. Texts come from ``bench/corpus.py`` (a pool of
20,000 cleaned articles, reused under new ids and dates); each stored story is one pool headline within one
pass over the pool (about 15 days), and the stories closed past the window and the lookback are archived,
as the runs of those two years would have left them. Then three whole runs (``Pipeline.run``: read,
clean, furniture, MinHash, reuse, embedding, clustering, summaries, store, artifacts): the first over the
built store (it re-clusters the built stories and builds the caches of the working set), one adding 1 %
of a day's volume (14 articles, assigned) and the daily re-clustering. The embedder is simulated
(``_simulated_embedder``: headline embeddings jittered, no model), so that a million texts need not be
embedded; everything else is what a run runs. ``--baseline``: the smallest store again with neither
window nor lookback (the whole store is the working set). Seconds, the slowest stages and peak memory of
each run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cluster_scale import _JITTER, _articles, _headline_embeddings
from common import EMBEDDING_CACHE, GIVEME_DEV, RESULTS, UCI_DEV, peak_gb, print_table, save

from clustering.config import Config, EmbedConfig, ReadConfig, ReuseConfig, RunConfig
from clustering.evaluate import score
from clustering.ingest.clean import CLEANING_VERSION
from clustering.ingest.read import iter_inputs
from clustering.pipeline import Pipeline, ShardEmbedder
from clustering.records import Article, FinishedRun, LineageEvent, Story, article_stories
from clustering.storage.store import StoryStore
from clustering.storage.workspace import Workspace
from clustering.stories.windows import archived_stories

DATED_SETS = {"UCI dev": UCI_DEV, "giveme dev": GIVEME_DEV}
WINDOWS = (None, 7.0, 30.0, 90.0, 365.0)
PER_DAY = 1_000_000 // 730
NEW = PER_DAY // 100  # 1 % of a day's volume
POOL = 20_000
START = datetime(2024, 1, 1, tzinfo=UTC)


def _time_ordered_f1(path: Path, label_field: str, field_names: dict, batches: int) -> dict[str, float]:
    records = [
        (fields, article)
        for fields, article in iter_inputs([path], ReadConfig(field_names=field_names))
        if isinstance(article, Article)
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
        single = [[part] for part in parts]
        settings = [("one run over everything", None, None, [parts])]
        settings += [(f"{batches} runs, window {window or 'none'}", window, None, single) for window in WINDOWS]
        settings.append((f"{batches} runs, window 30, lookback 7 (archiving)", 30.0, 7.0, single))
        for name, window, lookback, runs in settings:
            config = Config(
                read=ReadConfig(field_names=field_names),
                run=RunConfig(story_window_days=window),
                reuse=ReuseConfig(lookback_days=lookback),
            )
            workspace = Workspace(Path(work) / name, EMBEDDING_CACHE)
            for inputs in runs:
                Pipeline(workspace, config, log=lambda _: None).run([str(path) for path in inputs])
            store = StoryStore(workspace.store)
            stories = store.stories(include_archived=True).values()  # the archived ones are stories too
            store.close()
            story_of = article_stories(stories)
            scored = [article_id for article_id in gold if article_id in story_of]
            found[name] = score([gold[a] for a in scored], [story_of[a] for a in scored]).pairwise_f1
    return found


def _simulated_embedder(headline_vectors: dict[str, np.ndarray]) -> ShardEmbedder:
    """An ``embed_shards`` standing in for the model: each text's headline embedding (its first line),
    jittered by a noise seeded with the text, so that a text has one vector wherever it appears."""

    dimensions = len(next(iter(headline_vectors.values())))

    def embed(shards: list[list[str]], config: EmbedConfig, cache_path: str) -> Iterator[np.ndarray]:
        for shard in shards:
            rows = []
            for text in shard:
                rng = np.random.default_rng(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little"))
                noise = rng.standard_normal(dimensions, dtype=np.float32)
                headline = headline_vectors.get(text.split("\n", 1)[0])
                vector = noise if headline is None else headline + _JITTER * noise
                rows.append(vector / np.linalg.norm(vector))
            yield np.vstack(rows)

    return embed


def build_store(workspace: Workspace, size: int, pool: list[Article], config: Config) -> datetime:
    """A store of ``size`` articles at ``PER_DAY`` a day from ``START``, as the runs of two years left it:
    each story one pool headline within one pass over the pool (about 15 days), every story stored (by
    one run), and those closed past the window, the lookback and the thread gap archived (by the next).
    Returns the day after the last."""
    store = StoryStore(workspace.store, CLEANING_VERSION)
    members: dict[tuple[str, int], list[Article]] = defaultdict(list)
    for start in range(0, size, 50_000):
        chunk = [
            replace(pool[number % len(pool)], id=f"s{number}", published=START + timedelta(days=number // PER_DAY))
            for number in range(start, min(size, start + 50_000))
        ]
        store.add_articles(chunk)
        for number, article in enumerate(chunk, start):
            members[(article.title or "", number // len(pool))].append(article)
    stories = {}
    for index, group in enumerate(members.values()):
        dates = [article.published for article in group]
        ids = tuple(article.id for article in group)
        outlets = tuple(dict.fromkeys(article.outlet for article in group if article.outlet))
        key = f"story-{index}"
        stories[key] = Story(key, group[0].title or "", "", (), ids, ids[0], outlets, min(dates), max(dates))
    events = [LineageEvent(story_id, "new") for story_id in stories]  # the history runs would have written
    store.save_run(FinishedRun(list(stories.values()), events, read=store.pending()))
    newest = START + timedelta(days=(size - 1) // PER_DAY)
    archive = archived_stories(
        stories, newest, config.run.story_window_days, config.reuse.lookback_days, config.thread.max_gap_days
    )
    archived = {story.story_id for story in archive}
    working = [story for story in stories.values() if story.story_id not in archived]
    store.save_run(FinishedRun(working, archive=archive))
    store.close()
    return newest + timedelta(days=1)


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM starts again from the resident size


def _feed(folder: Path, name: str, articles: list[Article]) -> str:
    path = folder / f"{name}.jsonl"
    rows = [
        {"id": a.id, "title": a.title, "text": a.text, "source": a.source, "published": a.published.isoformat()}
        for a in articles
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


def _runs_at(size: int, window: float | None, lookback: float | None) -> list[list[object]]:
    """Build a store of ``size`` articles, then time whole runs over it: the first (which builds the band
    index, term counts and embedding cache of the working set), one adding 1 % of a day's volume, and the
    daily re-clustering. Each run's seconds, the slowest stages, and its peak memory."""
    pool = _articles(POOL)
    headlines = sorted({article.title or "" for article in pool})
    headline_vectors = dict(zip(headlines, _headline_embeddings(headlines), strict=True))
    config = Config(
        embed=EmbedConfig(backend="onnx"),  # no backend to choose: the simulated embedder stands in
        run=RunConfig(story_window_days=window),
        reuse=ReuseConfig(lookback_days=lookback),
    )
    rows = []
    rng = np.random.default_rng(size)
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        workspace = Workspace(folder / "store")
        start = time.perf_counter()
        day = build_store(workspace, size, pool, config)
        print(f"{size} stored in {time.perf_counter() - start:.0f} s", flush=True)
        pipeline = Pipeline(workspace, config, embed_shards=_simulated_embedder(headline_vectors), log=lambda _: None)
        label = f"{window:g} / {lookback:g} days" if window and lookback else "none"
        for name, count, recluster in (
            # The built stories are not the clusterer's: the first run re-clusters them (and builds the
            # caches), so that the runs after it meet a store as the clusterer left it.
            ("first run, re-clustering the built store", NEW, True),
            ("1 % of a day, assigned", NEW, False),
            ("daily re-clustering", 0, True),
        ):
            picks = rng.choice(len(pool), count, replace=False).tolist()
            new = [replace(pool[row], id=f"new-{len(rows)}-{row}", published=day) for row in picks]
            inputs = [_feed(folder, f"new-{len(rows)}", new)] if new else []
            _reset_peak()
            start = time.perf_counter()
            report = pipeline.run(inputs, recluster=recluster).report
            seconds = time.perf_counter() - start
            stages = sorted(report.stage_seconds.items(), key=lambda item: -item[1])[:3]
            slowest = ", ".join(f"{stage} {value:.1f}" for stage, value in stages)
            rows.append([size, label, name, report.counts["articles"], seconds, slowest, peak_gb()])
            print(rows[-1], {stage: round(value, 1) for stage, value in report.stage_seconds.items()}, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = [100_000, 300_000, 1_000_000]
    parser.add_argument("--sizes", type=int, nargs="*", default=sizes, help="none: the F1 table alone")
    parser.add_argument("--window", type=float, default=30.0, help="story window of the cost table, in days")
    parser.add_argument("--lookback", type=float, default=7.0, help="reuse lookback of the cost table, in days")
    parser.add_argument("--baseline", action="store_true", help="the smallest store again, with no window")
    parser.add_argument("--batches", type=int, default=8, help="time-ordered runs of the F1 table")
    parser.add_argument("--skip-f1", action="store_true")
    arguments = parser.parse_args()

    # A table this run skips keeps the figures of the last run that made it.
    results: dict[str, object] = json.loads(RESULTS.read_text()).get("scale", {}) if RESULTS.exists() else {}
    if not arguments.skip_f1:
        f1 = {name: _time_ordered_f1(*spec, arguments.batches) for name, spec in DATED_SETS.items()}
        settings = list(next(iter(f1.values())))
        rows = [[setting, *[f1[name][setting] for name in DATED_SETS]] for setting in settings]
        print_table("Story F1, dated dev sets fed in time order", ["runs", *[f"{n} F1" for n in DATED_SETS]], rows)
        results["f1"] = f1

    if not arguments.sizes:
        save("scale", results)
        return
    rows = []
    for size in sorted(arguments.sizes):
        rows += _runs_at(size, arguments.window, arguments.lookback)
    if arguments.baseline:
        rows += _runs_at(min(arguments.sizes), None, None)
    header = ["stored", "window / lookback", "run", "articles read", "seconds", "slowest stages (s)", "peak GB"]
    print_table("Whole runs on a simulated store (one run each, this machine)", header, rows)
    results["cost"] = {"header": header, "rows": rows}
    save("scale", results)


if __name__ == "__main__":
    main()
