"""Embed: one vector per article, the cached ones read at once, the others embedded in shards of
``run.shard_size`` distinct texts by the context's shard embedder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from clustering.config import EmbedConfig
from clustering.embed.embedding import cache_key, cached_embeddings, embedding_text, settled
from clustering.stages.context import RunContext, ShardEmbedder, embed_inline
from clustering.stages.corpus import Corpus
from clustering.storage.embedding_cache import EmbeddingCache
from clustering.stories.vectors import article_vectors, foreign_rows


def shards_of(texts: Sequence[str], size: int) -> list[list[str]]:
    return [list(texts[start : start + size]) for start in range(0, len(texts), size)]


def embed_run_texts(
    texts: Sequence[str],
    context: RunContext,
    embed_shards: ShardEmbedder | None = None,
    config: EmbedConfig | None = None,
) -> np.ndarray:
    """Embeddings of ``texts`` as the run embeds its articles (its model and cache), in order, by
    ``embed_shards`` (the run's shard embedder when None); by another model's ``config`` when given."""
    config = config or context.config.embed
    cache_path = str(context.workspace.embeddings)
    cache = EmbeddingCache(cache_path)
    try:
        vectors = cached_embeddings(texts, settled(config, 0), cache)
        shards = shards_of(
            [text for text in dict.fromkeys(texts) if text not in vectors], context.config.run.shard_size
        )
        # One backend for the whole run, chosen by everything it embeds, not shard by shard.
        config = settled(config, sum(map(len, shards)))
        with context.progress("Embedding", sum(map(len, shards))) as on_progress:
            embedded = (embed_shards or context.embed_shards)(shards, config, cache_path)
            for shard, shard_vectors in zip(shards, embedded, strict=True):
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


def multilingual_settings(config: EmbedConfig) -> EmbedConfig:
    """The settings that embed with the run's multilingual model (``embed.multilingual_model``)."""
    return replace(config, model=config.multilingual_model, backend="auto")


def embed_run_sentences(sentences: Sequence[str], languages: Sequence[str], context: RunContext) -> list[np.ndarray]:
    """Embeddings of ``sentences`` (short texts a stage compares among those of one language, in its
    process): by the main model where their language is one it reads, else by the multilingual model (the
    main one when there is none)."""
    config = context.config.embed
    foreign = foreign_rows(languages, config.primary_languages) & bool(config.multilingual_model)
    vectors: list[np.ndarray] = [np.empty(0)] * len(sentences)
    for rows, settings in (
        (np.flatnonzero(~foreign), config),
        (np.flatnonzero(foreign), multilingual_settings(config)),
    ):
        if len(rows):
            embedded = embed_run_texts([sentences[row] for row in rows], context, embed_inline, settings)
            for row, vector in zip(rows.tolist(), embedded, strict=True):
                vectors[row] = vector
    return vectors


class Embed:
    name = "embed"

    def run(self, corpus: Corpus, context: RunContext) -> Corpus:
        """The main model's embeddings; and the multilingual model's too when an article is in a language
        the main model does not read."""
        config = context.config.embed
        languages = [article.language for article in corpus.articles]
        texts = [embedding_text(article) for article in corpus.articles]
        primary = embed_run_texts(texts, context)
        multilingual = None
        if config.multilingual_model and foreign_rows(languages, config.primary_languages).any():
            multilingual = embed_run_texts(texts, context, config=multilingual_settings(config))
        return replace(corpus, vectors=article_vectors(primary, multilingual, languages, config.primary_languages))
