"""One run of the pipeline: read → clean → shingle/MinHash → reuse & duplicates → embed → cluster →
summarise → publish, over a workspace, under one configuration.

``Pipeline(workspace, config).run(inputs)`` does the whole run in this process, without Prefect; so do
``storyline evaluate``, the benchmarks and the tests. The flows in ``flows/`` run the same object and add
only what Prefect is for: they hand it a ``StageRunner`` that makes each step a task (retries on I/O,
task-run records), a ``ShardEmbedder`` that embeds shards as cached, persisted tasks on the flow's task
runner, and Prefect artifacts from the result.

A run is two halves, which the flows can also schedule apart: ``ingest`` reads the inputs and stores the
new articles as *pending*; ``cluster`` takes every stored article to stories and publishes. Between them
the store is the record, so a crash between the halves loses nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from clustering.config import Config, EmbedConfig
from clustering.embed.embedding import cache_key, cached_embeddings, embed_texts, embedding_text, settled
from clustering.ingest.clean import CLEANING_VERSION, clean_article, clean_articles, split_empty
from clustering.ingest.fetch import is_url, land
from clustering.ingest.furniture import FurnitureLearner
from clustering.ingest.read import read_inputs
from clustering.publish.artifacts import archive_name, publish
from clustering.records import Article, DedupResult, Reject, ReusePair, RunReport, Story
from clustering.reuse.dedup import SignedArticle, build_band_index, index_settings, sign_articles, update_reuse
from clustering.reuse.edits import with_copy_edits
from clustering.reuse.pairs import attribution
from clustering.storage.band_index import BandIndex
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.storage.lock import exclusive
from clustering.storage.store import StoryStore, split_new
from clustering.storage.workspace import Workspace
from clustering.stories.clusterer import StoryClusterer
from clustering.stories.headline import split_articles
from clustering.stories.lineage import name_stories
from clustering.stories.same_story import load_same_story_model
from clustering.stories.summarize import story_positions
from clustering.stories.term_counts import TermCounts, count_terms
from clustering.stories.term_matrix import TERM_SCHEME
from clustering.stories.threads import thread_stories
from clustering.stories.windows import archived_stories, closed_members, newest_date, story_labels

T = TypeVar("T")
_LOGGER = logging.getLogger(__name__)
_VERSIONED_PACKAGES = ("storyline", "datasketch", "sentence-transformers", "torch", "hdbscan", "prefect")


class StageRunner(Protocol):
    """Runs one named step of a run (``step`` takes no arguments) and returns its result."""

    def __call__(self, name: str, step: Callable[[], T]) -> T: ...


def run_inline(name: str, step: Callable[[], T]) -> T:
    """The library's runner: the step, here and now."""
    return step()


class ShardEmbedder(Protocol):
    """Embeds shards of distinct texts, yielding each shard's vectors in order (each shard's texts go
    into the embedding cache at ``cache_path`` as they are embedded)."""

    def __call__(self, shards: list[list[str]], config: EmbedConfig, cache_path: str) -> Iterator[np.ndarray]: ...


def embed_inline(shards: list[list[str]], config: EmbedConfig, cache_path: str) -> Iterator[np.ndarray]:
    """The library's embedder: one shard after another, in this process."""
    cache = EmbeddingCache(cache_path)
    try:
        for shard in shards:
            yield embed_texts(shard, config, cache)
    finally:
        cache.close()


# A progress display: ``(description, total)`` gives a context whose value, when not None, is called
# with each amount of work done.
Progress = Callable[[str, int], AbstractContextManager[Callable[[int], None] | None]]


def no_progress(description: str, total: int) -> AbstractContextManager[Callable[[int], None] | None]:
    return nullcontext(None)


class StageTimer:
    """Seconds per stage, as datatrove's ``track_time`` keeps them: ``with timer.track("embed"): ...``."""

    def __init__(self, seconds: dict[str, float] | None = None) -> None:
        self.seconds: dict[str, float] = dict(seconds or {})

    @contextmanager
    def track(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - start, 3)


