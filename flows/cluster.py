"""Clustering as a Prefect flow: the stored articles → reuse → embed → cluster → summarise → publish.

``cluster_flow`` runs over the store that ``ingest_flow`` fills; ``pipeline_flow`` runs both. The library
does the work; the flow adds logging, retries on I/O, content-keyed caching of embeddings, timings and
Prefect artifacts.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext
from prefect.utilities.annotations import quote
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from clustering.config import PACKAGED_MODEL, EmbedConfig, MinHashConfig, ReuseConfig, SummaryConfig
from clustering.embed.embedding import backend_for, cached_embeddings, embed_texts, embedding_text
from clustering.ingest.clean import clean_articles
from clustering.publish.artifacts import publish
from clustering.records import Article, DedupResult, Reject, ReusePair, RunReport, Story
from clustering.reuse.dedup import SignedArticle, band_index, index_settings, sign_articles, update_reuse
from clustering.reuse.pairs import AttributionRow, attribution
from clustering.storage.band_index import BandIndex
from clustering.storage.lock import DEFAULT_WAIT_SECONDS, exclusive
from clustering.storage.store import EmbeddingCache, StoryStore
from clustering.stories.clusterer import StoryClusterer, assign_articles, cluster_articles
from clustering.stories.lineage import LineageEvent, name_stories
from clustering.stories.summarize import story_positions
from clustering.stories.term_counts import TermCounts, count_terms
from clustering.stories.term_matrix import TERM_SCHEME
from flows.ingest import STORE_NAME, Ingested, rejects_markdown
from flows.results import NumpySerializer, content_key

T = TypeVar("T")
_VERSIONED_PACKAGES = ("storyline", "datasketch", "sentence-transformers", "torch", "hdbscan", "prefect")
EMBEDDING_CACHE_NAME = "embeddings.sqlite"
BAND_INDEX_NAME = "bands.npz"
TERM_COUNTS_NAME = "terms.npz"
# Articles per embedding task: large enough to batch well, small enough to spread over workers.
SHARD_SIZE = 256

# A run over at most this share of new articles assigns them to the stored stories. Measured on ECB+ and
# UCI dev (README): 1-5 % new keeps pairwise F1 within 0.01 of clustering everything; 10-25 % loses 0.01-0.08.
INCREMENTAL_SHARE = 0.05

# Stage results are large in-memory objects: no input hashing or result persistence for them. Their large
# arguments are passed in ``quote``: Prefect would otherwise walk every field of every article looking for
# futures, about 5 s per stage at 10,000 articles.
stage = task(cache_policy=NO_CACHE, persist_result=False)


@stage
def clean_stage(articles: list[Article]) -> tuple[list[Article], list[Reject]]:
    """Clean the stored articles that have no cleaning by the current rules (stored before cleanings were
    kept, or cleaned by older rules); the others are kept as they are."""
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
def minhash_stage(
    articles: list[Article], minhash_config: MinHashConfig, reuse_config: ReuseConfig
) -> list[SignedArticle]:
    """Tokenise and sign the passage windows of the articles the band index does not hold. One task:
    compiled signing does about 20,000 articles a second, less than Prefect's own cost of handing shards
    of articles to parallel tasks (measured: 0.5 s in process against 8 s as shards of 256 at 10,000)."""
    return sign_articles(articles, minhash_config, reuse_config)


@stage
def reuse_stage(
    articles: list[Article],
    signed: list[SignedArticle],
    stored_index: BandIndex | None,
    known_ids: set[str],
    known_pairs: list[ReusePair],
    minhash_config: MinHashConfig,
    reuse_config: ReuseConfig,
    index_path: str,
    show_progress: bool,
) -> tuple[DedupResult, list[AttributionRow]]:
    """LSH candidates from the band fingerprints of every passage window (the stored index's, and the
    signed articles'), exact alignment of the articles new since the last run; reprint groups; who
    reuses whom. The index of every article is saved for the next run."""
    index = band_index(signed, minhash_config, reuse_config)
    index = stored_index.extended(index) if stored_index is not None else index
    with _progress("Finding shared text", len(articles), show_progress) as on_progress:
        dedup = update_reuse(articles, known_ids, known_pairs, minhash_config, reuse_config, on_progress, signed, index)
    # Saved now rather than with the run: it holds this run's pending articles, so after a run that fails
    # before saving, it does not hold exactly the finished ones and the next run builds it again.
    index.save(index_path)
    # Each body's length in words: its \w+ runs, as the MinHash stage tokenised them (not counted again).
    words = dict(zip(index.article_ids, index.words.tolist(), strict=True))
    return dedup, attribution(articles, dedup.pairs, words)


def _usable_index(path: Path, settings: str, known_ids: set[str], articles: list[Article]) -> BandIndex | None:
    """The stored band index if it holds exactly the articles of finished runs, all still clustered."""
    stored = BandIndex.load(path, settings)
    if stored is None or not stored.holds_exactly(known_ids):
        return None
    return stored if known_ids <= {article.id for article in articles} else None


def _shard_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    config: EmbedConfig = parameters["config"]
    return content_key("embed", config.model, config.max_tokens, *parameters["texts"])


# Keyed on the texts and the model setting, never on a model object; persisted as .npy, so a run
# started again after a crash takes the shards it already embedded from Prefect's result store.
@task(
    cache_key_fn=_shard_key,
    persist_result=True,
    result_serializer=NumpySerializer(),
    retries=2,
    retry_delay_seconds=2,
)
def embed_shard(texts: list[str], config: EmbedConfig, cache_path: str) -> np.ndarray:
    """Embed one shard of texts (``embedding_text`` of articles: strings, which Prefect and Dask hand over
    cheaply); shards run in parallel on the flow's task runner (threads, or Dask workers)."""
    cache = EmbeddingCache(cache_path)
    try:
        return embed_texts(texts, config, cache)
    finally:
        cache.close()


def _shards(texts: list[str]) -> list[list[str]]:
    return [texts[start : start + SHARD_SIZE] for start in range(0, len(texts), SHARD_SIZE)]


def embed_all(articles: list[Article], config: EmbedConfig, cache_path: str, show_progress: bool) -> np.ndarray:
    """Embeddings of the articles: the cached ones read at once, the others submitted in shards of
    ``SHARD_SIZE`` distinct texts."""
    texts = [embedding_text(article) for article in articles]
    cache = EmbeddingCache(cache_path)
    try:
        vectors = cached_embeddings(texts, config, cache)
    finally:
        cache.close()
    shards = _shards([text for text in dict.fromkeys(texts) if text not in vectors])
    # One backend for the whole run, chosen by everything it embeds, not shard by shard.
    config = replace(config, backend=backend_for(config, sum(map(len, shards))))
    futures = [embed_shard.submit(shard, config, cache_path) for shard in shards]
    with _progress("Embedding", sum(map(len, shards)), show_progress) as on_progress:
        for shard, future in zip(shards, futures, strict=True):
            vectors.update(zip(shard, future.result(), strict=True))
            if on_progress is not None:
                on_progress(len(shard))
    return np.vstack([vectors[text] for text in texts]) if texts else np.empty((0, 0), dtype=np.float32)


@stage
def cluster_stage(
    articles: list[Article],
    embeddings: np.ndarray,
    dedup: DedupResult,
    previous: dict[str, Story],
    recluster: bool,
    term_counts_path: str,
) -> tuple[np.ndarray, TermCounts]:
    """Assign the new articles to the stored stories, or (``recluster``) cluster every article again; with
    the term counts of the original articles, those of the last run reused (summaries take them on)."""
    texts = {article.id: article.titled_body for article in articles if article.id not in dedup.duplicate_of}
    term_counts = count_terms(texts, TermCounts.load(term_counts_path, TERM_SCHEME))
    if recluster:
        return cluster_articles(articles, embeddings, dedup, StoryClusterer(), term_counts), term_counts
    story_of = {article_id: row for row, story in enumerate(previous.values()) for article_id in story.article_ids}
    return assign_articles(articles, embeddings, dedup, StoryClusterer(), story_of, term_counts), term_counts


def reclusters(pending: int, stored: int, has_stories: bool, asked: bool) -> bool:
    """Whether a run clusters everything again: when asked, on the first run, or when the new articles are
    more than ``INCREMENTAL_SHARE`` of the store (assigning them one by one would miss what they change)."""
    return asked or not has_stories or pending > INCREMENTAL_SHARE * stored


@stage
def summarize_stage(
    articles: list[Article],
    labels: np.ndarray,
    embeddings: np.ndarray,
    dedup: DedupResult,
    previous: dict[str, Story],
    used_ids: set[str],
    term_counts: TermCounts,
    term_counts_path: str,
) -> tuple[list[Story], list[LineageEvent]]:
    """Ids, lineage and descriptions of the stories; the clustering stage's term counts are reused and
    saved for the next run (a cache: each row is checked against the text it counted)."""
    stories, events, term_counts = name_stories(
        articles,
        labels,
        embeddings,
        dedup,
        previous,
        used_ids,
        SummaryConfig(),
        term_counts,
    )
    term_counts.save(term_counts_path)
    return stories, events


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


def _publish_prefect_artifacts(changed: list[Story], report: RunReport, rejects: list[Reject], out: str) -> None:
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
            for story in changed
        ],
        description="Stories that appeared or changed in this run, largest first",
    )
    counts = "\n".join(f"| {name} | {value} |" for name, value in report.counts.items())
    timings = "\n".join(f"| {name} | {seconds:.2f} |" for name, seconds in report.stage_seconds.items())
    create_markdown_artifact(
        key="storyline-run",
        markdown=(
            f"# Storyline run\n\n| count | value |\n|---|---|\n{counts}\n\n"
            f"| stage | seconds |\n|---|---|\n{timings}\n\n{rejects_markdown(rejects)}\n"
            f"Dashboard: `{Path(out).resolve() / 'dashboard.html'}`\n"
        ),
        description="Counts, timings and rejects",
    )
    create_link_artifact(
        key="storyline-dashboard",
        link=(Path(out).resolve() / "dashboard.html").as_uri(),
        link_text="Storyline dashboard",
        description="The static dashboard of this run (or serve the store with `storyline serve`)",
    )


