"""The Storyline pipeline as a Prefect flow: read → clean → MinHash → reuse → embed → cluster → summarise
→ publish. The library does the work; the flow adds logging, retries on I/O, timings and artifacts.

Run it with ``storyline run`` or ``python -m flows.pipeline [INPUT ...]``. With no Prefect server
configured, Prefect runs it in its embedded local mode (SQLite under ~/.prefect).
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import TypeVar

import numpy as np
from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from clustering.clean import clean_articles
from clustering.cluster import StoryClusterer, cluster_articles
from clustering.dedup import find_reuse
from clustering.embed import PACKAGED_MODEL, EmbedConfig, embed_articles
from clustering.lineage import LineageEvent, name_stories
from clustering.minhash import MinHashConfig, word_count
from clustering.publish import publish
from clustering.read import read_inputs
from clustering.records import Article, DedupResult, ReadResult, Reject, RunReport, Story
from clustering.reuse import AttributionRow, ReuseConfig, attribution
from clustering.store import EmbeddingCache, StoryStore, split_new
from clustering.summarize import SummaryConfig, story_positions

T = TypeVar("T")
_VERSIONED_PACKAGES = ("storyline", "datasketch", "sentence-transformers", "torch", "hdbscan", "prefect")
EMBEDDING_CACHE_NAME = "embeddings.sqlite"
STORE_NAME = "store.sqlite"
# Articles per embedding task: large enough to batch well, small enough to spread over workers.
EMBED_SHARD_SIZE = 256

# Stage results are large in-memory objects: no input hashing or result persistence for them.
stage = task(cache_policy=NO_CACHE, persist_result=False)


@stage
def read_stage(inputs: list[str]) -> ReadResult:
    return read_inputs(inputs)


@stage
def clean_stage(articles: list[Article]) -> tuple[list[Article], list[Reject]]:
    return clean_articles(articles)


@contextmanager
def _progress(description: str, total: int, show: bool) -> Iterator[Callable[[int], None] | None]:
    if not show:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as progress:
        bar = progress.add_task(description, total=total)
        yield lambda done: progress.advance(bar, done)


@stage
def reuse_stage(
    articles: list[Article], minhash_config: MinHashConfig, reuse_config: ReuseConfig, show_progress: bool
) -> tuple[DedupResult, list[AttributionRow]]:
    """Passage MinHash signatures, LSH candidates, exact alignment; reprint groups; who reuses whom."""
    with _progress("Finding shared text", len(articles), show_progress) as on_progress:
        dedup = find_reuse(articles, minhash_config, reuse_config, on_progress)
    words = {article.id: word_count(article.body) for article in articles}
    return dedup, attribution(articles, dedup.pairs, words)


@task(cache_policy=NO_CACHE, persist_result=False, retries=2, retry_delay_seconds=2)
def embed_shard(articles: list[Article], config: EmbedConfig, cache_path: str) -> np.ndarray:
    """Embed one shard; shards run in parallel on the flow's task runner (threads, or Dask workers)."""
    cache = EmbeddingCache(cache_path)
    try:
        return embed_articles(articles, config, cache)
    finally:
        cache.close()


def embed_all(articles: list[Article], config: EmbedConfig, cache_path: str, show_progress: bool) -> np.ndarray:
    """Submit the articles in shards of ``EMBED_SHARD_SIZE`` and gather the rows back in order."""
    shards = [articles[start : start + EMBED_SHARD_SIZE] for start in range(0, len(articles), EMBED_SHARD_SIZE)]
    futures = [embed_shard.submit(shard, config, cache_path) for shard in shards]
    rows: list[np.ndarray] = []
    with _progress("Embedding", len(articles), show_progress) as on_progress:
        for shard, future in zip(shards, futures, strict=True):
            rows.append(future.result())
            if on_progress is not None:
                on_progress(len(shard))
    return np.vstack(rows) if rows else np.empty((0, 0), dtype=np.float32)


@stage
def cluster_stage(articles: list[Article], embeddings: np.ndarray, dedup: DedupResult) -> np.ndarray:
    return cluster_articles(articles, embeddings, dedup, StoryClusterer())


@stage
def summarize_stage(
    articles: list[Article],
    labels: np.ndarray,
    embeddings: np.ndarray,
    dedup: DedupResult,
    previous: dict[str, Story],
    used_ids: set[str],
) -> tuple[list[Story], list[LineageEvent]]:
    return name_stories(articles, labels, embeddings, dedup, previous, used_ids, SummaryConfig())