@dataclass
class Ingested:
    """What one ingestion saw: records in, articles added to the store, the ids of those it found already
    stored (and skipped), rejects."""

    read: int = 0
    added: int = 0
    known_ids: frozenset[str] = frozenset()
    rejects: list[Reject] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # Files not read, with the reason (another type; a Storyline output folder).
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a clustering run made: its report, every story, those that are new or changed, the rejects."""

    report: RunReport
    stories: list[Story]
    changed: list[Story]
    rejects: list[Reject]


@dataclass(frozen=True, slots=True)
class Prepared:
    """The stored articles as clustering reads them: cleaned, without their outlets' furniture (``learned``
    holds every cleaned article, ``articles`` those with a body left), their shared text found, embedded."""

    articles: list[Article]
    embeddings: np.ndarray
    dedup: DedupResult
    # Words of each article, as the reuse stage counted them.
    words: dict[str, int]
    learned: list[Article]
    furniture: dict[str, set[int]]
    # Articles cleaned again this time (their cleaning is saved with the run).
    recleaned: set[str]
    rejects: list[Reject]


def versions() -> dict[str, str]:
    """The versions of Python and of the packages that shape a run's output."""
    found = {"python": platform.python_version()}
    for package in _VERSIONED_PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


def shards_of(texts: Sequence[str], size: int) -> list[list[str]]:
    return [list(texts[start : start + size]) for start in range(0, len(texts), size)]


