"""The one record a run passes from stage to stage: the working set and what each stage made of it.

It starts as the store gives it (``open_corpus``); each stage returns a copy with its fields filled in
(``dataclasses.replace``), so a stage's inputs are never changed under it, and what a stage leaves (the
MinHash signatures) is gone once the next one has replaced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from clustering.config import Config
from clustering.records import Article, DedupResult, Ingested, LineageEvent, Reject, RunReport, Story
from clustering.reuse.signing import ReuseArticle
from clustering.storage.band_index import BandIndex
from clustering.storage.store import StoryStore
from clustering.stories.term_counts import TermCounts
from clustering.stories.vectors import ArticleVectors
from clustering.stories.windows import archived_stories, newest_date


@dataclass(frozen=True, slots=True)
class Corpus:
    """The working set of a run. Fields by the stage that fills them:

    - opening: ``stored`` (the working articles as stored, less those archived now), ``previous`` (the
      stored stories, less those archived now), ``archive`` (the stories archived now) and ``archived``
      (their articles), ``pending`` (the articles stored since the last run: storage number by id),
      ``finished`` (the working articles a finished run processed), ``now`` (the newest article's date);
    - clean: ``articles`` (cleaned), ``fresh`` (ids new since the last run or cleaned again),
      ``recleaned`` (ids whose cleaning is saved with the run), ``rejects``;
    - furniture: ``articles`` without their outlets' furniture and with a body left, ``cleanings`` (the
      articles cleaned again, as saved), ``furniture`` (by outlet);
    - minhash: ``signed`` (the articles not in ``band_index``, signed), ``band_index`` (the stored one,
      when it holds exactly the ``indexed`` articles);
    - reuse: ``dedup``, ``words`` (each body's length in words);
    - embed: ``vectors`` (one row per article: the main model's ``embeddings``, and where some article is in
      a language that model does not read, a multilingual model's);
    - cluster: ``closed`` (article → closed story), ``reclustered``, ``labels``, ``term_counts``;
    - summarize: ``stories``, ``lineage``; events: ``stories`` split into events; thread: ``stories`` linked
      into threads;
    - save: ``report``, ``run`` (its number in the store).
    """

    stored: list[Article]
    previous: dict[str, Story] = field(default_factory=dict)
    archive: list[Story] = field(default_factory=list)
    archived: frozenset[str] = frozenset()
    pending: dict[str, int] = field(default_factory=dict)
    finished: frozenset[str] = frozenset()
    now: datetime | None = None
    articles: list[Article] = field(default_factory=list)
    fresh: frozenset[str] = frozenset()
    recleaned: frozenset[str] = frozenset()
    rejects: list[Reject] = field(default_factory=list)
    cleanings: list[Article] = field(default_factory=list)
    furniture: dict[str, set[int]] = field(default_factory=dict)
    indexed: frozenset[str] = frozenset()
    signed: list[ReuseArticle] = field(default_factory=list)
    band_index: BandIndex | None = None
    dedup: DedupResult = field(default_factory=lambda: DedupResult([], {}))
    words: dict[str, int] = field(default_factory=dict)
    vectors: ArticleVectors = field(default_factory=lambda: ArticleVectors(np.empty((0, 0), dtype=np.float32)))
    closed: dict[str, str] = field(default_factory=dict)
    reclustered: bool = False
    labels: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    term_counts: TermCounts | None = None
    stories: list[Story] = field(default_factory=list)
    lineage: list[LineageEvent] = field(default_factory=list)
    report: RunReport | None = None
    run: int | None = None

    @property
    def embeddings(self) -> np.ndarray:
        """The main model's embedding of each article (``vectors.primary``)."""
        return self.vectors.primary


def open_corpus(store: StoryStore, config: Config) -> Corpus:
    """The working set as the store holds it: the stories silent for longer than the story window and
    the reuse lookback are archived now, with their articles."""
    pending = store.pending()  # before the articles: each of them is among what the run reads
    stored, previous = store.articles(), store.stories()
    now = newest_date(stored)
    windows = (config.run.story_window_days, config.reuse.lookback_days, config.thread.max_gap_days)
    archive = archived_stories(previous, now, *windows)
    archived = frozenset(article_id for story in archive for article_id in story.article_ids)
    for story in archive:
        del previous[story.story_id]
    working = [article for article in stored if article.id not in archived]
    finished = frozenset(store.finished_ids())
    return Corpus(
        stored=working,
        previous=previous,
        archive=archive,
        archived=archived,
        pending=pending,
        finished=finished,
        now=now,
    )


def run_rejects(corpus: Corpus, ingested: Ingested) -> list[Reject]:
    """Every record a run set aside: ingestion's, then the stages'."""
    return [*ingested.rejects, *corpus.rejects]