@task(cache_policy=NO_CACHE, persist_result=False, retries=2, retry_delay_seconds=1)
def publish_stage(
    out: str,
    articles: list[Article],
    rejects: list[Reject],
    dedup: DedupResult,
    stories: list[Story],
    report: RunReport,
    lineage: list[dict[str, object]],
) -> list[Path]:
    return publish(out, articles, rejects, dedup, stories, report, lineage)


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in _VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _publish_prefect_artifacts(stories: list[Story], report: RunReport, rejects: list[Reject], out: str) -> None:
    create_table_artifact(
        key="storyline-stories",
        table=[
            {
                "story": story.story_id,
                "headline": story.headline,
                "articles": len(story.article_ids),
                "first": story.first_published.date().isoformat() if story.first_published else "",
                "last": story.last_published.date().isoformat() if story.last_published else "",
                "keywords": ", ".join(story.keywords),
            }
            for story in stories
        ],
        description="Stories of this run, largest first",
    )
    counts = "\n".join(f"| {name} | {value} |" for name, value in report.counts.items())
    timings = "\n".join(f"| {name} | {seconds:.2f} |" for name, seconds in report.stage_seconds.items())
    reject_lines = "\n".join(f"- `{r.id or r.origin}`: {r.reason}" for r in rejects[:50]) or "none"
    create_markdown_artifact(
        key="storyline-run",
        markdown=(
            f"# Storyline run\n\n| count | value |\n|---|---|\n{counts}\n\n"
            f"| stage | seconds |\n|---|---|\n{timings}\n\n## Rejects\n{reject_lines}\n\n"
            f"Dashboard: `{Path(out).resolve() / 'dashboard.html'}`\n"
        ),
        description="Counts, timings and rejects",
    )


@flow(name="storyline-pipeline", log_prints=False)
def pipeline_flow(
    inputs: list[str],
    out: str = "artifacts",
    model: str = PACKAGED_MODEL,
    show_progress: bool = False,
) -> RunReport:
    """Read articles from ``inputs``, group them into stories and write the artifacts into ``out``."""
    logger = get_run_logger()
    seconds: dict[str, float] = {}

    def timed(name: str, call: Callable[[], T]) -> T:
        start = time.perf_counter()
        result = call()
        seconds[name] = round(time.perf_counter() - start, 3)
        return result

    minhash_config = MinHashConfig()
    reuse_config = ReuseConfig()
    embed_config = EmbedConfig(model=model)
    store = StoryStore(Path(out) / STORE_NAME)
    try:
        read = timed("read", lambda: read_stage(inputs))
        stored = store.articles()
        new, conflicts, known = split_new(stored, read.articles)
        articles, empty = timed("clean", lambda: clean_stage(stored + new))
        rejects = [*read.rejects, *conflicts, *empty]
        logger.info("Read %d new articles (%d already stored), rejected %d", len(new), known, len(rejects))
        dedup, attribution_rows = timed(
            "reuse", lambda: reuse_stage(articles, minhash_config, reuse_config, show_progress)
        )
        cache_path = str(Path(out) / "cache" / EMBEDDING_CACHE_NAME)
        embeddings = timed("embed", lambda: embed_all(articles, embed_config, cache_path, show_progress))
        labels = timed("cluster", lambda: cluster_stage(articles, embeddings, dedup))
        previous, used_ids = store.stories(), store.used_story_ids()
        stories, events = timed(
            "summarize", lambda: summarize_stage(articles, labels, embeddings, dedup, previous, used_ids)
        )
        rejected_ids = {reject.id for reject in empty}
        accepted = [article for article in new if article.id not in rejected_ids]
        report = RunReport(
            counts={
                "in": len(read.articles) + len(read.rejects),
                "accepted": len(accepted),
                "already_stored": known,
                "rejected": len(rejects),
                "articles": len(articles),
                "duplicates": len(dedup.duplicate_of),
                "reuse_pairs": len(dedup.pairs),
                "stories": len(stories),
            },
            attribution=[asdict(row) for row in attribution_rows],
            stage_seconds=seconds,
            versions=_versions(),
            config={
                "inputs": list(inputs),
                "minhash": asdict(minhash_config),
                "reuse": asdict(reuse_config),
                "embed": asdict(embed_config),
                "cluster": StoryClusterer().__dict__,
                "summary": asdict(SummaryConfig()),
            },
        )
        # The store is the record of what happened; artifacts are rebuilt from it on every run.
        positions = story_positions(stories, articles, embeddings)
        store.save_run(accepted, stories, events, asdict(report), dedup.pairs, positions)
        publish_stage(out, articles, rejects, dedup, stories, report, store.lineage())
    finally:
        store.close()
    _publish_prefect_artifacts(stories, report, rejects, out)
    logger.info("%d stories from %d articles written to %s", len(stories), len(articles), out)
    return report


def pipeline_on_dask(address: str) -> Flow:
    """The pipeline with its parallel tasks sent to the dask.distributed cluster at ``address``."""
    from prefect_dask import DaskTaskRunner

    return pipeline_flow.with_options(task_runner=DaskTaskRunner(address=address))


if __name__ == "__main__":
    pipeline_flow(inputs=sys.argv[1:] or ["seeds"])