def cluster(
    out: str,
    model: str = PACKAGED_MODEL,
    ingested: Ingested | None = None,
    show_progress: bool = False,
    recluster: bool = False,
) -> RunReport:
    """Group every stored article into stories and write the artifacts into ``out``.

    ``ingested`` is what this run's ingestion saw (counted in run.json; its rejects are published). New
    articles are assigned to the stored stories unless ``recluster`` is asked for or ``reclusters`` says so.
    """
    logger = get_run_logger()
    ingested = ingested or Ingested()
    seconds = dict(ingested.stage_seconds)

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
        read_upto = store.last_seq()
        pending = store.pending_count()
        stored = store.articles()
        articles, empty = timed("clean", lambda: clean_stage(quote(stored)))
        stale = {article.id for article in stored if not article.body_spans}
        store.save_cleaning([article for article in articles if article.id in stale])
        rejects = [*ingested.rejects, *empty]
        # Pairs among the articles of finished runs are in the store; only the pending ones are aligned.
        known_ids, known_pairs = store.finished_ids(), store.pairs()
        index_path = Path(out) / "cache" / BAND_INDEX_NAME
        stored_index = _usable_index(index_path, index_settings(minhash_config, reuse_config), known_ids, articles)
        unindexed = articles if stored_index is None else [a for a in articles if a.id not in known_ids]
        signed = timed("minhash", lambda: minhash_stage(quote(unindexed), minhash_config, reuse_config))
        dedup, attribution_rows = timed(
            "reuse",
            partial(
                reuse_stage,
                quote(articles),
                quote(signed),
                quote(stored_index),
                quote(known_ids),
                quote(known_pairs),
                minhash_config,
                reuse_config,
                str(index_path),
                show_progress,
            ),
        )
        del signed, stored_index  # signatures and fingerprints, not needed past this stage: memory back
        cache_path = str(Path(out) / "cache" / EMBEDDING_CACHE_NAME)
        embeddings = timed("embed", lambda: embed_all(articles, embed_config, cache_path, show_progress))
        previous, used_ids = store.stories(), store.used_story_ids()
        recluster = reclusters(pending, len(articles), bool(previous), recluster)
        term_counts_path = str(Path(out) / "cache" / TERM_COUNTS_NAME)
        labels, term_counts = timed(
            "cluster",
            lambda: cluster_stage(
                quote(articles), embeddings, quote(dedup), quote(previous), recluster, term_counts_path
            ),
        )
        stories, events = timed(
            "summarize",
            lambda: summarize_stage(
                quote(articles),
                labels,
                embeddings,
                quote(dedup),
                quote(previous),
                quote(used_ids),
                quote(term_counts),
                term_counts_path,
            ),
        )
        report = RunReport(
            counts={
                "in": ingested.read,
                "accepted": pending,
                "already_stored": ingested.known,
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
                "minhash": asdict(minhash_config),
                "reuse": asdict(reuse_config),
                "embed": asdict(embed_config),
                "cluster": {**StoryClusterer().get_params(), "all_clustered_again": recluster},
                "summary": asdict(SummaryConfig()),
            },
        )
        # The store is the record of what happened; artifacts are rebuilt from it on every run.
        positions = story_positions(stories, articles, embeddings)
        changed = _changed_stories(stories, previous)
        store.save_run(stories, events, asdict(report), dedup.pairs, positions, read_upto)
        publish_stage(
            out, quote(articles), quote(rejects), quote(dedup), quote(stories), report, quote(store.lineage())
        )
    finally:
        store.close()
    _publish_prefect_artifacts(changed, report, rejects, out)
    logger.info("%d stories from %d articles written to %s", len(stories), len(articles), out)
    return report


def _changed_stories(stories: list[Story], previous: dict[str, Story]) -> list[Story]:
    """Stories that are new or differ from the stored ones of the same id."""
    return [story for story in stories if previous.get(story.story_id) != story]


@flow(name="storyline-cluster")
def cluster_flow(
    out: str = "artifacts",
    model: str = PACKAGED_MODEL,
    recluster: bool = False,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
) -> RunReport:
    """Group the articles in the store in ``out`` (filled by ``ingest_flow``) into stories; publish them.
    ``recluster``: cluster every article again instead of assigning the new ones to the stored stories.
    Waits up to ``wait_seconds`` for another run on the same store to finish."""
    with exclusive(Path(out) / STORE_NAME, wait_seconds, get_run_logger().warning):
        return cluster(out, model, recluster=recluster)


if __name__ == "__main__":
    cluster_flow(out=sys.argv[1] if len(sys.argv) > 1 else "artifacts")
