"""One run of the pipeline: read → clean → shingle/MinHash → reuse & duplicates → embed → cluster →
summarise → publish, over a workspace, under one configuration.

``Pipeline(workspace, config).run(inputs)`` does the whole run in this process, without Prefect; so do
``storyline evaluate``, the benchmarks and the tests. The flows in ``flows/`` run the same object and add
only what Prefect is for: they hand it a ``StageRunner`` that makes each stage a task (retries on I/O,
task-run records), a ``ShardEmbedder`` that embeds shards as cached, persisted tasks on the flow's task
runner, and Prefect artifacts from the result.

A run is two halves, which the flows can also schedule apart: ``ingest`` reads the inputs and stores the
new articles as *pending*; ``cluster`` takes every stored article through ``STAGES`` to stories and
publishes. Between them the store is the record, so a crash between the halves loses nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol, TypeVar

from clustering.config import Config, ReadConfig
from clustering.ingest.clean import CLEANING_VERSION, clean_or_reject
from clustering.ingest.fetch import land
from clustering.ingest.fields import articles_from_records
from clustering.ingest.read import is_url, read_inputs
from clustering.publish.artifacts import write_run_report
from clustering.records import Article, Ingested, ReadResult, RecordWarning, Reject, RunReport, Story
from clustering.stages.clean import Clean
from clustering.stages.cluster import Cluster
from clustering.stages.context import Progress, RunContext, ShardEmbedder, Stage, embed_inline, no_progress
from clustering.stages.corpus import Corpus, open_corpus, run_rejects
from clustering.stages.embed import Embed
from clustering.stages.events import Events
from clustering.stages.furniture import Furniture
from clustering.stages.minhash import MinHash
from clustering.stages.publish import Publish
from clustering.stages.reuse import Reuse
from clustering.stages.save import Save
from clustering.stages.summarize import Summarize
from clustering.stages.thread import Thread
from clustering.storage.lock import exclusive
from clustering.storage.store import StoryStore, split_new
from clustering.storage.workspace import Workspace
from clustering.stories.headline import split_articles
from clustering.stories.same_story import load_same_story_model

T = TypeVar("T")
_LOGGER = logging.getLogger(__name__)

# A clustering run, in order. Each stage takes the corpus and returns it with its part filled in; the
# run times each one and hands it to the stage runner. A new stage is one class and one line here.
STAGES: tuple[Stage, ...] = (
    Clean(),
    Furniture(),
    MinHash(),
    Reuse(),
    Embed(),
    Cluster(),
    Summarize(),
    Events(),
    Thread(),
    Save(),
    Publish(),
)
# What ``storyline train`` learns from: the stages up to embedding.
PREPARING_STAGES = STAGES[: [stage.name for stage in STAGES].index("embed") + 1]


class StageRunner(Protocol):
    """Runs one named step of a run (``step`` takes no arguments) and returns its result."""

    def __call__(self, name: str, step: Callable[[], T]) -> T: ...


def run_inline(name: str, step: Callable[[], T]) -> T:
    """The library's runner: the step, here and now."""
    return step()


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a clustering run made: its report, every story, those that are new or changed, the rejects."""

    report: RunReport
    stories: list[Story]
    changed: list[Story]
    rejects: list[Reject]


def _read(
    paths: Sequence[str], records: Iterable[Mapping[str, object] | Article], config: ReadConfig, outputs: list[Path]
) -> ReadResult:
    """The files and folders at ``paths``, read, then the Python ``records``."""
    read = read_inputs(paths, config, outputs)
    warnings: list[RecordWarning] = []
    articles, rejects = articles_from_records(records, config, on_warning=warnings.append)
    return replace(
        read,
        articles=[*read.articles, *articles],
        rejects=[*read.rejects, *rejects],
        warnings=[*read.warnings, *warnings],
    )


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

    def run(
        self,
        inputs: Sequence[str | Path] = (),
        recluster: bool = False,
        records: Iterable[Mapping[str, object] | Article] = (),
    ) -> RunResult:
        """Ingest ``inputs`` (files, folders, http(s) URLs) and ``records`` (dicts, or articles built
        in Python), then cluster, holding the store throughout."""
        with self.holding_store():
            return self.cluster(self.ingest(inputs, records), recluster)

    def _timed(self, name: str, step: Callable[[], T], seconds: dict[str, float]) -> T:
        """The one way a step runs: timed into ``seconds`` (as datatrove's ``track_time``), by the runner."""
        start = time.perf_counter()
        try:
            return self.stage_runner(name, step)
        finally:
            seconds[name] = round(seconds.get(name, 0.0) + time.perf_counter() - start, 3)

    def ingest(
        self, inputs: Sequence[str | Path] = (), records: Iterable[Mapping[str, object] | Article] = ()
    ) -> Ingested:
        """Fetch the URLs among ``inputs`` into the inbox, read every file and folder and every record of
        ``records`` (each dict checked as a file's record is: ``fields.articles_from_records``), clean the
        new articles and add them to the store as pending. The workspace itself is never read as input."""
        seconds: dict[str, float] = {}
        urls = [str(value) for value in inputs if is_url(str(value))]
        paths = [str(value) for value in inputs if not is_url(str(value))]
        fetch_rejects: list[Reject] = []
        if urls:
            inbox, pages = self.workspace.inbox, self.workspace.pages
            fetch_config, read_config = self.config.fetch, self.config.read
            fetch_rejects = self._timed(
                "fetch", lambda: land(urls, inbox, pages, fetch_config, read=read_config), seconds
            )
            paths.append(str(inbox))
        read_config, outputs = self.config.read, [self.workspace.root]
        given = list(records)  # once: a retried read must see them all again
        read = self._timed("read", lambda: _read(paths, given, read_config, outputs), seconds)
        # A step of its own: a read is retried, a write to the store is not (a retry would count what the
        # failed attempt added as already stored).
        added, already_stored, rejects = self._timed("store", lambda: self._store_new(read.articles), seconds)
        rejects = [*fetch_rejects, *read.rejects, *rejects]
        records = len(read.articles) + len(read.rejects)
        stored = len(already_stored)
        self.log(f"Read {records} records: {len(added)} new, {stored} already stored, {len(rejects)} rejected")
        for warning in read.warnings:
            self.log(f"{warning.origin}{f':{warning.line}' if warning.line else ''}: {warning.reason}")
        return Ingested(
            records, len(added), already_stored, tuple(rejects), seconds, tuple(read.skipped), tuple(read.warnings)
        )

    def _store_new(self, articles: list[Article]) -> tuple[set[str], frozenset[str], list[Reject]]:
        """The articles read that the store does not hold, cleaned once (the store keeps each article as read
        and what cleaning found in it) and added as pending: the ids added, those already stored, and the
        rejects (a stored id with another text, no text left, not an article)."""
        store = StoryStore(self.workspace.store, CLEANING_VERSION)
        try:
            new, conflicts, already_stored = split_new(store.texts_of(article.id for article in articles), articles)
            cleaned, empty = clean_or_reject(new)
            cleaned, not_articles = split_articles(cleaned)
            added = store.add_articles(cleaned)
            # Another writer stored some of them meanwhile: each is already stored, or a conflict, like any other.
            raced = [article for article in cleaned if article.id not in added]
            _, raced_conflicts, raced_stored = split_new(store.texts_of(a.id for a in raced), raced)
        finally:
            store.close()
        rejects = [*conflicts, *raced_conflicts, *empty, *not_articles]
        return added, frozenset([*already_stored, *raced_stored]), rejects

    def _run_stages(self, stages: Sequence[Stage], corpus: Corpus, context: RunContext) -> Corpus:
        for stage in stages:
            corpus = self._timed(
                stage.name, lambda stage=stage, corpus=corpus: stage.run(corpus, context), context.stage_seconds
            )
        return corpus

    def _context(self, store: StoryStore, ingested: Ingested, recluster: bool) -> RunContext:
        return RunContext(
            config=self.config,
            workspace=self.workspace,
            store=store,
            ingested=ingested,
            recluster=recluster,
            embed_shards=self.embed_shards,
            progress=self.progress,
            stage_seconds=dict(ingested.stage_seconds),
        )

    def prepare(self, inputs: Sequence[str]) -> Corpus:
        """Ingest ``inputs`` and take every stored article through the stages before clustering, as a run
        does (``PREPARING_STAGES``: cleaning, furniture, shared text, embedding), clustering and publishing
        nothing: what ``storyline train`` learns from."""
        with self.holding_store():
            ingested = self.ingest(inputs)
            store = StoryStore(self.workspace.store, CLEANING_VERSION)
            try:
                corpus = Corpus(stored=store.articles(), finished=frozenset(store.finished_ids()))
                return self._run_stages(PREPARING_STAGES, corpus, self._context(store, ingested, False))
            finally:
                store.close()

    def cluster(self, ingested: Ingested | None = None, recluster: bool = False) -> RunResult:
        """Group every stored article into stories and write the artifacts into the workspace: ``STAGES``
        over the working set, then ``run.json`` with every stage timed.

        ``ingested`` is what this run's ingestion saw (counted in run.json; its rejects are published).
        New articles are assigned to the stored stories unless ``recluster`` is asked for or the stage
        ``cluster`` finds that they change too much."""
        ingested = ingested or Ingested()
        store = StoryStore(self.workspace.store, CLEANING_VERSION)
        try:
            context = self._context(store, ingested, recluster)
            corpus = self._run_stages(STAGES, open_corpus(store, self.config), context)
            if corpus.report is None or corpus.run is None:
                raise RuntimeError("the stage list has no save stage: nothing was stored")
            report = replace(corpus.report, stage_seconds=dict(context.stage_seconds))
            store.update_report(corpus.run, asdict(report))
            write_run_report(self.workspace.root, report)
        finally:
            store.close()
        self.log(f"{len(corpus.stories)} stories from {len(corpus.articles)} articles written to {self.workspace.root}")
        changed = [story for story in corpus.stories if corpus.previous.get(story.story_id) != story]
        return RunResult(report=report, stories=corpus.stories, changed=changed, rejects=run_rejects(corpus, ingested))