class Pipeline:
    """A run over ``workspace`` (a folder, or a ``Workspace``) under ``config``.

    ``stage_runner``, ``embed_shards`` and ``progress`` are how an orchestrator takes part (see the
    module's docstring); the defaults run everything here. ``log`` receives what a person running it
    wants to know (counts, a wait for another run).
    """

    def __init__(
        self,
        workspace: Workspace | Path | str,
        config: Config | None = None,
        *,
        stage_runner: StageRunner = run_inline,
        embed_shards: ShardEmbedder = embed_inline,
        progress: Progress = no_progress,
        log: Callable[[str], None] = _LOGGER.info,
    ) -> None:
        self.workspace = workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))
        self.config = config or Config()
        if self.config.cluster.pair_model:  # a missing or broken model file fails here, before any work
            load_same_story_model(self.config.cluster.pair_model)
        self.stage_runner = stage_runner
        self.embed_shards = embed_shards
        self.progress = progress
        self.log = log

    def holding_store(self) -> AbstractContextManager[None]:
        """The store held by this run alone (another run on it waits; see ``storage.lock``)."""
        return exclusive(self.workspace.store, self.config.run.lock_wait_seconds, self.log)

    def run(self, inputs: Sequence[str], recluster: bool = False) -> RunResult:
        """Ingest ``inputs`` (files, folders, http(s) URLs), then cluster, holding the store throughout."""
        with self.holding_store():
            return self.cluster(self.ingest(inputs), recluster)

    def _stage(self, name: str, step: Callable[[], T], timer: StageTimer) -> T:
        with timer.track(name):
            return self.stage_runner(name, step)

    def ingest(self, inputs: Sequence[str]) -> Ingested:
        """Fetch the URLs among ``inputs`` into the inbox, read every file and folder, clean the new
        articles and add them to the store as pending. The workspace itself is never read as input."""
        timer = StageTimer()
        urls = [value for value in inputs if is_url(value)]
        paths = [value for value in inputs if not is_url(value)]
        fetch_rejects: list[Reject] = []
        if urls:
            inbox, pages = self.workspace.inbox, self.workspace.pages
            fetch_config, read_config = self.config.fetch, self.config.read
            fetch_rejects = self._stage(
                "fetch", lambda: land(urls, inbox, pages, fetch_config, read=read_config), timer
            )
            paths.append(str(inbox))
        with timer.track("read"):
            read_config, outputs = self.config.read, [self.workspace.root]
            read = self.stage_runner("read", lambda: read_inputs(paths, read_config, outputs))
            store = StoryStore(self.workspace.store, CLEANING_VERSION)
            try:
                stored_texts = store.texts_of(article.id for article in read.articles)
                new, conflicts, known = split_new(stored_texts, read.articles)
                # Cleaned once, here: the store keeps each article as read and what cleaning found in it.
                cleaned, empty = clean_articles(new)
                cleaned, not_articles = split_articles(cleaned)
                added = store.add_articles(cleaned)
                # Another writer stored some of them meanwhile: each is known, or a conflict, like any other.
                raced = [article for article in cleaned if article.id not in added]
                _, raced_conflicts, raced_known = split_new(store.texts_of(a.id for a in raced), raced)
            finally:
                store.close()
        conflicts, known = [*conflicts, *raced_conflicts], frozenset([*known, *raced_known])
        rejects = [*fetch_rejects, *read.rejects, *conflicts, *empty, *not_articles]
        records = len(read.articles) + len(read.rejects)
        self.log(f"Read {records} records: {len(added)} new, {len(known)} already stored, {len(rejects)} rejected")
        return Ingested(records, len(added), known, rejects, timer.seconds, read.skipped)

    def reclusters(self, pending: int, stored: int, has_stories: bool, asked: bool) -> bool:
        """Whether a run clusters the open window again: when asked, when no story is open (the first
        run), or when the new articles are more than ``config.run.incremental_share`` of the ``stored``
        articles in the open window (assigning them one by one would miss what they change)."""
        return asked or not has_stories or pending > self.config.run.incremental_share * stored

    def stored_band_index(
        self, settings: str, known_ids: set[str], articles: list[Article], archived: set[str]
    ) -> BandIndex | None:
        """The stored band index, less the ``archived`` articles, if it holds exactly the articles of
        finished runs, all still clustered."""
        stored = BandIndex.load(self.workspace.bands, settings)
        if stored is not None:
            stored = stored.without(archived)
        if stored is None or not stored.holds_exactly(known_ids):
            return None
        return stored if known_ids <= {article.id for article in articles} else None

    def _shared_text(
        self,
        articles: list[Article],
        known_ids: set[str],
        known_pairs: list[ReusePair],
        archived: set[str],
        timer: StageTimer,
    ) -> tuple[DedupResult, dict[str, int]]:
        """The MinHash and reuse stages. Their signatures and fingerprints stay in this call: the memory
        is back before embedding starts."""
        minhash, reuse = self.config.minhash, self.config.reuse
        stored_index = self.stored_band_index(index_settings(minhash, reuse), known_ids, articles, archived)
        unindexed = articles if stored_index is None else [a for a in articles if a.id not in known_ids]
        signed = self._stage("minhash", lambda: sign_articles(unindexed, minhash, reuse), timer)
        return self._stage("reuse", lambda: self._reuse(articles, signed, stored_index, known_ids, known_pairs), timer)

    def _reuse(
        self,
        articles: list[Article],
        signed: list[SignedArticle],
        stored_index: BandIndex | None,
        known_ids: set[str],
        known_pairs: list[ReusePair],
    ) -> tuple[DedupResult, dict[str, int]]:
        """LSH candidates from the band fingerprints of every passage window (the stored index's, and the
        signed articles'), exact alignment of the articles new since the last run, reprint groups; and each
        body's length in words, as the MinHash stage tokenised it. The index of every article is saved for
        the next run."""
        minhash, reuse = self.config.minhash, self.config.reuse
        index = build_band_index(signed, minhash, reuse)
        index = stored_index.extended(index) if stored_index is not None else index
        with self.progress("Finding shared text", len(articles)) as on_progress:
            dedup = update_reuse(articles, known_ids, known_pairs, minhash, reuse, on_progress, signed, index)
        # Found once here and stored with each pair, where a story page reads them.
        texts = {article.id: article.text for article in articles}
        dedup = dataclasses.replace(dedup, pairs=with_copy_edits(dedup.pairs, texts))
        # Saved now rather than with the run: it holds this run's pending articles, so after a run that
        # fails before saving, it does not hold exactly the finished ones and the next run builds it again.
        index.save(self.workspace.bands)
        return dedup, dict(zip(index.article_ids, index.words.tolist(), strict=True))

    def _without_furniture(
        self, articles: list[Article], known: dict[str, set[int]], fresh: set[str]
    ) -> tuple[list[Article], dict[str, set[int]]]:
        """The articles without their outlets' furniture, and the furniture by outlet. Learning (when on)
        weighs what the ``fresh`` articles (new since the last run, or cleaned again) hold; the others were
        cleaned by what the store holds, and only an outlet whose furniture grew has them cleaned again, or
        cleaned anew from their text where it gave up a piece (another outlet prints it: it is copy)."""
        settings = asdict(self.config.furniture)
        learn = settings.pop("learn")
        # Copy takes as many words shared with other outlets as a reuse pair does.
        learner = FurnitureLearner(**settings, min_copy_words=self.config.reuse.min_shared_words)
        learner.fit(articles if learn else [], known if learn else {}, fresh)
        subject = [
            clean_article(a) if a.outlet in learner.shrunk_ else a
            for a in articles
            if a.id in fresh or a.outlet in learner.grown_ | learner.shrunk_
        ]
        cleaned = {article.id: article for article in learner.transform(subject)}
        return [cleaned.get(article.id, article) for article in articles], learner.furniture_

    def embed(self, articles: Sequence[Article]) -> np.ndarray:
        """Embeddings of the articles: the cached ones read at once, the others embedded in shards of
        ``config.run.shard_size`` distinct texts by ``embed_shards``."""
        config = self.config.embed
        texts = [embedding_text(article) for article in articles]
        cache_path = str(self.workspace.embeddings)
        cache = EmbeddingCache(cache_path)
        try:
            vectors = cached_embeddings(texts, settled(config, 0), cache)
            shards = shards_of(
                [text for text in dict.fromkeys(texts) if text not in vectors], self.config.run.shard_size
            )
            # One backend for the whole run, chosen by everything it embeds, not shard by shard.
            config = settled(config, sum(map(len, shards)))
            with self.progress("Embedding", sum(map(len, shards))) as on_progress:
                for shard, shard_vectors in zip(shards, self.embed_shards(shards, config, cache_path), strict=True):
                    vectors.update(zip(shard, shard_vectors, strict=True))
                    # A shard an orchestrator took from its own result store wrote nothing to the cache:
                    # every vector goes where the next run, on any machine that sees the store, looks.
                    cache.put_many(
                        (cache_key(config, text), vector) for text, vector in zip(shard, shard_vectors, strict=True)
                    )
                    if on_progress is not None:
                        on_progress(len(shard))
        finally:
            cache.close()
        return np.vstack([vectors[text] for text in texts]) if texts else np.empty((0, 0), dtype=np.float32)

    def _labels(
        self,
        articles: list[Article],
        embeddings: np.ndarray,
        dedup: DedupResult,
        previous: dict[str, Story],
        closed: dict[str, str],
        recluster: bool,
    ) -> tuple[np.ndarray, TermCounts]:
        """Assign the new articles to the stored open stories, or (``recluster``) cluster the open window
        again; the ``closed`` stories' articles stay where they are. With the term counts of the original
        articles, those of the last run reused."""
        texts = {article.id: article.titled_body for article in articles if article.id not in dedup.duplicate_of}
        term_counts = count_terms(texts, TermCounts.load(self.workspace.terms, TERM_SCHEME))
        clusterer = StoryClusterer(**asdict(self.config.cluster))
        labels = story_labels(articles, embeddings, dedup, clusterer, previous, closed, recluster, term_counts)
        return labels, term_counts

    def _prepare(self, store: StoryStore, stored: list[Article], archived: set[str], timer: StageTimer) -> Prepared:
        """The ``stored`` articles (the working set less those ``archived`` now) through every stage
        before clustering."""
        # Stored articles without a cleaning by the current rules (older rules, or none) are cleaned.
        articles, empty = self._stage("clean", lambda: clean_articles(stored), timer)
        stale = {article.id for article in stored if not article.body_spans}
        fresh = stale | {article.id for article in articles} - store.finished_ids()
        learned, furniture = self._stage(
            "furniture", lambda: self._without_furniture(articles, store.furniture(), fresh), timer
        )
        recleaned = stale | {new.id for new, old in zip(learned, articles, strict=True) if new is not old}
        articles, emptied = split_empty(learned)
        articles, not_articles = split_articles(articles)
        # Pairs among the articles of finished runs are in the store; only the pending ones, and those
        # whose body changed, are aligned.
        known_pairs = [pair for pair in store.pairs() if not {pair.a, pair.b} & (recleaned | archived)]
        known_ids = store.finished_ids() - recleaned - archived
        dedup, words = self._shared_text(articles, known_ids, known_pairs, archived, timer)
        with timer.track("embed"):
            embeddings = self.embed(articles)
        rejects = [*empty, *emptied, *not_articles]
        return Prepared(articles, embeddings, dedup, words, learned, furniture, recleaned, rejects)

    def prepare(self, inputs: Sequence[str]) -> Prepared:
        """Ingest ``inputs`` and take every stored article through the stages before clustering, as a run
        does (cleaning, furniture, shared text, embedding), clustering and publishing nothing: what
        ``storyline train`` learns from."""
        with self.holding_store():
            self.ingest(inputs)
            store = StoryStore(self.workspace.store, CLEANING_VERSION)
            try:
                return self._prepare(store, store.articles(), set(), StageTimer())
            finally:
                store.close()

    def cluster(self, ingested: Ingested | None = None, recluster: bool = False) -> RunResult:
        """Group every stored article into stories and write the artifacts into the workspace.

        ``ingested`` is what this run's ingestion saw (counted in run.json; its rejects are published).
        New articles are assigned to the stored stories unless ``recluster`` is asked for or
        ``reclusters`` says so."""
        ingested = ingested or Ingested()
        timer = StageTimer(ingested.stage_seconds)
        config = self.config
        store = StoryStore(self.workspace.store, CLEANING_VERSION)
        try:
            pending = store.pending()  # before the articles: each of them is among what the run reads
            stored, previous = store.articles(), store.stories()
            now, window = newest_date(stored), config.run.story_window_days
            archive = archived_stories(previous, now, window, config.reuse.lookback_days, config.thread.max_gap_days)
            archived = {article_id for story in archive for article_id in story.article_ids}
            for story in archive:
                del previous[story.story_id]
            stored = [article for article in stored if article.id not in archived]
            prepared = self._prepare(store, stored, archived, timer)
            articles, embeddings, dedup, words = prepared.articles, prepared.embeddings, prepared.dedup, prepared.words
            rejects = [*ingested.rejects, *prepared.rejects]
            used_ids = store.used_story_ids()
            closed = closed_members(previous, now, window)
            closed_stories = set(closed.values())
            in_window = sum(1 for article in articles if article.id not in closed)
            recluster = self.reclusters(len(pending), in_window, len(previous) > len(closed_stories), recluster)
            labels, term_counts = self._stage(
                "cluster", lambda: self._labels(articles, embeddings, dedup, previous, closed, recluster), timer
            )

            def summarise() -> tuple[list[Story], list]:
                stories, events, counts = name_stories(
                    articles, labels, embeddings, dedup, previous, used_ids, config.summary, term_counts
                )
                counts.save(self.workspace.terms)  # a cache: each row is checked against the text it counted
                return stories, events

            stories, events = self._stage("summarize", summarise, timer)
            stories = self._stage(
                "thread", lambda: thread_stories(stories, articles, embeddings, previous, config.thread), timer
            )
            report = RunReport(
                counts={
                    "in": ingested.read,
                    "accepted": len(pending),
                    # A pending article is this run's, even when a run killed before clustering stored it.
                    "already_stored": len(ingested.known_ids.difference(pending)),
                    "rejected": len(rejects),
                    "articles": len(articles),
                    "duplicates": len(dedup.duplicate_of),
                    "reuse_pairs": len(dedup.pairs),
                    "stories": len(stories),
                    "closed_stories": len(closed_stories),
                    "archived_stories": len(archive),
                    "skipped_files": len(ingested.skipped),
                },
                attribution=[asdict(row) for row in attribution(articles, dedup.pairs, words, config.reuse.agencies)],
                stage_seconds=timer.seconds,
                versions=versions(),
                config=config.as_dict(),
                reclustered=recluster,
                skipped=[{"path": path, "reason": reason} for path, reason in ingested.skipped],
            )
            # The store is the record of what happened; artifacts are rebuilt from it on every run.
            positions = story_positions(stories, articles, embeddings)
            changed = [story for story in stories if previous.get(story.story_id) != story]
            cleanings = [article for article in prepared.learned if article.id in prepared.recleaned]
            store.save_run(
                stories, events, asdict(report), dedup.pairs, positions, pending, cleanings, prepared.furniture, archive
            )
            lineage = store.lineage()
            # Each archive file is written once: by this run, or by the first run after one that failed to.
            archives = {
                run: store.archived_stories(run)
                for run in store.archiving_runs()
                if not self.workspace.artifact(archive_name(run)).exists()
            }
            self.stage_runner(
                "publish",
                lambda: publish(self.workspace.root, articles, rejects, dedup, stories, report, lineage, archives),
            )
        finally:
            store.close()
        self.log(f"{len(stories)} stories from {len(articles)} articles written to {self.workspace.root}")
        return RunResult(report=report, stories=stories, changed=changed, rejects=rejects)
