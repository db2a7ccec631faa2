"""What a stage is, and what it is handed besides the corpus: the run's settings, workspace, open store,
what ingestion saw, and the hooks through which an orchestrator takes part."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from clustering.config import Config, EmbedConfig
from clustering.embed.embedding import embed_texts
from clustering.records import Ingested
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.storage.store import StoryStore
from clustering.storage.workspace import Workspace

if TYPE_CHECKING:
    from clustering.stages.corpus import Corpus


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


@dataclass(frozen=True, slots=True)
class RunContext:
    """Everything a stage may use besides the corpus. ``recluster``: the run was asked to cluster every
    open article again. ``stage_seconds``: the seconds of every stage so far (the pipeline adds each)."""

    config: Config
    workspace: Workspace
    store: StoryStore
    ingested: Ingested
    recluster: bool = False
    embed_shards: ShardEmbedder = embed_inline
    progress: Progress = no_progress
    stage_seconds: dict[str, float] = field(default_factory=dict)


class Stage(Protocol):
    """One step of a run: ``name`` (what the run report times it as, and the task an orchestrator makes of
    it) and ``run``, which returns the corpus with this stage's part filled in."""

    name: str

    def run(self, corpus: Corpus, context: RunContext) -> Corpus: ...
